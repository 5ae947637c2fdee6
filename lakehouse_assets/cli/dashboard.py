"""`lakehouse dashboard`: serve the monitoring dashboard (the optional `[dashboard]` extra)."""

import argparse
import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
INSTALL = 'pip install -e ".[dashboard]"'
DASHBOARD_MODULES = ("streamlit", "altair", "deltalake")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the monitoring dashboard (Streamlit) over the Delta tables",
        description=(
            "Serve the monitoring dashboard: gold KPIs and pipeline health (rows, quarantine rates, table "
            "versions and sizes) read from the Delta tables under LAKEHOUSE_ROOT with delta-rs, no Spark. "
            f"Needs the dashboard extra: {INSTALL}."
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)"
    )
    parser.add_argument("--port", type=_port, default=8501, help="port to listen on (default 8501)")
    parser.set_defaults(func=run_dashboard)


def missing_modules() -> list[str]:
    missing = []
    for name in DASHBOARD_MODULES:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    return missing


def streamlit_command(host: str, port: int) -> list[str]:
    # `python -m streamlit` rather than the `streamlit` script: the same interpreter as `lakehouse`,
    # whatever PATH holds.
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def run_dashboard(args: argparse.Namespace) -> int:
    missing = missing_modules()
    if missing:
        print(
            f"lakehouse dashboard needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed. "
            f"Install the dashboard extra from the project folder: {INSTALL} "
            f"(in the project's venv: .venv/bin/{INSTALL}).",
            file=sys.stderr,
        )
        return 2
    command = streamlit_command(args.host, args.port)
    print(f"Lakehouse monitoring on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    # Replacing this process (same PID, same environment and folder) lets Ctrl-C and a kill of the
    # PID reach Streamlit itself, with no parent left behind.
    os.execv(command[0], command)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port; use a number from 1 to 65535, e.g. 8501")
    return int(text)
