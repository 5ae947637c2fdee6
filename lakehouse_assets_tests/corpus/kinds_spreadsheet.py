"""CSV the way spreadsheets and dataframe libraries write it: Excel, pandas, R."""

import pandas as pd

from lakehouse_assets_tests.corpus.model import DayLanding, contract, csv_text, loaded, multi_rule, rejected
from lakehouse_assets_tests.corpus.workbook import xlsx_bytes

T, C, P = "transactions", "customers", "products"
TX = contract(T)


def excel_utf8_bom_crlf(land: DayLanding):
    kind, name = "csv_excel_utf8_bom_crlf", "excel-utf8-orders.csv"
    land.write(T, name, "\ufeff" + csv_text(TX, land.txs(kind, 3), newline="\r\n"))
    return [
        loaded(
            T,
            name,
            kind,
            "Excel 'CSV UTF-8 (Comma delimited)': BOM + CRLF; the BOM must not stick to the first header name",
            3,
            silver=3,
            encoding="utf-8-sig",
        )
    ]


def excel_windows_1252(land: DayLanding):
    kind, name = "csv_excel_windows_1252", "excel-ansi-products.csv"
    records = [
        land.product(
            f"P-{land.compact}-W1252-1",
            name="Crème brûlée set",
            brand="Müller",
            unit_price="€12.50",
            unit_cost="€7.00",
            category="Home & Garden",
            subcategory="Kitchen",
        ),
        land.product(
            f"P-{land.compact}-W1252-2",
            name="Señor café tin",
            brand="Ñandú",
            unit_price="€3.99",
            unit_cost="€1.50",
            category="Grocery",
            subcategory="Pantry",
        ),
    ]
    land.write(P, name, csv_text(contract(P), records, newline="\r\n"), encoding="windows-1252")
    return [
        loaded(
            P,
            name,
            kind,
            "Excel 'CSV (Comma delimited)' on Windows: windows-1252 bytes (é, ü, Ñ, € = 0x80), "
            "not valid UTF-8 anywhere; read as windows-1252, '€12.50' parses as money",
            2,
            silver=2,
            encoding="windows-1252",
        )
    ]


def excel_eu_semicolon(land: DayLanding):
    kind, name = "csv_excel_eu_semicolon_decimal_comma", "excel-eu-orders.csv"
    records = [
        land.tx(kind, 1, unit_price="12,50", currency="EUR"),
        land.tx(kind, 2, unit_price="7,00", currency="EUR"),
        land.tx(kind, 3, unit_price="100", currency="EUR"),
    ]
    land.write(T, name, csv_text(TX, records, delimiter=";", newline="\r\n", also_quote=","))
    return [
        loaded(
            T,
            name,
            kind,
            "Excel in a German/French locale: ';' delimiter, decimal commas quoted ('\"12,50\"'). "
            "CHOICE: a decimal comma is not an amount (ambiguous with a thousands separator) -> quarantined, "
            "never silently 1250.00",
            3,
            silver=1,
            quarantined={"unit_price_is_amount": 2},
            delimiter=";",
        )
    ]


def excel_mac_cr(land: DayLanding):
    kind, name = "csv_excel_mac_cr", "excel-mac-orders.csv"
    land.write(T, name, csv_text(TX, land.txs(kind, 3), newline="\r"))
    return [
        loaded(T, name, kind, "Excel 2011 for Mac 'CSV (Macintosh)': CR-only line ends; one record per CR", 3, silver=3)
    ]


def excel_utf16_comma(land: DayLanding):
    kind, name = "csv_excel_utf16le_bom", "excel-unicode-customers.csv"
    records = [
        land.customer(f"C-{land.compact}-U16-1", first_name="Jürgen", last_name="Weiß", city="München", country="DE"),
        land.customer(f"C-{land.compact}-U16-2", first_name="Zoë", last_name="Brontë", city="Paris", country="FR"),
    ]
    land.write(C, name, "\ufeff" + csv_text(contract(C), records, newline="\r\n"), encoding="utf-16-le")
    return [
        loaded(
            C,
            name,
            kind,
            "Excel/Access 'Unicode' export: UTF-16LE with BOM (every other byte NUL); read as "
            "UTF-16, not rejected as binary",
            2,
            silver=2,
            encoding="utf-16",
        )
    ]


def excel_unicode_text_tab(land: DayLanding):
    kind, name = "csv_excel_unicode_text_tab", "excel-unicode-text.csv"
    land.write(
        T, name, "\ufeff" + csv_text(TX, land.txs(kind, 2), delimiter="\t", newline="\r\n"), encoding="utf-16-le"
    )
    return [
        loaded(
            T,
            name,
            kind,
            "Excel 'Unicode Text (*.txt)' renamed .csv: UTF-16LE BOM and TAB-delimited; the "
            "delimiter is detected from the header",
            2,
            silver=2,
            encoding="utf-16",
            delimiter="\t",
        )
    ]


def excel_workbooks(land: DayLanding):
    kind_xlsx, kind_renamed = "xlsx_workbook", "csv_xlsx_renamed"
    workbook = xlsx_bytes([TX, *[list(r.values()) for r in land.txs(kind_xlsx, 2)]])
    land.write(T, "orders.xlsx", workbook)
    land.write(T, "orders-xlsx-renamed.csv", workbook)
    return [
        rejected(T, "orders.xlsx", kind_xlsx, "An Excel workbook (a real OOXML zip) dropped as is", "unsupported_type"),
        rejected(
            T,
            "orders-xlsx-renamed.csv",
            kind_renamed,
            "The same .xlsx renamed to .csv by a user: zip bytes (PK\\x03\\x04) under a text extension",
            "binary_content",
        ),
    ]


def excel_trailing_empty_columns(land: DayLanding):
    kind, name = "csv_excel_trailing_empty_columns", "excel-trailing-columns.csv"
    rows = [[*record.values(), None, None, None] for record in land.txs(kind, 2)]
    land.write(T, name, csv_text([*TX, "", "", ""], rows, newline="\r\n"))
    return [
        rejected(
            T,
            name,
            kind,
            "Excel sheet whose used range ran 3 columns past the data: header ends ',,,' -> "
            "three empty column names, equal to each other",
            "duplicate_columns",
            landed_records=2,
        )
    ]


def excel_single_trailing_comma(land: DayLanding):
    kind, name = "csv_excel_single_trailing_comma", "excel-one-trailing-column.csv"
    rows = [[*record.values(), None] for record in land.txs(kind, 2)]
    land.write(T, name, csv_text([*TX, ""], rows, newline="\r\n"))
    return [
        loaded(
            T,
            name,
            kind,
            "Header and rows end with one ',': a single empty column name is not a duplicate; "
            "the empty column goes to _rescued_data",
            2,
            silver=2,
        )
    ]


def excel_dmy_dates(land: DayLanding):
    kind, name = "csv_excel_dmy_dates", "excel-uk-dates.csv"
    day = land.day
    records = [land.tx(kind, n, transaction_ts=f"{day[8:10]}/{day[5:7]}/{day[:4]} 12:00") for n in (1, 2, 3)]
    land.write(T, name, csv_text(TX, records, newline="\r\n"))
    return [
        loaded(
            T,
            name,
            kind,
            "Excel re-saved in a UK locale: transaction_ts '31/01/2024 12:00' is not ISO 8601",
            3,
            silver=0,
            quarantined={"transaction_ts_is_timestamp": 3},
        )
    ]


def pandas_index(land: DayLanding):
    kind, name = "csv_pandas_index", "pandas-with-index.csv"
    land.write(T, name, pd.DataFrame(land.txs(kind, 3)).to_csv())
    return [
        loaded(
            T,
            name,
            kind,
            "pandas DataFrame.to_csv() with the default index=True: first header cell empty, "
            "rows start with 0,1,2; the unnamed column is rescued",
            3,
            silver=3,
        )
    ]


def pandas_nan_int_as_float(land: DayLanding):
    kind, name = "csv_pandas_nan_int_as_float", "pandas-float-quantity.csv"
    frame = pd.DataFrame(land.txs(kind, 3))
    frame["quantity"] = [2, None, 3]
    frame["unit_price"] = [100.0, 100.0, 100.0]
    land.write(T, name, frame.to_csv(index=False))
    return [
        loaded(
            T,
            name,
            kind,
            "pandas int column with a NaN became float: quantity '2.0', '' and '3.0'. CHOICE: '2.0' is not an integer",
            3,
            silver=0,
            quarantined={"quantity_is_integer": 2, "quantity_present": 1},
        )
    ]


def r_write_csv(land: DayLanding):
    kind, name = "csv_r_write_csv", "r-write-csv.csv"
    lines = [",".join(f'"{column}"' for column in ["", *TX])]
    for n, record in enumerate(land.txs(kind, 3), start=1):
        values = [f'"{n}"']
        for column in TX:
            value = record[column]
            if column == "channel" and n == 2:
                values.append("NA")
            elif column in ("quantity", "unit_price"):
                values.append(value.removesuffix(".00"))
            else:
                values.append(f'"{value}"')
        lines.append(",".join(values))
    land.write(T, name, "\n".join(lines) + "\n")
    return [
        loaded(
            T,
            name,
            kind,
            "R write.csv(): every header and string quoted, row names in an unnamed first "
            "column, numbers bare, a missing value written as NA (kept as the text 'NA')",
            3,
            silver=2,
            quarantined={"channel_allowed": 1},
        )
    ]


def customers_in_transactions(land: DayLanding):
    kind, name = "csv_customers_file_in_transactions", "customers-export.csv"
    records = [land.customer(cid) for cid in land.customer_ids[:2]]
    land.write(T, name, csv_text(contract(C), records))
    missing = [f"{column}_present" for column in TX if column != "customer_id"]
    return [
        loaded(
            T,
            name,
            kind,
            "A customers export dropped in the transactions folder: it shares customer_id with "
            "the contract, so it loads and every record lacks the other nine columns",
            2,
            silver=0,
            quarantined={multi_rule(*missing): 2},
        )
    ]


def products_in_customers(land: DayLanding):
    kind, name = "csv_products_file_in_customers", "products-export.csv"
    records = [land.product(f"P-{land.compact}-MISFILED-{n}") for n in (1, 2)]
    land.write(C, name, csv_text(contract(P), records))
    return [
        loaded(
            C,
            name,
            kind,
            "A products export dropped in the customers folder: only updated_at is shared, so "
            "it loads and each record fails every required customers column",
            2,
            silver=0,
            quarantined={
                multi_rule("customer_id_present", "email_present", "country_present", "loyalty_tier_present"): 2
            },
        )
    ]


def concatenated_exports(land: DayLanding):
    kind, name = "csv_concatenated_exports", "concatenated-exports.csv"
    first = csv_text(TX, [land.tx(kind, 1), land.tx(kind, 2)], newline="\r\n")
    second = csv_text(TX, [land.tx(kind, 3), land.tx(kind, 4)], newline="\r\n")
    land.write(T, name, "\ufeff" + first + "\ufeff" + second)
    header_as_data = multi_rule(
        "customer_known",
        "product_known",
        "quantity_is_integer",
        "unit_price_is_amount",
        "currency_allowed",
        "payment_method_allowed",
        "channel_allowed",
        "status_allowed",
        "transaction_ts_is_timestamp",
    )
    return [
        loaded(
            T,
            name,
            kind,
            "Two Excel UTF-8 exports joined with `cat`: the second BOM + header is an ordinary "
            "data record (first value '\\ufefftransaction_id', an id once the BOM is trimmed) and fails nine rules",
            5,
            silver=4,
            quarantined={header_as_data: 1},
            encoding="utf-8-sig",
        )
    ]


KINDS = (
    excel_utf8_bom_crlf,
    excel_windows_1252,
    excel_eu_semicolon,
    excel_mac_cr,
    excel_utf16_comma,
    excel_unicode_text_tab,
    excel_workbooks,
    excel_trailing_empty_columns,
    excel_single_trailing_comma,
    excel_dmy_dates,
    pandas_index,
    pandas_nan_int_as_float,
    r_write_csv,
    customers_in_transactions,
    products_in_customers,
    concatenated_exports,
)
