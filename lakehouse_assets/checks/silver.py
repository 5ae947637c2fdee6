"""Silver checks, per partition: schema, reconciliation with bronze, key uniqueness, rule
failure rates and referential integrity. All but the rule-rate check block downstream assets."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetIn,
    MetadataValue,
    PartitionsDefinition,
)
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.assets.silver.layer import BRONZE_KEYS, QUARANTINE_KEY, SILVER_KEYS
from lakehouse_assets.checks.partitioned import partitioned_check
from lakehouse_assets.checks.references import missing_references
from lakehouse_assets.checks.schemas import schema_failures, silver_schema
from lakehouse_assets.contracts import CUSTOMERS, INGEST_DATE_COLUMN, PRODUCTS, SOURCES, TRANSACTIONS
from lakehouse_assets.resources.reader import DeltaTableReader
from lakehouse_assets.rules import RULES
from lakehouse_assets.transforms.silver.pipeline import SPECS
from lakehouse_assets.transforms.silver.quality import DUPLICATE, QUARANTINED


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
    def pandera_schema(silver: DataFrame) -> AssetCheckResult:
        schema = silver_schema(source)  # at run time: declared columns may have been added since import
        # pandera runs one Spark job per column check; caching the slice makes them memory scans.
        silver = silver.cache()
        try:
            failures = schema_failures(silver, schema)
        finally:
            silver.unpersist()
        return AssetCheckResult(
            passed=not failures,
            metadata={"failed_checks": len(failures), "failures": MetadataValue.json(failures), "schema": schema.name},
        )

    return pandera_schema


def _reconciliation_on_day(result: AssetCheckResult, day: str) -> AssetCheckResult:
    """The range result's numbers for one day, under the range result's labels."""
    numbers = result.metadata["by_day"].value[day]
    return AssetCheckResult(
        passed=numbers["unaccounted"] == 0,
        metadata={
            "bronze_rows": numbers["bronze"],
            "silver_rows": numbers["silver"],
            "quarantined_rows": numbers["quarantined"],
            "duplicates_dropped": numbers["duplicates"],
            "by_day": MetadataValue.json({day: numbers}),
        },
        description=f"{numbers['unaccounted']} rows unaccounted for" if numbers["unaccounted"] else None,
    )


def build_reconciliation_check(source: str, daily: PartitionsDefinition) -> AssetChecksDefinition:
    @partitioned_check(
        asset=SILVER_KEYS[source],
        name="reconciles_with_bronze",
        blocking=True,
        partitions_def=daily,
        per_partition=_reconciliation_on_day,
        additional_ins={"bronze": AssetIn(key=BRONZE_KEYS[source]), "quarantine": AssetIn(key=QUARANTINE_KEY)},
        description=f"Per day: bronze/{source} rows = silver rows + quarantined rows + duplicates dropped.",
    )
    def reconciles_with_bronze(
        context: AssetCheckExecutionContext, silver: DataFrame, bronze: DataFrame, quarantine: DataFrame
    ) -> AssetCheckResult:
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
        totals = {
            name: sum(d[name] for d in days.values()) for name in ("bronze", "silver", "quarantined", "duplicates")
        }
        unbalanced = {day: numbers for day, numbers in days.items() if numbers["unaccounted"] != 0}
        return AssetCheckResult(
            passed=not unbalanced,
            metadata={
                "bronze_rows": totals["bronze"],
                "silver_rows": totals["silver"],
                "quarantined_rows": totals["quarantined"],
                "duplicates_dropped": totals["duplicates"],
                "by_day": MetadataValue.json(days),
            },
            description=f"rows unaccounted for on {', '.join(unbalanced)}" if unbalanced else None,
        )

    return reconciles_with_bronze


def build_uniqueness_check(source: str, daily: PartitionsDefinition) -> AssetChecksDefinition:
    keys = list(SPECS[source].identity_keys)

    @partitioned_check(
        asset=SILVER_KEYS[source],
        name="business_key_unique",
        blocking=True,
        partitions_def=daily,
        description=f"({', '.join(keys)}) is unique across the whole silver/{source} table, all partitions.",
    )
    def business_key_unique(silver: DataFrame, delta_tables: DeltaTableReader) -> AssetCheckResult:
        # Every partition, not only the checked ones: a key repeated across days is a duplicate too.
        table = delta_tables.read(SILVER_KEYS[source])
        repeated = table.groupBy(*keys).count().where("count > 1")
        examples = [row.asDict() for row in repeated.limit(10).collect()]
        count = repeated.count() if examples else 0
        return AssetCheckResult(
            passed=count == 0,
            metadata={
                "repeated_keys": count,
                "examples": MetadataValue.json([{k: str(v) for k, v in e.items()} for e in examples]),
                "key": ", ".join(keys),
            },
        )

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
    def rule_failure_rates(silver: DataFrame, bronze: DataFrame, quarantine: DataFrame) -> AssetCheckResult:
        bronze_rows = bronze.count()
        quarantined = quarantine.where((F.col("source") == source) & (F.col("disposition") == QUARANTINED))
        counts = _rule_counts(quarantined.select(F.explode("failed_rules").alias("rule")))
        counts.update(_rule_counts(silver.select(F.explode("_warnings").alias("rule"))))
        quarantined_rows = quarantined.count()
        rate = quarantined_rows / bronze_rows if bronze_rows else 0.0
        per_rule = {
            rule.name: {
                "action": rule.action,
                "failed_rows": counts.get(rule.name, 0),
                "rate": round(counts.get(rule.name, 0) / bronze_rows, 6) if bronze_rows else 0.0,
            }
            for rule in rules
        }
        return AssetCheckResult(
            passed=rate <= threshold,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "quarantine_rate": round(rate, 6),
                "threshold": threshold,
                "quarantined_rows": quarantined_rows,
                "bronze_rows": bronze_rows,
                "rules": MetadataValue.json(per_rule),
                **{f"rule/{name}": numbers["failed_rows"] for name, numbers in per_rule.items()},
            },
        )

    return rule_failure_rates


def _rule_counts(exploded: DataFrame) -> dict[str, int]:
    return {row["rule"]: row["count"] for row in exploded.groupBy("rule").count().collect()}


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
    def references_resolve(silver: DataFrame, delta_tables: DeltaTableReader) -> AssetCheckResult:
        metadata, failed = {}, 0
        for column, dimension in (("customer_id", CUSTOMERS), ("product_id", PRODUCTS)):
            found = missing_references(silver, delta_tables.read(SILVER_KEYS[dimension]), column)
            failed += found.dangling
            metadata[f"dangling_{column}s"] = found.dangling
            metadata[f"examples_{column}"] = MetadataValue.json(found.examples)
            metadata[f"inferred_{column}s"] = found.inferred
            metadata[f"transactions_with_inferred_{column}"] = found.inferred_transactions
        return AssetCheckResult(passed=failed == 0, metadata=metadata)

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
