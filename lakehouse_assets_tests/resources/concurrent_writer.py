"""One writer of the concurrent-writer tests: its own process, JVM and SparkSession, as a second
`dagster asset materialize` would have. Run as `python -m lakehouse_assets_tests.resources.concurrent_writer <root>`.

It prints `ready` once its session is up and warm, then writes one partition per line it reads on
stdin (`<table> <partition> <version>`) through the project's DeltaIOManager, called as Dagster
calls it, and answers each with one JSON line: the write's output metadata, or the error. The test
sends a line to every writer at once, so writes start together, after the ~7 s (and seconds of
spread) a JVM takes to start; one pair of JVMs serves every race of the test module.
"""

import json
import sys
import tempfile
import traceback
from datetime import date

from dagster import AssetKey, DailyPartitionsDefinition, build_output_context

from lakehouse_assets.resources import DeltaIOManager, SparkResource

DAYS = DailyPartitionsDefinition(start_date="2024-01-01")
ROWS_PER_DAY = 3


def rows(partition: str, version: int) -> list[tuple]:
    """The partition's rows as writer `version` writes them, so the table shows whose rows it kept."""
    day = date.fromisoformat(partition)
    return [(day, n, day.day * 100 + n * version) for n in range(ROWS_PER_DAY)]


def write(io_manager: DeltaIOManager, table: str, partition: str, version: int) -> dict:
    spark = io_manager.spark.get_session()
    df = spark.createDataFrame(rows(partition, version), "day date, n int, value long")
    context = build_output_context(
        asset_key=AssetKey(["test", table]),
        partition_key=partition,
        asset_partitions_def=DAYS,
        definition_metadata={"partition_expr": "day"},
    )
    io_manager.handle_output(context, df)
    metadata = {key: getattr(value, "value", value) for key, value in context.get_logged_metadata().items()}
    return {key: value for key, value in metadata.items() if isinstance(value, int | float | str)}


def main(root: str) -> None:
    spark_resource = SparkResource(master="local[1]", shuffle_partitions=1, app_name="concurrent_writer")
    io_manager = DeltaIOManager(root=root, spark=spark_resource)
    # Warm-up before the first race, so that class loading does not decide who commits first: a
    # Delta table written and read outside the root.
    spark = spark_resource.get_session()
    with tempfile.TemporaryDirectory() as scratch:
        spark.range(1).write.format("delta").save(scratch + "/warm_up")
        spark.read.format("delta").load(scratch + "/warm_up").count()
    print("ready", flush=True)
    for line in sys.stdin:
        table, partition, version = line.split()
        try:
            result = write(io_manager, table, partition, int(version))
        except Exception as exc:  # reported to the test, which fails naming it
            result = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0], "trace": traceback.format_exc()}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
