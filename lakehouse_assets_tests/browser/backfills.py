"""The daily backfill the browser tests share, launched and followed through Dagster's GraphQL API.

The backfill test launches it from the UI; every other test that needs its tables or check results
waits for it here, and launches the same backfill through the API when it runs without that test.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

JOB = "daily_lakehouse_job"
# Dagster names the partition set of a partitioned job <job>_partition_set; the job page's
# "Materialize all…" dialog launches a backfill of it (one backfill over the job, not per asset).
PARTITION_SET = f"{JOB}_partition_set"
BACKFILL_TIMEOUT_S = 15 * 60
RUNNING_BACKFILL = {"REQUESTED", "CANCELING", "FAILING"}
RUNNING_RUN = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"}

BACKFILL = """
query ($id: String!) { partitionBackfillOrError(backfillId: $id) {
  __typename ... on PartitionBackfill { id status numPartitions partitionNames
    runs(limit: 50) { id status tags { key value } assetSelection { path } } }
  ... on PythonError { message } } }
"""
LAUNCH_BACKFILL = """
mutation ($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message }
  ... on PartitionSetNotFoundError { message } } }
"""


@dataclass
class Backfill:
    """The daily backfill of the session's `dagster dev`: launched from the UI by the backfill test."""

    id: str | None = None


def finished(backfill: dict) -> bool:
    return backfill["status"] not in RUNNING_BACKFILL and all(
        run["status"] not in RUNNING_RUN for run in backfill["runs"]
    )


def wait_for_backfill(ui, backfill_id: str, until: Callable[[dict], bool] = finished) -> dict:
    """Polls the backfill through GraphQL until `until(backfill)` holds (by default: it and its runs finished)."""
    deadline = time.monotonic() + BACKFILL_TIMEOUT_S
    while True:
        backfill = ui.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        assert backfill["__typename"] == "PartitionBackfill", backfill
        if until(backfill) or finished(backfill):
            return backfill
        assert ui.process.poll() is None, f"dagster dev exited during the backfill; log:\n{ui.log_tail()}"
        assert time.monotonic() < deadline, (
            f"backfill {backfill_id} still {backfill['status']} after {BACKFILL_TIMEOUT_S} s:\n{ui.log_tail()}"
        )
        time.sleep(2)


def completed_backfill(ui, daily_backfill: Backfill) -> dict:
    """The session's backfill, finished. Launched through the API (the same backfill the job page
    launches) only when the UI test did not launch it, e.g. when a test runs alone."""
    if daily_backfill.id is None:
        params = {
            "selector": {
                "partitionSetName": PARTITION_SET,
                "repositorySelector": {"repositoryName": "__repository__", "repositoryLocationName": ui.location},
            },
            "partitionNames": list(ui.days),
        }
        launched = ui.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        daily_backfill.id = launched["backfillId"]
    backfill = wait_for_backfill(ui, daily_backfill.id)
    assert backfill["status"] == "COMPLETED_SUCCESS", (backfill, ui.log_tail())
    return backfill
