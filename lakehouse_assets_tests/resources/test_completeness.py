"""The IO manager refuses a day that the step writing an input's table wrote to only some of its tables.

A stand-in for silver_layer writes tiny real Delta tables under silver's four keys (the catalogue names
the tables written together), so a run here takes ~2 s where the real silver step takes ~15 s.
"""

import re

import pytest
from dagster import (
    AllPartitionMapping,
    AssetIn,
    AssetKey,
    AssetOut,
    Config,
    DagsterInstance,
    DailyPartitionsDefinition,
    MaterializeResult,
    Output,
    asset,
    materialize,
    multi_asset,
)
from pyspark.sql import DataFrame

from lakehouse_assets.resources.completeness import IncompleteUpstreamError, written_together
from lakehouse_assets.resources.io_manager import DeltaIOManager
from lakehouse_assets.resources.spark import SparkResource

days = DailyPartitionsDefinition(start_date="2024-01-01")
SILVER = ("customers", "products", "transactions", "quarantine")  # in the order silver_layer yields them
TRANSACTIONS = AssetKey(["silver", "transactions"])


class Version(Config):
    version: int


@multi_asset(
    outs={name: AssetOut(key=AssetKey(["silver", name]), metadata={"partition_expr": "day"}) for name in SILVER},
    partitions_def=days,
    can_subset=False,
)
def silver_stand_in(context, config: Version, spark: SparkResource):
    day = context.partition_time_window.start.date()
    for name in SILVER:
        yield Output(spark.get_session().createDataFrame([(day, config.version)], "day date, version int"), name)


@asset(key_prefix="test", partitions_def=days, ins={"transactions": AssetIn(key=TRANSACTIONS)})
def reads_a_day(transactions: DataFrame) -> MaterializeResult:
    return MaterializeResult(metadata={"versions": sorted(r.version for r in transactions.collect())})


@asset(key_prefix="test", ins={"transactions": AssetIn(key=TRANSACTIONS, partition_mapping=AllPartitionMapping())})
def reads_every_day(transactions: DataFrame) -> MaterializeResult:
    return MaterializeResult(metadata={"versions": sorted(r.version for r in transactions.collect())})


class DyingBeforeTransactions(DeltaIOManager):
    """The run's process dying after customers and products were stored: a test double of the kill."""

    def handle_output(self, context, obj) -> None:
        if context.asset_key == TRANSACTIONS:
            raise RuntimeError("run worker killed")
        super().handle_output(context, obj)


def write_silver(resources, instance, day: str, version: int, dying: bool = False):
    if dying:
        resources = {
            **resources,
            "io_manager": DyingBeforeTransactions(root=resources["io_manager"].root, spark=resources["spark"]),
        }
    return materialize(
        [silver_stand_in],
        resources=resources,
        instance=instance,
        partition_key=day,
        run_config={"ops": {"silver_stand_in": {"config": {"version": version}}}},
        raise_on_error=not dying,
    )


def read(resources, instance, consumer, day: str | None = None) -> list[int]:
    result = materialize(
        [silver_stand_in, consumer], resources=resources, instance=instance, partition_key=day, selection=[consumer]
    )
    return result.asset_materializations_for_node(consumer.op.name)[0].metadata["versions"].value


def test_a_rerun_killed_between_tables_is_refused_though_every_table_has_the_day_until_rerun(resources, instance):
    write_silver(resources, instance, "2024-01-01", version=1)
    write_silver(resources, instance, "2024-01-02", version=1)
    killed = write_silver(resources, instance, "2024-01-02", version=2, dying=True)

    # transactions still holds version 1 of 2024-01-02, so no partition is missing: only the runs tell.
    assert read(resources, instance, reads_a_day, "2024-01-01") == [1]
    expected = (
        f"silver day 2024-01-02 is incomplete: run {killed.run_id} wrote silver/customers, silver/products but "
        "not silver/quarantine, silver/transactions (it was interrupted). Rerun silver_stand_in for 2024-01-02 "
        "(`dagster asset materialize -m lakehouse_assets.definitions --select "
        "'silver/customers,silver/products,silver/quarantine,silver/transactions' --partition 2024-01-02`), "
        "then this step."
    )
    with pytest.raises(IncompleteUpstreamError, match=f"^{re.escape(expected)}$"):
        read(resources, instance, reads_a_day, "2024-01-02")
    # A whole-table read covers every day the instance knows of.
    with pytest.raises(IncompleteUpstreamError, match=f"^{re.escape(expected)}$"):
        read(resources, instance, reads_every_day)
    # Another Dagster instance over the same tables has no record of these runs: it does not judge them.
    with DagsterInstance.ephemeral() as elsewhere:
        assert read(resources, elsewhere, reads_every_day) == [1, 1]

    write_silver(resources, instance, "2024-01-02", version=2)
    assert read(resources, instance, reads_every_day) == [1, 2]


def test_the_tables_judged_together_are_those_one_step_writes():
    def together(path: str) -> list[str]:
        return [key.to_user_string() for key in written_together(AssetKey(path.split("/")))]

    assert together("silver/transactions") == [f"silver/{name}" for name in sorted(SILVER)]
    assert together("bronze/transactions") == ["bronze/transactions", "bronze/transactions_files"]
    # Written alone, or not in the catalogue (a test asset): nothing to compare with.
    assert together("gold/daily_sales_summary") == []
    assert together("test/events") == []
