"""The reference reading, pinned on the values that matter: what bronze must hold, character for character."""

import gzip
from pathlib import Path

import pytest

from lakehouse_assets_tests.corpus.hostile import land_corpus
from lakehouse_assets_tests.corpus.outcomes import classify_entry, detect_delimiter, detect_encoding
from lakehouse_assets_tests.corpus.reference import expected_records

DAY = "2024-01-31"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    files = {file.kind: file for file in land_corpus(root, DAY)}

    def records(kind: str) -> list[dict]:
        return expected_records(files[kind].path(root, DAY), files[kind])

    return records


def values(records: list[dict], column: str) -> list:
    return [record.get(column) for record in records]


def test_json_numbers_are_kept_as_written(corpus):
    records = corpus("jsonl_number_spellings")
    assert values(records, "unit_price") == ["832.30", "0.10", "-0", "1e3", "5.00", "1.00", "1.00"]
    assert values(records, "quantity") == ["2", "1", "3", "1", "1E+2", "12345678901234567890", "-0"]


def test_rfc4180_quoting(corpus):
    assert values(corpus("csv_quoted_specials"), "name") == ["Desk, oak", 'Monitor 24" "Pro"', "Chair\nwith armrests"]
    assert values(corpus("csv_quoted_specials"), "brand") == ["Acme, Inc.", "Acme", 'Sit "Well"']
    assert values(corpus("csv_excel_crlf_cell_newline"), "name") == ["Standing desk\nOak top", "Lamp"]
    assert len(corpus("csv_long_field_100kb")[0]["name"]) == 100_000


def test_backslash_is_an_ordinary_character(corpus):
    records = corpus("csv_backslashes")
    assert values(records, "first_name") == ["Ann\\", "Ann"]
    assert values(records, "last_name") == ['Lee\\"Jr', "O\\'Brien"]
    assert values(records, "city") == ["C:\\Temp\\new", "\\\\server\\share"]


@pytest.mark.parametrize(
    "kind", ["csv_excel_mac_cr", "csv_excel_utf8_bom_crlf", "jsonl_crlf", "csv_excel_unicode_text_tab"]
)
def test_line_terminators_never_leak_into_values(corpus, kind):
    for record in corpus(kind):
        assert record["transaction_ts"] == f"{DAY}T12:00:00Z"
        assert record["transaction_id"].startswith(f"T{DAY.replace('-', '')}-")


def test_encodings_decode_to_the_intended_text(corpus):
    assert values(corpus("csv_excel_utf16le_bom"), "first_name") == ["Jürgen", "Zoë"]
    assert values(corpus("csv_excel_windows_1252"), "name") == ["Crème brûlée set", "Señor café tin"]
    assert values(corpus("csv_excel_windows_1252"), "unit_price") == ["€12.50", "€3.99"]
    assert values(corpus("jsonl_windows_1252"), "first_name") == ["José", "François"]
    unicode = corpus("jsonl_unicode_escapes")
    assert values(unicode, "first_name") == ["Renée", "Søren"]
    assert unicode[0]["last_name"] == "Smile \U0001f600"
    assert unicode[0]["email"] == f"c-{DAY.replace('-', '')}-uni-1@example.com"
    assert unicode[0]["city"] == "Foo\u2028Bar"


def test_corrupt_csv_records_carry_their_raw_line(corpus):
    truncated = corpus("csv_truncated_mid_record")[-1]
    assert truncated == {
        "_corrupt_record": f"T{DAY.replace('-', '')}-CSV_TRUNCATED_MID_RECORD-3,C-{DAY.replace('-', '')}"
        f"-3,P-{DAY.replace('-', '')}-3,2,10"
    }
    thousands = corpus("csv_unquoted_thousands")[1]
    assert set(thousands) == {"_corrupt_record"} and ",1,234.50," in thousands["_corrupt_record"]


def test_a_second_bom_is_data(corpus):
    assert corpus("csv_concatenated_exports")[2]["transaction_id"] == "\ufefftransaction_id"
    assert corpus("jsonl_concatenated_boms")[1]["_corrupt_record"] is None  # a BOM starting a JSON line is stripped


def test_empty_fields_are_null_and_markers_are_text(corpus):
    markers = corpus("csv_null_markers")
    assert [markers[0]["channel"], markers[1]["status"], markers[2]["unit_price"], markers[3]["currency"]] == [
        "NULL",
        "\\N",
        "NaN",
        "N/A",
    ]
    assert values(corpus("csv_pandas_nan_int_as_float"), "quantity") == ["2.0", None, "3.0"]
    sampler = corpus("csv_erp_rule_sampler")
    assert sampler[0]["transaction_id"] is None and sampler[14]["channel"] == "   "
    assert values(corpus("csv_r_write_csv"), "channel") == ["online", "NA", "online"]
    assert values(corpus("csv_missing_column"), "channel") == [None, None]


def test_headers_are_matched_by_trimmed_name(corpus):
    assert values(corpus("csv_header_padded"), "quantity") == ["2", "2"]
    assert values(corpus("csv_header_reordered"), "transaction_ts") == [f"{DAY}T12:00:00Z"] * 2
    assert values(corpus("csv_pandas_index"), "transaction_id")[0].endswith("CSV_PANDAS_INDEX-1")
    assert values(corpus("csv_excel_eu_semicolon_decimal_comma"), "unit_price") == ["12,50", "7,00", "100"]
    assert corpus("csv_ids_hostile_chars")[0]["transaction_id"].endswith("\tA")


def test_json_shapes(corpus):
    nested = corpus("json_pandas_columns_oneline")[0]
    assert nested["unit_price"] == '{"0":100.0,"1":100.0}'
    assert nested["quantity"] == '{"0":2,"1":2}'
    assert values(corpus("json_array_non_objects"), "_corrupt_record") == [None, "42", '"text"', "null", "[1,2]"]
    assert values(corpus("jsonl_array_and_scalar_lines"), "_corrupt_record")[2:] == ["42", '"text"', "null"]
    assert values(corpus("jsonl_typed_products"), "is_active") == ["true", "false"]
    assert values(corpus("jsonl_typed_products"), "unit_cost") == ["60", "60"]
    assert values(corpus("json_pandas_epoch_ms"), "transaction_ts") == ["1706702400000"] * 2
    assert values(corpus("jsonl_null_and_missing"), "status") == ["completed", None, "completed"]
    assert len(corpus("jsonl_whitespace_lines")) == 2
    assert len(corpus("json_pandas_records_pretty")) == 2


def test_delimiter_detection():
    assert detect_delimiter("transaction_id;customer_id;product_id,x", "transactions") == ";"
    assert detect_delimiter("transaction_id;customer_id,product_id", "transactions") == ","  # 1-1 tie
    assert detect_delimiter("transaction_id", "transactions") == ","
    assert detect_delimiter("a|b", "transactions") == ","
    assert detect_delimiter('"transaction_id"\t"status"', "transactions") == "\t"


def test_encoding_detection():
    assert detect_encoding("José\n".encode()) == "utf-8"
    assert detect_encoding("José\n".encode("windows-1252")) == "windows-1252"
    assert detect_encoding("José\n".encode() + "Müller\n".encode("windows-1252")) == "mixed"
    assert detect_encoding("\ufeffa".encode("utf-16-le")) == "utf-16"


@pytest.mark.parametrize(
    "name,outcome",
    [
        ("partner-feed.csv", ("loaded", None)),
        ("orders_tmp.csv", ("loaded", None)),
        ("part-00000.csv", ("loaded", None)),
        ("x.CSV.Part", ("ignored", "partial_upload")),
        ("x.csv~", ("ignored", "partial_upload")),
        ("sub/x.csv", ("rejected", "in_subfolder")),
        ("_sub/x.csv", ("ignored", "bookkeeping_name")),
        ("x.csv.zip", ("rejected", "unsupported_type")),
        ("x.Jsonl.GZ", ("loaded", None)),
    ],
)
def test_name_rules(tmp_path: Path, name, outcome):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = b"transaction_id,status\nT1,completed\n" if "json" not in name.lower() else b'{"status": "completed"}\n'
    path.write_bytes(gzip.compress(text, mtime=0) if name.lower().endswith(".gz") else text)
    assert classify_entry(tmp_path, name, "transactions") == outcome
