"""The generator's own dirt, landed as files, read by bronze and run through silver.

Two days of customers, products and transactions (dirty_rate 0.2), each source run the way the silver
layer runs them: dimensions first, transactions against the silver customers and products. The
manifest says how many records got each anomaly; every anomaly that must quarantine or deduplicate
has to show up, and every bronze record has to land in exactly one bucket.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from pyspark import StorageLevel
from pyspark.sql import Row

from lakehouse_assets.contracts import BUSINESS_KEYS, CONTRACT_COLUMNS, CUSTOMERS, PRODUCTS, SOURCES, TRANSACTIONS
from lakehouse_assets.generator import ANOMALY_KINDS, GeneratorConfig, generate
from lakehouse_assets.generator.config import UNKNOWN_CUSTOMER_NUMBER, UNKNOWN_PRODUCT_NUMBER
from lakehouse_assets.resources.landing import LocalLandingZone
from lakehouse_assets.transforms.bronze import plan_files, read_drop
from lakehouse_assets.transforms.silver.pipeline import SPECS, evaluate_source, split
from lakehouse_assets.transforms.silver.standardize import EMAIL_PATTERN

INGESTED_AT = datetime(2024, 1, 3, 6, 0)
TIMESTAMP_COLUMN = {TRANSACTIONS: "transaction_ts", CUSTOMERS: "updated_at", PRODUCTS: "updated_at"}
MONEY_COLUMNS = {TRANSACTIONS: ("unit_price",), CUSTOMERS: (), PRODUCTS: ("unit_price", "unit_cost")}
OUT_OF_RANGE_RULES = {"quantity_at_least_one", "unit_price_not_negative", "unit_cost_not_negative"}
# EMAIL_PATTERN of standardize.py, applied by Python's re (where '\.' is a literal dot).
VALID_EMAIL = re.compile(EMAIL_PATTERN)


@dataclass
class SourceRun:
    anomalies: Counter  # the manifests' anomaly counts, summed over the days
    records: int  # the manifests' record counts, summed over the days
    bronze: list[Row]
    silver: list[Row]
    quarantine: list[Row]

    def quarantined(self) -> list[Row]:
        return [row for row in self.quarantine if row["disposition"] == "quarantined"]

    def duplicates(self) -> list[Row]:
        return [row for row in self.quarantine if row["disposition"] == "duplicate"]

    def parsed_bronze(self) -> list[Row]:
        return [row for row in self.bronze if row["_corrupt_record"] is None]


@pytest.fixture(scope="module")
def runs(spark, tmp_path_factory) -> dict[str, SourceRun]:
    root = tmp_path_factory.mktemp("silver_generated") / "landing"
    config = GeneratorConfig(
        landing_root=root, days=2, transactions_per_day=300, customers=40, products=12, dirty_rate=0.2
    )
    manifests = generate(config)
    landing = LocalLandingZone(root=str(root))
    days = [config.start_date + timedelta(days=offset) for offset in range(config.days)]
    persisted, references, runs = [], {}, {}
    for source in (CUSTOMERS, PRODUCTS, TRANSACTIONS):
        files = plan_files(
            spark, [entry for day in days for entry in landing.list_entries(source, day)], landing.byte_reader()
        )
        bronze = read_drop(spark, source, files, landing.byte_reader(), run_id="generated", ingested_at=INGESTED_AT)
        evaluated = evaluate_source(bronze, source, **references).persist(StorageLevel.MEMORY_AND_DISK)
        persisted.append(evaluated)
        result = split(evaluated, source, None)
        persisted.extend(result.persisted)
        own = [manifest for manifest in manifests if manifest["source"] == source]
        runs[source] = SourceRun(
            anomalies=sum((Counter(manifest["anomalies"]) for manifest in own), Counter()),
            records=sum(manifest["records"] for manifest in own),
            # The bronze record as landed (typing keeps it under `_raw`), read off the cached rows.
            bronze=evaluated.select(
                "_raw.*", "_corrupt_record", "_rescued_data", "_source_file", "_ingest_date"
            ).collect(),
            silver=result.silver.collect(),
            quarantine=result.quarantine.collect(),
        )
        if source != TRANSACTIONS:
            references[source] = result.silver
    yield runs
    for frame in persisted:
        frame.unpersist()


def normalized(value: str | None) -> str | None:
    return value.strip().upper() if value and value.strip() else None


def landed_day(timestamp: str | None) -> date | None:
    """The day of a contract timestamp ('2024-01-01T10:00:00Z'); None for anything else."""
    try:
        return datetime.strptime(timestamp or "", "%Y-%m-%dT%H:%M:%SZ").date()
    except ValueError:
        return None


def failing(run: SourceRun, rule_names: set[str]) -> list[Row]:
    return [row for row in run.quarantined() if rule_names & set(row["failed_rules"])]


@pytest.mark.parametrize("source", SOURCES)
def test_every_bronze_record_lands_in_exactly_one_bucket(runs, source):
    run = runs[source]
    assert len(run.bronze) == run.records
    assert len(run.bronze) == len(run.silver) + len(run.quarantined()) + len(run.duplicates())
    by_file = Counter(row["_source_file"] for row in run.bronze)
    assert Counter(row["_source_file"] for row in [*run.silver, *run.quarantine]) == by_file


@pytest.mark.parametrize("source", SOURCES)
def test_silver_has_one_row_per_identity_and_no_missing_key(runs, source):
    identity = SPECS[source].identity_keys
    keys = [tuple(row[name] for name in identity) for row in runs[source].silver]
    assert [key for key in keys if None in key] == []
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("source", SOURCES)
def test_malformed_lines_are_quarantined_for_that_reason_only(runs, source):
    run = runs[source]
    malformed = [row for row in run.quarantine if row["failed_rules"] == ["malformed_record"]]
    assert len(malformed) == run.anomalies["malformed_line"]
    assert len(run.bronze) - len(run.parsed_bronze()) == run.anomalies["malformed_line"]


@pytest.mark.parametrize("source", SOURCES)
def test_malformed_timestamps_are_quarantined(runs, source):
    run = runs[source]
    assert len(failing(run, {f"{TIMESTAMP_COLUMN[source]}_is_timestamp"})) == run.anomalies["malformed_timestamp"]


def test_the_corpus_exercises_every_anomaly_kind(runs):
    totals = sum((run.anomalies for run in runs.values()), Counter())
    assert sorted(kind for kind in ANOMALY_KINDS if totals[kind] == 0) == []


@pytest.mark.parametrize("source", [TRANSACTIONS, PRODUCTS])
def test_out_of_range_values_are_quarantined(runs, source):
    run = runs[source]
    assert len(failing(run, OUT_OF_RANGE_RULES)) == run.anomalies["out_of_range"]


def test_malformed_emails_are_quarantined(runs):
    run = runs[CUSTOMERS]
    leaked = sorted(row["email"] for row in run.silver if not VALID_EMAIL.fullmatch(row["email"]))
    assert leaked == [], f"malformed_email dirt passed email_valid and reached silver: {leaked}"
    assert len(failing(run, {"email_valid"})) == run.anomalies["malformed_email"]


def test_padded_or_miscased_values_are_standardized_not_rejected(runs):
    assert sum(run.anomalies["padded_or_miscased"] for run in runs.values()) > 0
    vocabulary_rules = {
        rule
        for run in runs.values()
        for row in run.quarantined()
        for rule in row["failed_rules"]
        if rule.endswith("_allowed") or rule in ("is_active_is_boolean", "subcategory_in_category")
    }
    assert vocabulary_rules == set()


def test_null_values_are_quarantined_when_the_column_is_required(runs):
    run = runs[TRANSACTIONS]
    # Every transaction column is required, so each nulled record fails exactly one `_present` rule.
    missing = [row for row in run.quarantined() if any(rule.endswith("_present") for rule in row["failed_rules"])]
    assert len(missing) == run.anomalies["null_value"]
    for source in (CUSTOMERS, PRODUCTS):
        key = BUSINESS_KEYS[source]
        keyless = [row for row in runs[source].parsed_bronze() if normalized(row[key]) is None]
        rejected = [row for row in runs[source].quarantined() if row["failed_rules"] == [f"{key}_present"]]
        assert len(rejected) == len(keyless) <= runs[source].anomalies["null_value"]


def unknown_reference(row: Row) -> str | None:
    """The rule an unknown_foreign_key record must fail: the generator never issues ids this high."""
    if row["customer_id"] and int(row["customer_id"][1:]) >= UNKNOWN_CUSTOMER_NUMBER:
        return "customer_known"
    if row["product_id"] and int(row["product_id"][1:]) >= UNKNOWN_PRODUCT_NUMBER:
        return "product_known"
    return None


def test_unknown_foreign_keys_are_quarantined(runs):
    run = runs[TRANSACTIONS]
    unknown = {row["transaction_id"]: rule for row in run.parsed_bronze() if (rule := unknown_reference(row))}
    assert len(unknown) == run.anomalies["unknown_foreign_key"] > 0
    quarantined = {row["business_key"]: row["failed_rules"] for row in run.quarantined()}
    assert {key: quarantined.get(key) for key in unknown} == {key: [rule] for key, rule in unknown.items()}


def test_late_arrivals_stay_in_silver_flagged(runs):
    run = runs[TRANSACTIONS]
    late_ids = {
        row["transaction_id"]
        for row in run.parsed_bronze()
        if landed_day(row["transaction_ts"]) and landed_day(row["transaction_ts"]) < row["_ingest_date"]
    }
    assert len(late_ids) == run.anomalies["late_arriving"] > 0
    flagged = {row["transaction_id"] for row in run.silver if row["is_late_arriving"]}
    assert all("late_arriving" in row["_warnings"] for row in run.silver if row["is_late_arriving"])
    rejected = {
        row["business_key"]: row["failed_rules"] for row in run.quarantined() if row["business_key"] in late_ids
    }
    assert flagged | set(rejected) == late_ids and not flagged & set(rejected)
    assert [rules for rules in rejected.values() if "transaction_ts_not_in_future" in rules] == []


@pytest.mark.parametrize("source", SOURCES)
def test_unexpected_columns_only_warn(runs, source):
    run = runs[source]
    rescued = [row for row in run.bronze if row["_rescued_data"] is not None]
    assert len(rescued) == run.anomalies["unexpected_column"]
    warned = [row for row in run.silver if "unexpected_columns" in row["_warnings"]]
    if source == TRANSACTIONS:
        assert len(warned) <= len(rescued)  # a record may still be quarantined for an unknown reference
    else:
        assert len(warned) == len(rescued)


@pytest.mark.parametrize("source", [TRANSACTIONS, PRODUCTS])
def test_money_as_text_is_parsed_not_rejected(runs, source):
    run = runs[source]
    key = BUSINESS_KEYS[source]
    as_text = [
        row for row in run.parsed_bronze() if any("$" in (row[column] or "") for column in MONEY_COLUMNS[source])
    ]
    assert len(as_text) == run.anomalies["money_as_text"]
    silver = {(row[key], row["_ingest_date"]): row for row in run.silver}
    quarantined = {(row["business_key"], row["_ingest_date"]): row["failed_rules"] for row in run.quarantined()}
    for landed in as_text:
        where = (landed[key], landed["_ingest_date"])
        if where in quarantined:
            assert not any(rule.endswith("_is_amount") for rule in quarantined[where]), (landed, quarantined[where])
            continue
        kept = silver[where]
        for column in MONEY_COLUMNS[source]:
            assert kept[column] == Decimal(landed[column].replace("$", "").replace(",", ""))


@pytest.mark.parametrize("source", SOURCES)
def test_repeated_records_are_deduplicated(runs, source):
    """The generator's duplicate_exact / duplicate_newer_version add a second record with the same key
    the same day: silver keeps one (the settled status, the newest version), quarantine the other,
    unless both copies failed a rule (a transaction of a quarantined customer, say)."""
    run = runs[source]
    key = BUSINESS_KEYS[source]
    groups: dict[tuple, list[Row]] = {}
    for row in run.parsed_bronze():
        if normalized(row[key]) is not None:
            groups.setdefault((normalized(row[key]), row["_ingest_date"]), []).append(row)
    pairs = {group: rows for group, rows in groups.items() if len(rows) > 1}
    assert all(len(rows) == 2 for rows in pairs.values())
    columns = CONTRACT_COLUMNS[source]
    exact = {
        group
        for group, (first, second) in pairs.items()
        if [first[name] for name in columns] == [second[name] for name in columns]
    }
    assert (len(exact), len(pairs) - len(exact)) == (
        run.anomalies["duplicate_exact"],
        run.anomalies["duplicate_newer_version"],
    )

    silver = Counter((row[key], row["_ingest_date"]) for row in run.silver)
    quarantined = Counter((row["business_key"], row["_ingest_date"]) for row in run.quarantined())
    duplicates = {(row["business_key"], row["_ingest_date"]): row["reason"] for row in run.duplicates()}
    assert set(duplicates) <= set(pairs)
    for group in pairs:
        if quarantined[group] == 2:
            continue
        assert (silver[group], quarantined[group]) == (1, 0), group
        expected = (
            "exact duplicate of a record in the same drop"
            if group in exact
            else (f"older version of {key}={group[0]}; a newer one landed the same day")
        )
        assert duplicates.get(group) == expected
    if source != TRANSACTIONS:
        assert len(run.duplicates()) == len(pairs) >= run.anomalies["duplicate_exact"]
    if source == TRANSACTIONS:
        kept_statuses = {row["status"] for row in run.silver if (row[key], row["_ingest_date"]) in set(pairs) - exact}
        assert "pending" not in kept_statuses


def landed_record(values: dict) -> tuple[tuple[str, str], ...]:
    """A bronze record's landed values as quarantine's raw_record holds them (JSON, NULLs left out)."""
    return tuple(sorted((name, value) for name, value in values.items() if value is not None))


def test_quarantine_key_is_none_and_each_row_is_a_landed_record(runs):
    """What docs/data-dictionary.md states about silver/quarantine's key, on the generator's dirt."""
    rows = [row for source in SOURCES for row in runs[source].quarantine]
    documented_key = Counter((row["source"], row["business_key"]) for row in rows)
    assert any(key is None for _, key in documented_key)
    assert max(documented_key.values()) > 1
    for source in SOURCES:
        contract = (*CONTRACT_COLUMNS[source], "_corrupt_record", "_rescued_data")
        landed = Counter(
            (row["_source_file"], landed_record({name: row[name] for name in contract})) for row in runs[source].bronze
        )
        quarantined = Counter(
            (row["_source_file"], landed_record(json.loads(row["raw_record"]))) for row in runs[source].quarantine
        )
        # (source, _source_file, raw_record) names a landed record, never more often than bronze holds it.
        assert quarantined - landed == Counter()
