"""JSON as pandas, PowerShell, APIs and hand-made scripts write it: lines, arrays, and what is neither."""

import json

import pandas as pd

from lakehouse_assets_tests.corpus.model import DayLanding, loaded, multi_rule, rejected, typed_frame

T, C, P = "transactions", "customers", "products"


def line(record: dict, **dumps) -> str:
    return json.dumps(record, **dumps)


def lines(records, newline: str = "\n") -> str:
    return "".join(line(record) + newline for record in records)


def non_blank_lines(text: str) -> int:
    return sum(1 for text_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if text_line.strip())


def pandas_outputs(land: DayLanding):
    files = []
    kind = "json_pandas_records_array"
    land.write(T, "pandas-records.json", typed_frame(land.txs(kind, 2)).to_json(orient="records"))
    files.append(
        loaded(
            T,
            "pandas-records.json",
            kind,
            "pandas to_json(orient='records'): one line holding one JSON array; numbers bare (unit_price 100.0)",
            2,
            silver=2,
        )
    )
    kind = "json_pandas_records_lines"
    land.write(T, "pandas-lines.jsonl", typed_frame(land.txs(kind, 2)).to_json(orient="records", lines=True))
    files.append(loaded(T, "pandas-lines.jsonl", kind, "pandas to_json(orient='records', lines=True)", 2, silver=2))
    kind = "json_pandas_records_pretty"
    land.write(T, "pandas-pretty.json", typed_frame(land.txs(kind, 2)).to_json(orient="records", indent=2))
    files.append(
        loaded(
            T,
            "pandas-pretty.json",
            kind,
            "pandas to_json(orient='records', indent=2): a pretty-printed array spread over many lines",
            2,
            silver=2,
        )
    )
    kind = "json_pandas_columns_oneline"
    land.write(T, "pandas-columns.json", typed_frame(land.txs(kind, 2)).to_json())
    every_value_nested = multi_rule(
        "transaction_id_well_formed",
        "customer_id_well_formed",
        "customer_known",
        "product_id_well_formed",
        "product_known",
        "quantity_is_integer",
        "unit_price_is_amount",
        "currency_allowed",
        "payment_method_allowed",
        "channel_allowed",
        "status_allowed",
        "transaction_ts_is_timestamp",
    )
    files.append(
        loaded(
            T,
            "pandas-columns.json",
            kind,
            "pandas to_json() with the default orient='columns': one line "
            "that is ONE valid object whose contract keys hold nested {'0':..,'1':..} objects -> one "
            "record of compact JSON text failing every value rule",
            1,
            silver=0,
            quarantined={every_value_nested: 1},
        )
    )
    kind = "json_pandas_columns_pretty"
    text = typed_frame(land.txs(kind, 2)).to_json(indent=2)
    land.write(T, "pandas-columns-pretty.json", text)
    files.append(
        rejected(
            T,
            "pandas-columns-pretty.json",
            kind,
            "pandas to_json(indent=2), orient='columns': starts "
            "with '{' so it is read as JSON lines, every line is a fragment (corrupt), so the file "
            "carries no contract key",
            "no_contract_columns",
            landed_records=non_blank_lines(text),
        )
    )
    kind = "json_pandas_epoch_ms"
    frame = typed_frame(land.txs(kind, 2))
    frame["transaction_ts"] = pd.to_datetime(frame["transaction_ts"], utc=True)
    land.write(T, "pandas-epoch.jsonl", frame.to_json(orient="records", lines=True))
    files.append(
        loaded(
            T,
            "pandas-epoch.jsonl",
            kind,
            "pandas to_json of a datetime column: epoch milliseconds (1706702400000) by default, not a timestamp text",
            2,
            silver=0,
            quarantined={"transaction_ts_is_timestamp": 2},
        )
    )
    kind = "json_pandas_iso_dates"
    frame = typed_frame(land.txs(kind, 2))
    frame["transaction_ts"] = pd.to_datetime(frame["transaction_ts"], utc=True)
    land.write(T, "pandas-iso.jsonl", frame.to_json(orient="records", lines=True, date_format="iso"))
    files.append(
        loaded(
            T, "pandas-iso.jsonl", kind, "pandas to_json(date_format='iso'): '2024-01-31T12:00:00.000Z'", 2, silver=2
        )
    )
    return files


def corrupt_lines(land: DayLanding):
    """JSON-lines files mixing good records with lines that are not exactly one JSON object."""
    files = []

    def land_mixed(kind, name, bad_lines, description, newline="\n"):
        good = line(land.tx(kind, 1))
        land.write(T, name, newline.join([good, *bad_lines]) + newline)
        files.append(
            loaded(
                T,
                name,
                kind,
                description,
                1 + len(bad_lines),
                silver=1,
                quarantined={"malformed_record": len(bad_lines)},
            )
        )

    def body(kind, n):
        return line(land.tx(kind, n))

    kind = "jsonl_duplicate_keys"
    land_mixed(
        kind,
        "duplicate-keys.jsonl",
        [body(kind, 2)[:-1] + f', "transaction_id": "{land.tid(kind, 3)}"}}'],
        "A hand-built object repeating transaction_id: which value wins is undefined, so it is corrupt",
    )
    kind = "jsonl_trailing_garbage"
    land_mixed(
        kind,
        "trailing-garbage.jsonl",
        [body(kind, 2) + " xyz", body(kind, 3) + ","],
        "Trailing data after the object (' xyz', and a ',' left from splitting an array by hand)",
    )
    kind = "jsonl_two_objects_per_line"
    land_mixed(
        kind,
        "two-per-line.jsonl",
        [body(kind, 2) + body(kind, 3), body(kind, 4) + " " + body(kind, 5)],
        "Two objects on one line (a missing newline in a concatenating writer): ONE corrupt record per line",
    )
    kind = "jsonl_array_and_scalar_lines"
    land_mixed(
        kind,
        "array-scalar-lines.jsonl",
        ["[" + body(kind, 2) + "]", "42", '"text"', "null"],
        "Lines that are JSON but not objects: an array, a number, a string, null",
    )
    kind = "jsonl_python_repr"
    repr_line = str({k: v for k, v in land.tx(kind, 2).items()})
    land_mixed(
        kind,
        "python-repr.jsonl",
        [repr_line, body(kind, 3)[:-1] + ', "is_gift": True, "note": None}'],
        "print(dict) instead of json.dumps: single quotes, True, None",
    )
    kind = "jsonl_nan_infinity"
    land_mixed(
        kind,
        "nan-infinity.jsonl",
        [body(kind, n)[:-1] + f', "score": {value}}}' for n, value in ((2, "NaN"), (3, "Infinity"), (4, "-Infinity"))],
        "Python json.dumps(allow_nan=True) writes NaN/Infinity: not JSON",
    )
    kind = "jsonl_comment_header"
    land_mixed(
        kind,
        "comment-header.jsonl",
        ["# exported by shop-sync 2.3", f"// generated {land.day}"],
        "A tool writes comment lines above its records",
    )
    kind = "jsonl_raw_control_char"
    land_mixed(
        kind,
        "raw-tab.jsonl",
        [body(kind, 2).replace('"completed"', '"completed\t"')],
        "A raw TAB inside a string (string concatenation, no escaping): not JSON",
    )
    kind = "jsonl_invalid_number_literals"
    land_mixed(
        kind,
        "number-literals.jsonl",
        [
            body(kind, n).replace('"quantity": "2"', f'"quantity": {literal}')
            for n, literal in ((2, "02"), (3, ".5"), (4, "+1"), (5, "0x10"))
        ],
        "Number spellings JSON forbids: 02, .5, +1, 0x10",
    )
    kind = "jsonl_concatenated_boms"
    good, second = line(land.tx(kind, 1)), line(land.tx(kind, 2))
    land.write(T, "concatenated-boms.jsonl", "\ufeff" + good + "\n" + "\ufeff" + second + "\n")
    files.append(
        loaded(
            T,
            "concatenated-boms.jsonl",
            kind,
            "Two BOM-prefixed files joined with `cat`: a BOM starting a line is stripped "
            "wherever it is (JSON text never starts with one), so both records load",
            2,
            silver=2,
            encoding="utf-8-sig",
        )
    )
    kind = "jsonl_truncated_last_line"
    cut = body(kind, 3)[:40]
    land.write(T, "truncated-upload.jsonl", lines(land.txs(kind, 2)) + cut)
    files.append(
        loaded(
            T,
            "truncated-upload.jsonl",
            kind,
            "An upload cut mid-object: the last line is a fragment",
            3,
            silver=2,
            quarantined={"malformed_record": 1},
        )
    )
    return files


KINDS = (pandas_outputs, corrupt_lines)
