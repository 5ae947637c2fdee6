"""Landing files with known contents for tests that run assets end to end."""

import csv
from contextlib import contextmanager
from pathlib import Path

from dagster import AssetCheckEvaluation, AssetCheckSeverity

from lakehouse_assets.contracts import CONTRACT_COLUMNS
from lakehouse_assets.definitions import build_definitions, build_layers
from lakehouse_assets.settings import Settings

# The defaults, whatever the environment of the test run: tests build their definitions from these.
TEST_SETTINGS = Settings.from_env({})
LAYERS = build_layers(TEST_SETTINGS)
TEST_DEFS = build_definitions(TEST_SETTINGS)


def customer(cid, day, email=None):
    return {
        "customer_id": cid,
        "first_name": "Ann",
        "last_name": "Lee",
        "email": email or f"{cid.lower()}@example.com",
        "phone": "+44 20 7946 0000",
        "country": "GB",
        "city": "London",
        "signup_date": "2023-05-01",
        "loyalty_tier": "gold",
        "updated_at": f"{day}T08:00:00Z",
    }


def product(pid, day):
    return {
        "product_id": pid,
        "name": "Desk",
        "category": "Home & Garden",
        "subcategory": "Furniture",
        "brand": "Acme",
        "unit_price": "100.00",
        "unit_cost": "60.00",
        "is_active": "true",
        "updated_at": f"{day}T08:00:00Z",
    }


def transaction(tid, day, customer_id="C1", product_id="P1", status="completed"):
    return {
        "transaction_id": tid,
        "customer_id": customer_id,
        "product_id": product_id,
        "quantity": "2",
        "unit_price": "100.00",
        "currency": "USD",
        "payment_method": "paypal",
        "channel": "online",
        "status": status,
        "transaction_ts": f"{day}T12:00:00Z",
    }


def land(root: str, source: str, day: str, records: list[dict]) -> None:
    folder = Path(root) / source / day
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{source}.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CONTRACT_COLUMNS[source])
        writer.writeheader()
        writer.writerows(records)


def land_day(root, day, customers=(), products=(), transactions=()):
    land(root, "customers", day, list(customers))
    land(root, "products", day, list(products))
    land(root, "transactions", day, list(transactions))


def range_tags(first: str, last: str) -> dict[str, str]:
    """The tags of one run over the partitions first..last, as a single-run backfill launches it."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def check_results(
    result, *, failed: bool = False, severity: AssetCheckSeverity | None = None
) -> dict[tuple[str, str], AssetCheckEvaluation]:
    """The run's check evaluations by (asset, check name), e.g. ("silver/transactions", "business_key_unique");
    only the failed ones, or those of one severity, when asked.

    A range run evaluates a partitioned check over the range and again on each day: those share a key
    and the last one is kept, so a test about every evaluation reads `get_asset_check_evaluations()`.
    The filters apply before that, so a failure on any day is among the failed ones.
    """
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
        if not (failed and e.passed) and (severity is None or e.severity == severity)
    }


CLI_SESSION_CONF = ("spark.sql.shuffle.partitions", "spark.databricks.delta.snapshotPartitions")


@contextmanager
def spark_conf_restored(spark):
    """The `lakehouse` commands' Spark resource applies its own runtime settings to the session it
    finds, which in tests is the shared one: put them back for the tests that follow."""
    saved = {key: spark.conf.get(key) for key in CLI_SESSION_CONF}
    try:
        yield
    finally:
        for key, value in saved.items():
            spark.conf.set(key, value)
