"""The corpus is internally consistent: its files exist as declared, follow the outcome spec, and its
record/silver predictions agree with an independent pure-Python reading. No Spark."""

import gzip
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lakehouse_assets.contracts import CORRUPT_RECORD_COLUMN
from lakehouse_assets_tests.corpus import silver_reference
from lakehouse_assets_tests.corpus.hostile import CLEAN_KIND_PREFIX, land_clean_day, land_corpus
from lakehouse_assets_tests.corpus.model import IGNORE_REASONS, REJECT_REASONS, RULE_JOIN, CorpusFile
from lakehouse_assets_tests.corpus.outcomes import (
    classify_entry,
    detect_delimiter,
    detect_encoding,
    first_line,
    landed_record_count,
)
from lakehouse_assets_tests.corpus.reference import expected_records, read_text

DAY, CLEAN_DAY = "2024-01-31", "2024-02-01"
SOURCES = ("transactions", "customers", "products")


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> tuple[Path, dict[str, list[CorpusFile]]]:
    root = tmp_path_factory.mktemp("landing")
    return root, {DAY: land_corpus(root, DAY), CLEAN_DAY: land_clean_day(root, CLEAN_DAY)}


def entries(landing):
    root, days = landing
    return [(root, day, file) for day, files in days.items() for file in files]


def records_of(root: Path, day: str, file: CorpusFile) -> list[dict]:
    path = file.path(root, day)
    if file.format == "parquet":
        return silver_reference.parquet_records(path, file.source)
    return expected_records(path, file)


def test_at_least_70_hostile_kinds_each_unique(landing):
    _, days = landing
    kinds = [file.kind for file in days[DAY]]
    assert len(kinds) == len(set(kinds))
    hostile = [kind for kind in kinds if not kind.startswith(CLEAN_KIND_PREFIX)]
    assert len(hostile) >= 70
    outcomes = Counter(file.outcome for file in days[DAY])
    assert outcomes["loaded"] >= 20 and outcomes["rejected"] >= 20 and outcomes["ignored"] >= 10


def test_declarations_are_consistent(landing):
    for _, _, file in entries(landing):
        assert file.description and "\n" not in file.description, file.kind
        assert file.source in SOURCES, file.kind
        if file.outcome == "loaded":
            assert file.reason is None and file.format is not None, file.kind
            assert file.landed_records == file.bronze_rows, file.kind
            assert file.silver_rows + sum(file.quarantined.values()) + file.duplicates == file.bronze_rows, file.kind
            assert all(count > 0 for count in file.quarantined.values()), file.kind
            assert all(key == RULE_JOIN.join(sorted(key.split(RULE_JOIN))) for key in file.quarantined), file.kind
            assert file.text_exact == (file.format in ("csv", "json")), file.kind
            assert (file.delimiter is not None) == (file.format == "csv"), file.kind
            assert (file.encoding is not None) == file.text_exact, file.kind
        else:
            assert file.reason in (IGNORE_REASONS if file.outcome == "ignored" else REJECT_REASONS), file.kind
            assert (file.bronze_rows, file.silver_rows, file.quarantined, file.duplicates) == (0, 0, {}, 0), file.kind
            assert not file.text_exact and file.encoding is None and file.delimiter is None, file.kind


def test_every_entry_on_disk_is_declared_once(landing):
    root, days = landing
    for day, files in days.items():
        declared = Counter((file.source, file.name) for file in files)
        assert max(declared.values()) == 1
        on_disk = set()
        for source in SOURCES:
            folder = root / source / day
            for path in folder.rglob("*"):
                if path.is_symlink() or path.is_file():
                    on_disk.add((source, path.relative_to(folder).as_posix()))
        assert on_disk == set(declared)


def test_outcomes_follow_the_spec(landing):
    for root, day, file in entries(landing):
        assert classify_entry(root / file.source / day, file.name, file.source) == (file.outcome, file.reason), (
            file.kind
        )


def test_declared_encoding_and_delimiter_are_the_detected_ones(landing):
    for root, day, file in entries(landing):
        if not file.text_exact:
            continue
        data = file.path(root, day).read_bytes()
        data = gzip.decompress(data) if file.name.lower().endswith(".gz") else data
        assert detect_encoding(data) == file.encoding, file.kind
        if file.format == "csv":
            header = first_line(read_text(file.path(root, day), file.encoding))
            assert detect_delimiter(header, file.source) == file.delimiter, file.kind


def test_expected_records_match_bronze_rows(landing):
    for root, day, file in entries(landing):
        if file.outcome != "loaded":
            continue
        records = records_of(root, day, file)
        assert len(records) == file.bronze_rows, file.kind
        corrupt = sum(1 for record in records if record.get(CORRUPT_RECORD_COLUMN) is not None)
        assert corrupt == file.quarantined.get("malformed_record", 0), file.kind


def test_landed_records_of_files_not_loaded(landing):
    for root, day, file in entries(landing):
        if file.outcome == "rejected" and file.landed_records is not None:
            assert landed_record_count(file.path(root, day), file.source) == file.landed_records, file.kind
        if file.outcome == "ignored" and file.reason == "empty_file":
            assert file.landed_records == 0 and file.path(root, day).stat().st_size == 0


def _seen(landing, source: str) -> set[str]:
    """The ids customer_known / product_known accept: named by a parsed record of `source` on any day."""
    return silver_reference.seen_ids(
        source,
        [
            record
            for root, day, file in entries(landing)
            if file.source == source and file.outcome == "loaded"
            for record in records_of(root, day, file)
        ],
    )


def test_silver_predictions_follow_the_rules(landing):
    root, days = landing
    customers, products = _seen(landing, "customers"), _seen(landing, "products")
    for day, files in days.items():
        seen: set[tuple[str, str]] = set()
        for file in [f for f in files if f.outcome == "loaded"]:
            silver, duplicates, quarantined = 0, 0, Counter()
            for record in records_of(root, day, file):
                failed = silver_reference.failures(file.source, record, date.fromisoformat(day), customers, products)
                if failed:
                    quarantined[RULE_JOIN.join(sorted(failed))] += 1
                    continue
                key = (file.source, silver_reference.business_key(file.source, record))
                duplicates, silver = (duplicates + 1, silver) if key in seen else (duplicates, silver + 1)
                seen.add(key)
            assert (silver, dict(quarantined), duplicates) == (file.silver_rows, file.quarantined, file.duplicates), (
                file.kind
            )


def test_transaction_ids_unique_across_corpus_and_days(landing):
    ids = Counter()
    declared_duplicates = 0
    for root, day, file in entries(landing):
        if file.source == "transactions" and file.outcome == "loaded":
            declared_duplicates += file.duplicates
            for record in records_of(root, day, file):
                if record.get(CORRUPT_RECORD_COLUMN) is None and silver_reference.normalize_id(
                    record["transaction_id"]
                ):
                    ids[silver_reference.normalize_id(record["transaction_id"])] += 1
    assert sum(count - 1 for count in ids.values()) == declared_duplicates
    # TRANSACTION_ID: csv_concatenated_exports' second header, read as a data record.
    well_formed = [tid for tid in ids if silver_reference.ID_PATTERN.fullmatch(tid) and tid != "TRANSACTION_ID"]
    assert all(DAY.replace("-", "") in tid or CLEAN_DAY.replace("-", "") in tid for tid in well_formed)


def _snapshot(root: Path) -> dict[str, bytes | str]:
    return {
        path.relative_to(root).as_posix(): (f"-> {path.readlink()}" if path.is_symlink() else path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_symlink() or path.is_file()
    }


def test_landing_is_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert land_corpus(first, DAY) == land_corpus(second, DAY)
    assert _snapshot(first) == _snapshot(second)


def test_two_days_share_no_file_bytes_of_loaded_transactions(tmp_path):
    one, two = land_corpus(tmp_path, DAY), land_corpus(tmp_path, CLEAN_DAY)
    assert [f.kind for f in one] == [f.kind for f in two]
    for a, b in zip(one, two, strict=True):
        if a.source == "transactions" and a.outcome == "loaded" and a.bronze_rows:
            assert a.path(tmp_path, DAY).read_bytes() != b.path(tmp_path, CLEAN_DAY).read_bytes(), a.kind


def test_parquet_files_carry_the_types_they_claim(landing):
    root, days = landing
    by_kind = {file.kind: file for file in days[DAY]}

    def schema(kind):
        return pq.read_schema(by_kind[kind].path(root, DAY))

    assert str(schema("parquet_pandas_nanos").field("transaction_ts").type) == "timestamp[ns, tz=UTC]"
    assert "__index_level_0__" in schema("parquet_pandas_index").names
    assert str(schema("parquet_pandas_categorical").field("currency").type).startswith("dictionary")
    assert str(schema("parquet_uint64").field("row_hash").type) == "uint64"
    assert str(schema("parquet_decimal_wide").field("unit_price").type) == "decimal256(40, 2)"
    assert str(schema("parquet_null_typed_column").field("coupon_code").type) == "null"
    assert str(schema("parquet_large_string").field("transaction_id").type) == "large_string"
    assert str(schema("parquet_products_int8_bool").field("stock_level").type) == "int8"
    assert str(schema("parquet_time64_extra").field("pickup_time").type) == "time64[ns]"
    metadata = pq.ParquetFile(by_kind["parquet_int96_timestamp"].path(root, DAY)).metadata
    assert metadata.schema.column(metadata.schema.names.index("transaction_ts")).physical_type == "INT96"


def test_a_subset_of_kinds_lands_only_those_and_the_dimensions(tmp_path):
    kinds = {"csv_excel_mac_cr", "subfolder_archive", "symlink_to_folder", "parquet_spark_output_folder"}
    files = land_corpus(tmp_path, DAY, kinds=kinds)
    assert {f.kind for f in files} == kinds | {f"{CLEAN_KIND_PREFIX}customers", f"{CLEAN_KIND_PREFIX}products"}
    on_disk = {
        (source, path.relative_to(tmp_path / source / DAY).as_posix())
        for source in SOURCES
        for path in (tmp_path / source / DAY).rglob("*")
        if path.is_symlink() or path.is_file()
    }
    assert on_disk == {(f.source, f.name) for f in files}
    assert not (tmp_path / "transactions" / DAY / "weird.csv").exists()
    with pytest.raises(ValueError, match="unknown kinds"):
        land_corpus(tmp_path / "other", DAY, kinds={"no_such_kind"})
