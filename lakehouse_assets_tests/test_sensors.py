"""The landing sensor with a real Dagster instance, on a local folder and on a real S3 server.

The same tests run on both landing zones (the `landing` fixture), so the sensor's behaviour does
not depend on where the drops live. On S3 the objects are uploaded with boto3 to a moto server
process on 127.0.0.1.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, AssetMaterialization, SkipReason, build_sensor_context, instance_for_test

from lakehouse_assets.orchestration.sensors import build_landing_sensor
from lakehouse_assets.resources import LandingZone, LocalLandingZone
from lakehouse_assets_tests.support import LAYERS

landing_drops = build_landing_sensor(LAYERS.calendars.daily)


class LocalDrops:
    def __init__(self, root: Path):
        self.root = root
        self.zone: LandingZone = LocalLandingZone(root=str(root))

    def write(self, key: str, text: str = "transaction_id\nT1\n") -> None:
        path = self.root / key
        existed = path.exists()
        mtime = path.stat().st_mtime_ns if existed else 0
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if existed:  # a re-delivery within the file system's timestamp resolution still counts as new
            os.utime(path, ns=(path.stat().st_atime_ns, max(path.stat().st_mtime_ns, mtime + 1_000_000)))


class S3Drops:
    def __init__(self, server, bucket: str, prefix: str):
        self.client, self.bucket, self.prefix = server.client(), bucket, prefix
        self.zone: LandingZone = server.landing_zone(bucket, prefix, page_size=7)

    def write(self, key: str, text: str = "transaction_id\nT1\n") -> None:
        full_key = f"{self.prefix}/{key}" if self.prefix else key
        self.client.put_object(Bucket=self.bucket, Key=full_key, Body=text.encode())


@pytest.fixture(params=["local", "s3"])
def drops(request, tmp_path):
    if request.param == "local":
        return LocalDrops(tmp_path)
    server = request.getfixturevalue("s3_server")
    # A prefix inside the bucket, and a page size of 7 keys, so every test also pages.
    return S3Drops(server, server.new_bucket("landing"), "drops")


@pytest.fixture
def instance():
    with instance_for_test() as test_instance:
        yield test_instance


def tick(instance, drops, cursor: str | None):
    return landing_drops(build_sensor_context(instance=instance, cursor=cursor, resources={"landing": drops.zone}))


def requested(result) -> list[tuple[str, list[str], str]]:
    """(partition, selected bronze tables, drops tag) per run request; each table's file ledger
    must be selected with it (one step writes both)."""
    requests = []
    for r in result.run_requests or []:
        keys = [k.to_user_string() for k in r.asset_selection]
        tables = [key for key in keys if not key.endswith("_files")]
        assert sorted(keys) == sorted([*tables, *[f"{table}_files" for table in tables]])
        requests.append((r.partition_key, tables, r.tags["lakehouse/drops"]))
    return sorted(requests)


ALL_BRONZE = ["bronze/customers", "bronze/products", "bronze/transactions"]


def materialize_bronze(instance, day: str) -> None:
    """What the day's bronze run leaves in the instance."""
    for source in ("customers", "products", "transactions"):
        instance.report_runless_asset_event(AssetMaterialization(asset_key=AssetKey(["bronze", source]), partition=day))


def no_requests(result) -> bool:
    return not result.run_requests and isinstance(result.skip_reason, SkipReason)


def test_new_drops_are_requested_once_and_a_changed_file_again(drops, instance):
    drops.write("transactions/2024-01-01/a.csv")
    drops.write("transactions/2024-01-01/b.json", '{"transaction_id": "T2"}\n')
    drops.write("customers/2024-01-01/c.csv", "customer_id\nC1\n")
    drops.write("customers/2024-01-02/c.parquet", "PAR1")

    # One run per day, selecting the sources whose drops are new that day, plus the sources never
    # materialized for that day (as empty slices), so silver finds every source's day.
    first = tick(instance, drops, None)
    assert requested(first) == [
        ("2024-01-01", ALL_BRONZE, "customers/2024-01-01,transactions/2024-01-01"),
        ("2024-01-02", ALL_BRONZE, "customers/2024-01-02"),
    ]
    assert [r.tags.get("lakehouse/empty_sources") for r in first.run_requests] == ["products", "products,transactions"]
    materialize_bronze(instance, "2024-01-01")

    second = tick(instance, drops, first.cursor)
    assert no_requests(second)
    assert second.skip_reason.skip_message == f"No new or changed drops under {drops.zone.location}"

    # A re-upload with new content: only that drop's source, for that day, with a new run key.
    drops.write("transactions/2024-01-01/a.csv", "transaction_id\nT1\nT3\n")
    third = tick(instance, drops, second.cursor)
    assert requested(third) == [("2024-01-01", ["bronze/transactions"], "transactions/2024-01-01")]
    assert third.run_requests[0].run_key not in {r.run_key for r in first.run_requests}

    # A new file in a drop already processed is a change of that drop, requested once more.
    drops.write("transactions/2024-01-01/late.csv", "transaction_id\nT4\n")
    fourth = tick(instance, drops, third.cursor)
    assert requested(fourth) == [("2024-01-01", ["bronze/transactions"], "transactions/2024-01-01")]
    assert fourth.run_requests[0].run_key != third.run_requests[0].run_key
    assert no_requests(tick(instance, drops, fourth.cursor))


def test_temporary_partial_and_bookkeeping_files_are_ignored(drops, instance):
    drops.write("products/2024-01-03/_manifest.json", "{}")
    drops.write("products/2024-01-03/.a.csv.swp", "x")
    drops.write("products/2024-01-03/b.csv.part", "x")
    drops.write("products/2024-01-03/c.csv.tmp", "x")  # whole suffixes only: c_tmp.csv would be data
    drops.write("products/2024-01-03/d.csv.crdownload", "x")
    drops.write("products/2024-01-03/empty.csv", "")

    result = tick(instance, drops, None)
    assert no_requests(result)

    # The partial file completes under its final name: now the drop is requested.
    materialize_bronze(instance, "2024-01-03")
    drops.write("products/2024-01-03/b.csv", "product_id\nP1\n")
    assert requested(tick(instance, drops, result.cursor)) == [
        ("2024-01-03", ["bronze/products"], "products/2024-01-03")
    ]


def test_files_outside_the_layout_are_reported_once_and_never_requested(drops, instance):
    drops.write("transactions/loose.csv")
    drops.write("transactions/not-a-date/x.csv")
    drops.write("transactions/2023-12-31/before-start.csv")
    drops.write("transactions/2024-01-01/nested/deeper.csv")

    first = tick(instance, drops, None)
    assert no_requests(first)
    assert (
        '"reported": ["transactions/2023-12-31/before-start.csv", "transactions/2024-01-01/nested/deeper.csv", '
        '"transactions/loose.csv", "transactions/not-a-date/x.csv"]' in first.cursor
    )
    second = tick(instance, drops, first.cursor)
    assert second.cursor == first.cursor


def test_a_cursor_survives_a_restart_of_the_sensor(drops):
    """A daemon restart is a new instance handle and a new sensor evaluation with the stored cursor."""
    drops.write("customers/2024-01-05/a.csv", "customer_id\nC1\n")
    with instance_for_test() as first_instance:
        first = tick(first_instance, drops, None)
    with instance_for_test() as restarted:
        again = tick(restarted, drops, first.cursor)
    assert len(first.run_requests) == 1 and no_requests(again)


def test_s3_listing_pages_through_thousands_of_keys(s3_server, instance):
    bucket = s3_server.new_bucket("landing")
    client = s3_server.client()
    days = [f"2024-02-{d:02d}" for d in range(1, 29)]
    keys = [f"transactions/{day}/part-{i:03d}.csv" for day in days for i in range(45)]  # 1,260 keys
    for key in keys:
        client.put_object(Bucket=bucket, Key=key, Body=b"transaction_id\nT1\n")
    zone = s3_server.landing_zone(bucket)  # S3's default page of 1,000 keys: two pages

    assert len(list(zone.scan("transactions"))) == 1260
    result = landing_drops(build_sensor_context(instance=instance, resources={"landing": zone}))
    assert requested(result) == [(day, ALL_BRONZE, f"transactions/{day}") for day in days]


def test_s3_re_upload_of_identical_content_is_not_a_change(s3_server, instance):
    """The ETag is a digest of the content: the same bytes uploaded again are the same drop."""
    drops = S3Drops(s3_server, s3_server.new_bucket("landing"), "")
    drops.write("customers/2024-01-02/a.csv", "customer_id\nC1\n")
    first = tick(instance, drops, None)
    drops.write("customers/2024-01-02/a.csv", "customer_id\nC1\n")
    assert len(first.run_requests) == 1 and no_requests(tick(instance, drops, first.cursor))


def test_a_tick_never_starts_spark(tmp_path):
    # In a fresh process: this test process may already run the suite's shared SparkSession.
    LocalDrops(tmp_path).write("transactions/2024-01-01/a.csv")
    probe = (
        "import sys\n"
        "from dagster import build_sensor_context, instance_for_test\n"
        "from pyspark import SparkContext\n"
        "from lakehouse_assets.resources import LocalLandingZone\n"
        "from lakehouse_assets.orchestration.partitions import build_calendars\n"
        "from lakehouse_assets.orchestration.sensors import build_landing_sensor\n"
        "from datetime import date\n"
        "with instance_for_test() as instance:\n"
        "    sensor = build_landing_sensor(build_calendars(date(2024, 1, 1)).daily)\n"
        "    landing = LocalLandingZone(root=sys.argv[1])\n"
        "    result = sensor(build_sensor_context(instance=instance, resources={'landing': landing}))\n"
        "print(len(result.run_requests), SparkContext._gateway is None)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "True"]


def test_a_drop_returning_to_an_earlier_state_gets_a_run_of_its_own(drops, instance):
    # A -> B -> A -> B. Locally the re-delivered A keeps A's size and mtime (a copy with -p, an rsync); on
    # S3 the same bytes give the same ETag: the listing of state 3 equals state 1's, state 4's state 2's.
    path = "transactions/2024-01-01/a.csv"
    a, b = "transaction_id\nT1\n", "transaction_id\nT2\n"
    stamps = []

    def deliver(text: str, like: int | None = None) -> None:
        drops.write(path, text)
        if isinstance(drops, LocalDrops):
            file = drops.root / path
            if like is not None:
                os.utime(file, ns=stamps[like])
            stamps.append((file.stat().st_atime_ns, file.stat().st_mtime_ns))

    keys, cursor = [], None
    for text, like in ((a, None), (b, None), (a, 0), (b, 1)):
        deliver(text, like)
        result = tick(instance, drops, cursor)
        assert [r.partition_key for r in result.run_requests] == ["2024-01-01"], text
        keys.append(result.run_requests[0].run_key)
        cursor = result.cursor
        # The same state seen again, as after a daemon restart with the saved cursor: nothing.
        assert no_requests(tick(instance, drops, cursor))
    assert len(set(keys)) == 4, keys
    assert json.loads(cursor)["generations"] == {"transactions/2024-01-01": 4}
