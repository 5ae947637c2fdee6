"""Customers: Faker people whose name, city and phone match their country's locale."""

import random
import re
import unicodedata
from datetime import date, timedelta
from functools import cache

from faker import Faker

from lakehouse_assets.contracts import CUSTOMERS
from lakehouse_assets.generator.config import CUSTOMER_NEW_RATE, CUSTOMER_UPDATE_RATE, GeneratorConfig
from lakehouse_assets.generator.dimensions import base_version_time
from lakehouse_assets.generator.dirt import DirtProfile
from lakehouse_assets.generator.vocab import COUNTRY_LOCALES, COUNTRY_WEIGHTS, LOYALTY_TIERS, LOYALTY_WEIGHTS
from lakehouse_assets.generator.writers import Row

PROFILE = DirtProfile(
    key="customer_id",
    timestamp="updated_at",
    casing=("email", "country", "loyalty_tier"),
    email="email",
)
SIGNUP_HISTORY_DAYS = 3 * 365
_COUNTRIES = tuple(COUNTRY_LOCALES)
_NOT_EMAIL_SAFE = re.compile(r"[^a-z]")


def customer_id(number: int) -> str:
    return f"C{number:07d}"


@cache
def _faker(locale: str) -> Faker:
    # Built lazily and once per process: a Faker per locale costs tens of milliseconds.
    fake = Faker(locale)
    address = fake.provider("faker.providers.address")
    if getattr(address, "cities", None):
        # it_IT builds its city list from a set, so its order (and so city()) follows PYTHONHASHSEED;
        # a sorted list makes the same seed give the same city in every process.
        address.cities = sorted(address.cities)
    return fake


class CustomerHistory:
    """The current version of every customer, in id order (customer number n at index n-1)."""

    source = CUSTOMERS
    profile = PROFILE
    update_rate = CUSTOMER_UPDATE_RATE
    new_rate = CUSTOMER_NEW_RATE

    def __init__(self, config: GeneratorConfig):
        self.initial = config.customers
        self.start_date = config.start_date
        self.current: list[Row] = []

    @property
    def count(self) -> int:
        return len(self.current)

    def seed_text(self, seed: int) -> None:
        for offset, locale in enumerate(COUNTRY_LOCALES.values()):
            _faker(locale).seed_instance(seed + offset)

    def create(self, number: int, day: date, first_day: bool, rand: random.Random) -> Row:
        country = rand.choices(_COUNTRIES, COUNTRY_WEIGHTS)[0]
        fake = _faker(COUNTRY_LOCALES[country])
        first_name, last_name = fake.first_name(), fake.last_name()
        signup = day - timedelta(days=rand.randrange(SIGNUP_HISTORY_DAYS)) if first_day else day
        row = {
            "customer_id": customer_id(number),
            "first_name": first_name,
            "last_name": last_name,
            "email": _email(first_name, last_name, number, fake.free_email_domain(), dotted=True),
            "phone": fake.phone_number(),
            "country": country,
            "city": fake.city(),
            "signup_date": signup.isoformat(),
            "loyalty_tier": rand.choices(LOYALTY_TIERS, LOYALTY_WEIGHTS)[0],
            "updated_at": base_version_time(day, rand),
        }
        self.current.append(dict(row))
        return row

    def update(self, index: int, day: date, rand: random.Random) -> Row:
        row = dict(self.current[index])
        attribute = rand.choice(("city", "loyalty_tier", "email"))
        fake = _faker(COUNTRY_LOCALES[row["country"]])
        if attribute == "city":
            row["city"] = fake.city()
        elif attribute == "loyalty_tier":
            row["loyalty_tier"] = _other_tier(row["loyalty_tier"], rand)
        else:
            number = int(row["customer_id"][1:])
            dotted = "." not in row["email"].split("@")[0]
            row["email"] = _email(row["first_name"], row["last_name"], number, fake.free_email_domain(), dotted)
        row["updated_at"] = base_version_time(day, rand)
        self.current[index] = dict(row)
        return row

    def correct(self, row: Row, rand: random.Random) -> Row:
        row["loyalty_tier"] = _other_tier(row["loyalty_tier"], rand)
        return row

    def adopt(self, row: Row) -> None:
        self.current[int(row["customer_id"][1:]) - 1] = dict(row)


def _other_tier(tier: str, rand: random.Random) -> str:
    return rand.choice([other for other in LOYALTY_TIERS if other != tier])


def _email(first_name: str, last_name: str, number: int, domain: str, dotted: bool) -> str:
    first, last = _email_safe(first_name) or "customer", _email_safe(last_name) or "customer"
    local = f"{first}.{last}{number}" if dotted else f"{first[0]}{last}{number}"
    return f"{local}@{domain}"


def _email_safe(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_EMAIL_SAFE.sub("", folded)
