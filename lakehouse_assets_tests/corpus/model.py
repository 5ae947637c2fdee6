"""What one corpus file is and what the lakehouse owes it, plus the landing helpers its kinds share."""

import gzip
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from lakehouse_assets.contracts import CONTRACT_COLUMNS
from lakehouse_assets_tests.support import customer, product, transaction

OUTCOMES = ("loaded", "rejected", "ignored")
IGNORE_REASONS = ("bookkeeping_name", "partial_upload", "empty_file")
REJECT_REASONS = (
    "in_subfolder",
    "not_a_file",
    "unsupported_type",
    "binary_content",
    "compressed_unreadable",
    "mixed_encoding",
    "unsupported_encoding",
    "duplicate_columns",
    "no_contract_columns",
    "unreadable_parquet",
    "unsupported_column_type",
    "unreadable_json",
)
# Files the corpus lands so that the hostile ones have customers and products to reference.
CLEAN_KIND_PREFIX = "clean_"
# A record failing several quarantine rules is counted under its rule names joined by this, in
# alphabetical order ("channel_present+currency_present"); a single name means that rule only.
RULE_JOIN = "+"


@dataclass(frozen=True)
class CorpusFile:
    source: str
    name: str  # relative to the day folder; may hold a subfolder
    kind: str
    description: str
    outcome: str
    reason: str | None = None
    bronze_rows: int = 0
    landed_records: int | None = None
    silver_rows: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    text_exact: bool = False

    @property
    def format(self) -> str | None:
        """csv | json | parquet for a file bronze loads, by extension (`.gz` stripped)."""
        lowered = self.name.lower().removesuffix(".gz")
        for suffix, file_format in (
            (".csv", "csv"),
            (".json", "json"),
            (".jsonl", "json"),
            (".ndjson", "json"),
            (".parquet", "parquet"),
        ):
            if lowered.endswith(suffix):
                return file_format
        return None

    def path(self, root: Path, day: str) -> Path:
        return Path(root) / self.source / day / self.name


def multi_rule(*names: str) -> str:
    """The `quarantined` key of records failing exactly these rules."""
    return RULE_JOIN.join(sorted(names))


def loaded(
    source,
    name,
    kind,
    description,
    rows,
    *,
    silver,
    quarantined=None,
    duplicates=0,
    encoding="utf-8",
    delimiter=None,
    text=True,
) -> CorpusFile:
    if delimiter is None and text and name.lower().removesuffix(".gz").endswith(".csv"):
        delimiter = ","
    return CorpusFile(
        source,
        name,
        kind,
        description,
        "loaded",
        None,
        rows,
        rows,
        silver,
        dict(quarantined or {}),
        duplicates,
        encoding if text else None,
        delimiter,
        text,
    )


def rejected(source, name, kind, description, reason, landed_records=None) -> CorpusFile:
    assert reason in REJECT_REASONS, reason
    return CorpusFile(source, name, kind, description, "rejected", reason, landed_records=landed_records)


def ignored(source, name, kind, description, reason, landed_records=None) -> CorpusFile:
    assert reason in IGNORE_REASONS, reason
    return CorpusFile(source, name, kind, description, "ignored", reason, landed_records=landed_records)


class DayLanding:
    """Writes files into `<root>/<source>/<day>/` and builds the day's ids and clean records."""

    def __init__(self, root: Path, day: str):
        self.root, self.day = Path(root), day
        self.compact = day.replace("-", "")
        self.customer_ids = [f"C-{self.compact}-{n}" for n in (1, 2, 3)]
        self.product_ids = [f"P-{self.compact}-{n}" for n in (1, 2, 3)]

    @property
    def next_day(self) -> str:
        return (date.fromisoformat(self.day) + timedelta(days=1)).isoformat()

    def folder(self, source: str) -> Path:
        return self.root / source / self.day

    def write(self, source: str, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
        path = self.folder(source) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
        return path

    def symlink(self, source: str, name: str, target: Path) -> Path:
        """A relative link, so the landing root can move."""
        link = self.folder(source) / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(target, link.parent))
        return link

    def outside(self, name: str) -> Path:
        """A path outside every source folder (link targets live there)."""
        path = self.root / "_corpus_link_targets" / self.day / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def tid(self, kind: str, n: int) -> str:
        return f"T{self.compact}-{kind.upper()}-{n}"

    def tx(self, kind: str, n: int, **overrides) -> dict:
        record = transaction(self.tid(kind, n), self.day, self.customer_ids[(n - 1) % 3], self.product_ids[(n - 1) % 3])
        return {**record, **overrides}

    def txs(self, kind: str, count: int) -> list[dict]:
        return [self.tx(kind, n) for n in range(1, count + 1)]

    def customer(self, cid: str, **overrides) -> dict:
        return {**customer(cid, self.day), **overrides}

    def product(self, pid: str, **overrides) -> dict:
        return {**product(pid, self.day), **overrides}


def csv_text(
    columns, records, *, delimiter=",", newline="\n", quote_all=False, also_quote="", final_newline=True
) -> str:
    """RFC 4180 text: a field is quoted when it must be (or always), `"` doubled; None is empty."""

    def field_text(value) -> str:
        text = "" if value is None else str(value)
        if quote_all or any(ch in text for ch in (delimiter, '"', "\r", "\n", *also_quote)):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [delimiter.join(field_text(name) for name in columns)]
    for record in records:
        values = record if isinstance(record, (list, tuple)) else [record.get(name) for name in columns]
        lines.append(delimiter.join(field_text(value) for value in values))
    return newline.join(lines) + (newline if final_newline else "")


def contract(source: str) -> list[str]:
    return list(CONTRACT_COLUMNS[source])


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no name, mtime 0)."""
    return gzip.compress(data, mtime=0)


def typed_frame(records: list[dict]) -> pd.DataFrame:
    """Transaction records as a pandas user holds them: quantity int64 and unit_price float64, so what
    pandas writes from them carries numbers where the contract's text would be."""
    frame = pd.DataFrame(records)
    frame["quantity"] = frame["quantity"].astype("int64")
    frame["unit_price"] = frame["unit_price"].astype("float64")
    return frame
