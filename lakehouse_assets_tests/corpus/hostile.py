"""The hostile landing corpus: every kind of file producers really drop, with the outcome each one must get.

`land_corpus(root, day)` writes one day of it into `<root>/<source>/<day>/` and returns one
`CorpusFile` per entry it wrote (a symlink is an entry; its target lives outside every source
folder, under `<root>/_corpus_link_targets/`). `land_clean_day` writes the other days of a
multi-day range. Both are deterministic: the same (root, day) gives the same bytes.
"""

from collections.abc import Collection
from pathlib import Path

from lakehouse_assets_tests.corpus import (
    kinds_csv,
    kinds_json,
    kinds_json_values,
    kinds_landing,
    kinds_parquet,
    kinds_spreadsheet,
    kinds_values,
)
from lakehouse_assets_tests.corpus.kinds_json import lines
from lakehouse_assets_tests.corpus.kinds_parquet import parquet_bytes, text_table
from lakehouse_assets_tests.corpus.model import (
    CLEAN_KIND_PREFIX,
    CorpusFile,
    DayLanding,
    contract,
    csv_text,
    loaded,
    multi_rule,
)

__all__ = ["CLEAN_KIND_PREFIX", "CorpusFile", "land_clean_day", "land_corpus", "multi_rule"]

KIND_GROUPS = (
    kinds_spreadsheet.KINDS,
    kinds_csv.KINDS,
    kinds_values.KINDS,
    kinds_json.KINDS,
    kinds_json_values.KINDS,
    kinds_parquet.KINDS,
    kinds_landing.KINDS,
)


def _dimensions(land: DayLanding) -> list[CorpusFile]:
    """The customers and products every transaction of the day references."""
    customers = [land.customer(cid) for cid in land.customer_ids]
    land.write("customers", "customers.csv", csv_text(contract("customers"), customers))
    products = [land.product(pid) for pid in land.product_ids]
    land.write("products", "products.jsonl", lines(products))
    return [
        loaded(
            "customers",
            "customers.csv",
            f"{CLEAN_KIND_PREFIX}customers",
            "The day's customers: every customer_id the transactions reference",
            3,
            silver=3,
        ),
        loaded(
            "products",
            "products.jsonl",
            f"{CLEAN_KIND_PREFIX}products",
            "The day's products: every product_id the transactions reference",
            3,
            silver=3,
        ),
    ]


def land_corpus(root: Path, day: str, kinds: Collection[str] | None = None) -> list[CorpusFile]:
    """Writes the corpus for `day` (YYYY-MM-DD) under `root`; returns its entries.

    `kinds` keeps only those kinds (the clean dimension files always stay, so references resolve):
    for a quick end-to-end run over a few shapes instead of all of them.
    """
    land = DayLanding(Path(root), day)
    files = _dimensions(land)
    for group in KIND_GROUPS:
        for kind in group:
            files.extend(kind(land))
    if kinds is None:
        return files
    unknown = set(kinds) - {file.kind for file in files}
    if unknown:
        raise ValueError(f"land_corpus: unknown kinds {sorted(unknown)}; see the `kind` of land_corpus's entries")
    kept = [file for file in files if file.kind in kinds or file.kind.startswith(CLEAN_KIND_PREFIX)]
    for file in files:
        if file not in kept:
            _remove_entry(land.folder(file.source), file.name)
    return kept


def _remove_entry(day_folder: Path, name: str) -> None:
    """Deletes a landed entry and the subfolders it leaves empty."""
    path = day_folder / name
    path.unlink()
    for folder in path.relative_to(day_folder).parents[:-1]:
        if any((day_folder / folder).iterdir()):
            break
        (day_folder / folder).rmdir()


def land_clean_day(root: Path, day: str) -> list[CorpusFile]:
    """A clean day for multi-day ranges: dimensions as CSV and JSON lines, transactions as CSV, JSON and Parquet."""
    land = DayLanding(Path(root), day)
    files = _dimensions(land)
    kind = f"{CLEAN_KIND_PREFIX}day_transactions_csv"
    land.write("transactions", "transactions.csv", csv_text(contract("transactions"), land.txs(kind, 3)))
    files.append(loaded("transactions", "transactions.csv", kind, "A clean CSV drop", 3, silver=3))
    kind = f"{CLEAN_KIND_PREFIX}day_transactions_jsonl"
    land.write("transactions", "transactions.jsonl", lines(land.txs(kind, 2)))
    files.append(loaded("transactions", "transactions.jsonl", kind, "A clean JSON-lines drop", 2, silver=2))
    kind = f"{CLEAN_KIND_PREFIX}day_transactions_parquet"
    land.write("transactions", "transactions.parquet", parquet_bytes(text_table(land.txs(kind, 2))))
    files.append(loaded("transactions", "transactions.parquet", kind, "A clean Parquet drop", 2, silver=2, text=False))
    return files
