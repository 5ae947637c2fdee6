"""The Spark settings of every lakehouse session, without Dagster.

`resources/spark.build_spark_session` builds the runs' session from them, and the benchmark's
plain PySpark script (`bench/plain_pipeline.py`, which must not import Dagster) builds its own from
the same function, so the two compared pipelines cannot drift apart in Spark settings.
"""

import os
import sys

DELTA_SESSION_CONF: dict[str, str] = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


COMPILE_HUGE_METHODS = "-XX:-DontCompileHugeMethods"


def is_local(master: str) -> bool:
    return master.startswith("local")


def session_conf(master: str, shuffle_partitions: int, ui_enabled: bool, driver_memory: str) -> dict[str, str]:
    conf: dict[str, str] = {
        **DELTA_SESSION_CONF,
        # Small by default: a local run has few cores, and adaptive execution cannot split partitions
        # (16 made a 1-million-row day's silver 25% slower on 2 cores than 4).
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        # Delta reconstructs table state with 50 tasks by default: pure overhead on small tables.
        # (A local master uses one; see below.)
        "spark.databricks.delta.snapshotPartitions": str(max(1, min(shuffle_partitions, 4))),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": str(ui_enabled).lower(),
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": driver_memory,
        "spark.sql.adaptive.enabled": "true",
        # Compiled generated code is cached by its source, 100 classes by default; one daily run
        # compiles ~700 distinct ones, so with 100 a quarter of its compilations were repeats (964
        # against 706 with room for all; ~6 ms each, plus the misses' class loading). Static: set at start.
        "spark.sql.codegen.cache.maxEntries": "1000",
        # A JSON record that repeats a key must not fail the whole drop: the last value wins, as
        # in most JSON parsers.
        "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
        # Landed CSV that is not UTF-8 is read as Windows-1252 (what Excel writes); Spark 4 allows
        # only a few charsets in its readers unless the JVM's full list is switched back on.
        "spark.sql.legacy.javaCharsets": "true",
    }
    # Whole-stage codegen compiles a stage into one Java method; silver's typing and rules make methods
    # beyond HotSpot's 8,000-byte limit, which its JIT then never compiles: they run interpreted, row
    # after row (the note on spark.sql.codegen.hugeMethodLimit in Spark's configuration docs). Letting
    # the JIT compile them: typing 1M transactions 10.5 s -> 6.0 s. The work runs in the executors.
    # JVM flags go in the *default*JavaOptions, which Spark prepends to the extraJavaOptions: a user's
    # extraJavaOptions (spark-defaults.conf, or the resource's extra_conf) then add to these flags
    # instead of one replacing the other without a word.
    conf["spark.executor.defaultJavaOptions"] = COMPILE_HUGE_METHODS
    if is_local(master):
        # Python UDFs (bronze's JSON parser) run in workers started with this interpreter, the
        # project's own; the default, `python3` on PATH, may lack pyarrow or be another version.
        # PySpark takes the workers' interpreter from PYSPARK_PYTHON when the session starts.
        conf["spark.pyspark.python"] = sys.executable
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # A local master runs every task in the driver's JVM. The throughput collector beats Java 17's
        # default G1 on these batch runs: bench/dagster_pipeline.py on one landing day, alternating,
        # 1M transactions 169/148 s -> 133/137 s, 100k 94/91 s -> 92/81 s (no pause-time goal to keep);
        # a local master's executor is the driver, so it takes the driver's options.
        conf["spark.driver.defaultJavaOptions"] = f"-XX:+UseParallelGC {COMPILE_HUGE_METHODS}"
        # One task per table-state reconstruction: a daily run rebuilds a table's state ~40 times (after
        # each commit, for each read), each over a log of a few files, and every extra task is another
        # task (de)serialization. bench/dagster_pipeline.py, alternating with 4: 100k 71.1 / 70.7 s ->
        # 66.7 / 66.4 s, 1M 103.1 -> 98.7 s. (The default of 50 is for logs of millions of files.)
        conf["spark.databricks.delta.snapshotPartitions"] = "1"
        # The machine's hostname may resolve to an address that is not reachable; loopback is.
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
    return conf
