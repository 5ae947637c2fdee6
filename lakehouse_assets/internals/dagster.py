"""Dagster's internal names and preview features the lakehouse relies on."""

import warnings
from collections.abc import Mapping
from typing import Any

from dagster import BetaWarning, DagsterInvariantViolationError, OutputContext, PreviewWarning

# Not exported at the top level, but the type of AssetCheckEvaluation's public field of that name.
from dagster._core.definitions.asset_checks.asset_check_evaluation import (  # noqa: F401
    AssetCheckEvaluationTargetMaterializationData,
)

# What a run launcher answers the run monitoring daemon about a run's worker; not exported at the top level.
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus


def silence_deliberate_previews() -> None:
    """Single-run backfill policies (beta) and per-partition asset checks (preview) are deliberate
    choices of this project; without this every CLI call and test repeats the same notice."""
    warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")
    warnings.filterwarnings("ignore", category=PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")


def add_partition_metadata(context: OutputContext, metadata_by_partition: Mapping[str, Mapping[str, Any]]) -> bool:
    """Gives each partition of an IO manager's output its own metadata on its own materialization.

    A step over a range of partitions (a single-run backfill) records one materialization per
    partition key, each with the output's metadata (`OutputContext.add_output_metadata` has no
    partition) updated with the metadata the step holds for that asset partition, which wins
    (dagster/_core/execution/plan/execute_step.py, `_get_output_asset_events`). An asset body sets
    the latter with the public `context.add_asset_metadata(..., partition_key=...)`; an IO manager
    reaches the same step only through `OutputContext.step_context`, which is not public. Logging
    `AssetMaterialization(partition=...)` events instead would record a second materialization per
    partition beside Dagster's own. False, with nothing added, for a context without a step
    (`build_output_context`).
    """
    try:
        step = context.step_context
    except DagsterInvariantViolationError:  # built outside a run: no materializations to annotate
        return False
    for key, metadata in metadata_by_partition.items():
        step.add_asset_metadata(dict(metadata), asset_key=context.asset_key, partition_key=key)
    return True


def run_worker_health(alive: bool, message: str) -> CheckRunHealthResult:
    """A launcher's answer to run monitoring's health check: RUNNING, or FAILED (the daemon then fails
    the run, since the instance allows no resumes)."""
    return CheckRunHealthResult(WorkerStatus.RUNNING if alive else WorkerStatus.FAILED, message)
