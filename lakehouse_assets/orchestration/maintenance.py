"""Dagster wrapper of the Delta maintenance: one op, one job, a weekly schedule (off by default).

Each table's before/after is reported as an AssetObservation on its asset, so the asset's page
plots file counts and sizes over the weeks.
"""

from dagster import (
    AssetKey,
    AssetObservation,
    Config,
    DefaultScheduleStatus,
    JobDefinition,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    op,
)
from pydantic import Field

from lakehouse_assets.delta.maintenance import (
    ZORDER_BY,
    MaintenanceReport,
    check_vacuum_retention,
    optimize_table,
    select_tables,
    table_uri,
    vacuum_table,
)
from lakehouse_assets.resources.reader import DeltaTableReader


class DeltaMaintenanceConfig(Config):
    tables: list[str] = Field(
        default=[],
        description="Tables as <layer>/<table> or <layer>.<table>, e.g. silver/transactions; empty: every table "
        "that exists.",
    )
    optimize: bool = Field(default=True, description="Compact small files (Z-ordered for the tables in ZORDER_BY).")
    vacuum: bool = Field(default=True, description="Delete files older than retention_hours that no version needs.")
    retention_hours: int | None = Field(
        default=None, description="Hours of history VACUUM keeps; unset: LAKEHOUSE_VACUUM_RETENTION_HOURS (168)."
    )
    force: bool = Field(
        default=False,
        description="Allow a retention below a table's delta.deletedFileRetentionDuration; only when nothing "
        "else reads or writes the tables (it breaks time travel to the deleted versions).",
    )


def observation_metadata(optimized: MaintenanceReport | None, vacuumed: MaintenanceReport | None) -> dict:
    reports = [report for report in (optimized, vacuumed) if report is not None]
    before, after = reports[0].before, reports[-1].after
    metadata = {
        "num_files_before": before.num_files,
        "num_files_after": after.num_files,
        "size_bytes_before": before.size_bytes,
        "size_bytes_after": after.size_bytes,
        "avg_file_bytes": after.avg_file_bytes,
        "partitions": after.partitions,
        "delta_version": after.version,
    }
    if optimized is not None:
        metadata["zorder_by"] = ", ".join(optimized.zorder_by) or "none"
        metadata["files_compacted"] = optimized.files_removed
    if vacuumed is not None:
        metadata["files_removed_by_vacuum"] = vacuumed.files_removed
        metadata["bytes_removed_by_vacuum"] = vacuumed.bytes_removed
        metadata["retention_hours"] = vacuumed.retention_hours
    return metadata


def build_maintenance(default_retention_hours: int) -> tuple[JobDefinition, ScheduleDefinition]:
    """The maintenance job and its weekly schedule; `default_retention_hours` is LAKEHOUSE_VACUUM_RETENTION_HOURS,
    used when a run's config leaves retention_hours unset."""

    @op(description="OPTIMIZE (Z-ORDER where configured) and VACUUM the lakehouse's Delta tables.")
    def delta_maintenance(
        context: OpExecutionContext,
        config: DeltaMaintenanceConfig,
        # The tables' root and session; where each table lives under the root is the catalogue's (tables.py).
        delta_tables: DeltaTableReader,
    ) -> None:
        session = delta_tables.spark.get_session()
        root = delta_tables.root
        tables = select_tables(session, root, config.tables)
        retention = default_retention_hours if config.retention_hours is None else config.retention_hours
        if config.vacuum and not config.force:
            # Every table is checked before the first is touched: a retention too short for one table
            # must not leave the run half done.
            for key in tables:
                check_vacuum_retention(session, table_uri(root, key), retention)
        context.log.info(
            f"Maintaining {len(tables)} table(s) under {root}: optimize={config.optimize}, "
            f"vacuum={config.vacuum} (retention {retention} h, force={config.force})"
        )
        for index, key in enumerate(tables, start=1):
            uri = table_uri(root, key)
            optimized = optimize_table(session, uri, ZORDER_BY.get(key, ())) if config.optimize else None
            if optimized is not None:
                context.log.info(
                    f"[{index}/{len(tables)}] {key}: OPTIMIZE files {optimized.before.num_files} -> "
                    f"{optimized.after.num_files}, "
                    f"bytes {optimized.before.size_bytes:,} -> {optimized.after.size_bytes:,}"
                    + (f", Z-order by {', '.join(optimized.zorder_by)}" if optimized.zorder_by else "")
                )
            vacuumed = vacuum_table(session, uri, retention, force=config.force) if config.vacuum else None
            if vacuumed is not None:
                context.log.info(
                    f"[{index}/{len(tables)}] {key}: VACUUM deleted {vacuumed.files_removed} file(s), "
                    f"{vacuumed.bytes_removed:,} bytes (files on storage {vacuumed.storage_before.files} "
                    f"-> {vacuumed.storage_after.files})"
                )
            if optimized is not None or vacuumed is not None:
                context.log_event(
                    AssetObservation(
                        asset_key=AssetKey(key.split("/")), metadata=observation_metadata(optimized, vacuumed)
                    )
                )

    @job(
        description="Delta table maintenance: OPTIMIZE with per-table Z-order, then VACUUM. Config: tables, optimize, "
        "vacuum, retention_hours, force."
    )
    def delta_maintenance_job() -> None:
        delta_maintenance()

    schedule = ScheduleDefinition(
        name="weekly_delta_maintenance",
        job=delta_maintenance_job,
        # Outside the daily loads. Runs are queued one at a time (dagster.yaml: max_concurrent_runs 1), so
        # maintenance never rewrites a table while a load writes it.
        cron_schedule="0 3 * * 0",
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.STOPPED,
        description="Every Sunday 03:00 UTC: OPTIMIZE and VACUUM every table with the default config.",
    )
    return delta_maintenance_job, schedule
