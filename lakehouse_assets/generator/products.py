"""Products: a fixed category vocabulary with Faker brands, plus the price timeline of each day.

Transactions carry the price a product had at the transaction's second, so the history records
every price version landed today and answers point-in-time price lookups vectorised.
"""

import random
from datetime import date

import numpy as np
from faker import Faker

from lakehouse_assets.contracts import PRODUCTS
from lakehouse_assets.generator.config import PRODUCT_UPDATE_RATE, GeneratorConfig
from lakehouse_assets.generator.dimensions import base_version_time
from lakehouse_assets.generator.dirt import DirtProfile
from lakehouse_assets.generator.randomness import SECONDS_PER_DAY, money, second_of_day
from lakehouse_assets.generator.vocab import CATEGORIES
from lakehouse_assets.generator.writers import Row

PROFILE = DirtProfile(
    key="product_id",
    timestamp="updated_at",
    money=("unit_price", "unit_cost"),
    casing=("category", "subcategory", "is_active"),
)
ACTIVE_SHARE = 0.95
PRICE_CHANGE_SHARE = 0.7  # of daily updates; the rest flip is_active


def product_id(number: int) -> str:
    return f"P{number:06d}"


class ProductHistory:
    """Current version, price and activity of every product (product number n at index n-1)."""

    source = PRODUCTS
    profile = PROFILE
    update_rate = PRODUCT_UPDATE_RATE
    new_rate = 0.0

    def __init__(self, config: GeneratorConfig):
        self.initial = config.products
        self.current: list[Row] = []
        self.price_cents: list[int] = []
        self.cost_cents: list[int] = []
        self.day_start_cents: list[int] = []
        self.events: list[tuple[int, int, int]] = []  # (index, second of day, price cents) landed today
        self._fake = Faker("en_US")

    @property
    def count(self) -> int:
        return len(self.current)

    def begin_day(self) -> None:
        self.day_start_cents = list(self.price_cents)
        self.events = []

    def seed_text(self, seed: int) -> None:
        self._fake.seed_instance(seed)

    def create(self, number: int, day: date, first_day: bool, rand: random.Random) -> Row:
        category = rand.choice(sorted(CATEGORIES))
        subcategory = rand.choice(sorted(CATEGORIES[category]))
        nouns, (low, high) = CATEGORIES[category][subcategory]
        price = rand.randint(low * 100, high * 100)
        cost = min(price - 1, max(1, round(price * rand.uniform(0.35, 0.8))))
        row = {
            "product_id": product_id(number),
            "name": f"{self._fake.color_name()} {rand.choice(nouns)}",
            "category": category,
            "subcategory": subcategory,
            "brand": self._fake.company(),
            "unit_price": money(price),
            "unit_cost": money(cost),
            "is_active": "true" if rand.random() < ACTIVE_SHARE else "false",
            "updated_at": base_version_time(day, rand),
        }
        self.current.append(dict(row))
        self.price_cents.append(price)
        self.cost_cents.append(cost)
        self.day_start_cents.append(price)
        return row

    def update(self, index: int, day: date, rand: random.Random) -> Row:
        row = dict(self.current[index])
        if rand.random() < PRICE_CHANGE_SHARE:
            row["unit_price"] = money(self._changed_price(index, rand.uniform(0.75, 1.25)))
        else:
            row["is_active"] = "false" if row["is_active"] == "true" else "true"
        row["updated_at"] = base_version_time(day, rand)
        self.adopt(row)
        return row

    def correct(self, row: Row, rand: random.Random) -> Row:
        index = int(row["product_id"][1:]) - 1
        row["unit_price"] = money(self._changed_price(index, rand.uniform(0.9, 1.1)))
        return row

    def adopt(self, row: Row) -> None:
        index = int(row["product_id"][1:]) - 1
        self.current[index] = dict(row)
        self.price_cents[index] = int(row["unit_price"].replace(".", ""))
        self.events.append((index, second_of_day(row["updated_at"]), self.price_cents[index]))

    def active_indices(self) -> np.ndarray:
        active = np.array([row["is_active"] == "true" for row in self.current], dtype=bool)
        return np.flatnonzero(active) if active.any() else np.arange(self.count)

    def prices_at(self, indices: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """Price cents of each product at each second today: the latest version landed by then."""
        fallback = np.asarray(self.day_start_cents, dtype=np.int64)[indices]
        if not self.events:
            return fallback
        events = np.array(sorted(self.events), dtype=np.int64)
        event_keys = events[:, 0] * SECONDS_PER_DAY + events[:, 1]
        position = np.searchsorted(event_keys, indices * SECONDS_PER_DAY + seconds, side="right") - 1
        clipped = position.clip(0)
        landed = (position >= 0) & (events[clipped, 0] == indices)
        return np.where(landed, events[clipped, 2], fallback)

    def _changed_price(self, index: int, factor: float) -> int:
        price = self.price_cents[index]
        changed = max(self.cost_cents[index] + 1, round(price * factor))
        return changed if changed != price else changed + 1
