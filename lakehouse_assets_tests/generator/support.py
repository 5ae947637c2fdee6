"""Shared helpers of the generator tests: the small config and ways to walk what it wrote."""

from datetime import date
from pathlib import Path

from lakehouse_assets.contracts import SOURCES
from lakehouse_assets.generator import GeneratorConfig
from lakehouse_assets.generator.config import customers_after
from lakehouse_assets_tests.generator.landing_reader import Part, data_files, read_part

# Small enough to generate in well under a second, dirty and split enough that every anomaly kind
# and every format shows up.
SMALL = dict(
    start_date=date(2024, 1, 1),
    days=3,
    transactions_per_day=600,
    customers=150,
    products=60,
    rows_per_file=250,
    chunk_rows=100,
    dirty_rate=0.2,
    seed=42,
)


def small_config(root: Path, **overrides) -> GeneratorConfig:
    return GeneratorConfig(landing_root=root, **{**SMALL, **overrides})


def drop_folders(config: GeneratorConfig) -> list[tuple[str, date, Path]]:
    days = [date.fromordinal(config.start_date.toordinal() + offset) for offset in range(config.days)]
    return [(source, day, config.landing_root / source / day.isoformat()) for source in SOURCES for day in days]


def read_drop(folder: Path, source: str) -> list[Part]:
    return [read_part(path, source) for path in data_files(folder)]


def all_files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def id_bounds(config: GeneratorConfig) -> tuple[int, int]:
    """Largest customer and product numbers that ever exist in this landing zone."""
    return customers_after(config.customers, config.days - 1), config.products
