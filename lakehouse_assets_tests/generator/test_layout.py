"""Where drops land and how reruns treat them: names, format rotation, atomic and idempotent writes."""

import re

import pytest

from lakehouse_assets.contracts import MANIFEST_FILE_NAME, SOURCES
from lakehouse_assets.generator import drops, generate
from lakehouse_assets_tests.generator.landing_reader import data_files, read_manifest
from lakehouse_assets_tests.generator.support import all_files, drop_folders, small_config

PART_NAME = re.compile(r"(?P<source>[a-z]+)-(?P<day>\d{4}-\d{2}-\d{2})-part-(?P<part>\d{5})\.(?P<fmt>csv|json|parquet)")


def test_every_source_day_has_rotating_parts_and_a_manifest(dirty_landing):
    config, _ = dirty_landing
    assert sorted(path.name for path in config.landing_root.iterdir()) == sorted(SOURCES)
    for source, day, folder in drop_folders(config):
        day_index = (day - config.start_date).days
        names = [path.name for path in data_files(folder)]

        assert (folder / MANIFEST_FILE_NAME).is_file()
        assert names
        for part, name in enumerate(names):
            match = PART_NAME.fullmatch(name)
            assert match, name
            assert (match["source"], match["day"], int(match["part"])) == (source, day.isoformat(), part)
            expected = config.formats[(day_index + part + SOURCES.index(source)) % len(config.formats)]
            assert match["fmt"] == expected


def test_a_week_mixes_every_format_in_every_source(dirty_landing):
    config, _ = dirty_landing
    for source in SOURCES:
        files = (config.landing_root / source).rglob("*.*")
        names = [path.name for path in files if path.is_file() and path.name != MANIFEST_FILE_NAME]

        assert {name.rsplit(".", 1)[1] for name in names} == {"csv", "json", "parquet"}, source


def test_parts_hold_at_most_rows_per_file_and_only_the_last_is_short(dirty_landing):
    config, manifests = dirty_landing
    for manifest in manifests:
        records = [entry["records"] for entry in manifest["files"]]

        assert max(records) <= config.rows_per_file
        # A full part may keep one slot free: a record with a duplicate needs two.
        assert all(count >= config.rows_per_file - 1 for count in records[:-1])
    transaction_parts = [len(m["files"]) for m in manifests if m["source"] == "transactions"]
    assert transaction_parts == [3, 3, 3]


def test_no_temporary_or_hidden_files_are_left(dirty_landing):
    config, _ = dirty_landing

    assert [path for path in config.landing_root.rglob("*") if path.name.startswith(".")] == []


def test_regenerating_into_the_same_folder_is_idempotent(tmp_path):
    config = small_config(tmp_path / "landing")
    generate(config)
    before = all_files(config.landing_root)

    generate(config)

    assert all_files(config.landing_root) == before


@pytest.mark.parametrize("rows_per_file, parts_per_transactions_drop", [(100, 7), (5000, 1)])
def test_regenerating_with_other_part_sizes_leaves_no_stale_parts(tmp_path, rows_per_file, parts_per_transactions_drop):
    generate(small_config(tmp_path / "landing"))
    config = small_config(tmp_path / "landing", rows_per_file=rows_per_file)

    generate(config)

    for source, _, folder in drop_folders(config):
        listed = [entry["name"] for entry in read_manifest(folder)["files"]]
        assert [path.name for path in data_files(folder)] == listed
        if source == "transactions":
            assert len(listed) == parts_per_transactions_drop
    assert all_files(config.landing_root) == all_files(_fresh(tmp_path, rows_per_file))


def test_regenerating_keeps_files_that_are_not_part_of_the_drop(tmp_path):
    config = small_config(tmp_path / "landing")
    generate(config)
    notes = config.landing_root / "products" / "2024-01-02" / "notes.txt"
    notes.write_text("kept", encoding="utf-8")

    generate(config)

    assert notes.read_text(encoding="utf-8") == "kept"


def test_an_empty_day_still_lands_one_empty_part(tmp_path):
    config = small_config(tmp_path / "landing", days=1, transactions_per_day=0)

    manifests = generate(config)

    transactions = manifests[-1]
    assert transactions["source"] == "transactions"
    assert (transactions["records"], len(transactions["files"])) == (0, 1)
    part = config.landing_root / "transactions" / "2024-01-01" / transactions["files"][0]["name"]
    assert part.read_text(encoding="utf-8").count("\n") == 1  # the CSV header only


def test_a_failed_drop_leaves_no_temporary_file_and_no_manifest(tmp_path, monkeypatch):
    # Simulates a crash (disk full, kill) mid-drop; the generator's own chunk writer is the seam.
    real_write_chunk = drops._write_chunk
    calls = []

    def crash_on_third_transactions_chunk(config, drop, *args):
        if drop.source == "transactions":
            calls.append(1)
            if len(calls) == 3:
                raise OSError("disk full")
        return real_write_chunk(config, drop, *args)

    monkeypatch.setattr(drops, "_write_chunk", crash_on_third_transactions_chunk)
    config = small_config(tmp_path / "landing", days=1)

    with pytest.raises(OSError, match="disk full"):
        generate(config)

    folder = config.landing_root / "transactions" / "2024-01-01"
    assert [path.name for path in folder.iterdir() if path.name.startswith(".")] == []
    assert not (folder / MANIFEST_FILE_NAME).exists()


def _fresh(tmp_path, rows_per_file):
    config = small_config(tmp_path / "fresh", rows_per_file=rows_per_file)
    generate(config)
    return config.landing_root
