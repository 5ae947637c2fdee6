"""`partitioned_check`: `@asset_check` for partitioned checks, recording every partition of a range run.

A single-run backfill evaluates a check once over the whole range, and Dagster stores that
evaluation without a partition: the per-partition check status then showed each day of the range as
skipped. Checks declared here return `Verdicts`, their result over the run's partitions and each
partition's own, computed from the same per-day numbers: a range run stores the range evaluation and
one evaluation per partition key with that partition's numbers, so each day shows passed or failed
with its own numbers and a plot of a check's metadata over the days never holds a range's total.
"""

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from dagster import (
    AssetCheckEvaluation,
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetKey,
    AssetRecordsFilter,
    DagsterInstance,
    PartitionsDefinition,
    asset_check,
)

from lakehouse_assets.internals.dagster import AssetCheckEvaluationTargetMaterializationData

EVALUATED_OVER = "evaluated_over"


class Verdicts(NamedTuple):
    """A partitioned check's result over all the run's partitions, and each partition key's own."""

    overall: AssetCheckResult
    by_partition: dict[str, AssetCheckResult]


def verdicts(keys: Sequence[str], result_over: Callable[[Sequence[str]], AssetCheckResult]) -> Verdicts:
    """`result_over(keys)` for the run and `result_over([key])` for each key: for checks whose numbers
    are per partition already (collected once), so the range's numbers are its days' combined."""
    return Verdicts(result_over(keys), {key: result_over([key]) for key in keys})


def partitioned_check(
    *, partitions_def: PartitionsDefinition, **asset_check_args
) -> Callable[[Callable[..., Verdicts]], AssetChecksDefinition]:
    """`@asset_check(partitions_def=..., **asset_check_args)` over a function returning `Verdicts`,
    whose range runs also record each partition."""

    def decorate(fn: Callable[..., Verdicts]) -> AssetChecksDefinition:
        # wraps() keeps fn's signature, from which Dagster takes the check's inputs and resources.
        @functools.wraps(fn)
        def evaluate(*args, **kwargs) -> Iterator[AssetCheckResult | AssetCheckEvaluation]:
            result = fn(*args, **kwargs)
            context = AssetCheckExecutionContext.get()
            if context.has_partition_key_range and not context.has_partition_key:
                yield from partition_evaluations(context, result.by_partition)
            # Last, so that a run's in-memory result maps each check to its range evaluation.
            yield result.overall

        return asset_check(partitions_def=partitions_def, **asset_check_args)(evaluate)

    return decorate


def partition_evaluations(
    context: AssetCheckExecutionContext, by_partition: dict[str, AssetCheckResult]
) -> Iterator[AssetCheckEvaluation]:
    (spec,) = context.check_specs
    for key in context.partition_keys:
        own = by_partition[key]
        yield AssetCheckEvaluation(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=own.passed,
            metadata={**own.metadata, EVALUATED_OVER: key},
            target_materialization_data=latest_materialization(context.instance, spec.asset_key, key),
            severity=own.severity,
            description=own.description,
            # A failed blocking day fails the step like the range evaluation does; they agree.
            blocking=spec.blocking,
            partition=key,
        )


def latest_materialization(
    instance: DagsterInstance, asset_key: AssetKey, partition: str
) -> AssetCheckEvaluationTargetMaterializationData | None:
    """The partition's materialization the evaluation is about: without it the UI would not know
    that the day's check result belongs to the day's latest data."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=asset_key, asset_partitions=[partition]), limit=1
    ).records
    if not records:
        return None
    return AssetCheckEvaluationTargetMaterializationData(
        run_id=records[0].run_id, storage_id=records[0].storage_id, timestamp=records[0].timestamp
    )
