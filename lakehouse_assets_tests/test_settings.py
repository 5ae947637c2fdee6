"""Settings: defaults under ./.lakehouse, and a message naming the variable for every bad value."""

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from lakehouse_assets.settings import Settings, SettingsError


def test_defaults_live_under_dot_lakehouse(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.lakehouse_root == str(tmp_path / ".lakehouse" / "tables")
    assert settings.landing_root == str(tmp_path / ".lakehouse" / "landing")
    assert settings.dagster_home == str(tmp_path / ".lakehouse" / "dagster_home")
    assert settings.spark_master == "local[*]"
    assert settings.start_date == date(2024, 1, 1)
    assert (settings.late_arrival_days, settings.quarantine_rate_threshold) == (1, 0.10)


def test_values_from_the_environment(tmp_path):
    settings = Settings.from_env(
        {
            "LAKEHOUSE_ROOT": "s3a://lake-bucket/tables/",
            "LAKEHOUSE_LANDING_ROOT": str(tmp_path / "in"),
            "DAGSTER_HOME": str(tmp_path / "home"),
            "LAKEHOUSE_SPARK_MASTER": "spark://spark-master:7077",
            "LAKEHOUSE_START_DATE": "2023-06-01",
            "AWS_ACCESS_KEY_ID": "key",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_ENDPOINT_URL": "http://minio:9000/",
            "AWS_REGION": "eu-west-1",
            "LAKEHOUSE_SENSORS_DEFAULT_STATUS": "Running",
        }
    )
    assert settings.lakehouse_root == "s3a://lake-bucket/tables" and settings.tables_on_s3
    assert (settings.s3_endpoint_url, settings.s3_region, settings.sensors_running) == (
        "http://minio:9000",
        "eu-west-1",
        True,
    )
    assert settings.landing_root == str(tmp_path / "in")
    assert settings.dagster_home == str(tmp_path / "home")
    assert settings.spark_master == "spark://spark-master:7077"
    assert settings.start_date == date(2023, 6, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("s3://landing", "s3://landing"),
        ("s3a://landing/drops/", "s3://landing/drops"),
        ("s3://my.bucket/a/b", "s3://my.bucket/a/b"),
    ],
)
def test_landing_root_on_s3(value, expected):
    settings = Settings.from_env(
        {"LAKEHOUSE_LANDING_ROOT": value, "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}
    )
    assert (settings.landing_root, settings.landing_on_s3, settings.tables_on_s3) == (expected, True, False)
    assert settings.s3_endpoint_url is None and settings.s3_region == "us-east-1"


@pytest.mark.parametrize("master", ["local", "local[2]", "local[*]", "local[4,3]", "yarn", "k8s://https://k8s:443"])
def test_accepted_spark_masters(master):
    assert Settings.from_env({"LAKEHOUSE_SPARK_MASTER": master}).spark_master == master


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "LAKEHOUSE_ROOT",
            "s3://bucket/lake",
            r"LAKEHOUSE_ROOT='s3://bucket/lake' uses s3://.*set LAKEHOUSE_ROOT=s3a://bucket/lake",
        ),
        ("LAKEHOUSE_ROOT", "s3a://B!/x", r"LAKEHOUSE_ROOT='s3a://B!/x' is not a valid s3a URI"),
        ("LAKEHOUSE_ROOT", "hdfs://nn/lake", r"LAKEHOUSE_ROOT='hdfs://nn/lake' is not supported"),
        (
            "LAKEHOUSE_LANDING_ROOT",
            "http://x/y",
            r"LAKEHOUSE_LANDING_ROOT='http://x/y' is not supported; use a local folder or s3://bucket/prefix\.",
        ),
        (
            "LAKEHOUSE_LANDING_ROOT",
            "s3://Bad_Bucket",
            r"LAKEHOUSE_LANDING_ROOT='s3://Bad_Bucket' is not a valid S3 location",
        ),
        ("LAKEHOUSE_ROOT", "s3a://lake", r"points at S3, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"),
        ("AWS_ENDPOINT_URL", "minio:9000", r"AWS_ENDPOINT_URL='minio:9000' is not an http\(s\) URL"),
        (
            "LAKEHOUSE_SENSORS_DEFAULT_STATUS",
            "on",
            r"LAKEHOUSE_SENSORS_DEFAULT_STATUS='on' is not a sensor status; set it to running or stopped",
        ),
        ("DAGSTER_HOME", "s3a://b/home", r"DAGSTER_HOME='s3a://b/home' is a URL"),
        ("LAKEHOUSE_SPARK_MASTER", "local[two]", r"LAKEHOUSE_SPARK_MASTER='local\[two\]' is not a Spark master URL"),
        ("LAKEHOUSE_SPARK_MASTER", "local[0]", r"LAKEHOUSE_SPARK_MASTER='local\[0\]' is not a Spark master URL"),
        ("LAKEHOUSE_SPARK_MASTER", "local[2,0]", r"LAKEHOUSE_SPARK_MASTER='local\[2,0\]' is not a Spark master URL"),
        (
            "LAKEHOUSE_LANDING_ROOT",
            "ftp://drops",
            r"LAKEHOUSE_LANDING_ROOT='ftp://drops' is not supported; use a local folder or s3://bucket/prefix\.",
        ),
        (
            "LAKEHOUSE_START_DATE",
            "01/02/2024",
            r"LAKEHOUSE_START_DATE='01/02/2024' is not a date; set it as YYYY-MM-DD",
        ),
        ("LAKEHOUSE_LATE_ARRIVAL_DAYS", "-1", r"LAKEHOUSE_LATE_ARRIVAL_DAYS='-1' is not a number of days"),
        ("LAKEHOUSE_QUARANTINE_RATE_THRESHOLD", "15%", r"LAKEHOUSE_QUARANTINE_RATE_THRESHOLD='15%' is not a rate"),
        (
            "LAKEHOUSE_VACUUM_RETENTION_HOURS",
            "7d",
            r"LAKEHOUSE_VACUUM_RETENTION_HOURS='7d' is not a number of hours; set a whole number of 0 or more",
        ),
        (
            "LAKEHOUSE_SPARK_DRIVER_MEMORY",
            "4 GB",
            r"LAKEHOUSE_SPARK_DRIVER_MEMORY='4 GB' is not a JVM memory size; set a number with a unit",
        ),
        (
            "LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS",
            "0",
            r"LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS='0' is not a positive whole number",
        ),
    ],
)
def test_an_invalid_value_names_the_variable(variable, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({variable: value})


def test_a_file_where_a_folder_is_expected_is_refused(tmp_path):
    occupied = tmp_path / "landing"
    occupied.write_text("not a folder")
    with pytest.raises(SettingsError, match=r"LAKEHOUSE_LANDING_ROOT=.*exists but is not a folder"):
        Settings.from_env({"LAKEHOUSE_LANDING_ROOT": str(occupied)})


@pytest.mark.parametrize(("value", "expected"), [(None, 168), ("0", 0), (" 720 ", 720)])
def test_vacuum_retention_hours(value, expected):
    env = {} if value is None else {"LAKEHOUSE_VACUUM_RETENTION_HOURS": value}
    assert Settings.from_env(env).vacuum_retention_hours == expected


def test_spark_memory_and_shuffle_partitions_reach_the_spark_resource():
    from lakehouse_assets.resources.wiring import build_spark_resource

    defaults = Settings.from_env({})
    assert (defaults.spark_driver_memory, defaults.spark_shuffle_partitions) == ("2g", 4)
    settings = Settings.from_env({"LAKEHOUSE_SPARK_DRIVER_MEMORY": "6G", "LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS": "64"})
    resource = build_spark_resource(settings, {})
    assert (resource.driver_memory, resource.shuffle_partitions) == ("6g", 64)


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--days", "1"],
        ["history", "silver/transactions"],
        ["optimize"],
        ["vacuum"],
        ["rejected"],
        ["land", "."],
    ],
)
def test_a_command_with_a_bad_setting_says_one_line_and_exits_2(argv, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LAKEHOUSE_SPARK_MASTER": "local[0]"}
    lakehouse = str(Path(sys.executable).parent / "lakehouse")
    result = subprocess.run([lakehouse, *argv], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"lakehouse {argv[0]}: error: LAKEHOUSE_SPARK_MASTER='local[0]' is not a Spark master URL; "
        "use local[*], local[N], spark://host:7077, k8s://https://host:443 or yarn."
    ]
    assert not (tmp_path / ".lakehouse").exists()  # nothing was created before the setting was checked


def test_dagster_cli_with_a_bad_setting_says_one_line_and_exits_2(tmp_path):
    """Dagster's own CLI loads the definitions in its process: the bad setting is one line, not a traceback."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).parents[1] / "dagster.yaml", home / "dagster.yaml")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DAGSTER_HOME": str(home),
        "LAKEHOUSE_SPARK_MASTER": "local[0]",
        # Dagster's SupersessionWarning about its older CLI is Dagster's line, not the project's.
        "PYTHONWARNINGS": "ignore",
    }
    dagster = str(Path(sys.executable).parent / "dagster")
    argv = ["asset", "materialize", "-m", "lakehouse_assets.definitions", "--select", "bronze/transactions"]
    result = subprocess.run(
        [dagster, *argv, "--partition", "2024-01-01"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "Error: LAKEHOUSE_SPARK_MASTER='local[0]' is not a Spark master URL; "
        "use local[*], local[N], spark://host:7077, k8s://https://host:443 or yarn."
    ]
