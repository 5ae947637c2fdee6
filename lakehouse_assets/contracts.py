"""Source contracts: the columns each landing source promises, one source of truth.

The generator writes these columns, bronze reads them, checks verify them. Bronze keeps every
business column as raw text (StringType) so nothing a source sends is lost to a failed cast;
typing happens in silver.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql.types import StructField, StructType

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

# The alphabet of a business id once silver has normalized it (trimmed, a-z upper-cased). No
# backslashes: the pattern is used both in Python (pandera) and inside Spark SQL string literals (rules).
ID_PATTERN = "^[A-Z0-9][A-Z0-9_-]*$"

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
MANIFEST_FILE_NAME = "_manifest.json"


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

# The Spark schemas below import pyspark when called, not when this module is imported: the
# generator and the `lakehouse` command read the contracts without loading pyspark.


def bronze_metadata_fields() -> "tuple[StructField, ...]":
    """The lineage and rescue columns bronze adds after a source's contract columns."""
    from pyspark.sql.types import DateType, StringType, StructField, TimestampType

    return (
        StructField(CORRUPT_RECORD_COLUMN, StringType()),
        StructField(RESCUED_DATA_COLUMN, StringType()),
        StructField("_ingested_at", TimestampType()),
        StructField("_source_file", StringType()),
        StructField("_source_format", StringType()),
        StructField("_data_source", StringType()),
        StructField("_run_id", StringType()),
        StructField(INGEST_DATE_COLUMN, DateType()),
    )


def raw_schema(source: str) -> "StructType":
    """The contract columns of `source`, all as nullable text."""
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField(name, StringType()) for name in CONTRACT_COLUMNS[source]])


def bronze_schema(source: str) -> "StructType":
    """The exact schema of the bronze table for `source`."""
    from pyspark.sql.types import StructType

    return StructType(list(raw_schema(source).fields) + list(bronze_metadata_fields()))


def files_schema() -> "StructType":
    """The file ledger of a source (bronze/<source>_files): one row per entry found under a drop folder,
    with what bronze did with it. `records` counts what the file holds (loaded: its bronze rows;
    rejected: counted where the file could be read as lines, else NULL)."""
    from pyspark.sql.types import ArrayType, DateType, LongType, StringType, StructField, StructType, TimestampType

    return StructType(
        [
            StructField("source", StringType(), nullable=False),
            StructField("landing_path", StringType(), nullable=False),
            StructField("file_name", StringType(), nullable=False),
            StructField("outcome", StringType(), nullable=False),  # loaded | rejected | ignored
            StructField("reason", StringType()),  # rejected: what is wrong; ignored: the naming rule
            StructField("message", StringType()),
            StructField("format", StringType()),
            StructField("encoding", StringType()),
            StructField("size_bytes", LongType(), nullable=False),
            StructField("fingerprint", StringType()),
            StructField("records", LongType()),
            StructField("columns", ArrayType(StringType(), containsNull=False)),  # header / Parquet schema
            StructField("_source_file", StringType(), nullable=False),
            StructField("_ingested_at", TimestampType(), nullable=False),
            StructField("_run_id", StringType(), nullable=False),
            StructField(INGEST_DATE_COLUMN, DateType(), nullable=False),
        ]
    )


def files_table(source: str) -> str:
    """The table name of a source's file ledger, under the bronze layer."""
    return f"{source}_files"
