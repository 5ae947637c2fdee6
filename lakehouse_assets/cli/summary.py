"""A per-table summary of what a run left in the lakehouse."""

from dagster import Definitions, ExecuteInProcessResult
from delta.tables import DeltaTable

from lakehouse_assets.constants import GOLD, LAYERS


def print_summary(defs: Definitions, results: list[ExecuteInProcessResult]) -> int:
    """Prints rows, Delta version, location and check results per table; returns failed checks."""
    spark = defs.resources["spark"].get_session()
    io_manager = defs.resources["io_manager"]
    checks: dict[str, list] = {}
    for evaluation in (e for result in results for e in result.get_asset_check_evaluations()):
        checks.setdefault(evaluation.asset_key.to_user_string(), []).append(evaluation)

    print(f"\n{'table':<24} {'rows':>10} {'version':>8}  checks          location")
    failed = 0
    for key in _by_layer(defs):
        name = key.to_user_string()
        uri = io_manager.table_uri(key)
        if not DeltaTable.isDeltaTable(spark, uri):
            print(f"{name:<24} {'-':>10} {'-':>8}  {'-':<15} {uri} (not materialized)")
            continue
        table = DeltaTable.forPath(spark, uri)
        rows = table.toDF().count()
        version = table.history(1).first()["version"]
        evaluations = checks.get(name, [])
        passed = sum(1 for e in evaluations if e.passed)
        failed += len(evaluations) - passed
        verdict = f"{passed}/{len(evaluations)} passed" if evaluations else "no checks"
        print(f"{name:<24} {rows:>10,} {version:>8}  {verdict:<15} {uri}")
    _print_gold_samples(defs, spark, io_manager)
    return failed


def _print_gold_samples(defs: Definitions, spark, io_manager) -> None:
    """A few rows of each gold table, so the demo ends on business numbers."""
    for key in _by_layer(defs):
        uri = io_manager.table_uri(key)
        if key.path[0] != GOLD or not DeltaTable.isDeltaTable(spark, uri):
            continue
        table = spark.read.format("delta").load(uri)
        order = [c for c in ("as_of_date", "week_start", "month_start", "transaction_date", "channel", "category",
                             "product_id", "customer_id", "valid_from") if c in table.columns]
        print(f"\n{key.to_user_string()} (first rows):")
        print(table.orderBy(*order).limit(5).toPandas().to_string(index=False))


def _by_layer(defs: Definitions) -> list:
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    return sorted(keys, key=lambda k: (LAYERS.index(k.path[0]), k.to_user_string()))
