"""What the monitoring dashboard shows, read from the Delta tables with delta-rs.

No Spark and no JVM: the dashboard starts in a second and stays responsive while Spark jobs write
the same tables. `Lakehouse` opens and reads tables; `load_snapshot` reads everything the page
needs once; the other functions are pure pandas (frame in, frame out), tested on tiny tables.
Readers return dates as datetime64 and money as float; money sums are rounded to cents.
"""

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError, TableNotFoundError

from lakehouse_assets.contracts import INGEST_DATE_COLUMN, SOURCES
from lakehouse_assets.settings import Settings
from lakehouse_assets.tables import resolve, source_table
from lakehouse_assets.transforms.gold.customer_rules import SEGMENTS
from lakehouse_assets.transforms.silver.quality import QUARANTINED

BUILD_COMMAND = "lakehouse demo"
DAILY_SALES = "gold/daily_sales_summary"
PRODUCT_PERFORMANCE = "gold/product_performance"
CUSTOMER_SEGMENTS = "gold/customer_segments"
DIM_PRODUCTS = "gold/dim_products"
QUARANTINE = "silver/quarantine"
BRONZE_TABLES: dict[str, str] = {source: source_table(source).path for source in SOURCES}
QUARANTINE_COLUMNS = ["source", "disposition", "failed_rules", INGEST_DATE_COLUMN]
TABLE_STATS_COLUMNS = ["table", "layer", "version", "rows", "files", "size_bytes", "last_commit", "operation"]


class DashboardError(RuntimeError):
    """A table exists (or may exist) but delta-rs cannot read it."""


@dataclass(frozen=True)
class Lakehouse:
    """The tables under LAKEHOUSE_ROOT as delta-rs addresses them."""

    root: str
    storage_options: Mapping[str, str] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> "Lakehouse":
        return cls(settings.lakehouse_root, storage_options(settings, os.environ if environ is None else environ))

    def uri(self, key: str) -> str:
        """Where table `key` (any spelling `tables.resolve` takes) lives, as delta-rs addresses it."""
        # Spark needs the S3A connector's scheme; delta-rs (object_store) only knows s3://.
        root = "s3://" + self.root.removeprefix("s3a://") if self.root.startswith("s3a://") else self.root
        return resolve(key).location(root)

    def open(self, key: str) -> DeltaTable | None:
        """The table `key` (`<layer>/<table>`), or None when it has not been materialized."""
        options = dict(self.storage_options) if self.storage_options else None
        try:
            return DeltaTable(self.uri(key), storage_options=options)
        except TableNotFoundError:
            return None
        except (DeltaError, OSError) as error:
            raise DashboardError(
                f"Cannot read {key} at {self.uri(key)}: {error}. Check LAKEHOUSE_ROOT and, for S3, "
                "AWS_ENDPOINT_URL, AWS_REGION and the access key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)."
            ) from error

    def read(self, key: str, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
        table = self.open(key)
        return None if table is None else to_frame(table.to_pyarrow_table(columns=list(columns) if columns else None))


def storage_options(settings: Settings, environ: Mapping[str, str]) -> dict[str, str] | None:
    """delta-rs options for an S3 LAKEHOUSE_ROOT (the credentials Spark's S3A gets); None for a folder."""
    if not settings.tables_on_s3:
        return None
    options = {
        "AWS_ACCESS_KEY_ID": environ["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": environ["AWS_SECRET_ACCESS_KEY"],
        "AWS_REGION": settings.s3_region,
    }
    if settings.s3_endpoint_url:
        options["AWS_ENDPOINT_URL"] = settings.s3_endpoint_url
        if settings.s3_endpoint_url.startswith("http://"):
            # object_store refuses plain HTTP unless told; a local MinIO usually serves it.
            options["AWS_ALLOW_HTTP"] = "true"
    return options


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Dates as datetime64 (what the charts' time axes take) and decimals as float."""
    frame = table.to_pandas(date_as_object=False)
    for field in table.schema:
        if pa.types.is_decimal(field.type):
            # float(Decimal) rounds correctly; Arrow's decimal-to-float cast does not (508.03 -> 508.03000000000003).
            frame[field.name] = frame[field.name].astype(float)
    return frame


def rows_per_partition(table: DeltaTable, column: str) -> pd.Series:
    """Rows per value of partition `column`, from the files' statistics: no data file is opened."""
    actions = pa.table(table.get_add_actions(flatten=True)).to_pandas(date_as_object=False)
    partition = f"partition.{column}"
    if partition not in actions or actions["num_records"].isna().any():
        # A table not partitioned by `column`, or files written without statistics: count the rows.
        values = to_frame(table.to_pyarrow_table(columns=[column]))[column]
        return values.value_counts().sort_index().rename("rows")
    return actions.groupby(partition)["num_records"].sum().astype("int64").rename_axis(column).rename("rows")


def table_stats(lake: Lakehouse, keys: Iterable[str]) -> pd.DataFrame:
    """One row per materialized table: version, rows, files, bytes of the current version, last commit."""
    stats = []
    for key in keys:
        table = lake.open(key)
        if table is None:
            continue
        actions = pa.table(table.get_add_actions()).to_pandas()
        # numRecords counts every row of a file: exact here, as no table uses deletion vectors.
        records = actions["num_records"]
        rows = int(records.sum()) if not records.isna().any() else table.to_pyarrow_dataset().count_rows()
        last = table.history(1)[0]
        stats.append(
            {
                "table": key,
                "layer": resolve(key).layer,
                "version": table.version(),
                "rows": rows,
                "files": len(actions),
                "size_bytes": int(actions["size_bytes"].sum()),
                "last_commit": pd.to_datetime(last.get("timestamp"), unit="ms", utc=True),
                "operation": last.get("operation"),
            }
        )
    return pd.DataFrame(stats, columns=TABLE_STATS_COLUMNS)


def bronze_rows_per_day(lake: Lakehouse) -> pd.DataFrame | None:
    """Bronze rows per source and landing day (`source`, `day`, `rows`); None when no bronze table exists."""
    parts = []
    for source, key in BRONZE_TABLES.items():
        table = lake.open(key)
        if table is not None:
            counts = rows_per_partition(table, INGEST_DATE_COLUMN).rename_axis("day").reset_index()
            parts.append(counts.assign(source=source))
    if not parts:
        return None
    frame = pd.concat(parts, ignore_index=True)
    frame["day"] = pd.to_datetime(frame["day"])
    return frame[["source", "day", "rows"]]


@dataclass
class Snapshot:
    """Everything the page draws, read once; a table not materialized yet is None."""

    root: str
    expected_tables: list[str]
    tables: pd.DataFrame
    daily_sales: pd.DataFrame | None
    product_performance: pd.DataFrame | None
    customer_segments: pd.DataFrame | None
    dim_products: pd.DataFrame | None
    quarantine: pd.DataFrame | None
    bronze_rows: pd.DataFrame | None

    @property
    def missing_tables(self) -> list[str]:
        present = set(self.tables["table"])
        return [key for key in self.expected_tables if key not in present]


def load_snapshot(lake: Lakehouse, expected_tables: Sequence[str]) -> Snapshot:
    return Snapshot(
        root=lake.root,
        expected_tables=list(expected_tables),
        tables=table_stats(lake, expected_tables),
        daily_sales=lake.read(DAILY_SALES, ["transaction_date", "channel", "category", "orders", "net_revenue"]),
        product_performance=lake.read(
            PRODUCT_PERFORMANCE, ["transaction_date", "product_id", "category", "units", "revenue"]
        ),
        customer_segments=lake.read(CUSTOMER_SEGMENTS, ["as_of_date", "customer_id", "segment"]),
        dim_products=lake.read(DIM_PRODUCTS, ["product_id", "name"]),
        quarantine=lake.read(QUARANTINE, QUARANTINE_COLUMNS),
        bronze_rows=bronze_rows_per_day(lake),
    )


def missing_message(key: str, root: str) -> str:
    return (
        f"{key} is not materialized under {root} yet. Build the tables with `{BUILD_COMMAND}` "
        f"(or materialize {key} in Dagster), then reload this page."
    )


def day_span(frame: pd.DataFrame | None, column: str) -> tuple[date, date] | None:
    """First and last day of `column`, or None for a missing or empty frame."""
    if frame is None or frame.empty:
        return None
    return frame[column].min().date(), frame[column].max().date()


def between(frame: pd.DataFrame, column: str, start: date | None, end: date | None) -> pd.DataFrame:
    """Rows whose day `column` lies in [start, end], both inclusive; None leaves that side open."""
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= frame[column] >= pd.Timestamp(start)
    if end is not None:
        keep &= frame[column] <= pd.Timestamp(end)
    return frame[keep]


def revenue_by_day_and_channel(daily: pd.DataFrame) -> pd.DataFrame:
    """Net revenue and orders per (transaction_date, channel), over all categories."""
    summed = daily.groupby(["transaction_date", "channel"], as_index=False)[["net_revenue", "orders"]].sum()
    return summed.assign(net_revenue=summed["net_revenue"].round(2)).sort_values(
        ["transaction_date", "channel"], ignore_index=True
    )


def revenue_by_category(daily: pd.DataFrame) -> pd.DataFrame:
    """Net revenue per category, largest first."""
    summed = daily.groupby("category", as_index=False)["net_revenue"].sum()
    summed["net_revenue"] = summed["net_revenue"].round(2)
    return summed.sort_values(["net_revenue", "category"], ascending=[False, True], ignore_index=True)


def top_products(performance: pd.DataFrame, dim_products: pd.DataFrame | None, limit: int = 10) -> pd.DataFrame:
    """The `limit` products with the most completed-sales revenue, with units; `product` is "id · name"."""
    summed = performance.groupby(["product_id", "category"], as_index=False)[["revenue", "units"]].sum()
    summed["revenue"] = summed["revenue"].round(2)
    top = summed.sort_values(["revenue", "product_id"], ascending=[False, True]).head(limit)
    names = dim_products.set_index("product_id")["name"] if dim_products is not None else pd.Series(dtype=object)
    named = top["product_id"].map(names)
    top["product"] = top["product_id"].where(named.isna(), top["product_id"] + " · " + named.astype(str))
    return top[["product_id", "product", "category", "units", "revenue"]].reset_index(drop=True)


def segment_sizes(segments: pd.DataFrame, as_of_limit: date | None = None) -> pd.DataFrame:
    """Customers per RFM segment in the latest snapshot on or before `as_of_limit` (segment order of the grid)."""
    snapshots = between(segments, "as_of_date", None, as_of_limit)
    if snapshots.empty:
        return pd.DataFrame(columns=["as_of_date", "segment", "customers"])
    latest = snapshots[snapshots["as_of_date"] == snapshots["as_of_date"].max()]
    counts = latest.groupby("segment", as_index=False).agg(customers=("customer_id", "count"))
    counts["as_of_date"] = latest["as_of_date"].iloc[0]
    order = {name: position for position, name in enumerate(SEGMENTS)}
    counts = counts.sort_values("segment", key=lambda names: names.map(order).fillna(len(order)), ignore_index=True)
    return counts[["as_of_date", "segment", "customers"]]


def quarantine_rate_by_rule(quarantine: pd.DataFrame, bronze_rows: pd.DataFrame) -> pd.DataFrame:
    """Per (source, rule): quarantined rows failing the rule / bronze rows of the source.

    As the `rule_failure_rates` check counts: duplicates are not quarantined, and a row failing two
    rules counts once for each.
    """
    quarantined = quarantine[quarantine["disposition"] == QUARANTINED]
    failures = quarantined[["source", "failed_rules"]].explode("failed_rules").rename(columns={"failed_rules": "rule"})
    counts = failures.groupby(["source", "rule"], as_index=False).size().rename(columns={"size": "failed_rows"})
    landed = bronze_rows.groupby("source", as_index=False)["rows"].sum().rename(columns={"rows": "bronze_rows"})
    rates = counts.merge(landed[landed["bronze_rows"] > 0], on="source", how="inner")
    rates["rate"] = rates["failed_rows"] / rates["bronze_rows"]
    return rates.sort_values(["rate", "source", "rule"], ascending=[False, True, True], ignore_index=True)


def quarantine_rate_by_day(quarantine: pd.DataFrame, bronze_rows: pd.DataFrame) -> pd.DataFrame:
    """Per (source, landing day) with bronze rows: quarantined rows / bronze rows (0 on a clean day)."""
    quarantined = quarantine[quarantine["disposition"] == QUARANTINED]
    counts = (
        quarantined.groupby(["source", INGEST_DATE_COLUMN])
        .size()
        .rename("quarantined_rows")
        .rename_axis(["source", "day"])
        .reset_index()
    )
    landed = bronze_rows[bronze_rows["rows"] > 0].rename(columns={"rows": "bronze_rows"})
    rates = landed.merge(counts, on=["source", "day"], how="left")
    rates["quarantined_rows"] = rates["quarantined_rows"].fillna(0).astype("int64")
    rates["rate"] = rates["quarantined_rows"] / rates["bronze_rows"]
    return rates[["source", "day", "quarantined_rows", "bronze_rows", "rate"]].sort_values(
        ["day", "source"], ignore_index=True
    )


def overall_quarantine_rate(quarantine: pd.DataFrame, bronze_rows: pd.DataFrame) -> float | None:
    """Quarantined rows of every source / bronze rows of every source; None without bronze rows."""
    landed = int(bronze_rows["rows"].sum())
    return int((quarantine["disposition"] == QUARANTINED).sum()) / landed if landed else None
