"""`lakehouse generate`: writes deterministic synthetic landing drops from the command line."""

import argparse
import dataclasses
import os
import sys
from datetime import date
from pathlib import Path

from lakehouse_assets.contracts import LANDING_FORMATS
from lakehouse_assets.generator.config import GeneratorConfig
from lakehouse_assets.generator.drops import generate

LANDING_ROOT_ENV = "LAKEHOUSE_LANDING_ROOT"
DEFAULT_LANDING_ROOT = Path(".lakehouse") / "landing"
_DEFAULTS = {field.name: field.default for field in dataclasses.fields(GeneratorConfig)}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds the `generate` subcommand to the `lakehouse` CLI (sets func=run_generate via set_defaults)."""
    parser = subparsers.add_parser(
        "generate",
        help="write synthetic landing drops (transactions, customers, products)",
        description=(
            "Writes <landing-root>/<source>/<YYYY-MM-DD>/ drops of CSV, JSON Lines and Parquet parts with a "
            "_manifest.json each. The same options always produce byte-identical files; rerunning replaces "
            "the drops it writes."
        ),
    )
    parser.add_argument(
        "--landing-root",
        type=Path,
        metavar="PATH",
        help=f"local folder to write drops under (default: ${LANDING_ROOT_ENV}, else ./{DEFAULT_LANDING_ROOT})",
    )
    for flag, metavar, parse, text in _OPTIONS:
        default = _DEFAULTS[flag[2:].replace("-", "_")]
        shown = ",".join(default) if isinstance(default, tuple) else default
        parser.add_argument(flag, metavar=metavar, type=parse, default=default, help=f"{text} (default: {shown})")
    parser.set_defaults(func=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    try:
        config = GeneratorConfig(
            landing_root=landing_root(args.landing_root),
            start_date=args.start_date,
            days=args.days,
            transactions_per_day=args.transactions_per_day,
            customers=args.customers,
            products=args.products,
            seed=args.seed,
            dirty_rate=args.dirty_rate,
            formats=args.formats,
            rows_per_file=args.rows_per_file,
        )
    except ValueError as error:
        print(f"lakehouse generate: error: {error}", file=sys.stderr)
        return 2
    manifests = generate(config, progress=lambda line: print(line, file=sys.stderr, flush=True))
    records = sum(manifest["records"] for manifest in manifests)
    print(f"wrote {len(manifests)} drops, {records:,} records, under {config.landing_root}")
    return 0


def landing_root(option: Path | None) -> Path:
    """The option, else $LAKEHOUSE_LANDING_ROOT, else ./.lakehouse/landing; always absolute."""
    chosen = option if option is not None else os.environ.get(LANDING_ROOT_ENV, "").strip() or DEFAULT_LANDING_ROOT
    if "://" in str(chosen):
        raise ValueError(
            f"landing root {chosen} is a URL; the generator writes a local folder. Pass --landing-root with a "
            "local path and upload the drops to object storage separately."
        )
    return Path(chosen).expanduser().resolve()


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [fmt for fmt in formats if fmt not in LANDING_FORMATS]
    if unknown or not formats:
        raise argparse.ArgumentTypeError(
            f"unknown format(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(LANDING_FORMATS)}"
        )
    return formats


_OPTIONS = (
    ("--start-date", "YYYY-MM-DD", _iso_date, "first day, YYYY-MM-DD"),
    ("--days", "N", _at_least(1), "number of daily drops per source"),
    ("--transactions-per-day", "N", _at_least(0), "base transactions per day, before duplicates and malformed lines"),
    ("--customers", "N", _at_least(1), "customers in the first drop; ~1%% more join and ~3%% change each later day"),
    ("--products", "N", _at_least(1), "products in the first drop; ~5%% change each later day"),
    ("--seed", "N", _at_least(0), "random seed; the same seed and options give byte-identical files"),
    ("--dirty-rate", "F", _rate, "share of base records that get exactly one anomaly, 0..1"),
    ("--formats", "LIST", _formats, f"comma-separated formats the parts rotate over, from {','.join(LANDING_FORMATS)}"),
    ("--rows-per-file", "N", _at_least(2), "most records in one part file; larger drops are split into parts"),
)
