"""pandera `pyspark.sql` schemas of the silver tables: types, nullability, ranges, patterns."""

import pandera.pyspark as pa
from pyspark.sql import types as T

from lakehouse_assets.contracts import (
    CATEGORY_TREE,
    CHANNELS,
    COUNTRIES,
    CURRENCIES,
    CUSTOMERS,
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
_ID = r"^[A-Z0-9][A-Z0-9_\-]*$"


def _lineage() -> dict[str, pa.Column]:
    return {
        "_warnings": pa.Column(T.ArrayType(T.StringType(), containsNull=False), nullable=False),
        "_source_file": pa.Column(T.StringType(), nullable=False),
        "_ingested_at": pa.Column(T.TimestampType(), nullable=False),
        "_ingest_date": pa.Column(T.DateType(), nullable=False),
    }


def _id() -> pa.Column:
    return pa.Column(T.StringType(), pa.Check.str_matches(_ID), nullable=False)


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
