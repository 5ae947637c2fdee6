"""`partitioned_check`: `@asset_check` for partitioned checks, recording every partition of a range run.

A single-run backfill evaluates a check once over the whole range, and Dagster stores that
evaluation without a partition: the per-partition check status then showed each day of the range as
skipped. Checks declared here keep that range evaluation and add one evaluation per partition key,
so each day shows passed or failed with numbers. A check that computes per-day numbers anyway passes
`per_partition` to cut its range result down to one day; any other check records its range verdict
and numbers on every day, saying in `evaluated_over` which days the numbers cover, with each number
under `run_<label>`: a plot of `<label>` over a day's evaluations then holds that day's numbers only,
never a range's total between them.
"""

import functools
from collections.abc import Callable, Iterator

from dagster import (
    AssetCheckEvaluation,
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetKey,
    AssetRecordsFilter,
    DagsterInstance,
    FloatMetadataValue,
    IntMetadataValue,
    MetadataValue,
    PartitionsDefinition,
    asset_check,
)

from lakehouse_assets.internals.dagster import AssetCheckEvaluationTargetMaterializationData

EVALUATED_OVER = "evaluated_over"

PartitionResult = Callable[[AssetCheckResult, str], AssetCheckResult]


def partitioned_check(
    *, partitions_def: PartitionsDefinition, per_partition: PartitionResult | None = None, **asset_check_args
) -> Callable[[Callable[..., AssetCheckResult]], AssetChecksDefinition]:
    """`@asset_check(partitions_def=..., **asset_check_args)` whose range runs also record each partition.

    `per_partition(range_result, key)` returns the check's own result for one partition key of the range.
    """

    def decorate(fn: Callable[..., AssetCheckResult]) -> AssetChecksDefinition:
        # wraps() keeps fn's signature, from which Dagster takes the check's inputs and resources.
        @functools.wraps(fn)
        def evaluate(*args, **kwargs) -> Iterator[AssetCheckResult | AssetCheckEvaluation]:
            result = fn(*args, **kwargs)
            context = AssetCheckExecutionContext.get()
            if context.has_partition_key_range and not context.has_partition_key:
                yield from partition_evaluations(context, result, per_partition)
            # Last, so that a run's in-memory result maps each check to its range evaluation.
            yield result

        return asset_check(partitions_def=partitions_def, **asset_check_args)(evaluate)

    return decorate


def partition_evaluations(
    context: AssetCheckExecutionContext, result: AssetCheckResult, per_partition: PartitionResult | None
) -> Iterator[AssetCheckEvaluation]:
    (spec,) = context.check_specs
    keys = context.partition_keys
    span = f"{keys[0]}..{keys[-1]}"
    for key in keys:
        own = per_partition(result, key) if per_partition else None
        verdict = own or result
        yield AssetCheckEvaluation(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=verdict.passed,
            metadata={**(own.metadata if own else _run_numbers(result.metadata)), EVALUATED_OVER: key if own else span},
            target_materialization_data=latest_materialization(context.instance, spec.asset_key, key),
            severity=verdict.severity,
            description=verdict.description,
            # A failed blocking day fails the step like the range evaluation does; they agree.
            blocking=spec.blocking,
            partition=key,
        )


def _run_numbers(metadata: dict[str, MetadataValue]) -> dict[str, MetadataValue]:
    """A range's metadata for one of its days: numbers renamed run_<label>, everything else as it is."""
    return {
        f"run_{label}" if isinstance(value, (IntMetadataValue, FloatMetadataValue)) else label: value
        for label, value in metadata.items()
    }


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
