"""Whether the tables one step writes together hold the same run's data for a partition.

Dagster stores a multi-asset's outputs one by one, as the step yields them: a run killed between two
outputs leaves a day committed in some of its tables (silver/customers and silver/products) and not in
the others (silver/transactions and silver/quarantine keep a previous run's rows, or none). Reading that
day would mix two runs' data. The Dagster instance records which run last materialized each partition of
each table, so a day is complete when that is one run for every table of the step. Days the instance has
no record of in any of the tables (written by another instance) are not judged.
"""

from collections.abc import Sequence
from typing import NamedTuple

from dagster import AssetKey, AssetRecordsFilter, DagsterEventType, DagsterInstance

from lakehouse_assets.tables import TABLES, written_with

# Storage ids asked for per query: far below Dagster's cap on records per fetch (10,000).
_FETCH_BATCH = 1000


class IncompleteUpstreamError(LookupError):
    """An input's partition whose step wrote only some of the tables it writes together."""


class PartitionWrite(NamedTuple):
    run_id: str
    storage_id: int
    step_key: str | None


class IncompletePartition(NamedTuple):
    partition: str
    run_id: str  # the run that wrote the partition last, to `written` but not to `not_written`
    step_key: str | None  # the step of that run, the one to rerun
    written: list[AssetKey]
    not_written: list[AssetKey]


def written_together(asset_key: AssetKey) -> list[AssetKey]:
    """The tables one step writes with `asset_key`'s table, itself included; [] when it is written alone
    or is not in the catalogue (test assets)."""
    table = next((t for t in TABLES if [t.layer, t.name] == list(asset_key.path)), None)
    together = written_with(table) if table is not None else []
    return [AssetKey([t.layer, t.name]) for t in together] if len(together) > 1 else []


def latest_writes(
    instance: DagsterInstance, asset_key: AssetKey, partitions: Sequence[str] | None
) -> dict[str, PartitionWrite]:
    """The last materialization of each of `partitions` of `asset_key` (every partition it has when None).

    One grouped query finds the latest event of each partition and one fetch per 1,000 of them reads
    their runs: the same few queries for 1 day or 365 (16 index connections for silver's four tables,
    ~70 ms for 30 days and ~0.6 s for a year of days on a loaded 2-core machine), never one per day.
    """
    if partitions is not None and not partitions:
        return {}
    storage_ids = instance.get_latest_storage_id_by_partition(
        asset_key, DagsterEventType.ASSET_MATERIALIZATION, set(partitions) if partitions is not None else None
    )
    ids = sorted(storage_ids.values())
    writes = {}
    for start in range(0, len(ids), _FETCH_BATCH):
        batch = ids[start : start + _FETCH_BATCH]
        records = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=asset_key, storage_ids=batch), limit=len(batch)
        ).records
        writes.update(
            {r.partition_key: PartitionWrite(r.run_id, r.storage_id, r.event_log_entry.step_key) for r in records}
        )
    return writes


def incomplete_partitions(
    instance: DagsterInstance, asset_key: AssetKey, partitions: Sequence[str] | None
) -> list[IncompletePartition]:
    """The partitions among `partitions` (all when None) whose tables written together with `asset_key`'s
    were last written by different runs, or some of them never."""
    together = written_together(asset_key)
    if not together:
        return []
    writes = {key: latest_writes(instance, key, partitions) for key in together}
    incomplete = []
    for partition in sorted(set().union(*writes.values())):
        latest = {key: writes[key].get(partition) for key in together}
        if len({write.run_id if write else None for write in latest.values()}) == 1:
            continue
        last = max((write for write in latest.values() if write), key=lambda write: write.storage_id)
        written = [key for key, write in latest.items() if write and write.run_id == last.run_id]
        not_written = [key for key in together if key not in written]
        incomplete.append(IncompletePartition(partition, last.run_id, last.step_key, written, not_written))
    return incomplete


def require_complete(instance: DagsterInstance, asset_key: AssetKey, partitions: Sequence[str] | None) -> None:
    """Raises IncompleteUpstreamError naming the first incomplete partition and how to complete it."""
    incomplete = incomplete_partitions(instance, asset_key, partitions)
    if not incomplete:
        return
    first, others = incomplete[0], [i.partition for i in incomplete[1:]]
    layer = asset_key.path[0]
    run = instance.get_run_by_id(first.run_id) if first.run_id else None
    running = run is not None and not run.is_finished
    selection = ",".join(sorted(key.to_user_string() for key in written_together(asset_key)))
    command = (
        f"dagster asset materialize -m lakehouse_assets.definitions --select '{selection}' "
        f"--partition {first.partition}"
    )
    fix = (
        f"Wait for run {first.run_id} to finish, then rerun this step."
        if running
        else f"Rerun {first.step_key or 'the step writing them'} for {first.partition} (`{command}`), then this step."
    )
    raise IncompleteUpstreamError(
        f"{layer} day {first.partition} is incomplete: run {first.run_id} wrote "
        f"{', '.join(key.to_user_string() for key in first.written)} but not "
        f"{', '.join(key.to_user_string() for key in first.not_written)} "
        f"({'it is still running' if running else 'it was interrupted'})."
        + (f" Also incomplete: {_listed(others)}." if others else "")
        + f" {fix}"
    )


def _listed(partitions: list[str]) -> str:
    if len(partitions) <= 3:
        return ", ".join(partitions)
    return f"{partitions[0]} .. {partitions[-1]} ({len(partitions)} days)"
