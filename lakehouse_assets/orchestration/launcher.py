"""The embedded instance's run launcher: Dagster's default one, whose runs the monitoring daemon can check.

Dagster's `DefaultRunLauncher` starts each run as a process of the code server and offers the
monitoring daemon no way to ask whether that process still lives. When the run worker alone dies,
the code server notices and fails the run; when the code server dies with it (a `kill -9` of
`dagster dev`, a reboot), nothing ever does, and with one run at a time the dead run holds the queue
until `max_runtime_seconds`. In the embedded deployment (the root dagster.yaml) the daemon, the code
server and its run workers share one machine, so the worker's PID, which the worker reports in its
"Started process for run" event, answers the question directly. deploy/dagster.yaml (compose: the
workers live in another container) keeps the default launcher and relies on `max_runtime_seconds`.
"""

import os
import time
from pathlib import Path

from dagster import DagsterEventType, DagsterRun, DefaultRunLauncher

from lakehouse_assets.internals.dagster import run_worker_health

# How much later than its "Started process" event a process may have started and still be that run's
# worker: the event is written right after the fork. A process that started later reuses the PID.
_START_SLACK_SECONDS = 5.0


class LocalRunLauncher(DefaultRunLauncher):
    """`DefaultRunLauncher` plus a health check of run workers on this machine, by PID."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun):
        started = _worker_started(self._instance, run.run_id)
        if started is None:
            # Not reported yet: the start timeout of run monitoring covers a run that never starts.
            return run_worker_health(True, "the run worker has not reported its process yet")
        pid, reported_at = started
        started_at = _process_started_at(pid)
        if started_at is None or started_at > reported_at + _START_SLACK_SECONDS:
            return run_worker_health(
                False,
                f"run worker process {pid} on this machine is gone (its code server or the machine stopped "
                "while the run was in progress); re-launch the run",
            )
        return run_worker_health(True, f"run worker process {pid} is alive")


def _worker_started(instance, run_id: str) -> tuple[int, float] | None:
    """(pid, unix time) of the run's "Started process for run" engine event, the last one if it restarted."""
    events = instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)
    for event in reversed(events):
        data = event.dagster_event.engine_event_data if event.dagster_event else None
        if data is not None and "pid" in data.metadata and event.message.startswith("Started process for run"):
            return int(data.metadata["pid"].value), event.timestamp
    return None


def _process_started_at(pid: int) -> float | None:
    """When process `pid` started (unix time), or None when it does not exist or has exited (a zombie)."""
    if not Path("/proc/self/stat").exists():
        # No /proc (macOS): whether the PID exists is all that can be told.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0.0
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    # Field 22 of /proc/<pid>/stat (index 19 after the command): start time in clock ticks after boot.
    ticks = int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return _boot_time() + ticks


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return time.time() - time.monotonic()
