"""Evaluating a rule catalogue in one pass, and building quarantine records."""

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.contracts import CORRUPT_RECORD_COLUMN, INGEST_DATE_COLUMN, RESCUED_DATA_COLUMN
from lakehouse_assets.rules import Rule

FAILED_RULES = "_failed_rules"
WARNINGS = "_warnings"
QUARANTINED = "quarantined"
DUPLICATE = "duplicate"
QUARANTINE_COLUMNS: tuple[str, ...] = (
    "source",
    "business_key",
    "disposition",
    "failed_rules",
    "reason",
    "raw_record",
    "_source_file",
    "_source_format",
    "_ingested_at",
    "_run_id",
    "_ingest_date",
)


class FailRuleViolation(ValueError):
    """A rule whose action is `fail` matched rows: the partition must not be published."""


def _names(rules: Sequence[Rule], action: str) -> list[str]:
    return [rule.name for rule in rules if rule.action == action]


def _only(column: str, names: list[str]) -> Column:
    return F.filter(column, lambda name: name.isin(*names)) if names else F.array().cast("array<string>")


def evaluate(typed: DataFrame, rules: Sequence[Rule]) -> DataFrame:
    """Adds `_failed_rules` (every rule the row fails) and `_warnings` (the warn-rules among them).

    A record that could not be parsed at all fails `malformed_record` only: listing every
    missing column as well would bury the one reason that matters.
    """
    corrupt = F.col(CORRUPT_RECORD_COLUMN).isNotNull()
    failures = [
        F.when(
            ~F.coalesce(F.expr(rule.predicate), F.lit(False))
            & (corrupt if rule.name == "malformed_record" else ~corrupt),
            F.lit(rule.name),
        )
        for rule in rules
    ]
    evaluated = typed.withColumn(FAILED_RULES, F.array_compact(F.array(*failures)))
    return evaluated.withColumn(WARNINGS, _only(FAILED_RULES, _names(rules, "warn")))


def quarantine_failures(rules: Sequence[Rule]) -> Column:
    return _only(FAILED_RULES, _names(rules, "quarantine"))


def intake_counts(evaluated: DataFrame, rules: Sequence[Rule]) -> tuple[int, int]:
    """(records evaluated, records failing a quarantine rule), in one pass over `evaluated`."""
    row = evaluated.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count_if(F.size(quarantine_failures(rules)) > 0).alias("rejected"),
    ).first()
    return int(row["rows"]), int(row["rejected"] or 0)


def intake_counts_by_day(evaluated: DataFrame, rules: Sequence[Rule]) -> dict[str, tuple[int, int]]:
    """`intake_counts` per ingest day (ISO date), in one pass over `evaluated`."""
    rows = (
        evaluated.groupBy(INGEST_DATE_COLUMN)
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.count_if(F.size(quarantine_failures(rules)) > 0).alias("rejected"),
        )
        .collect()
    )
    return {row[INGEST_DATE_COLUMN].isoformat(): (int(row["rows"]), int(row["rejected"] or 0)) for row in rows}


def fatal_failures(rules: Sequence[Rule]) -> Column:
    return _only(FAILED_RULES, _names(rules, "fail"))


def reason_text(rules: Sequence[Rule], failed: Column) -> Column:
    """'rule_name: description; …' for the failed rules, in catalogue order."""
    described = F.create_map(
        *[F.lit(item) for rule in rules for item in (rule.name, f"{rule.name}: {rule.description}")]
    )
    return F.array_join(F.transform(failed, lambda name: described[name]), "; ")


def raw_record() -> Column:
    """The record as bronze holds it: landed text, unparseable line, rescued columns."""
    return F.to_json(F.struct(F.col("_raw.*"), F.col(CORRUPT_RECORD_COLUMN), F.col(RESCUED_DATA_COLUMN)))


def quarantine_records(
    rows: DataFrame, source: str, business_key: Column, disposition: str, failed_rules: Column, reason: Column
) -> DataFrame:
    return rows.select(
        F.lit(source).alias("source"),
        business_key.alias("business_key"),
        F.lit(disposition).alias("disposition"),
        failed_rules.alias("failed_rules"),
        reason.alias("reason"),
        raw_record().alias("raw_record"),
        "_source_file",
        "_source_format",
        "_ingested_at",
        "_run_id",
        "_ingest_date",
    )
