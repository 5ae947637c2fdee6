"""Ids of silver transactions missing from a dimension: broken references, or inferred members.

Silver keeps a transaction whose customer or product landed in bronze but has no valid version yet
(its records were quarantined, or land on a later day) and flags it with the warn rule
`customer_inferred` / `product_inferred`. Such an id is expected to be missing from the dimension
until the dimension is fixed; an id missing without the flag is a broken reference.
"""

from typing import NamedTuple

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.transforms.silver.quality import WARNINGS

EXAMPLES = 20


class MissingReferences(NamedTuple):
    dangling: int  # distinct ids missing without the inferred flag
    examples: list[str]  # up to EXAMPLES of them, sorted
    inferred: int  # distinct ids missing and flagged inferred on every transaction naming them
    inferred_transactions: int  # transactions naming those


def missing_references(transactions: DataFrame, dimension: DataFrame | None, column: str) -> MissingReferences:
    """The ids `column` of `transactions` (silver rows, with `_warnings`) that `dimension` lacks."""
    flagged = F.array_contains(WARNINGS, f"{column.removesuffix('_id')}_inferred")
    missing = transactions.select(column, flagged.alias("_inferred"))
    if dimension is not None:
        missing = missing.join(dimension.select(column).distinct(), on=column, how="left_anti")
    per_id = (
        missing.groupBy(column)
        .agg(F.bool_and("_inferred").alias("_inferred"), F.count(F.lit(1)).alias("_rows"))
        .persist()
    )
    try:
        dangling = per_id.where(~F.col("_inferred"))
        examples = sorted(row[column] for row in dangling.limit(EXAMPLES).collect())
        inferred = per_id.where("_inferred").agg(F.count(F.lit(1)), F.sum("_rows")).first()
        return MissingReferences(dangling.count() if examples else 0, examples, int(inferred[0]), int(inferred[1] or 0))
    finally:
        per_id.unpersist()
