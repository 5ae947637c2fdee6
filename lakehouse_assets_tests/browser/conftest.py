"""A real `dagster dev` (webserver + daemon) over tiny generated data, and Debian's headless Chromium
driven by Playwright against it.

Playwright's own browser download is not used (its download host is out of this machine's reach):
/usr/bin/chromium comes from Debian's package, installed here with apt-get when it is missing.
Every process started here is stopped in the fixture's teardown, also when a test fails.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from lakehouse_assets_tests.browser.backfills import Backfill
from lakehouse_assets_tests.processes import free_port, stop_process_group

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_INSTALL = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
# Kept after the run (under .lakehouse/, which git ignores) so a person can look at them.
SCREENSHOTS = REPO / ".lakehouse" / "screenshots"
LOCATION = "lakehouse_assets"
DAYS = ("2024-01-01", "2024-01-02", "2024-01-03")
# Loading the code location imports pyspark and builds the definitions: slow on a busy 2-core machine.
STARTUP_TIMEOUT_S = 240

screenshot_folders: list[Path] = []


def pytest_terminal_summary(terminalreporter) -> None:
    # The tests print their folders too, but pytest shows a passing test's output only with -s or -rP.
    if screenshot_folders:
        terminalreporter.section("Dagster UI screenshots")
        for folder in screenshot_folders:
            terminalreporter.write_line(f"{folder}: {', '.join(sorted(p.name for p in folder.glob('*.png')))}")


def _say(request, text: str) -> None:
    """Prints past pytest's capture: an install of a minute or more should not look like a hang."""
    with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print(text, flush=True)


def _run_and_report(request, command: list[str]) -> bool:
    _say(request, f"$ {' '.join(command)}")
    result = subprocess.run(command, capture_output=True, text=True)
    tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
    _say(request, "\n".join(f"  {line}" for line in tail))
    return result.returncode == 0


@pytest.fixture(scope="session")
def chromium_executable(request) -> str:
    """Debian's chromium, installed with apt-get when missing; the tests fail, never skip, without it."""
    if not CHROMIUM.exists():
        _say(request, f"\n{CHROMIUM} is missing: installing Debian's chromium package with apt-get")
        installed = shutil.which("apt-get") is not None and (
            _run_and_report(request, CHROMIUM_INSTALL)
            # A fresh image may carry no package lists yet.
            or (_run_and_report(request, ["apt-get", "update"]) and _run_and_report(request, CHROMIUM_INSTALL))
        )
        if not installed or not CHROMIUM.exists():
            pytest.fail(
                f"The browser tests need Debian's chromium at {CHROMIUM} and could not install it. Install it as root "
                f"with `apt-get update && {' '.join(CHROMIUM_INSTALL)}`, then run the tests again.",
                pytrace=False,
            )
    return str(CHROMIUM)


# Package scope, not session: Playwright's sync API keeps an asyncio loop running in the main thread
# while it is started, and later tests that call asyncio.run() (Dagster's automation evaluation)
# fail with "cannot be called from a running event loop". The servers stop with it too.
@pytest.fixture(scope="package")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    # close() ends the Chromium processes, stop() Playwright's driver process.
    playwright = sync_playwright().start()
    try:
        # --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
        chromium = playwright.chromium.launch(executable_path=chromium_executable, headless=True, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser):
    from playwright.sync_api import expect

    # Generous waits (never sleeps): other Spark jobs may be sharing the 2 cores.
    expect.set_options(timeout=30_000)
    # Tall enough for the whole expanded lineage graph at the zoom the UI picks.
    context = browser.new_context(viewport={"width": 1600, "height": 1200})
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def screenshot(request) -> Callable:
    """`screenshot(page, "name")` writes <repo>/.lakehouse/screenshots/<test name>/name.png and prints the path."""
    folder = SCREENSHOTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    screenshot_folders.append(folder)
    print(f"\nscreenshots of {request.node.name}: {folder}", flush=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"  screenshot: {path}", flush=True)
        return path

    return take


@dataclass
class DagsterUI:
    url: str
    location: str
    days: tuple[str, ...]
    log: Path
    process: subprocess.Popen
    landing: Path
    tables: Path

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.load(response)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


LOCATION_STATUS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _location_loaded(ui: DagsterUI) -> bool:
    entries = ui.graphql(LOCATION_STATUS)["workspaceOrError"].get("locationEntries", [])
    entry = next((entry for entry in entries if entry["name"] == ui.location), None)
    if entry is None or entry["loadStatus"] != "LOADED":
        return False
    loaded = entry["locationOrLoadError"]
    if loaded["__typename"] == "PythonError":
        pytest.fail(f"code location {ui.location} failed to load in dagster dev:\n{loaded['message']}", pytrace=False)
    return loaded["__typename"] == "RepositoryLocation"


def wait_until_ready(ui: DagsterUI) -> None:
    """Until the webserver answers and the code location has loaded (its assets are then queryable)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not (_answers(f"{ui.url}/server_info") and _location_loaded(ui)):
        if ui.process.poll() is not None:
            pytest.fail(
                f"dagster dev exited with {ui.process.returncode}; its log ({ui.log}):\n{ui.log_tail()}", pytrace=False
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"dagster dev did not load {ui.location} within {STARTUP_TIMEOUT_S} s; log:\n{ui.log_tail()}",
                pytrace=False,
            )
        time.sleep(1)


@pytest.fixture(scope="package")
def dagster_ui(tmp_path_factory) -> DagsterUI:
    """`dagster dev` on a temp instance (a copy of the repo's dagster.yaml: SQLite, one run at a time)
    over three generated days of tiny data, answering and with its code location loaded."""
    work = tmp_path_factory.mktemp("dagster_ui")
    home, landing = work / "dagster_home", work / "landing"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "LAKEHOUSE_ROOT": str(work / "tables"),
        "LAKEHOUSE_LANDING_ROOT": str(landing),
        "LAKEHOUSE_SPARK_MASTER": "local[2]",
        "LAKEHOUSE_START_DATE": DAYS[0],
        # Only the backfill the tests launch may run: no sensor-requested runs beside it.
        "LAKEHOUSE_SENSORS_DEFAULT_STATUS": "stopped",
    }
    generated = subprocess.run(
        [
            BIN / "lakehouse",
            "generate",
            "--landing-root",
            str(landing),
            "--start-date",
            DAYS[0],
            "--days",
            str(len(DAYS)),
            "--transactions-per-day",
            "50",
            "--customers",
            "20",
            "--products",
            "10",
            "--seed",
            "1",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert generated.returncode == 0, generated.stderr[-3000:]
    log, port = work / "dagster_dev.log", free_port()
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [BIN / "dagster", "dev", "-w", str(REPO / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        ui = DagsterUI(
            url=f"http://127.0.0.1:{port}",
            location=LOCATION,
            days=DAYS,
            log=log,
            process=process,
            landing=landing,
            tables=work / "tables",
        )
        print(f"\ndagster dev (PID {process.pid}) at {ui.url}; log: {log}", flush=True)
        wait_until_ready(ui)
        # On 127.0.0.1 the UI opens a "Join the Dagster community" dialog over the first page it
        # shows; this is what the dialog's Skip button sends.
        ui.graphql("mutation { setNuxSeen }")
        yield ui
    finally:
        stop_process_group(process)
        print(f"\ndagster dev (PID {process.pid}) stopped", flush=True)


@pytest.fixture(scope="package")
def daily_backfill(dagster_ui) -> Backfill:
    """The three-day backfill every test of the session shares (one Spark run for all of them)."""
    return Backfill()


@dataclass
class Dashboard:
    url: str
    root: Path
    log: Path


@pytest.fixture(scope="package")
def dashboard(dagster_ui, daily_backfill, tmp_path_factory) -> Dashboard:
    """`lakehouse dashboard` on a free port of 127.0.0.1 over the tables the session's backfill built."""
    from lakehouse_assets_tests.browser.backfills import completed_backfill

    completed_backfill(dagster_ui, daily_backfill)
    log, port = tmp_path_factory.mktemp("dashboard") / "dashboard.log", free_port()
    env = {**os.environ, "LAKEHOUSE_ROOT": str(dagster_ui.tables)}
    with open(log, "wb") as log_file:
        # Its own session: the process group (id = its PID; `lakehouse dashboard` execs Streamlit in
        # place) is what the teardown stops.
        process = subprocess.Popen(
            [BIN / "lakehouse", "dashboard", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        print(f"\nlakehouse dashboard (PID {process.pid}) at {url}; log: {log}", flush=True)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _answers(f"{url}/_stcore/health"):
            if process.poll() is not None:
                pytest.fail(
                    f"lakehouse dashboard exited with {process.returncode}; its log:\n{log.read_text()[-3000:]}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"lakehouse dashboard did not answer within {STARTUP_TIMEOUT_S} s; log:\n{log.read_text()[-3000:]}",
                    pytrace=False,
                )
            time.sleep(1)
        yield Dashboard(url=url, root=dagster_ui.tables, log=log)
    finally:
        stop_process_group(process)
        print(f"\nlakehouse dashboard (PID {process.pid}) stopped", flush=True)
