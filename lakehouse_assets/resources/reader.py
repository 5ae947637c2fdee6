"""Whole-table reads that Dagster's inputs cannot express, through one resource.

Every other table a step or check reads is an input (`ins` / `additional_ins`), so the asset graph
shows the edge and the IO manager loads the slice. Two reads cannot be inputs: silver reading its
own earlier partitions (deduplication against history; an input would be a cycle), and silver's
transactions checking references against the customers and products written earlier in the same
step (outputs of the step, in the graph through `internal_asset_deps`). A check reading its own
asset whole (key uniqueness across every partition) is the third. The fourth: silver reading the
whole bronze customers and products (ids seen on any day), whose day slices are already its inputs.
"""

from dagster import AssetKey, ConfigurableResource
from pydantic import Field
from pyspark.sql import DataFrame

from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets.tables import location_of


class DeltaTableReader(ConfigurableResource):
    """The current version of a whole lakehouse table, or None before its first materialization."""

    root: str = Field(description="Root of all tables (LAKEHOUSE_ROOT): a local folder or s3a://bucket/prefix.")
    spark: SparkResource = Field(description="The Spark session tables are read with.")

    def read(self, asset_key: AssetKey) -> DataFrame | None:
        from delta.tables import DeltaTable

        uri = location_of(self.root, asset_key.path)
        session = self.spark.get_session()
        if not DeltaTable.isDeltaTable(session, uri):
            return None
        return session.read.format("delta").load(uri)
