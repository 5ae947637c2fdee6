"""The lakehouse benchmark: generation, layers, orchestration overhead, DuckDB peer, backfill, sensor, scaling.

    .venv/bin/python bench/run.py                    # the full benchmark (hours on 2 cores; run it on an idle machine)
    .venv/bin/python bench/run.py --smoke --out DIR  # tiny sizes, one process: what CI runs so the harness cannot rot

Each measurement runs in a fresh subprocess (bench/generate_day.py, bench/plain_pipeline.py,
bench/dagster_pipeline.py, bench/peer_pipeline.py, bench/drop_to_gold.py) with its own tables and
Dagster instance under a temp folder; `--smoke` runs them one after the other inside this process
instead (one JVM, one Spark start for all), since its timings mean nothing and only the code paths
matter. Results go to OUT/latest.json, OUT/latest.md and OUT/scaling.png; each measurement's log to
OUT/tmp/logs/. Targets are reported as met / missed, never asserted. Exits 1 if any part failed.
"""

import argparse
import shutil
import signal
import sys
import tempfile
import traceback
from pathlib import Path

import report
from harness import REPO, Harness, MeasurementFailed, progress
from parts import PartFailed, backfill, generate, layers, overhead, peer, sensor

PARTS = ("generate", "layers", "overhead", "peer", "backfill", "sensor", "scaling")
# The smoke's backfill runs the assets without their checks: its three runs are the smoke's largest
# cost, and the daily job with checks is covered by its layers run.
SMOKE = {
    "sizes": [200],
    "repeat": 1,
    "backfill_days": 2,
    "backfill_transactions": 200,
    "backfill_one_process": False,
    "backfill_job": "assets",
    "timeout": 900,
}


def sizes(text: str) -> list[int]:
    values = [int(value.replace("_", "")) for value in text.split(",") if value.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give transactions per day as positive numbers, e.g. 100000,1000000"
        )
    return values


def parts(text: str) -> list[str]:
    chosen = [value.strip() for value in text.split(",") if value.strip()]
    unknown = [value for value in chosen if value not in PARTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown part(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(PARTS)}"
        )
    return chosen


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", type=sizes, default=[100_000, 1_000_000, 10_000_000], help="transactions per day, comma-separated"
    )
    parser.add_argument(
        "--parts",
        type=parts,
        help=f"comma-separated subset of {','.join(PARTS)} (default: all; --smoke: all but sensor)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per generation and layers measurement; the median is reported (default 3)",
    )
    parser.add_argument("--pairs", type=int, help="plain/Dagster pairs per overhead size (default: --repeat)")
    parser.add_argument(
        "--overhead-max-size",
        type=int,
        default=1_000_000,
        help="run the overhead comparison at sizes up to this (default 1000000; 0: every size)",
    )
    parser.add_argument("--backfill-days", type=int, default=30)
    parser.add_argument(
        "--backfill-transactions", type=int, default=1000, help="transactions per day of the backfill data"
    )
    parser.add_argument(
        "--backfill-job",
        choices=("daily", "assets"),
        default="daily",
        help="the backfill's job: daily_lakehouse_job with its checks, or its assets alone (default: "
        "daily; --smoke: assets)",
    )
    parser.add_argument(
        "--backfill-one-process",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time the per-day runs inside one process, one JVM (default: yes; --smoke: no)",
    )
    parser.add_argument("--timeout", type=int, default=7200, help="seconds one measurement may take (default 7200)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"tiny configuration: sizes {SMOKE['sizes']}, repeat 1, backfill {SMOKE['backfill_days']} days of "
        f"{SMOKE['backfill_transactions']} (assets only) without the one-process variant, no sensor",
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "results", help="results folder (default bench/results)"
    )
    parser.add_argument("--work-dir", type=Path, help="scratch folder for data and tables (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep generated data and tables instead of deleting them")
    args = parser.parse_args(argv)
    if args.smoke:
        for name, value in SMOKE.items():
            if parser.get_default(name) == getattr(args, name):
                setattr(args, name, value)
    args.pairs = args.pairs or args.repeat
    args.parts = args.parts or [part for part in PARTS if not (args.smoke and part == "sensor")]
    if args.repeat < 1 or args.backfill_days < 1 or args.backfill_transactions < 1:
        parser.error("--repeat, --backfill-days and --backfill-transactions must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    logs = args.out / "tmp" / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    if args.work_dir:
        args.work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lakehouse-bench-", dir=args.work_dir))
    harness = Harness(logs=logs, work=work, timeout=args.timeout, keep=args.keep, inline=args.smoke)
    results = {
        "machine": report.machine(),
        "config": {key: (str(value) if isinstance(value, Path) else value) for key, value in vars(args).items()},
        "generate": [],
        "layers": [],
        "overhead": [],
        "peer": [],
        "failures": [],
    }
    progress(f"parts {','.join(args.parts)}; sizes {args.sizes}; scratch {work}; logs {logs}")
    chains = [lambda: [measure_size(harness, args, size, results) for size in args.sizes]]
    if "backfill" in args.parts:
        chains.append(
            lambda: attempt(
                results,
                "backfill",
                lambda: backfill(
                    harness,
                    args.backfill_days,
                    args.backfill_transactions,
                    args.backfill_one_process,
                    args.backfill_job,
                ),
            )
        )
    if "sensor" in args.parts:
        chains.append(lambda: attempt(results, "sensor", lambda: sensor(harness, min(args.timeout, 1200))))
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C: the running measurements are stopped, the report written.
    previous_handler = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for chain in chains:
            chain()
    finally:
        signal.signal(signal.SIGTERM, previous_handler)  # main() may be called from a test
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        report.write(args.out, results, draw_chart="scaling" in args.parts)
    print((args.out / "latest.md").read_text())
    progress(f"results in {args.out}/latest.json, latest.md" + (", scaling.png" if "scaling" in args.parts else ""))
    for failure in results["failures"]:
        progress(f"FAILED {failure['part']}: {failure['error']}")
    return 1 if results["failures"] else 0


def measure_size(harness: Harness, args: argparse.Namespace, size: int, results: dict) -> None:
    wants_overhead = "overhead" in args.parts and (args.overhead_max_size == 0 or size <= args.overhead_max_size)
    if not ({"generate", "layers", "peer"} & set(args.parts) or wants_overhead):
        return
    folder = harness.scratch(f"size-{size}")
    landing = folder / "landing"
    # Generation is measured whenever data is needed; --repeat applies only when it is a selected part.
    repeat = args.repeat if "generate" in args.parts else 1
    generated = attempt(
        results, f"generate {size:,}", lambda: generate(harness, landing, size, 1, repeat, str(size)), "generate"
    )
    if generated is not None:
        if "layers" in args.parts:
            attempt(results, f"layers {size:,}", lambda: layers(harness, landing, size, args.repeat), "layers")
        if wants_overhead:
            attempt(results, f"overhead {size:,}", lambda: overhead(harness, landing, size, args.pairs), "overhead")
        if "peer" in args.parts:
            attempt(results, f"peer {size:,}", lambda: peer(harness, landing, size), "peer")
    harness.discard(folder)


def attempt(results: dict, part: str, measure, collection: str | None = None):
    """Runs one part; a failure is recorded (and the run goes on to the next part) instead of raised."""
    try:
        summary = measure()
    except (MeasurementFailed, PartFailed) as failure:
        if isinstance(failure, PartFailed) and collection:
            results[collection].append(failure.summary)
        results["failures"].append({"part": part, "error": str(failure)})
        progress(f"{part} FAILED: {str(failure).splitlines()[0]}")
        return None
    except Exception:  # a bug in the harness itself: record it with its traceback, go on with the other parts
        results["failures"].append({"part": part, "error": traceback.format_exc()})
        progress(f"{part} FAILED:\n{traceback.format_exc()}")
        return None
    if collection:
        results[collection].append(summary)
    else:
        results[part] = summary
    return summary


if __name__ == "__main__":
    sys.exit(main())
