"""The landing sensor on a local landing folder, with a real Dagster instance and real files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, SkipReason, build_sensor_context, instance_for_test

from lakehouse_assets.resources import LocalLandingZone
from lakehouse_assets.sensors import landing_drops


def write(root: Path, key: str, text: str = "transaction_id\nT1\n") -> Path:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def tick(instance, root: Path, cursor: str | None):
    context = build_sensor_context(instance=instance, cursor=cursor, resources={"landing": LocalLandingZone(root=str(root))})
    return landing_drops(context)


def requested(result) -> list[tuple[str, str, list[AssetKey]]]:
    return sorted((r.run_key.split("@")[0], r.partition_key, r.asset_selection) for r in result.run_requests or [])


@pytest.fixture
def instance():
    with instance_for_test() as test_instance:
        yield test_instance


def test_new_drops_are_requested_once_and_a_changed_file_again(tmp_path, instance):
    write(tmp_path, "transactions/2024-01-01/a.csv")
    write(tmp_path, "transactions/2024-01-01/b.json", '{"transaction_id": "T2"}\n')
    write(tmp_path, "customers/2024-01-02/c.parquet", "PAR1")

    first = tick(instance, tmp_path, None)
    assert requested(first) == [
        ("customers/2024-01-02", "2024-01-02", [AssetKey(["bronze", "customers"])]),
        ("transactions/2024-01-01", "2024-01-01", [AssetKey(["bronze", "transactions"])]),
    ]

    second = tick(instance, tmp_path, first.cursor)
    assert second.run_requests == [] or second.run_requests is None
    assert isinstance(second.skip_reason, SkipReason) and "No new or changed drops" in second.skip_reason.skip_message

    changed = write(tmp_path, "transactions/2024-01-01/a.csv", "transaction_id\nT1\nT3\n")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 1_000_000))
    third = tick(instance, tmp_path, second.cursor)
    assert requested(third) == [("transactions/2024-01-01", "2024-01-01", [AssetKey(["bronze", "transactions"])])]
    assert third.run_requests[0].run_key != first.run_requests[1].run_key


def test_temporary_partial_and_bookkeeping_files_are_ignored(tmp_path, instance):
    write(tmp_path, "products/2024-01-03/_manifest.json", "{}")
    write(tmp_path, "products/2024-01-03/.a.csv.swp", "x")
    write(tmp_path, "products/2024-01-03/b.csv.part", "x")
    write(tmp_path, "products/2024-01-03/c_tmp.csv", "x")
    write(tmp_path, "products/2024-01-03/empty.csv", "")

    result = tick(instance, tmp_path, None)
    assert result.run_requests == [] or result.run_requests is None
    assert result.skip_reason is not None


def test_files_outside_the_layout_are_reported_once_and_never_requested(tmp_path, instance, caplog):
    write(tmp_path, "transactions/loose.csv")
    write(tmp_path, "transactions/not-a-date/x.csv")
    write(tmp_path, "transactions/2023-12-31/before-start.csv")

    first = tick(instance, tmp_path, None)
    assert first.run_requests == [] or first.run_requests is None
    assert '"reported": ["transactions/2023-12-31/before-start.csv", "transactions/loose.csv", "transactions/not-a-date/x.csv"]' in first.cursor
    second = tick(instance, tmp_path, first.cursor)
    assert second.cursor == first.cursor


def test_a_tick_never_starts_spark(tmp_path):
    # In a fresh process: this test process may already run the suite's shared SparkSession.
    write(tmp_path, "transactions/2024-01-01/a.csv")
    probe = (
        "import sys\n"
        "from dagster import build_sensor_context, instance_for_test\n"
        "from pyspark import SparkContext\n"
        "from lakehouse_assets.resources import LocalLandingZone\n"
        "from lakehouse_assets.sensors import landing_drops\n"
        "with instance_for_test() as instance:\n"
        "    result = landing_drops(build_sensor_context(instance=instance, resources={'landing': LocalLandingZone(root=sys.argv[1])}))\n"
        "print(len(result.run_requests), SparkContext._gateway is None)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "True"]
