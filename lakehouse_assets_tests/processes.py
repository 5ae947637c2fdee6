"""Helper processes on this machine (moto S3, `dagster dev`, Streamlit) as the tests and benchmarks
start them: a free loopback port, waiting until it answers, and stopping a process with everything
it started."""

import os
import signal
import socket
import subprocess
import time


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float, what: str) -> None:
    """Returns once 127.0.0.1:`port` accepts connections; raises naming `what` (e.g. where its log is)
    if `process` exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{what} exited with code {process.returncode} before listening on 127.0.0.1:{port}"
                ) from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s") from None
            time.sleep(0.05)


def stop_process_group(process: subprocess.Popen, grace: float = 30) -> None:
    """Stops a process started with `start_new_session=True` and everything in its process group.

    SIGTERM first (a `dagster dev` started from a script ignores SIGINT), SIGKILL after `grace`
    seconds; then SIGKILL to the group again, since a child (a run, a JVM) can outlive its leader.
    """
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
