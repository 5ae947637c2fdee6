"""The referential checks' count: an id missing from its dimension is dangling unless every transaction
naming it carries the inferred warning silver gives a fact whose dimension has no valid version yet."""

from datetime import date

from lakehouse_assets.checks.references import MissingReferences, missing_references, missing_references_by_day


def test_inferred_ids_are_counted_apart_and_unflagged_missing_ids_dangle(spark):
    transactions = spark.createDataFrame(
        [
            ("T1", "P1", []),
            ("T2", "P2", ["product_inferred"]),
            ("T3", "P2", ["late_arriving", "product_inferred"]),
            ("T4", "P3", []),
            ("T5", "P4", ["product_inferred"]),
            ("T6", "P4", []),
            ("T7", "P5", ["product_inferred"]),
            ("T8", "P6", ["customer_inferred"]),
        ],
        "transaction_id string, product_id string, _warnings array<string>",
    )
    # P5 was inferred when its day ran and has a valid version since: resolved, whatever the flag says.
    dimension = spark.createDataFrame([("P1",), ("P5",)], "product_id string")

    assert missing_references(transactions, dimension, "product_id") == MissingReferences(
        dangling=3, examples=["P3", "P4", "P6"], inferred=1, inferred_transactions=2
    )
    assert missing_references(transactions, None, "product_id") == MissingReferences(
        dangling=4, examples=["P1", "P3", "P4", "P6"], inferred=2, inferred_transactions=3
    )


def test_per_day_an_id_counts_on_each_day_naming_it_and_once_overall(spark):
    transactions = spark.createDataFrame(
        [
            ("T1", "P3", [], date(2024, 1, 1)),
            ("T2", "P3", [], date(2024, 1, 2)),
            ("T3", "P4", [], date(2024, 1, 2)),
            ("T4", "P2", ["product_inferred"], date(2024, 1, 2)),
            ("T5", "P2", ["product_inferred"], date(2024, 1, 2)),
            ("T6", "P1", [], date(2024, 1, 3)),
        ],
        "transaction_id string, product_id string, _warnings array<string>, _ingest_date date",
    )
    dimension = spark.createDataFrame([("P1",)], "product_id string")

    overall, by_day = missing_references_by_day(transactions, dimension, "product_id")

    assert overall == missing_references(transactions, dimension, "product_id")
    assert overall == MissingReferences(dangling=2, examples=["P3", "P4"], inferred=1, inferred_transactions=2)
    # 2024-01-03 names only a known product: no day of its own.
    assert by_day == {
        "2024-01-01": MissingReferences(dangling=1, examples=["P3"], inferred=0, inferred_transactions=0),
        "2024-01-02": MissingReferences(dangling=2, examples=["P3", "P4"], inferred=1, inferred_transactions=2),
    }
