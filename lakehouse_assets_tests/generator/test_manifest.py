"""The manifest is the drop's contract with bronze: its counts must match what the files hold."""

import pytest

from lakehouse_assets.generator import ANOMALY_KINDS
from lakehouse_assets_tests.generator.anomaly_census import census
from lakehouse_assets_tests.generator.landing_reader import read_manifest
from lakehouse_assets_tests.generator.support import drop_folders, id_bounds, read_drop


def test_manifest_counts_records_per_file_and_per_drop(dirty_landing):
    config, _ = dirty_landing
    for source, day, folder in drop_folders(config):
        manifest = read_manifest(folder)
        parts = read_drop(folder, source)

        assert [entry["name"] for entry in manifest["files"]] == [part.name for part in parts]
        assert [entry["format"] for entry in manifest["files"]] == [part.fmt for part in parts]
        assert [entry["records"] for entry in manifest["files"]] == [part.records for part in parts]
        assert manifest["records"] == sum(part.records for part in parts)
        assert (manifest["source"], manifest["date"]) == (source, day.isoformat())
        assert (manifest["seed"], manifest["dirty_rate"]) == (config.seed, config.dirty_rate)


def test_every_anomaly_count_matches_the_content(dirty_landing):
    config, _ = dirty_landing
    max_customer, max_product = id_bounds(config)
    for source, day, folder in drop_folders(config):
        counted = census(source, day, read_drop(folder, source), max_customer, max_product)

        assert counted == read_manifest(folder)["anomalies"], f"{source} {day}"


def test_manifests_list_every_kind_and_the_run_shows_each_kind(dirty_landing):
    config, manifests = dirty_landing

    assert manifests == [read_manifest(folder) for _, _, folder in sorted(drop_folders(config), key=_written_order)]
    assert all(sorted(manifest["anomalies"]) == sorted(ANOMALY_KINDS) for manifest in manifests)
    totals = {kind: sum(manifest["anomalies"][kind] for manifest in manifests) for kind in ANOMALY_KINDS}
    assert [kind for kind, total in totals.items() if total == 0] == []


def test_dirt_lands_at_roughly_the_configured_rate(dirty_landing):
    config, manifests = dirty_landing
    transactions = [manifest for manifest in manifests if manifest["source"] == "transactions"]

    dirty = sum(sum(manifest["anomalies"].values()) for manifest in transactions)
    base = config.transactions_per_day * config.days
    assert dirty / base == pytest.approx(config.dirty_rate, abs=0.03)


def test_kinds_stay_in_their_sources_and_formats(dirty_landing):
    config, manifests = dirty_landing
    by_source = {source: [m for m in manifests if m["source"] == source] for source in ("customers", "products")}
    first_day = [m for m in manifests if m["source"] == "transactions" and m["date"] == config.start_date.isoformat()]

    assert sum(m["anomalies"]["unknown_foreign_key"] for m in by_source["customers"] + by_source["products"]) == 0
    assert sum(m["anomalies"]["malformed_email"] for m in by_source["products"]) == 0
    assert sum(m["anomalies"]["late_arriving"] for m in by_source["customers"] + by_source["products"]) == 0
    assert first_day[0]["anomalies"]["late_arriving"] == 0
    for manifest in manifests:
        formats = {entry["format"] for entry in manifest["files"]}
        if "json" not in formats:
            assert manifest["anomalies"]["unexpected_column"] == 0
        if formats == {"parquet"}:
            assert manifest["anomalies"]["malformed_line"] == 0


def _written_order(drop: tuple) -> tuple:
    source, day, _ = drop
    return day, ("customers", "products", "transactions").index(source)
