"""Deduplication: one row per business key (transactions) or per version (customers, products).

Three passes, each keeping one row per group and sending the rest to quarantine as duplicates
with a reason (the first two rank only the rows whose keys repeat within the run):
1. within a landing day, per `day_keys`: the newest version wins (an identical copy is an exact
   duplicate, a different one an older version superseded the same day);
2. across the days of the run, per `identity_keys`: the first day it landed wins;
3. against silver partitions before the run's window: a key already there is not counted again.
Ties break on source file and a hash of the raw record, so reruns pick the same row.
"""

import functools
from collections.abc import Sequence
from typing import NamedTuple

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from lakehouse_assets.transforms.silver.quality import raw_record

DUPLICATE_REASON = "_duplicate_reason"


# The small frames both writes read (the repeated keys, their ranked rows, the keys already in
# silver) are kept on local disk after the first write computes them, so the second does not scan
# the evaluated rows again for them. On disk, as the evaluated rows (pipeline.EVALUATED_STORAGE).
SHARED_STORAGE = StorageLevel.DISK_ONLY


class Deduplicated(NamedTuple):
    kept: DataFrame
    duplicates: DataFrame  # with DUPLICATE_REASON
    persisted: tuple[DataFrame, ...] = ()  # to unpersist once `kept` and `duplicates` are written


def _describe(keys: Sequence[str]) -> Column:
    return F.concat_ws(", ", *[F.concat(F.lit(f"{key}="), F.col(key).cast("string")) for key in keys])


def deduplicate(
    accepted: DataFrame,
    day_keys: Sequence[str],
    identity_keys: Sequence[str],
    newest_first: Sequence[Column],
    earlier: DataFrame | None,
) -> Deduplicated:
    """`earlier`: the silver rows of partitions before the run's window (identity keys + `_ingest_date`).

    `day_keys` must be a subset of `identity_keys`: a row whose `day_keys` no other row of the run
    shares is then alone in both passes, and only the rows whose keys repeat are ranked.
    """
    if not set(day_keys) <= set(identity_keys):
        raise ValueError(f"day keys {day_keys} must be among the identity keys {identity_keys}")
    # Nearly every key is unique: ranking only the repeated ones spares the two window sorts and the
    # JSON of every row (at 1M rows a day, ~2% repeat). The repeated keys are few, so AQE broadcasts them.
    repeated = (
        accepted.groupBy(*day_keys)
        .count()
        .where("count > 1")
        .select(*[F.col(k).alias(f"_r_{k}") for k in day_keys])
        .persist(SHARED_STORAGE)
    )
    # Null-safe: rows without a key (the rules let none through today) group together as before.
    same_key = functools.reduce(lambda a, b: a & b, [F.col(k).eqNullSafe(F.col(f"_r_{k}")) for k in day_keys])
    unique = accepted.join(repeated, on=same_key, how="left_anti")
    repeating = accepted.join(repeated, on=same_key, how="left_semi")
    tiebreak = [F.col("_source_file"), F.xxhash64(raw_record())]
    same_day = Window.partitionBy(*day_keys, "_ingest_date").orderBy(*newest_first, *tiebreak)
    across_days = Window.partitionBy(*identity_keys).orderBy(F.col("_ingest_date"), *tiebreak)
    ranked = (
        repeating.withColumn("_raw_json", raw_record())
        .withColumn("_day_rank", F.row_number().over(same_day))
        .withColumn("_day_winner", F.first("_raw_json").over(same_day))
        .persist(SHARED_STORAGE)
    )
    day_winners = (
        ranked.where("_day_rank = 1")
        .withColumn("_run_rank", F.row_number().over(across_days))
        .withColumn("_first_day", F.first("_ingest_date").over(across_days))
    )
    reason_same_day = F.when(
        F.col("_raw_json") == F.col("_day_winner"), F.lit("exact duplicate of a record in the same drop")
    ).otherwise(F.concat(F.lit("older version of "), _describe(day_keys), F.lit("; a newer one landed the same day")))
    same_day_duplicates = ranked.where("_day_rank > 1").withColumn(DUPLICATE_REASON, reason_same_day)
    cross_day_duplicates = day_winners.where("_run_rank > 1").withColumn(
        DUPLICATE_REASON,
        F.concat(_describe(identity_keys), F.lit(" already landed on "), F.col("_first_day").cast("string")),
    )
    candidates = unique.unionByName(day_winners.where("_run_rank = 1").select(*accepted.columns))
    persisted = [repeated, ranked]
    if earlier is None:
        kept, earlier_duplicates = candidates, None
    else:
        # Only the earlier rows whose keys this run brings are aggregated: the history is read
        # once (its key columns), but not grouped, whatever its size.
        previous = (
            earlier.select(*identity_keys, "_ingest_date")
            .join(accepted.select(*identity_keys), on=list(identity_keys), how="left_semi")
            .groupBy(*identity_keys)
            .agg(F.min("_ingest_date").alias("_previous_day"))
            .persist(SHARED_STORAGE)
        )
        persisted.append(previous)
        joined = candidates.join(previous, on=list(identity_keys), how="left")
        kept = joined.where(F.col("_previous_day").isNull())
        earlier_duplicates = joined.where(F.col("_previous_day").isNotNull()).withColumn(
            DUPLICATE_REASON,
            F.concat(
                _describe(identity_keys),
                F.lit(" is already in silver (landed "),
                F.col("_previous_day").cast("string"),
                F.lit(")"),
            ),
        )
    helpers = ["_raw_json", "_day_rank", "_day_winner", "_run_rank", "_first_day", "_previous_day"]
    columns = accepted.columns
    duplicates = same_day_duplicates.select(*columns, DUPLICATE_REASON).unionByName(
        cross_day_duplicates.select(*columns, DUPLICATE_REASON)
    )
    if earlier_duplicates is not None:
        duplicates = duplicates.unionByName(earlier_duplicates.select(*columns, DUPLICATE_REASON))
    return Deduplicated(
        kept.select(*columns), duplicates.drop(*[h for h in helpers if h in duplicates.columns]), tuple(persisted)
    )
