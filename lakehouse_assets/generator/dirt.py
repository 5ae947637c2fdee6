"""Realistic dirt: roughly `dirty_rate` of base records get exactly one anomaly each.

The plan (which record gets which anomaly) is drawn with numpy per chunk so it is cheap and exact;
applying it touches only the dirty rows. Counts are tallied from the plan, so the manifest is exact.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

import numpy as np

from lakehouse_assets.generator.writers import ChunkOut, Row, malformed_line

ANOMALY_KINDS: tuple[str, ...] = (
    "null_value",
    "duplicate_exact",
    "duplicate_newer_version",
    "out_of_range",
    "malformed_email",
    "malformed_timestamp",
    "unknown_foreign_key",
    "padded_or_miscased",
    "money_as_text",
    "late_arriving",
    "malformed_line",
    "unexpected_column",
)
# These add a physical record next to the (clean) original instead of changing it.
EXTRA_RECORD_KINDS = frozenset({"duplicate_exact", "duplicate_newer_version", "malformed_line"})
UNEXPECTED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("promo_code", "SPRING10"),
    ("promo_code", "WELCOME5"),
    ("gift_wrap", "yes"),
    ("referrer", "newsletter"),
)
KEY_NULL_SHARE = 0.2


@dataclass(frozen=True)
class DirtProfile:
    """Which columns of a source each anomaly may hit."""

    key: str
    timestamp: str
    money: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()  # integer columns that can come as zero or negative
    casing: tuple[str, ...] = ()
    email: str | None = None
    unknown_ids: dict[str, Callable[[random.Random], str]] = field(default_factory=dict)


class DropSource(Protocol):
    """The clean records of one (source, day) drop plus the source-specific anomalies."""

    source: str
    columns: tuple[str, ...]
    profile: DirtProfile
    base_count: int
    late_arrivals: bool

    def rows(self, start: int, count: int, rng: np.random.Generator) -> dict[str, list[str | None]]: ...

    def newer_version(self, row: Row, rand: random.Random) -> Row: ...

    def late_arrival(self, row: Row, rand: random.Random) -> None: ...


def applicable_kinds(drop: DropSource, fmt: str) -> tuple[str, ...]:
    profile = drop.profile
    allowed = {
        "out_of_range": bool(profile.money or profile.counts),
        "malformed_email": profile.email is not None,
        "unknown_foreign_key": bool(profile.unknown_ids),
        "padded_or_miscased": bool(profile.casing),
        "money_as_text": bool(profile.money),
        "late_arriving": drop.late_arrivals,
        "malformed_line": fmt in ("csv", "json"),
        "unexpected_column": fmt == "json",
    }
    return tuple(kind for kind in ANOMALY_KINDS if allowed.get(kind, True))


def plan_dirt(rng: np.random.Generator, count: int, rate: float, kinds: tuple[str, ...]) -> list[str | None]:
    """The anomaly kind of each of `count` base records, None for clean ones."""
    dirty = rng.random(count) < rate
    picks = rng.integers(0, len(kinds), count)
    return [kinds[pick] if is_dirty else None for is_dirty, pick in zip(dirty.tolist(), picks.tolist(), strict=True)]


def records_that_fit(plan: list[str | None], capacity: int) -> int:
    """How many base records (with their extra records) fit into `capacity` physical records."""
    sizes = np.fromiter((2 if kind in EXTRA_RECORD_KINDS else 1 for kind in plan), np.int64, len(plan))
    return int(np.searchsorted(np.cumsum(sizes), capacity, side="right"))


def apply_dirt(
    drop: DropSource, fmt: str, columns: dict[str, list], plan: list[str | None], rand: random.Random
) -> tuple[ChunkOut, dict[str, int]]:
    out = ChunkOut(columns=columns)
    extra_rows: list[Row] = []
    counts = dict.fromkeys(ANOMALY_KINDS, 0)
    for index, kind in enumerate(plan):
        if kind is None:
            continue
        counts[kind] += 1
        row = {name: columns[name][index] for name in drop.columns}
        if kind == "duplicate_exact":
            extra_rows.append(dict(row))
        elif kind == "duplicate_newer_version":
            extra_rows.append(drop.newer_version(row, rand))
        elif kind == "malformed_line":
            out.raw_lines.append(malformed_line(fmt, drop.columns, row, rand))
        elif kind == "unexpected_column":
            out.extra_keys[index] = rand.choice(UNEXPECTED_COLUMNS)
        elif kind == "late_arriving":
            drop.late_arrival(row, rand)
        else:
            _damage(kind, drop.profile, row, rand)
        for name in drop.columns:
            columns[name][index] = row[name]
    for row in extra_rows:
        for name in drop.columns:
            columns[name].append(row[name])
    return out, counts


def _damage(kind: str, profile: DirtProfile, row: Row, rand: random.Random) -> None:
    if kind == "null_value":
        others = [name for name in row if name != profile.key]
        row[profile.key if rand.random() < KEY_NULL_SHARE else rand.choice(others)] = None
    elif kind == "out_of_range":
        name = rand.choice(profile.money + profile.counts)
        row[name] = f"-{row[name]}" if name in profile.money else rand.choice(["0", f"-{rand.randint(1, 5)}"])
    elif kind == "malformed_email":
        row[profile.email] = _malformed_email(row[profile.email], rand)
    elif kind == "malformed_timestamp":
        row[profile.timestamp] = _malformed_timestamp(row[profile.timestamp], rand)
    elif kind == "unknown_foreign_key":
        name = rand.choice(sorted(profile.unknown_ids))
        row[name] = profile.unknown_ids[name](rand)
    elif kind == "padded_or_miscased":
        name = rand.choice(profile.casing)
        row[name] = _miscased(row[name], rand)
    elif kind == "money_as_text":
        name = rand.choice(profile.money)
        row[name] = f"${Decimal(row[name]):,.2f}"
    else:
        raise ValueError(f"no damage rule for anomaly kind {kind!r}")


def _malformed_email(email: str, rand: random.Random) -> str:
    local, domain = email.split("@", 1)
    return rand.choice(
        [f"{local}{domain}", f"{local}@@{domain}", f"{local}@", f"{local}@{domain.split('.')[0]}", f"{local} @{domain}"]
    )


def _malformed_timestamp(timestamp: str, rand: random.Random) -> str:
    day = date.fromisoformat(timestamp[:10])
    return rand.choice(
        [
            f"{day.year}-13-45 25:61:00",
            "not-a-date",
            f"{day.day:02d}/{day.month:02d}/{day.year}",
            f"{timestamp[:10]}T25:61:00Z",
        ]
    )


def _miscased(value: str, rand: random.Random) -> str:
    candidates = [value.upper(), value.lower(), value.title(), f"  {value.title()} ", f"{value.lower()} ", f" {value}"]
    return rand.choice([candidate for candidate in candidates if candidate != value])
