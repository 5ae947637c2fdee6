"""The Dagster UI, driven in headless Chromium: the layered asset graph, a three-day backfill
launched from the job page, and an asset's check results.

One `dagster dev` serves the whole module; the backfill is its only Spark run (~1-2 min on 2 cores).
Each test writes screenshots to <repo>/.lakehouse/screenshots/<test name>/ and keeps them.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.integration]

JOB = "daily_lakehouse_job"
# Dagster names the partition set of a partitioned job <job>_partition_set; the job page's
# "Materialize all…" dialog launches a backfill of it (one backfill over the job, not per asset).
PARTITION_SET = f"{JOB}_partition_set"
BACKFILL_TIMEOUT_S = 15 * 60
RUNNING_BACKFILL = {"REQUESTED", "CANCELING", "FAILING"}
RUNNING_RUN = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"}
RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SIDEBAR_ROWS = "[class*=AssetSidebarNode_itemContainer]"
SILVER_CHECKS = ("business_key_unique", "pandera_schema", "reconciles_with_bronze", "references_resolve", "rule_failure_rates")

ASSET_NODES = "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"
BACKFILL = """
query ($id: String!) { partitionBackfillOrError(backfillId: $id) {
  __typename ... on PartitionBackfill { id status numPartitions partitionNames
    runs(limit: 50) { id status tags { key value } assetSelection { path } } }
  ... on PythonError { message } } }
"""
LAUNCH_BACKFILL = """
mutation ($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message }
  ... on PartitionSetNotFoundError { message } } }
"""
PARTITION_STATS = """
query ($path: [String!]!) { assetNodeOrError(assetKey: {path: $path}) {
  ... on AssetNode { partitionStats { numMaterialized numFailed numMaterializing } } } }
"""
CHECKS = """
query ($path: [String!]!) { assetNodeOrError(assetKey: {path: $path}) { ... on AssetNode {
  assetChecksOrError { ... on AssetChecks { checks { name executionForLatestMaterialization {
    status runId evaluation { success metadataEntries { label __typename
      ... on IntMetadataEntry { intValue } ... on TextMetadataEntry { text } } } } } } } } } }
"""


def asset_graph(ui) -> dict[str, dict]:
    nodes = ui.graphql(ASSET_NODES)["assetNodes"]
    return {
        "/".join(node["assetKey"]["path"]): {
            "group": node["groupName"],
            "deps": {"/".join(dep["path"]) for dep in node["dependencyKeys"]},
        }
        for node in nodes
    }


def sidebar_tree(page: Page) -> dict[str, list[str]]:
    """The lineage page's sidebar as {group: [asset names]}, in the order it lists them."""
    tree: dict[str, list[str]] = {}
    group = None
    for row in page.locator(SIDEBAR_ROWS).all():
        name = row.inner_text().splitlines()[0]
        if row.locator("[aria-label=asset_group]").count():
            group = tree.setdefault(name, [])
        else:
            group.append(name)
    return tree


def test_asset_graph_shows_the_layers_and_their_lineage(dagster_ui, page, screenshot):
    graph = asset_graph(dagster_ui)
    assert {node["group"] for node in graph.values()} == {"bronze", "silver", "gold"}
    assert all(key.split("/")[0] == node["group"] for key, node in graph.items())
    assert "bronze/transactions" in graph["silver/transactions"]["deps"]
    assert "silver/transactions" in graph["gold/daily_sales_summary"]["deps"]
    # Lineage runs one way: no asset reads a later layer.
    layer = {"bronze": 0, "silver": 1, "gold": 2}
    assert all(layer[dep.split("/")[0]] <= layer[node["group"]] for node in graph.values() for dep in node["deps"])

    page.goto(f"{dagster_ui.url}/asset-groups")
    expect(page.get_by_text("Global asset lineage", exact=True)).to_be_visible()
    # Collapsed, the graph draws one node per group and one edge per pair of connected groups.
    collapsed_groups = page.locator("[aria-label=unfold_more]")
    expect(collapsed_groups).to_have_count(3)
    for group in ("bronze", "silver", "gold"):
        expect(page.locator("svg").get_by_text(group, exact=True)).to_be_visible()
    expect(page.locator("svg path[marker-end]")).to_have_count(2)
    expect(page.get_by_text("fetching statuses")).to_have_count(0)
    screenshot(page, "1_groups_bronze_silver_gold")

    page.locator("[aria-label=settings]").last.click()
    page.get_by_role("menuitem", name="Expand all groups").click()
    page.keyboard.press("Escape")
    expect(collapsed_groups).to_have_count(0)
    # Expanded, one edge per dependency the API reports.
    expect(page.locator("svg path[marker-end]")).to_have_count(sum(len(node["deps"]) for node in graph.values()))
    graph_labels = page.locator("svg [class*=AssetNode_assetName]")
    expect(graph_labels.filter(has_text=re.compile(r"^transactions$"))).to_have_count(2)
    expect(graph_labels.filter(has_text=re.compile(r"^quarantine$"))).to_have_count(1)

    # The sidebar lists every asset by its full name under its group (the graph shortens long names).
    rows = page.locator(SIDEBAR_ROWS)
    groups = rows.filter(has=page.locator("[aria-label=asset_group]"))
    expect(groups).to_have_count(3)
    for index in (2, 1, 0):  # bottom first: expanding a group moves the rows below it
        groups.nth(index).locator("[aria-label=arrow_drop_down]").click()
    expect(rows).to_have_count(len(graph) + 3)
    expected = {}
    for key, node in sorted(graph.items()):
        expected.setdefault(node["group"], []).append(key.split("/", 1)[1])
    assert sidebar_tree(page) == expected
    screenshot(page, "2_lineage_expanded")


@dataclass
class Backfill:
    """The daily backfill the module shares: launched from the UI by the backfill test."""

    id: str | None = None


@pytest.fixture(scope="module")
def daily_backfill() -> Backfill:
    return Backfill()


def finished(backfill: dict) -> bool:
    return backfill["status"] not in RUNNING_BACKFILL and all(run["status"] not in RUNNING_RUN for run in backfill["runs"])


def wait_for_backfill(ui, backfill_id: str, until: Callable[[dict], bool] = finished) -> dict:
    """Polls the backfill through GraphQL until `until(backfill)` holds (by default: it and its runs finished)."""
    deadline = time.monotonic() + BACKFILL_TIMEOUT_S
    while True:
        backfill = ui.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        assert backfill["__typename"] == "PartitionBackfill", backfill
        if until(backfill) or finished(backfill):
            return backfill
        assert ui.process.poll() is None, f"dagster dev exited during the backfill; log:\n{ui.log_tail()}"
        assert time.monotonic() < deadline, f"backfill {backfill_id} still {backfill['status']} after {BACKFILL_TIMEOUT_S} s:\n{ui.log_tail()}"
        time.sleep(2)


def completed_backfill(ui, daily_backfill: Backfill) -> dict:
    """The module's backfill, finished. Launched through the API (the same backfill the job page
    launches) only when the UI test did not launch it, e.g. when this test runs alone."""
    if daily_backfill.id is None:
        params = {
            "selector": {"partitionSetName": PARTITION_SET,
                         "repositorySelector": {"repositoryName": "__repository__", "repositoryLocationName": ui.location}},
            "partitionNames": list(ui.days),
        }
        launched = ui.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        daily_backfill.id = launched["backfillId"]
    backfill = wait_for_backfill(ui, daily_backfill.id)
    assert backfill["status"] == "COMPLETED_SUCCESS", (backfill, ui.log_tail())
    return backfill


def test_three_day_backfill_launched_from_the_ui_runs_once_over_the_range(dagster_ui, daily_backfill, page, screenshot):
    first, last = dagster_ui.days[0], dagster_ui.days[-1]
    page.goto(f"{dagster_ui.url}/jobs")
    page.get_by_role("link", name=JOB).click()
    expect(page).to_have_url(re.compile(f"/jobs/{JOB}"))
    page.get_by_role("button", name="Materialize all…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Partition selection")).to_be_visible()
    # The dialog offers the last 90 days until asked for all of them; 2024 is older than that.
    dialog.get_by_role("button", name="Show all partitions").click()
    partitions = dialog.get_by_role("textbox").first
    partitions.fill(f"[{first}...{last}]")
    partitions.press("Enter")
    expect(dialog.get_by_text(f"{len(dagster_ui.days)} partitions", exact=True)).to_be_visible()
    screenshot(page, "1_materialize_dialog_three_days")

    dialog.get_by_role("button", name="Launch backfill").click()
    created = page.get_by_text(re.compile(r"^Created backfill \w+$"))
    expect(created).to_be_visible()
    daily_backfill.id = created.inner_text().split()[-1]
    print(f"backfill {daily_backfill.id} launched from the UI")

    # The daemon submits the backfill's run within seconds; the backfill page then lists it.
    submitted = wait_for_backfill(dagster_ui, daily_backfill.id, until=lambda backfill: bool(backfill["runs"]))
    assert submitted["runs"], (submitted, dagster_ui.log_tail())
    first_run = submitted["runs"][0]
    page.goto(f"{dagster_ui.url}/runs/b/{daily_backfill.id}?tab=runs")
    expect(page.get_by_text(f"{len(dagster_ui.days)} partitions", exact=True)).to_be_visible()
    expect(page.get_by_text(first_run["id"][:8], exact=True)).to_be_visible()
    screenshot(page, "2_backfill_in_progress")

    backfill = wait_for_backfill(dagster_ui, daily_backfill.id)
    assert backfill["status"] == "COMPLETED_SUCCESS", (backfill, dagster_ui.log_tail())
    assert backfill["partitionNames"] == list(dagster_ui.days)
    # Single-run backfill policies: one run over the whole range, not one run per day.
    assert len(backfill["runs"]) == 1, backfill["runs"]
    run = backfill["runs"][0]
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert run["status"] == "SUCCESS"
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (first, last)
    assert "dagster/partition" not in tags
    selected = {"/".join(key["path"]) for key in run["assetSelection"]}
    assert {"bronze/transactions", "silver/transactions", "gold/daily_sales_summary"} <= selected

    page.reload()
    expect(page.get_by_text("Succeeded", exact=True).first).to_be_visible()
    expect(page.get_by_text(run["id"][:8], exact=True)).to_be_visible()
    run_links = page.locator("a[href*='/runs/']").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert {match.group(0) for href in run_links if (match := RUN_ID.search(href))} == {run["id"]}
    screenshot(page, "3_backfill_succeeded_one_run")

    for key in ("silver/transactions", "gold/daily_sales_summary"):
        stats = dagster_ui.graphql(PARTITION_STATS, {"path": key.split("/")})["assetNodeOrError"]["partitionStats"]
        assert stats == {"numMaterialized": len(dagster_ui.days), "numFailed": 0, "numMaterializing": 0}, (key, stats)
        page.goto(f"{dagster_ui.url}/assets/{key}?view=partitions")
        expect(page.get_by_text(f"Materialized ({len(dagster_ui.days)})", exact=True)).to_be_visible()
        expect(page.get_by_text("Failed (0)", exact=True)).to_be_visible()
        # Hide the ~1,000 missing days since the start date so the list shows the materialized ones.
        page.get_by_text(re.compile(r"^Missing \(\d+\)$")).click()
        for day in dagster_ui.days:
            expect(page.get_by_text(day, exact=True).filter(visible=True).last).to_be_visible()
        screenshot(page, f"4_partitions_{key.replace('/', '_')}")


def test_checks_tab_shows_the_silver_check_results(dagster_ui, daily_backfill, page, screenshot):
    backfill = completed_backfill(dagster_ui, daily_backfill)
    checks = dagster_ui.graphql(CHECKS, {"path": ["silver", "transactions"]})["assetNodeOrError"]["assetChecksOrError"]["checks"]
    latest = {check["name"]: check["executionForLatestMaterialization"] for check in checks}
    assert sorted(latest) == sorted(SILVER_CHECKS)
    assert all(execution["runId"] == backfill["runs"][0]["id"] for execution in latest.values())

    page.goto(f"{dagster_ui.url}/assets/silver/transactions")
    page.get_by_role("tab", name="Checks").click()
    expect(page.get_by_text(f"Checks ({len(SILVER_CHECKS)})", exact=True)).to_be_visible()
    for name in SILVER_CHECKS:
        expect(page.get_by_text(name, exact=True).first).to_be_visible()

    # The detail pane shows the latest evaluation. (The status under each name in the list is the
    # per-partition one: a range run records one evaluation without a partition, and Dagster marks
    # the days it had planned as "Skipped".)
    for number, name in enumerate(("reconciles_with_bronze", "pandera_schema"), start=1):
        assert latest[name]["status"] == "SUCCEEDED" and latest[name]["evaluation"]["success"], latest[name]
        page.get_by_text(name, exact=True).first.click()
        expect(page).to_have_url(re.compile(f"checkDetail={name}"))
        expect(page.get_by_text("Passed", exact=True)).to_be_visible()
        numbers = {}
        for entry in latest[name]["evaluation"]["metadataEntries"]:
            row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=entry["label"], exact=True))
            expect(row).to_be_visible()
            value_cell = row.get_by_role("cell").last
            if entry["__typename"] == "IntMetadataEntry":
                value = entry["intValue"]
                expect(value_cell).to_have_text(re.compile(rf"^({value}|{value:,})$"))
                numbers[entry["label"]] = value
            elif entry["__typename"] == "TextMetadataEntry":
                expect(value_cell).to_have_text(entry["text"])
        screenshot(page, f"{number}_check_{name}")
        if name == "reconciles_with_bronze":
            assert numbers["bronze_rows"] > 0
            assert numbers["bronze_rows"] == numbers["silver_rows"] + numbers["quarantined_rows"] + numbers["duplicates_dropped"]
        else:
            assert numbers["failed_checks"] == 0
