"""A file dropped into the landing zone reaches gold with nobody touching the UI — measured.

Starts `dagster dev` (webserver + daemon, SQLite instance in a temp DAGSTER_HOME) with the sensors
running by default (LAKEHOUSE_SENSORS_DEFAULT_STATUS=running), lands generated drops, and waits
until bronze, silver and gold partitions of those days are committed, printing when each arrived.
The landing sensor and the automation sensor tick every 30 s; their intervals bound the latency.

    .venv/bin/python bench/drop_to_gold.py            # landing zone and tables on a local moto S3 server
    .venv/bin/python bench/drop_to_gold.py --local    # local folders

Every process it starts is stopped by its own PID at the end.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lakehouse_assets_tests.processes import free_port, stop_process_group, wait_for_port  # noqa: E402

WATCHED = ("bronze/transactions", "silver/transactions", "gold/daily_sales_summary", "gold/customer_segments")


def location_loaded(url: str) -> bool:
    """Whether the webserver answers and every code location has loaded (so the sensors tick)."""
    query = json.dumps(
        {"query": "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"}
    ).encode()
    request = urllib.request.Request(f"{url}/graphql", data=query, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            entries = json.load(response)["data"]["workspaceOrError"].get("locationEntries") or []
    except (OSError, ValueError, KeyError):
        return False
    return bool(entries) and all(entry["loadStatus"] == "LOADED" for entry in entries)


def committed(instance, key: str, day: str) -> float | None:
    from dagster import AssetKey, AssetRecordsFilter

    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(key.split("/")), asset_partitions=[day]), limit=1
    ).records
    return records[0].timestamp if records else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--local", action="store_true", help="local folders instead of a local S3 server")
    parser.add_argument(
        "--days", type=int, default=2, help="days to land (default 2: gold day 1 waits for its late-arrival day)"
    )
    parser.add_argument("--transactions-per-day", type=int, default=200)
    parser.add_argument("--timeout", type=int, default=1200, help="seconds to wait for gold")
    parser.add_argument("--json", type=Path, help="write the timings here as JSON")
    args = parser.parse_args()

    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so `finally` stops the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="lakehouse-drop-to-gold-"))
    processes: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "LAKEHOUSE_SENSORS_DEFAULT_STATUS": "running",
        "DAGSTER_HOME": str(work / "dagster_home"),
        "LAKEHOUSE_START_DATE": "2024-01-01",
    }
    try:
        if args.local:
            env.update(LAKEHOUSE_ROOT=str(work / "tables"), LAKEHOUSE_LANDING_ROOT=str(work / "landing"))
        else:
            port = free_port()
            log = open(work / "moto.log", "wb")
            processes.append(
                subprocess.Popen(
                    [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
            )
            endpoint = f"http://127.0.0.1:{port}"
            env.update(
                AWS_ENDPOINT_URL=endpoint,
                AWS_ACCESS_KEY_ID="bench",
                AWS_SECRET_ACCESS_KEY="bench-secret",
                AWS_REGION="us-east-1",
                LAKEHOUSE_ROOT="s3a://lakehouse/tables",
                LAKEHOUSE_LANDING_ROOT="s3://landing",
            )
            import boto3

            wait_for_port(port, processes[-1], 30, f"moto_server (log: {work / 'moto.log'})")
            s3 = boto3.client(
                "s3",
                endpoint_url=endpoint,
                aws_access_key_id="bench",
                aws_secret_access_key="bench-secret",
                region_name="us-east-1",
            )
            for bucket in ("landing", "lakehouse"):
                s3.create_bucket(Bucket=bucket)
        os.environ.update(env)

        home = Path(env["DAGSTER_HOME"])
        home.mkdir(parents=True)
        shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
        dev_log = open(work / "dagster_dev.log", "wb")
        ui_port = free_port()
        dev = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "dagster"),
                "dev",
                "-w",
                str(REPO / "workspace.yaml"),
                "-h",
                "127.0.0.1",
                "-p",
                str(ui_port),
            ],
            cwd=REPO,
            env=env,
            stdout=dev_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(dev)
        print(f"dagster dev started (PID {dev.pid}); log: {work / 'dagster_dev.log'}", flush=True)

        # Stage generated drops locally, then land them the way a source system would.
        from lakehouse_assets.cli.landing import land_folder
        from lakehouse_assets.generator import GeneratorConfig, generate
        from lakehouse_assets.resources.wiring import build_landing_zone, s3_credentials
        from lakehouse_assets.settings import Settings

        settings = Settings.from_env(env)
        first = date(2024, 1, 1)
        days = [(first + timedelta(days=i)).isoformat() for i in range(args.days)]
        generate(
            GeneratorConfig(
                landing_root=work / "staged",
                start_date=first,
                days=args.days,
                transactions_per_day=args.transactions_per_day,
                seed=7,
            )
        )
        # The code location loads first, so that the landing is what the sensor's first ticks see.
        deadline = time.monotonic() + 300
        while not location_loaded(f"http://127.0.0.1:{ui_port}"):
            if dev.poll() is not None or time.monotonic() > deadline:
                print(f"dagster dev did not load the code location; see {work / 'dagster_dev.log'}", file=sys.stderr)
                return 1
            time.sleep(1)
        landed_at = time.time()
        count = land_folder(work / "staged", build_landing_zone(settings, s3_credentials(settings, resolved=True)))
        print(f"landed {count} files for {days[0]} .. {days[-1]} into {settings.landing_root}", flush=True)

        from dagster import DagsterInstance

        arrived: dict[str, float] = {}
        with DagsterInstance.from_config(str(home)) as instance:
            deadline = landed_at + args.timeout
            while time.time() < deadline and len(arrived) < len(WATCHED):
                for key in WATCHED:
                    if key not in arrived:
                        stamp = committed(instance, key, days[0])
                        if stamp is not None:
                            arrived[key] = stamp - landed_at
                            print(f"  {key} {days[0]} committed {arrived[key]:6.1f} s after landing", flush=True)
                if dev.poll() is not None:
                    print("dagster dev exited; see its log", file=sys.stderr)
                    break
                time.sleep(2)
        result = {
            "storage": "local" if args.local else "s3 (moto)",
            "days": days,
            "sensor_interval_s": 30,
            "automation_interval_s": 30,
            "seconds_after_landing": arrived,
            "reached_gold": len(arrived) == len(WATCHED),
        }
        print(json.dumps(result, indent=2))
        if args.json:
            args.json.write_text(json.dumps(result, indent=2) + "\n")
        return 0 if result["reached_gold"] else 1
    finally:
        for process in reversed(processes):
            stop_process_group(process)


if __name__ == "__main__":
    sys.exit(main())
