"""The Dagster UI, driven in headless Chromium: the layered asset graph, a three-day backfill
launched from the job page, an asset's check results over the range and per day, and a failing
blocking check stopping a run launched from the UI.

One `dagster dev` serves the whole session; its Spark runs are the backfill (~1-2 min on 2 cores) and
the short failing run of a fourth day. Each test writes screenshots to
<repo>/.lakehouse/screenshots/<test name>/ and keeps them.
"""

import json
import re
import shutil
import time

import pytest
from playwright.sync_api import Page, expect

from lakehouse_assets_tests.browser.backfills import JOB, RUNNING_RUN, completed_backfill, wait_for_backfill
from lakehouse_assets_tests.support import range_tags

pytestmark = [pytest.mark.browser, pytest.mark.integration]

RUN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SIDEBAR_ROWS = "[class*=AssetSidebarNode_itemContainer]"
SILVER_CHECKS = (
    "business_key_unique",
    "pandera_schema",
    "reconciles_with_bronze",
    "references_resolve",
    "rule_failure_rates",
)

ASSET_NODES = "{ assetNodes { assetKey { path } groupName dependencyKeys { path } } }"
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

    # The UI draws only the edges inside the viewport: tall enough for the whole expanded graph.
    page.set_viewport_size({"width": 1600, "height": 2400})
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
    assert range_tags(first, last).items() <= tags.items()
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
    checks = dagster_ui.graphql(CHECKS, {"path": ["silver", "transactions"]})["assetNodeOrError"]["assetChecksOrError"][
        "checks"
    ]
    latest = {check["name"]: check["executionForLatestMaterialization"] for check in checks}
    assert sorted(latest) == sorted(SILVER_CHECKS)
    assert all(execution["runId"] == backfill["runs"][0]["id"] for execution in latest.values())

    page.goto(f"{dagster_ui.url}/assets/silver/transactions")
    page.get_by_role("tab", name="Checks").click()
    expect(page.get_by_text(f"Checks ({len(SILVER_CHECKS)})", exact=True)).to_be_visible()
    for name in SILVER_CHECKS:
        expect(page.get_by_text(name, exact=True).first).to_be_visible()

    # The detail pane shows the latest evaluation: the one over the whole range, without a partition.
    # (The status under each name in the list is the per-partition one; see the next test.)
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
            assert (
                numbers["bronze_rows"]
                == numbers["silver_rows"] + numbers["quarantined_rows"] + numbers["duplicates_dropped"]
            )
        else:
            assert numbers["failed_checks"] == 0


CHECK_PARTITIONS = """
query ($path: [String!]!) { assetNodeOrError(assetKey: {path: $path}) { ... on AssetNode {
  assetChecksOrError { ... on AssetChecks { checks { name partitionStatuses { __typename
    ... on AssetCheckTimePartitionStatuses { ranges { startKey endKey status } } } } } } } } }
"""
DAY_NUMBERS = ("bronze_rows", "silver_rows", "quarantined_rows", "duplicates_dropped")


def metadata_value(page: Page, label: str):
    """The value cell of the metadata table's row `label`."""
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=label, exact=True))
    expect(row).to_be_visible()
    return row.get_by_role("cell").last


def test_checks_show_each_day_of_the_range_passed_with_that_days_numbers(dagster_ui, daily_backfill, page, screenshot):
    completed_backfill(dagster_ui, daily_backfill)
    first, last = dagster_ui.days[0], dagster_ui.days[-1]
    checks = dagster_ui.graphql(CHECK_PARTITIONS, {"path": ["silver", "transactions"]})["assetNodeOrError"][
        "assetChecksOrError"
    ]["checks"]
    assert {check["name"]: check["partitionStatuses"]["ranges"] for check in checks} == {
        name: [{"startKey": first, "endKey": last, "status": "SUCCEEDED"}] for name in SILVER_CHECKS
    }
    range_numbers = {
        entry["label"]: entry["intValue"]
        for check in dagster_ui.graphql(CHECKS, {"path": ["silver", "transactions"]})["assetNodeOrError"][
            "assetChecksOrError"
        ]["checks"]
        if check["name"] == "reconciles_with_bronze"
        for entry in check["executionForLatestMaterialization"]["evaluation"]["metadataEntries"]
        if entry["label"] in DAY_NUMBERS
    }

    page.goto(f"{dagster_ui.url}/assets/silver/transactions?view=checks&checkDetail=reconciles_with_bronze")
    expect(page.get_by_role("tab", name="Execution history")).to_be_visible()
    # The check's own Partitions tab (the asset's comes first).
    page.get_by_role("tab", name="Partitions").last.click()
    expect(page.get_by_text(f"Passed ({len(dagster_ui.days)})", exact=True)).to_be_visible()
    for status in ("Failed (0)", "Skipped (0)", "Execution Failed (0)", "In Progress (0)"):
        expect(page.get_by_text(status, exact=True)).to_be_visible()
    # Hide the ~1,000 days since the start date that no run has checked, leaving the range's.
    page.get_by_text(re.compile(r"^Missing \(\d+\)$")).click()
    expect(page.get_by_text(f"{len(dagster_ui.days)} Partitions Selected", exact=True)).to_be_visible()

    by_day = {}
    for number, day in enumerate(dagster_ui.days, start=1):
        page.get_by_text(day, exact=True).filter(visible=True).last.click()
        # evaluated_over names the day whose evaluation the pane shows.
        expect(metadata_value(page, "evaluated_over")).to_have_text(day)
        expect(page.get_by_text("Passed", exact=True).filter(visible=True).first).to_be_visible()
        by_day[day] = {label: int(metadata_value(page, label).inner_text().replace(",", "")) for label in DAY_NUMBERS}
        screenshot(page, f"{number}_reconciles_with_bronze_on_{day}")
    assert all(numbers["bronze_rows"] > 0 for numbers in by_day.values()), by_day
    assert all(
        n["bronze_rows"] == n["silver_rows"] + n["quarantined_rows"] + n["duplicates_dropped"] for n in by_day.values()
    ), by_day
    # The days' numbers add up to the range evaluation's.
    assert {label: sum(numbers[label] for numbers in by_day.values()) for label in DAY_NUMBERS} == range_numbers


BAD_DAY = "2024-01-04"
RUN_STEPS = """
query ($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) { ... on Runs { results {
  id status stepStats { stepKey status } } } } }
"""
MATERIALIZED_PARTITIONS = """
query ($path: [String!]!, $partitions: [String!]) { assetNodeOrError(assetKey: {path: $path}) {
  ... on AssetNode { assetMaterializations(partitions: $partitions) { runId } } } }
"""
ROW_COUNT_STEP = "bronze__transactions_records_landed_equal_rows_written"
RUN_TIMEOUT_S = 10 * 60


def land_a_drop_missing_a_file(ui, day: str, missing_records: int) -> int:
    """A transactions drop for `day` whose manifest promises `missing_records` more than its files hold,
    as when one file of a drop never arrived. Returns the records the files do hold."""
    source, target = ui.landing / "transactions" / ui.days[-1], ui.landing / "transactions" / day
    shutil.copytree(source, target)
    manifest = json.loads((target / "_manifest.json").read_text())
    landed = manifest["records"]
    (target / "_manifest.json").write_text(json.dumps({**manifest, "date": day, "records": landed + missing_records}))
    return landed


def finished_run(ui, tags: list[dict]) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        runs = ui.graphql(RUN_STEPS, {"tags": tags})["runsOrError"]["results"]
        if runs and runs[0]["status"] not in RUNNING_RUN:
            assert len(runs) == 1, runs
            return runs[0]
        assert ui.process.poll() is None, f"dagster dev exited during the run; log:\n{ui.log_tail()}"
        assert time.monotonic() < deadline, f"no finished run tagged {tags} after {RUN_TIMEOUT_S} s:\n{ui.log_tail()}"
        time.sleep(2)


def test_a_failing_blocking_check_stops_silver_and_gold_in_a_run_launched_from_the_ui(dagster_ui, page, screenshot):
    landed = land_a_drop_missing_a_file(dagster_ui, BAD_DAY, missing_records=10)
    page.goto(f"{dagster_ui.url}/jobs")
    page.get_by_role("link", name=JOB).click()
    page.get_by_role("button", name="Materialize all…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Show all partitions").click()
    partitions = dialog.get_by_role("textbox").first
    partitions.fill(BAD_DAY)
    partitions.press("Enter")
    # One partition: the dialog launches a run of that day rather than a backfill.
    launch = dialog.get_by_role("button", name="Launch 1 run")
    expect(launch).to_be_enabled()
    screenshot(page, "1_materialize_dialog_one_day")
    launch.click()
    expect(dialog).to_have_count(0)

    run = finished_run(dagster_ui, [{"key": "dagster/partition", "value": BAD_DAY}])
    steps = {step["stepKey"]: step["status"] for step in run["stepStats"]}
    assert run["status"] == "FAILURE", (run, dagster_ui.log_tail())
    assert steps[ROW_COUNT_STEP] == "FAILURE"
    assert {key: status for key, status in steps.items() if key != ROW_COUNT_STEP} == dict.fromkeys(
        [key for key in steps if key.startswith("bronze__") and key != ROW_COUNT_STEP], "SUCCESS"
    )
    assert not [key for key in steps if key.startswith(("silver", "gold"))], steps
    for key in (["silver", "transactions"], ["gold", "daily_sales_summary"]):
        node = dagster_ui.graphql(MATERIALIZED_PARTITIONS, {"path": key, "partitions": [BAD_DAY]})["assetNodeOrError"]
        assert node["assetMaterializations"] == [], key

    # The run page: the check's step errored with the check's numbers, and nothing after it ran.
    page.goto(f"{dagster_ui.url}/runs/{run['id']}?logs=query%3Aname%3A%22{ROW_COUNT_STEP}%22")
    expect(page.get_by_text("Failure", exact=True).first).to_be_visible()
    expect(page.get_by_text("Errored (1)", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Not executed \(\d+\)$"))).to_be_visible()
    not_executed = int(re.search(r"\d+", page.get_by_text(re.compile(r"^Not executed \(\d+\)$")).inner_text()).group())
    assert not_executed > 0
    expect(
        page.get_by_text(
            "Check records_landed_equal_rows_written failed for materialization of bronze / transactions.", exact=True
        )
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"1 blocking asset check failed with ERROR severity")).first).to_be_visible()
    log_text = page.inner_text("body")
    assert re.search(rf"records_in_manifests\s+{landed + 10}\s", log_text) and re.search(
        rf"records_landed\s+{landed}\s", log_text
    ), log_text[-3000:]
    screenshot(page, "2_run_check_failed")

    page.goto(f"{dagster_ui.url}/runs/{run['id']}?logs=query%3Aname%3A%22silver_layer%22")
    skipped = page.get_by_text(
        re.compile(rf"^Dependencies for step silver_layer failed: \['{ROW_COUNT_STEP}'\].*Not executing\.$")
    )
    expect(skipped).to_be_visible()
    screenshot(page, "3_run_silver_not_executed")

    # The check's page gives the reason and the day.
    page.goto(f"{dagster_ui.url}/assets/bronze/transactions?view=checks&checkDetail=records_landed_equal_rows_written")
    expect(page.get_by_text(f"manifest counts differ from the files on {BAD_DAY}", exact=True)).to_be_visible()
    expect(page.get_by_text("Failed", exact=True).filter(visible=True).first).to_be_visible()
    expect(metadata_value(page, "records_in_manifests")).to_have_text(str(landed + 10))
    expect(metadata_value(page, "records_landed")).to_have_text(str(landed))
    screenshot(page, "4_check_failed_with_reason")
