"""A test-only code location for test_run_monitoring.py: one job whose run stays in progress until
the test creates a file, so the test decides when a run may finish and can kill it meanwhile. No
Spark: the monitoring under test does not depend on what the run does, and a JVM would cost seconds.
"""

import time
from pathlib import Path

import dagster as dg

# Longer than any test waits for one run; a run the test forgot to release still ends.
RELEASE_DEADLINE_SECONDS = 120


class ReleaseConfig(dg.Config):
    release_file: str


@dg.op
def wait_for_release(config: ReleaseConfig) -> None:
    deadline = time.monotonic() + RELEASE_DEADLINE_SECONDS
    while not Path(config.release_file).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{config.release_file} did not appear within {RELEASE_DEADLINE_SECONDS} s")
        time.sleep(0.05)


# In-process executor: the run worker that the code server starts executes the op itself, so the
# worker's PID is the run's only process.
@dg.job(executor_def=dg.in_process_executor)
def blocking_job():
    wait_for_release()


defs = dg.Definitions(jobs=[blocking_job])
