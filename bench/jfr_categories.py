"""Where a run's JVM spends its CPU, from a Java Flight Recorder recording: sample shares by kind of work.

    .venv/bin/python bench/jfr_categories.py RECORDING.jfr

Record a run by adding the flight recorder to the driver's JVM options, for instance in a
spark-defaults.conf under SPARK_CONF_DIR (the project's own flags are in spark.driver.defaultJavaOptions,
so this one is added to them):

    spark.driver.extraJavaOptions -XX:StartFlightRecording=settings=profile

and dump it before the run ends (PySpark stops the JVM without letting it write the recording):
`jcmd <pid> JFR.dump filename=RECORDING.jfr`, repeated every few seconds, keeps the latest.
Each execution sample goes to the first kind below whose pattern one of its frames matches
(the 40 innermost frames: `jfr print --stack-depth 40`), so the order matters: code generation
before the Catalyst tree code it runs through, for instance.
"""

import argparse
import re
import subprocess
from collections import Counter

KINDS = [
    ("code generation: Janino compiling", r"janino|CodeGenerator\$\.doCompile"),
    ("code generation: writing the source", r"WholeStageCodegenExec\.doCodeGen|CodegenContext|genCode"),
    ("regular expressions", r"java\.util\.regex"),
    (
        "Parquet writing and Delta's file statistics",
        r"parquet\.(column|hadoop)|ParquetWriteSupport|DeltaTaskStatistics",
    ),
    ("Parquet reading", r"VectorizedParquet|ParquetFileFormat|ParquetColumnVector|VectorizedColumnReader"),
    ("CSV and JSON parsing", r"univocity|UnivocityParser|JacksonParser|CSVFileFormat|JsonFileFormat"),
    ("Java serialization (tasks, closures, results)", r"ObjectOutputStream|ObjectInputStream|JavaSerializer"),
    ("Catalyst analysis", r"Analyzer|CheckAnalysis"),
    ("Catalyst optimization", r"Optimizer|SparkOptimizer"),
    ("physical planning and AQE", r"SparkPlanner|QueryPlanner|AdaptiveSparkPlanExec|InsertAdaptiveSparkPlan"),
    ("Delta log and snapshots", r"delta\.(Snapshot|DeltaLog|actions|files|OptimisticTransaction|Checkpoint|stats)"),
    ("class loading", r"ClassLoader\.loadClass|URLClassPath"),
    ("Py4J", r"py4j"),
    ("other Catalyst tree work", r"TreeNode"),
    ("generated code running (the rows' own work)", r"GeneratedClass"),
]


def samples(recording: str) -> list[str]:
    printed = subprocess.run(
        ["jfr", "print", "--stack-depth", "40", "--events", "jdk.ExecutionSample", recording],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [event.split("stackTrace = [", 1)[-1] for event in printed.split("jdk.ExecutionSample {")[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recording")
    stacks = samples(parser.parse_args().recording)
    counts = Counter(next((kind for kind, pattern in KINDS if re.search(pattern, s)), "other") for s in stacks)
    print(f"{len(stacks)} execution samples")
    for kind, n in counts.most_common():
        print(f"{n:6d}  {100 * n / max(1, len(stacks)):5.1f}%  {kind}")


if __name__ == "__main__":
    main()
