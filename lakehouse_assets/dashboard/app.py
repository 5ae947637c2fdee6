"""The monitoring dashboard, a Streamlit script: `lakehouse dashboard` (or `streamlit run` this file).

Business KPIs from gold and the pipeline's health (rows, quarantine rates, versions, sizes) from the
Delta tables under LAKEHOUSE_ROOT, read with delta-rs. Streamlit runs this file top to bottom on
every interaction; the tables are read once per minute at most (`load`).
"""

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from lakehouse_assets.constants import LAYERS
from lakehouse_assets.dashboard import data
from lakehouse_assets.settings import Settings
from lakehouse_assets.tables import PATHS
from lakehouse_assets.transforms.gold.customer_rules import SEGMENTS

PAGE_TITLE = "Lakehouse monitoring"
# Long enough that widget clicks do not re-read S3, short enough that a finished run shows up soon.
REFRESH_SECONDS = 60
CHART_HEIGHT = 320


@st.cache_data(ttl=REFRESH_SECONDS, show_spinner="Reading the Delta tables ...")
def load(root: str, _lake: data.Lakehouse) -> data.Snapshot:
    return data.load_snapshot(_lake, PATHS)


def chart(figure: alt.Chart | alt.LayerChart) -> None:
    with st.container(border=True):
        st.altair_chart(figure, width="stretch")


def days(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """`column` as YYYY-MM-DD text: an ordinal axis of whole days reads the same in every browser time zone."""
    return frame.assign(**{column: frame[column].dt.strftime("%Y-%m-%d")})


def choose_days(snapshot: data.Snapshot) -> tuple[date | None, date | None]:
    span = data.day_span(snapshot.daily_sales, "transaction_date")
    st.sidebar.header("Filters")
    if span is None:
        st.sidebar.caption("No gold days yet: every chart shows all the data there is.")
        return None, None
    picked = st.sidebar.date_input("Days", value=span, min_value=span[0], max_value=span[1], key="days")
    # While a range is being picked the widget holds only its first day.
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else span
    st.sidebar.caption("Gold charts use business days; quarantine charts use landing days in the same range.")
    return start, end


def headline(sales: pd.DataFrame | None, quarantine_rate: float | None, snapshot: data.Snapshot) -> None:
    revenue, orders, rate, tables = st.columns(4)
    revenue.metric("Net revenue", "—" if sales is None else f"{round(sales['net_revenue'].sum(), 2):,.2f}")
    orders.metric("Orders", "—" if sales is None else f"{int(sales['orders'].sum()):,}")
    rate.metric(
        "Quarantine rate",
        "—" if quarantine_rate is None else f"{quarantine_rate:.2%}",
        help="Quarantined bronze records / bronze records (duplicates are not counted).",
    )
    tables.metric(
        "Tables",
        f"{len(snapshot.tables)} of {len(snapshot.expected_tables)}",
        help="Delta tables materialized under LAKEHOUSE_ROOT, of the project's tables.",
    )


def gold_section(snapshot: data.Snapshot, sales: pd.DataFrame | None, start, end) -> None:
    st.header("Gold KPIs")
    left, right = st.columns(2)
    with left:
        if sales is None:
            st.info(data.missing_message(data.DAILY_SALES, snapshot.root))
        elif sales.empty:
            st.info("No sales in the selected days.")
        else:
            chart(
                alt.Chart(
                    days(data.revenue_by_day_and_channel(sales), "transaction_date"),
                    title="Net revenue by day and channel",
                )
                .mark_bar()
                .encode(
                    x=alt.X("transaction_date:O", title="day"),
                    y=alt.Y("net_revenue:Q", title="net revenue"),
                    color=alt.Color("channel:N"),
                    tooltip=["transaction_date", "channel", alt.Tooltip("net_revenue:Q", format=",.2f"), "orders"],
                )
                .properties(height=CHART_HEIGHT)
            )
    with right:
        if sales is not None and not sales.empty:
            chart(
                alt.Chart(data.revenue_by_category(sales), title="Net revenue by category")
                .mark_bar()
                .encode(
                    x=alt.X("net_revenue:Q", title="net revenue"),
                    y=alt.Y("category:N", sort="-x", title=None),
                    tooltip=["category", alt.Tooltip("net_revenue:Q", format=",.2f")],
                )
                .properties(height=CHART_HEIGHT)
            )
    left, right = st.columns(2)
    with left:
        performance = snapshot.product_performance
        if performance is None:
            st.info(data.missing_message(data.PRODUCT_PERFORMANCE, snapshot.root))
        else:
            top = data.top_products(data.between(performance, "transaction_date", start, end), snapshot.dim_products)
            if top.empty:
                st.info("No completed sales in the selected days.")
            else:
                chart(
                    alt.Chart(top, title="Top 10 products by revenue")
                    .mark_bar()
                    .encode(
                        x=alt.X("revenue:Q", title="revenue (completed sales)"),
                        y=alt.Y("product:N", sort="-x", title=None),
                        color=alt.Color("category:N"),
                        tooltip=["product", "category", "units", alt.Tooltip("revenue:Q", format=",.2f")],
                    )
                    .properties(height=CHART_HEIGHT)
                )
    with right:
        if snapshot.customer_segments is None:
            st.info(data.missing_message(data.CUSTOMER_SEGMENTS, snapshot.root))
        else:
            sizes = data.segment_sizes(snapshot.customer_segments, end)
            if sizes.empty:
                st.info("No customer segment snapshot on or before the selected days.")
            else:
                as_of = sizes["as_of_date"].iloc[0].strftime("%Y-%m-%d")
                chart(
                    alt.Chart(sizes.drop(columns="as_of_date"), title=f"Customer segments on {as_of}")
                    .mark_bar()
                    .encode(
                        x=alt.X("segment:N", sort=list(SEGMENTS), title=None),
                        y=alt.Y("customers:Q", title="customers"),
                        tooltip=["segment", "customers"],
                    )
                    .properties(height=CHART_HEIGHT)
                )


def health_section(
    snapshot: data.Snapshot, quarantine: pd.DataFrame | None, bronze: pd.DataFrame | None, threshold: float
) -> None:
    st.header("Pipeline health")
    layer_order = {layer: position for position, layer in enumerate(LAYERS)}
    tables = snapshot.tables.sort_values("layer", key=lambda layers: layers.map(layer_order), kind="stable")
    order = list(tables["table"])
    left, right = st.columns(2)
    with left:
        chart(
            alt.Chart(tables[["table", "layer", "rows"]], title="Rows per table")
            .mark_bar()
            .encode(
                x=alt.X("rows:Q"),
                y=alt.Y("table:N", sort=order, title=None),
                color=alt.Color("layer:N", sort=list(LAYERS)),
                tooltip=["table", alt.Tooltip("rows:Q", format=",")],
            )
            .properties(height=CHART_HEIGHT)
        )
    with right:
        sized = tables.assign(last_commit=tables["last_commit"].dt.strftime("%Y-%m-%d %H:%M:%S UTC"))
        chart(
            alt.Chart(sized, title="Table size and version")
            .mark_bar()
            .encode(
                x=alt.X("size_bytes:Q", title="bytes of the current version"),
                y=alt.Y("table:N", sort=order, title=None),
                color=alt.Color("layer:N", sort=list(LAYERS)),
                tooltip=[
                    "table",
                    "version",
                    alt.Tooltip("size_bytes:Q", format=","),
                    "files",
                    "rows",
                    "last_commit",
                    "operation",
                ],
            )
            .properties(height=CHART_HEIGHT)
        )
    if quarantine is None or bronze is None:
        st.info(data.missing_message(data.QUARANTINE if quarantine is None else "bronze/transactions", snapshot.root))
        return
    left, right = st.columns(2)
    with left:
        by_rule = data.quarantine_rate_by_rule(quarantine, bronze)
        if by_rule.empty:
            st.info("No bronze record was quarantined in the selected days.")
        else:
            by_rule["check"] = by_rule["source"] + " · " + by_rule["rule"]
            chart(
                alt.Chart(by_rule, title="Quarantine rate by rule")
                .mark_bar()
                .encode(
                    x=alt.X("rate:Q", axis=alt.Axis(format="%"), title="failed rows / bronze rows"),
                    y=alt.Y("check:N", sort="-x", title=None),
                    color=alt.Color("source:N"),
                    tooltip=["source", "rule", "failed_rows", "bronze_rows", alt.Tooltip("rate:Q", format=".2%")],
                )
                .properties(height=CHART_HEIGHT)
            )
    with right:
        by_day = data.quarantine_rate_by_day(quarantine, bronze)
        if by_day.empty:
            st.info("No bronze rows landed in the selected days.")
        else:
            lines = (
                alt.Chart(days(by_day, "day"))
                .mark_line(point=True)
                .encode(
                    x=alt.X("day:O", title="landing day"),
                    y=alt.Y("rate:Q", axis=alt.Axis(format="%"), title="quarantined / bronze rows"),
                    color=alt.Color("source:N"),
                    tooltip=["source", "day", "quarantined_rows", "bronze_rows", alt.Tooltip("rate:Q", format=".2%")],
                )
            )
            limit = (
                alt.Chart(pd.DataFrame({"threshold": [threshold]}))
                .mark_rule(strokeDash=[4, 4], color="red")
                .encode(
                    y="threshold:Q",
                    tooltip=[alt.Tooltip("threshold:Q", format=".0%", title="LAKEHOUSE_QUARANTINE_RATE_THRESHOLD")],
                )
            )
            chart(alt.layer(lines, limit).properties(title="Quarantine rate by landing day", height=CHART_HEIGHT))


def main() -> None:
    st.set_page_config(page_title=PAGE_TITLE, layout="wide")
    st.title(PAGE_TITLE)
    settings = Settings.from_env()
    lake = data.Lakehouse.from_settings(settings)
    if st.sidebar.button("Reload tables", help=f"Tables are re-read every {REFRESH_SECONDS} s anyway."):
        load.clear()
    try:
        snapshot = load(lake.root, lake)
    except data.DashboardError as error:
        st.error(str(error))
        st.stop()
    st.caption(f"Delta tables under `{settings.lakehouse_root}` (LAKEHOUSE_ROOT), read with delta-rs.")
    if snapshot.tables.empty:
        st.info(
            f"No lakehouse table under {settings.lakehouse_root} yet. Build them with `{data.BUILD_COMMAND}` "
            "(it generates a week of data and materializes every table), then reload this page."
        )
        st.stop()

    start, end = choose_days(snapshot)
    sales = None if snapshot.daily_sales is None else data.between(snapshot.daily_sales, "transaction_date", start, end)
    quarantine = None if snapshot.quarantine is None else data.between(snapshot.quarantine, "_ingest_date", start, end)
    bronze = None if snapshot.bronze_rows is None else data.between(snapshot.bronze_rows, "day", start, end)
    rate = None if quarantine is None or bronze is None else data.overall_quarantine_rate(quarantine, bronze)

    headline(sales, rate, snapshot)
    gold_section(snapshot, sales, start, end)
    health_section(snapshot, quarantine, bronze, settings.quarantine_rate_threshold)
    if snapshot.missing_tables:
        st.caption(f"Not materialized yet: {', '.join(snapshot.missing_tables)} (`{data.BUILD_COMMAND}` builds them).")


main()
