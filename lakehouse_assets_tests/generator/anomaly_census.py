"""Counts every anomaly kind from a drop's content alone, to hold the manifest to account.

Relies only on the published contracts and vocabularies: a record repeated verbatim is an exact
duplicate, a key repeated with other values a newer version, and so on. Each record carries at most
one anomaly, so the first rule that matches a record decides its kind.
"""

import re
from datetime import date, datetime, timedelta

from lakehouse_assets.contracts import BUSINESS_KEYS, CONTRACT_COLUMNS, CUSTOMERS, PRODUCTS, TRANSACTIONS
from lakehouse_assets.generator import ANOMALY_KINDS
from lakehouse_assets.generator.vocab import (
    CATEGORIES,
    CHANNELS,
    COUNTRY_LOCALES,
    CURRENCIES,
    LOYALTY_TIERS,
    PAYMENT_METHODS,
    STATUSES,
)
from lakehouse_assets_tests.generator.landing_reader import Part

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
SUBCATEGORIES = {sub for subs in CATEGORIES.values() for sub in subs}
CLEAN_VALUES = {
    "currency": set(CURRENCIES),
    "payment_method": set(PAYMENT_METHODS),
    "channel": set(CHANNELS),
    "status": set(STATUSES),
    "country": set(COUNTRY_LOCALES),
    "loyalty_tier": set(LOYALTY_TIERS),
    "category": set(CATEGORIES),
    "subcategory": SUBCATEGORIES,
    "is_active": {"true", "false"},
}
TIMESTAMP_COLUMN = {TRANSACTIONS: "transaction_ts", CUSTOMERS: "updated_at", PRODUCTS: "updated_at"}


def is_timestamp(text: str) -> bool:
    try:
        return datetime.strptime(text, TIMESTAMP_FORMAT).strftime(TIMESTAMP_FORMAT) == text
    except ValueError:
        return False


def census(source: str, day: date, parts: list[Part], max_customer: int, max_product: int) -> dict[str, int]:
    counts = dict.fromkeys(ANOMALY_KINDS, 0)
    counts["malformed_line"] = sum(len(part.malformed) for part in parts)
    columns, key = CONTRACT_COLUMNS[source], BUSINESS_KEYS[source]
    seen_records: set[tuple] = set()
    seen_keys: set[str] = set()
    for part in parts:
        for row, extra in zip(part.rows, part.extra_keys, strict=True):
            values = tuple(row[name] for name in columns)
            if values in seen_records:
                counts["duplicate_exact"] += 1
            elif row[key] is not None and row[key] in seen_keys:
                counts["duplicate_newer_version"] += 1
            else:
                kind = _kind(source, day, row, max_customer, max_product) or ("unexpected_column" if extra else None)
                if kind:
                    counts[kind] += 1
            seen_records.add(values)
            seen_keys.add(row[key])
    return counts


def _kind(source: str, day: date, row: dict, max_customer: int, max_product: int) -> str | None:
    if any(value is None for value in row.values()):
        return "null_value"
    timestamp = row[TIMESTAMP_COLUMN[source]]
    if not is_timestamp(timestamp):
        return "malformed_timestamp"
    if any(name in row and row[name] not in clean for name, clean in CLEAN_VALUES.items()):
        return "padded_or_miscased"
    if source == CUSTOMERS:
        email = row["email"]
        if not EMAIL.fullmatch(email.strip()):
            return "malformed_email"
        return "padded_or_miscased" if email != email.strip().lower() else None
    money = [row["unit_price"]] + ([row["unit_cost"]] if source == PRODUCTS else [])
    if any(value.startswith("$") for value in money):
        return "money_as_text"
    if any(value.startswith("-") for value in money) or (source == TRANSACTIONS and int(row["quantity"]) <= 0):
        return "out_of_range"
    if source == TRANSACTIONS:
        if int(row["customer_id"][1:]) > max_customer or int(row["product_id"][1:]) > max_product:
            return "unknown_foreign_key"
        if timestamp[:10] == (day - timedelta(days=1)).isoformat():
            return "late_arriving"
    return None
