"""The table catalogue: every spelling names the same table, an unknown name lists the tables there
are, every caller places a table where the catalogue says, and the catalogue declares exactly the
tables (and partition columns) of the Definitions' asset graph."""

import subprocess
import sys

import pytest
from dagster import AssetKey

from lakehouse_assets.dashboard.data import Lakehouse
from lakehouse_assets.delta import maintenance, timetravel
from lakehouse_assets.resources import DeltaIOManager, SparkResource
from lakehouse_assets.tables import (
    PATHS,
    TABLES,
    Table,
    UnknownTableError,
    ledger_table,
    location_of,
    resolve,
    resolve_all,
    source_table,
    written_with,
)
from lakehouse_assets_tests.support import TEST_DEFS as defs

SILVER_TRANSACTIONS = Table("silver", "transactions", "_ingest_date")
EVERY_PATH = (
    "bronze/customers, bronze/customers_files, bronze/products, bronze/products_files, bronze/transactions, "
    "bronze/transactions_files, silver/customers, silver/products, silver/quarantine, silver/transactions, "
    "gold/customer_segments, gold/daily_sales_summary, gold/dim_customers, gold/dim_products, "
    "gold/monthly_sales_summary, gold/product_performance, gold/weekly_sales_summary"
)
SPELLINGS = " (as <layer>/<table> or <layer>.<table>)."


@pytest.mark.parametrize(
    "spelling",
    [
        "silver/transactions",
        "silver.transactions",
        " silver/transactions/ ",
        "/silver/transactions",
        "Silver.Transactions",
    ],
)
def test_every_spelling_resolves_to_the_same_table(spelling):
    assert resolve(spelling) == SILVER_TRANSACTIONS
    assert resolve(spelling).path == "silver/transactions"


def test_resolve_all_keeps_the_order_given_and_each_table_once():
    assert resolve_all(["gold.dim_products", "silver/transactions", "silver.transactions"]) == [
        Table("gold", "dim_products", None),
        SILVER_TRANSACTIONS,
    ]
    assert resolve_all([]) == []


def test_sources_and_their_ledgers_are_bronze_tables_partitioned_by_ingest_day():
    assert source_table("customers") == Table("bronze", "customers", "_ingest_date")
    assert ledger_table("customers") == Table("bronze", "customers_files", "_ingest_date")
    with pytest.raises(UnknownTableError, match=r"^Unknown table 'bronze/orders'\."):
        source_table("orders")


def test_an_unknown_name_lists_the_tables_and_the_closest_ones():
    with pytest.raises(UnknownTableError) as typo:
        resolve("silver/transaction")
    assert str(typo.value) == (
        f"Unknown table 'silver/transaction'. Did you mean silver/transactions? Tables: {EVERY_PATH}" + SPELLINGS
    )

    with pytest.raises(UnknownTableError) as no_layer:
        resolve("transactions")
    assert str(no_layer.value).startswith(
        "Unknown table 'transactions'. Did you mean bronze/transactions or silver/transactions? Tables: "
    )

    with pytest.raises(UnknownTableError) as nothing_close:
        resolve("gold/nope")
    assert str(nothing_close.value) == f"Unknown table 'gold/nope'. Tables: {EVERY_PATH}" + SPELLINGS

    with pytest.raises(UnknownTableError) as several:
        resolve_all(["silver/transactions", "gold/dim_product", "gold/nope"])
    assert str(several.value) == (
        f"Unknown tables 'gold/dim_product' (did you mean gold/dim_products?), 'gold/nope'. Tables: {EVERY_PATH}"
        + SPELLINGS
    )
    assert isinstance(several.value, ValueError)  # the CLI's and the job's ValueError handling applies


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ("/data/lake", "/data/lake/silver/transactions"),
        ("/data/lake/", "/data/lake/silver/transactions"),
        ("s3a://lake-bucket/tables", "s3a://lake-bucket/tables/silver/transactions"),
        ("s3a://lake-bucket/tables/", "s3a://lake-bucket/tables/silver/transactions"),
    ],
)
def test_every_caller_places_a_table_where_the_catalogue_does(root, expected):
    assert SILVER_TRANSACTIONS.location(root) == expected
    assert location_of(root, ("silver", "transactions")) == expected
    io_manager = DeltaIOManager(root=root, spark=SparkResource())  # no session is started
    assert io_manager.table_uri(AssetKey(["silver", "transactions"])) == expected
    assert maintenance.table_uri(root, "silver/transactions") == expected
    if root.startswith("s3a://"):  # a local table must exist to resolve; that is test_timetravel's
        assert timetravel.resolve_table(root, "silver.transactions") == expected
        # delta-rs (object_store) addresses the same objects through s3://.
        assert Lakehouse(root).uri("silver.transactions") == "s3://" + expected.removeprefix("s3a://")
    else:
        assert Lakehouse(root).uri("silver.transactions") == expected


def test_the_io_manager_also_places_tables_the_catalogue_does_not_declare():
    assert location_of("/data/lake", ("test", "events")) == "/data/lake/test/events"
    io_manager = DeltaIOManager(root="/data/lake", spark=SparkResource())
    assert io_manager.table_uri(AssetKey(["test", "events"])) == "/data/lake/test/events"


def test_the_catalogue_declares_exactly_the_tables_of_the_asset_graph():
    graph = defs.resolve_asset_graph()
    assets = {key.to_user_string(): graph.get(key).metadata.get("partition_expr") for key in graph.get_all_asset_keys()}
    assert {table.path: table.partition_column for table in TABLES} == assets
    assert len(TABLES) == len(set(PATHS)) == 17
    # What the catalogue says is written together is what Dagster materializes together.
    for table in TABLES:
        together = graph.get(AssetKey([table.layer, table.name])).execution_set_asset_keys
        assert sorted(written.path for written in written_with(table)) == sorted(k.to_user_string() for k in together)


def test_the_catalogue_loads_without_dagster_or_pyspark():
    # The dashboard (delta-rs) and the plain benchmark import it; neither may pull in Dagster.
    probe = "import sys, lakehouse_assets.tables\nprint('dagster' in sys.modules, 'pyspark' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
