"""What lands besides good data files: odd names, half uploads, OS litter, binaries, archives, folders, links."""

import bz2
import io
import tarfile
import zipfile

from lakehouse_assets_tests.corpus.kinds_json import lines
from lakehouse_assets_tests.corpus.kinds_parquet import parquet_bytes, text_table
from lakehouse_assets_tests.corpus.model import (
    DayLanding,
    contract,
    csv_text,
    gzip_bytes,
    ignored,
    loaded,
    rejected,
)

T, C, P = "transactions", "customers", "products"
TX = contract(T)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def names_that_load(land: DayLanding):
    files = []
    for kind, name, count, description in (
        ("csv_upper_extension", "ORDERS-EXPORT.CSV", 2, "Upper-case .CSV from a Windows/mainframe tool"),
        ("csv_name_partner_feed", "partner-feed.csv", 1, "'part' inside a name is not a partial upload"),
        ("csv_name_orders_tmp", "orders_tmp.csv", 1, "'_tmp' before the extension is not a temp suffix"),
        ("csv_name_hadoop_part", "part-00000.csv", 1, "A Hadoop part file at the top of the day folder is a file"),
        (
            "csv_name_browser_duplicate",
            "Orders Export (1).csv",
            1,
            (
                "A browser's second download: spaces and "
                "parentheses in the name (Spark's file URI percent-encodes them; lineage must still match)"
            ),
        ),
        (
            "csv_name_non_ascii",
            "commandes-été.csv",
            1,
            "A non-ASCII file name (UTF-8 on disk, percent-encoded in URIs)",
        ),
    ):
        land.write(T, name, csv_text(TX, land.txs(kind, count)))
        files.append(loaded(T, name, kind, description, count, silver=count))
    for kind, name, description in (
        ("json_name_temp_prefix", "temp-report.json", "'temp' at the start of a name is not a temp suffix"),
        ("ndjson_upper_extension", "EVENTS.NDJSON", "Upper-case .NDJSON"),
    ):
        land.write(T, name, lines(land.txs(kind, 1)))
        files.append(loaded(T, name, kind, description, 1, silver=1))
    return files


def partial_uploads(land: DayLanding):
    files = []
    partial = csv_text(TX, land.txs("partial_upload", 2))[:150]
    for kind, name, producer in (
        ("partial_part", "orders.csv.part", "curl/aria2/lftp"),
        ("partial_crdownload", "orders.csv.crdownload", "Chrome download in progress"),
        ("partial_hdfs_copying", "orders.csv._COPYING_", "hdfs dfs -put in progress"),
        ("partial_backup_tilde", "orders.csv~", "an editor's backup copy"),
        ("partial_tmp", "orders.csv.tmp", "a writer's temp file before rename"),
        ("partial_tmp_upper", "ORDERS.CSV.TMP", "a Windows writer's temp file (upper case)"),
        ("partial_filepart", "orders.csv.filepart", "WinSCP upload in progress"),
        ("partial_partial", "orders.json.partial", "Firefox download in progress"),
        ("partial_download", "orders.csv.download", "a browser download in progress"),
        ("partial_temp", "orders.parquet.temp", "a writer's .temp file"),
        (
            "partial_in_subfolder",
            "staging/orders.csv.part",
            ("an upload in progress inside a subfolder (ignored, not rejected)"),
        ),
    ):
        land.write(T, name, partial)
        files.append(ignored(T, name, kind, f"Half-written: {producer}", "partial_upload"))
    land.write(T, "orders2.csv.crdownload", b"")
    files.append(
        ignored(
            T,
            "orders2.csv.crdownload",
            "partial_zero_bytes",
            "A download that has not received a byte: the partial suffix decides before the size",
            "partial_upload",
        )
    )
    return files


def bookkeeping(land: DayLanding):
    files = []
    for kind, name, data, description in (
        ("bookkeeping_ds_store", ".DS_Store", b"\x00\x00\x00\x01Bud1" + b"\x00" * 32, "macOS Finder metadata"),
        ("bookkeeping_success", "_SUCCESS", b"", "A Hadoop/Spark job's success marker"),
        (
            "bookkeeping_appledouble",
            "._orders.csv",
            b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X",
            ("macOS AppleDouble resource fork copied to a non-Mac share"),
        ),
        (
            "bookkeeping_libreoffice_lock",
            ".~lock.orders.csv#",
            b",analyst,laptop,31.01.2024 12:00,file:///x;\n",
            "LibreOffice lock file while orders.csv is open",
        ),
        (
            "bookkeeping_hidden_tmp",
            ".orders.csv.tmp",
            b"transaction_id\n",
            ("A hidden temp file (the '.' rule decides first)"),
        ),
        ("bookkeeping_rsync_temp", ".orders.csv.Gh7k2x", b"transaction_id\n", "rsync's in-flight temp file"),
        (
            "bookkeeping_spark_temporary",
            "_temporary/0/_temporary/attempt_0/part-00000.csv",
            csv_text(TX, land.txs("bookkeeping_spark_temporary", 1)).encode(),
            ("A Spark job still writing: _temporary below the day folder"),
        ),
        (
            "bookkeeping_hidden_folder",
            ".staging/orders.csv",
            csv_text(TX, land.txs("bookkeeping_hidden_folder", 1)).encode(),
            "A file inside a hidden folder",
        ),
    ):
        land.write(T, name, data)
        files.append(ignored(T, name, kind, description, "bookkeeping_name"))
    return files


def empty_files(land: DayLanding):
    files = []
    for kind, name, description in (
        ("empty_csv", "empty.csv", "A zero-byte CSV (touch, or an export that failed before writing)"),
        ("empty_json", "empty.json", "A zero-byte JSON file"),
        ("empty_parquet", "empty.parquet", "A zero-byte Parquet file (a writer killed at open)"),
        ("empty_xlsx", "empty.xlsx", "A zero-byte file of an unsupported type: empty decides first"),
        ("empty_in_subfolder", "nested/empty.csv", "A zero-byte file in a subfolder: ignored, not rejected"),
    ):
        land.write(T, name, b"")
        files.append(ignored(T, name, kind, description, "empty_file", landed_records=0))
    return files


def _zip(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def _tar_gz(name: str, data: bytes) -> bytes:
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size, info.mtime = len(data), 0
        archive.addfile(info, io.BytesIO(data))
    return gzip_bytes(tar_buffer.getvalue())


def unsupported_types(land: DayLanding):
    orders = csv_text(TX, land.txs("unsupported_type", 2)).encode()
    files = []
    for kind, name, data, description in (
        ("unsupported_txt", "orders.txt", orders, "CSV text saved as .txt"),
        ("unsupported_tsv", "orders.tsv", orders.replace(b",", b"\t"), "Tab-separated with a .tsv name"),
        ("unsupported_no_extension", "ORDERS", orders, "A mainframe dataset name without extension"),
        ("unsupported_csv_zip", "orders.csv.zip", _zip("orders.csv", orders), "A zipped CSV (only .gz is read)"),
        (
            "unsupported_json_bz2",
            "orders.json.bz2",
            bz2.compress(lines(land.txs("unsupported_bz2", 1)).encode()),
            "bzip2-compressed JSON",
        ),
        ("unsupported_xml", "orders.xml", b"<?xml version='1.0'?><orders/>\n", "An XML export"),
        ("unsupported_tar_gz", "export.tar.gz", _tar_gz("orders.csv", orders), "A tarball: .tar is not a data format"),
        (
            "unsupported_parquet_gz",
            "orders.parquet.gz",
            gzip_bytes(parquet_bytes(text_table(land.txs("pq_gz", 1)))),
            "Gzipped Parquet (Parquet compresses inside; .gz is for text formats only)",
        ),
        (
            "unsupported_thumbs_db",
            "Thumbs.db",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24,
            ("Windows Explorer thumbnail cache"),
        ),
        ("unsupported_backup", "orders.csv.bak", orders, "A backup copy kept by a sync tool"),
        (
            "unsupported_zone_identifier",
            "orders.csv:Zone.Identifier",
            b"[ZoneTransfer]\r\nZoneId=3\r\n",
            "Windows alternate data stream copied by WSL/Samba as a file",
        ),
    ):
        land.write(T, name, data)
        files.append(rejected(T, name, kind, description, "unsupported_type"))
    return files


def binary_content(land: DayLanding):
    orders = csv_text(TX, land.txs("binary_content", 2))
    files = []
    for kind, name, data, description in (
        (
            "csv_nul_padding",
            "preallocated.csv",
            orders.encode() + b"\x00" * 64,
            ("A writer that pre-allocated the file and crashed: trailing NUL bytes"),
        ),
        (
            "csv_nul_in_field",
            "nul-in-field.csv",
            orders.replace("paypal", "pay\x00pal", 1).encode(),
            ("A C program wrote one NUL inside a value"),
        ),
        (
            "csv_utf16le_no_bom",
            "utf16-no-bom.csv",
            orders.encode("utf-16-le"),
            ("UTF-16LE without BOM (.NET Encoding.Unicode with the preamble off): NULs, no BOM"),
        ),
        (
            "csv_gzip_bytes",
            "gzipped-but-named.csv",
            gzip_bytes(orders.encode()),
            ("Gzip bytes under a .csv name (curl --compressed not applied, or a renamed .csv.gz)"),
        ),
        (
            "csv_parquet_bytes",
            "parquet-named.csv",
            parquet_bytes(text_table(land.txs("pq_as_csv", 1))),
            ("Parquet bytes under a .csv name"),
        ),
        ("json_pdf_bytes", "report.json", PDF, "A PDF report saved with a .json name"),
        (
            "json_zip_bytes",
            "archive-named.json",
            _zip("orders.json", lines(land.txs("zip_as_json", 1)).encode()),
            "A zip archive under a .json name",
        ),
    ):
        land.write(T, name, data)
        files.append(rejected(T, name, kind, description, "binary_content"))
    return files


def compression(land: DayLanding):
    files = []
    kind = "csv_gz"
    land.write(T, "orders.csv.gz", gzip_bytes(csv_text(TX, land.txs(kind, 2)).encode()))
    files.append(loaded(T, "orders.csv.gz", kind, "gzip-compressed CSV", 2, silver=2))
    kind = "jsonl_gz"
    land.write(T, "orders.jsonl.gz", gzip_bytes(lines(land.txs(kind, 2)).encode()))
    files.append(loaded(T, "orders.jsonl.gz", kind, "gzip-compressed JSON lines", 2, silver=2))
    kind = "csv_gz_multimember"
    first, second, third = land.txs(kind, 3)
    head, rest = csv_text(TX, [first]), csv_text(TX, [second, third]).split("\n", 1)[1]
    land.write(T, "appended.csv.gz", gzip_bytes(head.encode()) + gzip_bytes(rest.encode()))
    files.append(
        loaded(
            T,
            "appended.csv.gz",
            kind,
            "Two gzip members (a log shipper appends a member per flush): read both, 3 records",
            3,
            silver=3,
        )
    )
    kind = "csv_gz_truncated"
    whole = gzip_bytes(csv_text(TX, land.txs(kind, 20)).encode())
    land.write(T, "truncated.csv.gz", whole[: len(whole) // 2])
    files.append(rejected(T, "truncated.csv.gz", kind, "A gzip upload cut in half", "compressed_unreadable"))
    kind = "csv_gz_plain_text"
    land.write(T, "not-gzip.csv.gz", csv_text(TX, land.txs(kind, 1)))
    files.append(rejected(T, "not-gzip.csv.gz", kind, "Plain CSV with a .gz name", "compressed_unreadable"))
    kind = "json_gz_plain_text"
    land.write(T, "not-gzip.json.gz", lines(land.txs(kind, 1)))
    files.append(rejected(T, "not-gzip.json.gz", kind, "Plain JSON with a .gz name", "compressed_unreadable"))
    return files


def mixed_encoding_csv(land: DayLanding):
    kind, name = "csv_mixed_encoding", "mixed-encoding.csv"
    header = csv_text(contract(C), [])
    utf8 = csv_text(contract(C), [land.customer(f"C-{land.compact}-MIX-1", first_name="José")]).split("\n", 1)[1]
    ansi = csv_text(contract(C), [land.customer(f"C-{land.compact}-MIX-2", last_name="Müller")]).split("\n", 1)[1]
    land.write(C, name, header.encode() + utf8.encode("utf-8") + ansi.encode("windows-1252"))
    return [
        rejected(
            C,
            name,
            kind,
            "A UTF-8 export appended to a windows-1252 one: decoding either way corrupts some names",
            "mixed_encoding",
            landed_records=2,
        )
    ]


def folders_and_links(land: DayLanding):
    files = []
    for kind, name, description in (
        ("subfolder_named_like_file", "weird.csv/data.csv", "A folder named weird.csv holding a file"),
        ("subfolder_archive", "archive/2024/orders.csv", "A user's archive folder inside the day"),
        (
            "subfolder_spark_csv_output",
            "out.csv/part-00000-5b2e-c000.csv",
            "Spark df.write.csv('out.csv') copied as is",
        ),
    ):
        land.write(T, name, csv_text(TX, land.txs(kind, 1)))
        files.append(rejected(T, name, kind, description, "in_subfolder"))
    land.write(T, "out.csv/_SUCCESS", b"")
    files.append(
        ignored(
            T, "out.csv/_SUCCESS", "spark_csv_success_marker", "_SUCCESS of the Spark CSV output", "bookkeeping_name"
        )
    )
    kind = "symlink_to_file"
    target = land.outside("linked-target.csv")
    target.write_text(csv_text(TX, land.txs(kind, 2)))
    land.symlink(T, "linked-orders.csv", target)
    files.append(
        loaded(
            T,
            "linked-orders.csv",
            kind,
            "A symlink to a regular file (a shared export folder): loaded "
            "as that file, lineage is the link's landing path",
            2,
            silver=2,
        )
    )
    land.symlink(T, "dangling-link.csv", land.outside("deleted-target.csv"))
    files.append(rejected(T, "dangling-link.csv", "symlink_broken", "A symlink whose target was deleted", "not_a_file"))
    folder = land.outside("a-folder/orders.csv")
    folder.write_text(csv_text(TX, land.txs("symlink_to_folder", 1)))
    land.symlink(T, "folder-link.csv", folder.parent)
    files.append(
        rejected(T, "folder-link.csv", "symlink_to_folder", "A symlink to a folder, named like a file", "not_a_file")
    )
    return files


KINDS = (
    names_that_load,
    partial_uploads,
    bookkeeping,
    empty_files,
    unsupported_types,
    binary_content,
    compression,
    mixed_encoding_csv,
    folders_and_links,
)
