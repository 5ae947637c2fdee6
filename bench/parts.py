"""The parts of the benchmark; each runs its measurements through the Harness and returns a summary dict."""

import os
import statistics
from datetime import date, timedelta
from pathlib import Path

from harness import FIRST_DAY, REPO, Harness, lakehouse_env


class PartFailed(RuntimeError):
    """A part ran but its result cannot be trusted (e.g. the compared pipelines did different work)."""

    def __init__(self, message: str, summary: dict) -> None:
        super().__init__(message)
        self.summary = summary


def scaled_dimensions(transactions_per_day: int) -> tuple[int, int]:
    """Customers and products for a day size: ~20 transactions per customer, ~2,000 per product a day.

    Never below the generator's defaults (200 customers, 50 products).
    """
    return max(200, transactions_per_day // 20), max(50, transactions_per_day // 2000)


def days(first: str, count: int) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=n)).isoformat() for n in range(count)]


def median_run(samples: list[dict], key: str) -> dict:
    """The sample whose `key` is the median (the lower one for an even count): a real run, not a blend."""
    ordered = sorted(samples, key=lambda sample: sample[key])
    return ordered[(len(ordered) - 1) // 2]


def generate(harness: Harness, landing: Path, transactions: int, count: int, repeat: int, label: str) -> dict:
    customers, products = scaled_dimensions(transactions)
    args = [
        "--landing",
        str(landing),
        "--transactions",
        str(transactions),
        "--customers",
        str(customers),
        "--products",
        str(products),
        "--days",
        str(count),
        "--start-date",
        FIRST_DAY,
    ]
    samples = [
        harness.run(f"generate-{label}", "generate_day.py", args, dict(os.environ), landing.parent)
        for _ in range(repeat)
    ]
    chosen = median_run(samples, "seconds")
    return {
        "transactions_per_day": transactions,
        "customers": customers,
        "products": products,
        "days": count,
        "seconds": chosen["seconds"],
        "transactions_per_second": chosen["transactions_per_second"],
        "records_landed": chosen["records_landed"],
        "bytes_landed": chosen["bytes_landed"],
        "driver_peak_mb": max(sample["driver_peak_mb"] for sample in samples),
        "samples_seconds": [sample["seconds"] for sample in samples],
    }


def layers(harness: Harness, landing: Path, transactions: int, repeat: int) -> dict:
    """The project's daily job (assets and checks) for one day, per layer; median run of `repeat`."""
    samples = []
    for _ in range(repeat):
        work = harness.scratch(f"layers-{transactions}")
        samples.append(
            harness.run(
                f"layers-{transactions}",
                "dagster_pipeline.py",
                ["--start", FIRST_DAY, "--job", "daily"],
                lakehouse_env(work, landing),
                work,
            )
        )
        harness.discard(work)
    chosen = median_run(samples, "pipeline_seconds")
    return {
        "transactions_per_day": transactions,
        **chosen,
        "samples_pipeline_seconds": [s["pipeline_seconds"] for s in samples],
    }


def overhead(harness: Harness, landing: Path, transactions: int, repeat: int) -> dict:
    """Plain PySpark vs Dagster materialization of the same assets (no checks), interleaved A B A B."""
    samples: dict[str, list[dict]] = {"plain": [], "dagster": []}
    for _ in range(repeat):
        for mode, script, extra in (
            ("plain", "plain_pipeline.py", []),
            ("dagster", "dagster_pipeline.py", ["--job", "assets"]),
        ):
            work = harness.scratch(f"overhead-{transactions}-{mode}")
            samples[mode].append(
                harness.run(
                    f"overhead-{transactions}-{mode}",
                    script,
                    ["--start", FIRST_DAY, *extra],
                    lakehouse_env(work, landing),
                    work,
                )
            )
            harness.discard(work)
    plain, dagster = samples["plain"], samples["dagster"]
    summary = {
        "transactions_per_day": transactions,
        "repeat": repeat,
        "plain_wall_seconds": [s["wall_seconds"] for s in plain],
        "dagster_wall_seconds": [s["wall_seconds"] for s in dagster],
        "plain_pipeline_seconds": [s["pipeline_seconds"] for s in plain],
        "dagster_pipeline_seconds": [s["pipeline_seconds"] for s in dagster],
        "plain_dagster_imported": any(s["dagster_imported"] for s in plain),
        "dagster_between_steps_seconds": [s["between_steps_seconds"] for s in dagster],
        "dagster_import_seconds": [s["import_seconds"] for s in dagster],
    }
    summary["plain_wall_median"] = statistics.median(summary["plain_wall_seconds"])
    summary["dagster_wall_median"] = statistics.median(summary["dagster_wall_seconds"])
    summary["ratio"] = round(summary["dagster_wall_median"] / summary["plain_wall_median"], 3)
    summary["pipeline_ratio"] = round(
        statistics.median(summary["dagster_pipeline_seconds"]) / statistics.median(summary["plain_pipeline_seconds"]), 3
    )
    summary["layer_seconds"] = {
        mode: {
            layer: statistics.median(s["layers"][layer]["seconds"] for s in runs)
            for layer in ("bronze", "silver", "gold")
        }
        for mode, runs in samples.items()
    }
    summary["same_spark_conf"], summary["same_tables"] = same_work(plain[0], dagster[0])
    if not (summary["same_spark_conf"] and summary["same_tables"]):
        raise PartFailed(describe_difference(plain[0], dagster[0]), summary)
    return summary


def peer(harness: Harness, landing: Path, transactions: int) -> dict:
    """The project's daily job (assets and checks, as `layers` runs it) against the DuckDB peer
    (bench/peer_pipeline.py) on the same landing files, one right after the other, each in a fresh
    process with its own tables. Wall and CPU seconds are the whole process's (the JVM's CPU included);
    the ratios are project / peer. Fails if the two wrote different silver or gold row counts."""
    runs = {}
    for mode, script, extra in (
        ("project", "dagster_pipeline.py", ["--job", "daily"]),
        ("peer", "peer_pipeline.py", []),
    ):
        work = harness.scratch(f"peer-{transactions}-{mode}")
        runs[mode] = harness.run(
            f"peer-{transactions}-{mode}", script, ["--start", FIRST_DAY, *extra], lakehouse_env(work, landing), work
        )
        harness.discard(work)
    project, ours = runs["project"], runs["peer"]

    def ratio(numerator: float | None, denominator: float | None) -> float | None:
        return round(numerator / denominator, 2) if numerator is not None and denominator else None

    def rows(run: dict) -> dict[str, int]:
        return {name: t["rows"] for name, t in run["tables"].items() if name.split("/")[0] in ("silver", "gold")}

    summary = {
        "transactions_per_day": transactions,
        "peer_engine": ours.get("engine"),
        "project_wall_seconds": project["wall_seconds"],
        "peer_wall_seconds": ours["wall_seconds"],
        "wall_ratio": ratio(project["wall_seconds"], ours["wall_seconds"]),
        # cpu_seconds: the child's whole process tree (bench/harness.py); None from a harness without it.
        "project_cpu_seconds": project.get("cpu_seconds"),
        "peer_cpu_seconds": ours.get("cpu_seconds"),
        "cpu_ratio": ratio(project.get("cpu_seconds"), ours.get("cpu_seconds")),
        "project_pipeline_seconds": project["pipeline_seconds"],
        "peer_pipeline_seconds": ours["pipeline_seconds"],
        "layer_seconds": {
            mode: {layer: run["layers"][layer]["seconds"] for layer in ("bronze", "silver", "gold")}
            for mode, run in runs.items()
        },
        "project_peak_mb": {"driver": project.get("driver_peak_mb"), "jvm": project.get("jvm_peak_mb")},
        "peer_peak_mb": ours.get("driver_peak_mb"),
        "project_rows": rows(project),
        "peer_rows": rows(ours),
    }
    differ = [
        f"{name}: project={summary['project_rows'].get(name)} peer={summary['peer_rows'].get(name)}"
        for name in sorted(set(summary["project_rows"]) | set(summary["peer_rows"]))
        if summary["project_rows"].get(name) != summary["peer_rows"].get(name)
    ]
    summary["same_rows"] = not differ
    if differ:
        raise PartFailed(
            "bench/peer_pipeline.py no longer does the project's daily work (lakehouse_assets_tests/"
            f"test_bench_peer.py says where); silver/gold tables whose rows differ: {', '.join(differ)}",
            summary,
        )
    return summary


def same_work(plain: dict, dagster: dict) -> tuple[bool, bool]:
    """Whether both ran with the same Spark settings and wrote the same tables with the same row counts."""

    def rows(run: dict) -> dict[str, int]:
        return {name: table["rows"] for name, table in run["tables"].items()}

    return plain["spark_conf"] == dagster["spark_conf"], rows(plain) == rows(dagster)


def describe_difference(plain: dict, dagster: dict) -> str:
    keys = sorted(set(plain["spark_conf"]) | set(dagster["spark_conf"]))
    conf = [
        f"{k}: plain={plain['spark_conf'].get(k)!r} dagster={dagster['spark_conf'].get(k)!r}"
        for k in keys
        if plain["spark_conf"].get(k) != dagster["spark_conf"].get(k)
    ]
    names = sorted(set(plain["tables"]) | set(dagster["tables"]))
    rows = [
        f"{n}: plain={plain['tables'].get(n, {}).get('rows')} dagster={dagster['tables'].get(n, {}).get('rows')}"
        for n in names
        if plain["tables"].get(n, {}).get("rows") != dagster["tables"].get(n, {}).get("rows")
    ]
    return (
        "bench/plain_pipeline.py no longer does what the Dagster assets do; update it to match. "
        f"Spark settings that differ: {conf or 'none'}; tables whose rows differ: {rows or 'none'}"
    )


def backfill(harness: Harness, count: int, transactions: int, one_process: bool = True, job: str = "daily") -> dict:
    """A `count`-day range of the daily job as one run vs one run per day, each run in its own process
    (as Dagster's daemon launches them); with `one_process`, also one run per day inside a single
    process (one JVM), which tells the JVM's share of the difference from Dagster's per-run cost.
    `job` is bench/dagster_pipeline.py's --job: "daily" (assets and checks) or "assets"."""
    landing = harness.scratch("backfill-landing") / "landing"
    generated = generate(harness, landing, transactions, count, 1, "backfill")
    range_days = days(FIRST_DAY, count)
    work = harness.scratch("backfill-one-run")
    one_run = harness.run(
        "backfill-one-run",
        "dagster_pipeline.py",
        ["--start", range_days[0], "--end", range_days[-1], "--job", job],
        lakehouse_env(work, landing),
        work,
    )
    harness.discard(work)
    work = harness.scratch("backfill-per-day-processes")
    env = lakehouse_env(work, landing)
    separate = [
        harness.run("backfill-day", "dagster_pipeline.py", ["--start", day, "--job", job], env, work)
        for day in range_days
    ]
    harness.discard(work)
    separate_wall = round(sum(run["wall_seconds"] for run in separate), 2)
    summary = {
        "days": count,
        "transactions_per_day": transactions,
        "job": job,
        "records_landed": generated["records_landed"],
        "one_run": {
            "runs": 1,
            "processes": 1,
            "wall_seconds": one_run["wall_seconds"],
            "run_seconds": one_run["run_seconds"],
        },
        "per_day_processes": {
            "runs": count,
            "processes": count,
            "wall_seconds": separate_wall,
            "run_wall_seconds": [run["wall_seconds"] for run in separate],
        },
        "ratio": round(separate_wall / one_run["wall_seconds"], 2),
    }
    if one_process:
        work = harness.scratch("backfill-per-day-one-process")
        in_process = harness.run(
            "backfill-per-day-one-process",
            "dagster_pipeline.py",
            ["--start", range_days[0], "--end", range_days[-1], "--per-day", "--job", job],
            lakehouse_env(work, landing),
            work,
        )
        harness.discard(work)
        summary["per_day_one_process"] = {
            "runs": count,
            "processes": 1,
            "wall_seconds": in_process["wall_seconds"],
            "run_seconds": in_process["run_seconds"],
        }
        summary["ratio_one_process"] = round(in_process["wall_seconds"] / one_run["wall_seconds"], 2)
    harness.discard(landing.parent)
    return summary


def sensor(harness: Harness, timeout: int) -> dict:
    """bench/drop_to_gold.py --local: a landed drop's way to bronze (and on to gold) under `dagster dev`."""
    work = harness.scratch("sensor")
    env = {**os.environ, "TMPDIR": str(work)}  # drop_to_gold keeps its temp folder; keep it in ours
    result = harness.run(
        "sensor", "drop_to_gold.py", ["--local", "--timeout", str(timeout)], env, REPO, result_flag="--json"
    )
    harness.discard(work)
    after = result["seconds_after_landing"]
    return {
        "storage": result["storage"],
        "days": result["days"],
        "sensor_interval_s": result["sensor_interval_s"],
        "automation_interval_s": result["automation_interval_s"],
        "seconds_after_landing": after,
        "landed_to_bronze_seconds": after.get("bronze/transactions"),
        "reached_gold": result["reached_gold"],
        "wall_seconds": result["wall_seconds"],
    }
