"""The monitoring dashboard on real Delta tables written with delta-rs (no Spark): its numbers, the
Streamlit page run by AppTest, and the `lakehouse dashboard` command serving HTTP."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from streamlit.testing.v1 import AppTest

from lakehouse_assets import cli
from lakehouse_assets.cli import dashboard as dashboard_cli
from lakehouse_assets.contracts import CONTRACT_COLUMNS
from lakehouse_assets.dashboard import data
from lakehouse_assets.settings import Settings
from lakehouse_assets_tests.processes import free_port

APP = Path(data.__file__).with_name("app.py")
MONEY, WIDE_MONEY, RATE = pa.decimal128(14, 2), pa.decimal128(12, 2), pa.decimal128(19, 4)
UTC_TS = pa.timestamp("us", tz="UTC")
D1, D2, D3 = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)

# The columns and types the Spark transforms write (lakehouse_assets/transforms/gold, silver/quality.py,
# contracts.bronze_schema), as delta-rs reads them back from the real tables.
DAILY_SALES_SCHEMA = pa.schema(
    [
        ("transaction_date", pa.date32()),
        ("channel", pa.string()),
        ("category", pa.string()),
        ("orders", pa.int64()),
        ("units", pa.int64()),
        ("gross_revenue", MONEY),
        ("refunded_amount", MONEY),
        ("cancelled_amount", MONEY),
        ("pending_amount", MONEY),
        ("distinct_customers", pa.int64()),
        ("net_revenue", MONEY),
        ("avg_order_value", MONEY),
    ]
)
PRODUCT_PERFORMANCE_SCHEMA = pa.schema(
    [
        ("transaction_date", pa.date32()),
        ("product_id", pa.string()),
        ("category", pa.string()),
        ("units", pa.int64()),
        ("revenue", MONEY),
        ("margin", MONEY),
        ("rank_in_category", pa.int32()),
        ("share_of_category_revenue", RATE),
        ("trailing_7d_revenue", MONEY),
    ]
)
CUSTOMER_SEGMENTS_SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("customer_id", pa.string()),
        ("recency_days", pa.int32()),
        ("frequency", pa.int64()),
        ("monetary", MONEY),
        ("r_score", pa.int32()),
        ("f_score", pa.int32()),
        ("m_score", pa.int32()),
        ("rfm", pa.string()),
        ("segment", pa.string()),
        ("lifetime_value", MONEY),
        ("first_purchase", pa.date32()),
    ]
)
DIM_PRODUCTS_SCHEMA = pa.schema(
    [
        ("product_id", pa.string()),
        ("name", pa.string()),
        ("brand", pa.string()),
        ("category", pa.string()),
        ("subcategory", pa.string()),
        ("category_path", pa.string()),
        ("unit_price", WIDE_MONEY),
        ("unit_cost", WIDE_MONEY),
        ("unit_margin", MONEY),
        ("margin_rate", RATE),
        ("is_active", pa.bool_()),
        ("valid_since", UTC_TS),
        ("version_count", pa.int64()),
    ]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("business_key", pa.string()),
        ("disposition", pa.string()),
        ("failed_rules", pa.list_(pa.string())),
        ("reason", pa.string()),
        ("raw_record", pa.string()),
        ("_source_file", pa.string()),
        ("_source_format", pa.string()),
        ("_ingested_at", UTC_TS),
        ("_run_id", pa.string()),
        ("_ingest_date", pa.date32()),
    ]
)


def bronze_schema(source: str) -> pa.Schema:
    return pa.schema(
        [
            *[(name, pa.string()) for name in CONTRACT_COLUMNS[source]],
            ("_corrupt_record", pa.string()),
            ("_rescued_data", pa.string()),
            ("_ingested_at", UTC_TS),
            ("_source_file", pa.string()),
            ("_source_format", pa.string()),
            ("_data_source", pa.string()),
            ("_run_id", pa.string()),
            ("_ingest_date", pa.date32()),
        ]
    )


def rows_of(schema: pa.Schema, rows: list[dict]) -> pa.Table:
    """`rows` with every column of `schema` (the ones a test does not care about null)."""
    return pa.Table.from_pylist([{name: row.get(name) for name in schema.names} for row in rows], schema=schema)


DAILY_SALES = [
    {
        "transaction_date": D1,
        "channel": "online",
        "category": "Electronics",
        "orders": 3,
        "net_revenue": Decimal("100.10"),
    },
    {
        "transaction_date": D1,
        "channel": "store",
        "category": "Electronics",
        "orders": 1,
        "net_revenue": Decimal("50.25"),
    },
    {"transaction_date": D1, "channel": "online", "category": "Books", "orders": 2, "net_revenue": Decimal("20.20")},
    {"transaction_date": D2, "channel": "online", "category": "Books", "orders": 4, "net_revenue": Decimal("30.30")},
    {
        "transaction_date": D2,
        "channel": "mobile",
        "category": "Electronics",
        "orders": 2,
        "net_revenue": Decimal("200.00"),
    },
    {"transaction_date": D3, "channel": "store", "category": "Books", "orders": 1, "net_revenue": Decimal("10.05")},
]
PRODUCT_PERFORMANCE = [
    {"transaction_date": D1, "product_id": "P1", "category": "Electronics", "units": 2, "revenue": Decimal("100.10")},
    {"transaction_date": D1, "product_id": "P2", "category": "Books", "units": 1, "revenue": Decimal("20.20")},
    {"transaction_date": D2, "product_id": "P1", "category": "Electronics", "units": 1, "revenue": Decimal("50.05")},
    {"transaction_date": D2, "product_id": "P3", "category": "Books", "units": 5, "revenue": Decimal("30.30")},
]
DIM_PRODUCTS = [{"product_id": "P1", "name": "Laptop"}, {"product_id": "P2", "name": "Novel"}]
CUSTOMER_SEGMENTS = [
    {"as_of_date": D1, "customer_id": "C1", "segment": "champions"},
    {"as_of_date": D1, "customer_id": "C2", "segment": "new"},
    {"as_of_date": D2, "customer_id": "C1", "segment": "champions"},
    {"as_of_date": D2, "customer_id": "C2", "segment": "loyal"},
    {"as_of_date": D2, "customer_id": "C3", "segment": "lost"},
    {"as_of_date": D2, "customer_id": "C4", "segment": "champions"},
]
BRONZE_ROWS = {"transactions": {D1: 10, D2: 20}, "customers": {D1: 4}, "products": {D1: 2}}
QUARANTINE = [
    {
        "source": "transactions",
        "disposition": "quarantined",
        "failed_rules": ["quantity_at_least_one", "product_known"],
        "_ingest_date": D1,
    },
    {"source": "transactions", "disposition": "quarantined", "failed_rules": ["product_known"], "_ingest_date": D1},
    {"source": "transactions", "disposition": "duplicate", "failed_rules": ["duplicate"], "_ingest_date": D1},
    {"source": "transactions", "disposition": "quarantined", "failed_rules": ["customer_known"], "_ingest_date": D2},
    {"source": "customers", "disposition": "quarantined", "failed_rules": ["email_valid"], "_ingest_date": D1},
]
# What write_lakehouse writes, in the order of the project's tables (layer, then name).
WRITTEN_TABLES = [
    "bronze/customers",
    "bronze/products",
    "bronze/transactions",
    "silver/quarantine",
    "gold/customer_segments",
    "gold/daily_sales_summary",
    "gold/dim_products",
    "gold/product_performance",
]
CHART_TITLES = [
    "Net revenue by day and channel",
    "Net revenue by category",
    "Top 10 products by revenue",
    "Customer segments on 2024-01-02",
    "Rows per table",
    "Table size and version",
    "Quarantine rate by rule",
    "Quarantine rate by landing day",
]


def write_bronze(uri: str, source: str, days: dict[date, int], partitioned: bool = True, **options) -> None:
    """One commit per landing day, as bronze materializes one partition at a time."""
    for day, count in days.items():
        rows = [{"_ingest_date": day, "_data_source": source} for _ in range(count)]
        write_deltalake(
            uri,
            rows_of(bronze_schema(source), rows),
            mode="append",
            partition_by=["_ingest_date"] if partitioned else None,
            **options,
        )


def write_lakehouse(root: str, gold: bool = True, **options) -> None:
    """bronze (3 sources), silver/quarantine and, with `gold`, four gold tables: 8 of the 14 tables."""
    for source, days in BRONZE_ROWS.items():
        write_bronze(f"{root}/bronze/{source}", source, days, **options)
    write_deltalake(
        f"{root}/silver/quarantine", rows_of(QUARANTINE_SCHEMA, QUARANTINE), partition_by=["_ingest_date"], **options
    )
    if not gold:
        return
    for key, schema, rows, partition in (
        (data.DAILY_SALES, DAILY_SALES_SCHEMA, DAILY_SALES, "transaction_date"),
        (data.PRODUCT_PERFORMANCE, PRODUCT_PERFORMANCE_SCHEMA, PRODUCT_PERFORMANCE, "transaction_date"),
        (data.CUSTOMER_SEGMENTS, CUSTOMER_SEGMENTS_SCHEMA, CUSTOMER_SEGMENTS, "as_of_date"),
        (data.DIM_PRODUCTS, DIM_PRODUCTS_SCHEMA, DIM_PRODUCTS, None),
    ):
        write_deltalake(
            f"{root}/{key}", rows_of(schema, rows), partition_by=[partition] if partition else None, **options
        )


@pytest.fixture
def lake(tmp_path) -> data.Lakehouse:
    root = str(tmp_path / "tables")
    write_lakehouse(root)
    return data.Lakehouse(root)


@pytest.fixture
def snapshot(lake) -> data.Snapshot:
    return data.load_snapshot(lake, [*WRITTEN_TABLES[:4], "silver/transactions", *WRITTEN_TABLES[4:]])


def records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


# --- data.py: reading the tables ---


def test_storage_options_map_an_s3a_root_to_delta_rs():
    env = {
        "LAKEHOUSE_ROOT": "s3a://lake-bucket/tables",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_REGION": "eu-west-1",
    }
    lake = data.Lakehouse.from_settings(Settings.from_env(env), env)
    assert lake.uri("gold/daily_sales_summary") == "s3://lake-bucket/tables/gold/daily_sales_summary"
    assert lake.storage_options == {
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ALLOW_HTTP": "true",
    }
    https = {**env, "AWS_ENDPOINT_URL": "https://s3.example.com"}
    assert "AWS_ALLOW_HTTP" not in data.storage_options(Settings.from_env(https), https)


def test_a_local_root_needs_no_storage_options(tmp_path):
    env = {"LAKEHOUSE_ROOT": str(tmp_path / "tables")}
    lake = data.Lakehouse.from_settings(Settings.from_env(env), env)
    assert (lake.root, lake.storage_options) == (str(tmp_path / "tables"), None)
    assert lake.uri("silver/quarantine") == f"{tmp_path}/tables/silver/quarantine"
    assert lake.open("silver/quarantine") is None and lake.read("silver/quarantine") is None


def test_a_folder_that_is_not_a_delta_table_reads_as_missing(tmp_path):
    (tmp_path / "gold" / "daily_sales_summary").mkdir(parents=True)
    assert data.Lakehouse(str(tmp_path)).open("gold/daily_sales_summary") is None


def test_table_stats_give_version_rows_files_and_bytes_of_the_current_version(tmp_path):
    lake = data.Lakehouse(str(tmp_path))
    write_bronze(lake.uri("bronze/transactions"), "transactions", {D1: 3, D2: 5})
    uri = lake.uri(data.DAILY_SALES)
    write_deltalake(uri, rows_of(DAILY_SALES_SCHEMA, DAILY_SALES))
    write_deltalake(uri, rows_of(DAILY_SALES_SCHEMA, DAILY_SALES[:2]), mode="overwrite")

    stats = data.table_stats(lake, ["bronze/transactions", "silver/transactions", data.DAILY_SALES])

    bronze_files = sorted((tmp_path / "bronze" / "transactions").rglob("*.parquet"))
    current_sales_files = [tmp_path / "gold" / "daily_sales_summary" / path for path in DeltaTable(uri).file_uris()]
    assert records(stats.drop(columns="last_commit")) == [
        {
            "table": "bronze/transactions",
            "layer": "bronze",
            "version": 1,
            "rows": 8,
            "files": 2,
            "size_bytes": sum(f.stat().st_size for f in bronze_files),
            "operation": "WRITE",
        },
        {
            "table": data.DAILY_SALES,
            "layer": "gold",
            "version": 1,
            "rows": 2,
            "files": 1,
            "size_bytes": sum(Path(f).stat().st_size for f in current_sales_files),
            "operation": "WRITE",
        },
    ]
    assert list(stats["last_commit"]) == [
        pd.Timestamp(DeltaTable(lake.uri(key)).history(1)[0]["timestamp"], unit="ms", tz="UTC")
        for key in ("bronze/transactions", data.DAILY_SALES)
    ]


def test_bronze_rows_per_day_from_file_statistics_and_from_the_rows_alike(tmp_path):
    partitioned, flat = data.Lakehouse(str(tmp_path / "partitioned")), data.Lakehouse(str(tmp_path / "flat"))
    for lake, partition in ((partitioned, True), (flat, False)):
        for source, days in BRONZE_ROWS.items():
            write_bronze(lake.uri(f"bronze/{source}"), source, days, partitioned=partition)
    expected = [
        {"source": "transactions", "day": pd.Timestamp(D1), "rows": 10},
        {"source": "transactions", "day": pd.Timestamp(D2), "rows": 20},
        {"source": "customers", "day": pd.Timestamp(D1), "rows": 4},
        {"source": "products", "day": pd.Timestamp(D1), "rows": 2},
    ]
    assert records(data.bronze_rows_per_day(partitioned)) == expected
    assert records(data.bronze_rows_per_day(flat)) == expected
    assert data.bronze_rows_per_day(data.Lakehouse(str(tmp_path / "none"))) is None


def test_snapshot_reads_dates_as_datetimes_and_money_as_float(snapshot):
    assert snapshot.missing_tables == ["silver/transactions"]
    assert list(snapshot.tables["table"]) == WRITTEN_TABLES
    assert str(snapshot.daily_sales["transaction_date"].dtype).startswith("datetime64")
    assert sorted(snapshot.daily_sales["net_revenue"]) == [10.05, 20.20, 30.30, 50.25, 100.10, 200.00]
    assert sorted(map(list, snapshot.quarantine["failed_rules"])) == [
        ["customer_known"],
        ["duplicate"],
        ["email_valid"],
        ["product_known"],
        ["quantity_at_least_one", "product_known"],
    ]


# --- data.py: what the charts show ---


def test_revenue_by_day_and_channel_sums_categories_to_the_cent(snapshot):
    assert records(data.revenue_by_day_and_channel(snapshot.daily_sales)) == [
        {"transaction_date": pd.Timestamp(D1), "channel": "online", "net_revenue": 120.30, "orders": 5},
        {"transaction_date": pd.Timestamp(D1), "channel": "store", "net_revenue": 50.25, "orders": 1},
        {"transaction_date": pd.Timestamp(D2), "channel": "mobile", "net_revenue": 200.00, "orders": 2},
        {"transaction_date": pd.Timestamp(D2), "channel": "online", "net_revenue": 30.30, "orders": 4},
        {"transaction_date": pd.Timestamp(D3), "channel": "store", "net_revenue": 10.05, "orders": 1},
    ]


def test_revenue_by_category_largest_first_within_the_chosen_days(snapshot):
    assert records(data.revenue_by_category(snapshot.daily_sales)) == [
        {"category": "Electronics", "net_revenue": 350.35},
        {"category": "Books", "net_revenue": 60.55},
    ]
    later = data.between(snapshot.daily_sales, "transaction_date", D2, D3)
    assert records(data.revenue_by_category(later)) == [
        {"category": "Electronics", "net_revenue": 200.00},
        {"category": "Books", "net_revenue": 40.35},
    ]
    assert data.day_span(snapshot.daily_sales, "transaction_date") == (D1, D3)


def test_top_products_by_revenue_named_from_the_product_dimension(snapshot):
    assert records(data.top_products(snapshot.product_performance, snapshot.dim_products)) == [
        {"product_id": "P1", "product": "P1 · Laptop", "category": "Electronics", "units": 3, "revenue": 150.15},
        {"product_id": "P3", "product": "P3", "category": "Books", "units": 5, "revenue": 30.30},
        {"product_id": "P2", "product": "P2 · Novel", "category": "Books", "units": 1, "revenue": 20.20},
    ]


def test_top_products_keeps_the_ten_best_and_breaks_ties_by_product_id():
    performance = pd.DataFrame(
        {
            "transaction_date": pd.Timestamp(D1),
            "product_id": [f"P{n:02d}" for n in range(12)],
            "category": "Toys",
            "units": 1,
            "revenue": [5.0, 5.0, *[float(n) for n in range(10)]],
        }
    )
    top = data.top_products(performance, None)
    assert top["product_id"].tolist() == ["P11", "P10", "P09", "P08", "P00", "P01", "P07", "P06", "P05", "P04"]


def test_segment_sizes_of_the_latest_snapshot_up_to_the_chosen_day(snapshot):
    assert records(data.segment_sizes(snapshot.customer_segments)) == [
        {"as_of_date": pd.Timestamp(D2), "segment": "champions", "customers": 2},
        {"as_of_date": pd.Timestamp(D2), "segment": "loyal", "customers": 1},
        {"as_of_date": pd.Timestamp(D2), "segment": "lost", "customers": 1},
    ]
    assert records(data.segment_sizes(snapshot.customer_segments, D1)) == [
        {"as_of_date": pd.Timestamp(D1), "segment": "champions", "customers": 1},
        {"as_of_date": pd.Timestamp(D1), "segment": "new", "customers": 1},
    ]
    assert data.segment_sizes(snapshot.customer_segments, date(2023, 12, 31)).empty


def test_quarantine_rate_by_rule_divides_by_the_sources_bronze_rows_without_duplicates(snapshot):
    assert records(data.quarantine_rate_by_rule(snapshot.quarantine, snapshot.bronze_rows)) == [
        {"source": "customers", "rule": "email_valid", "failed_rows": 1, "bronze_rows": 4, "rate": 1 / 4},
        {"source": "transactions", "rule": "product_known", "failed_rows": 2, "bronze_rows": 30, "rate": 2 / 30},
        {"source": "transactions", "rule": "customer_known", "failed_rows": 1, "bronze_rows": 30, "rate": 1 / 30},
        {
            "source": "transactions",
            "rule": "quantity_at_least_one",
            "failed_rows": 1,
            "bronze_rows": 30,
            "rate": 1 / 30,
        },
    ]


def test_quarantine_rate_by_day_counts_clean_days_as_zero(snapshot):
    assert records(data.quarantine_rate_by_day(snapshot.quarantine, snapshot.bronze_rows)) == [
        {"source": "customers", "day": pd.Timestamp(D1), "quarantined_rows": 1, "bronze_rows": 4, "rate": 1 / 4},
        {"source": "products", "day": pd.Timestamp(D1), "quarantined_rows": 0, "bronze_rows": 2, "rate": 0.0},
        {"source": "transactions", "day": pd.Timestamp(D1), "quarantined_rows": 2, "bronze_rows": 10, "rate": 2 / 10},
        {"source": "transactions", "day": pd.Timestamp(D2), "quarantined_rows": 1, "bronze_rows": 20, "rate": 1 / 20},
    ]
    assert data.overall_quarantine_rate(snapshot.quarantine, snapshot.bronze_rows) == 4 / 36
    assert data.overall_quarantine_rate(snapshot.quarantine, snapshot.bronze_rows.iloc[0:0]) is None


# --- app.py, run by Streamlit's AppTest ---


@pytest.fixture
def lakehouse_root(tmp_path, monkeypatch):
    """LAKEHOUSE_ROOT for the app, which reads its settings when it runs."""
    root = tmp_path / "tables"
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(root))
    yield root


def run_app() -> AppTest:
    # The first run imports altair and the lakehouse package, several seconds on a cold cache.
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def charts(app: AppTest) -> dict[str, list[pd.DataFrame]]:
    """Each altair chart's title and the rows of its datasets (Arrow IPC streams in the proto)."""
    drawn = {}
    for node in app.get("vega_lite_chart"):
        title = json.loads(node.proto.spec)["title"]
        drawn[title] = [pa.ipc.open_stream(dataset.data.data).read_all().to_pandas() for dataset in node.proto.datasets]
    return drawn


def test_dashboard_draws_every_chart_and_the_headline_numbers(lakehouse_root):
    write_lakehouse(str(lakehouse_root))
    app = run_app()

    assert [title.value for title in app.title] == ["Lakehouse monitoring"]
    assert metrics(app) == {"Net revenue": "410.90", "Orders": "13", "Quarantine rate": "11.11%", "Tables": "8 of 17"}
    drawn = charts(app)
    assert list(drawn) == CHART_TITLES
    assert all(frames and all(len(frame) > 0 for frame in frames) for frames in drawn.values())
    assert records(drawn["Net revenue by category"][0]) == [
        {"category": "Electronics", "net_revenue": 350.35},
        {"category": "Books", "net_revenue": 60.55},
    ]
    assert records(drawn["Customer segments on 2024-01-02"][0]) == [
        {"segment": "champions", "customers": 2},
        {"segment": "loyal", "customers": 1},
        {"segment": "lost", "customers": 1},
    ]
    sizes = drawn["Table size and version"][0]
    assert sizes["table"].tolist() == WRITTEN_TABLES
    assert sizes["version"].tolist() == [0, 0, 1, 0, 0, 0, 0, 0]
    # The threshold line of the by-day chart is LAKEHOUSE_QUARANTINE_RATE_THRESHOLD (0.10 by default).
    assert drawn["Quarantine rate by landing day"][1]["threshold"].tolist() == [0.10]
    assert [info.value for info in app.info] == []
    assert (
        "Not materialized yet: bronze/customers_files, bronze/products_files, bronze/transactions_files, "
        "silver/customers, silver/products, silver/transactions, gold/dim_customers, "
        "gold/monthly_sales_summary, gold/weekly_sales_summary (`lakehouse demo` builds them)."
    ) in [c.value for c in app.caption]


def test_the_date_range_filters_revenue_orders_and_quarantine(lakehouse_root):
    write_lakehouse(str(lakehouse_root))
    app = run_app()
    assert app.date_input(key="days").value == (D1, D3)

    app.date_input(key="days").set_value((D2, D3)).run()

    assert not app.exception
    assert metrics(app) == {"Net revenue": "240.35", "Orders": "7", "Quarantine rate": "5.00%", "Tables": "8 of 17"}
    drawn = charts(app)
    assert records(drawn["Net revenue by day and channel"][0])[0] == {
        "transaction_date": "2024-01-02",
        "channel": "mobile",
        "net_revenue": 200.00,
        "orders": 2,
    }
    assert records(drawn["Quarantine rate by rule"][0])[0]["rule"] == "customer_known"


def test_an_empty_lakehouse_root_says_which_command_builds_the_tables(lakehouse_root):
    app = run_app()

    assert [info.value for info in app.info] == [
        f"No lakehouse table under {lakehouse_root} yet. Build them with `lakehouse demo` (it generates a week of data "
        "and materializes every table), then reload this page."
    ]
    assert len(app.metric) == 0 and len(app.get("vega_lite_chart")) == 0


def test_missing_gold_tables_are_named_while_health_charts_still_draw(lakehouse_root):
    write_lakehouse(str(lakehouse_root), gold=False)
    app = run_app()

    assert [info.value for info in app.info] == [
        data.missing_message(key, str(lakehouse_root))
        for key in (data.DAILY_SALES, data.PRODUCT_PERFORMANCE, data.CUSTOMER_SEGMENTS)
    ]
    assert "`lakehouse demo`" in data.missing_message(data.DAILY_SALES, str(lakehouse_root))
    assert list(charts(app)) == [
        "Rows per table",
        "Table size and version",
        "Quarantine rate by rule",
        "Quarantine rate by landing day",
    ]
    assert metrics(app) == {"Net revenue": "—", "Orders": "—", "Quarantine rate": "11.11%", "Tables": "4 of 17"}


# --- lakehouse dashboard ---


def test_dashboard_command_runs_streamlit_on_the_app_with_host_and_port():
    args = cli.build_parser().parse_args(["dashboard", "--host", "0.0.0.0", "--port", "8765"])
    assert args.func is dashboard_cli.run_dashboard
    assert dashboard_cli.streamlit_command(args.host, args.port) == [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        "0.0.0.0",
        "--server.port",
        "8765",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    assert cli.build_parser().parse_args(["dashboard"]).port == 8501


def test_dashboard_command_without_streamlit_names_the_extra_to_install(monkeypatch, capsys):
    # Uninstalling streamlit is out of reach here; a None entry in sys.modules makes its import fail as if it were.
    monkeypatch.setitem(sys.modules, "streamlit", None)
    assert cli.main(["dashboard"]) == 2
    assert capsys.readouterr().err == (
        "lakehouse dashboard needs streamlit, which is not installed. Install the dashboard extra from the project "
        'folder: pip install -e ".[dashboard]" (in the project\'s venv: .venv/bin/pip install -e ".[dashboard]").\n'
    )


@pytest.mark.integration
def test_lakehouse_dashboard_serves_http_on_the_given_port(tmp_path):
    port = free_port()
    lakehouse = Path(sys.executable).parent / "lakehouse"
    env = {**os.environ, "LAKEHOUSE_ROOT": str(tmp_path / "tables")}
    with open(tmp_path / "dashboard.log", "wb") as log:
        process = subprocess.Popen([str(lakehouse), "dashboard", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        deadline, status = time.monotonic() + 60, None
        while status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
                    status = response.status
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "dashboard.log").read_text()
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200 and b"<html" in response.read().lower()
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.integration
def test_dashboard_reads_an_s3a_root_through_delta_rs(s3_server, monkeypatch):
    bucket = s3_server.new_bucket("dashboard")
    env = {**s3_server.env(), "LAKEHOUSE_ROOT": f"s3a://{bucket}/tables"}
    lake = data.Lakehouse.from_settings(Settings.from_env(env), env)
    write_lakehouse(f"s3://{bucket}/tables", storage_options=dict(lake.storage_options))

    snapshot = data.load_snapshot(lake, ["bronze/transactions", data.DAILY_SALES, "silver/transactions"])

    assert records(snapshot.tables[["table", "version", "rows"]]) == [
        {"table": "bronze/transactions", "version": 1, "rows": 30},
        {"table": data.DAILY_SALES, "version": 0, "rows": 6},
    ]
    assert records(data.revenue_by_category(snapshot.daily_sales)) == [
        {"category": "Electronics", "net_revenue": 350.35},
        {"category": "Books", "net_revenue": 60.55},
    ]
    assert data.overall_quarantine_rate(snapshot.quarantine, snapshot.bronze_rows) == 4 / 36
