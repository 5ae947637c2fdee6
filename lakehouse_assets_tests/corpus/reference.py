"""An independent, pure-Python reading of a loaded CSV/JSON landing file: the values bronze must hold.

Each record is `{contract column: str | None, ..., "_corrupt_record": str | None}`. A CSV record
whose field count differs from the header's carries only `_corrupt_record` (its raw text): bronze
may fill the contract columns as best it can, and the comparison skips keys that are absent.
Encoding and delimiter are the ones the CorpusFile declares; `outcomes` checks those declarations.
"""

import csv
import gzip
import json
import re
from pathlib import Path

from lakehouse_assets.contracts import CONTRACT_COLUMNS, CORRUPT_RECORD_COLUMN
from lakehouse_assets_tests.corpus.model import CorpusFile

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TERMINATOR = re.compile(r"(\r\n|\r|\n)$")


def read_text(path: Path, encoding: str) -> str:
    """The file's text: gunzipped when named .gz, decoded, a leading BOM removed."""
    data = Path(path).read_bytes()
    if path.name.lower().endswith(".gz"):
        data = gzip.decompress(data)
    text = data.decode(encoding)
    return text.removeprefix("\ufeff")


def expected_records(path: Path, file: CorpusFile) -> list[dict]:
    text = read_text(Path(path), file.encoding)
    if file.format == "csv":
        return csv_records(text, file.source, file.delimiter)
    if file.format == "json":
        return json_records(text, file.source)
    raise ValueError(f"{file.kind}: expected_records reads CSV and JSON files only, not {file.name}")


# --- CSV ---------------------------------------------------------------------------------------


def _physical_lines(text: str):
    """Lines with their terminators, split only at CR, LF and CRLF."""
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[start : match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]


def csv_rows_with_raw(text: str, delimiter: str):
    """(fields, raw record text without its final terminator) per CSV record, blank lines skipped."""
    consumed: list[str] = []

    def feed():
        for physical in _physical_lines(text):
            consumed.append(physical)
            yield physical

    reader = csv.reader(
        feed(),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        escapechar=None,
        skipinitialspace=False,
        strict=False,
    )
    for fields in reader:
        raw = _TERMINATOR.sub("", "".join(consumed))
        consumed.clear()
        if fields:
            yield fields, raw


def header_names(fields: list[str]) -> list[str]:
    return [name.removeprefix("\ufeff").strip() for name in fields]


def csv_records(text: str, source: str, delimiter: str) -> list[dict]:
    rows = csv_rows_with_raw(text, delimiter)
    first = next(rows, None)
    if first is None:
        return []
    header = header_names(first[0])
    position = {name: index for index, name in enumerate(header) if name in CONTRACT_COLUMNS[source]}
    records = []
    for fields, raw in rows:
        if len(fields) != len(header):
            records.append({CORRUPT_RECORD_COLUMN: raw})
            continue
        record = {column: None for column in CONTRACT_COLUMNS[source]}
        for column, index in position.items():
            record[column] = fields[index] or None
        records.append({**record, CORRUPT_RECORD_COLUMN: None})
    return records


# --- JSON --------------------------------------------------------------------------------------


class RawNumber(str):
    """A JSON number kept as the text it was written as."""


class NotARecord(ValueError):
    pass


def _reject_constant(name: str):
    raise NotARecord(f"{name} is not JSON")


def _unique_keys(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise NotARecord("duplicate key")
    return dict(pairs)


def parse_json(text: str):
    """Strict RFC 8259: no NaN/Infinity, no duplicate keys, no trailing data; numbers stay text."""
    return json.loads(
        text,
        object_pairs_hook=_unique_keys,
        parse_float=RawNumber,
        parse_int=RawNumber,
        parse_constant=_reject_constant,
    )


def compact(value) -> str:
    """Compact JSON text of a parsed value, numbers as written."""
    if isinstance(value, RawNumber):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + compact(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(compact(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def json_text_value(value) -> str | None:
    if value is None:
        return None
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):  # RawNumber included: the literal as written
        return str(value)
    return compact(value)


def _record(obj: dict, source: str) -> dict:
    return {
        **{column: json_text_value(obj.get(column)) for column in CONTRACT_COLUMNS[source]},
        CORRUPT_RECORD_COLUMN: None,
    }


def _corrupt(text: str, source: str) -> dict:
    return {**{column: None for column in CONTRACT_COLUMNS[source]}, CORRUPT_RECORD_COLUMN: text}


def is_json_array(text: str) -> bool:
    return text.lstrip().startswith("[")


def json_records(text: str, source: str) -> list[dict]:
    if is_json_array(text):
        elements = parse_json(text)
        return [_record(e, source) if isinstance(e, dict) else _corrupt(compact(e), source) for e in elements]
    records = []
    for line in _LINE_BREAK.split(text):
        if not line.strip():
            continue
        # A BOM starting any line is the start of a file joined with `cat`: not data (RFC 8259 lets
        # a parser ignore it), stripped like the one at the file start.
        line = line.removeprefix("\ufeff")
        try:
            obj = parse_json(line)
        except ValueError:
            obj = None
        records.append(_record(obj, source) if isinstance(obj, dict) else _corrupt(line, source))
    return records


def json_keys(text: str) -> set[str]:
    """Every key any record of a JSON file carries (corrupt lines carry none)."""
    if is_json_array(text):
        return {key for element in parse_json(text) if isinstance(element, dict) for key in element}
    keys: set[str] = set()
    for line in _LINE_BREAK.split(text):
        try:
            obj = parse_json(line) if line.strip() else None
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            keys.update(obj)
    return keys
