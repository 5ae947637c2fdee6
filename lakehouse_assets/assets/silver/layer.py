"""Silver: typed, standardized, deduplicated tables per source, and one quarantine table.

The four tables are computed in one step per partition range because they share every input:
the quarantine slice of a day holds the rejects of all three sources, transactions are checked
against the customers and products of the same run, and each bronze slice is parsed and
evaluated once (persisted) instead of once per table written.
"""

from collections.abc import Callable, Mapping, Sequence

from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetOut,
    AssetsDefinition,
    BackfillPolicy,
    Output,
    PartitionsDefinition,
    multi_asset,
)
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_assets import rules as rules_module
from lakehouse_assets.assets.presentation import per_day_metadata, presentation
from lakehouse_assets.constants import BRONZE, SILVER
from lakehouse_assets.contracts import CUSTOMERS, INGEST_DATE_COLUMN, PRODUCTS, SOURCES, TRANSACTIONS
from lakehouse_assets.orchestration.automation import SILVER_AUTOMATION
from lakehouse_assets.resources.reader import DeltaTableReader
from lakehouse_assets.rules import RULES
from lakehouse_assets.tables import LAYER_TABLE_PROPERTIES
from lakehouse_assets.transforms.silver import dedupe, parsing, pipeline, quality, standardize, typed
from lakehouse_assets.transforms.silver.pipeline import (
    EVALUATED_STORAGE,
    SPECS,
    evaluate_source,
    raise_on_fatal,
    seen_ids,
    split,
)
from lakehouse_assets.transforms.silver.quality import intake_counts_by_day

SILVER_KEYS: dict[str, AssetKey] = {source: AssetKey([SILVER, source]) for source in SOURCES}
QUARANTINE_KEY = AssetKey([SILVER, "quarantine"])
BRONZE_KEYS: dict[str, AssetKey] = {source: AssetKey([BRONZE, source]) for source in SOURCES}

# Silver's four tables come from one step; any of these modules changing changes all four.
SILVER_MODULES = (pipeline, typed, parsing, standardize, quality, dedupe, rules_module)

GRAINS = {
    TRANSACTIONS: "Cleaned transactions, one row per transaction_id (counted once across all days).",
    CUSTOMERS: "Cleaned customers, one row per customer version (customer_id, updated_at).",
    PRODUCTS: "Cleaned products, one row per product version (product_id, updated_at).",
}


def _intake_metadata(rows_in: int, rejected: int) -> dict:
    return {
        "rows_in": rows_in,
        "rows_quarantined": rejected,
        "quarantine_rate": round(rejected / rows_in, 4) if rows_in else 0.0,
    }


def _of_days(by_day: Mapping[str, Sequence[int]], describe: Callable[..., dict], width: int):
    """`describe(*counts)` over days, each count summed over the days (a day without counts has zeros)."""

    def metadata_over(days: Sequence[str]) -> dict:
        counts = [by_day.get(day, (0,) * width) for day in days]
        return describe(*[sum(column) for column in zip(*counts, strict=True)])

    return metadata_over


def _out(key: AssetKey, description: str, business_key: str) -> AssetOut:
    return AssetOut(
        key=key,
        group_name=SILVER,
        description=description,
        metadata={
            "partition_expr": INGEST_DATE_COLUMN,
            "business_key": business_key,
            "delta_table_properties": LAYER_TABLE_PROPERTIES[SILVER],
        },
        **presentation(SILVER, *SILVER_MODULES),
        automation_condition=SILVER_AUTOMATION,
    )


def build_silver_layer(daily: PartitionsDefinition) -> AssetsDefinition:
    """Silver's one step, over the daily calendar its bronze inputs share."""

    @multi_asset(
        outs={
            **{
                source: _out(SILVER_KEYS[source], GRAINS[source], ", ".join(SPECS[source].identity_keys))
                for source in SOURCES
            },
            "quarantine": _out(
                QUARANTINE_KEY,
                "Rejected records of every source, one row per bronze record that did not reach silver: "
                "disposition 'quarantined' (failed rules listed, with a reason) or 'duplicate'.",
                "source, business_key",
            ),
        },
        ins={f"bronze_{source}": AssetIn(key=BRONZE_KEYS[source]) for source in SOURCES},
        internal_asset_deps={
            CUSTOMERS: {BRONZE_KEYS[CUSTOMERS]},
            PRODUCTS: {BRONZE_KEYS[PRODUCTS]},
            TRANSACTIONS: {*BRONZE_KEYS.values(), SILVER_KEYS[CUSTOMERS], SILVER_KEYS[PRODUCTS]},
            "quarantine": set(BRONZE_KEYS.values()),
        },
        partitions_def=daily,
        backfill_policy=BackfillPolicy.single_run(),
        can_subset=False,
    )
    def silver_layer(
        context: AssetExecutionContext,
        bronze_transactions: DataFrame,
        bronze_customers: DataFrame,
        bronze_products: DataFrame,
        delta_tables: DeltaTableReader,
    ):
        window_start = context.partition_time_window.start.date().isoformat()
        bronze = {TRANSACTIONS: bronze_transactions, CUSTOMERS: bronze_customers, PRODUCTS: bronze_products}
        persisted: list[DataFrame] = []
        quarantine: list[DataFrame] = []
        rows_in_by_day: dict[str, int] = {}
        # Dimensions first: transactions are checked against the customers and products they name,
        # read back whole after this run's slice is written (later partitions count too).
        for source in (CUSTOMERS, PRODUCTS, TRANSACTIONS):
            references = {}
            if source == TRANSACTIONS:
                # Whole bronze dimensions too: a transaction whose customer or product landed on any day,
                # even only as a quarantined record, is kept as an inferred member instead of quarantined.
                references = {
                    "customers": delta_tables.read(SILVER_KEYS[CUSTOMERS]),
                    "products": delta_tables.read(SILVER_KEYS[PRODUCTS]),
                    "seen_customers": seen_ids(delta_tables.read(BRONZE_KEYS[CUSTOMERS]), "customer_id"),
                    "seen_products": seen_ids(delta_tables.read(BRONZE_KEYS[PRODUCTS]), "product_id"),
                }
            evaluated = evaluate_source(bronze[source], source, **references).persist(EVALUATED_STORAGE)
            persisted.append(evaluated)
            raise_on_fatal(evaluated, source, RULES[source])
            existing = delta_tables.read(SILVER_KEYS[source])
            earlier = (
                None
                if existing is None
                else existing.where(F.col(INGEST_DATE_COLUMN) < F.lit(window_start).cast("date"))
            )
            result = split(evaluated, source, earlier)
            persisted.extend(result.persisted)
            quarantine.append(result.quarantine)
            # Counted on the persisted frame (one memory scan), so the UI can plot rows in and the
            # rule-quarantine rate of each day's materialization next to the rows the IO manager wrote.
            by_day = intake_counts_by_day(evaluated, RULES[source])
            for day, (rows_in, _) in by_day.items():
                rows_in_by_day[day] = rows_in_by_day.get(day, 0) + rows_in
            yield Output(
                result.silver,
                output_name=source,
                metadata=per_day_metadata(context, SILVER_KEYS[source], _of_days(by_day, _intake_metadata, width=2)),
            )
        yield Output(
            quarantine[0].unionByName(quarantine[1]).unionByName(quarantine[2]),
            output_name="quarantine",
            metadata=per_day_metadata(
                context,
                QUARANTINE_KEY,
                _of_days(
                    {day: (rows_in,) for day, rows_in in rows_in_by_day.items()},
                    lambda rows_in: {"bronze_rows_in": rows_in},
                    width=1,
                ),
            ),
        )
        for frame in persisted:
            frame.unpersist()

    return silver_layer
