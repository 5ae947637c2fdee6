"""What the blocking `pandera_schema` check reports: each failed check of the silver schema, with
example values and the landed file each came from, so a failure points at the rows to look at, and
the failing rows per landing day, so each day of a range run reports its own failures."""

from datetime import date
from decimal import Decimal

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T

from lakehouse_assets.checks.schemas import (
    EXAMPLES_PER_CHECK,
    SILVER_SCHEMAS,
    failures_on,
    schema_failures,
    surely_passes,
)
from lakehouse_assets.contracts import CURRENCIES, TRANSACTIONS

# The columns of silver/transactions that exercise every kind of check (pattern, nullability, range,
# allowed values, type): pandera runs one Spark query per check, about 25 for the full schema.
SCHEMA = SILVER_SCHEMAS[TRANSACTIONS].select_columns(
    [
        "transaction_id",
        "customer_id",
        "quantity",
        "currency",
        "total_amount",
        "is_late_arriving",
        "_source_file",
        "_ingest_date",
    ]
)
DAY_ONE, DAY_TWO = "2024-01-01", "2024-01-02"
CLEAN = {
    "customer_id": "C0000001",
    "quantity": 2,
    "currency": "USD",
    "total_amount": Decimal("19.98"),
    "is_late_arriving": False,
    "_ingest_date": date.fromisoformat(DAY_ONE),
}
ZERO_QUANTITY_FILES = [f"zero-{index}.csv" for index in range(EXAMPLES_PER_CHECK + 2)]


def silver_frame(spark, rows: list[dict], **types: T.DataType):
    """Rows in the column types of SCHEMA (or `types`)."""
    fields = [T.StructField(name, types.get(name, column.dtype.type)) for name, column in SCHEMA.columns.items()]
    schema = T.StructType(fields)
    return spark.createDataFrame([tuple(row.get(name) for name in schema.fieldNames()) for row in rows], schema)


def row(source_file: str, **values) -> dict:
    return {**CLEAN, "transaction_id": source_file.split(".")[0].upper(), "_source_file": source_file, **values}


def test_each_failed_check_names_example_values_and_their_files_and_counts_its_rows_per_day(spark):
    day_two = date.fromisoformat(DAY_TWO)
    rows = [
        row("good.csv"),
        row("lower.csv", transaction_id="t-lower"),
        row("no-customer.csv", customer_id=None, _ingest_date=day_two),
        *[row(name, quantity=0) for name in ZERO_QUANTITY_FILES],
        row("zero-late.csv", quantity=0, _ingest_date=day_two),
        row("yen.csv", currency="JPY"),
        row("negative.csv", total_amount=Decimal("-1.00")),
    ]
    # One validation (a Spark query per check): a wrong column type rides along.
    frame = silver_frame(spark, [r | {"is_late_arriving": "no"} for r in rows], is_late_arriving=T.StringType())
    failures = schema_failures(frame, SCHEMA)
    assert all(failure["error"] for failure in failures)
    by_check = {(f["column"], f["check"]): (f["rows_by_day"], f["examples"]) for f in failures}
    zero_rows, zero_examples = by_check.pop(("quantity", "greater_than_or_equal_to(1)"))
    assert by_check == {
        ("customer_id", "not_nullable"): (
            {DAY_TWO: 1},
            [{"value": None, "_source_file": "no-customer.csv", "day": DAY_TWO}],
        ),
        ("transaction_id", "str_matches('^[A-Z0-9][A-Z0-9_-]*$')"): (
            {DAY_ONE: 1},
            [{"value": "t-lower", "_source_file": "lower.csv", "day": DAY_ONE}],
        ),
        ("currency", f"isin({list(CURRENCIES)})"): (
            {DAY_ONE: 1},
            [{"value": "JPY", "_source_file": "yen.csv", "day": DAY_ONE}],
        ),
        ("total_amount", "greater_than_or_equal_to(0)"): (
            {DAY_ONE: 1},
            [{"value": "-1.00", "_source_file": "negative.csv", "day": DAY_ONE}],
        ),
        # A wrong type is about the column, not about rows: nothing to name, every day fails it.
        ("is_late_arriving", "dtype('BooleanType()')"): (None, []),
    }
    # Seven rows fail the check on day one, five of them named; one on day two, named.
    assert zero_rows == {DAY_ONE: len(ZERO_QUANTITY_FILES), DAY_TWO: 1}
    assert [(e["day"], e["_source_file"]) for e in zero_examples] == [
        *[(DAY_ONE, name) for name in ZERO_QUANTITY_FILES[:EXAMPLES_PER_CHECK]],
        (DAY_TWO, "zero-late.csv"),
    ]

    # What a day's evaluation reports: that day's failing checks and rows; the range's, both days'.
    def seen(days):
        return {(f["column"], f["failed_rows"], len(f["examples"])) for f in failures_on(failures, days)}

    assert seen([DAY_TWO]) == {("customer_id", 1, 1), ("quantity", 1, 1), ("is_late_arriving", None, 0)}
    assert seen([DAY_ONE, DAY_TWO]) == {
        ("customer_id", 1, 1),
        ("transaction_id", 1, 1),
        ("quantity", 8, EXAMPLES_PER_CHECK),
        ("currency", 1, 1),
        ("total_amount", 1, 1),
        ("is_late_arriving", None, 0),
    }


FAULTS = {
    "clean": lambda frame: frame,
    "pattern": lambda frame: frame.withColumn("transaction_id", F.lit("t-lower")),
    "null": lambda frame: frame.withColumn("customer_id", F.lit(None).cast("string")),
    "range": lambda frame: frame.withColumn("quantity", F.lit(0)),
    "allowed values": lambda frame: frame.withColumn("currency", F.lit("JPY")),
    "type": lambda frame: frame.withColumn("is_late_arriving", F.lit("no")),
    "extra column": lambda frame: frame.withColumn("surprise", F.lit(1)),
    "missing column": lambda frame: frame.drop("currency"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_one_query_pre_check_passes_exactly_what_pandera_passes(spark, fault):
    """The pre-check spares pandera's query per check on a clean slice; it must never pass a slice
    pandera fails (a NULL in a checked, nullable column passes both)."""
    frame = FAULTS[fault](silver_frame(spark, [row("good.csv"), row("late.csv", quantity=None)]))
    schema = SCHEMA.update_column("quantity", nullable=True)
    pandera_passes = not schema.validate(frame).pandera.errors
    assert (surely_passes(frame, schema), pandera_passes) == ((True, True) if fault == "clean" else (False, False))
    assert (schema_failures(frame, schema) == []) is pandera_passes
