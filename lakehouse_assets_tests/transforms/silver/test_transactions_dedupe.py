"""Silver transactions deduplication: within a drop, across the run's days, and against earlier silver.

The deduplication rows land in the same frame as the corpus (transactions_corpus.py, DEDUPE_ROWS).
"""

import pytest

from lakehouse_assets.contracts import TRANSACTIONS
from lakehouse_assets.transforms.silver.pipeline import evaluate_source, split
from lakehouse_assets_tests.transforms.silver.support import Outcome, bronze_frame
from lakehouse_assets_tests.transforms.silver.transactions_corpus import (
    DAY_ONE,
    DEDUPE_OUTCOMES,
    DEDUPE_ROWS,
    bronze_rows,
    earlier_frame,
    references,
)


@pytest.mark.parametrize("case", list(DEDUPE_OUTCOMES), ids=str)
def test_deduplication(transactions_outcome: Outcome, case: str):
    bucket, reason = DEDUPE_OUTCOMES[case]
    if bucket == "silver":
        row = transactions_outcome.kept(case)
        assert (row["_warnings"], row["_ingest_date"]) == ([], DAY_ONE)
        return
    row = transactions_outcome.rejected(case)
    expected_rules = ["duplicate"] if bucket == "duplicate" else ["quantity_at_least_one"]
    business_key = next(r["transaction_id"] for r in DEDUPE_ROWS if r["_source_file"] == case)
    assert (row["disposition"], row["failed_rules"], row["reason"], row["business_key"]) == (
        bucket,
        expected_rules,
        reason,
        business_key,
    )


def test_one_silver_row_per_transaction_id(transactions_outcome: Outcome):
    ids = [row["transaction_id"] for row in transactions_outcome.silver.values()]
    assert len(ids) == len(set(ids))
    settled = {
        row["transaction_id"]: row["status"]
        for row in transactions_outcome.silver.values()
        if row["transaction_id"] in ("TX-SETTLE", "TX-REFUND")
    }
    assert settled == {"TX-SETTLE": "completed", "TX-REFUND": "refunded"}
    assert transactions_outcome.kept("dup-twice-day1")["_ingest_date"] == DAY_ONE


def test_split_is_deterministic(spark, transactions_outcome: Outcome):
    """A second run over the same rows, landed in reverse order over more partitions, picks the same rows."""
    rows = bronze_rows()
    bronze = bronze_frame(spark, TRANSACTIONS, rows[::-1]).repartition(3)
    evaluated = evaluate_source(bronze, TRANSACTIONS, **references(spark)).persist()
    try:
        again = split(evaluated, TRANSACTIONS, earlier_frame(spark))
        silver, quarantine = again.silver.collect(), again.quarantine.collect()
        for frame in again.persisted:
            frame.unpersist()
    finally:
        evaluated.unpersist()
    assert sorted(map(repr, silver)) == sorted(map(repr, transactions_outcome.silver.values()))
    assert sorted(map(repr, quarantine)) == sorted(map(repr, transactions_outcome.quarantine.values()))
