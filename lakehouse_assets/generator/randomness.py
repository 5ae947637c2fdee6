"""Seeding and time helpers shared by every source.

Each chunk gets its own numpy generator seeded from (seed, source index, day ordinal, chunk index),
so a chunk's content never depends on how much randomness earlier chunks consumed.
"""

import random
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from lakehouse_assets.contracts import SOURCES

SECONDS_PER_DAY = 86_400
# Reserved chunk index for a drop's day-level plan (which entities change that day).
PLAN_CHUNK = 2**32 - 1
# Base versions of dimension records are stamped before this second of the day, leaving room for
# a later `duplicate_newer_version` on the same day.
LAST_BASE_VERSION_SECOND = 72_000


def chunk_rng(seed: int, source: str, day: date, chunk: int) -> np.random.Generator:
    return np.random.default_rng([seed, SOURCES.index(source), day.toordinal(), chunk])


def python_random(rng: np.random.Generator) -> random.Random:
    """A stdlib generator derived from `rng`: faster than numpy for one-value-at-a-time draws."""
    return random.Random(int(rng.integers(2**63)))


def weighted_indices(rng: np.random.Generator, weights: tuple[float, ...], count: int) -> np.ndarray:
    probabilities = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(weights), size=count, p=probabilities / probabilities.sum())


def timestamp(day: date, second: int) -> str:
    return f"{day.isoformat()}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"


@lru_cache(maxsize=4)
def day_timestamps(day: date) -> np.ndarray:
    """Every second of `day` as contract text; indexing this beats formatting millions of rows."""
    return np.array([timestamp(day, second) for second in range(SECONDS_PER_DAY)], dtype=object)


def second_of_day(timestamp_text: str) -> int:
    hours, minutes, seconds = timestamp_text[11:19].split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def day_of(start: date, day_index: int) -> date:
    return start + timedelta(days=day_index)


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
