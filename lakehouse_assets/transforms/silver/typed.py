"""Bronze text → typed, standardized columns, one function per source.

Each keeps the landed text under `_raw` (rules compare it with the parsed value, and quarantine
stores it) and bronze's lineage columns.
"""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.contracts import (
    CONTRACT_COLUMNS,
    CORRUPT_RECORD_COLUMN,
    CUSTOMERS,
    PRODUCTS,
    RESCUED_DATA_COLUMN,
    SILVER_DECLARED_COLUMNS,
    TRANSACTIONS,
)
from lakehouse_assets.transforms.silver import standardize as std
from lakehouse_assets.transforms.silver.parsing import (
    AMOUNT_TYPE,
    clean_text,
    normalize_id,
    parse_boolean,
    parse_date,
    parse_integer,
    parse_money,
    parse_timestamp,
)

LINEAGE_COLUMNS: tuple[str, ...] = ("_source_file", "_source_format", "_ingested_at", "_run_id", "_ingest_date")


def declared_columns(source: str) -> dict[str, Column]:
    """Columns declared after the contract (SILVER_DECLARED_COLUMNS), taken from bronze's rescued JSON."""
    return {
        name: F.get_json_object(RESCUED_DATA_COLUMN, f"$.{name}").try_cast(spark_type)
        for name, spark_type in SILVER_DECLARED_COLUMNS[source].items()
    }


def _typed(bronze: DataFrame, source: str, columns: dict[str, Column]) -> DataFrame:
    raw = F.struct(*[F.col(name) for name in CONTRACT_COLUMNS[source]]).alias("_raw")
    return bronze.select(
        *[expression.alias(name) for name, expression in {**columns, **declared_columns(source)}.items()],
        raw,
        CORRUPT_RECORD_COLUMN,
        RESCUED_DATA_COLUMN,
        *LINEAGE_COLUMNS,
    )


def type_transactions(bronze: DataFrame) -> DataFrame:
    typed = _typed(
        bronze,
        TRANSACTIONS,
        {
            "transaction_id": normalize_id("transaction_id"),
            "customer_id": normalize_id("customer_id"),
            "product_id": normalize_id("product_id"),
            "quantity": parse_integer("quantity"),
            "unit_price": parse_money("unit_price"),
            "currency": std.currency("currency"),
            "payment_method": std.token("payment_method"),
            "channel": std.token("channel"),
            "status": std.token("status"),
            "transaction_ts": parse_timestamp("transaction_ts"),
        },
    )
    return typed.withColumns(
        {
            "transaction_date": F.to_date("transaction_ts"),
            # try_cast: a total beyond decimal(14,2) must quarantine one row (rule total_amount_fits),
            # not fail the partition under ANSI mode.
            "total_amount": (F.col("quantity") * F.col("unit_price")).try_cast(AMOUNT_TYPE),
        }
    )


def type_customers(bronze: DataFrame) -> DataFrame:
    return _typed(
        bronze,
        CUSTOMERS,
        {
            "customer_id": normalize_id("customer_id"),
            "first_name": std.title_case("first_name"),
            "last_name": std.title_case("last_name"),
            "email": std.email("email"),
            "phone": std.phone("phone"),
            "country": std.country("country"),
            "city": std.title_case("city"),
            "signup_date": parse_date("signup_date"),
            "loyalty_tier": std.token("loyalty_tier"),
            "updated_at": parse_timestamp("updated_at"),
        },
    )


def type_products(bronze: DataFrame) -> DataFrame:
    typed = _typed(
        bronze,
        PRODUCTS,
        {
            "product_id": normalize_id("product_id"),
            "name": clean_text("name"),
            "category": std.category("category"),
            "subcategory": std.subcategory("subcategory"),
            "brand": clean_text("brand"),
            "unit_price": parse_money("unit_price"),
            "unit_cost": parse_money("unit_cost"),
            "is_active": parse_boolean("is_active"),
            "updated_at": parse_timestamp("updated_at"),
        },
    )
    return typed.withColumn("unit_margin", (F.col("unit_price") - F.col("unit_cost")).cast(AMOUNT_TYPE))
