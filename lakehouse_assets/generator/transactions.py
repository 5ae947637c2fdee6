"""Transactions: the fact source, generated with numpy so a 10M-row day streams in seconds.

Every column is built by indexing small lookup tables (id strings, timestamps of the day, price
strings) instead of formatting row by row; only the ids need per-row formatting.
"""

import random

import numpy as np

from lakehouse_assets.contracts import CONTRACT_COLUMNS, TRANSACTIONS
from lakehouse_assets.generator.config import (
    EPOCH,
    UNKNOWN_CUSTOMER_NUMBER,
    UNKNOWN_PRODUCT_NUMBER,
    GeneratorConfig,
    customers_after,
)
from lakehouse_assets.generator.customers import CustomerHistory, customer_id
from lakehouse_assets.generator.dirt import DirtProfile
from lakehouse_assets.generator.products import ProductHistory, product_id
from lakehouse_assets.generator.randomness import (
    SECONDS_PER_DAY,
    day_of,
    day_timestamps,
    money,
    timestamp,
    weighted_indices,
)
from lakehouse_assets.generator.vocab import (
    CHANNEL_WEIGHTS,
    CHANNELS,
    CURRENCIES,
    CURRENCY_WEIGHTS,
    PAYMENT_METHODS,
    PAYMENT_WEIGHTS,
    QUANTITY_WEIGHTS,
    STATUS_WEIGHTS,
    STATUSES,
)
from lakehouse_assets.generator.writers import Row

PROFILE = DirtProfile(
    key="transaction_id",
    timestamp="transaction_ts",
    money=("unit_price",),
    counts=("quantity",),
    casing=("currency", "payment_method", "channel", "status"),
    unknown_ids={
        "customer_id": lambda rand: customer_id(rand.randint(UNKNOWN_CUSTOMER_NUMBER, 9_999_999)),
        "product_id": lambda rand: product_id(rand.randint(UNKNOWN_PRODUCT_NUMBER, 999_999)),
    },
)
_QUANTITIES = np.array([str(quantity) for quantity in range(1, 11)], dtype=object)
_CATEGORICAL = {
    "currency": (CURRENCIES, CURRENCY_WEIGHTS),
    "payment_method": (PAYMENT_METHODS, PAYMENT_WEIGHTS),
    "channel": (CHANNELS, CHANNEL_WEIGHTS),
    "status": (STATUSES, STATUS_WEIGHTS),
}


class TransactionDrop:
    """One day of transactions against the customers and products landed by the end of that day."""

    source = TRANSACTIONS
    columns = CONTRACT_COLUMNS[TRANSACTIONS]
    profile = PROFILE

    def __init__(self, config: GeneratorConfig, day_index: int, customers: CustomerHistory, products: ProductHistory):
        self.day = day_of(config.start_date, day_index)
        self.base_count = config.transactions_per_day
        self.late_arrivals = day_index > 0
        self.customers_yesterday = customers_after(config.customers, day_index - 1) if day_index else 0
        self.products = products
        self.active_products = products.active_indices()
        self.id_prefix = f"T{(self.day - EPOCH).days:05d}"
        self.customer_ids = np.array([customer_id(number) for number in range(1, customers.count + 1)], dtype=object)
        self.product_ids = np.array([product_id(number) for number in range(1, products.count + 1)], dtype=object)

    def rows(self, start: int, count: int, rng: np.random.Generator) -> dict[str, list[str | None]]:
        sequence = np.arange(start, start + count)
        # Seconds rise with the sequence, so ids are in time order across the whole day.
        seconds = ((sequence + rng.random(count)) * SECONDS_PER_DAY / self.base_count).astype(np.int64)
        customers = rng.integers(0, len(self.customer_ids), count)
        products = self.active_products[rng.integers(0, len(self.active_products), count)]
        columns = {
            "transaction_id": [f"{self.id_prefix}{number:07d}" for number in range(start, start + count)],
            "customer_id": self.customer_ids[customers].tolist(),
            "product_id": self.product_ids[products].tolist(),
            "quantity": _QUANTITIES[weighted_indices(rng, QUANTITY_WEIGHTS, count)].tolist(),
            "unit_price": _money_texts(self.products.prices_at(products, seconds)),
        }
        for name, (values, weights) in _CATEGORICAL.items():
            columns[name] = np.array(values, dtype=object)[weighted_indices(rng, weights, count)].tolist()
        columns["transaction_ts"] = day_timestamps(self.day)[seconds].tolist()
        return {name: columns[name] for name in self.columns}

    def newer_version(self, row: Row, rand: random.Random) -> Row:
        """The original lands as pending and its settled version later in the drop."""
        row["status"] = "pending"
        return dict(row, status=rand.choice(("completed", "completed", "completed", "cancelled")))

    def late_arrival(self, row: Row, rand: random.Random) -> None:
        """Moves the record to yesterday, against a customer and price that existed then."""
        yesterday = day_of(self.day, -1)
        row["transaction_ts"] = timestamp(yesterday, rand.randrange(SECONDS_PER_DAY))
        if int(row["customer_id"][1:]) > self.customers_yesterday:
            row["customer_id"] = customer_id(rand.randint(1, self.customers_yesterday))
        row["unit_price"] = money(self.products.day_start_cents[int(row["product_id"][1:]) - 1])


def _money_texts(cents: np.ndarray) -> list[str]:
    distinct, inverse = np.unique(cents, return_inverse=True)
    texts = np.array([money(int(value)) for value in distinct.tolist()], dtype=object)
    return texts[inverse.reshape(-1)].tolist()
