"""`lakehouse demo`: generate a week of landing data, materialize every asset over it in one run,
and print what each table now holds. The embedded default: local folders, local Spark, SQLite."""

import argparse
import os
import shutil
import sys
import tempfile
from datetime import UTC, date, timedelta
from pathlib import Path

REPO_DAGSTER_YAML = Path(__file__).resolve().parents[2] / "dagster.yaml"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate a week of data and materialize every asset for it",
        description=(
            "Generate synthetic landing data for DAYS days from START-DATE, materialize every asset "
            "for that range in a single Dagster run (one SparkSession), and print a summary per table. "
            "Locations come from LAKEHOUSE_ROOT, LAKEHOUSE_LANDING_ROOT and DAGSTER_HOME."
        ),
    )
    parser.add_argument(
        "--start-date", type=date.fromisoformat, default=date(2024, 1, 1), help="first day (default 2024-01-01)"
    )
    parser.add_argument("--days", type=int, default=7, help="number of days (default 7)")
    parser.add_argument("--transactions-per-day", type=int, default=1000, help="transactions per day (default 1000)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.set_defaults(func=run_demo)


def prepare_dagster_home(dagster_home: str) -> None:
    """Points Dagster at the embedded SQLite instance before anything asks for an instance."""
    home = Path(dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists() and REPO_DAGSTER_YAML.exists():
        shutil.copyfile(REPO_DAGSTER_YAML, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)


def run_demo(args: argparse.Namespace) -> int:
    from lakehouse_assets.settings import Settings

    settings = Settings.from_env()
    prepare_dagster_home(settings.dagster_home)
    last_day = args.start_date + timedelta(days=args.days - 1)

    from lakehouse_assets.generator import GeneratorConfig, generate

    print(f"Generating {args.days} day(s) of landing data into {settings.landing_root} ...", flush=True)
    progress = lambda line: print(f"  {line}", file=sys.stderr, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="lakehouse-drops-") as staging:
        # The generator writes local files; an S3 landing zone receives them by upload.
        target = Path(staging) if settings.landing_on_s3 else Path(settings.landing_root)
        generate(
            GeneratorConfig(
                landing_root=target,
                start_date=args.start_date,
                days=args.days,
                transactions_per_day=args.transactions_per_day,
                seed=args.seed,
            ),
            progress=progress,
        )
        if settings.landing_on_s3:
            from lakehouse_assets.cli.landing import land_folder
            from lakehouse_assets.resources.wiring import build_landing_zone, s3_credentials

            land_folder(target, build_landing_zone(settings, s3_credentials(settings, resolved=True)), progress)

    from dagster import DagsterInstance

    from lakehouse_assets.cli.summary import print_summary
    from lakehouse_assets.definitions import build_definitions

    defs = build_definitions(settings)

    print(f"Materializing every asset for {args.start_date} .. {last_day} ...", flush=True)
    results = []
    with DagsterInstance.get() as instance:
        # One run per calendar: the daily job over the whole range (one SparkSession for bronze,
        # silver and daily gold), then the weeks and months those days fall in.
        for job_name in ("daily_lakehouse_job", "weekly_sales_job", "monthly_sales_job"):
            job = defs.resolve_job_def(job_name)
            keys = partition_keys_covering(job.partitions_def, args.start_date, last_day)
            print(f"  {job_name}: {keys[0]} .. {keys[-1]}", flush=True)
            results.append(
                job.execute_in_process(
                    instance=instance,
                    raise_on_error=False,
                    run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
                    tags={
                        "dagster/asset_partition_range_start": keys[0],
                        "dagster/asset_partition_range_end": keys[-1],
                    },
                )
            )
            if not results[-1].success:
                break
    # The runs' session, with the S3 keys resolved here (the definitions hold only their variable names).
    from lakehouse_assets.resources.wiring import cli_spark_session

    failed_checks = print_summary(cli_spark_session(settings), settings.lakehouse_root, results)
    print(
        "\nOpen the Dagster UI on this data:\n"
        f"  DAGSTER_HOME={settings.dagster_home} .venv/bin/dagster dev -w workspace.yaml\n"
        "  then browse http://127.0.0.1:3000"
    )
    for result in results:
        if not result.success:
            print(f"Run {result.run_id} failed; see the run's logs above or in the UI.", file=sys.stderr)
            return 1
    return 1 if failed_checks else 0


def partition_keys_covering(partitions_def, first: date, last: date) -> list[str]:
    """Keys of the partitions (days, weeks, months) that contain any day from `first` to `last`."""
    from datetime import datetime

    start = datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp()
    end = datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp()
    first_key = partitions_def.get_partition_key_for_timestamp(start)
    last_key = partitions_def.get_partition_key_for_timestamp(end)
    keys = partitions_def.get_partition_keys()
    return keys[keys.index(first_key) : keys.index(last_key) + 1]
