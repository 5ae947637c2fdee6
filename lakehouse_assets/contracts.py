"""Source contracts: the columns each landing source promises, one source of truth.

The generator writes these columns, bronze reads them, checks verify them. Bronze keeps every
business column as raw text (StringType) so nothing a source sends is lost to a failed cast;
typing happens in silver.
"""

from datetime import date
from typing import NamedTuple

from pyspark.sql.types import DateType, StringType, StructField, StructType, TimestampType

TRANSACTIONS = "transactions"
CUSTOMERS = "customers"
PRODUCTS = "products"
SOURCES: tuple[str, ...] = (TRANSACTIONS, CUSTOMERS, PRODUCTS)

CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    TRANSACTIONS: (
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
    ),
    CUSTOMERS: (
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
    PRODUCTS: (
        "product_id",
        "name",
        "category",
        "subcategory",
        "brand",
        "unit_price",
        "unit_cost",
        "is_active",
        "updated_at",
    ),
}

BUSINESS_KEYS: dict[str, str] = {
    TRANSACTIONS: "transaction_id",
    CUSTOMERS: "customer_id",
    PRODUCTS: "product_id",
}

# Clean domains of the categorical columns: what silver standardizes to and its rules allow.
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP")
PAYMENT_METHODS: tuple[str, ...] = ("credit_card", "debit_card", "paypal", "bank_transfer", "cash")
CHANNELS: tuple[str, ...] = ("online", "store", "mobile")
STATUSES: tuple[str, ...] = ("completed", "pending", "cancelled", "refunded")
LOYALTY_TIERS: tuple[str, ...] = ("bronze", "silver", "gold", "platinum")
COUNTRIES: tuple[str, ...] = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "CA", "AU", "BR")
CATEGORY_TREE: dict[str, tuple[str, ...]] = {
    "Electronics": ("Phones", "Laptops", "Audio"),
    "Clothing": ("Men", "Women", "Kids"),
    "Home & Garden": ("Kitchen", "Furniture", "Garden"),
    "Sports": ("Fitness", "Outdoor", "Cycling"),
    "Books": ("Fiction", "Non-Fiction", "Children"),
    "Toys": ("Games", "Building", "Dolls"),
    "Beauty": ("Skincare", "Makeup", "Fragrance"),
    "Grocery": ("Snacks", "Beverages", "Pantry"),
}

LANDING_FORMATS: tuple[str, ...] = ("csv", "json", "parquet")
# Files whose names start with these are bookkeeping (the generator's manifest, writers' temp
# files), never data.
IGNORED_FILE_PREFIXES: tuple[str, ...] = ("_", ".")
MANIFEST_FILE_NAME = "_manifest.json"



class LandingFile(NamedTuple):
    """One data file of a (source, day) drop."""

    path: str  # what Spark reads: an absolute local path or a URI
    name: str
    format: str  # csv | json | parquet
    size: int
    day: date
    key: str = ""  # relative to the landing root: <source>/<YYYY-MM-DD>/<name>


# Raw text of a record that could not be parsed at all (a broken CSV/JSON line).
CORRUPT_RECORD_COLUMN = "_corrupt_record"
# JSON object of the columns a record carried that are not in its source contract.
RESCUED_DATA_COLUMN = "_rescued_data"

# Schema evolution. A column that starts appearing in landing files is kept by bronze as landed,
# inside _rescued_data (a JSON object per record), and breaks nothing. It reaches silver only once
# declared here, as name -> Spark SQL type; silver then extracts it from _rescued_data (a value
# that does not parse becomes null) and the silver table gains the column (the IO manager merges it
# and reports `added_columns`). Earlier rows read null. Example: {"transactions": {"coupon_code": "string"}}.
SILVER_DECLARED_COLUMNS: dict[str, dict[str, str]] = {TRANSACTIONS: {}, CUSTOMERS: {}, PRODUCTS: {}}
INGEST_DATE_COLUMN = "_ingest_date"

BRONZE_METADATA_FIELDS: tuple[StructField, ...] = (
    StructField(CORRUPT_RECORD_COLUMN, StringType()),
    StructField(RESCUED_DATA_COLUMN, StringType()),
    StructField("_ingested_at", TimestampType()),
    StructField("_source_file", StringType()),
    StructField("_source_format", StringType()),
    StructField("_data_source", StringType()),
    StructField("_run_id", StringType()),
    StructField(INGEST_DATE_COLUMN, DateType()),
)


def raw_schema(source: str) -> StructType:
    """The contract columns of `source`, all as nullable text."""
    return StructType([StructField(name, StringType()) for name in CONTRACT_COLUMNS[source]])


def bronze_schema(source: str) -> StructType:
    """The exact schema of the bronze table for `source`."""
    return StructType(list(raw_schema(source).fields) + list(BRONZE_METADATA_FIELDS))
