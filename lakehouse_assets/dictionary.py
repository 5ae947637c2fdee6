"""The data dictionary: every column of every table the lakehouse writes, described once.

Every table asset carries its columns from here as definition metadata (the UI's Columns table,
before any run; assets/presentation.py `with_columns`), and the IO manager attaches the same
descriptions to each materialization's column schema; `docs/data-dictionary.md` is rendered from
here (`python -m lakehouse_assets.dictionary > docs/data-dictionary.md`). Gold measures are stated
exactly as the transforms compute them. `lakehouse_assets_tests/test_dictionary.py` holds every table's
columns, in order and with their types, equal to what the pipeline writes, so a column added without
a description fails there. No Dagster and no Spark, like the catalogue it follows.
"""

from typing import NamedTuple

from lakehouse_assets.constants import BRONZE, GOLD, SILVER
from lakehouse_assets.contracts import (
    CATEGORY_TREE,
    CHANNELS,
    CONTRACT_COLUMNS,
    COUNTRIES,
    CURRENCIES,
    CUSTOMERS,
    LOYALTY_TIERS,
    PAYMENT_METHODS,
    PRODUCTS,
    SOURCES,
    STATUSES,
    TRANSACTIONS,
    files_table,
)
from lakehouse_assets.tables import PATHS, TABLES
from lakehouse_assets.transforms.gold.customer_rules import TRACKED, recency_scores_text, segment_rules_text


class Column(NamedTuple):
    name: str
    type: str  # the Spark SQL type the table stores (DataType.simpleString())
    description: str


class TableDoc(NamedTuple):
    path: str  # the catalogue's `<layer>/<table>`
    grain: str  # what one row is
    key: str  # the columns that are unique together, or why none are
    columns: tuple[Column, ...]


def _listed(values) -> str:
    return ", ".join(values)


# Lineage and rescue columns: the same meaning wherever they appear (bronze, the ledgers, silver, quarantine).
SHARED: dict[str, Column] = {
    column.name: column
    for column in (
        Column(
            "_corrupt_record",
            "string",
            "The record's raw text when it could not be split into the contract's "
            "columns (a CSV line with the wrong number of fields, a line that is not one JSON object); else NULL.",
        ),
        Column(
            "_rescued_data",
            "string",
            "JSON object of the fields the record carried beyond its source contract; NULL when none.",
        ),
        Column("_ingested_at", "timestamp", "When the bronze run read the record's file (UTC; one value per run)."),
        Column("_source_file", "string", "URI of the landed file the record came from."),
        Column("_source_format", "string", "Format the file was read as: csv, json or parquet."),
        Column("_data_source", "string", f"Landing source: {_listed(SOURCES)}."),
        Column("_run_id", "string", "Dagster run id of the bronze run that ingested the record."),
        Column(
            "_ingest_date",
            "date",
            "Landing date: the `<source>/<YYYY-MM-DD>/` folder the file landed in. Partition column.",
        ),
        Column(
            "_warnings",
            "array<string>",
            "Names of the warn-rules the row failed (it stays in silver); empty when none. On transactions, "
            "customer_inferred / product_inferred mark an id that bronze holds but silver does not (every "
            "record of it was quarantined, or its valid version lands later): gold has no attributes for it "
            "(category 'Unknown') until the dimension is fixed and the day re-materialized.",
        ),
    )
}

# What each contract column means (the source's promise), shared by bronze, silver and the dimensions.
MEANING: dict[str, dict[str, str]] = {
    TRANSACTIONS: {
        "transaction_id": "Transaction id.",
        "customer_id": "Id of the customer who transacted.",
        "product_id": "Id of the product transacted.",
        "quantity": "Units of the product.",
        "unit_price": "Price of one unit, in `currency`.",
        "currency": "Currency of the prices.",
        "payment_method": "How it was paid.",
        "channel": "Where it was sold.",
        "status": "Transaction status.",
        "transaction_ts": "When the transaction happened.",
    },
    CUSTOMERS: {
        "customer_id": "Customer id.",
        "first_name": "First name.",
        "last_name": "Last name.",
        "email": "Email address.",
        "phone": "Phone number.",
        "country": "Country.",
        "city": "City.",
        "signup_date": "Date the customer signed up.",
        "loyalty_tier": "Loyalty programme tier.",
        "updated_at": "When the source recorded this version of the customer.",
    },
    PRODUCTS: {
        "product_id": "Product id.",
        "name": "Product name.",
        "category": "Product category.",
        "subcategory": "Subcategory within the category.",
        "brand": "Brand.",
        "unit_price": "List price of one unit.",
        "unit_cost": "Cost of one unit.",
        "is_active": "Whether the product is sold.",
        "updated_at": "When the source recorded this version of the product.",
    },
}

_ID = "Trimmed of surrounding whitespace and upper-cased when ASCII; matches contracts.ID_PATTERN."
_MONEY = "Parsed from text such as '$1,234.50' (a comma only between thousands); ≥ 0."
_TS = "UTC, parsed from ISO 8601 (an offset is converted, no zone means UTC)."
_TITLE = "Trimmed; re-cased to title case only when landed all upper or all lower case."
# Silver's columns before its lineage: each contract column's type and form after typing, standardization
# and the rules, and the columns silver derives.
SILVER_FORM: dict[str, dict[str, tuple[str, str]]] = {
    TRANSACTIONS: {
        "transaction_id": ("string", _ID),
        "customer_id": ("string", _ID + " A customer in silver/customers."),
        "product_id": ("string", _ID + " A product in silver/products."),
        "quantity": ("int", "≥ 1."),
        "unit_price": ("decimal(12,2)", _MONEY),
        "currency": ("string", f"Upper-case ISO 4217 code: {_listed(CURRENCIES)}."),
        "payment_method": ("string", f"One of {_listed(PAYMENT_METHODS)}."),
        "channel": ("string", f"One of {_listed(CHANNELS)}."),
        "status": (
            "string",
            f"One of {_listed(STATUSES)}; of one transaction_id landed twice the same day, the "
            "later status is kept (pending < completed, cancelled < refunded).",
        ),
        "transaction_ts": ("timestamp", _TS + " Not after the landing day."),
        "transaction_date": ("date", "Business date: the (UTC) date of transaction_ts."),
        "total_amount": ("decimal(14,2)", "quantity × unit_price, in `currency`."),
        "is_late_arriving": (
            "boolean",
            "The transaction happened before the day it landed (transaction_date < _ingest_date; warn-rule "
            "late_arriving).",
        ),
    },
    CUSTOMERS: {
        "customer_id": ("string", _ID),
        "first_name": ("string", _TITLE + " May be NULL (warn-rule)."),
        "last_name": ("string", _TITLE + " May be NULL (warn-rule)."),
        "email": ("string", "Lower-case, a valid address."),
        "phone": ("string", "'+' and digits, extension dropped; NULL when fewer than 7 digits (warn-rule)."),
        "country": ("string", f"ISO 3166 alpha-2 (names and alpha-3 codes mapped), one of {_listed(COUNTRIES)}."),
        "city": ("string", _TITLE),
        "signup_date": ("date", "From YYYY-MM-DD; may be NULL."),
        "loyalty_tier": ("string", f"One of {_listed(LOYALTY_TIERS)}."),
        "updated_at": ("timestamp", _TS),
    },
    PRODUCTS: {
        "product_id": ("string", _ID),
        "name": ("string", "Trimmed; may be NULL (warn-rule)."),
        "category": ("string", f"Canonical name, one of {_listed(CATEGORY_TREE)}."),
        "subcategory": ("string", "Canonical name, one of its category's subcategories; may be NULL."),
        "brand": ("string", "Trimmed."),
        "unit_price": ("decimal(12,2)", _MONEY),
        "unit_cost": ("decimal(12,2)", _MONEY + " Above unit_price only with a warning."),
        "unit_margin": ("decimal(14,2)", "unit_price − unit_cost."),
        "is_active": ("boolean", "From true/false, yes/no, y/n, t/f, 1/0."),
        "updated_at": ("timestamp", _TS),
    },
}


def _shared(*names: str) -> tuple[Column, ...]:
    return tuple(SHARED[name] for name in names)


def _bronze(source: str) -> TableDoc:
    contract = tuple(
        Column(name, "string", f"{MEANING[source][name]} Text exactly as landed.") for name in CONTRACT_COLUMNS[source]
    )
    lineage = _shared(
        "_corrupt_record",
        "_rescued_data",
        "_ingested_at",
        "_source_file",
        "_source_format",
        "_data_source",
        "_run_id",
        "_ingest_date",
    )
    return TableDoc(
        f"{BRONZE}/{source}",
        f"One row per landed {source} record, malformed ones included.",
        "None: bronze keeps every landed record, byte-identical copies included; a record's position in its "
        "file is not stored.",
        contract + lineage,
    )


def _ledger(source: str) -> TableDoc:
    return TableDoc(
        f"{BRONZE}/{files_table(source)}",
        f"One row per entry found in a `{source}/<YYYY-MM-DD>/` drop folder, and what bronze did with it.",
        "landing_path",
        (
            Column("source", "string", f"Landing source: {source}."),
            Column(
                "landing_path", "string", "The entry's location as a person would type it (folder path or s3:// URI)."
            ),
            Column("file_name", "string", "The entry's name relative to its day folder."),
            Column(
                "outcome",
                "string",
                "loaded (its records are in bronze), rejected (set aside whole) or ignored (by a naming rule).",
            ),
            Column(
                "reason",
                "string",
                "rejected: what is wrong (e.g. binary_content); ignored: the naming rule; NULL when loaded.",
            ),
            Column("message", "string", "What happened to the entry and what to do, naming the file."),
            Column("format", "string", "Format the file was read (or recognised) as: csv, json or parquet."),
            Column("encoding", "string", "Text encoding a CSV or JSON file was read with."),
            Column("size_bytes", "bigint", "Size of the entry in bytes."),
            Column(
                "fingerprint",
                "string",
                "Changes when the content may have changed: size and mtime, or the object's etag.",
            ),
            Column(
                "records",
                "bigint",
                "Records the file holds (loaded: its bronze rows; rejected: counted when "
                "the file could be read as lines, else NULL).",
            ),
            Column("columns", "array<string>", "The file's header or Parquet schema; NULL when none was read."),
            Column("_source_file", "string", "URI of the entry, as bronze's _source_file names it."),
            *_shared("_ingested_at", "_run_id", "_ingest_date"),
        ),
    )


def _silver(source: str, grain: str, key: str) -> TableDoc:
    typed = tuple(
        Column(name, spark_type, f"{MEANING[source].get(name, '')} {form}".strip())
        for name, (spark_type, form) in SILVER_FORM[source].items()
    )
    return TableDoc(
        f"{SILVER}/{source}", grain, key, typed + _shared("_warnings", "_source_file", "_ingested_at", "_ingest_date")
    )


def _from_silver(source: str, names: tuple[str, ...], note: str) -> tuple[Column, ...]:
    return tuple(Column(name, SILVER_FORM[source][name][0], f"{MEANING[source][name]} {note}") for name in names)


_SALE = "sales (transactions with status completed or refunded: a refunded one was paid first)"
_SUMMED = "Sum over the period's days of the daily summary's"
_CATEGORY_NOW = (
    "The product's category in its newest silver version when the row was computed (today's category, not "
    "the one at sale time); 'Unknown' for a product silver does not hold (an inferred product, flagged "
    "product_inferred in silver/transactions' _warnings)."
)
_AOV = "round(gross_revenue / orders, 2), half up; NULL when orders = 0."


def _period(name: str, period: str) -> TableDoc:
    return TableDoc(
        f"{GOLD}/{name}_sales_summary",
        f"One row per ({period}, channel, category) with a row in the daily summary, summed from it.",
        f"{period}, channel, category",
        (
            Column(
                period,
                "date",
                {"week_start": "Monday of the week (ISO weeks).", "month_start": "First day of the month."}[period]
                + " Partition column.",
            ),
            Column("channel", "string", "Sales channel, as in gold/daily_sales_summary."),
            Column("category", "string", "Category as each day's daily summary row has it."),
            *(
                Column(measure, spark_type, f"{_SUMMED} {measure}.")
                for measure, spark_type in (
                    ("orders", "bigint"),
                    ("units", "bigint"),
                    ("gross_revenue", "decimal(14,2)"),
                    ("refunded_amount", "decimal(14,2)"),
                    ("cancelled_amount", "decimal(14,2)"),
                    ("pending_amount", "decimal(14,2)"),
                    ("net_revenue", "decimal(14,2)"),
                )
            ),
            Column(
                "days_with_sales",
                "bigint",
                "Days of the period whose daily row (this channel and category) has orders > 0.",
            ),
            Column("avg_order_value", "decimal(14,2)", _AOV + " Of the period's sums, not an average of days."),
        ),
    )


_QUARANTINE = TableDoc(
    f"{SILVER}/quarantine",
    "One row per bronze record that did not reach silver, of every source: it failed a quarantine rule, or "
    "deduplication dropped it.",
    "None. (source, business_key) is not unique: business_key is NULL for a record without an id, and an id "
    "has a row per rejected record (a pending version beside a completed one, an exact copy, the same id on "
    "several days, several failing versions). Not even all columns together: three byte-identical records in "
    "one file give two identical duplicate rows. A row is one landed record, named by (source, _source_file, "
    "raw_record) up to such copies.",
    (
        Column("source", "string", f"Landing source of the record: {_listed(SOURCES)}."),
        Column(
            "business_key",
            "string",
            "The record's id (transaction_id, customer_id or product_id) normalized "
            "as silver does; as landed when it could not be; NULL when the record has none.",
        ),
        Column(
            "disposition", "string", "quarantined (failed a quarantine rule) or duplicate (dropped by deduplication)."
        ),
        Column(
            "failed_rules",
            "array<string>",
            "Names of the quarantine rules it failed, in catalogue order "
            "(lakehouse_assets/rules.py); ['duplicate'] for a duplicate.",
        ),
        Column(
            "reason",
            "string",
            "'rule: description; …' for each failed rule, or why it is a duplicate "
            "(exact copy, older version the same day, already landed on an earlier day or in silver).",
        ),
        Column(
            "raw_record",
            "string",
            "The record as bronze holds it, as JSON: the landed text of each contract "
            "column (NULLs left out), _corrupt_record and _rescued_data.",
        ),
        *_shared("_source_file", "_source_format", "_ingested_at", "_run_id", "_ingest_date"),
    ),
)

_SILVER = (
    _silver(
        TRANSACTIONS,
        "One row per transaction_id, counted once across all landing days (the first day it landed keeps it).",
        "transaction_id",
    ),
    _silver(CUSTOMERS, "One row per customer version.", "customer_id, updated_at"),
    _silver(PRODUCTS, "One row per product version.", "product_id, updated_at"),
    _QUARANTINE,
)

# The scores come from the values alone, so customers with equal values share scores and segment.
_QUANTILE_SCORE = (
    "ceil(5 × the mid-rank share of this customer's {column} among the snapshot's customers): the share is "
    "(lowest + highest rank that {column}'s ties occupy, ascending) / 2 / the number of customers, so equal "
    "values share a score; 1–5, the largest {column} scores highest."
)

_GOLD = (
    TableDoc(
        f"{GOLD}/customer_segments",
        "One row per (as_of_date, customer_id) for each customer with a sale in the 90 days up to the as-of date: "
        "an RFM snapshot per day.",
        "as_of_date, customer_id",
        (
            Column(
                "as_of_date",
                "date",
                "The snapshot's day: measures cover sales dated up to the end of it. Partition column.",
            ),
            Column("customer_id", "string", "The customer."),
            Column(
                "recency_days",
                "int",
                "Days from the customer's last sale in the window to as_of_date (0 = "
                "bought on the as-of day; at most 89).",
            ),
            Column(
                "frequency",
                "bigint",
                f"Number of {_SALE} with transaction_date in the 90 days ending on "
                "as_of_date (after as_of_date − 90, up to as_of_date); ≥ 1. A refunded sale counts.",
            ),
            Column(
                "monetary",
                "decimal(14,2)",
                "Net value of those sales: sum of total_amount of the completed ones; a refunded sale counts 0.",
            ),
            Column(
                "r_score",
                "int",
                recency_scores_text(),
            ),
            Column("f_score", "int", _QUANTILE_SCORE.format(column="frequency")),
            Column("m_score", "int", _QUANTILE_SCORE.format(column="monetary")),
            Column("rfm", "string", "r_score, f_score and m_score as one text, e.g. '545'."),
            Column("segment", "string", segment_rules_text()),
            Column(
                "lifetime_value",
                "decimal(14,2)",
                "Net value of all the customer's sales dated up to as_of_date "
                "(every silver day, not only the window): sum of total_amount of completed ones; refunded 0.",
            ),
            Column("first_purchase", "date", f"Date of the customer's first sale up to as_of_date ({_SALE})."),
        ),
    ),
    TableDoc(
        f"{GOLD}/daily_sales_summary",
        "One row per (transaction_date, channel, category) with any transaction, a sale or not.",
        "transaction_date, channel, category",
        (
            Column(
                "transaction_date",
                "date",
                "Business date (the date the transaction happened, not the landing date). Partition column.",
            ),
            Column("channel", "string", f"Sales channel: {_listed(CHANNELS)}."),
            Column("category", "string", _CATEGORY_NOW),
            Column("orders", "bigint", f"Number of {_SALE}. Pending and cancelled ones are not sales."),
            Column("units", "bigint", "Sum of quantity over the sales; 0 when none."),
            Column(
                "gross_revenue",
                "decimal(14,2)",
                "Sum of total_amount over the sales (refunded ones included), "
                "added up across currencies without conversion; 0.00 when none.",
            ),
            Column("refunded_amount", "decimal(14,2)", "Sum of total_amount of the refunded transactions."),
            Column(
                "cancelled_amount",
                "decimal(14,2)",
                "Sum of total_amount of the cancelled transactions (not in gross_revenue).",
            ),
            Column(
                "pending_amount",
                "decimal(14,2)",
                "Sum of total_amount of the pending transactions (not in gross_revenue).",
            ),
            Column(
                "distinct_customers",
                "bigint",
                "Distinct customer_id among the sales. Does not add up across days, so weeks and months leave it out.",
            ),
            Column(
                "net_revenue",
                "decimal(14,2)",
                "gross_revenue − refunded_amount: the total_amount of the completed transactions.",
            ),
            Column("avg_order_value", "decimal(14,2)", _AOV),
        ),
    ),
    TableDoc(
        f"{GOLD}/dim_customers",
        "SCD type 2: one row per customer and period in which its tracked attributes (first_name, last_name, "
        "email, phone, country, city, loyalty_tier) held; rebuilt whole from every silver version.",
        "customer_sk (and customer_id, valid_from)",
        (
            Column(
                "customer_sk",
                "bigint",
                "Surrogate key: xxhash64(customer_id, valid_from), the same on every "
                "rebuild (64-bit, may be negative).",
            ),
            Column("customer_id", "string", "The customer."),
            *_from_silver(CUSTOMERS, TRACKED, "Tracked: as it held in this period; a change opens a new row."),
            *_from_silver(CUSTOMERS, ("signup_date",), "Not tracked: as the version that opened the row has it."),
            Column(
                "valid_from",
                "timestamp",
                "updated_at of the silver version that opened the period "
                "(inclusive). A version that changes no tracked attribute opens no row.",
            ),
            Column(
                "valid_to", "timestamp", "valid_from of the customer's next row (exclusive); NULL for the current row."
            ),
            Column("is_current", "boolean", "valid_to IS NULL: the customer's newest row."),
        ),
    ),
    TableDoc(
        f"{GOLD}/dim_products",
        "One row per product_id with the attributes of its newest silver version (SCD type 1).",
        "product_id",
        (
            *_from_silver(
                PRODUCTS, ("product_id", "name", "brand", "category", "subcategory"), "Of the newest version."
            ),
            Column("category_path", "string", "'category > subcategory'; the category alone when subcategory is NULL."),
            *_from_silver(PRODUCTS, ("unit_price", "unit_cost"), "Of the newest version."),
            Column("unit_margin", "decimal(14,2)", "unit_price − unit_cost."),
            Column(
                "margin_rate",
                "decimal(19,4)",
                "round(unit_margin / unit_price, 4), half up; NULL when unit_price is 0.",
            ),
            *_from_silver(PRODUCTS, ("is_active",), "Of the newest version."),
            Column(
                "valid_since",
                "timestamp",
                "updated_at of the newest version (newest by updated_at, not by landing date).",
            ),
            Column("version_count", "bigint", "Number of versions of the product in silver/products."),
        ),
    ),
    _period("monthly", "month_start"),
    TableDoc(
        f"{GOLD}/product_performance",
        "One row per (transaction_date, product_id) with a completed sale that day.",
        "transaction_date, product_id",
        (
            Column("transaction_date", "date", "Business date of the sales. Partition column."),
            Column("product_id", "string", "The product."),
            Column(
                "category",
                "string",
                "The product's category in gold/dim_products (today's, not the one at "
                "sale time); 'Unknown' when the product is not there (an inferred product).",
            ),
            Column(
                "units",
                "bigint",
                "Sum of quantity over the product's completed transactions that day. "
                "Refunded ones (returned goods), pending and cancelled ones are left out.",
            ),
            Column(
                "revenue",
                "decimal(14,2)",
                "Sum of total_amount over those completed transactions, across currencies without conversion.",
            ),
            Column(
                "margin",
                "decimal(14,2)",
                "revenue − units × unit_cost, with the product's unit_cost in "
                "gold/dim_products (today's, not the cost at sale time); NULL when unknown.",
            ),
            Column(
                "rank_in_category",
                "int",
                "Dense rank of revenue, highest first, among the category's "
                "products that day (1 = top; ties share a rank).",
            ),
            Column(
                "share_of_category_revenue",
                "decimal(19,4)",
                "revenue / the category's revenue that day, "
                "rounded half up to 4 decimals (shares need not add up to exactly 1); NULL when that is 0.",
            ),
            Column(
                "trailing_7d_revenue",
                "decimal(14,2)",
                "Sum of the product's revenue over the 7 business days "
                "ending on transaction_date (that day and the 6 before).",
            ),
        ),
    ),
    _period("weekly", "week_start"),
)

_DOCS: dict[str, TableDoc] = {
    doc.path: doc
    for doc in (
        *(_bronze(source) for source in SOURCES),
        *(_ledger(source) for source in SOURCES),
        *_SILVER,
        *_GOLD,
    )
}
# In the catalogue's order; a table missing here (or described but not in the catalogue) fails at import.
DICTIONARY: dict[str, TableDoc] = {path: _DOCS[path] for path in PATHS}
if set(_DOCS) != set(PATHS):
    raise ValueError(f"Tables described but not in the catalogue: {sorted(set(_DOCS) - set(PATHS))}")


_DESCRIPTIONS: dict[tuple[str, str], str] = {
    (path, column.name): column.description for path, doc in DICTIONARY.items() for column in doc.columns
}


def column_description(path: str, column: str) -> str | None:
    """The description of `column` of the table at catalogue path `path` (`silver/transactions`); None for
    a table or column the dictionary does not hold (the IO manager also stores test assets)."""
    return _DESCRIPTIONS.get((path, column))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown() -> str:
    """docs/data-dictionary.md: one section per table, with its grain, key, partition column and columns."""
    lines = [
        "# Data dictionary",
        "",
        "[← README](../README.md)",
        "",
        "Every column of every table the lakehouse writes. Generated from `lakehouse_assets/dictionary.py` "
        "(`python -m lakehouse_assets.dictionary > docs/data-dictionary.md`); a test fails when this page or a "
        "table's columns drift from it. The same descriptions are the Columns table of each asset in the "
        "Dagster UI. Types are Spark SQL types.",
    ]
    for layer in (BRONZE, SILVER, GOLD):
        lines += ["", f"## {layer.capitalize()}"]
        for table in (table for table in TABLES if table.layer == layer):
            doc = DICTIONARY[table.path]
            lines += [
                "",
                f"### `{table.path}`",
                "",
                f"- **Grain:** {doc.grain}",
                f"- **Unique key:** {doc.key}",
                f"- **Partition column:** `{table.partition_column}`"
                if table.partition_column
                else "- **Partition column:** none (rebuilt whole)",
                "",
                "| column | type | description |",
                "|---|---|---|",
                *(f"| `{c.name}` | `{c.type}` | {_cell(c.description)} |" for c in doc.columns),
            ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
