"""What the blocking `pandera_schema` check reports: each failed check of the silver schema, with
example values and the landed file each came from, so a failure points at the rows to look at."""

from decimal import Decimal

from pyspark.sql import types as T

from lakehouse_assets.checks.schemas import EXAMPLES_PER_CHECK, SILVER_SCHEMAS, schema_failures
from lakehouse_assets.contracts import CURRENCIES, TRANSACTIONS

# The columns of silver/transactions that exercise every kind of check (pattern, nullability, range,
# allowed values, type): pandera runs one Spark query per check, about 25 for the full schema.
SCHEMA = SILVER_SCHEMAS[TRANSACTIONS].select_columns(
    ["transaction_id", "customer_id", "quantity", "currency", "total_amount", "is_late_arriving", "_source_file"]
)
CLEAN = {
    "customer_id": "C0000001",
    "quantity": 2,
    "currency": "USD",
    "total_amount": Decimal("19.98"),
    "is_late_arriving": False,
}
ZERO_QUANTITY_FILES = [f"zero-{index}.csv" for index in range(EXAMPLES_PER_CHECK + 2)]


def silver_frame(spark, rows: list[dict], **types: T.DataType):
    """Rows in the column types of SCHEMA (or `types`)."""
    fields = [T.StructField(name, types.get(name, column.dtype.type)) for name, column in SCHEMA.columns.items()]
    schema = T.StructType(fields)
    return spark.createDataFrame([tuple(row.get(name) for name in schema.fieldNames()) for row in rows], schema)


def row(source_file: str, **values) -> dict:
    return {**CLEAN, "transaction_id": source_file.split(".")[0].upper(), "_source_file": source_file, **values}


def test_each_failed_check_names_example_values_and_their_files(spark):
    rows = [
        row("good.csv"),
        row("lower.csv", transaction_id="t-lower"),
        row("no-customer.csv", customer_id=None),
        *[row(name, quantity=0) for name in ZERO_QUANTITY_FILES],
        row("yen.csv", currency="JPY"),
        row("negative.csv", total_amount=Decimal("-1.00")),
    ]
    # One validation (a Spark query per check): a wrong column type rides along.
    frame = silver_frame(spark, [r | {"is_late_arriving": "no"} for r in rows], is_late_arriving=T.StringType())
    failures = schema_failures(frame, SCHEMA)
    assert all(failure["error"] for failure in failures)
    by_check = {(failure["column"], failure["check"]): failure["examples"] for failure in failures}
    zero_examples = by_check.pop(("quantity", "greater_than_or_equal_to(1)"))
    assert by_check == {
        ("customer_id", "not_nullable"): [{"value": None, "_source_file": "no-customer.csv"}],
        ("transaction_id", "str_matches('^[A-Z0-9][A-Z0-9_-]*$')"): [{"value": "t-lower", "_source_file": "lower.csv"}],
        ("currency", f"isin({list(CURRENCIES)})"): [{"value": "JPY", "_source_file": "yen.csv"}],
        ("total_amount", "greater_than_or_equal_to(0)"): [{"value": "-1.00", "_source_file": "negative.csv"}],
        # A wrong type is about the column, not about rows: nothing to name.
        ("is_late_arriving", "dtype('BooleanType()')"): [],
    }
    # Seven rows fail the check; five are named.
    assert len(zero_examples) == EXAMPLES_PER_CHECK
    assert {example["value"] for example in zero_examples} == {"0"}
    assert {example["_source_file"] for example in zero_examples} <= set(ZERO_QUANTITY_FILES)
