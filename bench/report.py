"""Writes the results: latest.json (everything), latest.md (tables), scaling.png (cost against rows)."""

import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psutil

TARGETS = {
    "overhead": {
        "text": "Dagster / plain wall time ≤ 1.15 at 1,000,000 transactions/day",
        "size": 1_000_000,
        "limit": 1.15,
    },
    "backfill": {"text": "30 per-day runs / one 30-day run ≥ 5×", "days": 30, "limit": 5.0},
    # The project's daily job against the DuckDB peer (bench/peer_pipeline.py), process wall time.
    "peer": [
        {"text": "project / DuckDB peer wall time ≤ 5× at 1,000,000 transactions/day", "size": 1_000_000, "limit": 5.0},
        {
            "text": "project / DuckDB peer wall time ≤ 3× at 10,000,000 transactions/day",
            "size": 10_000_000,
            "limit": 3.0,
        },
    ],
    "linear": {
        "text": "run time from 1,000,000 to 10,000,000 transactions/day grows at most 10× (linearly)",
        "sizes": (1_000_000, 10_000_000),
        "limit": 10.0,
    },
    "driver": {
        "text": "Python driver peak RSS flat from 1,000,000 to 10,000,000 transactions/day (≤ 1.25×)",
        "sizes": (1_000_000, 10_000_000),
        "limit": 1.25,
    },
}


def machine() -> dict:
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr.splitlines()
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "java": java[0] if java else "not found",
        **{name: importlib.metadata.version(name) for name in ("pyspark", "delta-spark", "dagster")},
        "load_1m_at_start": round(os.getloadavg()[0], 2),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def targets(results: dict) -> list[dict]:
    """Each target with its measured value and met / missed / not measured (never an assertion)."""
    rows = []
    spec = TARGETS["overhead"]
    at_size = [o for o in results.get("overhead", []) if o["transactions_per_day"] == spec["size"]]
    value = at_size[0]["ratio"] if at_size else None
    rows.append(
        {
            "target": spec["text"],
            "value": value,
            "status": "not measured at this size" if value is None else ("met" if value <= spec["limit"] else "missed"),
        }
    )
    spec, measured = TARGETS["backfill"], results.get("backfill")
    if measured is None:
        status, value = "not measured", None
    else:
        value = measured["ratio"]
        status = "met" if value >= spec["limit"] else "missed"
        if measured["days"] != spec["days"]:
            status = f"not evaluated ({measured['days']} days measured)"
    rows.append({"target": spec["text"], "value": value, "status": status})
    for spec in TARGETS["peer"]:
        at_size = [p for p in results.get("peer", []) if p["transactions_per_day"] == spec["size"]]
        value = at_size[0]["wall_ratio"] if at_size else None
        rows.append(
            {
                "target": spec["text"],
                "value": value,
                "status": "not measured at this size"
                if value is None
                else ("met" if value <= spec["limit"] else "missed"),
            }
        )
    layered = {run["transactions_per_day"]: run for run in results.get("layers", [])}
    for name, key in (("linear", "pipeline_seconds"), ("driver", "driver_peak_mb")):
        spec = TARGETS[name]
        small, large = (layered.get(size) for size in spec["sizes"])
        value = round(large[key] / small[key], 2) if small and large and small[key] else None
        rows.append(
            {
                "target": spec["text"],
                "value": value,
                "status": "not measured at these sizes"
                if value is None
                else ("met" if value <= spec["limit"] else "missed"),
            }
        )
    return rows


def write(out: Path, results: dict, draw_chart: bool) -> None:
    results["machine"]["load_1m_at_end"] = round(os.getloadavg()[0], 2)
    results["targets"] = targets(results)
    if draw_chart:
        results["scaling"] = scaling_rows(results)
        chart(out / "scaling.png", results["scaling"])
    (out / "latest.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    (out / "latest.md").write_text(markdown(results))


def scaling_rows(results: dict) -> list[dict]:
    generated = {g["transactions_per_day"]: g for g in results.get("generate", [])}
    layered = {run["transactions_per_day"]: run for run in results.get("layers", [])}
    rows = []
    for size in sorted(set(generated) | set(layered)):
        gen, run = generated.get(size, {}), layered.get(size)
        rows.append(
            {
                "transactions_per_day": size,
                "generate_seconds": gen.get("seconds"),
                **{
                    f"{layer}_seconds": run["layers"][layer]["seconds"] if run else None
                    for layer in ("bronze", "silver", "gold")
                },
                "pipeline_seconds": run["pipeline_seconds"] if run else None,
                "generator_peak_mb": gen.get("driver_peak_mb"),
                "driver_peak_mb": run["driver_peak_mb"] if run else None,
                "jvm_peak_mb": run["jvm_peak_mb"] if run else None,
                "bytes_written": run["bytes_written"] if run else None,
            }
        )
    return rows


def chart(path: Path, rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(12, 4.5))
    series = (
        (time_axis, "generate_seconds", "generate"),
        (time_axis, "bronze_seconds", "bronze"),
        (time_axis, "silver_seconds", "silver"),
        (time_axis, "gold_seconds", "gold"),
        (time_axis, "pipeline_seconds", "bronze→gold run"),
        (memory_axis, "generator_peak_mb", "generator RSS"),
        (memory_axis, "driver_peak_mb", "driver RSS (pipeline)"),
        (memory_axis, "jvm_peak_mb", "JVM RSS (pipeline)"),
    )
    for axis, key, label in series:
        points = [(row["transactions_per_day"], row[key]) for row in rows if row.get(key) is not None]
        if points:
            axis.plot(*zip(*points, strict=True), marker="o", label=label)
    for axis, ylabel, title in ((time_axis, "seconds", "Time for one day"), (memory_axis, "MiB", "Peak memory")):
        axis.set_xscale("log")
        if axis is time_axis:
            axis.set_yscale("log")
        axis.set_xlabel("transactions per day")
        axis.set_ylabel(ylabel)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"# lakehouse benchmark ({'smoke' if results['config']['smoke'] else 'full'})",
        "",
        f"{m['started']} · {m['cores']} cores, {m['memory_gib']} GiB · Python {m['python']} · PySpark {m['pyspark']} · "
        f"delta-spark {m['delta-spark']} · Dagster {m['dagster']} · {m['java']} · {m['platform']}",
        "",
        f"Load average (1 min) at start {m['load_1m_at_start']}, at end {m['load_1m_at_end']}; each measurement's "
        "load before it is in latest.json. Spark `local[*]`.",
        "",
    ]
    if results["config"]["smoke"]:
        lines += [
            "**Smoke run**: tiny sizes, every measurement inside one process on one JVM, so these timings "
            "mean nothing.",
            "",
        ]
    else:
        lines += ["Every measurement is a fresh process (fresh JVM).", ""]
    lines += _targets(results["targets"])
    sections = (
        ("generate", _generate),
        ("layers", _layers),
        ("overhead", _overhead),
        ("peer", _peer),
        ("backfill", _backfill),
        ("sensor", _sensor),
        ("scaling", _scaling),
    )
    for part, render in sections:
        if results.get(part):
            lines += render(results[part])
    if results.get("failures"):
        lines += (
            ["## Failures", ""]
            + [f"- **{f['part']}**: {f['error'].splitlines()[0]}" for f in results["failures"]]
            + [""]
        )
    return "\n".join(lines)


def _table(header: list[str], rows: list[list]) -> list[str]:
    return (
        ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        + ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
        + [""]
    )


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _mb(value) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _targets(rows: list[dict]) -> list[str]:
    return ["## Targets", ""] + _table(
        ["target", "measured", "status"], [[r["target"], r["value"], r["status"]] for r in rows]
    )


def _generate(rows: list[dict]) -> list[str]:
    body = [
        [
            g["transactions_per_day"],
            g["customers"],
            g["products"],
            sum(g["records_landed"].values()),
            g["seconds"],
            g["transactions_per_second"],
            g["bytes_landed"],
            _mb(g["driver_peak_mb"]),
        ]
        for g in rows
    ]
    return ["## Generation (one day)", ""] + _table(
        [
            "transactions/day",
            "customers",
            "products",
            "records landed",
            "seconds",
            "transactions/s",
            "bytes",
            "peak RSS MiB",
        ],
        body,
    )


def _layers(runs: list[dict]) -> list[str]:
    body = []
    for run in runs:
        for layer in ("bronze", "silver", "gold"):
            stats = run["layers"][layer]
            body.append(
                [
                    run["transactions_per_day"],
                    layer,
                    stats["seconds"],
                    stats["asset_seconds"],
                    stats["check_seconds"],
                    stats["rows_in"],
                    stats["rows_per_second"],
                    stats["rows_out"],
                    stats["bytes"],
                    _mb(stats["driver_peak_mb"]),
                    _mb(stats["jvm_peak_mb"]),
                ]
            )
        body.append(
            [
                run["transactions_per_day"],
                "**whole run**",
                run["pipeline_seconds"],
                "",
                "",
                "",
                "",
                "",
                run["bytes_written"],
                _mb(run["driver_peak_mb"]),
                _mb(run["jvm_peak_mb"]),
            ]
        )
    notes = [
        "`daily_lakehouse_job` (assets and their checks) for one day, median of the repeats by run time. A layer's "
        "seconds are the sum of its steps (asset + check steps); rows in: landed records for bronze, bronze rows for "
        "silver, silver business rows for gold; rows/s = rows in / layer seconds. Bytes: the Delta tables' folders "
        "(data and log). Peaks: RSS of the Python driver and of its JVM, sampled every 0.2 s, during the "
        "layer's steps. "
        "The whole run excludes interpreter start, imports and the JVM start, listed below.",
        "",
    ]
    starts = _table(
        [
            "transactions/day",
            "process wall s",
            "imports s",
            "JVM start s",
            "between steps s",
            "JVM heap peak MiB",
            "JVM non-heap peak MiB",
        ],
        [
            [
                r["transactions_per_day"],
                r["wall_seconds"],
                r["import_seconds"],
                r["spark_start_seconds"],
                r["between_steps_seconds"],
                _mb(r["jvm_heap_peak_mb"]),
                _mb(r["jvm_nonheap_peak_mb"]),
            ]
            for r in runs
        ],
    )
    return (
        ["## Layers (one day)", ""]
        + notes
        + _table(
            [
                "transactions/day",
                "layer",
                "seconds",
                "asset s",
                "check s",
                "rows in",
                "rows/s",
                "rows out",
                "bytes",
                "driver MiB",
                "JVM MiB",
            ],
            body,
        )
        + starts
    )


def _overhead(rows: list[dict]) -> list[str]:
    body = [
        [
            o["transactions_per_day"],
            o["repeat"],
            o["plain_wall_median"],
            o["dagster_wall_median"],
            o["ratio"],
            o["pipeline_ratio"],
            ", ".join(f"{s:.1f}" for s in o["plain_wall_seconds"]),
            ", ".join(f"{s:.1f}" for s in o["dagster_wall_seconds"]),
            o["same_spark_conf"] and o["same_tables"],
        ]
        for o in rows
    ]
    return [
        "## Orchestration overhead (one day, fresh process each, interleaved plain, Dagster, plain, …)",
        "",
        "Plain: bench/plain_pipeline.py, the project's transforms written with "
        '`df.write.format("delta")`, Dagster not '
        "imported. Dagster: the same assets (no checks) materialized through `execute_in_process`, the "
        "Delta IO manager "
        "and a SQLite instance. Ratio = median process wall time, Dagster / plain (interpreter, imports, JVM start and "
        "the run); pipeline ratio = the same without interpreter, imports and JVM start. Same work = same Spark "
        "settings and same tables with the same row counts.",
        "",
    ] + _table(
        [
            "transactions/day",
            "pairs",
            "plain s",
            "Dagster s",
            "ratio",
            "pipeline ratio",
            "plain runs s",
            "Dagster runs s",
            "same work",
        ],
        body,
    )


def _peer(rows: list[dict]) -> list[str]:
    body = [
        [
            p["transactions_per_day"],
            p["project_wall_seconds"],
            p["peer_wall_seconds"],
            p["wall_ratio"],
            p["project_cpu_seconds"],
            p["peer_cpu_seconds"],
            p["cpu_ratio"],
            p["project_pipeline_seconds"],
            p["peer_pipeline_seconds"],
            f"{_mb(p['project_peak_mb']['driver'])} + {_mb(p['project_peak_mb']['jvm'])}",
            _mb(p["peer_peak_mb"]),
            p["same_rows"],
        ]
        for p in rows
    ]
    tables = sorted({name for p in rows for name in (*p["project_rows"], *p["peer_rows"])})
    counts = [
        [p["transactions_per_day"], name, p["project_rows"].get(name), p["peer_rows"].get(name)]
        for p in rows
        for name in tables
    ]
    engine = next((p["peer_engine"] for p in rows if p.get("peer_engine")), "DuckDB")
    return (
        [
            "## The project against a DuckDB peer (one day, fresh process each, on the same landing files)",
            "",
            "Project: `daily_lakehouse_job` (assets and checks) through bench/dagster_pipeline.py, as in Layers. "
            f"Peer: bench/peer_pipeline.py, the same bronze → silver → gold work in {engine}, tables written as Delta "
            "with delta-rs (no JVM; outputs checked equal to the project's by lakehouse_assets_tests/"
            "test_bench_peer.py). Wall: the process, start to exit. CPU: user + system of the process and all its "
            "children (the JVM included). Ratios are project / peer. Pipeline: without interpreter start and "
            "imports (and, for the project, the JVM start). Peak MiB: driver + JVM RSS; the peer's process RSS.",
            "",
        ]
        + _table(
            [
                "transactions/day",
                "project wall s",
                "peer wall s",
                "wall ratio",
                "project CPU s",
                "peer CPU s",
                "CPU ratio",
                "project pipeline s",
                "peer pipeline s",
                "project peak MiB",
                "peer peak MiB",
                "same rows",
            ],
            body,
        )
        + _table(["transactions/day", "table", "project rows", "peer rows"], counts)
    )


def _backfill(b: dict) -> list[str]:
    variants = [
        (f"one run over {b['days']} days (range tags)", b["one_run"]),
        ("one run per day, each in its own process (as the daemon launches them)", b["per_day_processes"]),
    ]
    summary = f"Per-day processes / one run: **{b['ratio']}×**"
    if "per_day_one_process" in b:
        variants.append(("one run per day, all in one process (one JVM)", b["per_day_one_process"]))
        summary += f"; per-day runs in one process / one run: {b['ratio_one_process']}×"
    body = [[label, v["runs"], v["processes"], v["wall_seconds"]] for label, v in variants]
    job = "its assets without checks" if b.get("job") == "assets" else "with checks"
    return (
        [
            f"## Backfill ({b['days']} days × {b['transactions_per_day']:,} transactions, `daily_lakehouse_job` {job})",
            "",
        ]
        + _table(["how", "runs", "processes", "wall s"], body)
        + [summary + ". Wall times include each process's start.", ""]
    )


def _sensor(s: dict) -> list[str]:
    after = s["seconds_after_landing"]
    return (
        [
            f"## Sensor latency ({s['storage']} storage, `dagster dev`)",
            "",
            f"`landing_drops` ticks every {s['sensor_interval_s']} s and the automation sensor every "
            f"{s['automation_interval_s']} s, "
            "so each adds up to one interval of waiting.",
            "",
        ]
        + _table(["table (first day)", "committed s after landing"], [[key, value] for key, value in after.items()])
        + [f"Reached gold: {_cell(s['reached_gold'])}.", ""]
    )


def _scaling(rows: list[dict]) -> list[str]:
    body = [
        [
            r["transactions_per_day"],
            r["generate_seconds"],
            r["bronze_seconds"],
            r["silver_seconds"],
            r["gold_seconds"],
            r["pipeline_seconds"],
            _mb(r["generator_peak_mb"]),
            _mb(r["driver_peak_mb"]),
            _mb(r["jvm_peak_mb"]),
            r["bytes_written"],
        ]
        for r in rows
    ]
    return ["## Cost against size", "", "![time and memory against rows](scaling.png)", ""] + _table(
        [
            "transactions/day",
            "generate s",
            "bronze s",
            "silver s",
            "gold s",
            "run s",
            "generator MiB",
            "driver MiB",
            "JVM MiB",
            "bytes written",
        ],
        body,
    )


if __name__ == "__main__":
    # Re-render latest.md and scaling.png from a latest.json: python bench/report.py bench/results
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results")
    data = json.loads((folder / "latest.json").read_text())
    data["targets"] = targets(data)
    if data.get("scaling"):
        data["scaling"] = scaling_rows(data)
        chart(folder / "scaling.png", data["scaling"])
    (folder / "latest.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    (folder / "latest.md").write_text(markdown(data))
