"""With dirty_rate 0 every record is a valid contract record, consistent across sources and days."""

import math
import re
from collections import defaultdict
from datetime import date

from lakehouse_assets.contracts import CUSTOMERS, PRODUCTS, TRANSACTIONS
from lakehouse_assets.generator.vocab import CATEGORIES
from lakehouse_assets_tests.generator.anomaly_census import CLEAN_VALUES, EMAIL, census, is_timestamp
from lakehouse_assets_tests.generator.landing_reader import read_manifest
from lakehouse_assets_tests.generator.support import drop_folders, id_bounds, read_drop

MONEY = re.compile(r"(0|[1-9]\d*)\.\d{2}")
PATTERNS = {
    "transaction_id": re.compile(r"T\d{12}"),
    "customer_id": re.compile(r"C\d{7}"),
    "product_id": re.compile(r"P\d{6}"),
    "quantity": re.compile(r"[1-9]|10"),
    "unit_price": MONEY,
    "unit_cost": MONEY,
    "signup_date": re.compile(r"\d{4}-\d{2}-\d{2}"),
}


def _rows(config, source):
    """(day, row) for every record of `source`, in landing order."""
    for drop_source, day, folder in drop_folders(config):
        if drop_source == source:
            for part in read_drop(folder, source):
                assert (part.malformed, [keys for keys in part.extra_keys if keys]) == ([], [])
                yield from ((day, row) for row in part.rows)


def test_clean_run_has_no_anomalies_and_the_base_record_counts(clean_landing):
    config, manifests = clean_landing
    max_customer, max_product = id_bounds(config)
    customers = config.customers
    expected = {}
    for offset in range(config.days):
        changed = config.customers if offset == 0 else math.ceil(customers * 0.03) + math.ceil(customers * 0.01)
        customers += 0 if offset == 0 else math.ceil(customers * 0.01)
        products = config.products if offset == 0 else math.ceil(config.products * 0.05)
        expected.update({(CUSTOMERS, offset): changed, (PRODUCTS, offset): products})
        expected[(TRANSACTIONS, offset)] = config.transactions_per_day

    for source, day, folder in drop_folders(config):
        manifest = read_manifest(folder)
        assert set(manifest["anomalies"].values()) == {0}
        assert census(source, day, read_drop(folder, source), max_customer, max_product) == manifest["anomalies"]
        assert manifest["records"] == expected[(source, (day - config.start_date).days)]
    assert len(manifests) == 9


def test_every_value_is_valid_for_its_column(clean_landing):
    config, _ = clean_landing
    for source in (TRANSACTIONS, CUSTOMERS, PRODUCTS):
        for day, row in _rows(config, source):
            for name, value in row.items():
                assert value is not None and value == value.strip() and "\n" not in value, (name, value)
                assert name not in PATTERNS or PATTERNS[name].fullmatch(value), (name, value)
                assert name not in CLEAN_VALUES or value in CLEAN_VALUES[name], (name, value)
            timestamp = row["transaction_ts" if source == TRANSACTIONS else "updated_at"]
            assert is_timestamp(timestamp) and timestamp.startswith(day.isoformat())


def test_customers_are_consistent_people(clean_landing):
    config, _ = clean_landing
    for day, row in _rows(config, CUSTOMERS):
        assert EMAIL.fullmatch(row["email"]) and row["email"] == row["email"].lower()
        assert row["email"].split("@")[0].endswith(row["customer_id"][1:].lstrip("0"))
        assert date.fromisoformat(row["signup_date"]) <= day
        assert row["first_name"] and row["last_name"] and row["city"] and row["phone"]


def test_customer_updates_change_one_attribute_of_the_previous_version(clean_landing):
    config, _ = clean_landing
    current = {}
    for _, row in _rows(config, CUSTOMERS):
        previous = current.get(row["customer_id"])
        if previous is not None:
            changed = [name for name in row if row[name] != previous[name] and name != "updated_at"]
            assert len(changed) <= 1 and set(changed) <= {"city", "loyalty_tier", "email"}, changed
            assert row["updated_at"] > previous["updated_at"]
        current[row["customer_id"]] = row
    assert len(current) == id_bounds(config)[0]
    assert sorted(current) == [f"C{number:07d}" for number in range(1, len(current) + 1)]


def test_products_have_a_coherent_catalogue(clean_landing):
    config, _ = clean_landing
    for _, row in _rows(config, PRODUCTS):
        nouns, _ = CATEGORIES[row["category"]][row["subcategory"]]
        assert any(row["name"].endswith(noun) for noun in nouns)
        assert 0 < float(row["unit_cost"]) < float(row["unit_price"])


def test_transactions_reference_existing_entities_at_the_price_of_the_moment(clean_landing):
    config, _ = clean_landing
    first_landed = {}
    for day, row in _rows(config, CUSTOMERS):
        first_landed.setdefault(row["customer_id"], day)
    versions = defaultdict(list)  # product -> [(updated_at, price)], in landing order
    for _, row in _rows(config, PRODUCTS):
        versions[row["product_id"]].append((row["updated_at"], row["unit_price"]))
    ids = set()
    for day, row in _rows(config, TRANSACTIONS):
        assert first_landed[row["customer_id"]] <= day
        history = versions[row["product_id"]]
        landed = [price for updated_at, price in history if updated_at <= row["transaction_ts"]]
        assert row["unit_price"] == (landed[-1] if landed else history[0][1])
        ids.add(row["transaction_id"])
    assert len(ids) == config.transactions_per_day * config.days
