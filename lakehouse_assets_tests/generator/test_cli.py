"""`lakehouse generate`, through a parser of our own: the real CLI only calls `register`."""

import argparse
import re

import pytest

from lakehouse_assets.generator.cli import LANDING_ROOT_ENV, register

SMALL_ARGS = ["--days", "2", "--transactions-per-day", "50", "--customers", "10", "--products", "5"]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lakehouse")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["generate", *argv])


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse(["--help"])

    assert exit_info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for option in (
        "--landing-root PATH local folder to write drops under (default: $LAKEHOUSE_LANDING_ROOT, else "
        "./.lakehouse/landing)",
        "--start-date YYYY-MM-DD first day, YYYY-MM-DD (default: 2024-01-01)",
        "--days N number of daily drops per source (default: 7)",
        "--transactions-per-day N base transactions per day",
        "--customers N customers in the first drop",
        "--products N products in the first drop",
        "--seed N random seed",
        "--dirty-rate F share of base records that get exactly one anomaly, 0..1 (default: 0.05)",
        "--formats LIST comma-separated formats the parts rotate over, from csv,json,parquet (default: "
        "csv,json,parquet)",
        "--rows-per-file N most records in one part file",
    ):
        assert option in help_text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--start-date", "2024-13-01"], "argument --start-date: '2024-13-01' is not a date in YYYY-MM-DD form"),
        (["--days", "0"], "argument --days: must be at least 1, got 0"),
        (["--transactions-per-day", "-5"], "argument --transactions-per-day: must be at least 0, got -5"),
        (["--customers", "-1"], "argument --customers: must be at least 1, got -1"),
        (["--products", "ten"], "argument --products: 'ten' is not a whole number"),
        (["--seed", "-3"], "argument --seed: must be at least 0, got -3"),
        (["--dirty-rate", "1.5"], "argument --dirty-rate: must be between 0 and 1, got 1.5"),
        (["--dirty-rate", "-0.1"], "argument --dirty-rate: must be between 0 and 1, got -0.1"),
        (["--formats", "csv,xml"], "argument --formats: unknown format(s) xml; choose from csv, json, parquet"),
        (["--rows-per-file", "1"], "argument --rows-per-file: must be at least 2, got 1"),
    ],
)
def test_bad_arguments_exit_2_naming_the_option_and_the_fix(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse(argv)

    assert exit_info.value.code == 2
    assert f"lakehouse generate: error: {message}" in capsys.readouterr().err


def test_formats_option_takes_a_comma_separated_subset():
    assert parse(["--formats", "json, parquet"]).formats == ("json", "parquet")


def test_landing_root_defaults_to_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(LANDING_ROOT_ENV, str(tmp_path / "from-env"))
    args = parse([*SMALL_ARGS, "--formats", "csv"])

    assert args.func(args) == 0

    assert sorted(path.name for path in (tmp_path / "from-env").iterdir()) == ["customers", "products", "transactions"]
    captured = capsys.readouterr()
    progress = captured.err.splitlines()
    assert "transactions 2024-01-02: 50/50 rows" in progress
    assert [line for line in progress if re.fullmatch(r"\S+ \S+: 1 files, \d+ records, anomalies: .+", line)] != []
    assert len([line for line in progress if " files, " in line]) == 6
    assert re.fullmatch(rf"wrote 6 drops, \d+ records, under {re.escape(str(tmp_path / 'from-env'))}\n", captured.out)


def test_landing_root_falls_back_to_a_local_lakehouse_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(LANDING_ROOT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    args = parse(SMALL_ARGS)

    assert args.func(args) == 0

    assert (tmp_path / ".lakehouse" / "landing" / "transactions" / "2024-01-02" / "_manifest.json").is_file()


def test_landing_root_option_beats_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(LANDING_ROOT_ENV, str(tmp_path / "from-env"))
    args = parse([*SMALL_ARGS, "--landing-root", str(tmp_path / "from-option")])

    assert args.func(args) == 0

    assert (tmp_path / "from-option" / "customers").is_dir()
    assert not (tmp_path / "from-env").exists()


def test_an_object_store_landing_root_is_refused_with_the_fix(monkeypatch, capsys):
    monkeypatch.setenv(LANDING_ROOT_ENV, "s3://lake/landing")
    args = parse(SMALL_ARGS)

    assert args.func(args) == 2

    assert "landing root s3://lake/landing is a URL; the generator writes a local folder" in capsys.readouterr().err
