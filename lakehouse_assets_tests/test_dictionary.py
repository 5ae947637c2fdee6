"""The data dictionary against the columns the pipeline writes, and the docs page rendered from it."""

from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    AssetSelection,
    DagsterInstance,
    InputContext,
    IOManager,
    OutputContext,
    asset,
    materialize,
)
from pyspark.sql import DataFrame

from lakehouse_assets.constants import BRONZE, GOLD, SILVER
from lakehouse_assets.contracts import CUSTOMERS, PRODUCTS, SOURCES, TRANSACTIONS
from lakehouse_assets.dictionary import DICTIONARY, render_markdown
from lakehouse_assets.orchestration.jobs import MONTHLY, WEEKLY
from lakehouse_assets.resources import DeltaIOManager, LocalLandingZone, SparkResource
from lakehouse_assets.resources.reader import DeltaTableReader
from lakehouse_assets.tables import PATHS
from lakehouse_assets.transforms.bronze import union_all
from lakehouse_assets.transforms.silver.pipeline import evaluate_source, split
from lakehouse_assets_tests.conftest import TEST_SPARK
from lakehouse_assets_tests.support import LAYERS, TEST_DEFS

DOCS_PAGE = Path(__file__).parents[1] / "docs" / "data-dictionary.md"


class HandedOver(IOManager):
    """Keeps the DataFrames a run hands its IO manager, by table path, and gives them back as inputs."""

    def __init__(self) -> None:
        self.frames: dict[str, DataFrame] = {}

    def handle_output(self, context: OutputContext, obj: DataFrame) -> None:
        self.frames[context.asset_key.to_user_string()] = obj

    def load_input(self, context: InputContext) -> DataFrame:
        return self.frames[context.asset_key.to_user_string()]


def silver_outputs(bronze: dict[str, DataFrame]) -> dict[str, DataFrame]:
    """What the silver step yields for these bronze slices, from the functions it calls, without the step's
    counting and fatal-rule passes: on an empty slice those still cost tens of seconds of Spark planning."""
    frames: dict[str, DataFrame] = {}
    quarantine = []
    for source in (CUSTOMERS, PRODUCTS, TRANSACTIONS):
        # Transactions are checked against the dimensions written before them, as in the step.
        references = {name: frames[f"{SILVER}/{name}"] for name in (CUSTOMERS, PRODUCTS) if source == TRANSACTIONS}
        evaluated = evaluate_source(bronze[source], source, **references)
        result = split(evaluated, source, earlier=None)
        frames[f"{SILVER}/{source}"] = result.silver
        quarantine.append(result.quarantine)
    frames[f"{SILVER}/quarantine"] = union_all(quarantine)
    return frames


@pytest.fixture(scope="module")
def written(spark, tmp_path_factory) -> dict[str, DataFrame]:
    """What each asset hands the Delta IO manager, by table path, over an empty landing zone: real runs of
    bronze and of gold (daily, weekly, monthly; no checks) with an IO manager that keeps the DataFrames
    instead of writing them, silver's between them. The Delta IO manager writes a DataFrame's columns
    as they are; skipping the writes keeps this to seconds where a full run costs a minute or more."""
    root = tmp_path_factory.mktemp("dictionary")
    spark_resource = SparkResource(**TEST_SPARK)
    handed_over = HandedOver()
    resources = {
        "spark": spark_resource,
        "io_manager": handed_over,
        "landing": LocalLandingZone(root=str(root / "landing")),
        # Required by the silver step, which these runs leave out.
        "delta_tables": DeltaTableReader(root=str(root / "tables"), spark=spark_resource),
    }
    first_day = LAYERS.calendars.daily.get_first_partition_key()

    def run(selection: AssetSelection, partition_key: str) -> None:
        materialize(
            LAYERS.assets, selection=selection, partition_key=partition_key, resources=resources, instance=instance
        )

    with DagsterInstance.ephemeral() as instance:
        run(AssetSelection.groups(BRONZE), first_day)
        handed_over.frames.update(silver_outputs({s: handed_over.frames[f"{BRONZE}/{s}"] for s in SOURCES}))
        run(AssetSelection.groups(GOLD) - WEEKLY - MONTHLY, first_day)
        run(WEEKLY, LAYERS.calendars.weekly.get_first_partition_key())
        run(MONTHLY, LAYERS.calendars.monthly.get_first_partition_key())
    return handed_over.frames


def test_every_written_column_is_described_in_order_with_its_type(written):
    assert set(written) == set(PATHS) == set(DICTIONARY)
    described = {path: [(c.name, c.type) for c in DICTIONARY[path].columns] for path in PATHS}
    actual = {path: [(f.name, f.dataType.simpleString()) for f in written[path].schema.fields] for path in PATHS}
    assert actual == described


def test_the_docs_page_is_rendered_from_the_dictionary():
    assert DOCS_PAGE.read_text(encoding="utf-8") == render_markdown(), (
        "docs/data-dictionary.md is stale; render it again: "
        "`.venv/bin/python -m lakehouse_assets.dictionary > docs/data-dictionary.md`"
    )


def test_each_write_reports_its_columns_with_their_descriptions(written, spark_resource, table_root, instance):
    @asset(key_prefix=GOLD, name="dim_products")
    def dim_products() -> DataFrame:
        return written[f"{GOLD}/dim_products"]

    result = materialize(
        [dim_products],
        resources={"io_manager": DeltaIOManager(root=table_root, spark=spark_resource)},
        instance=instance,
    )
    metadata = result.asset_materializations_for_node("gold__dim_products")[0].metadata
    reported = [(c.name, c.type, c.description) for c in metadata["dagster/column_schema"].value.columns]
    assert reported == [tuple(column) for column in DICTIONARY[f"{GOLD}/dim_products"].columns]


def test_every_table_asset_shows_its_described_columns_before_any_run():
    graph = TEST_DEFS.resolve_asset_graph()
    for path, doc in DICTIONARY.items():
        schema = graph.get(AssetKey(path.split("/"))).metadata["dagster/column_schema"]
        assert [(c.name, c.type, c.description) for c in schema.columns] == [tuple(c) for c in doc.columns], path
