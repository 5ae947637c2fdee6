"""Bronze slice → silver rows + quarantine rows, for one source. No Dagster here.

Every bronze row ends in exactly one place: the silver table, or the quarantine table as
`quarantined` (it failed a quarantine rule) or as `duplicate` (deduplication dropped it).
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.contracts import CORRUPT_RECORD_COLUMN, CUSTOMERS, PRODUCTS, SILVER_DECLARED_COLUMNS, TRANSACTIONS
from lakehouse_assets.rules import RULES, Rule
from lakehouse_assets.transforms.silver.dedupe import DUPLICATE_REASON, deduplicate
from lakehouse_assets.transforms.silver.parsing import normalize_id
from lakehouse_assets.transforms.silver.quality import (
    DUPLICATE,
    QUARANTINED,
    WARNINGS,
    FailRuleViolation,
    evaluate,
    fatal_failures,
    quarantine_failures,
    quarantine_records,
    reason_text,
)
from lakehouse_assets.transforms.silver.typed import type_customers, type_products, type_transactions

LINEAGE = ("_source_file", "_ingested_at", "_ingest_date")
# A later status supersedes an earlier one of the same transaction within a drop.
STATUS_ORDER = {"pending": 0, "completed": 1, "cancelled": 1, "refunded": 2}


class SourceSpec(NamedTuple):
    typer: Callable[[DataFrame], DataFrame]
    key: str
    day_keys: tuple[str, ...]
    identity_keys: tuple[str, ...]  # unique across the whole silver table
    newest_first: Callable[[], list[Column]]  # built on use: no Column exists before a session
    columns: tuple[str, ...]


def _status_rank() -> Column:
    return F.coalesce(F.create_map(*[F.lit(x) for kv in STATUS_ORDER.items() for x in kv])[F.col("status")], F.lit(-1))


SPECS: dict[str, SourceSpec] = {
    TRANSACTIONS: SourceSpec(
        type_transactions,
        "transaction_id",
        ("transaction_id",),
        ("transaction_id",),
        lambda: [_status_rank().desc()],
        (
            "transaction_id",
            "customer_id",
            "product_id",
            "quantity",
            "unit_price",
            "currency",
            "payment_method",
            "channel",
            "status",
            "transaction_ts",
            "transaction_date",
            "total_amount",
            "is_late_arriving",
        ),
    ),
    CUSTOMERS: SourceSpec(
        type_customers,
        "customer_id",
        ("customer_id",),
        ("customer_id", "updated_at"),
        lambda: [F.col("updated_at").desc()],
        (
            "customer_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "country",
            "city",
            "signup_date",
            "loyalty_tier",
            "updated_at",
        ),
    ),
    PRODUCTS: SourceSpec(
        type_products,
        "product_id",
        ("product_id",),
        ("product_id", "updated_at"),
        lambda: [F.col("updated_at").desc()],
        (
            "product_id",
            "name",
            "category",
            "subcategory",
            "brand",
            "unit_price",
            "unit_cost",
            "unit_margin",
            "is_active",
            "updated_at",
        ),
    ),
}


class SilverSlice(NamedTuple):
    silver: DataFrame
    quarantine: DataFrame
    persisted: tuple[DataFrame, ...] = ()  # to unpersist once both are written


def silver_columns(source: str) -> list[str]:
    return [*SPECS[source].columns, *SILVER_DECLARED_COLUMNS[source], WARNINGS, *LINEAGE]


def seen_ids(bronze: DataFrame | None, column: str) -> DataFrame | None:
    """The ids `column` of every parsed bronze record, valid or not, normalized as silver types them.

    A record bronze could not parse is left out: whatever its columns hold is a guess."""
    if bronze is None:
        return None
    return bronze.where(F.col(CORRUPT_RECORD_COLUMN).isNull()).select(normalize_id(column).alias(column))


def with_reference_flags(
    typed: DataFrame,
    customers: DataFrame | None,
    products: DataFrame | None,
    seen_customers: DataFrame | None = None,
    seen_products: DataFrame | None = None,
) -> DataFrame:
    """Adds `_customer_known` / `_product_known` (the id is in the silver dimension) and `_customer_seen` /
    `_product_seen` (some bronze record of the dimension, of any day, valid or quarantined, names it)."""
    for column, name, silver, seen in (
        ("customer_id", "customer", customers, seen_customers),
        ("product_id", "product", products, seen_products),
    ):
        known, landed = f"_{name}_known", f"_{name}_seen"
        marked = [
            frame.select(column, F.lit(in_silver).alias(known), F.lit(not in_silver).alias(landed))
            for frame, in_silver in ((silver, True), (seen, False))
            if frame is not None
        ]
        if not marked:
            typed = typed.withColumns({known: F.lit(False), landed: F.lit(False)})
            continue
        references = marked[0] if len(marked) == 1 else marked[0].unionByName(marked[1])
        flags = F.broadcast(
            references.where(F.col(column).isNotNull())
            .groupBy(column)
            .agg(F.max(known).alias(known), F.max(landed).alias(landed))
        )
        typed = typed.join(flags, on=column, how="left").fillna(False, subset=[known, landed])
    return typed


# How the evaluated rows are kept between `evaluate_source` and the writes. On disk, not in memory:
# at 10 million transactions a day, MEMORY_AND_DISK ran the default 2g driver out of heap while
# building the in-memory column batches; DISK_ONLY writes the batches straight to local disk and
# ran the same day in the same 2g.
EVALUATED_STORAGE = StorageLevel.DISK_ONLY


def evaluate_source(
    bronze: DataFrame,
    source: str,
    rules: Sequence[Rule] | None = None,
    customers: DataFrame | None = None,
    products: DataFrame | None = None,
    seen_customers: DataFrame | None = None,
    seen_products: DataFrame | None = None,
) -> DataFrame:
    """Typed, standardized rows with their rule results. Transactions are checked against the silver
    `customers` and `products` and the ids `seen_customers` / `seen_products` in bronze (`seen_ids`).

    Persist the result (`EVALUATED_STORAGE`) before `split`: planning split's queries over the
    unpersisted plan takes tens of seconds (Catalyst's filter pruning over every rule), on a
    persisted frame milliseconds.
    """
    typed = SPECS[source].typer(bronze)
    if source == TRANSACTIONS:
        typed = with_reference_flags(typed, customers, products, seen_customers, seen_products)
    return evaluate(typed, RULES[source] if rules is None else rules)


def raise_on_fatal(evaluated: DataFrame, source: str, rules: Sequence[Rule]) -> None:
    if not any(rule.action == "fail" for rule in rules):
        return
    counts = evaluated.select(F.explode(fatal_failures(rules)).alias("rule")).groupBy("rule").count().collect()
    if counts:
        listed = ", ".join(f"{row['rule']} ({row['count']} rows)" for row in counts)
        raise FailRuleViolation(
            f"silver/{source}: rows violate rules whose action is 'fail': {listed}. Nothing was written."
        )


def split(
    evaluated: DataFrame, source: str, earlier: DataFrame | None, rules: Sequence[Rule] | None = None
) -> SilverSlice:
    """Silver rows and quarantine rows (rule failures and dropped duplicates) of one source."""
    spec, rules = SPECS[source], RULES[source] if rules is None else rules
    failed = evaluated.withColumn("_quarantine_rules", quarantine_failures(rules))
    rejected = failed.where(F.size("_quarantine_rules") > 0)
    accepted = failed.where(F.size("_quarantine_rules") == 0).drop("_quarantine_rules")
    deduplicated = deduplicate(accepted, spec.day_keys, spec.identity_keys, spec.newest_first(), earlier)
    business_key = F.coalesce(F.col(spec.key), F.col(f"_raw.{spec.key}"))
    quarantine = quarantine_records(
        rejected,
        source,
        business_key,
        QUARANTINED,
        F.col("_quarantine_rules"),
        reason_text(rules, F.col("_quarantine_rules")),
    ).unionByName(
        quarantine_records(
            deduplicated.duplicates,
            source,
            business_key,
            DUPLICATE,
            F.array(F.lit("duplicate")),
            F.col(DUPLICATE_REASON),
        )
    )
    silver = deduplicated.kept
    if source == TRANSACTIONS:
        silver = silver.withColumn("is_late_arriving", F.array_contains(WARNINGS, "late_arriving"))
    return SilverSlice(silver.select(*silver_columns(source)), quarantine, deduplicated.persisted)
