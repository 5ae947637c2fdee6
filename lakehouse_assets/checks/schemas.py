"""pandera `pyspark.sql` schemas of the silver tables: types, nullability, ranges, patterns.

Each constraint has a quarantine rule (rules.py) that catches a violating value before it reaches
silver; a failure here means a rule is missing or silver's code is wrong, not that a source sent
bad data.
"""

from collections.abc import Callable, Collection

import pandera.pyspark as pa
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from lakehouse_assets.contracts import (
    CATEGORY_TREE,
    CHANNELS,
    COUNTRIES,
    CURRENCIES,
    CUSTOMERS,
    ID_PATTERN,
    INGEST_DATE_COLUMN,
    LOYALTY_TIERS,
    PAYMENT_METHODS,
    PRODUCTS,
    SILVER_DECLARED_COLUMNS,
    STATUSES,
    TRANSACTIONS,
)
from lakehouse_assets.transforms.silver.standardize import EMAIL_PATTERN

MONEY = T.DecimalType(12, 2)
AMOUNT = T.DecimalType(14, 2)


def _lineage() -> dict[str, pa.Column]:
    return {
        "_warnings": pa.Column(T.ArrayType(T.StringType(), containsNull=False), nullable=False),
        "_source_file": pa.Column(T.StringType(), nullable=False),
        "_ingested_at": pa.Column(T.TimestampType(), nullable=False),
        "_ingest_date": pa.Column(T.DateType(), nullable=False),
    }


def _id() -> pa.Column:
    return pa.Column(T.StringType(), pa.Check.str_matches(ID_PATTERN), nullable=False)


def _money(nullable: bool = False) -> pa.Column:
    return pa.Column(MONEY, pa.Check.ge(0), nullable=nullable)


SILVER_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    TRANSACTIONS: pa.DataFrameSchema(
        {
            "transaction_id": _id(),
            "customer_id": _id(),
            "product_id": _id(),
            "quantity": pa.Column(T.IntegerType(), pa.Check.ge(1), nullable=False),
            "unit_price": _money(),
            "currency": pa.Column(T.StringType(), pa.Check.isin(list(CURRENCIES)), nullable=False),
            "payment_method": pa.Column(T.StringType(), pa.Check.isin(list(PAYMENT_METHODS)), nullable=False),
            "channel": pa.Column(T.StringType(), pa.Check.isin(list(CHANNELS)), nullable=False),
            "status": pa.Column(T.StringType(), pa.Check.isin(list(STATUSES)), nullable=False),
            "transaction_ts": pa.Column(T.TimestampType(), nullable=False),
            "transaction_date": pa.Column(T.DateType(), nullable=False),
            "total_amount": pa.Column(AMOUNT, pa.Check.ge(0), nullable=False),
            "is_late_arriving": pa.Column(T.BooleanType(), nullable=False),
            **_lineage(),
        },
        name="silver/transactions",
        strict=True,
    ),
    CUSTOMERS: pa.DataFrameSchema(
        {
            "customer_id": _id(),
            "first_name": pa.Column(T.StringType(), nullable=True),
            "last_name": pa.Column(T.StringType(), nullable=True),
            "email": pa.Column(T.StringType(), pa.Check.str_matches(EMAIL_PATTERN), nullable=False),
            "phone": pa.Column(T.StringType(), pa.Check.str_matches(r"^\+?[0-9]{7,}$"), nullable=True),
            "country": pa.Column(T.StringType(), pa.Check.isin(list(COUNTRIES)), nullable=False),
            "city": pa.Column(T.StringType(), nullable=True),
            "signup_date": pa.Column(T.DateType(), nullable=True),
            "loyalty_tier": pa.Column(T.StringType(), pa.Check.isin(list(LOYALTY_TIERS)), nullable=False),
            "updated_at": pa.Column(T.TimestampType(), nullable=False),
            **_lineage(),
        },
        name="silver/customers",
        strict=True,
    ),
    PRODUCTS: pa.DataFrameSchema(
        {
            "product_id": _id(),
            "name": pa.Column(T.StringType(), nullable=True),
            "category": pa.Column(T.StringType(), pa.Check.isin(list(CATEGORY_TREE)), nullable=False),
            "subcategory": pa.Column(T.StringType(), nullable=True),
            "brand": pa.Column(T.StringType(), nullable=True),
            "unit_price": _money(),
            "unit_cost": _money(),
            "unit_margin": pa.Column(AMOUNT, nullable=False),
            "is_active": pa.Column(T.BooleanType(), nullable=False),
            "updated_at": pa.Column(T.TimestampType(), nullable=False),
            **_lineage(),
        },
        name="silver/products",
        strict=True,
    ),
}


def silver_schema(source: str) -> pa.DataFrameSchema:
    """The silver schema of `source`, plus the columns declared after its contract.

    Declared columns (contracts.SILVER_DECLARED_COLUMNS) are nullable and typed by silver's own
    try_cast, so the schema only admits them: `strict` would otherwise reject the new column.
    """
    declared = SILVER_DECLARED_COLUMNS[source]
    schema = SILVER_SCHEMAS[source]
    return schema.add_columns({name: pa.Column(nullable=True) for name in declared}) if declared else schema


EXAMPLES_PER_CHECK = 5
# The rows a failed column check rejects, by pandera check name: how pandera's pyspark backend
# tests them (a NULL passes every one of them; nullability is its own check).
_VIOLATIONS: dict[str, Callable[[Column, dict], Column]] = {
    "str_matches": lambda column, stats: ~column.rlike(
        stats["pattern"] if stats["pattern"].startswith("^") else f"^{stats['pattern']}"
    ),
    "greater_than_or_equal_to": lambda column, stats: column < F.lit(stats["min_value"]),
    "isin": lambda column, stats: ~column.isin(list(stats["allowed_values"])),
}


def _violation(schema: pa.DataFrameSchema, column: str | None, check: str | None) -> Column | None:
    if column not in schema.columns:
        return None
    if check == "not_nullable":
        return F.col(column).isNull()
    for candidate in schema.columns[column].checks:
        if candidate.error == check and candidate.name in _VIOLATIONS:
            return _VIOLATIONS[candidate.name](F.col(column), candidate.statistics)
    return None  # a wrong type, a missing or unexpected column: no row to point at


def surely_passes(frame: DataFrame, schema: pa.DataFrameSchema) -> bool:
    """Whether `frame` passes `schema`, decided with one Spark query; False means "ask pandera".

    pandera's pyspark backend runs a query per non-nullable column and per column check (~25 for
    silver/transactions, most of a clean day's check time). Here the columns and their types are
    compared from the frame's schema, and one aggregation counts the rows that break any
    nullability or column check, with pandera's own semantics (_VIOLATIONS). True only when all
    of that is clean; any doubt (a check this module cannot express, a failure) returns False, and
    pandera then validates and names the failures as before.
    """
    options = (schema.unique, schema.checks, schema.ordered, schema.coerce, schema.strict not in (True, False))
    if any(options):  # schema-wide options the silver schemas do not use: pandera decides
        return False
    types = {field.name: field.dataType for field in frame.schema.fields}
    if len(types) != len(frame.columns) or (schema.strict and set(types) != set(schema.columns)):
        return False
    counts = []
    for name, column in schema.columns.items():
        if column.regex or column.unique or column.coerce or not column.required:
            return False
        if name not in types or (column.dtype is not None and types[name] != column.dtype.type):
            return False
        if not column.nullable:
            counts.append(F.count_if(F.col(name).isNull()))
        for check in column.checks:
            if check.name not in _VIOLATIONS:
                return False
            counts.append(F.count_if(_VIOLATIONS[check.name](F.col(name), check.statistics)))
    if not counts:
        return True
    return not any(frame.agg(*[count.alias(f"_{index}") for index, count in enumerate(counts)]).first())


def schema_failures(frame: DataFrame, schema: pa.DataFrameSchema, day_column: str = INGEST_DATE_COLUMN) -> list[dict]:
    """Every check of `schema` that `frame` fails; [] when the frame passes.

    A check about rows counts its failing rows per `day_column` day (`rows_by_day`, {None: n} when
    the frame has no such column) and names up to EXAMPLES_PER_CHECK failing values per day with the
    `_source_file` they came from; a check about the column (its type, its presence) has
    `rows_by_day` None: it fails every day. Examples cost one small query per failed check, and only
    when a check failed.
    """
    if surely_passes(frame, schema):
        return []
    errors = dict(schema.validate(frame).pandera.errors)
    day = F.col(day_column).cast("string") if day_column in frame.columns else F.lit(None).cast("string")
    failures = []
    for scope in errors.values():
        for kind in scope.values():
            for error in kind:
                column, check = error.get("column"), error.get("check")
                violation = _violation(schema, column, check)
                failure = {"column": column, "check": check, "error": error.get("error")}
                if violation is None:  # a wrong type, a missing or unexpected column: no row to point at
                    failures.append({**failure, "rows_by_day": None, "examples": []})
                    continue
                by_day = Window.partitionBy("day")
                rows = (
                    frame.where(violation)
                    .select(F.col(column).cast("string").alias("value"), "_source_file", day.alias("day"))
                    .withColumn("rows", F.count(F.lit(1)).over(by_day))
                    .withColumn("n", F.row_number().over(by_day.orderBy("_source_file", "value")))
                    .where(F.col("n") <= EXAMPLES_PER_CHECK)
                    .orderBy("day", "n")
                    .collect()
                )
                failures.append(
                    {
                        **failure,
                        "rows_by_day": {row["day"]: row["rows"] for row in rows},
                        "examples": [
                            {"value": r["value"], "_source_file": r["_source_file"], "day": r["day"]} for r in rows
                        ],
                    }
                )
    return failures


def failures_on(failures: list[dict], days: Collection[str]) -> list[dict]:
    """`schema_failures` seen from `days`: the checks failing there, each with its failing rows and
    up to EXAMPLES_PER_CHECK examples from those days (a column's failure fails every day)."""
    seen = []
    for failure in failures:
        by_day = failure["rows_by_day"]
        rows = None if by_day is None else sum(n for day, n in by_day.items() if day in days)
        if rows == 0:
            continue
        examples = [{k: e[k] for k in ("value", "_source_file")} for e in failure["examples"] if e["day"] in days]
        seen.append(
            {
                "column": failure["column"],
                "check": failure["check"],
                "error": failure["error"],
                "failed_rows": rows,
                "examples": examples[:EXAMPLES_PER_CHECK],
            }
        )
    return seen
