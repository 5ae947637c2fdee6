"""Which landed entries bronze loads, sets aside or ignores, and how it reads each one it loads.

Every entry under `<source>/<YYYY-MM-DD>/` ends in exactly one place, recorded in the source's
file ledger (`bronze/<source>_files`):
  - ignored, by a naming rule (`IGNORE_RULES`): bookkeeping names, partial uploads, empty files;
  - rejected, with a reason code and a message saying what is wrong and what to do, when the file
    cannot be read as its format (the run goes on for every other file);
  - loaded, with how to read it: encoding, delimiter and header (CSV), array or lines (JSON),
    Spark or pyarrow (Parquet).
Deciding needs only a file's name, its first bytes and, for Parquet, its footer and pages, read
on the driver through a `ByteReader`; what needs a pass over every line (encodings, records) comes
from `apply_survey` with counts that Spark computed (transforms/bronze.survey_text_files).
No Spark and no Dagster here.
"""

import csv
import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from lakehouse_assets.contracts import CONTRACT_COLUMNS

LOADED, REJECTED, IGNORED = "loaded", "rejected", "ignored"

# Ignored, by exact rules (docs/layers.md, "Bronze"): names of bookkeeping files and of uploads in progress.
BOOKKEEPING_PREFIXES: tuple[str, ...] = (".", "_")
PARTIAL_SUFFIXES: tuple[str, ...] = (
    ".tmp",
    ".temp",
    ".part",
    ".partial",
    ".crdownload",
    ".filepart",
    ".download",
    "._copying_",
    "~",
)
TEXT_FORMATS: dict[str, str] = {".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
FORMAT_BY_EXTENSION: dict[str, str] = {**TEXT_FORMATS, ".parquet": "parquet"}
CSV_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")

# Bytes that say a "text" file is something else, and what to tell its producer.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip-compressed data; name it .csv.gz / .json.gz to have it decompressed"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook?); export it as CSV"),
    (b"PAR1", "a Parquet file; name it .parquet"),
    (b"%PDF", "a PDF document"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
HEAD_BYTES = 64 * 1024
_CHUNK = 4 * 1024 * 1024


def spark_file_uri(path: str) -> str:
    """How bronze's `_source_file` names a file: `file:/abs/path` for a local path; URIs pass through."""
    return path if "://" in path else "file:" + path


class ByteReader:
    """How planning reads a landed object: `read_range(key, start, length)`; keys relative to the root."""

    def __init__(self, read_range: Callable[[str, int, int], bytes]):
        self.read_range = read_range

    def chunks(self, key: str, size: int) -> Iterator[bytes]:
        for start in range(0, size, _CHUNK):
            yield self.read_range(key, start, min(_CHUNK, size - start))

    def read_all(self, key: str, size: int) -> bytes:
        return b"".join(self.chunks(key, size))


@dataclass
class LandedFile:
    """One entry of a drop and what bronze does with it."""

    key: str  # relative to the landing root: <source>/<YYYY-MM-DD>/<name>
    name: str  # relative to the day folder
    path: str  # what Spark reads
    uri: str  # how bronze's _source_file names it
    location: str  # as a person would type it (folder path or s3:// URI)
    source: str
    day: date
    size: int
    fingerprint: str
    outcome: str = LOADED
    reason: str | None = None
    message: str | None = None
    format: str | None = None
    gzip: bool = False
    encoding: str | None = None
    delimiter: str = ","
    header: tuple[str, ...] = ()
    multiline: bool = False  # CSV whose quoted fields span lines
    json_array: bool = False
    arrow: bool = False  # Parquet read through pyarrow (types Spark cannot read)
    records: int | None = None
    columns: tuple[str, ...] = ()
    blank_first_line: bool = False  # a CSV whose first line (where the header belongs) is blank
    head: bytes = b""  # a CSV's first bytes, to re-read its header once its encoding is known

    def reject(self, reason: str, problem: str, fix: str) -> "LandedFile":
        self.outcome, self.reason = REJECTED, reason
        self.message = f"{self.location}: {problem}. {fix}"
        return self

    def ignore(self, reason: str, why: str) -> "LandedFile":
        self.outcome, self.reason, self.message = IGNORED, reason, f"{self.location}: {why}"
        return self


def classify_name(entry: LandedFile, problem: str | None) -> LandedFile:
    """Decides what the name (and the listing) alone can decide; sets `format` for candidates."""
    parts = PurePosixPath(entry.name).parts
    name = parts[-1]
    lowered = name.lower()
    if any(part.startswith(BOOKKEEPING_PREFIXES) for part in parts):
        return entry.ignore("bookkeeping_name", "names starting with '.' or '_' are bookkeeping, not data")
    if lowered.endswith(PARTIAL_SUFFIXES):
        return entry.ignore(
            "partial_upload", f"an upload in progress (name ends with one of {', '.join(PARTIAL_SUFFIXES)})"
        )
    if problem:
        return entry.reject("not_a_file", problem, "Land regular files only")
    if entry.size == 0:
        return entry.ignore("empty_file", "zero bytes, no records")
    if len(parts) > 1:
        return entry.reject(
            "in_subfolder",
            f"in a folder below the day folder ({'/'.join(parts[:-1])}/)",
            "Bronze reads files directly inside <source>/<YYYY-MM-DD>/; move the file up one level, then "
            "re-materialize the day",
        )
    suffix = PurePosixPath(lowered[:-3] if lowered.endswith(".gz") else lowered).suffix
    entry.gzip = lowered.endswith(".gz")
    entry.format = TEXT_FORMATS.get(suffix) if entry.gzip else FORMAT_BY_EXTENSION.get(suffix)
    if entry.format is None:
        shown = PurePosixPath(lowered).suffix or "(none)"
        return entry.reject(
            "unsupported_type",
            f"type '{shown}' is not a landing format",
            f"Bronze reads {', '.join(sorted(FORMAT_BY_EXTENSION))} (and .gz of the text ones); convert "
            f"or rename it, then re-materialize the day",
        )
    return entry


# --- text files ---------------------------------------------------------------------------------
def _head(entry: LandedFile, reader: ByteReader) -> bytes | None:
    raw = reader.read_range(entry.key, 0, min(entry.size, HEAD_BYTES))
    if not entry.gzip:
        return raw
    if not raw.startswith(b"\x1f\x8b"):
        entry.reject(
            "compressed_unreadable", "named .gz but not gzip data", "Re-compress it with gzip or drop the .gz suffix"
        )
        return None
    # The whole stream is checked now: a truncated archive would otherwise fail the Spark job.
    inflater, head = zlib.decompressobj(wbits=31), b""
    try:
        for chunk in reader.chunks(entry.key, entry.size):
            data = inflater.decompress(chunk)
            if len(head) < HEAD_BYTES:
                head += data[: HEAD_BYTES - len(head)]
        if not inflater.eof:
            raise zlib.error("the compressed stream ends early (truncated upload?)")
    except zlib.error as exc:
        entry.reject("compressed_unreadable", f"gzip data cannot be decompressed ({exc})", "Upload the file again")
        return None
    return head


def _first_line(text: str) -> str:
    for index, char in enumerate(text):
        if char in "\r\n":
            return text[:index]
    return text


def _detect_delimiter(line: str, contract: tuple[str, ...]) -> str:
    def known(delimiter: str) -> int:
        names = next(csv.reader([line], delimiter=delimiter), [])
        return sum(name.strip() in contract for name in names)

    return max(CSV_DELIMITERS, key=lambda d: (known(d), d == ","))


def _plan_csv_header(entry: LandedFile, text: str) -> None:
    contract = CONTRACT_COLUMNS[entry.source]
    line = _first_line(text)
    if not line.strip():
        entry.blank_first_line = True
        entry.reject(
            "no_contract_columns",
            "the first line (the header) is blank",
            "Put the header on the first line; bronze matches CSV columns by header name",
        )
        return
    entry.delimiter = _detect_delimiter(line, contract)
    try:
        header = next(csv.reader([line], delimiter=entry.delimiter, strict=True))
    except csv.Error as exc:
        entry.reject("bad_header", f"the header line cannot be parsed as CSV ({exc})", "Fix the header line")
        return
    names = tuple(name.strip() for name in header)
    folded: dict[str, str] = {}
    for name in names:
        if name.casefold() in folded:
            entry.reject(
                "duplicate_columns",
                f"columns '{folded[name.casefold()]}' and '{name}' have the same name",
                "Give every column its own name (names are compared ignoring case and spaces)",
            )
            return
        folded[name.casefold()] = name
    if not set(names) & set(contract):
        entry.reject(
            "no_contract_columns",
            f"its header ({_shorten(line)}) names none of the {entry.source} columns",
            f"Is it a {entry.source} file with a header? Bronze expects columns named {', '.join(contract)}",
        )
        return
    entry.header, entry.columns = tuple(header), names


def plan_text(entry: LandedFile, reader: ByteReader) -> LandedFile:
    """Binary content, byte-order marks, the CSV header; JSON arrays are read whole here."""
    head = _head(entry, reader)
    if head is None:
        return entry
    bom = next((encoding for mark, encoding in _BOMS if head.startswith(mark)), None)
    if bom in ("utf-16", "utf-32") and (entry.format == "json" or bom == "utf-32"):
        return entry.reject("unsupported_encoding", f"{bom.upper()} text (byte-order mark)", "Save it as UTF-8")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return entry.reject("binary_content", f"the bytes are {what}", "Land it under the right name or format")
    if bom != "utf-16" and b"\x00" in head:
        return entry.reject(
            "binary_content", "binary bytes (NUL) in a text file", "Land text files as UTF-8 or Windows-1252 text"
        )
    entry.encoding = bom or "utf-8"
    text = head.decode("utf-16" if bom == "utf-16" else "utf-8", errors="replace").lstrip("\ufeff")
    if entry.format == "csv":
        entry.head = head
        _plan_csv_header(entry, text)
    elif text.lstrip(" \t\r\n").startswith("["):
        entry.json_array = True
    return entry


# Rejections decided from a readable file's content: its records are still counted for the accounting.
CONTENT_REASONS: tuple[str, ...] = ("duplicate_columns", "no_contract_columns", "bad_header", "mixed_encoding")


def surveyed(entry: LandedFile) -> bool:
    """Whether the Spark survey reads the file's lines: text files not rejected for their bytes."""
    readable = entry.outcome == LOADED or entry.outcome == REJECTED and entry.reason in CONTENT_REASONS
    return readable and entry.format in ("csv", "json") and entry.encoding not in (None, "utf-16")


def apply_survey(entry: LandedFile, counts: dict | None, reader: ByteReader) -> LandedFile:
    """Encoding and record count from the survey's per-file line counts (None: nothing counted).

    counts: lines (non-empty), non_blank (lines with a character above U+0020), invalid_utf8,
    utf8_non_ascii, odd_quotes, nul, object_lines (lines that are a JSON object naming a contract key).
    """
    counts = counts or {}
    has_header = entry.format == "csv" and not entry.blank_first_line and counts.get("non_blank")
    line_records = counts.get("non_blank", 0) - (1 if has_header else 0)
    if entry.outcome == REJECTED and entry.reason in CONTENT_REASONS:
        entry.records = line_records if counts else None
        return entry
    if entry.outcome != LOADED:
        return entry
    if entry.encoding == "utf-16":
        return _read_in_python(entry, reader)
    if counts.get("nul"):
        return entry.reject(
            "binary_content",
            f"binary bytes (NUL) on {counts['nul']} line(s)",
            "Land text files as UTF-8 or Windows-1252 text",
        )
    entry.records = line_records
    if counts.get("invalid_utf8") and counts.get("utf8_non_ascii"):
        return entry.reject(
            "mixed_encoding",
            f"{counts['utf8_non_ascii']} line(s) are UTF-8 and {counts['invalid_utf8']} are not",
            "Re-export the file in one encoding (UTF-8)",
        )
    if counts.get("invalid_utf8"):
        # Not UTF-8 anywhere: Excel's "CSV (Comma delimited)" and most Windows tools write Windows-1252.
        entry.encoding = "windows-1252"
        if entry.format == "csv":  # its header names too ('Größe' was read as UTF-8 before this was known)
            _plan_csv_header(entry, decode(entry.head, "windows-1252"))
            if entry.outcome != LOADED:
                return entry
    if entry.json_array or (entry.format == "csv" and counts.get("odd_quotes")):
        return _read_in_python(entry, reader, line_records)
    if entry.format == "json" and not counts.get("object_lines"):
        return _no_contract_json(entry)
    return entry


def _no_contract_json(entry: LandedFile) -> LandedFile:
    contract = CONTRACT_COLUMNS[entry.source]
    return entry.reject(
        "no_contract_columns",
        f"none of its records is a JSON object with a {entry.source} key",
        f"Is it a {entry.source} file in JSON lines (one object per line) or one JSON array? Bronze "
        f"expects keys named {', '.join(contract)}",
    )


def _read_in_python(entry: LandedFile, reader: ByteReader, line_records: int = 0) -> LandedFile:
    """Files whose records may not be lines: JSON arrays, CSV with quoted line breaks, UTF-16.
    `line_records`: the survey's count, used when the file turns out to be read line by line."""
    if entry.format == "json":
        return _plan_json_array(entry, reader)
    with _text_stream(entry, reader) as text:
        multiline_records = _multiline_csv_records(text, entry.delimiter)
    if multiline_records is not None or entry.encoding == "utf-16":
        entry.multiline = True  # UTF-16 can only be read whole: its line breaks are two bytes
        if multiline_records is None:
            with _text_stream(entry, reader) as text:
                csv.field_size_limit(2**31 - 1)
                multiline_records = sum(1 for row in csv.reader(text, delimiter=entry.delimiter) if row) - 1
        entry.records = multiline_records
    else:
        entry.records = line_records
    return entry


def _text_stream(entry: LandedFile, reader: ByteReader) -> io.TextIOBase:
    """The file as text, read as it is consumed (ranged reads, gzip inflated on the way)."""
    raw: io.BufferedIOBase = io.BufferedReader(_RangeFile(reader, entry.key, entry.size), buffer_size=1 << 20)
    if entry.gzip:
        raw = gzip.GzipFile(fileobj=raw)
    # Structure (quotes, delimiters, line breaks) is ASCII in every encoding read here but UTF-16,
    # so Windows-1252 is scanned as Latin-1, which decodes any byte.
    encoding = {"utf-16": "utf-16", "windows-1252": "latin-1"}.get(entry.encoding or "", "utf-8-sig")
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def _plan_json_array(entry: LandedFile, reader: ByteReader) -> LandedFile:
    with _text_stream(entry, reader) as stream:
        text = stream.read().lstrip("\ufeff")
    if entry.encoding == "windows-1252":
        text = decode(text.encode("latin-1"), "windows-1252")
    try:
        elements = parse_json_array(text)
        [compact_json(element) for element in elements]  # deep nesting fails here, not in Spark
    except (ValueError, RecursionError) as exc:
        return entry.reject(
            "unreadable_json",
            f"starts with '[' but is not one JSON array ({exc})",
            "Land JSON lines (one object per line) or one complete JSON array",
        )
    entry.records = len(elements)
    entry.columns = tuple(dict.fromkeys(key for e in elements if isinstance(e, _Object) for key, _ in e))
    if not set(entry.columns) & set(CONTRACT_COLUMNS[entry.source]):
        return _no_contract_json(entry)
    return entry


def _multiline_csv_records(text: io.TextIOBase, delimiter: str) -> int | None:
    """The records of a CSV text whose quoted fields span lines, or None when one of those spanning
    records does not have the header's width: an unclosed quote, which would swallow every line
    after it, so Spark must read the file line by line. Stops reading at the first such record."""
    csv.field_size_limit(2**31 - 1)  # one field may hold the rest of a file; the width test decides
    rows = csv.reader(text, delimiter=delimiter)
    try:
        width, records = len(next(rows, [])), 0
        for row in rows:
            if len(row) != width and any("\n" in value or "\r" in value for value in row):
                return None
            records += bool(row)
    except csv.Error:
        return None
    return records


def decode(data: bytes, encoding: str) -> str:
    if encoding == "windows-1252":
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8D, ...) map one to one
            return data.decode("latin-1")
    return data.decode("utf-16" if encoding == "utf-16" else "utf-8")


# --- JSON, exactly as written -------------------------------------------------------------------
class _Number(str):
    """A JSON number kept as the text it was written as (832.30 stays 832.30)."""


class _Object(list):
    """A JSON object as its (key, value) pairs in order; `duplicated` names a repeated key."""

    duplicated: str | None = None


def _pairs(pairs: list) -> _Object:
    obj = _Object(pairs)
    if len({key for key, _ in pairs}) != len(pairs):  # rare: find which key repeats
        seen: set[str] = set()
        obj.duplicated = next(key for key, _ in pairs if key in seen or seen.add(key))
    return obj


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _loads(text: str):
    # A decoder per call, not one module-level instance: Spark ships these functions to its Python
    # workers by value (transforms/bronze.py), and a decoder holds an unpicklable C scanner.
    return json.loads(
        text, object_pairs_hook=_pairs, parse_float=_Number, parse_int=_Number, parse_constant=_no_constants
    )


def parse_json_array(text: str) -> list:
    value = _loads(text)
    if not isinstance(value, list) or isinstance(value, _Object):
        raise ValueError("the file is not a JSON array")
    return value


def _problem(value) -> str | None:
    if isinstance(value, _Object):
        if value.duplicated is not None:
            return f"duplicate key '{value.duplicated}'"
        return next((p for _, v in value if isinstance(v, list) and (p := _problem(v))), None)
    if isinstance(value, list):
        return next((p for v in value if isinstance(v, list) and (p := _problem(v))), None)
    return None


def compact_json(value) -> str:
    if isinstance(value, _Object):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + compact_json(v) for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(compact_json(v) for v in value) + "]"
    if isinstance(value, _Number):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_Object, list)):
        return compact_json(value)
    return str(value)


def json_record(value, contract: tuple[str, ...], raw: str) -> tuple:
    """(contract values..., _corrupt_record, _rescued_data) of one parsed JSON value."""
    if isinstance(value, _Object) and _problem(value) is None:
        record = dict(value)
        extras = {k: _as_text(v) for k, v in value if k not in contract}
        values = tuple(_as_text(record.get(name)) for name in contract)
        rescued = json.dumps(extras, ensure_ascii=False, separators=(",", ":")) if extras else None
        # A lone surrogate escape (\ud800) is valid JSON but not text Spark can store; it can only
        # come from a \u escape, so only lines with one are checked.
        if "\\u" not in raw or _encodable((*values, rescued)):
            return (*values, None, rescued)
    return (*([None] * len(contract)), raw, None)


def _encodable(texts) -> bool:
    try:
        for text in texts:
            if text is not None:
                text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def parse_json_line(line: str, contract: tuple[str, ...]) -> tuple:
    text = line.lstrip("\ufeff")
    try:
        return json_record(_loads(text), contract, text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack allows
        return (*([None] * len(contract)), text, None)


# --- Parquet ------------------------------------------------------------------------------------
class _RangeFile(io.RawIOBase):
    """A read-only, seekable file over ranged reads, so pyarrow reads a footer without the whole file."""

    def __init__(self, reader: ByteReader, key: str, size: int):
        self.reader, self.key, self.size, self.position = reader, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: 0, 1: self.position, 2: self.size}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        length = min(len(buffer), self.size - self.position)
        if length <= 0:
            return 0
        data = self.reader.read_range(self.key, self.position, length)
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def spark_reads_natively(arrow_type) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return spark_reads_natively(arrow_type.value_type)
    if pa.types.is_timestamp(arrow_type):
        return arrow_type.unit in ("ms", "us")
    if pa.types.is_decimal(arrow_type):
        return arrow_type.precision <= 38 and pa.types.is_decimal128(arrow_type)
    return (
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_boolean(arrow_type)
        or pa.types.is_floating(arrow_type)
        and not pa.types.is_float16(arrow_type)
        or pa.types.is_integer(arrow_type)
        and arrow_type != pa.uint64()
        or pa.types.is_date32(arrow_type)
    )


def plan_parquet(entry: LandedFile, reader: ByteReader) -> LandedFile:
    """Reads the footer and every page once with pyarrow: a corrupt file is rejected here instead
    of failing the Spark job that writes the whole slice."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BufferedReader(_RangeFile(reader, entry.key, entry.size), buffer_size=1 << 20))
        schema = parquet.schema_arrow
        rows = 0
        for group in range(parquet.num_row_groups):
            rows += parquet.read_row_group(group).num_rows
    except Exception as exc:  # pyarrow raises many types (ArrowInvalid, OSError, ...) for one meaning
        return entry.reject(
            "unreadable_parquet",
            f"not a readable Parquet file ({type(exc).__name__}: {_shorten(str(exc))})",
            "Upload the file again, or re-export it",
        )
    names = tuple(schema.names)
    entry.records = rows  # counted for the accounting even when the file is set aside below
    folded: dict[str, str] = {}
    for name in names:
        if name.strip().casefold() in folded:
            return entry.reject(
                "duplicate_columns",
                f"columns '{folded[name.strip().casefold()]}' and '{name}' have the same name",
                "Give every column its own name (names are compared ignoring case and spaces)",
            )
        folded[name.strip().casefold()] = name
    if not set(names) & set(CONTRACT_COLUMNS[entry.source]):
        return entry.reject(
            "no_contract_columns",
            f"its columns ({_shorten(', '.join(names))}) include none of the {entry.source} columns",
            f"Is it a {entry.source} file? Bronze expects columns named {', '.join(CONTRACT_COLUMNS[entry.source])}",
        )
    entry.columns = names
    entry.arrow = not all(spark_reads_natively(f.type) for f in schema)
    return entry


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plan_entry(entry: LandedFile, problem: str | None, reader: ByteReader) -> LandedFile:
    """Everything decided before the survey: name rules, bytes, headers, Parquet footers."""
    classify_name(entry, problem)
    if entry.outcome != LOADED:
        return entry
    if entry.format == "parquet":
        return plan_parquet(entry, reader)
    return plan_text(entry, reader)
