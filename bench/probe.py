"""What a measurement process records about itself: memory over time, the JVM's heap, the tables it wrote.

Used inside the measurement subprocesses (bench/generate_day.py, bench/plain_pipeline.py,
bench/dagster_pipeline.py). Each prints one JSON line on stdout and writes the same object to
`--result`; the parent (bench/run.py) reads the file, since Spark may print to stdout too.
"""

import json
import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import psutil

MB = 2**20
LAYERS = ("bronze", "silver", "gold")
# Session settings that differ between any two sessions (ids, ports, names, temp paths), left out
# when the plain and the Dagster sessions are compared.
VOLATILE_SPARK_CONF = (
    "spark.app.id",
    "spark.app.name",
    "spark.app.startTime",
    "spark.app.submitTime",
    "spark.driver.port",
    "spark.executor.id",
    "spark.repl.local.jars",
    "spark.files",
    "spark.jars",
    "spark.submit.pyFiles",
    "spark.sql.warehouse.dir",
    "spark.app.initial.jar.urls",
    "spark.app.initial.file.urls",
)


class MemorySampler:
    """Samples the RSS of this (driver) process and of its JVM child every `interval` seconds in a thread.

    Keeps every sample with its wall-clock time, so peaks can be taken over any window (a layer's
    steps) afterwards. The JVM is the `java` child pyspark starts; before it exists its RSS is 0.
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.samples: list[tuple[float, int, int]] = []  # (time.time(), driver RSS, JVM RSS)
        self._driver = psutil.Process(os.getpid())
        self._jvm: psutil.Process | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def stop(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join()
            self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        self.samples.append((time.time(), self._driver.memory_info().rss, self._jvm_rss()))

    def _jvm_rss(self) -> int:
        try:
            if self._jvm is None:
                self._jvm = next(
                    (child for child in self._driver.children(recursive=True) if child.name() == "java"), None
                )
            return self._jvm.memory_info().rss if self._jvm is not None else 0
        except psutil.NoSuchProcess:
            self._jvm = None
            return 0

    def peaks_mb(self, windows: Iterable[tuple[float, float]] | None = None) -> dict[str, float]:
        """Peak driver and JVM RSS over all samples, or over the samples inside `windows`."""
        spans = list(windows) if windows is not None else None
        chosen = [s for s in self.samples if spans is None or any(start <= s[0] <= end for start, end in spans)]
        if not chosen and spans:
            # A window shorter than the interval: the sample just after it is the closest reading.
            ends = [end for _, end in spans]
            chosen = [min(self.samples, key=lambda s: min(abs(s[0] - end) for end in ends))] if self.samples else []
        return {
            "driver_peak_mb": round(max((s[1] for s in chosen), default=0) / MB, 1),
            "jvm_peak_mb": round(max((s[2] for s in chosen), default=0) / MB, 1),
        }


def jvm_memory_peaks_mb(spark) -> dict[str, float]:
    """Peak heap and non-heap use the JVM itself recorded (MemoryPoolMXBean peak usage).

    The heap figure is the sum of each heap pool's own peak, so it bounds the heap's peak from above.
    """
    management = spark.sparkContext._jvm.java.lang.management.ManagementFactory
    peaks = {"HEAP": 0, "NON_HEAP": 0}
    for pool in management.getMemoryPoolMXBeans():
        peaks[pool.getType().name()] += pool.getPeakUsage().getUsed()
    return {"jvm_heap_peak_mb": round(peaks["HEAP"] / MB, 1), "jvm_nonheap_peak_mb": round(peaks["NON_HEAP"] / MB, 1)}


def spark_conf(spark) -> dict[str, str]:
    return {
        key: value for key, value in sorted(spark.sparkContext.getConf().getAll()) if key not in VOLATILE_SPARK_CONF
    }


def table_folders(root: Path) -> list[Path]:
    """Every Delta table under `root` (`<layer>/<table>` folders holding a `_delta_log`)."""
    return sorted(log.parent for log in root.glob("*/*/_delta_log"))


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def table_stats(spark, root: Path) -> dict[str, dict[str, int]]:
    """Rows (Delta count, from the log's statistics) and bytes on disk (data and log) per table."""
    return {
        f"{folder.parent.name}/{folder.name}": {
            "rows": spark.read.format("delta").load(str(folder)).count(),
            "bytes": folder_bytes(folder),
        }
        for folder in table_folders(root)
    }


def layer_rows(tables: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Rows each layer read and wrote, from the tables of one fresh root.

    Bronze reads the landed records (= its rows; its file ledgers, one row per landed file, are not
    records); silver reads bronze; gold reads silver's three business tables (quarantine is silver
    output that gold never reads).
    """

    def rows(layer: str, skip: tuple[str, ...] = ()) -> int:
        return sum(t["rows"] for name, t in tables.items() if name.startswith(layer + "/") and name not in skip)

    ledgers = tuple(name for name in tables if name.startswith("bronze/") and name.endswith("_files"))
    bronze, silver, gold = rows("bronze", skip=ledgers), rows("silver"), rows("gold")
    return {
        "bronze": {"rows_in": bronze, "rows_out": bronze},
        "silver": {"rows_in": bronze, "rows_out": silver},
        "gold": {"rows_in": rows("silver", skip=("silver/quarantine",)), "rows_out": gold},
    }


def layer_bytes(tables: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    return {layer: sum(t["bytes"] for name, t in tables.items() if name.startswith(layer + "/")) for layer in LAYERS}


def pipeline_result(
    spark,
    sampler: MemorySampler,
    root: Path,
    layer_windows: Mapping[str, list[tuple[float, float]]],
    layer_seconds: Mapping[str, float],
    **fields,
) -> dict:
    """The record every pipeline measurement prints; tables are counted after the timed part."""
    sampler.stop()
    tables = table_stats(spark, root)
    rows, sizes = layer_rows(tables), layer_bytes(tables)
    layers = {}
    for layer in LAYERS:
        seconds = layer_seconds.get(layer, 0.0)
        layers[layer] = {
            "seconds": round(seconds, 2),
            **rows[layer],
            "rows_per_second": round(rows[layer]["rows_in"] / seconds) if seconds > 0 else None,
            "bytes": sizes[layer],
            **sampler.peaks_mb(layer_windows.get(layer, [])),
        }
    return {
        **fields,
        "layers": layers,
        "tables": tables,
        "bytes_written": sum(sizes.values()),
        **sampler.peaks_mb(),
        **jvm_memory_peaks_mb(spark),
        "spark_conf": spark_conf(spark),
        "process_seconds": process_seconds(),
    }


def process_seconds() -> float:
    """Seconds since this process started (interpreter start and imports included)."""
    return round(time.time() - psutil.Process(os.getpid()).create_time(), 2)


def emit(result: dict, path: Path | None) -> None:
    line = json.dumps(result, sort_keys=True)
    if path is not None:
        path.write_text(line + "\n")
    print(line, flush=True)
