"""The silver quarantine rules as plain Python over bronze's text, to check the corpus's silver predictions.

This is the corpus's reading of the spec (rule names as the lead's brief gives them), not a copy of
the Spark code: where the two disagree, one of them is wrong and the report says which choice the
corpus made. Only quarantine rules are evaluated; warn rules never move a record.
"""

import json
import math
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import pyarrow.parquet as pq

from lakehouse_assets.contracts import (
    CATEGORY_TREE,
    CHANNELS,
    CONTRACT_COLUMNS,
    CORRUPT_RECORD_COLUMN,
    COUNTRIES,
    CURRENCIES,
    LOYALTY_TIERS,
    PAYMENT_METHODS,
    STATUSES,
)

ID_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9_-]*")
EMAIL_PATTERN = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}")
TIMESTAMP_PATTERN = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt "
    r"]([0-9]{2}):([0-9]{2}):([0-9]{2})([.][0-9]{1,9})?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?"
)
# What an id is trimmed of: Unicode whitespace and the invisible characters copy-paste brings along.
ID_EDGE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\u180e\u200b\u2060\ufeff"
)
INTEGER_PATTERN = re.compile(r"[+-]?[0-9]+")
MONEY_PATTERN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
THOUSANDS_PATTERN = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
MAX_MONEY = Decimal("9999999999.99")  # decimal(12,2)
MAX_TOTAL = Decimal("999999999999.99")  # decimal(14,2)


def clean(value: str | None) -> str | None:
    """Trimmed of spaces (as Spark's trim); blank is missing."""
    if value is None:
        return None
    trimmed = value.strip(" ")
    return trimmed or None


def token(value: str | None) -> str | None:
    text = clean(value)
    return None if text is None else re.sub(r"[\s\-]+", "_", text.lower())


def parse_integer(value: str | None) -> int | None:
    text = clean(value)
    if text is None or not INTEGER_PATTERN.fullmatch(text):
        return None
    number = int(text)
    return number if -(2**31) <= number < 2**31 else None


def parse_money(value: str | None) -> Decimal | None:
    """'$1,234.50', '€3', ' 12.5 ' are amounts; '12,50' (a decimal comma) and '1e3' are not."""
    text = clean(value)
    if text is None:
        return None
    text = re.sub(r"[$€£\s]", "", text)
    if THOUSANDS_PATTERN.fullmatch(text):
        text = text.replace(",", "")
    if not MONEY_PATTERN.fullmatch(text):
        return None
    try:
        amount = round(Decimal(text), 2)
    except InvalidOperation:
        return None
    return amount if abs(amount) <= MAX_MONEY else None


def parse_timestamp(value: str | None) -> datetime | None:
    text = clean(value)
    match = TIMESTAMP_PATTERN.fullmatch(text) if text else None
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    zone = match.group(8)
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        if zone and zone not in "Zz":
            sign = 1 if zone[0] == "+" else -1
            digits = zone[1:].replace(":", "")
            moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    except (ValueError, OverflowError):
        return None
    return moment


def _timestamp_rules(prefix: str, raw: str | None, ingest_day: date) -> list[str]:
    if clean(raw) is None:
        return [f"{prefix}_present"]
    moment = parse_timestamp(raw)
    if moment is None:
        return [f"{prefix}_is_timestamp"]
    failed = []
    if not datetime(1900, 1, 1, tzinfo=UTC) <= moment < datetime(2100, 1, 1, tzinfo=UTC):
        failed.append(f"{prefix}_in_range")
    if moment >= datetime.combine(ingest_day + timedelta(days=1), time(), tzinfo=UTC):
        failed.append(f"{prefix}_not_in_future")
    return failed


def _money_rules(column: str, raw: str | None) -> list[str]:
    if clean(raw) is None:
        return [f"{column}_present"]
    amount = parse_money(raw)
    if amount is None:
        return [f"{column}_is_amount"]
    return [f"{column}_not_negative"] if amount < 0 else []


def normalize_id(value: str | None) -> str | None:
    """Edges trimmed of any whitespace or invisible character, a-z upper-cased (only ASCII: 'ı' stays)."""
    if value is None:
        return None
    trimmed = value.strip(ID_EDGE)
    return trimmed.translate(_ASCII_UPPER) or None


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _id_rules(column: str, raw: str | None) -> list[str]:
    normalized = normalize_id(raw)
    if normalized is None:
        return [f"{column}_present"]
    return [] if ID_PATTERN.fullmatch(normalized) else [f"{column}_well_formed"]


def _allowed(column: str, value: str | None, domain) -> list[str]:
    if value is None:
        return [f"{column}_present"]
    return [] if value in domain else [f"{column}_allowed"]


def seen_ids(source: str, records: list[dict]) -> set[str]:
    """The ids that parsed records of a dimension name, valid or not: a transaction naming one is kept
    (an inferred member, flagged by a warn rule), only an id no record names fails customer_known /
    product_known. A corrupt record's columns are bronze's guess, so they name nothing."""
    ids = {business_key(source, r) for r in records if r.get(CORRUPT_RECORD_COLUMN) is None}
    return ids - {None}


def transaction_failures(r: dict, ingest_day: date, customers: set[str], products: set[str]) -> list[str]:
    """`customers` and `products`: the ids `seen_ids` finds in every day's records of those sources."""
    failed = _id_rules("transaction_id", r["transaction_id"])
    failed += _id_rules("customer_id", r["customer_id"]) + _id_rules("product_id", r["product_id"])
    quantity = parse_integer(r["quantity"])
    if clean(r["quantity"]) is None:
        failed.append("quantity_present")
    elif quantity is None:
        failed.append("quantity_is_integer")
    elif quantity < 1:
        failed.append("quantity_at_least_one")
    failed += _money_rules("unit_price", r["unit_price"])
    price = parse_money(r["unit_price"])
    if quantity is not None and price is not None and abs(quantity * price) > MAX_TOTAL:
        failed.append("total_amount_fits")
    currency = clean(r["currency"])
    failed += _allowed("currency", currency and currency.upper(), CURRENCIES)
    for column, domain in (("payment_method", PAYMENT_METHODS), ("channel", CHANNELS), ("status", STATUSES)):
        failed += _allowed(column, token(r[column]), domain)
    failed += _timestamp_rules("transaction_ts", r["transaction_ts"], ingest_day)
    if normalize_id(r["customer_id"]) is not None and normalize_id(r["customer_id"]) not in customers:
        failed.append("customer_known")
    if normalize_id(r["product_id"]) is not None and normalize_id(r["product_id"]) not in products:
        failed.append("product_known")
    return failed


def customer_failures(r: dict, ingest_day: date) -> list[str]:
    failed = _id_rules("customer_id", r["customer_id"])
    email = clean(r["email"])
    failed += ["email_present"] if email is None else [] if EMAIL_PATTERN.fullmatch(email.lower()) else ["email_valid"]
    country = clean(r["country"])
    failed += _allowed("country", country and re.sub(r"\s+", " ", country).upper(), COUNTRIES)
    failed += _allowed("loyalty_tier", token(r["loyalty_tier"]), LOYALTY_TIERS)
    signup = clean(r["signup_date"])
    if signup is not None and not _is_date(signup):
        failed.append("signup_date_is_date")
    return failed + _timestamp_rules("updated_at", r["updated_at"], ingest_day)


def _is_date(text: str) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) and date.fromisoformat(text) is not None
    except ValueError:
        return False


def product_failures(r: dict, ingest_day: date) -> list[str]:
    failed = _id_rules("product_id", r["product_id"])
    canonical = {name.lower(): name for name in CATEGORY_TREE}
    category = clean(r["category"])
    category = category and canonical.get(re.sub(r"\s+", " ", category).lower(), category)
    failed += _allowed("category", category, CATEGORY_TREE)
    subcategory = clean(r["subcategory"])
    if category in CATEGORY_TREE and subcategory is not None:
        subs = {s.lower(): s for s in CATEGORY_TREE[category]}
        if re.sub(r"\s+", " ", subcategory).lower() not in subs:
            failed.append("subcategory_in_category")
    failed += _money_rules("unit_price", r["unit_price"]) + _money_rules("unit_cost", r["unit_cost"])
    active = clean(r["is_active"])
    if active is None:
        failed.append("is_active_present")
    elif active.lower() not in ("true", "t", "yes", "y", "1", "false", "f", "no", "n", "0"):
        failed.append("is_active_is_boolean")
    return failed + _timestamp_rules("updated_at", r["updated_at"], ingest_day)


def failures(source: str, record: dict, ingest_day: date, customers=frozenset(), products=frozenset()) -> list[str]:
    """The quarantine rules `record` (bronze text) fails; a corrupt record fails malformed_record only."""
    if record.get(CORRUPT_RECORD_COLUMN) is not None:
        return ["malformed_record"]
    if source == "transactions":
        return transaction_failures(record, ingest_day, customers, products)
    return customer_failures(record, ingest_day) if source == "customers" else product_failures(record, ingest_day)


def business_key(source: str, record: dict) -> str:
    key = {"transactions": "transaction_id", "customers": "customer_id", "products": "product_id"}[source]
    return normalize_id(record[key])


def text_of(value) -> str | None:
    """How the corpus expects bronze to render a typed Parquet value as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def parquet_records(path, source: str) -> list[dict]:
    table = pq.read_table(path)
    rows = table.to_pylist()
    return [{**{c: text_of(row.get(c)) for c in CONTRACT_COLUMNS[source]}, CORRUPT_RECORD_COLUMN: None} for row in rows]
