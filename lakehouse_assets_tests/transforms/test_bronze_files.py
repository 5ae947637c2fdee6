"""Bronze's per-file decisions without Spark: names, bytes, headers, and what the survey's counts decide.

The end-to-end outcomes of every kind of file are in test_hostile_landing.py; these pin the
decisions a reader of bronze_files.py most needs to trust, in milliseconds.
"""

import gzip
from datetime import date

import pytest

from lakehouse_assets.contracts import CONTRACT_COLUMNS
from lakehouse_assets.transforms.bronze_files import (
    IGNORED,
    LOADED,
    REJECTED,
    ByteReader,
    LandedFile,
    apply_survey,
    parse_json_line,
    plan_entry,
)

TX = CONTRACT_COLUMNS["transactions"]
HEADER = ",".join(TX)
CLEAN = {
    "lines": 2,
    "non_blank": 2,
    "invalid_utf8": 0,
    "utf8_non_ascii": 0,
    "odd_quotes": 0,
    "nul": 0,
    "object_lines": 0,
}


def planned(name: str, data: bytes, problem: str | None = None, counts: dict | None = None) -> LandedFile:
    entry = LandedFile(
        key=f"transactions/2024-01-01/{name}",
        name=name,
        path=f"/l/{name}",
        uri=f"file:/l/{name}",
        location=f"/l/{name}",
        source="transactions",
        day=date(2024, 1, 1),
        size=len(data),
        fingerprint="",
    )
    reader = ByteReader(lambda key, start, length: data[start : start + length])
    entry = plan_entry(entry, problem, reader)
    return apply_survey(entry, counts, reader) if entry.format in ("csv", "json") else entry


@pytest.mark.parametrize(
    ("name", "outcome", "reason"),
    [
        ("_manifest.json", IGNORED, "bookkeeping_name"),
        (".DS_Store", IGNORED, "bookkeeping_name"),
        ("orders.csv.part", IGNORED, "partial_upload"),
        ("orders.csv._COPYING_", IGNORED, "partial_upload"),
        ("orders.csv~", IGNORED, "partial_upload"),
        ("partner-feed.csv", LOADED, None),  # '.part' inside a name is not an upload suffix
        ("orders_tmp.csv", LOADED, None),
        ("ORDERS.CSV", LOADED, None),
        ("out.csv/part-0000.csv", REJECTED, "in_subfolder"),
        ("out.csv/_SUCCESS", IGNORED, "bookkeeping_name"),
        ("orders.xlsx", REJECTED, "unsupported_type"),
        ("orders", REJECTED, "unsupported_type"),
    ],
)
def test_names_decide_first(name, outcome, reason):
    file = planned(
        name, (HEADER + "\nT1,C1,P1,1,1,USD,cash,store,completed,2024-01-01T00:00:00Z\n").encode(), counts=CLEAN
    )
    assert (file.outcome, file.reason) == (outcome, reason)
    if outcome != LOADED:
        assert file.message.startswith(f"/l/{name}: ")


def test_an_empty_file_is_ignored_and_a_broken_link_rejected_with_why():
    assert (planned("a.csv", b"").outcome, planned("a.csv", b"").reason) == (IGNORED, "empty_file")
    link = planned("a.csv", b"", problem="a symbolic link to /gone, which does not exist")
    assert (link.outcome, link.reason) == (REJECTED, "not_a_file") and "/gone" in link.message


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.csv", gzip.compress(HEADER.encode()), "binary_content"),
        ("a.csv", b"PK\x03\x04rest-of-a-workbook", "binary_content"),
        ("a.json", b"%PDF-1.7", "binary_content"),
        ("a.csv.gz", gzip.compress(HEADER.encode() * 50)[:-10], "compressed_unreadable"),
        ("a.json", b"\xff\xfe{\x00}\x00", "unsupported_encoding"),
        ("a.csv", (HEADER + ",Transaction_ID\n").encode(), "duplicate_columns"),
        ("a.csv", b"\nT1,C1\n", "no_contract_columns"),
        ("a.csv", b"id;name\n1;x\n", "no_contract_columns"),
    ],
)
def test_bytes_and_headers_that_set_a_file_aside(name, data, reason):
    file = planned(name, data, counts=CLEAN)
    assert (file.outcome, file.reason) == (REJECTED, reason)


def test_the_delimiter_is_detected_from_the_header():
    file = planned("eu.csv", HEADER.replace(",", ";").encode() + b"\n", counts=CLEAN)
    assert (file.outcome, file.delimiter, file.columns) == (LOADED, ";", TX)


def test_a_windows_1252_file_is_decoded_as_such_header_included():
    data = (HEADER + ",Größe\nT1,C1,P1,1,1,USD,cash,store,completed,2024-01-01T00:00:00Z,groß\n").encode("cp1252")
    file = planned("excel.csv", data, counts={**CLEAN, "invalid_utf8": 2})
    assert (file.outcome, file.encoding, file.columns[-1]) == (LOADED, "windows-1252", "Größe")
    mixed = planned("mixed.csv", data, counts={**CLEAN, "invalid_utf8": 1, "utf8_non_ascii": 1})
    assert (mixed.outcome, mixed.reason, mixed.records) == (REJECTED, "mixed_encoding", 1)


def test_quoted_line_breaks_read_whole_unless_a_quote_is_left_open():
    row = 'T1,C1,P1,1,1,USD,cash,store,"com\npleted",2024-01-01T00:00:00Z\n'
    whole = planned(
        "a.csv", (HEADER + "\n" + row).encode(), counts={**CLEAN, "lines": 3, "non_blank": 3, "odd_quotes": 2}
    )
    assert (whole.multiline, whole.records) == (True, 1)
    unclosed = 'T1,C1,"P1\nT2,C2,P2,1,1,USD,cash,store,completed,2024-01-01T00:00:00Z\n'
    lines = planned(
        "b.csv", (HEADER + "\n" + unclosed).encode(), counts={**CLEAN, "lines": 3, "non_blank": 3, "odd_quotes": 1}
    )
    assert (lines.multiline, lines.records) == (False, 2)


def test_json_keeps_numbers_as_written_and_makes_anything_else_one_corrupt_record():
    values = parse_json_line('{"transaction_id": "T1", "unit_price": 832.30, "quantity": 1e3, "extra": -0}', TX)
    assert (values[0], values[3], values[4], values[-2], values[-1]) == ("T1", "1e3", "832.30", None, '{"extra":"-0"}')
    for line in (
        '{"transaction_id": "T1", "transaction_id": "T2"}',
        '{"transaction_id": "T1"} x',
        '{"transaction_id": "T1"}{"transaction_id": "T2"}',
        "[1]",
        "{'transaction_id': 'T1'}",
        '{"unit_price": NaN}',
        "[" * 100_000,
    ):
        assert parse_json_line(line, TX)[-2:] == (line, None), line
    json_file = planned("events.jsonl", b'{"event": "click"}\n', counts={**CLEAN, "non_blank": 1, "object_lines": 0})
    assert (json_file.outcome, json_file.reason, json_file.records) == (REJECTED, "no_contract_columns", 1)
