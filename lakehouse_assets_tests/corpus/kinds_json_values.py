"""JSON values, encodings and array shapes: numbers as written, escapes, BOMs, UTF-16, broken arrays."""

import json

from lakehouse_assets_tests.corpus.kinds_json import line, lines, non_blank_lines
from lakehouse_assets_tests.corpus.model import DayLanding, loaded, multi_rule, rejected

T, C, P = "transactions", "customers", "products"


def _with_numbers(record: dict, **raw: str) -> str:
    """The record as a JSON line whose `raw` keys hold bare number literals, spelled exactly as given."""
    text = line({k: v for k, v in record.items() if k not in raw})
    return text[:-1] + "".join(f', "{key}": {literal}' for key, literal in raw.items()) + "}"


def numbers(land: DayLanding):
    kind, name = "jsonl_number_spellings", "number-spellings.jsonl"
    spellings = [
        ("2", "832.30"),
        ("1", "0.10"),
        ("3", "-0"),
        ("1", "1e3"),
        ("1E+2", "5.00"),
        ("12345678901234567890", "1.00"),
        ("-0", "1.00"),
    ]
    text = "".join(
        _with_numbers(land.tx(kind, n), quantity=q, unit_price=p) + "\n" for n, (q, p) in enumerate(spellings, start=1)
    )
    land.write(T, name, text)
    return [
        loaded(
            T,
            name,
            kind,
            "Bare numbers bronze must keep exactly as written (832.30, 0.10, -0, 1e3, 1E+2, a "
            "20-digit integer). CHOICE: exponent spellings are not amounts/integers; quantity -0 is 0",
            7,
            silver=3,
            quarantined={"unit_price_is_amount": 1, "quantity_is_integer": 2, "quantity_at_least_one": 1},
        )
    ]


def unicode_escapes(land: DayLanding):
    kind, name = "jsonl_unicode_escapes", "unicode-escapes.jsonl"
    first = land.customer(
        f"C-{land.compact}-UNI-1", first_name="Renée", last_name="Smile \U0001f600", city="Foo\u2028Bar"
    )
    escaped = json.dumps(first).replace("\\u2028", "\u2028").replace('"email"', '"e\\u006dail"')
    second = land.customer(f"C-{land.compact}-UNI-2", first_name="Søren", last_name="Kierkegaard", city="Zürich")
    land.write(C, name, escaped + "\n" + json.dumps(second, ensure_ascii=False) + "\n")
    return [
        loaded(
            C,
            name,
            kind,
            "\\u00e9 escapes, a surrogate-pair emoji, an escaped key ('e\\u006dail' is email), "
            "a raw U+2028 inside a string (not a line break), raw UTF-8",
            2,
            silver=2,
        )
    ]


def nested_rescued(land: DayLanding):
    kind, name = "jsonl_nested_rescued", "nested-metadata.jsonl"
    nested: object = {"leaf": [1, 2.50, {"x": None, "y": True}]}
    for depth in range(100):
        nested = {"level": depth, "child": nested}
    land.write(T, name, line({**land.tx(kind, 1), "meta": nested}) + "\n" + line(land.tx(kind, 2)) + "\n")
    return [
        loaded(
            T,
            name,
            kind,
            "An API payload with a 100-level nested 'meta' object outside the contract: rescued, "
            "the record still loads",
            2,
            silver=2,
        )
    ]


def encodings(land: DayLanding):
    files = []
    kind = "jsonl_utf8_bom"
    land.write(T, "bom.jsonl", "\ufeff" + lines(land.txs(kind, 2)))
    files.append(
        loaded(
            T,
            "bom.jsonl",
            kind,
            "Notepad/.NET UTF-8 with BOM; the BOM is stripped from the first line",
            2,
            silver=2,
            encoding="utf-8-sig",
        )
    )
    kind = "jsonl_crlf"
    land.write(T, "crlf.jsonl", lines(land.txs(kind, 2), newline="\r\n"))
    files.append(loaded(T, "crlf.jsonl", kind, "Written on Windows: CRLF line ends", 2, silver=2))
    kind = "jsonl_whitespace_lines"
    first, second = (line(r) for r in land.txs(kind, 2))
    land.write(T, "whitespace-lines.jsonl", f"\n   \n{first}\n\t\n{second}\n \n")
    files.append(
        loaded(
            T, "whitespace-lines.jsonl", kind, "Lines holding only spaces or a TAB are blank, not records", 2, silver=2
        )
    )
    kind = "jsonl_windows_1252"
    records = [
        land.customer(f"C-{land.compact}-J1252-{n}", first_name=first_name, last_name=last_name)
        for n, (first_name, last_name) in enumerate((("José", "Müller"), ("François", "Dubé")), start=1)
    ]
    land.write(
        C,
        "legacy-ansi.jsonl",
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
        encoding="windows-1252",
    )
    files.append(
        loaded(
            C,
            "legacy-ansi.jsonl",
            kind,
            "A legacy Windows service writes JSON in windows-1252. CHOICE: the "
            "CSV encoding rule applies to JSON too (no valid UTF-8 line -> windows-1252)",
            2,
            silver=2,
            encoding="windows-1252",
        )
    )
    kind = "jsonl_mixed_encoding"
    utf8 = json.dumps(land.customer(f"C-{land.compact}-JMIX-1", first_name="José"), ensure_ascii=False) + "\n"
    ansi = json.dumps(land.customer(f"C-{land.compact}-JMIX-2", last_name="Müller"), ensure_ascii=False) + "\n"
    land.write(C, "mixed-encoding.jsonl", utf8.encode("utf-8") + ansi.encode("windows-1252"))
    files.append(
        rejected(
            C,
            "mixed-encoding.jsonl",
            kind,
            "Appended by two writers: one line UTF-8 'José', one windows-1252 'Müller'",
            "mixed_encoding",
            landed_records=2,
        )
    )
    kind = "json_utf16_bom_powershell"
    land.write(T, "powershell-out-file.json", "\ufeff" + _powershell(land.txs(kind, 2)), encoding="utf-16-le")
    files.append(
        rejected(
            T,
            "powershell-out-file.json",
            kind,
            "Windows PowerShell 5 `ConvertTo-Json | Out-File`: UTF-16LE with BOM",
            "unsupported_encoding",
        )
    )
    kind = "json_utf32_bom"
    land.write(T, "utf32.jsonl", lines(land.txs(kind, 2)), encoding="utf-32")
    files.append(
        rejected(T, "utf32.jsonl", kind, "UTF-32 with BOM (FF FE 00 00) from a Java/ICU writer", "unsupported_encoding")
    )
    return files


def _powershell(records: list[dict]) -> str:
    """ConvertTo-Json's layout in Windows PowerShell 5: 4-space indent, two spaces after ':', CRLF."""
    objects = []
    for record in records:
        members = ",\r\n".join(f"        {json.dumps(k)}:  {json.dumps(v)}" for k, v in record.items())
        objects.append("    {\r\n" + members + "\r\n    }")
    return "[\r\n" + ",\r\n".join(objects) + "\r\n]\r\n"


def arrays(land: DayLanding):
    files = []
    kind = "json_powershell_utf8_bom_array"
    land.write(T, "powershell-utf8.json", "\ufeff" + _powershell(land.txs(kind, 2)))
    files.append(
        loaded(
            T,
            "powershell-utf8.json",
            kind,
            'PowerShell `Set-Content -Encoding UTF8`: BOM + pretty array, CRLF, \'"key":  "value"\'',
            2,
            silver=2,
            encoding="utf-8-sig",
        )
    )
    kind = "json_array_truncated"
    full = json.dumps(land.txs(kind, 3), indent=2)
    land.write(T, "truncated-array.json", full[: len(full) // 2])
    files.append(rejected(T, "truncated-array.json", kind, "An API response cut mid-array", "unreadable_json"))
    kind = "json_array_per_line"
    land.write(T, "batched-arrays.json", "".join(json.dumps([r]) + "\n" for r in land.txs(kind, 2)))
    files.append(
        rejected(
            T,
            "batched-arrays.json",
            kind,
            "A poller writes one array per batch, one per line: the "
            "first character is '[' so the file must be ONE array, and it is not",
            "unreadable_json",
        )
    )
    kind = "json_array_non_objects"
    land.write(T, "array-non-objects.json", "[" + json.dumps(land.tx(kind, 1)) + ',42,"text",null,[1,2]]')
    files.append(
        loaded(
            T,
            "array-non-objects.json",
            kind,
            "An array whose elements are not all objects: each "
            "non-object element is a corrupt record whose text is the element",
            5,
            silver=1,
            quarantined={"malformed_record": 4},
        )
    )
    kind = "json_array_empty"
    land.write(T, "empty-array.json", "[]\n")
    files.append(
        rejected(
            T,
            "empty-array.json",
            kind,
            "An API export of a day with no orders: '[]'. CHOICE (spec "
            "literal): no record -> no contract key -> rejected; an engineer may prefer loaded, 0 rows",
            "no_contract_columns",
            landed_records=0,
        )
    )
    kind = "json_single_object_pretty"
    text = json.dumps(land.tx(kind, 1), indent=2) + "\n"
    land.write(T, "single-object.json", text)
    files.append(
        rejected(
            T,
            "single-object.json",
            kind,
            "json.dump(record, indent=2): one pretty object, not an "
            "array, so each line is a corrupt JSON line and no contract key appears",
            "no_contract_columns",
            landed_records=non_blank_lines(text),
        )
    )
    return files


def keys_and_nulls(land: DayLanding):
    files = []
    kind = "jsonl_null_and_missing"
    no_status = {k: v for k, v in land.tx(kind, 2).items() if k != "status"}
    land.write(T, "null-and-missing.jsonl", lines([land.tx(kind, 1, channel=None), no_status, land.tx(kind, 3)]))
    files.append(
        loaded(
            T,
            "null-and-missing.jsonl",
            kind,
            "channel: null, and a record without the status key",
            3,
            silver=1,
            quarantined={"channel_present": 1, "status_present": 1},
        )
    )
    kind = "jsonl_camel_case_keys"
    camel = [
        {"".join(w.title() if i else w for i, w in enumerate(k.split("_"))): v for k, v in r.items()}
        for r in land.txs(kind, 2)
    ]
    land.write(T, "camel-case.jsonl", lines(camel))
    camel_missing = multi_rule(
        "transaction_id_present",
        "customer_id_present",
        "product_id_present",
        "unit_price_present",
        "payment_method_present",
        "transaction_ts_present",
    )
    files.append(
        loaded(
            T,
            "camel-case.jsonl",
            kind,
            "A JavaScript service writes transactionId, unitPrice...: the "
            "one-word keys (quantity, currency, channel, status) still match, so it loads and every "
            "record lacks the six multi-word columns (rescued under their camelCase names)",
            2,
            silver=0,
            quarantined={camel_missing: 2},
        )
    )
    kind = "jsonl_other_dataset"
    events = [{"event": "page_view", "user": f"u{n}", "ts": f"{land.day}T12:00:0{n}Z"} for n in (1, 2, 3)]
    land.write(T, "web-events.jsonl", lines(events))
    files.append(
        rejected(
            T,
            "web-events.jsonl",
            kind,
            "Web analytics events (event, user, ts) landed in the wrong folder: no record has a contract key",
            "no_contract_columns",
            landed_records=3,
        )
    )
    kind = "jsonl_key_case_variant"
    renamed = {("Transaction_ID" if k == "transaction_id" else k): v for k, v in land.tx(kind, 1).items()}
    land.write(T, "key-case-variant.jsonl", lines([renamed, land.tx(kind, 2)]))
    files.append(
        loaded(
            T,
            "key-case-variant.jsonl",
            kind,
            "One record spells the key Transaction_ID: keys match "
            "case-sensitively, so it is rescued and transaction_id is missing",
            2,
            silver=1,
            quarantined={"transaction_id_present": 1},
        )
    )
    kind = "jsonl_typed_products"
    records = [land.product(f"P-{land.compact}-JT-{n}") for n in (1, 2)]
    text = "".join(
        line({k: v for k, v in r.items() if k not in ("unit_price", "unit_cost", "is_active")})[:-1]
        + f', "unit_price": 100.00, "unit_cost": 60, "is_active": {active}}}\n'
        for r, active in zip(records, ("true", "false"), strict=True)
    )
    land.write(P, "typed-products.jsonl", text)
    files.append(
        loaded(
            P,
            "typed-products.jsonl",
            kind,
            "Products with JSON booleans and numbers: true/false land as the text true/false, 100.00 stays 100.00",
            2,
            silver=2,
        )
    )
    return files


KINDS = (numbers, unicode_escapes, nested_rescued, encodings, arrays, keys_and_nulls)
