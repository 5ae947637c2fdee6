"""Writes the landing drops: one folder per (source, day) with its parts and a manifest.

A drop is streamed chunk by chunk into parts of at most `rows_per_file` physical records, so memory
stays flat however large the day. A rerun first removes the drop's previous parts and manifest, then
publishes new parts by rename and the manifest last: the manifest marks a complete drop.
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np

from lakehouse_assets.contracts import MANIFEST_FILE_NAME, SOURCES
from lakehouse_assets.generator.config import GeneratorConfig
from lakehouse_assets.generator.customers import CustomerHistory
from lakehouse_assets.generator.dimensions import DimensionDrop
from lakehouse_assets.generator.dirt import (
    ANOMALY_KINDS,
    DropSource,
    applicable_kinds,
    apply_dirt,
    plan_dirt,
    records_that_fit,
)
from lakehouse_assets.generator.products import ProductHistory
from lakehouse_assets.generator.randomness import chunk_rng, day_of, python_random
from lakehouse_assets.generator.transactions import TransactionDrop
from lakehouse_assets.generator.writers import WRITERS, PartWriter, part_file_name, temp_path, write_manifest

Progress = Callable[[str], None]
# A record with an extra record (duplicate, malformed line) needs two slots in the same part.
MIN_ROOM = 2


def generate(config: GeneratorConfig, progress: Progress | None = None) -> list[dict]:
    """Writes every (source, day) drop; returns the manifests (dicts) written, day by day."""
    report = progress or (lambda line: None)
    customers, products = CustomerHistory(config), ProductHistory(config)
    manifests = []
    for day_index in range(config.days):
        products.begin_day()
        # Dimensions first: the day's transactions reference the customers and prices landed today.
        manifests.append(write_drop(config, DimensionDrop(customers, config, day_index), day_index, report))
        manifests.append(write_drop(config, DimensionDrop(products, config, day_index), day_index, report))
        transactions = TransactionDrop(config, day_index, customers, products)
        manifests.append(write_drop(config, transactions, day_index, report))
    return manifests


def write_drop(config: GeneratorConfig, drop: DropSource, day_index: int, report: Progress) -> dict:
    day = day_of(config.start_date, day_index)
    day_text = day.isoformat()
    folder = config.landing_root / drop.source / day_text
    folder.mkdir(parents=True, exist_ok=True)
    _remove_previous_drop(folder, drop.source, day_text)
    parts = _Parts(config, folder, drop, day_index)
    anomalies = dict.fromkeys(ANOMALY_KINDS, 0)
    done = chunk = 0
    try:
        while done < drop.base_count:
            writer = parts.with_room(MIN_ROOM)
            rng = chunk_rng(config.seed, drop.source, day, chunk)
            landed, counts = _write_chunk(config, drop, writer, done, rng)
            done, chunk = done + landed, chunk + 1
            for kind, count in counts.items():
                anomalies[kind] += count
            report(f"{drop.source} {day_text}: {done:,}/{drop.base_count:,} rows")
        files = parts.finish()
    except BaseException:
        parts.discard()
        raise
    manifest = {
        "source": drop.source,
        "date": day_text,
        "seed": config.seed,
        "dirty_rate": config.dirty_rate,
        "records": sum(entry["records"] for entry in files),
        "files": files,
        "anomalies": anomalies,
    }
    write_manifest(folder, manifest)
    report(_summary(manifest))
    return manifest


def _write_chunk(
    config: GeneratorConfig, drop: DropSource, writer: PartWriter, start: int, rng: np.random.Generator
) -> tuple[int, dict[str, int]]:
    """Lands the next base records that fit the open part; returns how many and their anomalies."""
    capacity = config.rows_per_file - writer.records
    wanted = min(config.chunk_rows, drop.base_count - start, capacity)
    plan = plan_dirt(rng, wanted, config.dirty_rate, applicable_kinds(drop, writer.fmt))
    plan = plan[: records_that_fit(plan, capacity)]
    columns = drop.rows(start, len(plan), rng)
    out, counts = apply_dirt(drop, writer.fmt, columns, plan, python_random(rng))
    writer.write(out)
    return len(plan), counts


class _Parts:
    """Opens the drop's parts one after another, rotating formats across days, parts and sources."""

    def __init__(self, config: GeneratorConfig, folder: Path, drop: DropSource, day_index: int):
        self.config, self.folder, self.drop, self.day_index = config, folder, drop, day_index
        self.day_text = folder.name
        self.files: list[dict] = []
        self.open: PartWriter | None = None

    def with_room(self, needed: int) -> PartWriter:
        if self.open is None or self.config.rows_per_file - self.open.records < needed:
            self._rotate()
        return self.open

    def finish(self) -> list[dict]:
        if self.open is None:
            self._rotate()  # an empty drop still lands one (empty) part, so the day is visible
        self._close_open()
        return self.files

    def discard(self) -> None:
        if self.open is not None:
            self.open.discard()

    def _rotate(self) -> None:
        self._close_open()
        formats = self.config.formats
        part = len(self.files)
        fmt = formats[(self.day_index + part + SOURCES.index(self.drop.source)) % len(formats)]
        name = part_file_name(self.drop.source, self.day_text, part, fmt)
        self.open = WRITERS[fmt](self.folder / name, self.drop.columns)

    def _close_open(self) -> None:
        if self.open is not None:
            self.open.close()
            self.files.append({"name": self.open.final.name, "format": self.open.fmt, "records": self.open.records})
            self.open = None


def _remove_previous_drop(folder: Path, source: str, day_text: str) -> None:
    manifest = folder / MANIFEST_FILE_NAME
    stale = {manifest, temp_path(manifest)}
    prefix = f"{source}-{day_text}-part-"
    for path in folder.iterdir():
        if path in stale or path.name.startswith(prefix) or path.name.startswith(f".{prefix}"):
            path.unlink()


def _summary(manifest: dict) -> str:
    anomalies = ", ".join(f"{kind}={count:,}" for kind, count in manifest["anomalies"].items() if count) or "none"
    return (
        f"{manifest['source']} {manifest['date']}: {len(manifest['files'])} files, "
        f"{manifest['records']:,} records, anomalies: {anomalies}"
    )
