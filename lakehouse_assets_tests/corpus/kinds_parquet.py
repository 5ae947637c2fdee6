"""Parquet as pandas, pyarrow, Spark and Hive write it, and Parquet that is broken."""

import io
from datetime import datetime, time
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse_assets_tests.corpus.model import DayLanding, contract, csv_text, ignored, loaded, rejected, typed_frame

T, C, P = "transactions", "customers", "products"
TX = contract(T)


def parquet_bytes(table: pa.Table, **options) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **options)
    return buffer.getvalue()


def frame_bytes(frame: pd.DataFrame, **options) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", **options)
    return buffer.getvalue()


def text_table(records: list[dict], string_type: pa.DataType | None = None) -> pa.Table:
    string_type = string_type or pa.string()
    return pa.table({column: pa.array([r[column] for r in records], string_type) for column in records[0]})


def with_column(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, values)
    return table.append_column(name, values)


def _ts(land: DayLanding) -> datetime:
    return datetime.fromisoformat(f"{land.day}T12:00:00")


def pandas_files(land: DayLanding):
    files = []
    kind = "parquet_pandas_nanos"
    frame = typed_frame(land.txs(kind, 2))
    frame["transaction_ts"] = pd.to_datetime(frame["transaction_ts"], utc=True)
    land.write(T, "pandas-nanos.parquet", frame_bytes(frame))
    files.append(
        loaded(
            T,
            "pandas-nanos.parquet",
            kind,
            "pandas to_parquet with a datetime64[ns, UTC] column: "
            "TIMESTAMP(NANOS) (Spark 4 refuses it by default); its text must be an ISO timestamp",
            2,
            silver=2,
            text=False,
        )
    )
    kind = "parquet_pandas_index"
    frame = pd.DataFrame(land.txs(kind, 2), index=[10, 20])
    land.write(T, "pandas-index.parquet", frame_bytes(frame))
    files.append(
        loaded(
            T,
            "pandas-index.parquet",
            kind,
            "pandas to_parquet of a frame with a non-default index: an extra __index_level_0__ column, rescued",
            2,
            silver=2,
            text=False,
        )
    )
    kind = "parquet_pandas_categorical"
    frame = pd.DataFrame(land.txs(kind, 2)).astype(
        {"currency": "category", "channel": "category", "status": "category"}
    )
    land.write(T, "pandas-categorical.parquet", frame_bytes(frame, index=False))
    files.append(
        loaded(
            T,
            "pandas-categorical.parquet",
            kind,
            "pandas category columns: dictionary-encoded strings",
            2,
            silver=2,
            text=False,
        )
    )
    kind = "parquet_pandas_nullable_int"
    frame = pd.DataFrame(land.txs(kind, 2))
    frame["quantity"] = pd.array([2, pd.NA], dtype="Int64")
    land.write(T, "pandas-nullable-int.parquet", frame_bytes(frame, index=False))
    files.append(
        loaded(
            T,
            "pandas-nullable-int.parquet",
            kind,
            "pandas nullable Int64 with <NA>: a NULL quantity",
            2,
            silver=1,
            quarantined={"quantity_present": 1},
            text=False,
        )
    )
    kind = "parquet_pandas_float_nan"
    frame = typed_frame(land.txs(kind, 2))
    frame["unit_price"] = [100.0, float("nan")]
    land.write(T, "pandas-float-nan.parquet", frame_bytes(frame, index=False))
    files.append(
        loaded(
            T,
            "pandas-float-nan.parquet",
            kind,
            "pandas float unit_price with NaN: pyarrow writes pandas' "
            "NaN as a Parquet NULL, so the record lacks unit_price",
            2,
            silver=1,
            quarantined={"unit_price_present": 1},
            text=False,
        )
    )
    kind = "parquet_float_nan_value"
    table = with_column(text_table(land.txs(kind, 2)), "unit_price", pa.array([100.0, float("nan")], pa.float64()))
    land.write(T, "float-nan-value.parquet", parquet_bytes(table))
    files.append(
        loaded(
            T,
            "float-nan-value.parquet",
            kind,
            "A real IEEE NaN in a double unit_price (Spark, polars, "
            "numpy writers keep NaN). CHOICE: NaN is a value whose text is not an amount, not NULL",
            2,
            silver=1,
            quarantined={"unit_price_is_amount": 1},
            text=False,
        )
    )
    kind = "parquet_uint64"
    table = text_table(land.txs(kind, 2))
    table = with_column(table, "quantity", pa.array([2, 3], pa.uint64()))
    table = with_column(table, "row_hash", pa.array([2**64 - 1, 2**63], pa.uint64()))
    land.write(T, "uint64.parquet", parquet_bytes(table))
    files.append(
        loaded(
            T,
            "uint64.parquet",
            kind,
            "uint64 columns (quantity, and a hash above 2^63 that no signed long holds)",
            2,
            silver=2,
            text=False,
        )
    )
    return files


def arrow_types(land: DayLanding):
    files = []

    def land_table(kind, name, table, description, silver=2, quarantined=None, **options):
        land.write(T, name, parquet_bytes(table, **options))
        files.append(
            loaded(T, name, kind, description, table.num_rows, silver=silver, quarantined=quarantined, text=False)
        )

    kind = "parquet_decimal_wide"
    table = with_column(
        text_table(land.txs(kind, 2)),
        "unit_price",
        pa.array([Decimal("100.00"), Decimal("12.50")], pa.decimal256(40, 2)),
    )
    land_table(kind, "decimal-wide.parquet", table, "unit_price decimal(40,2): precision above Spark's 38")
    kind = "parquet_decimal_price"
    table = with_column(
        text_table(land.txs(kind, 2)),
        "unit_price",
        pa.array([Decimal("100.00"), Decimal("0.10")], pa.decimal128(10, 2)),
    )
    land_table(kind, "decimal-price.parquet", table, "unit_price decimal(10,2), the usual money type")
    kind = "parquet_time64_extra"
    table = with_column(
        text_table(land.txs(kind, 2)), "pickup_time", pa.array([time(9, 30), time(17, 5)], pa.time64("ns"))
    )
    land_table(kind, "time64.parquet", table, "An extra time64[ns] column (rescued)")
    kind = "parquet_null_typed_column"
    table = with_column(text_table(land.txs(kind, 2)), "coupon_code", pa.nulls(2))
    land_table(kind, "null-typed.parquet", table, "An extra column of Arrow type null (all values missing)")
    kind = "parquet_large_string"
    land_table(
        kind,
        "large-string.parquet",
        text_table(land.txs(kind, 2), pa.large_string()),
        "Every column large_string (polars' default string type)",
    )
    kind = "parquet_struct_list_extra"
    items = pa.array([[{"sku": "A", "qty": 1}], [{"sku": "B", "qty": 2}, {"sku": "C", "qty": 1}]])
    land_table(
        kind,
        "nested-items.parquet",
        with_column(text_table(land.txs(kind, 2)), "items", items),
        "An extra list<struct> column (order lines), rescued",
    )
    kind = "parquet_timestamp_ms_naive"
    table = with_column(text_table(land.txs(kind, 2)), "transaction_ts", pa.array([_ts(land)] * 2, pa.timestamp("ms")))
    land_table(kind, "timestamp-ms.parquet", table, "transaction_ts timestamp[ms] without zone (pyarrow from datetime)")
    kind = "parquet_int96_timestamp"
    table = with_column(
        text_table(land.txs(kind, 2)), "transaction_ts", pa.array([_ts(land)] * 2, pa.timestamp("ns", tz="UTC"))
    )
    land_table(
        kind,
        "hive-int96.parquet",
        table,
        "transaction_ts as INT96 (Hive/Impala/old Spark)",
        use_deprecated_int96_timestamps=True,
    )
    kind = "parquet_date32_ts"
    table = with_column(
        text_table(land.txs(kind, 2)),
        "transaction_ts",
        pa.array([datetime.fromisoformat(land.day).date()] * 2, pa.date32()),
    )
    land_table(
        kind,
        "date-only.parquet",
        table,
        "transaction_ts typed date32: its text '2024-01-31' has no time, not a timestamp",
        silver=0,
        quarantined={"transaction_ts_is_timestamp": 2},
    )
    kind = "parquet_all_strings"
    land_table(
        kind,
        "all-strings.parquet",
        text_table(land.txs(kind, 2)),
        "Every contract column as string (the generator's own layout)",
    )
    kind = "parquet_row_groups"
    land_table(
        kind,
        "row-groups.parquet",
        text_table(land.txs(kind, 3)),
        "Three row groups of one row",
        silver=3,
        row_group_size=1,
    )
    kind = "parquet_upper_extension"
    land.write(T, "ORDERS.PARQUET", parquet_bytes(text_table(land.txs(kind, 1))))
    files.append(loaded(T, "ORDERS.PARQUET", kind, "Upper-case extension from a Windows tool", 1, silver=1, text=False))
    kind = "parquet_products_int8_bool"
    records = [land.product(f"P-{land.compact}-PQ-{n}") for n in (1, 2)]
    table = text_table(records)
    table = with_column(table, "is_active", pa.array([True, False]))
    table = with_column(table, "unit_price", pa.array([100.0, 12.5], pa.float32()))
    table = with_column(table, "unit_cost", pa.array([60.0, 7.25], pa.float32()))
    table = with_column(table, "stock_level", pa.array([5, -1], pa.int8()))
    land.write(P, "products-typed.parquet", parquet_bytes(table))
    files.append(
        loaded(
            P,
            "products-typed.parquet",
            kind,
            "Products with bool is_active, float32 prices and an int8 extra column",
            2,
            silver=2,
            text=False,
        )
    )
    return files


def broken_files(land: DayLanding):
    files = []
    good = parquet_bytes(text_table(land.txs("parquet_broken", 3)))
    land.write(T, "truncated.parquet", good[: len(good) // 2])
    files.append(
        rejected(T, "truncated.parquet", "parquet_truncated", "An upload cut in half: no footer", "unreadable_parquet")
    )
    noise = b"".join(bytes([(i * 151 + 7) % 256]) for i in range(1024))
    land.write(T, "random-bytes.parquet", noise)
    files.append(
        rejected(
            T, "random-bytes.parquet", "parquet_random_bytes", "Random bytes with a .parquet name", "unreadable_parquet"
        )
    )
    land.write(T, "csv-named.parquet", csv_text(TX, land.txs("parquet_csv_named", 2)))
    files.append(
        rejected(
            T,
            "csv-named.parquet",
            "parquet_csv_named_parquet",
            "A CSV file given a .parquet name",
            "unreadable_parquet",
        )
    )
    land.write(T, "corrupt-page.parquet", corrupt_pages(text_table(land.txs("parquet_corrupt_page", 3))))
    files.append(
        rejected(
            T,
            "corrupt-page.parquet",
            "parquet_corrupt_page",
            "A valid footer over data pages whose headers were overwritten (bit rot, bad copy)",
            "unreadable_parquet",
        )
    )
    table = with_column(text_table(land.txs("parquet_duplicate_columns", 2)), "Quantity", pa.array(["2", "2"]))
    land.write(T, "duplicate-columns.parquet", parquet_bytes(table))
    files.append(
        rejected(
            T,
            "duplicate-columns.parquet",
            "parquet_duplicate_columns",
            "A schema with quantity and Quantity (equal after case-folding)",
            "duplicate_columns",
            landed_records=2,
        )
    )
    table = pa.table({"id": ["A", "B"], "amount": [1.0, 2.0]})
    land.write(T, "other-dataset.parquet", parquet_bytes(table))
    files.append(
        rejected(
            T,
            "other-dataset.parquet",
            "parquet_no_contract_columns",
            "Another team's dataset (id, amount) landed in the wrong folder",
            "no_contract_columns",
            landed_records=2,
        )
    )
    return files


def corrupt_pages(table: pa.Table) -> bytes:
    """Parquet whose footer is intact but whose first data page header of every column is garbage."""
    data = bytearray(parquet_bytes(table, use_dictionary=False, compression="snappy"))
    metadata = pq.ParquetFile(io.BytesIO(bytes(data))).metadata
    for column in range(metadata.num_columns):
        offset = metadata.row_group(0).column(column).data_page_offset
        data[offset : offset + 8] = b"\xff" * 8
    return bytes(data)


def spark_output(land: DayLanding):
    folder = "out.parquet"
    part = f"{folder}/part-00000-3f1c2a9e-0000-4000-8000-000000000000-c000.snappy.parquet"
    land.write(T, part, parquet_bytes(text_table(land.txs("parquet_spark_output_folder", 2))))
    land.write(T, f"{folder}/_SUCCESS", b"")
    crc = f"{folder}/.part-00000-3f1c2a9e-0000-4000-8000-000000000000-c000.snappy.parquet.crc"
    land.write(T, crc, b"crc\x00\x00\x00\x00\x01")
    return [
        rejected(
            T,
            part,
            "parquet_spark_output_folder",
            "Spark df.write.parquet('out.parquet') copied as is: the data sits in a folder below the day",
            "in_subfolder",
        ),
        # Spark's success marker and checksum files are bookkeeping wherever they are.
        ignored(
            T,
            f"{folder}/_SUCCESS",
            "spark_success_marker",
            "Spark/Hadoop's empty _SUCCESS marker in the output folder",
            "bookkeeping_name",
        ),
        ignored(T, crc, "hadoop_crc_file", "Hadoop's hidden .crc checksum next to a part file", "bookkeeping_name"),
    ]


KINDS = (pandas_files, arrow_types, broken_files, spark_output)
