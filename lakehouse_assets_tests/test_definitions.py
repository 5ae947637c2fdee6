"""Definitions load without Spark, and every asset is grouped and declares its partition column."""

import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from lakehouse_assets.constants import LAYERS
from lakehouse_assets_tests.support import TEST_DEFS as defs


def test_loading_definitions_starts_no_jvm():
    probe = (
        "import lakehouse_assets.definitions, pyspark\n"
        "from pyspark import SparkContext\n"
        "lakehouse_assets.definitions.defs.resolve_asset_graph()\n"
        "print(SparkContext._active_spark_context is None and SparkContext._gateway is None)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_every_asset_has_a_layer_group_and_every_partitioned_asset_a_partition_expr():
    graph = defs.resolve_asset_graph()
    keys = sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
    assert keys == [
        AssetKey(["bronze", s])
        for s in ("customers", "customers_files", "products", "products_files", "transactions", "transactions_files")
    ] + [
        AssetKey(["gold", s])
        for s in (
            "customer_segments",
            "daily_sales_summary",
            "dim_customers",
            "dim_products",
            "monthly_sales_summary",
            "product_performance",
            "weekly_sales_summary",
        )
    ] + [AssetKey(["silver", s]) for s in ("customers", "products", "quarantine", "transactions")]
    for key in keys:
        node = graph.get(key)
        assert node.group_name == key.path[0] and key.path[0] in LAYERS
        assert node.description and "one row per" in node.description.lower(), key  # states its grain
        assert node.owners == ["team:data-platform"] and node.kinds == {"spark", "delta"}
        assert node.tags["layer"] == key.path[0] and len(node.code_version) == 12
        if node.partitions_def is not None:
            assert node.metadata.get("partition_expr"), key
            assert node.backfill_policy is not None and node.backfill_policy.max_partitions_per_run is None


def test_bronze_and_silver_carry_their_blocking_checks():
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k) for k in graph.asset_check_keys}
    assert len(checks) == 32
    for source in ("customers", "products", "transactions"):
        assert checks[(f"bronze/{source}", "records_landed_equal_rows_written")].blocking
        # Warnings: a file missing columns or set aside never blocks the day's other files.
        assert not checks[(f"bronze/{source}", "contract_columns_present")].blocking
        assert not checks[(f"bronze/{source}_files", "no_rejected_files")].blocking
        for name in ("pandera_schema", "reconciles_with_bronze", "business_key_unique"):
            assert checks[(f"silver/{source}", name)].blocking
        assert not checks[(f"silver/{source}", "rule_failure_rates")].blocking
    assert checks[("silver/transactions", "references_resolve")].blocking
    for key in [
        ("gold/daily_sales_summary", "matches_silver"),
        ("gold/daily_sales_summary", "no_negative_amounts"),
        ("gold/dim_products", "one_row_per_product"),
        ("gold/dim_products", "fact_keys_resolve"),
        ("gold/weekly_sales_summary", "equals_sum_of_days"),
        ("gold/monthly_sales_summary", "equals_sum_of_days"),
        ("gold/dim_customers", "scd2_history_valid"),
        ("gold/dim_customers", "fact_keys_resolve"),
        ("gold/customer_segments", "segments_declared"),
        ("gold/product_performance", "no_negative_units_or_revenue"),
    ]:
        assert checks[key].blocking


def test_an_invalid_setting_fails_definitions_load_naming_the_variable(tmp_path):
    env = {"LAKEHOUSE_SPARK_MASTER": "mesos://nope", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", "import lakehouse_assets.definitions"], capture_output=True, text=True, env=env
    )
    assert out.returncode != 0
    assert "LAKEHOUSE_SPARK_MASTER='mesos://nope' is not a Spark master URL" in out.stderr


def test_runs_execute_in_one_process_so_all_steps_share_one_spark_session():
    assert defs.executor.name == "in_process"


def test_one_job_per_calendar_covers_every_asset_once():
    graph = defs.resolve_asset_graph()
    covered = [
        key
        for name in ("daily_lakehouse_job", "weekly_sales_job", "monthly_sales_job")
        for key in defs.resolve_job_def(name).asset_layer.selected_asset_keys
    ]
    assert sorted(covered) == sorted(graph.get_all_asset_keys())


def test_a_code_version_follows_the_source_of_the_transform_that_computes_the_table():
    from lakehouse_assets.assets.presentation import code_version
    from lakehouse_assets.transforms.gold import periods, sales

    graph = defs.resolve_asset_graph()
    daily, weekly = (
        graph.get(AssetKey(["gold", "daily_sales_summary"])),
        graph.get(AssetKey(["gold", "weekly_sales_summary"])),
    )
    assert daily.code_version == code_version(sales) != weekly.code_version == code_version(periods)


def test_a_code_version_covers_every_lakehouse_module_the_transform_imports():
    from lakehouse_assets.assets.presentation import computed_by_modules
    from lakehouse_assets.transforms import bronze_files
    from lakehouse_assets.transforms.bronze import read_drop
    from lakehouse_assets.transforms.silver import pipeline

    def names(*computed_by) -> list[str]:
        return [module.__name__.removeprefix("lakehouse_assets.") for module in computed_by_modules(*computed_by)]

    # The contracts, which bronze's and silver's schemas come from, and the rules silver applies.
    assert names(read_drop, bronze_files) == ["contracts", "transforms.bronze", "transforms.bronze_files"]
    assert names(pipeline) == [
        "contracts",
        "rules",
        *[f"transforms.silver.{m}" for m in ("dedupe", "parsing", "pipeline", "quality", "standardize", "typed")],
    ]


LIGHT_PROBE = (
    "import sys\n"
    "import lakehouse_assets, lakehouse_assets.generator\n"
    "from lakehouse_assets import cli\n"
    "cli.build_parser()\n"
    "print(sorted(m for m in ('dagster', 'pyspark', 'pandera', 'lakehouse_assets.definitions') if m in sys.modules))\n"
)


def test_the_package_the_generator_and_the_command_line_load_neither_dagster_nor_pyspark(tmp_path):
    out = subprocess.run([sys.executable, "-c", LIGHT_PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    # A broken Spark setting does not stop help or the generator, which never use Spark.
    env = {"LAKEHOUSE_SPARK_MASTER": "bogus", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    lakehouse = str(Path(sys.executable).parent / "lakehouse")
    for argv in ([lakehouse, "--help"], [lakehouse, "generate", "--help"]):
        result = subprocess.run(argv, capture_output=True, text=True, env=env)
        assert (result.returncode, result.stderr) == (0, ""), argv
        assert "usage: lakehouse" in result.stdout


def test_only_entry_points_read_the_settings_from_the_environment():
    package = Path(__file__).resolve().parents[1] / "lakehouse_assets"
    readers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "Settings.from_env(" in path.read_text() and path.name != "settings.py"
    )
    # The definitions module (what Dagster loads), the `lakehouse` commands and the dashboard app; every
    # asset, check, job, schedule and sensor gets its values from build_definitions(settings).
    assert readers == [
        "cli/demo.py",
        "cli/landing.py",
        "cli/maintenance.py",
        "cli/timetravel.py",
        "dashboard/app.py",
        "definitions.py",
    ]
    assert not [path for path in package.rglob("*.py") if "get_settings" in path.read_text()]
