"""Ids of silver transactions missing from a dimension: broken references, or inferred members.

Silver keeps a transaction whose customer or product landed in bronze but has no valid version yet
(its records were quarantined, or land on a later day) and flags it with the warn rule
`customer_inferred` / `product_inferred`. Such an id is expected to be missing from the dimension
until the dimension is fixed; an id missing without the flag is a broken reference.
"""

from typing import NamedTuple

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse_assets.contracts import INGEST_DATE_COLUMN
from lakehouse_assets.transforms.silver.quality import WARNINGS

EXAMPLES = 20


class MissingReferences(NamedTuple):
    dangling: int  # distinct ids missing without the inferred flag
    examples: list[str]  # up to EXAMPLES of them, sorted
    inferred: int  # distinct ids missing and flagged inferred on every transaction naming them
    inferred_transactions: int  # transactions naming those


NONE_MISSING = MissingReferences(0, [], 0, 0)


def _per_id(transactions: DataFrame, dimension: DataFrame | None, column: str, *by: str) -> DataFrame:
    """Per missing id (and `by`): whether every transaction naming it is flagged inferred, and how many."""
    flagged = F.array_contains(WARNINGS, f"{column.removesuffix('_id')}_inferred")
    missing = transactions.select(column, *by, flagged.alias("_inferred"))
    if dimension is not None:
        missing = missing.join(dimension.select(column).distinct(), on=column, how="left_anti")
    return missing.groupBy(column, *by).agg(
        F.bool_and("_inferred").alias("_inferred"), F.count(F.lit(1)).alias("_rows")
    )


def _summary(per_id: DataFrame, column: str) -> MissingReferences:
    dangling = per_id.where(~F.col("_inferred"))
    examples = sorted(row[column] for row in dangling.limit(EXAMPLES).collect())
    inferred = per_id.where("_inferred").agg(F.count(F.lit(1)), F.sum("_rows")).first()
    return MissingReferences(dangling.count() if examples else 0, examples, int(inferred[0]), int(inferred[1] or 0))


def missing_references(transactions: DataFrame, dimension: DataFrame | None, column: str) -> MissingReferences:
    """The ids `column` of `transactions` (silver rows, with `_warnings`) that `dimension` lacks."""
    per_id = _per_id(transactions, dimension, column).persist()
    try:
        return _summary(per_id, column)
    finally:
        per_id.unpersist()


def missing_references_by_day(
    transactions: DataFrame, dimension: DataFrame | None, column: str
) -> tuple[MissingReferences, dict[str, MissingReferences]]:
    """`missing_references` over all of `transactions`, and per landing day (INGEST_DATE_COLUMN) that has
    missing ids: an id missing on two days counts on each of them, and once overall."""
    per_id_day = _per_id(transactions, dimension, column, INGEST_DATE_COLUMN).persist()
    try:
        overall = _summary(
            per_id_day.groupBy(column).agg(F.bool_and("_inferred").alias("_inferred"), F.sum("_rows").alias("_rows")),
            column,
        )
        if overall == NONE_MISSING:
            return overall, {}
        day = F.col(INGEST_DATE_COLUMN).cast("string").alias("day")
        dangling = ~F.col("_inferred")
        stats = (
            per_id_day.groupBy(day)
            .agg(
                F.count(F.when(dangling, 1)).alias("dangling"),
                F.count(F.when(F.col("_inferred"), 1)).alias("inferred"),
                F.sum(F.when(F.col("_inferred"), F.col("_rows"))).alias("inferred_transactions"),
            )
            .collect()
        )
        in_day = Window.partitionBy("day").orderBy(column)
        named = (
            per_id_day.where(dangling)
            .select(column, day)
            .withColumn("n", F.row_number().over(in_day))
            .where(F.col("n") <= EXAMPLES)
            .collect()
        )
        examples: dict[str, list[str]] = {}
        for row in named:
            examples.setdefault(row["day"], []).append(row[column])
        return overall, {
            row["day"]: MissingReferences(
                row["dangling"],
                sorted(examples.get(row["day"], [])),
                row["inferred"],
                int(row["inferred_transactions"] or 0),
            )
            for row in stats
        }
    finally:
        per_id_day.unpersist()
