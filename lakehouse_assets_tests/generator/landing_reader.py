"""Reads generated drops back with plain csv/json/pyarrow, independently of the generator's writers.

A line that does not parse as exactly one contract record (wrong field count, broken quoting,
invalid JSON, a non-object, missing contract keys) is returned as malformed, the way a permissive
line-by-line reader such as Spark's would flag it.
"""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from lakehouse_assets.contracts import CONTRACT_COLUMNS, MANIFEST_FILE_NAME


@dataclass
class Part:
    name: str
    fmt: str
    rows: list[dict] = field(default_factory=list)  # contract columns only, values str | None
    extra_keys: list[frozenset] = field(default_factory=list)  # per row: keys outside the contract
    malformed: list[str] = field(default_factory=list)

    @property
    def records(self) -> int:
        return len(self.rows) + len(self.malformed)


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_FILE_NAME).read_text(encoding="utf-8"))


def data_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.name != MANIFEST_FILE_NAME)


def read_part(path: Path, source: str) -> Part:
    fmt = path.suffix[1:]
    part = Part(name=path.name, fmt=fmt)
    columns = CONTRACT_COLUMNS[source]
    if fmt == "parquet":
        table = pq.read_table(path)
        assert tuple(table.column_names) == columns
        for row in table.to_pylist():
            _add_row(part, row, frozenset())
        return part
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), f"{path.name} does not end with a newline"
    lines = text.split("\n")[:-1]
    if fmt == "csv":
        assert tuple(next(csv.reader([lines[0]]))) == columns
        lines = lines[1:]
    for line in lines:
        assert "\r" not in line
        parse = _csv_record if fmt == "csv" else _json_record
        parsed = parse(line, columns)
        if parsed is None:
            part.malformed.append(line)
        else:
            _add_row(part, *parsed)
    return part


def _add_row(part: Part, row: dict, extra: frozenset) -> None:
    part.rows.append(row)
    part.extra_keys.append(extra)


def _csv_record(line: str, columns: tuple[str, ...]) -> tuple[dict, frozenset] | None:
    try:
        fields = next(csv.reader([line], strict=True))
    except csv.Error:
        return None
    if len(fields) != len(columns):
        return None
    return {name: (value if value != "" else None) for name, value in zip(columns, fields, strict=True)}, frozenset()


def _json_record(line: str, columns: tuple[str, ...]) -> tuple[dict, frozenset] | None:
    try:
        record = json.loads(line, parse_int=str, parse_float=str)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict) or not set(columns) <= set(record):
        return None
    row = {name: _json_text(record[name]) for name in columns}
    return row, frozenset(set(record) - set(columns))


def _json_text(value) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    assert value is None or isinstance(value, str), f"unexpected JSON value {value!r}"
    return value
