"""The landing sensor: one run request per day whose drops are new or changed.

It lists file names, sizes and modification stamps only — no Spark, no file contents — so a tick
is cheap. The cursor keeps one digest per drop and how many states the drop has had; a drop whose
digest changes (a new file, a file re-uploaded with other content, or back to an earlier content) is
requested again, with a run key derived from that digest and that count, so each new state of a drop
is processed exactly once, across daemon restarts.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from dagster import (
    AssetKey,
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    PartitionsDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from lakehouse_assets.assets.bronze.sources import bronze_keys
from lakehouse_assets.constants import BRONZE
from lakehouse_assets.contracts import SOURCES
from lakehouse_assets.resources.landing import LandedObject, LandingZone


def drop_digest(objects: list[LandedObject]) -> str:
    listing = "\n".join(f"{o.key}\t{o.fingerprint}" for o in sorted(objects))
    return hashlib.sha256(listing.encode()).hexdigest()[:20]


def plan_requests(
    landing: LandingZone,
    cursor: dict,
    first_day: date,
    materialized: Callable[[str], set[str]] = lambda source: set(),
) -> tuple[list[RunRequest], dict, list[str]]:
    """Run requests for new or changed drops, the next cursor, and keys outside the layout.

    One request per day, selecting the bronze assets of that day's new or changed drops: a run
    costs a JVM start (~7 s) plus Delta's warm-up, so the sources of a day share one run. A source
    with no drop that day whose bronze partition was never materialized (`materialized(source)`
    gives the days that were) joins the run as an empty slice: silver reads every source's day,
    and would otherwise wait for a drop that may never come.
    """
    seen = dict(cursor.get("drops", {}))
    # How many states each drop has had. A drop can return to an earlier state (A -> B -> A: a file
    # re-delivered with its old bytes has the old size and mtime, on S3 the old ETag); its digest then
    # repeats, and a run key made of digests alone would repeat too, which Dagster skips as already done.
    generations = dict(cursor.get("generations", {}))
    reported = set(cursor.get("reported", []))
    misplaced: list[str] = []
    changed: dict[date, dict[str, str]] = defaultdict(dict)  # day -> {source: digest}
    for source in SOURCES:
        drops: dict[date, list[LandedObject]] = defaultdict(list)
        for landed in landing.scan(source):
            if landed.day is None or landed.day < first_day:
                if landed.key not in reported:
                    misplaced.append(landed.key)
                    reported.add(landed.key)
                continue
            drops[landed.day].append(landed)
        for day, objects in drops.items():
            drop, digest = f"{source}/{day.isoformat()}", drop_digest(objects)
            if seen.get(drop) != digest:
                seen[drop] = digest
                generations[drop] = generations.get(drop, 0) + 1
                changed[day][source] = f"{digest}#{generations[drop]}"
    requests = []
    done = {source: materialized(source) for source in SOURCES} if changed else {}
    for day, digests in sorted(changed.items()):
        empty = [s for s in SOURCES if s not in digests and day.isoformat() not in done[s]]
        sources = sorted([*digests, *empty])
        run_digest = hashlib.sha256("\n".join(f"{s}:{digests[s]}" for s in sorted(digests)).encode()).hexdigest()[:20]
        requests.append(
            RunRequest(
                run_key=f"{day.isoformat()}@{run_digest}",
                partition_key=day.isoformat(),
                asset_selection=[key for source in sources for key in bronze_keys(source)],
                tags={
                    "lakehouse/drops": ",".join(f"{source}/{day.isoformat()}" for source in sorted(digests)),
                    **({"lakehouse/empty_sources": ",".join(sorted(empty))} if empty else {}),
                },
            )
        )
    return requests, {"drops": seen, "generations": generations, "reported": sorted(reported)}, misplaced


def build_landing_sensor(
    daily: PartitionsDefinition, default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED
) -> SensorDefinition:
    """The landing sensor over bronze's `daily` calendar; a deployment can have it start running
    (LAKEHOUSE_SENSORS_DEFAULT_STATUS)."""
    first_day = date.fromisoformat(daily.start.strftime("%Y-%m-%d"))

    @sensor(
        name="landing_drops",
        minimum_interval_seconds=30,
        default_status=default_status,
        description="Requests a bronze run for every (source, day) drop in the landing zone that is new or changed.",
        asset_selection=[key for source in SOURCES for key in bronze_keys(source)],
    )
    def landing_drops(context: SensorEvaluationContext, landing: LandingZone):
        cursor = json.loads(context.cursor) if context.cursor else {}
        requests, next_cursor, misplaced = plan_requests(
            landing,
            cursor,
            first_day,
            lambda source: context.instance.get_materialized_partitions(AssetKey([BRONZE, source])),
        )
        for key in misplaced:
            context.log.warning(
                f"Ignoring landing file {landing.location.rstrip('/')}/{key}: not under <source>/<YYYY-MM-DD>/ "
                f"on or after {first_day} (move it into a drop folder to have it ingested)"
            )
        if not requests:
            return SensorResult(
                skip_reason=SkipReason(f"No new or changed drops under {landing.location}"),
                cursor=json.dumps(next_cursor),
            )
        return SensorResult(run_requests=requests, cursor=json.dumps(next_cursor))

    return landing_drops


def build_automation_sensor(
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
) -> AutomationConditionSensorDefinition:
    """Evaluates the silver and gold automation conditions (see automation.py).

    Declared explicitly, under Dagster's default name, so a deployment can have it start running.
    """
    return AutomationConditionSensorDefinition(
        "default_automation_condition_sensor",
        target=AssetSelection.all(),
        default_status=default_status,
        minimum_interval_seconds=30,
        description="Materializes silver and gold partitions after their upstream partitions update and "
        "pass their blocking checks.",
    )
