"""One measurement: the daily bronze → silver → gold work in DuckDB, tables written as Delta by delta-rs.

    python bench/peer_pipeline.py --start 2024-01-01 [--end 2024-01-01] [--result FILE]

The `peer` of the benchmark (bench/parts.py): the same daily work as bench/plain_pipeline.py, written
independently of Spark, so the report can say what the JVM and the orchestration cost against a
single-process engine. No pyspark import, no JVM; Dagster is not imported either. Drops are read from
$LAKEHOUSE_LANDING_ROOT (local folders `<source>/<YYYY-MM-DD>/<file>`), tables written under
$LAKEHOUSE_ROOT/<layer>/<table>, each day-range slice replaced (the `replaceWhere` of the plain script).

What it implements, with the project's semantics (lakehouse_assets_tests/test_bench_peer.py checks the
outputs equal the plain pipeline's):
- bronze: every landed record as text, as the project reads it. CSV line by line (a record with the
  wrong number of fields keeps what it had and its line in `_corrupt_record`; an unclosed quote runs to
  the end of its line); JSON lines parsed by the project's own `parse_json_line` (numbers kept as
  written; in Python, which makes JSON the peer's slowest format); Parquet values as text (the
  generator's Parquet holds strings only); the lineage columns silver and gold use.
- silver: the same typing and standardization (typed.py, parsing.py, standardize.py), the same quality
  rules (rules.py, ported to DuckDB SQL with the same names, actions and reasons), quarantine (reason and
  raw record), and the three deduplication passes (same drop, across the run's days, against earlier
  silver days) with the same winners and duplicate reasons.
- gold: dim_customers (SCD 2, with Spark's xxhash64 surrogate key), dim_products, daily_sales_summary,
  product_performance and customer_segments, with the project's decimal types and HALF_UP rounding.

What it deliberately leaves out, because `bench/generate_day.py` never lands it:
- bronze's hostile-file handling: no file ledgers (`bronze/<source>_files`), no rejection of binary,
  gzip, UTF-16 or Windows-1252 text, no CSV delimiter detection (comma only), no CSV records spanning
  lines, no JSON array files, no columns outside the contract in CSV or Parquet (an unsupported input
  stops the run instead of being read differently);
- silver's declared columns (SILVER_DECLARED_COLUMNS, empty today) and the `fail` rule action (no rule
  uses it);
- the Dagster side: asset checks, run storage, the IO manager's table properties;
- a landing zone on S3 (local folders only, as bench/plain_pipeline.py).
Where Spark's xxhash64 breaks a tie (two different records of one key, equally new, in one file), the
peer computes the same hash (in numpy) so the same record wins.
"""

import argparse
import csv
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import psutil
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from probe import LAYERS, MemorySampler, emit, folder_bytes, layer_bytes, layer_rows, process_seconds, table_folders

from lakehouse_assets.contracts import (
    CATEGORY_TREE,
    CHANNELS,
    CONTRACT_COLUMNS,
    CORRUPT_RECORD_COLUMN,
    COUNTRIES,
    CURRENCIES,
    CUSTOMERS,
    ID_PATTERN,
    INGEST_DATE_COLUMN,
    LOYALTY_TIERS,
    PAYMENT_METHODS,
    PRODUCTS,
    RESCUED_DATA_COLUMN,
    SOURCES,
    STATUSES,
    TRANSACTIONS,
)
from lakehouse_assets.settings import Settings
from lakehouse_assets.transforms.bronze_files import (
    BOOKKEEPING_PREFIXES,
    FORMAT_BY_EXTENSION,
    PARTIAL_SUFFIXES,
    parse_json_line,
    spark_file_uri,
)
from lakehouse_assets.transforms.gold.customer_rules import RECENCY_SCORES, SEGMENT_RULES, TRACKED

# Constants of modules that import pyspark (so cannot be imported here), copied; the equality test
# fails when they drift. silver/standardize.py:
EMAIL_PATTERN = r"^[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$"
COUNTRY_ALIASES = {
    **dict.fromkeys(("USA", "UNITED STATES", "UNITED STATES OF AMERICA"), "US"),
    **dict.fromkeys(("UK", "GBR", "UNITED KINGDOM", "GREAT BRITAIN"), "GB"),
    **dict.fromkeys(("DEU", "GERMANY"), "DE"),
    **dict.fromkeys(("FRA", "FRANCE"), "FR"),
    **dict.fromkeys(("ESP", "SPAIN"), "ES"),
    **dict.fromkeys(("ITA", "ITALY"), "IT"),
    **dict.fromkeys(("NLD", "NETHERLANDS"), "NL"),
    **dict.fromkeys(("CAN", "CANADA"), "CA"),
    **dict.fromkeys(("AUS", "AUSTRALIA"), "AU"),
    **dict.fromkeys(("BRA", "BRAZIL"), "BR"),
}
# silver/parsing.py (Java regex there, RE2 here: Java's `\s` also holds the vertical tab, spelled out).
WHITESPACE = r"[ \t\n\x0B\f\r]"
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?\z"
)
_EDGE = r"[\s\x{0B}\x{1C}-\x{1F}\p{Z}\x{85}\x{180E}\x{200B}\x{2060}\x{FEFF}]"
EDGE_WHITESPACE = rf"^{_EDGE}+|{_EDGE}+$"
TRUE_TEXTS, FALSE_TEXTS = ("true", "t", "yes", "y", "1"), ("false", "f", "no", "n", "0")
# silver/pipeline.py, gold/sales.py, gold/products.py, gold/customers.py:
STATUS_ORDER = {"pending": 0, "completed": 1, "cancelled": 1, "refunded": 2}
SALE_STATUSES = ("completed", "refunded")
TRAILING_DAYS = 7
RFM_WINDOW_DAYS = 90
JSON_CHUNK = 100_000  # JSON lines parsed per batch
WINDOW_START, WINDOW_END = "1900-01-01", "2100-01-01"  # rules.py

LINEAGE = ("_source_file", "_source_format", "_ingested_at", "_run_id", INGEST_DATE_COLUMN)
_PRODUCT_CONTRACT = CONTRACT_COLUMNS[PRODUCTS]
_AFTER_COST = _PRODUCT_CONTRACT.index("unit_cost") + 1
# Silver's business columns (silver/pipeline.py's SPECS, which import pyspark): the contract's, in its
# order, plus what silver derives.
SILVER_COLUMNS = {
    TRANSACTIONS: (*CONTRACT_COLUMNS[TRANSACTIONS], "transaction_date", "total_amount", "is_late_arriving"),
    CUSTOMERS: CONTRACT_COLUMNS[CUSTOMERS],
    PRODUCTS: (*_PRODUCT_CONTRACT[:_AFTER_COST], "unit_margin", *_PRODUCT_CONTRACT[_AFTER_COST:]),
}


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_list(values) -> str:
    return ", ".join(sql_text(value) for value in values)


# --- the quality rules (rules.py) as DuckDB SQL -------------------------------------------------------
# rules.py cannot be imported without pyspark (it takes EMAIL_PATTERN from standardize.py): ported, in the
# same order, since the quarantine reason lists the failed rules in catalogue order.
# The helpers below mirror rules.py's and return (name, predicate, action, description) tuples.
class Rule(NamedTuple):
    name: str
    predicate: str  # DuckDB SQL, TRUE when the row passes; NULL fails
    action: str  # quarantine | warn
    description: str  # stored in the quarantine reason (warnings store only their name)


def malformed_record():
    return (
        "malformed_record",
        "_corrupt_record IS NULL",
        "quarantine",
        "the landed line could not be parsed as a record",
    )


def unexpected_columns():
    return (
        "unexpected_columns",
        "_rescued_data IS NULL",
        "warn",
        "the record carried columns outside the source contract (kept in bronze _rescued_data)",
    )


def present(column, action="quarantine"):
    return (f"{column}_present", f"nullif(trim(_raw.\"{column}\"), '') IS NOT NULL", action, f"{column} is missing")


def id_rules(column):
    return (
        (f"{column}_present", f'"{column}" IS NOT NULL', "quarantine", f"{column} is missing"),
        (
            f"{column}_well_formed",
            f'"{column}" IS NULL OR regexp_matches("{column}", \'{ID_PATTERN}\')',
            "quarantine",
            f"{column} has characters outside A-Z, 0-9, '_' and '-', or starts with '_' or '-'",
        ),
    )


def parses(column, kind):
    return (
        f"{column}_is_{kind}",
        f'nullif(trim(_raw."{column}"), \'\') IS NULL OR "{column}" IS NOT NULL',
        "quarantine",
        f"{column} is not a valid {kind}",
    )


def allowed(column, values):
    return (
        f"{column}_allowed",
        f'"{column}" IS NULL OR "{column}" IN ({sql_list(values)})',
        "quarantine",
        f"{column} is not one of {', '.join(values)}",
    )


def at_least(column, minimum, name):
    return (name, f'"{column}" IS NULL OR "{column}" >= {minimum}', "quarantine", f"{column} is below {minimum}")


def not_in_future(column):
    # Midnight UTC after the landing day (the session time zone is UTC, as Spark's).
    return (
        f"{column}_not_in_future",
        f'"{column}" IS NULL OR "{column}" < CAST(CAST(_ingest_date + 1 AS TIMESTAMP) AS TIMESTAMPTZ)',
        "quarantine",
        f"{column} is after the day it landed",
    )


def in_range(column, kind):
    if kind == "timestamp":
        start, end = (f"TIMESTAMPTZ '{day} 00:00:00+00'" for day in (WINDOW_START, WINDOW_END))
    else:
        start, end = (f"DATE '{day}'" for day in (WINDOW_START, WINDOW_END))
    return (
        f"{column}_in_range",
        f'"{column}" IS NULL OR ("{column}" >= {start} AND "{column}" < {end})',
        "quarantine",
        f"{column} is before {WINDOW_START} or not before {WINDOW_END}",
    )


def timestamp_rules(column):
    return (present(column), parses(column, "timestamp"), in_range(column, "timestamp"), not_in_future(column))


def money_rules(column):
    return (present(column), parses(column, "amount"), at_least(column, 0, f"{column}_not_negative"))


def reference_rules(dimension):
    column = f"{dimension}_id"
    return (
        (
            f"{dimension}_known",
            f"{column} IS NULL OR _{dimension}_known OR _{dimension}_seen",
            "quarantine",
            f"{column} is in no {dimension} record of any day, valid or quarantined "
            f"(re-materialize once the {dimension} has landed)",
        ),
        # A warning: only its name is stored (in _warnings).
        (f"{dimension}_inferred", f"{column} IS NULL OR _{dimension}_known OR NOT _{dimension}_seen", "warn", ""),
    )


_SUBCATEGORY_PAIRS = " OR ".join(
    f"(category = {sql_text(category)} AND subcategory IN ({sql_list(subs)}))"
    for category, subs in CATEGORY_TREE.items()
)
_CATALOGUE = {
    TRANSACTIONS: (
        malformed_record(),
        *id_rules("transaction_id"),
        *id_rules("customer_id"),
        *id_rules("product_id"),
        present("quantity"),
        parses("quantity", "integer"),
        at_least("quantity", 1, "quantity_at_least_one"),
        *money_rules("unit_price"),
        (
            "total_amount_fits",
            "quantity IS NULL OR unit_price IS NULL OR total_amount IS NOT NULL",
            "quarantine",
            "quantity × unit_price exceeds 999,999,999,999.99",
        ),
        present("currency"),
        allowed("currency", CURRENCIES),
        present("payment_method"),
        allowed("payment_method", PAYMENT_METHODS),
        present("channel"),
        allowed("channel", CHANNELS),
        present("status"),
        allowed("status", STATUSES),
        *timestamp_rules("transaction_ts"),
        *reference_rules("customer"),
        *reference_rules("product"),
        ("late_arriving", "transaction_ts IS NULL OR CAST(transaction_ts AS DATE) >= _ingest_date", "warn", ""),
        unexpected_columns(),
    ),
    CUSTOMERS: (
        malformed_record(),
        *id_rules("customer_id"),
        present("email"),
        (
            "email_valid",
            f"email IS NULL OR regexp_matches(email, '{EMAIL_PATTERN}')",
            "quarantine",
            "email is not a valid address",
        ),
        present("country"),
        allowed("country", COUNTRIES),
        present("loyalty_tier"),
        allowed("loyalty_tier", LOYALTY_TIERS),
        parses("signup_date", "date"),
        in_range("signup_date", "date"),
        *timestamp_rules("updated_at"),
        present("first_name", "warn"),
        present("last_name", "warn"),
        ("phone_valid", "nullif(trim(_raw.phone), '') IS NULL OR phone IS NOT NULL", "warn", ""),
        unexpected_columns(),
    ),
    PRODUCTS: (
        malformed_record(),
        *id_rules("product_id"),
        present("name", "warn"),
        present("category"),
        allowed("category", tuple(CATEGORY_TREE)),
        (
            "subcategory_in_category",
            f"subcategory IS NULL OR category IS NULL OR {_SUBCATEGORY_PAIRS}",
            "quarantine",
            "subcategory does not belong to the category",
        ),
        *money_rules("unit_price"),
        *money_rules("unit_cost"),
        ("cost_not_above_price", "unit_cost IS NULL OR unit_price IS NULL OR unit_cost <= unit_price", "warn", ""),
        present("is_active"),
        parses("is_active", "boolean"),
        *timestamp_rules("updated_at"),
        unexpected_columns(),
    ),
}
RULES: dict[str, tuple[Rule, ...]] = {
    source: tuple(Rule(*rule) for rule in rules) for source, rules in _CATALOGUE.items()
}

# --- typing (typed.py, parsing.py, standardize.py) as DuckDB macros ----------------------------------
_COUNTRY_CASES = " ".join(f"WHEN {sql_text(k)} THEN {sql_text(v)}" for k, v in COUNTRY_ALIASES.items())


def _canonical_cases(names) -> str:
    return " ".join(f"WHEN {sql_text(name.lower())} THEN {sql_text(name)}" for name in names)


MACROS = rf"""
CREATE MACRO clean_text(x) AS nullif(trim(x), '');
CREATE MACRO collapsed(x) AS regexp_replace(clean_text(x), '{WHITESPACE}+', ' ', 'g');
-- Spark's initcap: lower case, then the first letter of every space-separated word upper case.
CREATE MACRO initcap(x) AS array_to_string([upper(w[1]) || w[2:] FOR w IN string_split(lower(x), ' ')], ' ');
CREATE MACRO cased(t) AS CASE WHEN t = upper(t) OR t = lower(t) THEN initcap(t) ELSE t END;
CREATE MACRO title_case(x) AS cased(collapsed(x));
CREATE MACRO token(x) AS regexp_replace(lower(clean_text(x)), '[ \t\n\x0B\f\r-]+', '_', 'g');
CREATE MACRO country(x) AS coalesce(CASE upper(collapsed(x)) {_COUNTRY_CASES} END, upper(collapsed(x)));
CREATE MACRO category(x) AS coalesce(CASE lower(collapsed(x)) {_canonical_cases(CATEGORY_TREE)} END, title_case(x));
CREATE MACRO subcategory(x) AS coalesce(
    CASE lower(collapsed(x)) {_canonical_cases(sorted({s for subs in CATEGORY_TREE.values() for s in subs}))} END,
    title_case(x));
CREATE MACRO phone_digits(x) AS regexp_replace(string_split(lower(clean_text(x)), 'x')[1], '[^0-9+]', '', 'g');
CREATE MACRO phone_of(n) AS (CASE WHEN starts_with(n, '+') THEN '+' ELSE '' END) || replace(n, '+', '');
CREATE MACRO phone(x) AS CASE WHEN length(replace(phone_of(phone_digits(x)), '+', '')) >= 7
    THEN phone_of(phone_digits(x)) END;
-- Ids: edge whitespace (Unicode too) trimmed first, then an all-ASCII id upper-cased.
CREATE MACRO edge_trimmed(x) AS regexp_replace(x, '{EDGE_WHITESPACE}', '', 'g');
CREATE MACRO id_of(t) AS CASE WHEN t <> '' THEN CASE WHEN strlen(t) = length(t) THEN upper(t) ELSE t END END;
CREATE MACRO normalize_id(x) AS id_of(edge_trimmed(x));
CREATE MACRO parse_integer(x) AS CASE WHEN regexp_matches(clean_text(x), '^[+-]?[0-9]+$')
    THEN TRY_CAST(clean_text(x) AS INTEGER) END;
CREATE MACRO money_text(x) AS regexp_replace(clean_text(x), '[$€£ \t\n\x0B\f\r]', '', 'g');
-- Commas only as thousands separators: '12,50' is a decimal comma and stays unparsed.
CREATE MACRO money_digits(t) AS CASE WHEN regexp_matches(t, '^-?[0-9]{{1,3}}(,[0-9]{{3}})+(\.[0-9]+)?$')
    THEN replace(t, ',', '') ELSE t END;
CREATE MACRO money_of(d) AS CASE WHEN regexp_matches(d, '^-?[0-9]+(\.[0-9]+)?$')
    THEN TRY_CAST(round(TRY_CAST(d AS DECIMAL(20,6)), 2) AS DECIMAL(12,2)) END;
CREATE MACRO parse_money(x) AS money_of(money_digits(money_text(x)));
CREATE MACRO parse_timestamp(x) AS CASE WHEN regexp_matches(clean_text(x), '{TIMESTAMP_PATTERN}')
    THEN TRY_CAST(upper(clean_text(x)) AS TIMESTAMPTZ) END;
CREATE MACRO parse_date(x) AS CASE WHEN regexp_matches(clean_text(x), '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$')
    THEN TRY_CAST(clean_text(x) AS DATE) END;
CREATE MACRO parse_boolean(x) AS CASE WHEN lower(clean_text(x)) IN ({sql_list(TRUE_TEXTS)}) THEN true
    WHEN lower(clean_text(x)) IN ({sql_list(FALSE_TEXTS)}) THEN false END;
-- Spark's timestamp text (cast to string): no zone, a fraction only when there is one.
CREATE MACRO micros_of_second(t) AS microsecond(CAST(t AS TIMESTAMPTZ)) % 1000000;
CREATE MACRO spark_ts_text(t) AS strftime(CAST(t AS TIMESTAMPTZ), '%Y-%m-%d %H:%M:%S') ||
    CASE WHEN micros_of_second(t) <> 0 THEN '.' || rtrim(lpad(CAST(micros_of_second(t) AS VARCHAR), 6, '0'), '0')
    ELSE '' END;
-- Spark divides decimals exactly and rounds HALF_UP (away from zero); DuckDB would divide in doubles.
-- half_up(n, d): the integer n / d, rounded half away from zero.
CREATE MACRO half_up(n, d) AS sign(n) * sign(d) * ((abs(n) * 2 + abs(d)) // (2 * abs(d)));
-- a / b of two decimals of scale 2, HALF_UP to 4 places (margin rate, share of revenue): decimal(19,4).
CREATE MACRO rate4(a, b) AS CAST(CAST(half_up(CAST(a * 100 AS HUGEINT) * 10000, CAST(b * 100 AS HUGEINT))
    AS DECIMAL(18,0)) * 0.0001 AS DECIMAL(19,4));
-- an amount (scale 2) over a count, HALF_UP to cents (average order value): decimal(14,2).
CREATE MACRO per_count2(a, n) AS CAST(CAST(half_up(CAST(a * 100 AS HUGEINT), n) AS DECIMAL(18,0)) * 0.01
    AS DECIMAL(14,2));
"""

TYPED = {
    TRANSACTIONS: {
        "transaction_id": "normalize_id(transaction_id)",
        "customer_id": "normalize_id(customer_id)",
        "product_id": "normalize_id(product_id)",
        "quantity": "parse_integer(quantity)",
        "unit_price": "parse_money(unit_price)",
        "currency": "upper(clean_text(currency))",
        "payment_method": "token(payment_method)",
        "channel": "token(channel)",
        "status": "token(status)",
        "transaction_ts": "parse_timestamp(transaction_ts)",
    },
    CUSTOMERS: {
        "customer_id": "normalize_id(customer_id)",
        "first_name": "title_case(first_name)",
        "last_name": "title_case(last_name)",
        "email": "lower(clean_text(email))",
        "phone": "phone(phone)",
        "country": "country(country)",
        "city": "title_case(city)",
        "signup_date": "parse_date(signup_date)",
        "loyalty_tier": "token(loyalty_tier)",
        "updated_at": "parse_timestamp(updated_at)",
    },
    PRODUCTS: {
        "product_id": "normalize_id(product_id)",
        "name": "clean_text(name)",
        "category": "category(category)",
        "subcategory": "subcategory(subcategory)",
        "brand": "clean_text(brand)",
        "unit_price": "parse_money(unit_price)",
        "unit_cost": "parse_money(unit_cost)",
        "is_active": "parse_boolean(is_active)",
        "updated_at": "parse_timestamp(updated_at)",
    },
}
# Columns derived from typed ones, computed over the typed row.
DERIVED = {
    TRANSACTIONS: {
        "transaction_date": "CAST(transaction_ts AS DATE)",
        # An int times decimal(12,2) cannot overflow in decimal(22,2); beyond decimal(14,2) it is NULL
        # (rule total_amount_fits), as Spark's try_cast.
        "total_amount": "TRY_CAST(CAST(quantity AS DECIMAL(10,0)) * unit_price AS DECIMAL(14,2))",
    },
    CUSTOMERS: {},
    PRODUCTS: {"unit_margin": "CAST(unit_price - unit_cost AS DECIMAL(14,2))"},
}
KEYS = {  # business key, same-drop keys, identity keys (unique in silver), newest first
    TRANSACTIONS: (
        "transaction_id",
        ("transaction_id",),
        ("transaction_id",),
        "coalesce(CASE status "
        + " ".join(f"WHEN {sql_text(k)} THEN {v}" for k, v in STATUS_ORDER.items())
        + " END, -1) DESC",
    ),
    CUSTOMERS: ("customer_id", ("customer_id",), ("customer_id", "updated_at"), "updated_at DESC NULLS LAST"),
    PRODUCTS: ("product_id", ("product_id",), ("product_id", "updated_at"), "updated_at DESC NULLS LAST"),
}


def raw_json(source: str) -> str:
    """quality.raw_record: Spark's to_json of the landed text, `_corrupt_record` and `_rescued_data`:
    compact, NULL fields left out, strings escaped as Jackson does for the generator's text."""
    fields = [f'_raw."{name}"' for name in CONTRACT_COLUMNS[source]] + [CORRUPT_RECORD_COLUMN, RESCUED_DATA_COLUMN]
    names = [*CONTRACT_COLUMNS[source], CORRUPT_RECORD_COLUMN, RESCUED_DATA_COLUMN]
    pairs = []
    for field, name in zip(fields, names, strict=True):
        key = sql_text(f'"{name}":')
        pairs.append(f"CASE WHEN {field} IS NOT NULL THEN {key} || to_json({field}) END")
    return f"'{{' || concat_ws(',', {', '.join(pairs)}) || '}}'"


def describe(keys) -> str:
    """dedupe._describe: 'key=value, …' with Spark's text of each value."""
    parts = []
    for key in keys:
        value = "spark_ts_text(updated_at)" if key == "updated_at" else f'CAST("{key}" AS VARCHAR)'
        parts.append(f"{sql_text(key + '=')} || {value}")
    return f"concat_ws(', ', {', '.join(parts)})"


# --- Spark's xxhash64 ------------------------------------------------------------------------------
_P1, _P2, _P3, _P4, _P5 = (
    np.uint64(p)
    for p in (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5)
)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


def _round(acc: np.ndarray, lane: np.ndarray) -> np.ndarray:
    return _rotl(acc + lane * _P2, 31) * _P1


def _xxh64(data: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """XXH64 of each row of `data` (uint8, one row per input, all of one length), vectorized.

    Spark's XXH64.hashUnsafeBytes / hashLong are the reference XXH64 over little-endian bytes."""
    rows, length = data.shape
    h, pos = None, 0
    with np.errstate(over="ignore"):
        if length >= 32:
            v = [seeds + _P1 + _P2, seeds + _P2, seeds.copy(), seeds - _P1]
            while pos + 32 <= length:
                lanes = np.ascontiguousarray(data[:, pos : pos + 32]).view("<u8")
                v = [_round(v[i], lanes[:, i]) for i in range(4)]
                pos += 32
            h = _rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)
            for lane in v:
                h = (h ^ _round(np.zeros_like(lane), lane)) * _P1 + _P4
        else:
            h = seeds + _P5
        h = h + np.uint64(length)
        while pos + 8 <= length:
            lane = np.ascontiguousarray(data[:, pos : pos + 8]).view("<u8")[:, 0]
            h = _rotl(h ^ _round(np.zeros_like(lane), lane), 27) * _P1 + _P4
            pos += 8
        if pos + 4 <= length:
            word = np.ascontiguousarray(data[:, pos : pos + 4]).view("<u4")[:, 0].astype(np.uint64)
            h = _rotl(h ^ (word * _P1), 23) * _P2 + _P3
            pos += 4
        while pos < length:
            h = _rotl(h ^ (data[:, pos].astype(np.uint64) * _P5), 11) * _P1
            pos += 1
        h ^= h >> np.uint64(33)
        h *= _P2
        h ^= h >> np.uint64(29)
        h *= _P3
        h ^= h >> np.uint64(32)
    return h


def xxhash64_text(texts: list[str], seeds: np.ndarray) -> np.ndarray:
    """Spark's xxhash64 of UTF-8 strings (none NULL) from per-row seeds, as uint64."""
    encoded = [text.encode("utf-8") for text in texts]
    out = np.empty(len(encoded), dtype=np.uint64)
    by_length: dict[int, list[int]] = {}
    for index, data in enumerate(encoded):
        by_length.setdefault(len(data), []).append(index)
    for length, indices in by_length.items():
        block = np.frombuffer(b"".join(encoded[i] for i in indices), dtype=np.uint8).reshape(len(indices), length)
        out[indices] = _xxh64(block, seeds[indices])
    return out


def spark_xxhash64(*columns: pa.Array) -> pa.Array:
    """Spark's xxhash64(col, …) over strings and timestamps (as microseconds), seed 42; NULLs skipped."""
    rows = len(columns[0])
    hashes = np.full(rows, 42, dtype=np.uint64)
    for column in columns:
        valid = np.asarray(column.is_valid())
        index = np.flatnonzero(valid)
        if pa.types.is_timestamp(column.type):
            micros = column.cast(pa.timestamp("us", tz=column.type.tz)).cast(pa.int64())
            data = np.asarray(micros.filter(pa.array(valid)).to_numpy(zero_copy_only=False), dtype="<i8")
            hashes[index] = _xxh64(data.view(np.uint8).reshape(-1, 8), hashes[index])
        else:
            hashes[index] = xxhash64_text(column.filter(pa.array(valid)).to_pylist(), hashes[index])
    return pa.array(hashes.view(np.int64))


def _udf_xxhash64(texts: pa.ChunkedArray | pa.Array) -> pa.Array:
    array = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    return spark_xxhash64(array.cast(pa.string()))


# --- the pipeline ------------------------------------------------------------------------------------
def arrow_of(relation) -> pa.Table:
    result = relation.arrow()
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


def arrow_stream(relation) -> pa.RecordBatchReader:
    """The relation's rows batch by batch: delta-rs writes them as they come, never the whole table in memory."""
    for name in ("to_arrow_reader", "fetch_arrow_reader", "fetch_record_batch", "record_batch"):  # newest first
        if hasattr(type(relation), name):
            return getattr(relation, name)()
    return arrow_of(relation).to_reader()


class PeerLakehouse:
    """Tables at `<root>/<layer>/<table>`, each day-range slice replaced (as PlainLakehouse)."""

    def __init__(self, root: str, landing: Path, start: date, end: date, late_days: int) -> None:
        self.root, self.landing = root.rstrip("/"), landing
        self.start, self.end, self.late_days = start, end + timedelta(days=1), late_days  # [start, end)
        # Intermediate tables may outgrow memory at 10 million rows a day: DuckDB spills them to a scratch
        # folder of its own beyond half the machine's memory (the rest is Python's and delta-rs').
        self.scratch = tempfile.TemporaryDirectory(prefix="peer-duckdb-")
        self.db = duckdb.connect()
        self.db.execute(f"SET temp_directory = {sql_text(self.scratch.name)}")
        self.db.execute(f"SET memory_limit = '{psutil.virtual_memory().total // 2**21}MiB'")
        self.db.execute("SET preserve_insertion_order = false")  # no order is promised; keeping it costs memory
        # Spark's session time zone is UTC: timestamps parse, print and turn into dates in UTC.
        self.db.execute("SET TimeZone = 'UTC'")
        self.db.execute(MACROS)
        self.db.create_function("spark_xxhash64", _udf_xxhash64, ["VARCHAR"], "BIGINT", type="arrow")
        self.run_id = f"peer-{uuid.uuid4()}"
        self.ingested_at = datetime.now(UTC)

    # --- tables ---
    def uri(self, layer: str, table: str) -> str:
        return f"{self.root}/{layer}/{table}"

    def exists(self, layer: str, table: str) -> bool:
        return DeltaTable.is_deltatable(self.uri(layer, table))

    def view(self, name: str, layer: str, table: str) -> bool:
        """Registers the Delta table as DuckDB view `name` (scanned lazily); False if it does not exist."""
        if not self.exists(layer, table):
            return False
        self.db.register(name, DeltaTable(self.uri(layer, table)).to_pyarrow_dataset())
        return True

    def close(self) -> None:
        self.db.close()
        self.scratch.cleanup()

    def write(self, relation, layer: str, table: str, column: str | None = None) -> None:
        data = arrow_stream(relation)
        uri = self.uri(layer, table)
        options = {}
        if column is not None:
            options["partition_by"] = [column]
            if DeltaTable.is_deltatable(uri):
                options["predicate"] = f"{column} >= '{self.start}' AND {column} < '{self.end}'"
        write_deltalake(uri, data, mode="overwrite", **options)

    def window(self, column: str, start: date, end: date) -> str:
        return f"{column} >= DATE '{start}' AND {column} < DATE '{end}'"

    # --- bronze ---
    def bronze(self) -> None:
        days = [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]
        for source in SOURCES:
            # File by file into a DuckDB table (silver reads the window's bronze rows from it), so that
            # no more than one file's records are held in Python at a time.
            self.db.register("_landed", self.empty_bronze(source))
            self.db.execute(f"CREATE OR REPLACE TABLE bronze_{source} AS SELECT * FROM _landed")
            for day in days:
                for path in self.drop_files(source, day):
                    self.db.register("_landed", self.read_file(source, day, path))
                    self.db.execute(f"INSERT INTO bronze_{source} SELECT * FROM _landed")
            self.db.unregister("_landed")
            self.write(self.db.table(f"bronze_{source}"), "bronze", source, INGEST_DATE_COLUMN)

    def drop_files(self, source: str, day: date) -> list[Path]:
        """The files bronze loads: not bookkeeping ('.', '_'), not partial uploads, not empty."""
        folder = self.landing / source / day.isoformat()
        if not folder.is_dir():
            return []
        chosen = []
        for path in sorted(folder.iterdir()):
            lowered = path.name.lower()
            if path.name.startswith(BOOKKEEPING_PREFIXES) or lowered.endswith(PARTIAL_SUFFIXES):
                continue
            if not path.is_file() or path.stat().st_size == 0:
                continue
            if path.suffix.lower() not in FORMAT_BY_EXTENSION:
                raise NotImplementedError(f"{path}: the peer reads .csv, .json and .parquet only")
            chosen.append(path)
        return chosen

    def lineage(self, table: pa.Table, source: str, fmt: str, path: Path, day: date) -> pa.Table:
        """The bronze shape: contract columns and `_corrupt_record` / `_rescued_data` as text, then lineage."""
        rows = table.num_rows

        def text(name: str):
            return table.column(name).cast(pa.string()) if name in table.column_names else pa.nulls(rows, pa.string())

        def constant(value, kind):
            return pa.repeat(pa.scalar(value, kind), rows)

        return pa.table(
            {
                **{
                    name: text(name) for name in (*CONTRACT_COLUMNS[source], CORRUPT_RECORD_COLUMN, RESCUED_DATA_COLUMN)
                },
                "_ingested_at": constant(self.ingested_at, pa.timestamp("us", tz="UTC")),
                "_source_file": constant(spark_file_uri(str(path.absolute())), pa.string()),
                "_source_format": constant(fmt, pa.string()),
                "_data_source": constant(source, pa.string()),
                "_run_id": constant(self.run_id, pa.string()),
                INGEST_DATE_COLUMN: constant(day, pa.date32()),
            }
        )

    def empty_bronze(self, source: str) -> pa.Table:
        table = pa.table(
            {name: pa.array([], pa.string()) for name in [*CONTRACT_COLUMNS[source], CORRUPT_RECORD_COLUMN]}
        )
        return self.lineage(table, source, "csv", Path("."), self.start)

    def read_file(self, source: str, day: date, path: Path) -> pa.Table:
        fmt = FORMAT_BY_EXTENSION[path.suffix.lower()]
        reader = {"csv": self.read_csv, "json": self.read_json, "parquet": self.read_parquet}[fmt]
        return self.lineage(reader(source, path), source, fmt, path, day)

    def lines(self, path: Path) -> str:
        """SQL of the file's lines (Spark's text reader: \\n, \\r\\n or \\r end a line), the first as `n` 1."""
        text = "replace(replace(content, chr(13) || chr(10), chr(10)), chr(13), chr(10))"
        return (
            "SELECT unnest(lines) AS line, unnest(range(1, len(lines) + 1)) AS n FROM "
            f"(SELECT string_split({text}, chr(10)) AS lines FROM read_text({sql_text(str(path))}))"
        )

    def read_csv(self, source: str, path: Path) -> pa.Table:
        """Spark's CSV reader line by line (multiLine off): columns by the header's names, an empty field
        NULL, a record with a field count other than the header's corrupt with the fields it has."""
        with open(path, encoding="utf-8", newline="") as handle:
            header_line = handle.readline().lstrip("\ufeff").rstrip("\r\n")
        header = [name.strip() for name in next(csv.reader([header_line]))]
        extras = [name for name in header if name not in CONTRACT_COLUMNS[source]]
        if extras:
            raise NotImplementedError(f"{path}: columns outside the contract ({', '.join(extras)})")
        width = len(header)
        # Spark skips blank lines (only characters up to U+0020) and the header.
        self.db.execute(
            f"CREATE OR REPLACE TEMP TABLE _csv AS SELECT line FROM ({self.lines(path)}) "
            r"WHERE n > 1 AND regexp_matches(line, '[^\x00-\x20]')"
        )
        # Lines without a quote split on commas in SQL; the few with quotes are parsed by Python's csv
        # module, line by line (an unclosed quote runs to the end of its line, as in Univocity).
        fields = ", ".join(
            f"nullif(f[{header.index(name) + 1}], '') AS \"{name}\"" if name in header else f'NULL::VARCHAR AS "{name}"'
            for name in CONTRACT_COLUMNS[source]
        )
        plain = arrow_of(
            self.db.sql(
                f"SELECT {fields}, CASE WHEN len(f) <> {width} THEN line END AS {CORRUPT_RECORD_COLUMN} "
                "FROM (SELECT string_split(line, ',') AS f, line FROM _csv WHERE NOT contains(line, '\"'))"
            )
        )
        quoted_lines = [row[0] for row in self.db.sql("SELECT line FROM _csv WHERE contains(line, '\"')").fetchall()]
        records = []
        for line in quoted_lines:
            values = next(csv.reader([line]))
            record = {name: None for name in CONTRACT_COLUMNS[source]}
            for name, value in zip(header, values, strict=False):
                record[name] = value or None
            record[CORRUPT_RECORD_COLUMN] = line if len(values) != width else None
            records.append(record)
        quoted = pa.Table.from_pylist(records, schema=plain.schema.remove_metadata())
        return pa.concat_tables([plain.cast(quoted.schema), quoted])

    def read_json(self, source: str, path: Path) -> pa.Table:
        """JSON lines, each non-blank line parsed by the project's own parser (bronze_files.parse_json_line)."""
        contract = CONTRACT_COLUMNS[source]
        lines = self.db.execute(f"SELECT line FROM ({self.lines(path)}) " r"WHERE regexp_matches(line, '[^\x00-\x20]')")
        names = [*contract, CORRUPT_RECORD_COLUMN, RESCUED_DATA_COLUMN]
        chunks = []
        # In chunks: a million parsed records as Python tuples would hold gigabytes.
        while batch := lines.fetchmany(JSON_CHUNK):
            columns = list(zip(*(parse_json_line(line, contract) for (line,) in batch), strict=True))
            chunks.append(pa.table({name: pa.array(v, pa.string()) for name, v in zip(names, columns, strict=True)}))
        return pa.concat_tables(chunks) if chunks else pa.table({name: pa.array([], pa.string()) for name in names})

    def read_parquet(self, source: str, path: Path) -> pa.Table:
        names = [
            row[0] for row in self.db.sql(f"DESCRIBE SELECT * FROM read_parquet({sql_text(str(path))})").fetchall()
        ]
        extras = [name for name in names if name not in CONTRACT_COLUMNS[source]]
        if extras:
            raise NotImplementedError(f"{path}: columns outside the contract ({', '.join(extras)})")
        fields = ", ".join(
            f'CAST("{name}" AS VARCHAR) AS "{name}"' if name in names else f'NULL::VARCHAR AS "{name}"'
            for name in CONTRACT_COLUMNS[source]
        )
        return arrow_of(
            self.db.sql(
                f"SELECT {fields}, NULL::VARCHAR AS {CORRUPT_RECORD_COLUMN} FROM read_parquet({sql_text(str(path))})"
            )
        )

    # --- silver ---
    def silver(self) -> None:
        for source in (CUSTOMERS, PRODUCTS, TRANSACTIONS):
            self.evaluate(source)
            self.split(source)
            self.write(self.db.table(f"silver_{source}"), "silver", source, INGEST_DATE_COLUMN)
            self.db.execute(f"DROP VIEW silver_{source}; DROP TABLE evaluated_{source}")
        quarantine = " UNION ALL ".join(
            f"SELECT * FROM quarantine_{source}" for source in (CUSTOMERS, PRODUCTS, TRANSACTIONS)
        )
        self.write(self.db.sql(quarantine), "silver", "quarantine", INGEST_DATE_COLUMN)

    def reference_flags(self) -> None:
        """Per transaction: its customer/product is in silver (`known`) or named by any parsed bronze record
        of any day (`seen`); silver's dimensions are the ones just written, bronze's read whole."""
        for dimension in ("customer", "product"):
            column, table = f"{dimension}_id", f"{dimension}s"
            references = []
            if self.view(f"_silver_{table}", "silver", table):
                references.append(f"SELECT {column}, true AS known, false AS seen FROM _silver_{table}")
            if self.view(f"_bronze_{table}", "bronze", table):
                references.append(
                    f"SELECT normalize_id({column}) AS {column}, false, true FROM _bronze_{table} "
                    f"WHERE {CORRUPT_RECORD_COLUMN} IS NULL"
                )
            union = " UNION ALL ".join(references) or f"SELECT NULL::VARCHAR AS {column}, false AS known, false AS seen"
            self.db.execute(
                f"CREATE OR REPLACE TEMP TABLE _{dimension}_flags AS SELECT {column}, bool_or(known) AS known, "
                f"bool_or(seen) AS seen FROM ({union}) WHERE {column} IS NOT NULL GROUP BY {column}"
            )

    def evaluate(self, source: str) -> None:
        """Typed rows with `_raw`, the lineage, each rule's failure and the `_warnings` / `_quarantine` lists."""
        rules = RULES[source]
        contract = CONTRACT_COLUMNS[source]
        typed = ", ".join(f'{expression} AS "{name}"' for name, expression in TYPED[source].items())
        raw = "struct_pack(" + ", ".join(f'"{name}" := "{name}"' for name in contract) + ") AS _raw"
        lineage = ", ".join(LINEAGE)
        # `_raw` first, in a query of its own: the typed columns reuse the landed columns' names.
        query = (
            f"SELECT {typed}, _raw, {CORRUPT_RECORD_COLUMN}, {RESCUED_DATA_COLUMN}, {lineage} "
            f"FROM (SELECT *, {raw} FROM bronze_{source})"
        )
        derived = ", ".join(f"{expression} AS {name}" for name, expression in DERIVED[source].items())
        query = f"SELECT *{', ' + derived if derived else ''} FROM ({query})"
        if source == TRANSACTIONS:
            self.reference_flags()
            for dimension in ("customer", "product"):
                column = f"{dimension}_id"
                query = (
                    f"SELECT t.*, coalesce(f.known, false) AS _{dimension}_known, coalesce(f.seen, false) AS "
                    f"_{dimension}_seen FROM ({query}) t LEFT JOIN _{dimension}_flags f USING ({column})"
                )
        # _f<i>: the row fails rule i (NULL counts as failing). A record that could not be parsed fails
        # malformed_record only (quality.evaluate): every missing column as well would bury the reason.
        failures = ", ".join(
            f"(NOT coalesce({rule.predicate}, false) AND {CORRUPT_RECORD_COLUMN} IS "
            f"{'NOT NULL' if rule.name == 'malformed_record' else 'NULL'}) AS _f{index}"
            for index, rule in enumerate(rules)
        )

        def listed(action: str) -> str:
            """The failed rules of `action`, in catalogue order."""
            names = [
                f"CASE WHEN _f{i} THEN [{sql_text(r.name)}] ELSE []::VARCHAR[] END"
                for i, r in enumerate(rules)
                if r.action == action
            ]
            return f"flatten([{', '.join(names)}])" if names else "[]::VARCHAR[]"

        # quality.reason_text: 'rule: description; …' of the failed quarantine rules.
        reasons = ", ".join(
            f"CASE WHEN _f{i} THEN {sql_text(f'{rule.name}: {rule.description}')} END"
            for i, rule in enumerate(rules)
            if rule.action == "quarantine"
        )
        flags = ", ".join(f"_f{i}" for i in range(len(rules)))
        self.db.execute(
            f"CREATE OR REPLACE TEMP TABLE evaluated_{source} AS SELECT * EXCLUDE ({flags}), "
            f"{listed('warn')} AS _warnings, {listed('quarantine')} AS _quarantine, "
            f"concat_ws('; ', {reasons}) AS _reason FROM (SELECT *, {failures} FROM ({query}))"
        )

    def split(self, source: str) -> None:
        """Silver rows and quarantine rows (rule failures, duplicates) of one source (pipeline.split, dedupe)."""
        key, day_keys, identity_keys, newest_first = KEYS[source]
        same_day = ", ".join(f'"{k}"' for k in day_keys)
        identity = ", ".join(f'"{k}"' for k in identity_keys)
        evaluated, record = f"evaluated_{source}", raw_json(source)
        # Only keys that repeat are ranked; ties break on source file, then Spark's xxhash64 of the raw record.
        tiebreak = "_source_file ASC NULLS FIRST, spark_xxhash64(_raw_json) ASC NULLS FIRST"
        # Null-safe in the project; here plain equality is the same: the rules let no NULL key through.
        same_key = " AND ".join(f'a."{k}" = r."{k}"' for k in day_keys)
        # Views over the evaluated rows: only the few repeated keys are materialized, silver is streamed
        # to its write (copying a million wide rows costs more than the work on them).
        self.db.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW _accepted AS SELECT * FROM {evaluated} WHERE len(_quarantine) = 0;
            CREATE OR REPLACE TEMP TABLE _repeated AS SELECT {same_day} FROM _accepted GROUP BY ALL HAVING count(*) > 1;
            CREATE OR REPLACE TEMP TABLE _ranked AS
            SELECT *, row_number() OVER same_day AS _day_rank, first_value(_raw_json) OVER same_day AS _day_winner
            FROM (SELECT a.*, {record} AS _raw_json FROM _accepted a SEMI JOIN _repeated r ON {same_key})
            WINDOW same_day AS (PARTITION BY {same_day}, _ingest_date ORDER BY {newest_first}, {tiebreak});
            CREATE OR REPLACE TEMP TABLE _day_winners AS
            SELECT *, row_number() OVER across AS _run_rank, first_value(_ingest_date) OVER across AS _first_day
            FROM _ranked WHERE _day_rank = 1
            WINDOW across AS (PARTITION BY {identity} ORDER BY _ingest_date ASC NULLS FIRST, {tiebreak});
            """
        )
        columns = ", ".join(f'"{c}"' for c in self.db.table("_accepted").columns)
        candidates = (
            f"SELECT a.* FROM _accepted a ANTI JOIN _repeated r ON {same_key} "
            f"UNION ALL SELECT {columns} FROM _day_winners WHERE _run_rank = 1"
        )
        duplicates = [
            f"SELECT {columns}, CASE WHEN _raw_json = _day_winner THEN 'exact duplicate of a record in the same drop' "
            f"ELSE 'older version of ' || {describe(day_keys)} || '; a newer one landed the same day' END AS _dup "
            "FROM _ranked WHERE _day_rank > 1",
            f"SELECT {columns}, {describe(identity_keys)} || ' already landed on ' || CAST(_first_day AS VARCHAR) "
            "FROM _day_winners WHERE _run_rank > 1",
        ]
        # Pass 3: identity keys already in silver partitions before the run's window.
        if self.view("_silver_before", "silver", source):
            self.db.execute(
                f"CREATE OR REPLACE TEMP TABLE _previous AS SELECT {identity}, min(_ingest_date) AS _previous_day "
                f"FROM _silver_before WHERE _ingest_date < DATE '{self.start}' GROUP BY ALL"
            )
            self.db.execute(
                f"CREATE OR REPLACE TEMP VIEW _candidates AS SELECT c.*, p._previous_day FROM ({candidates}) c "
                f"LEFT JOIN _previous p USING ({identity})"
            )
            kept = f"SELECT {columns} FROM _candidates WHERE _previous_day IS NULL"
            duplicates.append(
                f"SELECT {columns}, {describe(identity_keys)} || ' is already in silver (landed ' || "
                "CAST(_previous_day AS VARCHAR) || ')' FROM _candidates WHERE _previous_day IS NOT NULL"
            )
        else:
            kept = candidates
        self.db.execute(f"CREATE OR REPLACE TEMP VIEW _kept AS {kept}")
        late = ", list_contains(_warnings, 'late_arriving') AS is_late_arriving" if source == TRANSACTIONS else ""
        silver = ", ".join(f'"{c}"' for c in [*SILVER_COLUMNS[source], "_warnings", "_source_file", "_ingested_at"])
        self.db.execute(
            f"CREATE OR REPLACE TEMP VIEW silver_{source} AS SELECT {silver}, {INGEST_DATE_COLUMN} "
            f"FROM (SELECT *{late} FROM _kept)"
        )
        business_key = f'coalesce("{key}", _raw."{key}")'
        self.db.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE quarantine_{source} AS
            SELECT {sql_text(source)} AS source, {business_key} AS business_key, 'quarantined' AS disposition,
                   _quarantine AS failed_rules, _reason AS reason, {record} AS raw_record, {", ".join(LINEAGE)}
            FROM {evaluated} WHERE len(_quarantine) > 0
            UNION ALL
            SELECT {sql_text(source)}, {business_key}, 'duplicate', ['duplicate'], _dup, {record}, {", ".join(LINEAGE)}
            FROM ({" UNION ALL ".join(duplicates)})
            """
        )

    # --- gold ---
    def gold(self) -> None:
        """Gold over the silver tables as written (every day they hold, as the project reads them)."""
        for table in (CUSTOMERS, PRODUCTS, TRANSACTIONS):
            self.view(f"s_{table}", "silver", table)
        self.dim_customers()
        self.db.execute(
            """
            CREATE OR REPLACE TEMP TABLE dim_products AS
            SELECT product_id, name, brand, category, subcategory,
                   concat_ws(' > ', category, subcategory) AS category_path, unit_price, unit_cost, unit_margin,
                   CASE WHEN unit_price > 0 THEN rate4(unit_margin, unit_price) END AS margin_rate,
                   is_active, updated_at AS valid_since, version_count
            FROM (SELECT *, row_number() OVER (PARTITION BY product_id ORDER BY updated_at DESC NULLS LAST,
                         _ingest_date DESC NULLS LAST) AS _rank,
                         count(*) OVER (PARTITION BY product_id) AS version_count FROM s_products)
            WHERE _rank = 1
            """
        )
        self.write(self.db.table("dim_products"), "gold", "dim_products")
        # Sales of the window's days that landed up to `late_days` after the window (late arrivals).
        late_end = self.end + timedelta(days=self.late_days)
        sale = f"status IN ({sql_list(SALE_STATUSES)})"

        def amount(condition: str) -> str:
            return f"CAST(coalesce(sum(CASE WHEN {condition} THEN total_amount END), 0) AS DECIMAL(14,2))"

        self.write(
            self.db.sql(
                f"""
                SELECT *, CAST(gross_revenue - refunded_amount AS DECIMAL(14,2)) AS net_revenue,
                       CASE WHEN orders > 0 THEN per_count2(gross_revenue, orders) END AS avg_order_value
                FROM (
                    SELECT transaction_date, channel, coalesce(p.category, 'Unknown') AS category,
                           count(CASE WHEN {sale} THEN transaction_id END) AS orders,
                           CAST(coalesce(sum(CASE WHEN {sale} THEN quantity END), 0) AS BIGINT) AS units,
                           {amount(sale)} AS gross_revenue, {amount("status = 'refunded'")} AS refunded_amount,
                           {amount("status = 'cancelled'")} AS cancelled_amount,
                           {amount("status = 'pending'")} AS pending_amount,
                           count(DISTINCT CASE WHEN {sale} THEN customer_id END) AS distinct_customers
                    FROM s_transactions t LEFT JOIN dim_products p USING (product_id)
                    WHERE {self.window("_ingest_date", self.start, late_end)}
                      AND {self.window("transaction_date", self.start, self.end)}
                    GROUP BY transaction_date, channel, coalesce(p.category, 'Unknown')
                )
                """
            ),
            "gold",
            "daily_sales_summary",
            "transaction_date",
        )
        # Product performance: the trailing 7-day revenue needs the 6 days before the window too.
        trailing_start = self.start - timedelta(days=TRAILING_DAYS - 1)
        self.write(
            self.db.sql(
                f"""
                WITH daily AS (
                    SELECT transaction_date, product_id, CAST(sum(quantity) AS BIGINT) AS units,
                           CAST(sum(total_amount) AS DECIMAL(14,2)) AS revenue
                    FROM s_transactions
                    WHERE {self.window("_ingest_date", trailing_start, late_end)} AND status = 'completed'
                    GROUP BY transaction_date, product_id
                ), measured AS (
                    SELECT transaction_date, product_id, coalesce(p.category, 'Unknown') AS category, units, revenue,
                           CAST(revenue - CAST(units AS DECIMAL(20,0)) * unit_cost AS DECIMAL(14,2)) AS margin,
                           CAST(dense_rank() OVER (PARTITION BY transaction_date, coalesce(p.category, 'Unknown')
                               ORDER BY revenue DESC NULLS LAST) AS INTEGER) AS rank_in_category,
                           sum(revenue) OVER (PARTITION BY transaction_date, coalesce(p.category, 'Unknown')) AS _total,
                           CAST(sum(revenue) OVER (PARTITION BY product_id ORDER BY transaction_date - DATE '1970-01-01'
                               RANGE BETWEEN {TRAILING_DAYS - 1} PRECEDING AND CURRENT ROW) AS DECIMAL(14,2))
                               AS trailing_7d_revenue
                    FROM daily d LEFT JOIN dim_products p USING (product_id)
                )
                SELECT transaction_date, product_id, category, units, revenue, margin, rank_in_category,
                       CASE WHEN _total > 0 THEN rate4(revenue, _total) END AS share_of_category_revenue,
                       trailing_7d_revenue
                FROM measured WHERE {self.window("transaction_date", self.start, self.end)}
                """
            ),
            "gold",
            "product_performance",
            "transaction_date",
        )
        days = [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]
        self.write(
            self.db.sql(" UNION ALL ".join(self.customer_segments(day) for day in days)),
            "gold",
            "customer_segments",
            "as_of_date",
        )

    def dim_customers(self) -> None:
        """SCD type 2 over every silver version; a version changing no tracked attribute opens no row."""
        tracked = ", ".join(TRACKED)
        changed = " OR ".join(f"_previous.{name} IS DISTINCT FROM {name}" for name in TRACKED)
        by_time = "PARTITION BY customer_id ORDER BY updated_at ASC NULLS FIRST, _ingest_date ASC NULLS FIRST"
        dim = arrow_of(
            self.db.sql(
                f"""
                SELECT customer_id, {tracked}, signup_date, updated_at AS valid_from,
                       lead(updated_at) OVER ({by_time}) AS valid_to,
                       lead(updated_at) OVER ({by_time}) IS NULL AS is_current
                FROM (SELECT *, lag(struct_pack({tracked})) OVER ({by_time}) AS _previous FROM s_customers)
                WHERE _previous IS NULL OR {changed}
                """
            )
        )
        # Spark's xxhash64(customer_id, updated_at): computed here, in Python, over the dimension's rows.
        key = spark_xxhash64(dim.column("customer_id").combine_chunks(), dim.column("valid_from").combine_chunks())
        self.db.register("_dim_customers", dim.add_column(0, "customer_sk", key))
        self.write(self.db.table("_dim_customers"), "gold", "dim_customers")

    def customer_segments(self, as_of: date) -> str:
        """RFM snapshot as of the end of `as_of` (gold/customers.customer_segments)."""
        recency = " ".join(f"WHEN recency_days <= {days} THEN {score}" for days, score in RECENCY_SCORES)
        segment = " ".join(f"WHEN {rule} THEN {sql_text(name)}" for name, rule in SEGMENT_RULES)

        def quantile(column: str) -> str:
            # ceil(5 × mid-rank share), in doubles in Spark's order of operations (equal values, equal scores).
            return (
                f"CAST(ceil((rank() OVER (ORDER BY {column} ASC NULLS FIRST) + cume_dist() OVER "
                f"(ORDER BY {column} ASC NULLS FIRST) * count(*) OVER ()) / 2 / count(*) OVER () * 5) AS INTEGER)"
            )

        as_of_date = f"DATE '{as_of}'"
        in_window = f"transaction_date > {as_of_date} - {RFM_WINDOW_DAYS}"
        return f"""
            SELECT {as_of_date} AS as_of_date, customer_id, recency_days, frequency, monetary, r_score, f_score,
                   m_score, CAST(r_score AS VARCHAR) || CAST(f_score AS VARCHAR) || CAST(m_score AS VARCHAR) AS rfm,
                   CASE {segment} END AS segment, lifetime_value, first_purchase
            FROM (
                SELECT *, CAST(CASE {recency} ELSE 1 END AS INTEGER) AS r_score, {quantile("frequency")} AS f_score,
                       {quantile("monetary")} AS m_score,
                       CAST({as_of_date} - first_purchase AS INTEGER) AS days_since_first_purchase
                FROM (
                    SELECT *, CAST({as_of_date} - last_purchase AS INTEGER) AS recency_days FROM (
                        SELECT customer_id,
                               max(CASE WHEN {in_window} THEN transaction_date END) AS last_purchase,
                               count(CASE WHEN {in_window} THEN 1 END) AS frequency,
                               CAST(coalesce(sum(CASE WHEN {in_window} THEN _net END), 0) AS DECIMAL(14,2)) AS monetary,
                               CAST(sum(_net) AS DECIMAL(14,2)) AS lifetime_value,
                               min(transaction_date) AS first_purchase
                        FROM (SELECT *, CASE WHEN status = 'refunded' THEN 0 ELSE total_amount END AS _net
                              FROM s_transactions
                              WHERE status IN ({sql_list(SALE_STATUSES)}) AND transaction_date <= {as_of_date})
                        GROUP BY customer_id
                    ) WHERE frequency > 0
                )
            )
        """


def table_stats(root: Path) -> dict[str, dict[str, int]]:
    """Rows and bytes on disk per table, as probe.table_stats (through delta-rs, not Spark)."""
    return {
        f"{folder.parent.name}/{folder.name}": {
            "rows": DeltaTable(str(folder)).to_pyarrow_dataset().count_rows(),
            "bytes": folder_bytes(folder),
        }
        for folder in table_folders(root)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="first day")
    parser.add_argument("--end", type=date.fromisoformat, help="last day (default: --start)")
    parser.add_argument("--result", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    with MemorySampler() as sampler:
        started = time.time()
        lakehouse = PeerLakehouse(
            settings.lakehouse_root,
            Path(settings.landing_root),
            args.start,
            args.end or args.start,
            settings.late_arrival_days,
        )
        windows, seconds = {}, {}
        try:
            for layer, build in (("bronze", lakehouse.bronze), ("silver", lakehouse.silver), ("gold", lakehouse.gold)):
                layer_started = time.time()
                build()
                windows[layer] = [(layer_started, time.time())]
                seconds[layer] = time.time() - layer_started
        finally:
            lakehouse.close()
        finished = time.time()
    root = Path(settings.lakehouse_root)
    tables = table_stats(root)
    rows, sizes = layer_rows(tables), layer_bytes(tables)
    layers = {}
    for layer in LAYERS:
        layers[layer] = {
            "seconds": round(seconds[layer], 2),
            **rows[layer],
            "rows_per_second": round(rows[layer]["rows_in"] / seconds[layer]) if seconds[layer] > 0 else None,
            "bytes": sizes[layer],
            "driver_peak_mb": sampler.peaks_mb(windows[layer])["driver_peak_mb"],
        }
    emit(
        {
            "mode": "peer",
            "engine": f"duckdb {duckdb.__version__}",
            "start": args.start.isoformat(),
            "end": (args.end or args.start).isoformat(),
            "pipeline_seconds": round(finished - started, 2),
            "layers": layers,
            "tables": tables,
            "bytes_written": sum(sizes.values()),
            "driver_peak_mb": sampler.peaks_mb()["driver_peak_mb"],
            "process_seconds": process_seconds(),
            "pyspark_imported": "pyspark" in sys.modules,
            "dagster_imported": "dagster" in sys.modules,
        },
        args.result,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
