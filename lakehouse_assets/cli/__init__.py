"""`lakehouse`: the command line of the lakehouse (`lakehouse --help`)."""

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from lakehouse_assets.cli import dashboard as dashboard_cli
    from lakehouse_assets.cli import demo
    from lakehouse_assets.cli import landing as landing_cli
    from lakehouse_assets.cli import maintenance as maintenance_cli
    from lakehouse_assets.cli import timetravel as timetravel_cli
    from lakehouse_assets.generator import cli as generator_cli

    parser = argparse.ArgumentParser(
        prog="lakehouse",
        description="Bronze/Silver/Gold lakehouse on Dagster, PySpark and Delta Lake.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    generator_cli.register(subparsers)
    demo.register(subparsers)
    landing_cli.register(subparsers)
    landing_cli.register_rejected(subparsers)
    timetravel_cli.register(subparsers)
    maintenance_cli.register(subparsers)
    dashboard_cli.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from lakehouse_assets.settings import SettingsError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as error:
        # A setting the command cannot use: one line that says which and what to set, not a traceback.
        print(f"lakehouse {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
