"""Silver transactions beyond each case's outcome (test_corpus_outcomes.py checks those for every source):
exact reasons and raw records, late arrivals, releasing, and overflow, from the run of transactions_corpus.py."""

from lakehouse_assets.contracts import TRANSACTIONS
from lakehouse_assets_tests.transforms.silver.support import LANDING_DAY, Outcome, bronze_row, id_frame, run_silver
from lakehouse_assets_tests.transforms.silver.transactions_corpus import CASES, references


def test_quarantine_reason_and_raw_record_are_exact(transactions_outcome: Outcome):
    several = transactions_outcome.rejected("several_failures")
    assert several["reason"] == (
        "quantity_at_least_one: quantity is below 1; currency_allowed: currency is not one of USD, EUR, GBP; "
        "status_present: status is missing"
    )
    malformed = transactions_outcome.rejected("malformed_line")
    assert malformed["raw_record"] == '{"_corrupt_record":"T3,C3,\\"unterminated"}'
    assert transactions_outcome.rejected("unknown_customer")["raw_record"] == (
        '{"transaction_id":"UNKNOWN_CUSTOMER","customer_id":"C9000001","product_id":"P000001","quantity":"2",'
        '"unit_price":"9.99","currency":"USD","payment_method":"paypal","channel":"online","status":"completed",'
        '"transaction_ts":"2024-01-02T10:00:00Z"}'
    )
    assert transactions_outcome.rejected("unknown_customer")["reason"] == (
        "customer_known: customer_id is in no customer record of any day, valid or quarantined "
        "(re-materialize once the customer has landed)"
    )


def test_late_arriving_stays_in_silver_flagged_and_future_is_rejected(transactions_outcome: Outcome):
    late = transactions_outcome.kept("late_arriving")
    assert (late["is_late_arriving"], late["_warnings"], late["_ingest_date"]) == (True, ["late_arriving"], LANDING_DAY)
    on_time = transactions_outcome.kept("ts_landing_midnight")
    assert (on_time["is_late_arriving"], on_time["_warnings"]) == (False, [])
    assert transactions_outcome.rejected("ts_day_after_landing")["failed_rules"] == ["transaction_ts_not_in_future"]


def test_a_customer_that_has_landed_releases_its_transactions(spark, transactions_outcome: Outcome):
    """The corpus run did not know C9000001; once silver customers hold it, its transactions pass."""
    names = ("unknown_customer", "unknown_customer_padded_lower", "unknown_both", "unknown_product")
    assert {name: transactions_outcome.rejected(name)["failed_rules"] for name in names} == {
        "unknown_customer": ["customer_known"],
        "unknown_customer_padded_lower": ["customer_known"],
        "unknown_both": ["customer_known", "product_known"],
        "unknown_product": ["product_known"],
    }
    rows = [case.bronze(TRANSACTIONS) for case in CASES if case.name in names]
    # Silver customers hold one row per version, so an id can repeat in the reference.
    customers = id_frame(spark, "customer_id", ["C0000001", "C9000001", "C9000001"])
    products = id_frame(spark, "product_id", ["P000001"])
    after = run_silver(spark, TRANSACTIONS, rows, customers=customers, products=products)
    assert {name: row["customer_id"] for name, row in after.silver.items()} == {
        "unknown_customer": "C9000001",
        "unknown_customer_padded_lower": "C9000001",
    }
    assert {name: row["failed_rules"] for name, row in after.quarantine.items()} == {
        "unknown_both": ["product_known"],
        "unknown_product": ["product_known"],
    }


def test_total_amount_beyond_its_type_quarantines_the_row_not_the_run(spark):
    """Regression: quantity × unit_price beyond decimal(14,2) once raised under ANSI mode and
    failed the whole partition; now that one row is quarantined by total_amount_fits."""
    rows = [
        bronze_row(TRANSACTIONS, "total_overflow", quantity="100000", unit_price="10000000"),
        bronze_row(TRANSACTIONS, "clean"),
    ]
    outcome = run_silver(spark, TRANSACTIONS, rows, **references(spark))
    assert "total_overflow" not in outcome.silver
    assert outcome.rejected("total_overflow")["failed_rules"] == ["total_amount_fits"]
    assert "clean" in outcome.silver
