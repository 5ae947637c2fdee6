"""The monitoring dashboard (`lakehouse dashboard`, Streamlit) in headless Chromium, over the Delta
tables the session's three-day backfill built: every chart drawn with marks, the headline numbers
equal to the gold table's sums. Its full-page screenshot is the README's docs/images/dashboard.png.
"""

import re

import pytest
from deltalake import DeltaTable
from playwright.sync_api import expect

from lakehouse_assets.tables import TABLES

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHARTS = "[data-testid=stVegaLiteChart]"
# Tall enough for the whole page at once: Streamlit scrolls inside its own container, which a
# full-page screenshot does not unroll.
FULL_PAGE = {"width": 1600, "height": 2100}


def headline(page) -> dict[str, str]:
    metrics = page.locator("[data-testid=stMetric]")
    expect(metrics).to_have_count(4)
    return {
        metric.locator("[data-testid=stMetricLabel]").inner_text().strip(): metric.locator(
            "[data-testid=stMetricValue]"
        )
        .inner_text()
        .strip()
        for metric in metrics.all()
    }


def test_dashboard_draws_every_chart_with_data_and_the_gold_totals(dashboard, page, screenshot):
    sales = DeltaTable(str(dashboard.root / "gold" / "daily_sales_summary")).to_pandas()
    days = sorted(sales["transaction_date"].astype(str).unique())
    expected_titles = {
        "Net revenue by day and channel",
        "Net revenue by category",
        "Top 10 products by revenue",
        f"Customer segments on {days[-1]}",
        "Rows per table",
        "Table size and version",
        "Quarantine rate by rule",
        "Quarantine rate by landing day",
    }

    page.set_viewport_size(FULL_PAGE)
    page.goto(dashboard.url)
    expect(page.get_by_role("heading", name="Lakehouse monitoring")).to_be_visible()
    charts = page.locator(CHARTS)
    expect(charts).to_have_count(len(expected_titles), timeout=120_000)
    titles = set()
    for chart in charts.all():
        # vega-embed draws each chart as an SVG; its data are the marks (bars, lines, points).
        expect(chart.locator("svg [class*=role-mark] path").first).to_be_attached()
        titles.add(chart.locator("svg .role-title-text").first.text_content())
    assert titles == expected_titles

    numbers = headline(page)
    assert numbers["Orders"] == f"{int(sales['orders'].sum()):,}"
    assert numbers["Net revenue"] == f"{round(sales['net_revenue'].astype(float).sum(), 2):,.2f}"
    assert re.fullmatch(r"\d+\.\d{2}%", numbers["Quarantine rate"]), numbers
    built = sum(1 for log in dashboard.root.glob("*/*/_delta_log"))
    assert numbers["Tables"] == f"{built} of {len(TABLES)}"
    assert int(sales["orders"].sum()) > 0 and built > 0

    screenshot(page, "dashboard")
