"""`lakehouse land` and `lakehouse fetch-jars`: put files into the landing zone; prefetch Spark's jars."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lakehouse_assets.resources.landing import LandingZone


def register(subparsers: argparse._SubParsersAction) -> None:
    land = subparsers.add_parser(
        "land",
        help="copy a folder of <source>/<YYYY-MM-DD>/<file> drops into the landing zone",
        description=(
            "Copy every file under FOLDER (laid out as <source>/<YYYY-MM-DD>/<file>, e.g. what "
            "`lakehouse generate --landing-root FOLDER` wrote) into LAKEHOUSE_LANDING_ROOT, a local folder "
            "or s3://bucket/prefix, keeping the relative keys. Data files go first and manifests last."
        ),
    )
    land.add_argument("folder", type=Path, help="local folder holding <source>/<YYYY-MM-DD>/<file> drops")
    land.set_defaults(func=run_land)

    jars = subparsers.add_parser(
        "fetch-jars",
        help="download Spark's jars (Delta Lake, hadoop-aws + AWS SDK) into Ivy's cache",
        description=(
            "Resolve the Delta Lake and S3A jars from Maven Central into Ivy's cache (~/.ivy2.5.2) by "
            "starting and stopping a local SparkSession, so later runs start without downloading. "
            "The Docker image runs this at build time."
        ),
    )
    jars.set_defaults(func=run_fetch_jars)


def land_folder(folder: Path, zone: LandingZone, progress: Callable[[str], None] = lambda _: None) -> int:
    """Copy the files under `folder` into `zone`; returns how many were copied.

    Manifests and other `_`/`.` files go last, so a drop's data is in place before its bookkeeping.
    """
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name.startswith(("_", ".")))  # stable: data first, then bookkeeping
    for count, path in enumerate(files, start=1):
        key = path.relative_to(folder).as_posix()
        zone.put_file(path, key)
        if count % 50 == 0 or count == len(files):
            progress(f"landed {count}/{len(files)} files (last: {key})")
    return len(files)


def run_land(args: argparse.Namespace) -> int:
    from lakehouse_assets.resources.wiring import build_landing_zone, s3_credentials
    from lakehouse_assets.settings import Settings

    if not args.folder.is_dir():
        print(f"lakehouse land: {args.folder} is not a folder", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    zone = build_landing_zone(settings, s3_credentials(settings, resolved=True))
    count = land_folder(args.folder, zone, progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(f"landed {count} file(s) from {args.folder} into {zone.location}")
    return 0


def run_fetch_jars(args: argparse.Namespace) -> int:
    from lakehouse_assets.resources.spark import S3AConnection, build_spark_session

    session = build_spark_session(master="local[1]", app_name="lakehouse_fetch_jars", s3=S3AConnection())
    jars = session.sparkContext.getConf().get("spark.jars.packages", "")
    session.stop()
    print(f"Spark jars resolved into Ivy's cache: {jars}")
    return 0


def register_rejected(subparsers: argparse._SubParsersAction) -> None:
    rejected = subparsers.add_parser(
        "rejected",
        help="list the landed files bronze set aside (could not be read), with the reason and what to do",
        description=(
            "Read the bronze file ledgers (bronze/<source>_files) and print every file that was rejected "
            "(--all: every entry, loaded and ignored ones too) for a day or all days."
        ),
    )
    rejected.add_argument("--day", help="landing day YYYY-MM-DD (default: every day)")
    rejected.add_argument(
        "--source", choices=("transactions", "customers", "products"), help="one source (default: all)"
    )
    rejected.add_argument("--all", action="store_true", help="also list loaded and ignored entries")
    rejected.set_defaults(func=run_rejected)


def run_rejected(args: argparse.Namespace) -> int:
    from datetime import date

    from lakehouse_assets.contracts import SOURCES
    from lakehouse_assets.delta import timetravel
    from lakehouse_assets.resources.wiring import cli_spark_session
    from lakehouse_assets.settings import Settings
    from lakehouse_assets.tables import ledger_table

    if args.day:
        try:
            date.fromisoformat(args.day)
        except ValueError:
            print(f"lakehouse rejected: --day {args.day!r} is not a date; use YYYY-MM-DD", file=sys.stderr)
            return 2
    settings = Settings.from_env()
    uris = []
    for source in [args.source] if args.source else SOURCES:
        try:
            uris.append(timetravel.resolve_table(settings.lakehouse_root, ledger_table(source).path))
        except timetravel.TableNotFoundError:
            continue  # that source's bronze was never materialized: nothing was set aside
    spark = cli_spark_session(settings) if uris else None
    rows = []
    for uri in uris:
        ledger = spark.read.format("delta").load(uri)
        if args.day:
            ledger = ledger.where(f"_ingest_date = DATE'{args.day}'")
        if not args.all:
            ledger = ledger.where("outcome = 'rejected'")
        rows += ledger.orderBy("_ingest_date", "file_name").collect()
    for row in rows:
        records = "?" if row.records is None else row.records
        print(
            f"{row._ingest_date}\t{row.source}\t{row.outcome}\t{row.reason or '-'}\t{records} "
            f"records\t{row.message or row.landing_path}"
        )
    print(f"{len(rows)} file(s)" + ("" if args.all else " set aside"), file=sys.stderr)
    return 0
