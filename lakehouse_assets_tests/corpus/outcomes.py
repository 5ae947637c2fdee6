"""The entry-outcome rules of bronze, as a pure-Python reference: which files load, which are ignored or rejected.

`classify_entry` follows the spec rule by rule, in its order, so the corpus's declared outcomes can
be checked against it and an implementation can be compared with it file by file.
"""

import csv
import gzip
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse_assets.contracts import CONTRACT_COLUMNS
from lakehouse_assets_tests.corpus.reference import is_json_array, json_keys, parse_json

PARTIAL_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".filepart", ".download", "._copying_", "~")
TEXT_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
DELIMITERS = (",", ";", "\t", "|")  # in tie-break order
BINARY_MAGIC = (b"\x1f\x8b", b"PK\x03\x04", b"PAR1", b"%PDF")
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"


def file_format(name: str) -> tuple[str | None, bool]:
    """(csv | json | parquet | None, gzip-compressed) from a file name, case-insensitively."""
    lowered = name.lower()
    if lowered.endswith(".parquet"):
        return "parquet", False
    compressed = lowered.endswith(".gz")
    base = lowered.removesuffix(".gz")
    for extension, text_format in TEXT_EXTENSIONS.items():
        if base.endswith(extension):
            return text_format, compressed
    return None, compressed


def detect_encoding(data: bytes) -> str:
    """utf-8 | utf-8-sig | utf-16 | utf-32 | windows-1252 | mixed (valid non-ASCII UTF-8 lines next to invalid ones)."""
    if data.startswith(UTF32_BOMS):
        return "utf-32"
    if data.startswith(UTF16_BOMS):
        return "utf-16"
    body = data.removeprefix(UTF8_BOM)
    try:
        body.decode("utf-8")
        return "utf-8-sig" if data.startswith(UTF8_BOM) else "utf-8"
    except UnicodeDecodeError:
        pass
    valid_non_ascii = invalid = False
    for line in body.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            valid_non_ascii = True
        except UnicodeDecodeError:
            invalid = True
    return "mixed" if valid_non_ascii and invalid else "windows-1252"


def is_binary(data: bytes) -> bool:
    if data.startswith(BINARY_MAGIC):
        return True
    return b"\x00" in data and not data.startswith(UTF16_BOMS)


def first_line(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]


def split_header(line: str, delimiter: str) -> list[str]:
    fields = next(csv.reader([line], delimiter=delimiter, quotechar='"', strict=False), [])
    return [name.removeprefix("\ufeff").strip() for name in fields]


def detect_delimiter(header_line: str, source: str) -> str:
    """The delimiter whose split of the header finds the most contract names; ties go to ','."""
    contract = set(CONTRACT_COLUMNS[source])
    counts = {d: len(contract.intersection(split_header(header_line, d))) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))


def has_duplicates(names: list[str]) -> bool:
    folded = [name.strip().casefold() for name in names]
    return len(folded) != len(set(folded))


def classify_entry(day_folder: Path, relative: str, source: str) -> tuple[str, str | None]:
    """(outcome, reason) of the entry `relative` (a path below `day_folder`) of `source`."""
    parts = relative.split("/")
    name, path = parts[-1], Path(day_folder) / relative
    if any(part.startswith((".", "_")) for part in parts):
        return "ignored", "bookkeeping_name"
    if name.lower().endswith(PARTIAL_SUFFIXES):
        return "ignored", "partial_upload"
    if path.is_file() and path.stat().st_size == 0:
        return "ignored", "empty_file"
    if len(parts) > 1:
        return "rejected", "in_subfolder"
    if not path.is_file():
        return "rejected", "not_a_file"
    data_format, compressed = file_format(name)
    if data_format is None:
        return "rejected", "unsupported_type"
    if data_format == "parquet":
        return _classify_parquet(path, source)
    data = path.read_bytes()
    if compressed:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return "rejected", "compressed_unreadable"
    elif is_binary(data):
        return "rejected", "binary_content"
    encoding = detect_encoding(data)
    if encoding == "mixed":
        return "rejected", "mixed_encoding"
    if data_format == "json" and encoding in ("utf-16", "utf-32"):
        return "rejected", "unsupported_encoding"
    text = data.decode(encoding).removeprefix("\ufeff")
    return _classify_csv(text, source) if data_format == "csv" else _classify_json(text, source)


def _classify_csv(text: str, source: str) -> tuple[str, str | None]:
    header = first_line(text)
    names = split_header(header, detect_delimiter(header, source))
    if has_duplicates(names):
        return "rejected", "duplicate_columns"
    if not set(names) & set(CONTRACT_COLUMNS[source]):
        return "rejected", "no_contract_columns"
    return "loaded", None


def _classify_json(text: str, source: str) -> tuple[str, str | None]:
    if is_json_array(text):
        try:
            parse_json(text)
        except ValueError:
            return "rejected", "unreadable_json"
    if not json_keys(text) & set(CONTRACT_COLUMNS[source]):
        return "rejected", "no_contract_columns"
    return "loaded", None


def _classify_parquet(path: Path, source: str) -> tuple[str, str | None]:
    try:
        names = pq.ParquetFile(path).schema_arrow.names
        pq.ParquetFile(path).read()
    except (pa.ArrowException, OSError, ValueError):  # ArrowInvalid for bad footers/pages, OSError for bad reads
        return "rejected", "unreadable_parquet"
    if has_duplicates(names):
        return "rejected", "duplicate_columns"
    if not set(names) & set(CONTRACT_COLUMNS[source]):
        return "rejected", "no_contract_columns"
    return "loaded", None


def landed_record_count(path: Path, source: str) -> int:
    """How the corpus counts a file's records when bronze does not load it: Parquet rows; CSV non-blank lines
    after the header line; JSON array elements or non-blank lines."""
    data_format, compressed = file_format(path.name)
    if data_format == "parquet":
        return pq.ParquetFile(path).metadata.num_rows
    data = path.read_bytes()
    data = gzip.decompress(data) if compressed else data
    encoding = detect_encoding(data)
    text = data.decode("windows-1252" if encoding == "mixed" else encoding, errors="replace").removeprefix("\ufeff")
    if data_format == "json" and is_json_array(text):
        return len(parse_json(text))
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    body = lines[1:] if data_format == "csv" else lines
    return sum(1 for line in body if line.strip())
