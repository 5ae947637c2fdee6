"""Labelled bronze rows for the silver tests, and what silver made of each of them.

Every bronze row carries its case name in `_source_file`: silver keeps that column as lineage and
so does quarantine, so a case can be found in whichever bucket it ended up in, even when its
business key is missing or the whole line was unparseable.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pyspark.sql import DataFrame, Row, SparkSession

from lakehouse_assets.contracts import (
    BUSINESS_KEYS,
    CORRUPT_RECORD_COLUMN,
    CUSTOMERS,
    PRODUCTS,
    RESCUED_DATA_COLUMN,
    TRANSACTIONS,
    bronze_schema,
)
from lakehouse_assets.rules import RULES, Rule
from lakehouse_assets.transforms.silver.pipeline import SPECS, SilverSlice, evaluate_source, split

LANDING_DAY = date(2024, 1, 2)
INGESTED_AT = datetime(2024, 1, 2, 6, 0)
RUN_ID = "silver-tests"

# What a well-behaved source sends; each case overrides a few columns. The business key defaults
# to the case name in upper case, so cases never collide in deduplication by accident.
CLEAN_BRONZE: dict[str, dict[str, str]] = {
    TRANSACTIONS: {
        "customer_id": "C0000001",
        "product_id": "P000001",
        "quantity": "2",
        "unit_price": "9.99",
        "currency": "USD",
        "payment_method": "paypal",
        "channel": "online",
        "status": "completed",
        "transaction_ts": "2024-01-02T10:00:00Z",
    },
    CUSTOMERS: {
        "first_name": "Ana",
        "last_name": "Lopez",
        "email": "ana.lopez@example.com",
        "phone": "+34 612 345 678",
        "country": "ES",
        "city": "Madrid",
        "signup_date": "2023-05-01",
        "loyalty_tier": "gold",
        "updated_at": "2024-01-02T08:00:00Z",
    },
    PRODUCTS: {
        "name": "Blue Phone",
        "category": "Electronics",
        "subcategory": "Phones",
        "brand": "Acme",
        "unit_price": "199.99",
        "unit_cost": "80.00",
        "is_active": "true",
        "updated_at": "2024-01-02T08:00:00Z",
    },
}
# What silver makes of CLEAN_BRONZE (the business key aside).
CLEAN_SILVER: dict[str, dict[str, object]] = {
    TRANSACTIONS: {
        "customer_id": "C0000001",
        "product_id": "P000001",
        "quantity": 2,
        "unit_price": Decimal("9.99"),
        "currency": "USD",
        "payment_method": "paypal",
        "channel": "online",
        "status": "completed",
        "transaction_ts": datetime(2024, 1, 2, 10, 0, 0),
        "transaction_date": date(2024, 1, 2),
        "total_amount": Decimal("19.98"),
        "is_late_arriving": False,
    },
    CUSTOMERS: {
        "first_name": "Ana",
        "last_name": "Lopez",
        "email": "ana.lopez@example.com",
        "phone": "+34612345678",
        "country": "ES",
        "city": "Madrid",
        "signup_date": date(2023, 5, 1),
        "loyalty_tier": "gold",
        "updated_at": datetime(2024, 1, 2, 8, 0, 0),
    },
    PRODUCTS: {
        "name": "Blue Phone",
        "category": "Electronics",
        "subcategory": "Phones",
        "brand": "Acme",
        "unit_price": Decimal("199.99"),
        "unit_cost": Decimal("80.00"),
        "unit_margin": Decimal("119.99"),
        "is_active": True,
        "updated_at": datetime(2024, 1, 2, 8, 0, 0),
    },
}


def bronze_row(
    source: str,
    case: str,
    *,
    day: date = LANDING_DAY,
    corrupt: str | None = None,
    rescued: str | None = None,
    **values: str | None,
) -> dict:
    """A clean record of `source` with `values` overridden (None lands as NULL)."""
    row = {**CLEAN_BRONZE[source], BUSINESS_KEYS[source]: case.upper(), **values}
    return _with_metadata(source, case, row, day, corrupt, rescued)


def malformed_row(source: str, case: str, text: str, *, day: date = LANDING_DAY, **values: str | None) -> dict:
    """A line bronze could not parse: its text in `_corrupt_record`, only `values` (if any) parsed."""
    return _with_metadata(source, case, dict(values), day, text, None)


def _with_metadata(source: str, case: str, row: dict, day: date, corrupt: str | None, rescued: str | None) -> dict:
    return {
        **row,
        CORRUPT_RECORD_COLUMN: corrupt,
        RESCUED_DATA_COLUMN: rescued,
        "_ingested_at": INGESTED_AT,
        "_source_file": case,
        "_source_format": "csv",
        "_data_source": source,
        "_run_id": RUN_ID,
        "_ingest_date": day,
    }


def bronze_frame(spark: SparkSession, source: str, rows: list[dict]) -> DataFrame:
    schema = bronze_schema(source)
    return spark.createDataFrame([tuple(row.get(name) for name in schema.fieldNames()) for row in rows], schema)


def id_frame(spark: SparkSession, column: str, ids: list[str]) -> DataFrame:
    """A reference dimension as `with_reference_flags` needs it: just the id column."""
    return spark.createDataFrame([(value,) for value in ids], f"{column} string")


@dataclass(frozen=True)
class Outcome:
    """Where each case landed: its silver row or its quarantine row, by case name."""

    silver: dict[str, Row]
    quarantine: dict[str, Row]

    def kept(self, case: str) -> Row:
        assert case in self.silver, f"{case} is not in silver: {self.quarantine.get(case)}"
        return self.silver[case]

    def rejected(self, case: str) -> Row:
        assert case in self.quarantine, f"{case} is not in quarantine: {self.silver.get(case)}"
        return self.quarantine[case]

    @property
    def counts(self) -> dict[str, int]:
        dispositions = Counter(row["disposition"] for row in self.quarantine.values())
        return {
            "silver": len(self.silver),
            "quarantined": dispositions["quarantined"],
            "duplicate": dispositions["duplicate"],
        }


def collect_outcome(rows: list[dict], result: SilverSlice) -> Outcome:
    """Collects both buckets and checks the reconciliation: bronze = silver + quarantined + duplicates.

    Then releases the frames split persisted for its two writes, as the silver layer does after them."""
    try:
        silver, quarantine = result.silver.collect(), result.quarantine.collect()
    finally:
        for frame in result.persisted:
            frame.unpersist()
    cases = Counter(row["_source_file"] for row in rows)
    assert len(cases) == len(rows), "test bug: case names must be unique within one bronze frame"
    landed = Counter(row["_source_file"] for row in [*silver, *quarantine])
    assert landed == cases, f"bronze rows not in exactly one bucket: missing {cases - landed}, extra {landed - cases}"
    outcome = Outcome({row["_source_file"]: row for row in silver}, {row["_source_file"]: row for row in quarantine})
    assert len(rows) == sum(outcome.counts.values())
    return outcome


def run_silver(
    spark: SparkSession,
    source: str,
    rows: list[dict],
    *,
    customers: DataFrame | None = None,
    products: DataFrame | None = None,
    seen_customers: DataFrame | None = None,
    seen_products: DataFrame | None = None,
    earlier: DataFrame | None = None,
    rules: tuple[Rule, ...] | None = None,
) -> Outcome:
    """evaluate_source then split, the way the silver layer calls them (evaluated rows persisted)."""
    # Persisting also keeps planning cheap: without it, Catalyst's constraint propagation over the
    # rule expressions takes ~25 s per split query (PruneFilters), whatever the number of rows.
    bronze = bronze_frame(spark, source, rows)
    evaluated = evaluate_source(bronze, source, rules, customers, products, seen_customers, seen_products).persist()
    try:
        return collect_outcome(rows, split(evaluated, source, earlier, rules))
    finally:
        evaluated.unpersist()


def reason_for(source: str, rule_names: list[str]) -> str:
    """The quarantine reason `reason_text` documents: 'name: description; …' in catalogue order."""
    described = {rule.name: f"{rule.name}: {rule.description}" for rule in RULES[source]}
    return "; ".join(described[name] for name in rule_names)


_DEFAULT_KEY = object()


@dataclass(frozen=True)
class Kept:
    """The case reaches silver: the clean silver row with `values` overridden, and these warnings."""

    values: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rejected:
    """The case is quarantined, failing exactly `rules` (catalogue order)."""

    rules: tuple[str, ...]
    business_key: object = _DEFAULT_KEY


@dataclass(frozen=True)
class Case:
    name: str
    values: dict
    expected: Kept | Rejected
    rescued: str | None = None
    corrupt: str | None = None

    def bronze(self, source: str) -> dict:
        if self.corrupt is not None:
            return malformed_row(source, self.name, self.corrupt, **self.values)
        return bronze_row(source, self.name, rescued=self.rescued, **self.values)


def kept(
    name: str, values: dict, silver: dict | None = None, warnings: tuple[str, ...] = (), rescued: str | None = None
) -> Case:
    return Case(name, values, Kept(silver or {}, warnings), rescued=rescued)


def rejected(
    name: str, values: dict, *rules: str, business_key: object = _DEFAULT_KEY, corrupt: str | None = None
) -> Case:
    return Case(name, values, Rejected(rules, business_key), corrupt=corrupt)


def exact(values: dict) -> dict:
    """Decimals compared as text, so 6.0 and 6.00 differ: silver money has a fixed scale."""
    return {name: str(value) if isinstance(value, Decimal) else value for name, value in values.items()}


def assert_case(outcome: Outcome, source: str, case: Case) -> None:
    key = BUSINESS_KEYS[source]
    if isinstance(case.expected, Kept):
        row = outcome.kept(case.name)
        expected = {**CLEAN_SILVER[source], key: case.name.upper(), **case.expected.values}
        assert exact({name: row[name] for name in SPECS[source].columns}) == exact(expected)
        assert row["_warnings"] == list(case.expected.warnings)
        assert (row["_ingest_date"], row["_ingested_at"]) == (LANDING_DAY, INGESTED_AT)
        return
    row = outcome.rejected(case.name)
    business_key = case.expected.business_key
    if business_key is _DEFAULT_KEY:
        business_key = case.name.upper()
    assert (row["disposition"], row["failed_rules"]) == ("quarantined", list(case.expected.rules))
    assert row["business_key"] == business_key
    assert row["reason"] == reason_for(source, list(case.expected.rules))
    assert (row["source"], row["_ingest_date"], row["_run_id"]) == (source, LANDING_DAY, RUN_ID)
