"""The daily drop of a dimension source (customers, products).

Day 1 lands every entity; each later day lands a sample of updated entities (a newer version with a
later `updated_at`) plus any new ones. The current version of every entity is kept in memory by its
history: dimensions are small next to transactions, and updates must change exactly one attribute
of the version the warehouse already holds, which needs that version at hand.
"""

import math
import random
from datetime import date
from typing import Protocol

import numpy as np

from lakehouse_assets.contracts import CONTRACT_COLUMNS
from lakehouse_assets.generator.config import GeneratorConfig
from lakehouse_assets.generator.dirt import DirtProfile
from lakehouse_assets.generator.randomness import (
    LAST_BASE_VERSION_SECOND,
    PLAN_CHUNK,
    SECONDS_PER_DAY,
    chunk_rng,
    day_of,
    python_random,
    second_of_day,
    timestamp,
)
from lakehouse_assets.generator.writers import Row


class DimensionHistory(Protocol):
    source: str
    profile: DirtProfile
    initial: int  # entities landed on day 1
    update_rate: float  # share of existing entities updated on each later day
    new_rate: float  # share of existing entities added on each later day

    @property
    def count(self) -> int: ...

    def seed_text(self, seed: int) -> None: ...

    def create(self, number: int, day: date, first_day: bool, rand: random.Random) -> Row: ...

    def update(self, index: int, day: date, rand: random.Random) -> Row: ...

    def correct(self, row: Row, rand: random.Random) -> Row: ...

    def adopt(self, row: Row) -> None: ...


class DimensionDrop:
    """One day's drop of a dimension: updates of existing entities first, then new ones."""

    late_arrivals = False

    def __init__(self, history: DimensionHistory, config: GeneratorConfig, day_index: int):
        self.history = history
        self.source = history.source
        self.columns = CONTRACT_COLUMNS[history.source]
        self.profile = history.profile
        self.day = day_of(config.start_date, day_index)
        self.first_day = day_index == 0
        existing = history.count
        if self.first_day:
            self.updates: list[int] = []
            new = history.initial
        else:
            plan = chunk_rng(config.seed, history.source, self.day, PLAN_CHUNK)
            changed = min(existing, math.ceil(existing * history.update_rate))
            self.updates = sorted(plan.choice(existing, size=changed, replace=False).tolist())
            new = math.ceil(existing * history.new_rate)
        self.first_new_number = existing + 1
        self.base_count = len(self.updates) + new

    def rows(self, start: int, count: int, rng: np.random.Generator) -> dict[str, list[str | None]]:
        rand = python_random(rng)
        self.history.seed_text(int(rng.integers(2**63)))
        records = [self._record(position, rand) for position in range(start, start + count)]
        return {name: [record[name] for record in records] for name in self.columns}

    def newer_version(self, row: Row, rand: random.Random) -> Row:
        """A same-day correction of `row`; the history adopts it as the entity's current version."""
        newer = self.history.correct(dict(row), rand)
        newer["updated_at"] = later_same_day(row["updated_at"], rand)
        self.history.adopt(newer)
        return newer

    def late_arrival(self, row: Row, rand: random.Random) -> None:
        raise ValueError(f"{self.source} drops have no late-arriving records")

    def _record(self, position: int, rand: random.Random) -> Row:
        if position < len(self.updates):
            return self.history.update(self.updates[position], self.day, rand)
        number = self.first_new_number + position - len(self.updates)
        return self.history.create(number, self.day, self.first_day, rand)


def base_version_time(day: date, rand: random.Random) -> str:
    return timestamp(day, rand.randrange(LAST_BASE_VERSION_SECOND))


def later_same_day(updated_at: str, rand: random.Random) -> str:
    second = second_of_day(updated_at)
    return timestamp(date.fromisoformat(updated_at[:10]), rand.randint(second + 1, SECONDS_PER_DAY - 1))
