"""CSV from exporters and hand-made scripts: quoting, headers, layouts, broken records."""

from lakehouse_assets_tests.corpus.model import DayLanding, contract, csv_text, loaded, rejected

T, C, P = "transactions", "customers", "products"
TX = contract(T)


def quoted_specials(land: DayLanding):
    kind, name = "csv_quoted_specials", "catalog-quoted.csv"
    records = [
        land.product(f"P-{land.compact}-Q-1", name="Desk, oak", brand="Acme, Inc."),
        land.product(f"P-{land.compact}-Q-2", name='Monitor 24" "Pro"'),
        land.product(f"P-{land.compact}-Q-3", name="Chair\nwith armrests", brand='Sit "Well"'),
    ]
    land.write(P, name, csv_text(contract(P), records))
    return [
        loaded(
            P,
            name,
            kind,
            "RFC 4180 quoting from a catalogue export: quoted commas, doubled quotes and a "
            "quoted newline (3 records over 4 lines)",
            3,
            silver=3,
        )
    ]


def excel_cell_newline(land: DayLanding):
    kind, name = "csv_excel_crlf_cell_newline", "excel-multiline-cells.csv"
    records = [
        land.product(f"P-{land.compact}-ML-1", name="Standing desk\nOak top"),
        land.product(f"P-{land.compact}-ML-2", name="Lamp"),
    ]
    land.write(P, name, csv_text(contract(P), records, newline="\r\n"))
    return [
        loaded(
            P,
            name,
            kind,
            "Excel CRLF file with an Alt+Enter cell: a bare LF inside quotes stays in the value",
            2,
            silver=2,
        )
    ]


def backslashes(land: DayLanding):
    kind, name = "csv_backslashes", "crm-backslashes.csv"
    records = [
        land.customer(f"C-{land.compact}-BS-1", first_name="Ann\\", last_name='Lee\\"Jr', city="C:\\Temp\\new"),
        land.customer(f"C-{land.compact}-BS-2", last_name="O\\'Brien", city="\\\\server\\share"),
    ]
    land.write(C, name, csv_text(contract(C), records, quote_all=True))
    return [
        loaded(
            C,
            name,
            kind,
            "Every field quoted; backslashes are ordinary characters ('\"Ann\\\"' is Ann\\, not an "
            "escaped quote - Spark's default escape would break these records)",
            2,
            silver=2,
        )
    ]


def long_field(land: DayLanding):
    kind, name = "csv_long_field_100kb", "catalog-long-description.csv"
    text = ('Oak desk, 120 cm; "solid" top. ' * 4000)[:100_000]
    records = [land.product(f"P-{land.compact}-LONG-1", name=text), land.product(f"P-{land.compact}-LONG-2")]
    land.write(P, name, csv_text(contract(P), records))
    return [
        loaded(
            P,
            name,
            kind,
            "A product description pasted into name: one 100,000-character quoted field with commas and quotes",
            2,
            silver=2,
        )
    ]


def header_padded(land: DayLanding):
    kind, name = "csv_header_padded", "padded-header.csv"
    header = [" transaction_id", *TX[1:3], " quantity ", "unit_price ", *TX[5:]]
    land.write(T, name, csv_text(header, [list(r.values()) for r in land.txs(kind, 2)]))
    return [
        loaded(
            T, name, kind, "Hand-edited header with spaces around names (' quantity '); names are trimmed", 2, silver=2
        )
    ]


def header_reordered(land: DayLanding):
    kind, name = "csv_header_reordered", "reordered-columns.csv"
    land.write(T, name, csv_text(list(reversed(TX)), land.txs(kind, 2)))
    return [
        loaded(T, name, kind, "Columns in another order than the contract; matched by name, not position", 2, silver=2)
    ]


def extra_columns(land: DayLanding):
    kind, name = "csv_extra_columns", "extra-columns.csv"
    header = [*TX[:3], "coupon_code", *TX[3:], "store_id"]
    records = [{**r, "coupon_code": "SAVE10", "store_id": "S-001"} for r in land.txs(kind, 2)]
    land.write(T, name, csv_text(header, records))
    return [
        loaded(
            T, name, kind, "A new upstream release adds coupon_code and store_id: rescued, nothing lost", 2, silver=2
        )
    ]


def missing_column(land: DayLanding):
    kind, name = "csv_missing_column", "missing-channel.csv"
    land.write(T, name, csv_text([c for c in TX if c != "channel"], land.txs(kind, 2)))
    return [
        loaded(
            T,
            name,
            kind,
            "An older exporter without the channel column: loads, channel NULL",
            2,
            silver=0,
            quarantined={"channel_present": 2},
        )
    ]


def duplicate_columns(land: DayLanding):
    case_kind, case_name = "csv_duplicate_columns_case", "duplicate-columns-case.csv"
    rows = [[*r.values(), r["transaction_id"]] for r in land.txs(case_kind, 2)]
    land.write(T, case_name, csv_text([*TX, "Transaction_ID"], rows))
    pad_kind, pad_name = "csv_duplicate_columns_padded", "duplicate-columns-padded.csv"
    header = [*TX[:4], " quantity", *TX[4:]]
    rows = [[*list(r.values())[:4], r["quantity"], *list(r.values())[4:]] for r in land.txs(pad_kind, 2)]
    land.write(T, pad_name, csv_text(header, rows))
    return [
        rejected(
            T,
            case_name,
            case_kind,
            "Header 'transaction_id,...,Transaction_ID': equal after case-folding, no way to tell which one is meant",
            "duplicate_columns",
            landed_records=2,
        ),
        rejected(
            T,
            pad_name,
            pad_kind,
            "Header 'quantity, quantity': equal after trimming",
            "duplicate_columns",
            landed_records=2,
        ),
    ]


def header_problems(land: DayLanding):
    files = []
    kind = "csv_header_title_case"
    land.write(T, "title-case-header.csv", csv_text([c.title() for c in TX], land.txs(kind, 2)))
    files.append(
        rejected(
            T,
            "title-case-header.csv",
            kind,
            "Header 'Transaction_Id,Customer_Id,...': names match case-sensitively, so no contract column",
            "no_contract_columns",
            landed_records=2,
        )
    )
    kind = "csv_headerless"
    land.write(T, "headerless.csv", "\n".join(",".join(r.values()) for r in land.txs(kind, 3)) + "\n")
    files.append(
        rejected(
            T,
            "headerless.csv",
            kind,
            "A headerless dump: the first line is data, no contract name",
            "no_contract_columns",
            landed_records=2,
        )
    )
    kind = "csv_first_line_blank"
    land.write(T, "first-line-blank.csv", "\n" + csv_text(TX, land.txs(kind, 2)))
    files.append(
        rejected(
            T,
            "first-line-blank.csv",
            kind,
            "A script printed an empty line before the header: the header line is blank",
            "no_contract_columns",
            landed_records=3,
        )
    )
    kind = "csv_german_headers"
    german = [
        "Transaktions-ID",
        "Kunden-ID",
        "Produkt-ID",
        "Menge",
        "Einzelpreis",
        "Währung",
        "Zahlungsart",
        "Kanal",
        "Status",
        "Zeitstempel",
    ]
    land.write(T, "export-de.csv", csv_text(german, [list(r.values()) for r in land.txs(kind, 2)], delimiter=";"))
    files.append(
        rejected(
            T,
            "export-de.csv",
            kind,
            "A localized export with German column names: no split (, ; TAB |) finds a contract name",
            "no_contract_columns",
            landed_records=2,
        )
    )
    kind = "csv_excel_sep_hint"
    land.write(T, "excel-sep-hint.csv", "sep=,\r\n" + csv_text(TX, land.txs(kind, 2), newline="\r\n"))
    files.append(
        rejected(
            T,
            "excel-sep-hint.csv",
            kind,
            "Excel's 'sep=,' first line: the header is the first line, which names no contract column",
            "no_contract_columns",
            landed_records=3,
        )
    )
    return files


def broken_records(land: DayLanding):
    kind, name = "csv_truncated_mid_record", "truncated-upload.csv"
    cut = f"{land.tid(kind, 3)},{land.customer_ids[2]},{land.product_ids[2]},2,10"
    land.write(T, name, csv_text(TX, land.txs(kind, 2)) + cut)
    files = [
        loaded(
            T,
            name,
            kind,
            "An upload cut mid-record: the last record has 5 of 10 fields -> one corrupt record",
            3,
            silver=2,
            quarantined={"malformed_record": 1},
        )
    ]
    kind, name = "csv_unquoted_thousands", "unquoted-thousands.csv"
    bad = ",".join({**land.tx(kind, 2), "unit_price": "1,234.50"}.values())
    text = csv_text(TX, [land.tx(kind, 1)]) + bad + "\n" + csv_text(TX, [land.tx(kind, 3)]).split("\n", 1)[1]
    land.write(T, name, text)
    files.append(
        loaded(
            T,
            name,
            kind,
            "A hand-rolled exporter that does not quote: '1,234.50' splits into 11 fields -> one corrupt record",
            3,
            silver=2,
            quarantined={"malformed_record": 1},
        )
    )
    return files


def layout_variants(land: DayLanding):
    files = []
    kind = "csv_blank_lines"
    rows = csv_text(TX, land.txs(kind, 3)).split("\n")
    land.write(T, "blank-lines.csv", "\n".join([rows[0], rows[1], "", rows[2], "", "", rows[3]]) + "\n\n\n")
    files.append(
        loaded(T, "blank-lines.csv", kind, "Blank lines between records and at the end are not records", 3, silver=3)
    )
    kind = "csv_header_only"
    land.write(T, "header-only.csv", csv_text(TX, []))
    files.append(
        loaded(T, "header-only.csv", kind, "A day with no orders: the header alone, zero records", 0, silver=0)
    )
    kind = "csv_no_trailing_newline"
    land.write(T, "no-final-newline.csv", csv_text(TX, land.txs(kind, 2), final_newline=False))
    files.append(loaded(T, "no-final-newline.csv", kind, "The last record has no line terminator", 2, silver=2))
    kind = "csv_pipe_delimited"
    land.write(T, "mainframe-pipe.csv", csv_text(TX, land.txs(kind, 2), delimiter="|"))
    files.append(
        loaded(T, "mainframe-pipe.csv", kind, "A mainframe/Unix export delimited by '|'", 2, silver=2, delimiter="|")
    )
    kind = "csv_tab_delimited"
    land.write(T, "tab-separated.csv", csv_text(TX, land.txs(kind, 2), delimiter="\t"))
    files.append(
        loaded(T, "tab-separated.csv", kind, "Tab-separated values saved with a .csv name", 2, silver=2, delimiter="\t")
    )
    kind = "csv_duplicate_row"
    first, second = land.txs(kind, 2)
    land.write(T, "retried-export.csv", csv_text(TX, [first, second, first]))
    files.append(
        loaded(
            T,
            "retried-export.csv",
            kind,
            "An exporter retried a page: one record appears twice, identical -> one kept, one dropped as duplicate",
            3,
            silver=2,
            duplicates=1,
        )
    )
    return files


KINDS = (
    quoted_specials,
    excel_cell_newline,
    backslashes,
    long_field,
    header_padded,
    header_reordered,
    extra_columns,
    missing_column,
    duplicate_columns,
    header_problems,
    broken_records,
    layout_variants,
)
