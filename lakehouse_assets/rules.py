"""The quality rules of silver, as data: one named Spark SQL predicate per rule.

A rule's predicate is TRUE for a row that passes; NULL counts as a failure, so predicates say
explicitly what a missing value means. Every rule of a source is evaluated in one pass over the
partition. The action decides what a failure does:
  - quarantine: the row goes to silver/quarantine with the rule's name and description;
  - warn: the row stays in silver, the rule's name lands in its `_warnings` column;
  - fail: the materialization stops, naming the rule and the number of rows.
Predicates see the typed, standardized columns and, under `_raw`, the text bronze landed.
Add a rule by appending a `Rule` to `RULES[source]` (see docs/layers.md, "Quality rules").

Every constraint of the blocking silver schemas (checks/schemas.py) has a quarantine rule here that
catches a violating value first, so a bad value quarantines its record instead of failing the
schema check, which would block gold for the whole partition range. Derived columns are covered by
their inputs' rules: total_amount (≥ 0, not NULL) by quantity ≥ 1, unit_price ≥ 0 and
total_amount_fits; transaction_date by transaction_ts; unit_margin by unit_price and unit_cost.
"""

from dataclasses import dataclass
from typing import Literal

from lakehouse_assets.contracts import (
    CATEGORY_TREE,
    CHANNELS,
    COUNTRIES,
    CURRENCIES,
    CUSTOMERS,
    ID_PATTERN,
    LOYALTY_TIERS,
    PAYMENT_METHODS,
    PRODUCTS,
    STATUSES,
    TRANSACTIONS,
)
from lakehouse_assets.transforms.silver.standardize import EMAIL_PATTERN

Action = Literal["warn", "quarantine", "fail"]
# No sale, signup or update of these sources happens outside it. A value outside broke readers too:
# year 0001 reached silver and pyarrow (nanosecond timestamps, 1677-2262) could not read the table.
WINDOW_START, WINDOW_END = "1900-01-01", "2100-01-01"


@dataclass(frozen=True)
class Rule:
    name: str
    predicate: str  # Spark SQL, TRUE when the row passes
    columns: tuple[str, ...]
    action: Action
    description: str


def malformed_record() -> Rule:
    return Rule(
        "malformed_record",
        "_corrupt_record IS NULL",
        ("_corrupt_record",),
        "quarantine",
        "the landed line could not be parsed as a record",
    )


def unexpected_columns() -> Rule:
    return Rule(
        "unexpected_columns",
        "_rescued_data IS NULL",
        ("_rescued_data",),
        "warn",
        "the record carried columns outside the source contract (kept in bronze _rescued_data)",
    )


def present(column: str, action: Action = "quarantine") -> Rule:
    return Rule(
        f"{column}_present", f"nullif(trim(_raw.`{column}`), '') IS NOT NULL", (column,), action, f"{column} is missing"
    )


def id_rules(column: str) -> tuple[Rule, ...]:
    """The id was given and is spelled in the id alphabet (contracts.ID_PATTERN).

    `normalize_id` never fails, so the typed id is NULL exactly when the landed text is missing or
    whitespace only: any Unicode whitespace, which SQL's trim (ASCII spaces) would keep."""
    return (
        Rule(f"{column}_present", f"`{column}` IS NOT NULL", (column,), "quarantine", f"{column} is missing"),
        Rule(
            f"{column}_well_formed",
            f"`{column}` IS NULL OR `{column}` RLIKE '{ID_PATTERN}'",
            (column,),
            "quarantine",
            f"{column} has characters outside A-Z, 0-9, '_' and '-', or starts with '_' or '-'",
        ),
    )


def parses(column: str, kind: str) -> Rule:
    """The raw text, when given, parsed as `kind` (a missing value is the `present` rule's job)."""
    return Rule(
        f"{column}_is_{kind}",
        f"nullif(trim(_raw.`{column}`), '') IS NULL OR `{column}` IS NOT NULL",
        (column,),
        "quarantine",
        f"{column} is not a valid {kind}",
    )


def allowed(column: str, values: tuple[str, ...], action: Action = "quarantine") -> Rule:
    listed = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return Rule(
        f"{column}_allowed",
        f"`{column}` IS NULL OR `{column}` IN ({listed})",
        (column,),
        action,
        f"{column} is not one of {', '.join(values)}",
    )


def at_least(column: str, minimum: int, name: str) -> Rule:
    return Rule(
        name, f"`{column}` IS NULL OR `{column}` >= {minimum}", (column,), "quarantine", f"{column} is below {minimum}"
    )


def not_in_future(column: str) -> Rule:
    # Relative to the landing day, not to the wall clock, so re-running a partition next year
    # gives the same answer.
    return Rule(
        f"{column}_not_in_future",
        f"`{column}` IS NULL OR `{column}` < CAST(date_add(_ingest_date, 1) AS TIMESTAMP)",
        (column, "_ingest_date"),
        "quarantine",
        f"{column} is after the day it landed",
    )


def in_range(column: str, kind: Literal["timestamp", "date"]) -> Rule:
    start, end = (f"{day} 00:00:00" if kind == "timestamp" else day for day in (WINDOW_START, WINDOW_END))
    return Rule(
        f"{column}_in_range",
        f"`{column}` IS NULL OR (`{column}` >= {kind.upper()} '{start}' AND `{column}` < {kind.upper()} '{end}')",
        (column,),
        "quarantine",
        f"{column} is before {WINDOW_START} or not before {WINDOW_END}",
    )


def timestamp_rules(column: str) -> tuple[Rule, ...]:
    return (present(column), parses(column, "timestamp"), in_range(column, "timestamp"), not_in_future(column))


def money_rules(column: str) -> tuple[Rule, ...]:
    return (present(column), parses(column, "amount"), at_least(column, 0, f"{column}_not_negative"))


def reference_rules(dimension: Literal["customer", "product"]) -> tuple[Rule, ...]:
    """A transaction naming a customer or product: quarantined only when no record of it landed anywhere.

    `_<dimension>_known`: the id has a version in silver; `_<dimension>_seen`: some bronze record of the
    dimension names it (any day, quarantined or not). A fact whose dimension record was rejected or
    lands later is an inferred member (Kimball): kept, so its revenue reaches gold, and flagged."""
    column = f"{dimension}_id"
    return (
        Rule(
            f"{dimension}_known",
            f"{column} IS NULL OR _{dimension}_known OR _{dimension}_seen",
            (column,),
            "quarantine",
            f"{column} is in no {dimension} record of any day, valid or quarantined "
            f"(re-materialize once the {dimension} has landed)",
        ),
        Rule(
            f"{dimension}_inferred",
            f"{column} IS NULL OR _{dimension}_known OR NOT _{dimension}_seen",
            (column,),
            "warn",
            f"{column} has no valid {dimension} in silver yet (its records were quarantined, or land on a day "
            f"not materialized yet); kept, and gold reports it without {dimension} attributes"
            + (" (category 'Unknown')" if dimension == "product" else "")
            + f" until the {dimension} is fixed and this day re-materialized",
        ),
    )


TRANSACTION_RULES: tuple[Rule, ...] = (
    malformed_record(),
    *id_rules("transaction_id"),
    *id_rules("customer_id"),
    *id_rules("product_id"),
    present("quantity"),
    parses("quantity", "integer"),
    at_least("quantity", 1, "quantity_at_least_one"),
    *money_rules("unit_price"),
    Rule(
        "total_amount_fits",
        "quantity IS NULL OR unit_price IS NULL OR total_amount IS NOT NULL",
        ("quantity", "unit_price"),
        "quarantine",
        "quantity × unit_price exceeds 999,999,999,999.99",
    ),
    present("currency"),
    allowed("currency", CURRENCIES),
    present("payment_method"),
    allowed("payment_method", PAYMENT_METHODS),
    present("channel"),
    allowed("channel", CHANNELS),
    present("status"),
    allowed("status", STATUSES),
    *timestamp_rules("transaction_ts"),
    *reference_rules("customer"),
    *reference_rules("product"),
    Rule(
        "late_arriving",
        "transaction_ts IS NULL OR to_date(transaction_ts) >= _ingest_date",
        ("transaction_ts", "_ingest_date"),
        "warn",
        "the transaction happened before the day it landed",
    ),
    unexpected_columns(),
)

CUSTOMER_RULES: tuple[Rule, ...] = (
    malformed_record(),
    *id_rules("customer_id"),
    present("email"),
    Rule(
        "email_valid",
        f"email IS NULL OR email RLIKE '{EMAIL_PATTERN}'",
        ("email",),
        "quarantine",
        "email is not a valid address",
    ),
    present("country"),
    allowed("country", COUNTRIES),
    present("loyalty_tier"),
    allowed("loyalty_tier", LOYALTY_TIERS),
    parses("signup_date", "date"),
    in_range("signup_date", "date"),
    *timestamp_rules("updated_at"),
    present("first_name", "warn"),
    present("last_name", "warn"),
    Rule(
        "phone_valid",
        "nullif(trim(_raw.phone), '') IS NULL OR phone IS NOT NULL",
        ("phone",),
        "warn",
        "phone has fewer than 7 digits",
    ),
    unexpected_columns(),
)

_SUBCATEGORY_PAIRS = " OR ".join(
    f"(category = '{category}' AND subcategory IN ({', '.join(repr(s) for s in subs)}))"
    for category, subs in CATEGORY_TREE.items()
)
PRODUCT_RULES: tuple[Rule, ...] = (
    malformed_record(),
    *id_rules("product_id"),
    present("name", "warn"),
    present("category"),
    allowed("category", tuple(CATEGORY_TREE)),
    Rule(
        "subcategory_in_category",
        f"subcategory IS NULL OR category IS NULL OR {_SUBCATEGORY_PAIRS}",
        ("category", "subcategory"),
        "quarantine",
        "subcategory does not belong to the category",
    ),
    *money_rules("unit_price"),
    *money_rules("unit_cost"),
    Rule(
        "cost_not_above_price",
        "unit_cost IS NULL OR unit_price IS NULL OR unit_cost <= unit_price",
        ("unit_cost", "unit_price"),
        "warn",
        "unit_cost is above unit_price",
    ),
    present("is_active"),
    parses("is_active", "boolean"),
    *timestamp_rules("updated_at"),
    unexpected_columns(),
)

RULES: dict[str, tuple[Rule, ...]] = {
    TRANSACTIONS: TRANSACTION_RULES,
    CUSTOMERS: CUSTOMER_RULES,
    PRODUCTS: PRODUCT_RULES,
}
