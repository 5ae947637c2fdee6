"""GeneratorConfig refuses what the generator cannot honour, saying what to change."""

import re
from datetime import date

import pytest

from lakehouse_assets.generator import GeneratorConfig


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"days": 0}, "days must be at least 1, got 0"),
        ({"transactions_per_day": -1}, "transactions_per_day must not be negative, got -1"),
        ({"transactions_per_day": 10_000_001}, "transactions_per_day must be at most 10,000,000"),
        ({"customers": 0}, "customers and products must be at least 1"),
        ({"dirty_rate": 1.01}, "dirty_rate must be between 0 and 1, got 1.01"),
        ({"formats": ("csv", "xml")}, "formats must be a non-empty subset of csv, json, parquet"),
        ({"formats": ()}, "formats must be a non-empty subset of csv, json, parquet"),
        ({"rows_per_file": 1}, "rows_per_file must be at least 2"),
        ({"chunk_rows": 0}, "chunk_rows must be at least 1"),
        ({"start_date": date(1969, 12, 31)}, "dates must lie between 1970-01-01 and 2243-10-16"),
        ({"products": 900_000}, "products must be below 900,000"),
        ({"customers": 8_950_000}, "customers (with daily growth) must stay below 9,000,000"),
        ({"days": 10**9}, "dates must lie between 1970-01-01 and 2243-10-16"),
    ],
)
def test_invalid_configs_raise_with_the_reason(tmp_path, overrides, message):
    with pytest.raises(ValueError, match="invalid generator config: .*" + re.escape(message)):
        GeneratorConfig(landing_root=tmp_path, **overrides)


def test_defaults_and_path_coercion(tmp_path):
    config = GeneratorConfig(landing_root=str(tmp_path), formats=["json"])

    assert config.landing_root == tmp_path
    assert config.formats == ("json",)
    assert (config.start_date, config.days, config.transactions_per_day) == (date(2024, 1, 1), 7, 1000)
    assert (config.customers, config.products, config.seed, config.dirty_rate) == (200, 50, 42, 0.05)
    assert (config.rows_per_file, config.chunk_rows) == (1_000_000, 100_000)
