"""Part writers for the three landing formats, plus the drop manifest.

Every file is written under a hidden temporary name in its final folder and renamed when complete,
so a sensor listing the folder never sees a half-written part under its real name. Output is a pure
function of the rows written: no timestamps, fixed row-group sizes, fixed key order.
"""

import csv
import io
import json
import os
import random
import re
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse_assets.contracts import MANIFEST_FILE_NAME

Row = dict[str, str | None]
# Columns a JSON producer would naturally emit as numbers/booleans; dirty values stay strings.
TYPED_JSON_COLUMNS = frozenset({"quantity", "unit_price", "unit_cost", "is_active"})
_JSON_SCALAR = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?|true|false")


@dataclass
class ChunkOut:
    """One chunk's physical records: rows (duplicates appended), then malformed raw lines."""

    columns: dict[str, list[str | None]]
    raw_lines: list[str] = field(default_factory=list)
    extra_keys: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return len(next(iter(self.columns.values()))) + len(self.raw_lines)


def part_file_name(source: str, day_text: str, part: int, fmt: str) -> str:
    return f"{source}-{day_text}-part-{part:05d}.{fmt}"


def temp_path(final: Path) -> Path:
    return final.with_name(f".{final.name}.tmp")


class PartWriter:
    """Writes one part to its temp path; `close` publishes it, `discard` removes it."""

    fmt = ""

    def __init__(self, final: Path, columns: tuple[str, ...]):
        self.final = final
        self.temp = temp_path(final)
        self.columns = columns
        self.records = 0

    def write(self, chunk: ChunkOut) -> None:
        self._write(chunk)
        self.records += chunk.records

    def close(self) -> None:
        self._close()
        os.replace(self.temp, self.final)

    def discard(self) -> None:
        self._close()
        self.temp.unlink(missing_ok=True)

    def _write(self, chunk: ChunkOut) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError


class CsvPartWriter(PartWriter):
    fmt = "csv"

    def __init__(self, final: Path, columns: tuple[str, ...]):
        super().__init__(final, columns)
        self._file = open(self.temp, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(columns)

    def _write(self, chunk: ChunkOut) -> None:
        self._csv.writerows(zip(*(chunk.columns[name] for name in self.columns), strict=True))
        for line in chunk.raw_lines:
            self._file.write(line + "\n")

    def _close(self) -> None:
        self._file.close()


class JsonPartWriter(PartWriter):
    fmt = "json"

    def __init__(self, final: Path, columns: tuple[str, ...]):
        super().__init__(final, columns)
        self._file = open(self.temp, "w", encoding="utf-8", newline="")
        self._template = "{" + ",".join(f"{encode_basestring(c)}:%s" for c in columns) + "}"

    def _write(self, chunk: ChunkOut) -> None:
        tokens = [_json_tokens(chunk.columns[name], name in TYPED_JSON_COLUMNS) for name in self.columns]
        lines = [self._template % values for values in zip(*tokens, strict=True)]
        for index, (key, value) in chunk.extra_keys.items():
            lines[index] = f"{lines[index][:-1]},{encode_basestring(key)}:{encode_basestring(value)}}}"
        lines.extend(chunk.raw_lines)
        if lines:
            self._file.write("\n".join(lines) + "\n")

    def _close(self) -> None:
        self._file.close()


class ParquetPartWriter(PartWriter):
    fmt = "parquet"

    def __init__(self, final: Path, columns: tuple[str, ...]):
        super().__init__(final, columns)
        # Raw drops carry text: every column is a nullable string, whatever it holds.
        self._schema = pa.schema([pa.field(name, pa.string()) for name in columns])
        self._writer = pq.ParquetWriter(self.temp, self._schema, compression="snappy")

    def _write(self, chunk: ChunkOut) -> None:
        table = pa.table({name: pa.array(chunk.columns[name], pa.string()) for name in self.columns})
        if table.num_rows:
            # One row group per chunk: chunk sizes follow from the config, so the bytes do too.
            self._writer.write_table(table, row_group_size=table.num_rows)

    def _close(self) -> None:
        self._writer.close()


WRITERS: dict[str, type[PartWriter]] = {
    "csv": CsvPartWriter,
    "json": JsonPartWriter,
    "parquet": ParquetPartWriter,
}


def json_line(columns: tuple[str, ...], row: Row) -> str:
    tokens = (_json_token(row[name], name in TYPED_JSON_COLUMNS) for name in columns)
    pairs = (f"{encode_basestring(name)}:{token}" for name, token in zip(columns, tokens, strict=True))
    return "{" + ",".join(pairs) + "}"


def csv_line(values: list[str | None]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


def malformed_line(fmt: str, columns: tuple[str, ...], row: Row, rand: random.Random) -> str:
    """A single physical line that no reader can take for a contract record."""
    values = [row[name] for name in columns]
    if fmt == "json":
        text = json_line(columns, row)
        if rand.random() < 0.5:
            return text[: rand.randint(1, len(text) - 1)]  # a proper prefix never closes the object
        return repr({name: value for name, value in zip(columns, values, strict=True)})  # Python repr, not JSON
    kept = rand.randint(2, len(columns) - 2)
    if rand.random() < 0.5:
        return csv_line(values[:kept])  # too few fields
    unterminated = (values[kept] or "x").replace('"', "")
    return csv_line(values[:kept]) + ',"' + unterminated[: max(1, len(unterminated) // 2)]


def write_manifest(folder: Path, manifest: dict) -> Path:
    final = folder / MANIFEST_FILE_NAME
    temp = temp_path(final)
    temp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, final)
    return final


def _json_token(value: str | None, typed: bool) -> str:
    if value is None:
        return "null"
    if typed and _JSON_SCALAR.fullmatch(value):
        return value
    return encode_basestring(value)


def _json_tokens(values: list[str | None], typed: bool) -> list[str]:
    # Most columns repeat few distinct values per chunk; memoising keeps 10M-row days fast.
    memo: dict[str | None, str] = {}
    return [memo[v] if v in memo else memo.setdefault(v, _json_token(v, typed)) for v in values]
