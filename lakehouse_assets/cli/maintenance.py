"""`lakehouse optimize` and `lakehouse vacuum`: Delta table maintenance from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse_assets.delta import maintenance as delta


def register(subparsers: argparse._SubParsersAction) -> None:
    optimize = subparsers.add_parser(
        "optimize",
        help="compact the Delta tables' small files (Z-ordered where configured)",
        description=(
            "OPTIMIZE each TABLE (<layer>/<table> or <layer>.<table>, e.g. silver/transactions; default: every "
            "table under LAKEHOUSE_ROOT): one file per partition, Z-ordered by the columns in ZORDER_BY "
            "(lakehouse_assets/delta/maintenance.py). Rows are unchanged; the replaced files stay until VACUUM."
        ),
    )
    optimize.add_argument("tables", nargs="*", metavar="TABLE", help="tables to optimize (default: all)")
    optimize.set_defaults(func=run_optimize)

    vacuum = subparsers.add_parser(
        "vacuum",
        help="delete the Delta tables' files that no recent version needs",
        description=(
            "VACUUM each TABLE (default: every table under LAKEHOUSE_ROOT): delete the files that no version "
            "younger than the retention references. Time travel to older versions stops working."
        ),
    )
    vacuum.add_argument("tables", nargs="*", metavar="TABLE", help="tables to vacuum (default: all)")
    vacuum.add_argument(
        "--retention-hours",
        type=int,
        default=None,
        metavar="H",
        help="hours of history to keep (default: LAKEHOUSE_VACUUM_RETENTION_HOURS, 168)",
    )
    vacuum.add_argument(
        "--force",
        action="store_true",
        help="allow a retention below the table's delta.deletedFileRetentionDuration (only when nothing else "
        "reads or writes the tables)",
    )
    vacuum.set_defaults(func=run_vacuum)


def _session(settings) -> tuple[SparkSession, str]:
    from lakehouse_assets.resources.wiring import cli_spark_session

    return cli_spark_session(settings), settings.lakehouse_root


def _tables(spark: SparkSession, root: str, requested: list[str]) -> list[str]:
    from lakehouse_assets.delta import maintenance as delta

    return delta.select_tables(spark, root, requested)


HEADER = f"{'table':<26} {'files before':>12} {'files after':>11} {'bytes before':>14} {'bytes after':>13}  "


def report_line(key: str, report: delta.MaintenanceReport) -> str:
    if report.operation == "VACUUM":
        before, after = report.storage_before, report.storage_after
        numbers = (before.files, after.files, before.bytes, after.bytes)
        note = f"{report.files_removed} deleted, retention {report.retention_hours} h"
    else:
        numbers = (report.before.num_files, report.after.num_files, report.before.size_bytes, report.after.size_bytes)
        note = f"Z-order by {', '.join(report.zorder_by)}" if report.zorder_by else "compaction"
    return f"{key:<26} {numbers[0]:>12,} {numbers[1]:>11,} {numbers[2]:>14,} {numbers[3]:>13,}  {note}"


def optimize_command(spark: SparkSession, root: str, requested: list[str], out: TextIO) -> int:
    from lakehouse_assets.delta import maintenance as delta

    tables = _tables(spark, root, requested)
    print(f"OPTIMIZE {len(tables)} table(s) under {root}", file=out)
    print(HEADER + "note", file=out)
    for key in tables:
        report = delta.optimize_table(spark, delta.table_uri(root, key), delta.ZORDER_BY.get(key, ()))
        print(report_line(key, report), file=out, flush=True)
    return 0


def vacuum_command(
    spark: SparkSession, root: str, requested: list[str], retention_hours: int, force: bool, out: TextIO
) -> int:
    from lakehouse_assets.delta import maintenance as delta

    tables = _tables(spark, root, requested)
    if not force:
        # All tables are checked before the first is vacuumed, so a refusal leaves none half done.
        for key in tables:
            delta.check_vacuum_retention(spark, delta.table_uri(root, key), retention_hours)
    print(
        f"VACUUM {len(tables)} table(s) under {root}, keeping {retention_hours} h of history "
        "(files on storage, referenced or not)",
        file=out,
    )
    print(HEADER + "note", file=out)
    for key in tables:
        report = delta.vacuum_table(spark, delta.table_uri(root, key), retention_hours, force)
        print(report_line(key, report), file=out, flush=True)
    return 0


def run_optimize(args: argparse.Namespace) -> int:
    from lakehouse_assets.settings import Settings

    spark, root = _session(Settings.from_env())
    try:
        return optimize_command(spark, root, args.tables, sys.stdout)
    except (ValueError, FileNotFoundError) as exc:
        print(f"lakehouse optimize: {exc}", file=sys.stderr)
        return 2


def run_vacuum(args: argparse.Namespace) -> int:
    from lakehouse_assets.settings import Settings

    settings = Settings.from_env()
    retention = settings.vacuum_retention_hours if args.retention_hours is None else args.retention_hours
    spark, root = _session(settings)
    try:
        return vacuum_command(spark, root, args.tables, retention, args.force, sys.stdout)
    except (ValueError, FileNotFoundError) as exc:
        print(f"lakehouse vacuum: {exc}", file=sys.stderr)
        return 2
