"""`lakehouse land` and `lakehouse fetch-jars`: put files into the landing zone; prefetch Spark's jars."""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

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
    from lakehouse_assets.definitions import build_landing_zone, s3_credentials
    from lakehouse_assets.settings import get_settings

    if not args.folder.is_dir():
        print(f"lakehouse land: {args.folder} is not a folder", file=sys.stderr)
        return 2
    settings = get_settings()
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
