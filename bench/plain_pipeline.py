"""One measurement: bronze → silver → daily gold for a day range as a plain PySpark script.

    python bench/plain_pipeline.py --start 2024-01-01 [--end 2024-01-01] [--result FILE]

The baseline of the orchestration-overhead comparison: the project's own pure transforms, called
as the assets call them, written with plain `df.write.format("delta")` — no Dagster, no IO manager,
no checks. Dagster is not even imported (the package's `__init__` loads nothing; the Definitions
live in `lakehouse_assets.definitions`), and the result says `dagster_imported`.
Tables go under $LAKEHOUSE_ROOT, drops are read from $LAKEHOUSE_LANDING_ROOT (local folders).
"""

import argparse
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from probe import MemorySampler, emit, pipeline_result
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse_assets.contracts import CUSTOMERS, INGEST_DATE_COLUMN, PRODUCTS, SOURCES, TRANSACTIONS, files_table
from lakehouse_assets.delta.spark_conf import session_conf
from lakehouse_assets.rules import RULES
from lakehouse_assets.settings import Settings
from lakehouse_assets.tables import LAYER_TABLE_PROPERTIES
from lakehouse_assets.transforms.bronze import files_frame, plan_files, read_drop, union_all
from lakehouse_assets.transforms.bronze_files import ByteReader, LandedFile, spark_file_uri
from lakehouse_assets.transforms.gold.customers import RFM_WINDOW_DAYS, customer_segments, dim_customers
from lakehouse_assets.transforms.gold.products import TRAILING_DAYS, product_performance
from lakehouse_assets.transforms.gold.sales import daily_sales_summary, dim_products
from lakehouse_assets.transforms.silver.pipeline import (
    EVALUATED_STORAGE,
    evaluate_source,
    raise_on_fatal,
    seen_ids,
    split,
)
from lakehouse_assets.transforms.silver.quality import intake_counts


def plain_session(settings) -> SparkSession:
    """The session `build_spark_session` gives the Dagster runs (bench/run.py compares the two confs)."""
    from delta import configure_spark_with_delta_pip

    conf = session_conf(settings.spark_master, settings.spark_shuffle_partitions, False, settings.spark_driver_memory)
    active = SparkSession.getActiveSession()
    if active is not None:
        # Run inline (bench/harness.py): the process's one session, the one the Dagster runs beside it get.
        return active
    builder = SparkSession.builder.master(settings.spark_master).appName("lakehouse_plain_bench")
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session


def local_reader(landing: Path) -> ByteReader:
    def read_range(key: str, start: int, length: int) -> bytes:
        with open(landing / key, "rb") as handle:
            handle.seek(start)
            return handle.read(length)

    return ByteReader(read_range)


def drop_entries(landing: Path, source: str, day: date) -> list[tuple[LandedFile, None]]:
    """Every file of a drop folder, for bronze's own planning (the same rules as the Dagster runs)."""
    folder = landing / source / day.isoformat()
    paths = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    return [
        (
            LandedFile(
                key=f"{source}/{day.isoformat()}/{path.name}",
                name=path.name,
                path=str(path.absolute()),
                uri=spark_file_uri(str(path.absolute())),
                location=str(path),
                source=source,
                day=day,
                size=path.stat().st_size,
                fingerprint="",
            ),
            None,
        )
        for path in paths
    ]


class PlainLakehouse:
    """Tables at `<root>/<layer>/<table>`, each day-range slice replaced with `replaceWhere`."""

    def __init__(self, spark: SparkSession, root: str, landing: Path, start: date, end: date, late_days: int) -> None:
        self.spark, self.root, self.landing = spark, root.rstrip("/"), landing
        self.start, self.end, self.late_days = start, end + timedelta(days=1), late_days  # [start, end)

    def uri(self, layer: str, table: str) -> str:
        return f"{self.root}/{layer}/{table}"

    def read(self, layer: str, table: str) -> DataFrame:
        return self.spark.read.format("delta").load(self.uri(layer, table))

    def read_if_exists(self, layer: str, table: str) -> DataFrame | None:
        from delta.tables import DeltaTable

        return self.read(layer, table) if DeltaTable.isDeltaTable(self.spark, self.uri(layer, table)) else None

    def between(self, column: str, start: date, end: date):
        return (F.col(column) >= F.lit(start)) & (F.col(column) < F.lit(end))

    def write(
        self, df: DataFrame, layer: str, table: str, column: str | None = None, properties: dict | None = None
    ) -> None:
        writer = df.write.format("delta").mode("overwrite")
        for key, value in (properties or {}).items():
            writer = writer.option(key, value)
        if column is not None:
            predicate = f"`{column}` >= DATE'{self.start}' AND `{column}` < DATE'{self.end}'"
            writer = writer.partitionBy(column).option("replaceWhere", predicate)
        writer.save(self.uri(layer, table))

    def bronze(self) -> None:
        days = [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]
        ingested_at = datetime.now(UTC).replace(tzinfo=None)
        run_id = f"plain-{uuid.uuid4()}"
        for source in SOURCES:
            reader = local_reader(self.landing)
            files = plan_files(
                self.spark, [entry for day in days for entry in drop_entries(self.landing, source, day)], reader
            )
            self.write(
                read_drop(self.spark, source, files, reader, run_id, ingested_at), "bronze", source, INGEST_DATE_COLUMN
            )
            self.write(
                files_frame(self.spark, files, run_id, ingested_at), "bronze", files_table(source), INGEST_DATE_COLUMN
            )

    def silver(self) -> None:
        in_window = self.between(INGEST_DATE_COLUMN, self.start, self.end)
        bronze = {source: self.read("bronze", source).where(in_window) for source in SOURCES}
        persisted, quarantine = [], []
        for source in (CUSTOMERS, PRODUCTS, TRANSACTIONS):
            references = {}
            if source == TRANSACTIONS:
                references = {
                    "customers": self.read_if_exists("silver", CUSTOMERS),
                    "products": self.read_if_exists("silver", PRODUCTS),
                    "seen_customers": seen_ids(self.read("bronze", CUSTOMERS), "customer_id"),
                    "seen_products": seen_ids(self.read("bronze", PRODUCTS), "product_id"),
                }
            evaluated = evaluate_source(bronze[source], source, **references).persist(EVALUATED_STORAGE)
            persisted.append(evaluated)
            raise_on_fatal(evaluated, source, RULES[source])
            existing = self.read_if_exists("silver", source)
            earlier = None if existing is None else existing.where(F.col(INGEST_DATE_COLUMN) < F.lit(self.start))
            result = split(evaluated, source, earlier)
            persisted.extend(result.persisted)
            quarantine.append(result.quarantine)
            # The silver asset counts these for its metadata; the same work here.
            intake_counts(evaluated, RULES[source])
            self.write(result.silver, "silver", source, INGEST_DATE_COLUMN, LAYER_TABLE_PROPERTIES["silver"])
        self.write(union_all(quarantine), "silver", "quarantine", INGEST_DATE_COLUMN, LAYER_TABLE_PROPERTIES["silver"])
        for frame in persisted:
            frame.unpersist()

    def gold(self) -> None:
        late_end = self.end + timedelta(days=self.late_days)
        transactions = self.read("silver", TRANSACTIONS)
        self.write(dim_customers(self.read("silver", CUSTOMERS)), "gold", "dim_customers")
        self.write(dim_products(self.read("silver", PRODUCTS)), "gold", "dim_products")
        sales = transactions.where(self.between(INGEST_DATE_COLUMN, self.start, late_end))
        sales = sales.where(self.between("transaction_date", self.start, self.end))
        self.write(
            daily_sales_summary(sales, self.read("silver", PRODUCTS)), "gold", "daily_sales_summary", "transaction_date"
        )
        trailing = transactions.where(
            self.between(INGEST_DATE_COLUMN, self.start - timedelta(days=TRAILING_DAYS - 1), late_end)
        )
        performance = product_performance(
            trailing, self.read("gold", "dim_products"), self.start.isoformat(), self.end.isoformat()
        )
        self.write(performance, "gold", "product_performance", "transaction_date")
        as_of_days = [(self.start + timedelta(days=n)).isoformat() for n in range((self.end - self.start).days)]
        segments = union_all([customer_segments(transactions, as_of, RFM_WINDOW_DAYS) for as_of in as_of_days])
        self.write(segments, "gold", "customer_segments", "as_of_date")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="first day")
    parser.add_argument("--end", type=date.fromisoformat, help="last day (default: --start)")
    parser.add_argument("--result", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    with MemorySampler() as sampler:
        started = time.time()
        spark = plain_session(settings)
        spark_ready = time.time()
        lakehouse = PlainLakehouse(
            spark,
            settings.lakehouse_root,
            Path(settings.landing_root),
            args.start,
            args.end or args.start,
            settings.late_arrival_days,
        )
        windows, seconds = {}, {}
        for layer, build in (("bronze", lakehouse.bronze), ("silver", lakehouse.silver), ("gold", lakehouse.gold)):
            layer_started = time.time()
            build()
            windows[layer] = [(layer_started, time.time())]
            seconds[layer] = time.time() - layer_started
        finished = time.time()
    emit(
        pipeline_result(
            spark,
            sampler,
            Path(settings.lakehouse_root),
            windows,
            seconds,
            mode="plain",
            start=args.start.isoformat(),
            end=(args.end or args.start).isoformat(),
            runs=1,
            spark_start_seconds=round(spark_ready - started, 2),
            pipeline_seconds=round(finished - spark_ready, 2),
            dagster_imported="dagster" in sys.modules,
        ),
        args.result,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
