"""One measurement: bronze → silver → daily gold for a day range through Dagster materialization.

    python bench/dagster_pipeline.py --start 2024-01-01 [--end 2024-01-30] [--job daily|assets] [--per-day] \
        [--result FILE]

`--job daily` runs `daily_lakehouse_job` as the project defines it (assets and their checks);
`--job assets` runs the same assets without checks, the same work as bench/plain_pipeline.py.
A range is ONE run with the range tags (a single-run backfill), a single day a partition run;
`--per-day` runs one partition run per day instead, one after the other in this process (one JVM).
Time per layer is the sum of its steps' durations (Dagster's step stats), split into asset and
check steps. Locations come from LAKEHOUSE_ROOT, LAKEHOUSE_LANDING_ROOT and DAGSTER_HOME.
"""

import argparse
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from probe import LAYERS, MemorySampler, emit, pipeline_result

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def assets_only_job(defs):
    """`daily_lakehouse_job`'s selection without the asset checks, resolved against the project's Definitions."""
    from dagster import AssetSelection, Definitions, define_asset_job

    from lakehouse_assets.orchestration.jobs import MONTHLY, WEEKLY

    selection = AssetSelection.all() - AssetSelection.all_asset_checks() - WEEKLY - MONTHLY
    job = define_asset_job("bench_daily_assets_only", selection=selection)
    return Definitions.merge(defs, Definitions(jobs=[job])).resolve_job_def("bench_daily_assets_only")


def step_layers(result) -> dict[str, tuple[str, str]]:
    """step key -> (layer, "asset" | "check"), from the run's materialization and check events."""
    kinds = {}
    for event in result.all_events:
        if event.step_key is None:
            continue
        if event.event_type_value == "ASSET_MATERIALIZATION":
            kinds[event.step_key] = (event.asset_key.path[0], "asset")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            kinds.setdefault(event.step_key, (event.event_specific_data.asset_key.path[0], "check"))
    return kinds


def failure_text(result) -> str:
    failures = result.get_step_failure_events()
    if not failures:
        return f"run {result.run_id} failed without a step failure; see the log above"
    return "\n".join(
        f"step {event.step_key} failed:\n{event.event_specific_data.error.to_string()}" for event in failures
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="first day")
    parser.add_argument("--end", type=date.fromisoformat, help="last day (default: --start)")
    parser.add_argument(
        "--job", choices=("daily", "assets"), default="daily", help="with checks (daily) or without (assets)"
    )
    parser.add_argument(
        "--per-day", action="store_true", help="one partition run per day instead of one run for the range"
    )
    parser.add_argument("--result", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)
    end = args.end or args.start
    days = [(args.start + timedelta(days=n)).isoformat() for n in range((end - args.start).days + 1)]

    with MemorySampler() as sampler:
        started = time.time()
        from dagster import DagsterInstance

        from lakehouse_assets.definitions import build_definitions
        from lakehouse_assets.settings import Settings

        # Built from this measurement's environment (not the package's import-time `defs`), so that
        # an inline run (bench/harness.py) gets its own tables and landing zone.
        defs = build_definitions(Settings.from_env())
        job = defs.resolve_job_def("daily_lakehouse_job") if args.job == "daily" else assets_only_job(defs)
        imported = time.time()
        # The resource's own session, started before the first run so that it is not booked to the
        # first bronze step; each run's resource then gets this session back from getOrCreate.
        spark = defs.resources["spark"].get_session()
        spark_ready = time.time()
        windows: dict[str, list[tuple[float, float]]] = defaultdict(list)
        seconds: dict[str, dict[str, float]] = {layer: {"asset": 0.0, "check": 0.0} for layer in LAYERS}
        run_seconds, step_seconds = [], 0.0
        by_step: dict[str, float] = defaultdict(float)  # step key -> seconds, summed over the runs
        batches = [[day] for day in days] if args.per_day else [days]
        with DagsterInstance.get() as instance:
            for batch in batches:
                # One day is a partition run; several are one run over the range (a single-run backfill).
                target = (
                    {"partition_key": batch[0]}
                    if len(batch) == 1
                    else {"tags": {RANGE_START: batch[0], RANGE_END: batch[-1]}}
                )
                run_started = time.time()
                result = job.execute_in_process(
                    instance=instance,
                    raise_on_error=False,
                    run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
                    **target,
                )
                run_seconds.append(round(time.time() - run_started, 2))
                if not result.success:
                    print(failure_text(result), file=sys.stderr)
                    return 1
                kinds = step_layers(result)
                for stats in instance.get_run_step_stats(result.run_id):
                    layer, kind = kinds.get(stats.step_key, ("other", "asset"))
                    if layer in seconds and stats.start_time and stats.end_time:
                        seconds[layer][kind] += stats.end_time - stats.start_time
                        step_seconds += stats.end_time - stats.start_time
                        by_step[stats.step_key] += stats.end_time - stats.start_time
                        windows[layer].append((stats.start_time, stats.end_time))
        finished = time.time()
    record = pipeline_result(
        spark,
        sampler,
        Path(Settings.from_env().lakehouse_root),
        windows,
        {layer: parts["asset"] + parts["check"] for layer, parts in seconds.items()},
        mode=f"dagster-{args.job}",
        start=args.start.isoformat(),
        end=end.isoformat(),
        runs=len(batches),
        run_seconds=run_seconds,
        import_seconds=round(imported - started, 2),
        spark_start_seconds=round(spark_ready - imported, 2),
        pipeline_seconds=round(finished - spark_ready, 2),
        # Time inside the runs but outside any step: planning, event log writes, resource setup.
        between_steps_seconds=round(sum(run_seconds) - step_seconds, 2),
        # Where a run's time goes, slowest step first: what a profile starts from.
        step_seconds={key: round(value, 2) for key, value in sorted(by_step.items(), key=lambda kv: -kv[1])},
    )
    for layer, parts in seconds.items():
        record["layers"][layer].update(asset_seconds=round(parts["asset"], 2), check_seconds=round(parts["check"], 2))
    emit(record, args.result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
