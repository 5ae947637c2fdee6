"""Inferred members: a transaction whose customer or product landed in bronze (any day, even only as a
quarantined record) stays in silver, flagged; only an id no bronze record names is quarantined."""

from lakehouse_assets.contracts import CUSTOMERS, PRODUCTS, TRANSACTIONS
from lakehouse_assets.transforms.silver.pipeline import seen_ids
from lakehouse_assets_tests.transforms.silver.support import (
    bronze_frame,
    bronze_row,
    id_frame,
    malformed_row,
    reason_for,
    run_silver,
)

# Bronze dimension records silver quarantined or has not materialized: a product with a negative price,
# padded and lower case as landed; a customer whose only record has a bad email; and a product whose
# line could not be parsed at all, whose id bronze only guessed.
BRONZE_PRODUCTS = [
    bronze_row(PRODUCTS, "bad_price", product_id=" p000009\t", unit_price="-5.00"),
    malformed_row(PRODUCTS, "unparseable", "P000777,Desk,oops", product_id="P000777"),
]
BRONZE_CUSTOMERS = [bronze_row(CUSTOMERS, "bad_email", customer_id="C0000009", email="not-an-email")]


def test_seen_ids_are_normalized_as_silver_types_them_and_skip_unparseable_records(spark):
    seen = seen_ids(bronze_frame(spark, PRODUCTS, BRONZE_PRODUCTS), "product_id")
    assert [row["product_id"] for row in seen.collect()] == ["P000009"]
    assert seen_ids(None, "product_id") is None


def test_a_quarantined_or_late_dimension_keeps_its_facts_flagged_and_a_never_seen_id_is_quarantined(spark):
    rows = [
        bronze_row(TRANSACTIONS, "known"),
        bronze_row(TRANSACTIONS, "product_quarantined", product_id="P000009"),
        bronze_row(TRANSACTIONS, "product_quarantined_padded", product_id="p000009 "),
        bronze_row(TRANSACTIONS, "customer_quarantined", customer_id="C0000009"),
        bronze_row(TRANSACTIONS, "both_inferred", customer_id="C0000009", product_id="P000009"),
        bronze_row(TRANSACTIONS, "product_never_seen", product_id="P000404"),
        bronze_row(TRANSACTIONS, "product_only_unparseable", product_id="P000777"),
        bronze_row(TRANSACTIONS, "customer_inferred_product_never_seen", customer_id="C0000009", product_id="P000404"),
    ]
    outcome = run_silver(
        spark,
        TRANSACTIONS,
        rows,
        customers=id_frame(spark, "customer_id", ["C0000001"]),
        products=id_frame(spark, "product_id", ["P000001"]),
        seen_customers=seen_ids(bronze_frame(spark, CUSTOMERS, BRONZE_CUSTOMERS), "customer_id"),
        seen_products=seen_ids(bronze_frame(spark, PRODUCTS, BRONZE_PRODUCTS), "product_id"),
    )

    assert {
        name: (row["customer_id"], row["product_id"], row["_warnings"]) for name, row in outcome.silver.items()
    } == {
        "known": ("C0000001", "P000001", []),
        "product_quarantined": ("C0000001", "P000009", ["product_inferred"]),
        "product_quarantined_padded": ("C0000001", "P000009", ["product_inferred"]),
        "customer_quarantined": ("C0000009", "P000001", ["customer_inferred"]),
        "both_inferred": ("C0000009", "P000009", ["customer_inferred", "product_inferred"]),
    }
    assert {name: (row["failed_rules"], row["reason"]) for name, row in outcome.quarantine.items()} == {
        "product_never_seen": (["product_known"], reason_for(TRANSACTIONS, ["product_known"])),
        "product_only_unparseable": (["product_known"], reason_for(TRANSACTIONS, ["product_known"])),
        "customer_inferred_product_never_seen": (["product_known"], reason_for(TRANSACTIONS, ["product_known"])),
    }
    assert reason_for(TRANSACTIONS, ["product_known"]) == (
        "product_known: product_id is in no product record of any day, valid or quarantined "
        "(re-materialize once the product has landed)"
    )
