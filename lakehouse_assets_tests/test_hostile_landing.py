"""The hostile landing corpus end to end: one run over three days, real Spark, Delta and Dagster.

Day 1 holds every kind of realistic and hostile file next to good ones (lakehouse_assets_tests/
corpus: Excel, pandas, other teams' exporters, broken uploads, names and links), day 2 is clean, day
3 is clean plus a few bad files. The run must not fail, every entry must end where the corpus says
(loaded with N bronze rows / rejected with reason / ignored by rule), every landed record must be
accounted for from landing to silver, text must land character for character, and gold must be
built for every day of the range.
"""

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from dagster import AssetCheckSeverity, AssetSelection, DagsterInstance, materialize
from pyspark.sql import functions as F

from lakehouse_assets.contracts import CONTRACT_COLUMNS, SOURCES
from lakehouse_assets.orchestration.jobs import MONTHLY, WEEKLY
from lakehouse_assets.resources import DeltaIOManager, LocalLandingZone, SparkResource
from lakehouse_assets.resources.reader import DeltaTableReader
from lakehouse_assets.transforms.gold.sales import SALE_STATUSES
from lakehouse_assets_tests.conftest import TEST_SPARK
from lakehouse_assets_tests.corpus.hostile import land_clean_day, land_corpus
from lakehouse_assets_tests.corpus.model import RULE_JOIN
from lakehouse_assets_tests.corpus.reference import expected_records
from lakehouse_assets_tests.support import TEST_DEFS as defs
from lakehouse_assets_tests.support import check_results, range_tags

DAYS = ("2024-01-01", "2024-01-02", "2024-01-03")
# Day 3: bad files again, so one bad file per day is proven not to block the others in a range run.
DAY3_KINDS = {"csv_gzip_bytes", "parquet_truncated", "jsonl_duplicate_keys", "csv_excel_utf8_bom_crlf"}


@pytest.fixture(scope="module")
def corpus(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    landing, tables = root / "landing", str(root / "tables")
    expected = {}
    for day, files in (
        (DAYS[0], land_corpus(landing, DAYS[0])),
        (DAYS[1], land_clean_day(landing, DAYS[1])),
        (DAYS[2], land_clean_day(landing, DAYS[2]) + land_corpus(landing, DAYS[2], kinds=DAY3_KINDS)),
    ):
        for file in files:
            expected[(file.source, day, file.name)] = file
    spark_resource = SparkResource(**TEST_SPARK)
    resources = {
        "spark": spark_resource,
        "io_manager": DeltaIOManager(root=tables, spark=spark_resource),
        "landing": LocalLandingZone(root=str(landing)),
        "delta_tables": DeltaTableReader(root=tables, spark=spark_resource),
    }
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [*defs.assets, *defs.asset_checks],
            resources=resources,
            instance=instance,
            raise_on_error=False,
            selection=AssetSelection.all() - WEEKLY - MONTHLY,
            tags=range_tags(DAYS[0], DAYS[-1]),
        )

    def table(name):
        return spark.read.format("delta").load(f"{tables}/{name}")

    ledger = {
        (row.source, row._ingest_date.isoformat(), row.file_name): row
        for source in SOURCES
        for row in table(f"bronze/{source}_files").collect()
    }
    return {"result": result, "expected": expected, "ledger": ledger, "table": table, "landing": landing}


def test_the_range_run_succeeds_and_every_blocking_check_passes(corpus):
    result = corpus["result"]
    assert result.success
    failed = set(check_results(result, failed=True, severity=AssetCheckSeverity.ERROR))
    assert failed == set()


def test_every_entry_ends_in_exactly_the_place_the_corpus_says(corpus):
    expected, ledger = corpus["expected"], corpus["ledger"]
    assert set(ledger) == set(expected)
    wrong = {
        key: ((row.outcome, row.reason), (expected[key].outcome, expected[key].reason))
        for key, row in ledger.items()
        if (row.outcome, row.reason) != (expected[key].outcome, expected[key].reason)
    }
    assert wrong == {}
    assert all(
        row.message and row.landing_path.rsplit("/", 1)[-1] in row.message
        for row in ledger.values()
        if row.outcome != "loaded"
    )


def _bronze_by_file(corpus) -> dict[str, list]:
    rows = defaultdict(list)
    for source in SOURCES:
        for row in corpus["table"](f"bronze/{source}").collect():
            rows[row._source_file].append(row)
    return rows


def test_landed_records_equal_bronze_rows_plus_records_of_rejected_files(corpus):
    expected, ledger, bronze = corpus["expected"], corpus["ledger"], _bronze_by_file(corpus)
    rows = {key: len(bronze.get(row._source_file, [])) for key, row in ledger.items()}
    assert {key: n for key, n in rows.items() if n != expected[key].bronze_rows} == {}
    for key, row in ledger.items():
        if row.outcome == "loaded":
            assert row.records == rows[key], key
        elif row.outcome == "rejected" and expected[key].landed_records is not None:
            assert row.records == expected[key].landed_records, key
    for day in DAYS:
        landed = sum(row.records or 0 for key, row in ledger.items() if key[1] == day and row.outcome != "ignored")
        in_bronze = sum(n for key, n in rows.items() if key[1] == day)
        set_aside = sum(row.records or 0 for key, row in ledger.items() if key[1] == day and row.outcome == "rejected")
        assert landed == in_bronze + set_aside


def test_text_lands_character_for_character(corpus):
    expected, ledger, bronze = corpus["expected"], corpus["ledger"], _bronze_by_file(corpus)
    compared = 0
    for key, file in expected.items():
        if file.outcome != "loaded" or not file.text_exact:
            continue
        source, day, name = key
        want = expected_records(corpus["landing"] / source / day / name, file)
        got = bronze[ledger[key]._source_file]
        columns = CONTRACT_COLUMNS[source]

        def shape(record: dict, columns=columns) -> tuple:
            if set(record) == {"_corrupt_record"}:
                return ("corrupt", record["_corrupt_record"])
            return ("record", *[record.get(c) for c in columns], record.get("_corrupt_record"))

        landed = Counter(shape(r) for r in want)
        stored = Counter(
            ("corrupt", r._corrupt_record)
            if r._corrupt_record is not None and ("corrupt", r._corrupt_record) in landed
            else ("record", *[r[c] for c in columns], r._corrupt_record)
            for r in got
        )
        assert stored == landed, key
        compared += 1
    assert compared >= 60


def test_bronze_equals_silver_plus_quarantined_plus_duplicates_per_file(corpus):
    expected, ledger = corpus["expected"], corpus["ledger"]
    table = corpus["table"]
    silver = Counter(r._source_file for s in SOURCES for r in table(f"silver/{s}").select("_source_file").collect())
    quarantined: dict[str, Counter] = defaultdict(Counter)
    duplicates = Counter()
    for r in table("silver/quarantine").collect():
        if r.disposition == "duplicate":
            duplicates[r._source_file] += 1
        else:
            quarantined[r._source_file][RULE_JOIN.join(sorted(r.failed_rules))] += 1
    mismatched = {}
    for key, file in expected.items():
        if file.outcome != "loaded":
            continue
        uri = ledger[key]._source_file
        got = (silver[uri], dict(quarantined[uri]), duplicates[uri])
        want = (file.silver_rows, file.quarantined, file.duplicates)
        if got != want:
            mismatched[key] = {"got": got, "want": want}
    assert mismatched == {}


def test_gold_is_built_for_every_day_of_the_range(corpus):
    summary = corpus["table"]("gold/daily_sales_summary")
    days = {r.transaction_date.isoformat() for r in summary.select("transaction_date").distinct().collect()}
    assert set(DAYS) <= days
    orders = {
        r.transaction_date.isoformat(): r.orders
        for r in summary.groupBy("transaction_date").sum("orders").withColumnRenamed("sum(orders)", "orders").collect()
    }
    silver = corpus["table"]("silver/transactions").where(F.col("status").isin(*SALE_STATUSES))
    per_day = {r.transaction_date.isoformat(): r["count"] for r in silver.groupBy("transaction_date").count().collect()}
    assert {day: orders.get(day) for day in DAYS} == {day: per_day.get(day) for day in DAYS}


@pytest.mark.parametrize("day", DAYS)
def test_the_manifestless_days_log_no_manifest_problem(corpus, day):
    evaluations = [
        e
        for e in corpus["result"].get_asset_check_evaluations()
        if e.check_name == "records_landed_equal_rows_written" and e.partition == day
    ]
    assert evaluations and all(e.passed and e.metadata["manifest_problems"].value == [] for e in evaluations)


def test_the_landing_root_keeps_every_file(corpus):
    # Bronze reads; it never moves or deletes what landed (a rejected file stays for its producer to fix).
    landing: Path = corpus["landing"]
    for source, day, name in corpus["expected"]:
        path = landing / source / day / name
        assert path.exists() or path.is_symlink(), (source, day, name)
