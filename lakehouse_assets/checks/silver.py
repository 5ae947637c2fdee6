"""Silver checks, per partition: schema, reconciliation with bronze, key uniqueness, rule
failure rates and referential integrity. All but the rule-rate check block downstream assets."""

import functools
from collections.abc import Sequence

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetIn,
    MetadataValue,
    PartitionsDefinition,
)
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse_assets.assets.silver.layer import BRONZE_KEYS, QUARANTINE_KEY, SILVER_KEYS
from lakehouse_assets.checks.partitioned import Verdicts, partitioned_check, verdicts
from lakehouse_assets.checks.references import NONE_MISSING, MissingReferences, missing_references_by_day
from lakehouse_assets.checks.schemas import failures_on, schema_failures, silver_schema
from lakehouse_assets.contracts import CUSTOMERS, INGEST_DATE_COLUMN, PRODUCTS, SOURCES, TRANSACTIONS
from lakehouse_assets.resources.reader import DeltaTableReader
from lakehouse_assets.rules import RULES
from lakehouse_assets.transforms.silver.pipeline import SPECS
from lakehouse_assets.transforms.silver.quality import DUPLICATE, QUARANTINED

EXAMPLES = 10  # repeated keys named per day


def _per_day(df: DataFrame, *group: str) -> dict[tuple, int]:
    rows = df.groupBy(INGEST_DATE_COLUMN, *group).count().collect()
    return {(row[INGEST_DATE_COLUMN].isoformat(), *[row[g] for g in group]): row["count"] for row in rows}


def build_schema_check(source: str, daily: PartitionsDefinition) -> AssetChecksDefinition:
    @partitioned_check(
        asset=SILVER_KEYS[source],
        name="pandera_schema",
        blocking=True,
        partitions_def=daily,
        description=f"The partition matches the pandera schema of silver/{source}: types, nullability, "
        f"ranges, patterns.",
    )
    def pandera_schema(context: AssetCheckExecutionContext, silver: DataFrame) -> Verdicts:
        schema = silver_schema(source)  # at run time: declared columns may have been added since import
        # pandera runs one Spark job per column check; caching the slice makes them memory scans.
        silver = silver.cache()
        try:
            failures = schema_failures(silver, schema)
        finally:
            silver.unpersist()

        def result_over(days: Sequence[str]) -> AssetCheckResult:
            seen = failures_on(failures, days)
            return AssetCheckResult(
                passed=not seen,
                metadata={"failed_checks": len(seen), "failures": MetadataValue.json(seen), "schema": schema.name},
            )

        return verdicts(context.partition_keys, result_over)

    return pandera_schema


def build_reconciliation_check(source: str, daily: PartitionsDefinition) -> AssetChecksDefinition:
    @partitioned_check(
        asset=SILVER_KEYS[source],
        name="reconciles_with_bronze",
        blocking=True,
        partitions_def=daily,
        additional_ins={"bronze": AssetIn(key=BRONZE_KEYS[source]), "quarantine": AssetIn(key=QUARANTINE_KEY)},
        description=f"Per day: bronze/{source} rows = silver rows + quarantined rows + duplicates dropped.",
    )
    def reconciles_with_bronze(
        context: AssetCheckExecutionContext, silver: DataFrame, bronze: DataFrame, quarantine: DataFrame
    ) -> Verdicts:
        bronze_rows, silver_rows = _per_day(bronze), _per_day(silver)
        rejected = _per_day(quarantine.where(F.col("source") == source), "disposition")
        days = {}
        for day in context.partition_keys:
            numbers = {
                "bronze": bronze_rows.get((day,), 0),
                "silver": silver_rows.get((day,), 0),
                "quarantined": rejected.get((day, QUARANTINED), 0),
                "duplicates": rejected.get((day, DUPLICATE), 0),
            }
            numbers["unaccounted"] = (
                numbers["bronze"] - numbers["silver"] - numbers["quarantined"] - numbers["duplicates"]
            )
            days[day] = numbers

        def result_over(keys: Sequence[str]) -> AssetCheckResult:
            total = {name: sum(days[day][name] for day in keys) for name in days[keys[0]]}
            unbalanced = [day for day in keys if days[day]["unaccounted"] != 0]
            return AssetCheckResult(
                passed=not unbalanced,
                metadata={
                    "bronze_rows": total["bronze"],
                    "silver_rows": total["silver"],
                    "quarantined_rows": total["quarantined"],
                    "duplicates_dropped": total["duplicates"],
                    "by_day": MetadataValue.json({day: days[day] for day in keys}),
                },
                description=f"rows unaccounted for on {', '.join(unbalanced)}" if unbalanced else None,
            )

        return verdicts(context.partition_keys, result_over)

    return reconciles_with_bronze


def build_uniqueness_check(source: str, daily: PartitionsDefinition) -> AssetChecksDefinition:
    keys = list(SPECS[source].identity_keys)

    @partitioned_check(
        asset=SILVER_KEYS[source],
        name="business_key_unique",
        blocking=True,
        partitions_def=daily,
        description=f"({', '.join(keys)}) is unique across the whole silver/{source} table: a day fails when one "
        "of its keys is on another row of any day, its own included.",
    )
    def business_key_unique(
        context: AssetCheckExecutionContext, silver: DataFrame, delta_tables: DeltaTableReader
    ) -> Verdicts:
        # Every partition, not only the checked ones: a key repeated across days is a duplicate too.
        # Only the rows whose keys the checked slice holds are grouped (null-safe, as a NULL key groups
        # with NULL): the history's key columns are read, not aggregated, whatever its size.
        checked = silver.select(*[F.col(k).alias(f"_checked_{k}") for k in keys]).distinct()
        same_key = functools.reduce(lambda a, b: a & b, [F.col(k).eqNullSafe(F.col(f"_checked_{k}")) for k in keys])
        table = delta_tables.read(SILVER_KEYS[source]).join(checked, on=same_key, how="left_semi")
        repeated = (
            table.groupBy(*keys)
            .agg(F.count(F.lit(1)).alias("rows"), F.collect_set(F.col(INGEST_DATE_COLUMN).cast("string")).alias("days"))
            .where("rows > 1")
            .select(*keys, "rows", F.explode("days").alias("day"))
            .where(F.col("day").isin(*context.partition_keys))
        )
        by_day = Window.partitionBy("day")
        # Per checked day: how many of its keys repeat, and the first EXAMPLES of them.
        found = (
            repeated.withColumn("repeated_keys", F.count(F.lit(1)).over(by_day))
            .withColumn("n", F.row_number().over(by_day.orderBy(*keys)))
            .where(F.col("n") <= EXAMPLES)
            .collect()
        )
        counts = {row["day"]: row["repeated_keys"] for row in found}

        def result_over(days: Sequence[str]) -> AssetCheckResult:
            if len(days) == 1:
                count = counts.get(days[0], 0)
            else:  # a key repeated on two of the days counts once
                count = repeated.select(*keys).distinct().count() if counts else 0
            named = sorted({tuple(str(row[k]) for k in (*keys, "rows")) for row in found if row["day"] in days})
            return AssetCheckResult(
                passed=count == 0,
                metadata={
                    "repeated_keys": count,
                    # Each repeated key with its number of rows in the table.
                    "examples": MetadataValue.json(
                        [dict(zip((*keys, "count"), e, strict=True)) for e in named[:EXAMPLES]]
                    ),
                    "key": ", ".join(keys),
                },
            )

        return verdicts(context.partition_keys, result_over)

    return business_key_unique


def build_rule_rate_check(source: str, daily: PartitionsDefinition, threshold: float) -> AssetChecksDefinition:
    rules = RULES[source]

    @partitioned_check(
        asset=SILVER_KEYS[source],
        name="rule_failure_rates",
        blocking=False,
        partitions_def=daily,
        additional_ins={"bronze": AssetIn(key=BRONZE_KEYS[source]), "quarantine": AssetIn(key=QUARANTINE_KEY)},
        description=(
            f"Failed rows and rate per rule of silver/{source}; warns when the quarantine rate exceeds "
            "LAKEHOUSE_QUARANTINE_RATE_THRESHOLD."
        ),
    )
    def rule_failure_rates(
        context: AssetCheckExecutionContext, silver: DataFrame, bronze: DataFrame, quarantine: DataFrame
    ) -> Verdicts:
        bronze_rows = _per_day(bronze)
        quarantined = quarantine.where((F.col("source") == source) & (F.col("disposition") == QUARANTINED))
        quarantined_rows = _per_day(quarantined)
        failed = _per_day(quarantined.select(INGEST_DATE_COLUMN, F.explode("failed_rules").alias("rule")), "rule")
        failed.update(_per_day(silver.select(INGEST_DATE_COLUMN, F.explode("_warnings").alias("rule")), "rule"))

        def result_over(days: Sequence[str]) -> AssetCheckResult:
            bronze_total = sum(bronze_rows.get((day,), 0) for day in days)
            quarantined_total = sum(quarantined_rows.get((day,), 0) for day in days)
            rate = quarantined_total / bronze_total if bronze_total else 0.0
            per_rule = {}
            for rule in rules:
                rows = sum(failed.get((day, rule.name), 0) for day in days)
                per_rule[rule.name] = {
                    "action": rule.action,
                    "failed_rows": rows,
                    "rate": round(rows / bronze_total, 6) if bronze_total else 0.0,
                }
            return AssetCheckResult(
                passed=rate <= threshold,
                severity=AssetCheckSeverity.WARN,
                metadata={
                    "quarantine_rate": round(rate, 6),
                    "threshold": threshold,
                    "quarantined_rows": quarantined_total,
                    "bronze_rows": bronze_total,
                    "rules": MetadataValue.json(per_rule),
                    **{f"rule/{name}": numbers["failed_rows"] for name, numbers in per_rule.items()},
                },
            )

        return verdicts(context.partition_keys, result_over)

    return rule_failure_rates


def build_referential_integrity_check(daily: PartitionsDefinition) -> AssetChecksDefinition:
    @partitioned_check(
        asset=SILVER_KEYS[TRANSACTIONS],
        name="references_resolve",
        blocking=True,
        partitions_def=daily,
        description="Every customer_id and product_id of the partition's transactions exists in silver "
        "customers and products, or is flagged inferred (customer_inferred / product_inferred: landed in bronze "
        "but with no valid version yet); metadata counts both.",
        # The whole dimensions, read through the reader: a transaction may name a customer or product that
        # landed on another day, and a check's inputs always get the checked partitions (Dagster applies no
        # partition mapping to them). The graph already draws customers and products -> transactions; no
        # dependency of the check's own, so a failed blocking check of a dimension does not skip this one.
    )
    def references_resolve(
        context: AssetCheckExecutionContext, silver: DataFrame, delta_tables: DeltaTableReader
    ) -> Verdicts:
        found = {
            column: missing_references_by_day(silver, delta_tables.read(SILVER_KEYS[dimension]), column)
            for column, dimension in (("customer_id", CUSTOMERS), ("product_id", PRODUCTS))
        }

        def result(by_column: dict[str, MissingReferences]) -> AssetCheckResult:
            metadata = {}
            for column, missing in by_column.items():
                metadata[f"dangling_{column}s"] = missing.dangling
                metadata[f"examples_{column}"] = MetadataValue.json(missing.examples)
                metadata[f"inferred_{column}s"] = missing.inferred
                metadata[f"transactions_with_inferred_{column}"] = missing.inferred_transactions
            return AssetCheckResult(passed=not any(m.dangling for m in by_column.values()), metadata=metadata)

        return Verdicts(
            result({column: overall for column, (overall, _) in found.items()}),
            {
                day: result({column: by_day.get(day, NONE_MISSING) for column, (_, by_day) in found.items()})
                for day in context.partition_keys
            },
        )

    return references_resolve


def build_silver_checks(daily: PartitionsDefinition, quarantine_rate_threshold: float) -> list[AssetChecksDefinition]:
    """Every silver check; `quarantine_rate_threshold` is LAKEHOUSE_QUARANTINE_RATE_THRESHOLD."""
    return [
        *[
            check
            for source in SOURCES
            for check in (
                build_schema_check(source, daily),
                build_reconciliation_check(source, daily),
                build_uniqueness_check(source, daily),
                build_rule_rate_check(source, daily, quarantine_rate_threshold),
            )
        ],
        build_referential_integrity_check(daily),
    ]
