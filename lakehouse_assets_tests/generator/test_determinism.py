"""Same config, same bytes: the property that makes reruns and backfills reproducible."""

import os
import subprocess
import sys

from lakehouse_assets.contracts import MANIFEST_FILE_NAME
from lakehouse_assets.generator import generate
from lakehouse_assets_tests.generator.support import all_files, small_config


def test_same_config_writes_byte_identical_files_in_every_format(tmp_path):
    first, second = small_config(tmp_path / "first"), small_config(tmp_path / "second")

    first_manifests, second_manifests = generate(first), generate(second)

    first_files, second_files = all_files(first.landing_root), all_files(second.landing_root)
    assert first_manifests == second_manifests
    assert list(first_files) == list(second_files)
    assert first_files == second_files
    assert {name.rsplit(".", 1)[-1] for name in first_files} == {"csv", "json", "parquet"}
    assert len([name for name in first_files if name.endswith(MANIFEST_FILE_NAME)]) == 9


def test_another_seed_changes_every_data_file(tmp_path):
    base, reseeded = small_config(tmp_path / "base"), small_config(tmp_path / "reseeded", seed=7)
    generate(base)
    generate(reseeded)

    base_files, reseeded_files = all_files(base.landing_root), all_files(reseeded.landing_root)
    shared = [name for name in base_files if name in reseeded_files and not name.endswith(MANIFEST_FILE_NAME)]
    assert len(shared) >= 9
    assert [name for name in shared if base_files[name] == reseeded_files[name]] == []


def test_rerun_gives_the_manifests_it_returned(dirty_landing):
    config, manifests = dirty_landing

    assert generate(config) == manifests


def test_separate_processes_with_different_hash_seeds_write_the_same_bytes(tmp_path):
    # Reruns happen in new processes; anything iterating a set (Faker's it_IT cities did) would
    # make the output follow PYTHONHASHSEED. Both runs go in parallel to keep the test quick.
    script = (
        "import sys; from pathlib import Path; from lakehouse_assets.generator import generate; "
        "from lakehouse_assets_tests.generator.support import small_config; "
        "generate(small_config(Path(sys.argv[1]), customers=400))"
    )
    runs = {}
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONWARNINGS": "ignore"}
        root = tmp_path / f"hash-seed-{hash_seed}"
        runs[root] = subprocess.Popen([sys.executable, "-c", script, str(root)], env=env, stderr=subprocess.PIPE)
    for process in runs.values():
        assert process.wait(timeout=120) == 0, process.stderr.read().decode()

    first, second = (all_files(root) for root in runs)
    assert len(first) == 25
    assert first == second
