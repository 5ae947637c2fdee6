"""A run whose processes are killed does not hold the one-run queue (issue 16).

Real processes under the project's root dagster.yaml: `dagster code-server start` (as in the compose
deployment), `dagster-daemon run`, and the run workers the code server starts. The job is
lakehouse_assets_tests/blocking_job.py, which runs until the test creates a release file.

Two ways a run dies: only its worker is killed, and the code server that started the worker fails
the run within a second, with or without run monitoring; or the code server dies with it (a
`kill -9` of the whole `dagster dev`, a reboot), and only the monitoring daemon configured in
dagster.yaml fails the run: at its next poll through the embedded instance's launcher
(lakehouse_assets/orchestration/launcher.py), after max_runtime_seconds in the compose deployment,
whose run workers live in another container.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance, DagsterRunStatus
from dagster._cli.job import execute_launch_command
from dagster._core.events import DagsterEventType
from dagster._core.instance.ref import InstanceRef
from dagster_shared.cli import WorkspaceOpts

from lakehouse_assets_tests.processes import free_port, stop_process_group, wait_for_port

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
JOB_FILE = Path(__file__).with_name("blocking_job.py")
LOCATION = "run_monitoring_test"
# The shipped poll interval (30 s) would make the test wait; every other instance setting, the run
# launcher included, is the root dagster.yaml as shipped.
FAST_MONITORING = {"poll_interval_seconds": 1}


def wait_until(condition: Callable[[], object], timeout: float, failure: Callable[[], str]):
    """Polls `condition` until it returns something truthy (and returns that) or `timeout` seconds
    pass (and fails with `failure()`, which can describe the state at that moment)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(failure())
        time.sleep(0.1)


def process_is_gone(pid: int) -> bool:
    """Whether `pid` no longer runs (exited, or a zombie waiting for its parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


class Deployment:
    """A DAGSTER_HOME with the root dagster.yaml, one code server and one daemon, each a process
    group of its own so that it can be stopped (or killed) with everything it started."""

    def __init__(self, home: Path):
        self.home = home
        self.port = free_port()
        self.release_file = home / "release"
        self.workspace = home / "workspace.yaml"
        self.workspace.write_text(
            yaml.safe_dump(
                {"load_from": [{"grpc_server": {"host": "127.0.0.1", "port": self.port, "location_name": LOCATION}}]}
            )
        )
        config = yaml.safe_load((REPO / "dagster.yaml").read_text())
        config["run_monitoring"].update(FAST_MONITORING)
        (home / "dagster.yaml").write_text(yaml.safe_dump(config))
        self.env = {**os.environ, "DAGSTER_HOME": str(home)}
        self.code_server: subprocess.Popen | None = None
        self.daemon: subprocess.Popen | None = None
        self.instance: DagsterInstance | None = None

    def start(self) -> None:
        self.code_server = self._start_code_server()
        # Creating the SQLite storage takes seconds; the code server loads meanwhile.
        self.instance = DagsterInstance.from_config(str(self.home))
        self._wait_for_code_server()

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        with (self.home / f"{name}.log").open("a") as log:
            return subprocess.Popen(
                command, cwd=self.home, env=self.env, stdout=log, stderr=log, start_new_session=True
            )

    def _start_code_server(self) -> subprocess.Popen:
        # The command the compose deployment's user-code service runs, with this file for the package.
        command = ["code-server", "start", "-h", "127.0.0.1", "-p", str(self.port), "-f", str(JOB_FILE)]
        return self._start("code_server", [str(BIN / "dagster"), *command])

    def _wait_for_code_server(self) -> None:
        wait_for_port(self.port, self.code_server, 60, f"the code server (log: {self.home / 'code_server.log'})")

    def restart_code_server(self) -> None:
        """A new code server on the same port, as compose's `restart: unless-stopped` brings back."""
        self.code_server = self._start_code_server()
        self._wait_for_code_server()

    def start_daemon(self) -> None:
        self.daemon = self._start("daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)])

    def submit(self) -> str:
        """Queues a run of blocking_job the way `dagster job launch` does; returns its run id."""
        run_id = str(uuid.uuid4())
        execute_launch_command(
            instance=self.instance,
            workspace_opts=WorkspaceOpts(workspace=[str(self.workspace)]),
            job_name="blocking_job",
            run_id=run_id,
            config_json=json.dumps({"ops": {"wait_for_release": {"config": {"release_file": str(self.release_file)}}}}),
        )
        return run_id

    def status(self, run_id: str) -> DagsterRunStatus:
        return self.instance.get_run_by_id(run_id).status

    def messages(self, run_id: str) -> list[str]:
        return [event.message for event in self.instance.all_logs(run_id) if event.message]

    def wait_for_status(self, run_id: str, wanted: set[DagsterRunStatus], timeout: float, what: str) -> None:
        wait_until(
            lambda: self.status(run_id) in wanted,
            timeout,
            lambda: (
                f"{what}: run {run_id} is {self.status(run_id).value} after {timeout:.0f} s, not "
                f"{sorted(s.value for s in wanted)}; its events: {self.messages(run_id)}; logs in {self.home}"
            ),
        )

    def worker_pid(self, run_id: str) -> int:
        """The run worker's PID, from the event the worker reports when it starts."""
        [started] = [
            event
            for event in self.instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)
            if event.message.startswith("Started process for run")
        ]
        return int(started.dagster_event.engine_event_data.metadata["pid"].value)

    def stop(self) -> None:
        processes = [process for process in (self.daemon, self.code_server) if process is not None]
        # Both shut down at once; stop_process_group then waits for each and kills what is left.
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            stop_process_group(process, grace=10)
        if self.instance is not None:
            self.instance.dispose()


@pytest.fixture
def deployment(tmp_path, monkeypatch) -> Iterator[Deployment]:
    # The root dagster.yaml puts the SQLite storage under $DAGSTER_HOME, in this process too.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    deployment = Deployment(tmp_path)
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


@pytest.mark.parametrize("config", ["dagster.yaml", "deploy/dagster.yaml"])
def test_both_instances_fail_dead_runs_and_never_resume_them(config, tmp_path):
    # In compose (the default launcher) max_runtime_seconds is what fails a run whose code server died.
    shutil.copyfile(REPO / config, tmp_path / "dagster.yaml")
    monitoring = InstanceRef.from_dir(str(tmp_path)).settings["run_monitoring"]
    assert monitoring == yaml.safe_load((REPO / "dagster.yaml").read_text())["run_monitoring"], "one policy for both"
    assert monitoring["enabled"] is True
    assert monitoring["max_resume_run_attempts"] == 0
    assert monitoring["max_runtime_seconds"] > 0, "the only check that fails a run whose code server died with it"


def start_runs(deployment: Deployment, count: int) -> list[str]:
    """Queues `count` runs and waits until the first is in progress and the others wait for it."""
    # The daemon takes seconds to start; it finds the runs queued when it does.
    deployment.start_daemon()
    runs = [deployment.submit() for _ in range(count)]
    deployment.wait_for_status(runs[0], {DagsterRunStatus.STARTED}, 60, "the first queued run")
    assert [deployment.status(run) for run in runs[1:]] == [DagsterRunStatus.QUEUED] * (count - 1), (
        "max_concurrent_runs: 1 holds the others"
    )
    return runs


@pytest.mark.integration
def test_a_run_whose_processes_are_killed_is_failed_and_the_queue_moves_on(deployment):
    first, second, third = start_runs(deployment, 3)

    # 1. Only the run worker is killed: the code server that started it fails the run, or the
    # monitoring daemon's PID check does, whichever looks first (both within a second here).
    pid = deployment.worker_pid(first)
    os.kill(pid, signal.SIGKILL)
    deployment.wait_for_status(first, {DagsterRunStatus.FAILURE}, 5, "the run whose worker was killed")
    messages = "\n".join(deployment.messages(first))
    assert (
        f"Run execution process for {first} was terminated by signal 9 (SIGKILL)." in messages
        or f"run worker process {pid} on this machine is gone" in messages
    ), messages
    deployment.wait_for_status(second, {DagsterRunStatus.STARTED}, 30, "the queued run after the dead one")

    # 2. The code server dies with the run worker (kill -9 of `dagster dev`, a reboot) and comes back
    # without knowing the run: only the monitoring daemon, through the launcher's PID check, fails it.
    pid, code_server = deployment.worker_pid(second), deployment.code_server
    assert os.getpgid(pid) == code_server.pid, "the run worker is in the code server's process group"
    os.killpg(code_server.pid, signal.SIGKILL)
    code_server.wait()
    wait_until(lambda: process_is_gone(pid), 10, lambda: f"run worker {pid} still runs after SIGKILL")
    deployment.restart_code_server()
    # Far inside max_runtime_seconds (6 h as shipped): the failure is the health check's.
    deployment.wait_for_status(second, {DagsterRunStatus.FAILURE}, 15, "the run that died with its code server")
    assert any(f"run worker process {pid} on this machine is gone" in m for m in deployment.messages(second))

    # 3. The queue moves on.
    deployment.wait_for_status(third, {DagsterRunStatus.STARTED}, 30, "the queued run after the dead ones")
    deployment.release_file.touch()
    deployment.wait_for_status(third, {DagsterRunStatus.SUCCESS}, 30, "the released last run")
