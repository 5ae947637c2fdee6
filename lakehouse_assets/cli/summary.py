"""A per-table summary of what a run left in the lakehouse."""

from dagster import ExecuteInProcessResult
from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from lakehouse_assets.constants import GOLD
from lakehouse_assets.tables import TABLES


def print_summary(spark: SparkSession, root: str, results: list[ExecuteInProcessResult]) -> int:
    """Prints rows, Delta version, location and check results per table under `root`; returns failed checks."""
    checks: dict[str, list] = {}
    for evaluation in (e for result in results for e in result.get_asset_check_evaluations()):
        checks.setdefault(evaluation.asset_key.to_user_string(), []).append(evaluation)

    width = max(len(listed.path) for listed in TABLES)
    print(f"\n{'table':<{width}} {'rows':>10} {'version':>8}  checks          location")
    failed = 0
    for listed in TABLES:
        name, uri = listed.path, listed.location(root)
        if not DeltaTable.isDeltaTable(spark, uri):
            print(f"{name:<{width}} {'-':>10} {'-':>8}  {'-':<15} {uri} (not materialized)")
            continue
        table = DeltaTable.forPath(spark, uri)
        rows = table.toDF().count()
        version = table.history(1).first()["version"]
        evaluations = checks.get(name, [])
        passed = sum(1 for e in evaluations if e.passed)
        failed += len(evaluations) - passed
        verdict = f"{passed}/{len(evaluations)} passed" if evaluations else "no checks"
        print(f"{name:<{width}} {rows:>10,} {version:>8}  {verdict:<15} {uri}")
    _print_gold_samples(spark, root)
    return failed


def _print_gold_samples(spark, root: str) -> None:
    """A few rows of each gold table, so the demo ends on business numbers."""
    for listed in TABLES:
        uri = listed.location(root)
        if listed.layer != GOLD or not DeltaTable.isDeltaTable(spark, uri):
            continue
        table = spark.read.format("delta").load(uri)
        order = [
            c
            for c in (
                "as_of_date",
                "week_start",
                "month_start",
                "transaction_date",
                "channel",
                "category",
                "product_id",
                "customer_id",
                "valid_from",
            )
            if c in table.columns
        ]
        print(f"\n{listed.path} (first rows):")
        print(table.orderBy(*order).limit(5).toPandas().to_string(index=False))
