"""`lakehouse history | show | restore | changes`: look at and restore earlier versions of a table.

A materialization's `delta_version` metadata (Dagster UI) names the version a run wrote; these
commands take it from there. Thin wrappers over `lakehouse_assets.delta.timetravel`.
"""

import argparse
import re
import sys
from collections.abc import Callable, Sequence

from lakehouse_assets.tables import UnknownTableError

_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def register(subparsers: argparse._SubParsersAction) -> None:
    table_help = "table as <layer>/<table> or <layer>.<table>, e.g. silver/transactions"

    history = subparsers.add_parser(
        "history",
        help="list a table's Delta versions (newest first)",
        description="List the commits of a table: version, time, operation, rows written and details.",
    )
    history.add_argument("table", help=table_help)
    history.add_argument("--limit", type=_positive, default=None, help="only the latest N versions")
    history.set_defaults(func=_command(run_history))

    show = subparsers.add_parser(
        "show",
        help="show a table's rows, now or at an earlier version or time",
        description=(
            "Print the first rows of a table (ordered by its columns), as it is now or as it was at a version "
            "or a time. A time without an offset is UTC; a date means its midnight."
        ),
    )
    show.add_argument("table", help=table_help)
    show.add_argument(
        "--as-of",
        metavar="VERSION|TIMESTAMP",
        default=None,
        help="a version (12) or a time (2024-01-05, 2024-01-05T10:00:00); default: the latest version",
    )
    show.add_argument("--limit", type=_positive, default=20, help="rows to print (default 20)")
    show.set_defaults(func=_command(run_show))

    restore = subparsers.add_parser(
        "restore",
        help="restore a table to an earlier version (a new commit)",
        description=(
            "Restore a table to an earlier version with a new commit. The versions in between stay readable "
            "by time travel until VACUUM removes their files. Asks for confirmation unless --yes."
        ),
    )
    restore.add_argument("table", help=table_help)
    restore.add_argument(
        "--to", dest="version", type=_version, required=True, metavar="VERSION", help="the version to restore"
    )
    restore.add_argument("--yes", action="store_true", help="restore without asking")
    restore.set_defaults(func=_command(run_restore))

    changes = subparsers.add_parser(
        "changes",
        help="show a table's change data feed between versions",
        description=(
            "Print the rows that changed between two versions (Delta's change data feed; the table needs "
            "delta.enableChangeDataFeed): a count per commit and change type, then the first change rows."
        ),
    )
    changes.add_argument("table", help=table_help)
    changes.add_argument("--from-version", type=_version, required=True, metavar="N", help="first version")
    changes.add_argument(
        "--to-version", type=_version, default=None, metavar="M", help="last version (default: latest)"
    )
    changes.add_argument("--limit", type=_positive, default=20, help="change rows to print (default 20)")
    changes.set_defaults(func=_command(run_changes))


def run_history(args: argparse.Namespace) -> int:
    from lakehouse_assets.delta import timetravel

    spark, uri = _open(args.table)
    commits = timetravel.history(spark, uri, args.limit)
    zone = timetravel.session_time_zone(spark)
    print(f"{timetravel.table_label(uri)} at {uri}: {len(commits)} version(s), newest first, times in {zone}")
    rows = [
        [c.version, c.timestamp, c.operation, "" if c.rows_written is None else c.rows_written, c.details]
        for c in commits
    ]
    _print_table(["version", "timestamp", "operation", "rows", "details"], rows)
    return 0


def run_show(args: argparse.Namespace) -> int:
    from lakehouse_assets.delta import timetravel

    spark, uri = _open(args.table)
    snapshot = timetravel.take_as_of(spark, uri, args.as_of, limit=args.limit, as_text=True)
    commit, zone = snapshot.commit, timetravel.session_time_zone(spark)
    print(
        f"{timetravel.table_label(uri)} at version {commit.version} (committed {commit.timestamp} {zone}): "
        f"{snapshot.total_rows:,} row(s), showing {len(snapshot.rows)}"
    )
    _print_table(snapshot.columns, [list(row) for row in snapshot.rows])
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from lakehouse_assets.delta import timetravel

    spark, uri = _open(args.table)
    plan = timetravel.restore_plan(spark, uri, args.version)
    zone = timetravel.session_time_zone(spark)
    print(f"Restore table {plan.table} at {uri}")
    for label, commit, rows in (
        ("current", plan.current, plan.current_rows),
        ("target", plan.target, plan.target_rows),
    ):
        print(f"  {label + ' version:':<17}{commit.version} ({rows:,} rows, committed {commit.timestamp} {zone})")
    first_kept, last_kept = plan.target.version + 1, plan.current.version
    kept = f"version {last_kept} stays" if first_kept == last_kept else f"versions {first_kept}..{last_kept} stay"
    print(
        f"  This writes version {plan.current.version + 1} with the contents of version {plan.target.version}; "
        f"{kept} readable by time travel until VACUUM."
    )
    if not args.yes:
        print("Restore? [y/N] ", end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if not sys.stdin.isatty():
            print()  # a terminal echoes the user's Enter; piped answers need the line ended here
        if answer not in ("y", "yes"):
            print(f"Aborted: {plan.table} is unchanged at version {plan.current.version}.", file=sys.stderr)
            return 1
    result = timetravel.restore(spark, uri, args.version)
    print(
        f"Restored {plan.table} to version {result['restored_version']}: new version {result['new_version']}, "
        f"{result['num_restored_files']} file(s) restored, {result['num_removed_files']} removed, "
        f"{result['num_of_files_after_restore']} file(s) / {result['table_size_after_restore']:,} bytes now."
    )
    return 0


def run_changes(args: argparse.Namespace) -> int:
    from lakehouse_assets.delta import timetravel

    spark, uri = _open(args.table)
    changes = timetravel.take_changes(spark, uri, args.from_version, args.to_version, limit=args.limit, as_text=True)
    total = sum(count for _, _, count in changes.counts)
    print(
        f"{timetravel.table_label(uri)} changes in versions {changes.starting_version}..{changes.ending_version}: "
        f"{total:,} change row(s)"
    )
    _print_table(["version", "change", "rows"], [list(count) for count in changes.counts])
    print(f"\nfirst {len(changes.rows)} change row(s):")
    # _commit_timestamp is left out to keep rows narrow: `lakehouse history` gives each version's time.
    data = [c for c in changes.columns if c not in ("_commit_version", "_change_type", "_commit_timestamp")]
    columns = ["_commit_version", "_change_type", *data]
    _print_table(columns, [[row[c] for c in columns] for row in changes.rows])
    return 0


def format_table(headers: Sequence[str], rows: Sequence[Sequence]) -> list[str]:
    """Aligned text columns (numbers right-aligned), as in `lakehouse demo`'s summary."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    numeric = [
        bool(cells) and all(_NUMBER.match(row[i]) or row[i] in ("", "null") for row in cells)
        for i in range(len(headers))
    ]
    lines = []
    for row in [list(headers), *cells]:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(row, widths, numeric, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return lines


def _print_table(headers: Sequence[str], rows: Sequence[Sequence]) -> None:
    print("\n".join(format_table(headers, rows)))


def _cell(value) -> str:
    return "null" if value is None else str(value)


def _command(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Errors a user can fix print one line on stderr and exit 2, without a traceback."""

    def command(args: argparse.Namespace) -> int:
        from pyspark.errors import PySparkException

        from lakehouse_assets.delta import timetravel
        from lakehouse_assets.settings import SettingsError

        try:
            return run(args)
        except (timetravel.TimeTravelError, UnknownTableError, SettingsError) as error:
            print(f"lakehouse {args.command}: error: {error}", file=sys.stderr)
        except PySparkException as error:
            print(f"lakehouse {args.command}: Spark error: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2

    return command


def _open(table: str):
    """The table's uri (checked without Spark first) and the SparkSession to read it with."""
    from lakehouse_assets.delta import timetravel
    from lakehouse_assets.resources.wiring import cli_spark_session
    from lakehouse_assets.settings import Settings

    settings = Settings.from_env()
    uri = timetravel.resolve_table(settings.lakehouse_root, table)
    return cli_spark_session(settings), uri


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _version(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a version number (0, 1, 2, ...)")
    return int(text)
