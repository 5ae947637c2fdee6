"""Rules added to the catalogue: 'fail' stops the run, 'warn' flags the row, 'quarantine' rejects it."""

from datetime import date

import pytest
from pyspark import StorageLevel

from lakehouse_assets.contracts import TRANSACTIONS
from lakehouse_assets.rules import RULES, Rule
from lakehouse_assets.transforms.silver.pipeline import evaluate_source, raise_on_fatal, split
from lakehouse_assets.transforms.silver.quality import FailRuleViolation, intake_counts, intake_counts_by_day
from lakehouse_assets_tests.transforms.silver.support import (
    bronze_frame,
    bronze_row,
    collect_outcome,
    id_frame,
    malformed_row,
)

EXTRA_RULES = (
    Rule(
        "quantity_at_most_1000", "quantity IS NULL OR quantity <= 1000", ("quantity",), "fail", "quantity is above 1000"
    ),
    Rule(
        "basket_below_5", "quantity IS NULL OR quantity < 5", ("quantity",), "warn", "five or more items in one basket"
    ),
    Rule(
        "no_cash_online",
        "NOT (channel = 'online' AND payment_method = 'cash')",
        ("channel", "payment_method"),
        "quarantine",
        "cash cannot pay online",
    ),
)
RULES_WITH_EXTRAS = RULES[TRANSACTIONS] + EXTRA_RULES
ROWS = [
    bronze_row(TRANSACTIONS, "huge-a", quantity="5000"),
    bronze_row(TRANSACTIONS, "huge-b", quantity="2000"),
    bronze_row(TRANSACTIONS, "big", quantity="7"),
    bronze_row(TRANSACTIONS, "big-and-late", quantity="7", transaction_ts="2024-01-01T10:00:00Z"),
    bronze_row(TRANSACTIONS, "cash-online", payment_method="Cash"),
    bronze_row(TRANSACTIONS, "normal"),
    # A line that could not be parsed fails malformed_record only, never a 'fail' rule.
    malformed_row(TRANSACTIONS, "malformed", "T9,C9,99999", transaction_id="T9", quantity="99999"),
]
HUGE = ("huge-a", "huge-b")


@pytest.fixture(scope="module")
def evaluated(spark):
    frame = evaluate_source(
        bronze_frame(spark, TRANSACTIONS, ROWS),
        TRANSACTIONS,
        RULES_WITH_EXTRAS,
        customers=id_frame(spark, "customer_id", ["C0000001"]),
        products=id_frame(spark, "product_id", ["P000001"]),
    )
    frame.persist(StorageLevel.MEMORY_AND_DISK)
    yield frame
    frame.unpersist()


def test_fail_rule_stops_the_run_naming_the_rule_and_the_row_count(evaluated):
    with pytest.raises(FailRuleViolation) as raised:
        raise_on_fatal(evaluated, TRANSACTIONS, RULES_WITH_EXTRAS)
    assert str(raised.value) == (
        "silver/transactions: rows violate rules whose action is 'fail': quantity_at_most_1000 (2 rows). "
        "Nothing was written."
    )


def test_fail_rule_without_violations_lets_the_run_go_on(evaluated):
    assert (
        raise_on_fatal(evaluated.where(~evaluated["_source_file"].isin(*HUGE)), TRANSACTIONS, RULES_WITH_EXTRAS) is None
    )
    # The shipped catalogue has no 'fail' rule: nothing to check, whatever the rows.
    assert raise_on_fatal(evaluated, TRANSACTIONS, RULES[TRANSACTIONS]) is None


def test_warn_and_quarantine_rules_from_outside_the_catalogue(evaluated):
    outcome = collect_outcome(ROWS, split(evaluated, TRANSACTIONS, None, RULES_WITH_EXTRAS))
    warnings = {case: (row["_warnings"], row["is_late_arriving"]) for case, row in outcome.silver.items()}
    # split itself does not enforce 'fail' rules (raise_on_fatal runs before it): huge baskets only warn here.
    assert warnings == {
        "huge-a": (["basket_below_5"], False),
        "huge-b": (["basket_below_5"], False),
        "big": (["basket_below_5"], False),
        "big-and-late": (["late_arriving", "basket_below_5"], True),
        "normal": ([], False),
    }
    rejected = {case: (row["failed_rules"], row["reason"]) for case, row in outcome.quarantine.items()}
    assert rejected == {
        "cash-online": (["no_cash_online"], "no_cash_online: cash cannot pay online"),
        "malformed": (["malformed_record"], "malformed_record: the landed line could not be parsed as a record"),
    }
    assert outcome.kept("big-and-late")["transaction_date"] == date(2024, 1, 1)


def test_intake_counts_counts_rows_and_rule_rejects_in_one_pass(evaluated):
    # 'fail' and 'warn' rules reject nothing; the cash-online row and the malformed line are rejected.
    assert intake_counts(evaluated, RULES_WITH_EXTRAS) == (7, 2)
    assert intake_counts_by_day(evaluated, RULES_WITH_EXTRAS) == {"2024-01-02": (7, 2)}  # all landed that day
