"""Runs one measurement in a fresh subprocess, with its own tables, landing zone and Dagster instance.

Every measurement is a new Python process (and so a new JVM), so interpreter start, imports and the
JVM's warm-up are paid the same way by everything compared. The child's stdout and stderr go to a
log file; its result is the JSON object it writes to `--result`.

`inline=True` (the smoke configuration) runs each measurement's `main()` in this process instead,
with the measurement's environment and working folder swapped in for the call: every measurement
shares this process's one JVM, so the whole smoke costs one Spark start. Its timings mean nothing.
"""

import contextlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lakehouse_assets_tests.processes import stop_process_group  # noqa: E402

BENCH = REPO / "bench"
FIRST_DAY = "2024-01-01"


class MeasurementFailed(RuntimeError):
    """A measurement process exited non-zero or timed out; the message ends with its log's tail."""


@dataclass
class Harness:
    logs: Path  # one <name>.log and <name>.json per measurement
    work: Path  # scratch space for drops, tables and Dagster instances
    timeout: float  # seconds one measurement may take
    keep: bool = False
    inline: bool = False  # run measurements in this process (one JVM for all): the smoke configuration
    counter: dict = field(default_factory=dict)
    running: set = field(default_factory=set)  # children not yet finished, for stop_all
    stopped: bool = False

    def scratch(self, name: str) -> Path:
        folder = self.work / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return folder

    def discard(self, folder: Path) -> None:
        if not self.keep:
            shutil.rmtree(folder, ignore_errors=True)

    def stop_all(self) -> None:
        """Stops every measurement still running (each with its JVM) and refuses new ones: the benchmark
        was interrupted."""
        self.stopped = True
        for child in list(self.running):
            stop_process_group(child)

    def run(
        self, name: str, script: str, args: list[str], env: dict[str, str], cwd: Path, result_flag: str = "--result"
    ) -> dict:
        """Runs `bench/<script>` with `args`; returns its result plus wall time, CPU seconds and the load before it.

        The child writes its JSON result to the file given with `result_flag`. `cpu_seconds` is the
        user + system CPU of the child and every process under it (the JVM, Spark's Python workers),
        so an engine that spends its time outside the Python driver is not flattered.
        """
        if self.stopped:
            raise MeasurementFailed(f"{name} not started: the benchmark was interrupted")
        self.counter[name] = self.counter.get(name, 0) + 1
        stem = name if self.counter[name] == 1 else f"{name}-{self.counter[name]}"
        log, result_file = self.logs / f"{stem}.log", self.logs / f"{stem}.json"
        result_file.unlink(missing_ok=True)
        load_before = round(os.getloadavg()[0], 2)
        progress(f"{stem}: running bench/{script} (log {log})")
        started = time.perf_counter()
        if self.inline:
            cpu_before = sum(os.times()[:2])
            code = run_inline(script, [*args, result_flag, str(result_file)], env, cwd, log)
            # One process for everything: its own CPU over the call (the JVM's is not counted).
            cpu = sum(os.times()[:2]) - cpu_before
        else:
            code, cpu = self._run_child(stem, script, [*args, result_flag, str(result_file)], env, cwd, log)
        wall = round(time.perf_counter() - started, 2)
        if code != 0 or not result_file.exists():
            raise MeasurementFailed(f"{stem} exited with code {code} after {wall} s\n{tail(log)}")
        progress(f"{stem}: done in {wall:.1f} s")
        return {
            **json.loads(result_file.read_text()),
            "wall_seconds": wall,
            "cpu_seconds": round(cpu, 2),
            "load_1m_before": load_before,
            "log": str(log),
        }

    def _run_child(
        self, stem: str, script: str, argv: list[str], env: dict[str, str], cwd: Path, log: Path
    ) -> tuple[int, float]:
        """Runs the child to its end; returns its exit code and the CPU seconds of its process tree."""
        with open(log, "wb") as output:
            # A session of its own, so a timeout stops the child and its JVM together.
            child = subprocess.Popen(
                [sys.executable, str(BENCH / script), *argv],
                cwd=cwd,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            self.running.add(child)
            cpu = TreeCpu(child.pid)
            try:
                with cpu:
                    code = child.wait(timeout=self.timeout)
                return code, cpu.seconds
            except subprocess.TimeoutExpired:
                stop_process_group(child)
                raise MeasurementFailed(
                    f"{stem} took longer than {self.timeout:.0f} s and was stopped\n{tail(log)}"
                ) from None
            except BaseException:
                self.stop_all()
                raise
            finally:
                self.running.discard(child)


class TreeCpu:
    """CPU seconds (user + system) of a process and all its descendants, sampled every `interval` s.

    Each process's last sample counts, so every process loses at most its last `interval` seconds
    of CPU (the JVM's shutdown after the driver exits is not seen). RUSAGE_CHILDREN is no
    alternative: it misses the JVM, which pyspark never waits for. Cumulative `children_*` times are
    left out, since the tree's processes are each counted themselves.
    """

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)

    def __enter__(self) -> "TreeCpu":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.last.values())

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.interval):
                return

    def _sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            self.last[process.pid] = times.user + times.system


def run_inline(script: str, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> int:
    """Calls `bench/<script>`'s `main(argv)` here, as if it were the child process; returns its exit code.

    The process's environment and working folder are the measurement's for the call, and the
    project's settings are read from it by the script itself.
    Python's stdout/stderr go to the log; the JVM's own output stays on this process's.
    """
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    module = importlib.import_module(Path(script).stem)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    with open(log, "w") as output, contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        try:
            return module.main(argv) or 0
        except SystemExit as exit_:  # argparse, or a script that exits
            return exit_.code if isinstance(exit_.code, int) else 1
        except Exception:
            traceback.print_exc()
            return 1
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            os.chdir(saved_cwd)


def lakehouse_env(work: Path, landing: Path) -> dict[str, str]:
    """The environment of a measurement: tables and Dagster instance under `work`, local Spark."""
    home = work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "LAKEHOUSE_ROOT": str(work / "tables"),
        "LAKEHOUSE_LANDING_ROOT": str(landing),
        "DAGSTER_HOME": str(home),
        "LAKEHOUSE_START_DATE": FIRST_DAY,
        "LAKEHOUSE_SPARK_MASTER": "local[*]",
        "LAKEHOUSE_SENSORS_DEFAULT_STATUS": "stopped",
    }


def tail(log: Path, lines: int = 30) -> str:
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    return "\n".join(f"    | {line}" for line in text[-lines:])


def progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)
