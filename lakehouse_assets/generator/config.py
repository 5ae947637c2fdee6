"""The generator's one configuration object, validated on construction."""

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lakehouse_assets.contracts import LANDING_FORMATS

# Transaction ids are `T` + 5-digit epoch day + 7-digit sequence, so a day holds at most 10M.
MAX_TRANSACTIONS_PER_DAY = 10_000_000
EPOCH = date(1970, 1, 1)
MAX_EPOCH_DAY = 99_999
# Ids from these numbers up are reserved for `unknown_foreign_key` dirt, so they never exist.
UNKNOWN_CUSTOMER_NUMBER = 9_000_000
UNKNOWN_PRODUCT_NUMBER = 900_000
# Daily churn of the dimension sources.
CUSTOMER_UPDATE_RATE = 0.03
CUSTOMER_NEW_RATE = 0.01
PRODUCT_UPDATE_RATE = 0.05


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate and where; the same config always yields byte-identical files."""

    landing_root: Path
    start_date: date = date(2024, 1, 1)
    days: int = 7
    transactions_per_day: int = 1000
    customers: int = 200
    products: int = 50
    seed: int = 42
    dirty_rate: float = 0.05
    formats: tuple[str, ...] = ("csv", "json", "parquet")
    rows_per_file: int = 1_000_000
    chunk_rows: int = 100_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "landing_root", Path(self.landing_root))
        object.__setattr__(self, "formats", tuple(self.formats))
        problems = _problems(self)
        if problems:
            raise ValueError("invalid generator config: " + "; ".join(problems))

    @property
    def end_date(self) -> date:
        return date.fromordinal(self.start_date.toordinal() + self.days - 1)


def customers_after(initial: int, day_index: int) -> int:
    """How many customer ids exist after the drop of day `day_index` (0 = first day)."""
    count = initial
    for _ in range(day_index):
        count += math.ceil(count * CUSTOMER_NEW_RATE)
    return count


def _problems(config: GeneratorConfig) -> list[str]:
    problems = []
    if config.days < 1:
        problems.append(f"days must be at least 1, got {config.days}")
    for name in ("transactions_per_day", "customers", "products", "seed"):
        if getattr(config, name) < 0:
            problems.append(f"{name} must not be negative, got {getattr(config, name)}")
    if config.customers < 1 or config.products < 1:
        problems.append("customers and products must be at least 1 (transactions reference them)")
    if config.transactions_per_day > MAX_TRANSACTIONS_PER_DAY:
        problems.append(f"transactions_per_day must be at most {MAX_TRANSACTIONS_PER_DAY:,}")
    if not 0.0 <= config.dirty_rate <= 1.0:
        problems.append(f"dirty_rate must be between 0 and 1, got {config.dirty_rate}")
    unknown = [fmt for fmt in config.formats if fmt not in LANDING_FORMATS]
    if unknown or not config.formats:
        problems.append(f"formats must be a non-empty subset of {', '.join(LANDING_FORMATS)}, got {config.formats}")
    if config.rows_per_file < 2:
        problems.append("rows_per_file must be at least 2 (a duplicate lands in its original's file)")
    if config.chunk_rows < 1:
        problems.append("chunk_rows must be at least 1")
    first_epoch_day = (config.start_date - EPOCH).days
    dates_fit = first_epoch_day >= 0 and first_epoch_day + config.days - 1 <= MAX_EPOCH_DAY
    if not dates_fit:
        problems.append("dates must lie between 1970-01-01 and 2243-10-16 (transaction id width)")
    if config.products >= UNKNOWN_PRODUCT_NUMBER:
        problems.append(f"products must be below {UNKNOWN_PRODUCT_NUMBER:,}")
    if dates_fit and customers_after(max(config.customers, 0), config.days - 1) >= UNKNOWN_CUSTOMER_NUMBER:
        problems.append(f"customers (with daily growth) must stay below {UNKNOWN_CUSTOMER_NUMBER:,}")
    return problems
