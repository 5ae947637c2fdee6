"""Silver products from a bad-input corpus: one bronze frame, one run, the exact outcome of each row.

Landing day 2024-01-02 (a few version rows landed on 2024-01-01). Products are versioned like
customers: one silver row per (product_id, updated_at).
"""

from datetime import date, datetime
from decimal import Decimal

import pytest

from lakehouse_assets.contracts import PRODUCTS
from lakehouse_assets_tests.transforms.silver.support import (
    Kept,
    Outcome,
    assert_case,
    bronze_row,
    kept,
    rejected,
    run_silver,
)

PROMO = '{"referrer":"newsletter"}'
TRUE_TEXTS = ("yes", "1", "TRUE", " True ", "t", "Y")
FALSE_TEXTS = ("no", "0", "FALSE", "f", "N", "false")

CASES = [
    kept("clean", {}),
    # categories: canonical spelling whatever the case and spacing; the pair must fit the tree
    kept("category_lower", {"category": "electronics"}, {"category": "Electronics"}),
    kept("category_spaced_upper", {"category": " HOME  &  GARDEN ", "subcategory": "kitchen"},
         {"category": "Home & Garden", "subcategory": "Kitchen"}),
    kept("subcategory_hyphen_upper", {"category": "books", "subcategory": "NON-FICTION"},
         {"category": "Books", "subcategory": "Non-Fiction"}),
    kept("subcategory_missing", {"subcategory": None}, {"subcategory": None}),
    rejected("category_unknown", {"category": "Gadgets"}, "category_allowed", "subcategory_in_category"),
    rejected("subcategory_of_other_category", {"category": "Books", "subcategory": "Laptops"}, "subcategory_in_category"),
    rejected("category_blank", {"category": " "}, "category_present"),
    # booleans
    *[kept(f"is_active_true_{index}", {"is_active": text}) for index, text in enumerate(TRUE_TEXTS)],
    *[kept(f"is_active_false_{index}", {"is_active": text}, {"is_active": False}) for index, text in enumerate(FALSE_TEXTS)],
    rejected("is_active_maybe", {"is_active": "maybe"}, "is_active_is_boolean"),
    rejected("is_active_empty", {"is_active": ""}, "is_active_present"),
    # money
    kept("money_as_text", {"unit_price": "$1,234.50", "unit_cost": "$12.00"},
         {"unit_price": Decimal("1234.50"), "unit_cost": Decimal("12.00"), "unit_margin": Decimal("1222.50")}),
    kept("money_minus_zero", {"unit_price": "-0", "unit_cost": "0"},
         {"unit_price": Decimal("0.00"), "unit_cost": Decimal("0.00"), "unit_margin": Decimal("0.00")}),
    kept("money_widest", {"unit_price": "9999999999.99", "unit_cost": "1"},
         {"unit_price": Decimal("9999999999.99"), "unit_cost": Decimal("1.00"), "unit_margin": Decimal("9999999998.99")}),
    kept("cost_above_price", {"unit_cost": "300.00"}, {"unit_cost": Decimal("300.00"), "unit_margin": Decimal("-100.01")},
         warnings=("cost_not_above_price",)),
    rejected("price_scientific", {"unit_price": "1e30"}, "unit_price_is_amount"),
    rejected("price_too_wide", {"unit_price": "99999999999"}, "unit_price_is_amount"),
    rejected("price_negative", {"unit_price": "-10.00"}, "unit_price_not_negative"),
    rejected("cost_negative", {"unit_cost": "-1.00"}, "unit_cost_not_negative"),
    rejected("cost_word", {"unit_cost": "cheap"}, "unit_cost_is_amount"),
    rejected("cost_null", {"unit_cost": None}, "unit_cost_present"),
    # text columns
    kept("name_missing", {"name": ""}, {"name": None}, warnings=("name_present",)),
    kept("name_and_brand_unicode_padded", {"name": " Zoë's Lamp 東京 ", "brand": " José & Co "},
         {"name": "Zoë's Lamp 東京", "brand": "José & Co"}),
    # timestamps, keys, whole records
    rejected("updated_hour_25", {"updated_at": "2024-01-02T25:61:00Z"}, "updated_at_is_timestamp"),
    rejected("updated_day_first", {"updated_at": "02/01/2024"}, "updated_at_is_timestamp"),
    kept("id_padded_lower", {"product_id": " p000123"}, {"product_id": "P000123"}),
    rejected("product_id_whitespace", {"product_id": "  "}, "product_id_present", business_key="  "),
    rejected("malformed_line", {"product_id": "P000009"}, "malformed_record", business_key="P000009",
             corrupt='P000009,Red Lamp,"Home'),
    kept("unexpected_column", {}, warnings=("unexpected_columns",), rescued=PROMO),
]

DAY_ONE = date(2024, 1, 1)
DEDUPE_ROWS = [
    bronze_row(PRODUCTS, "dup-sameday-a-0800", day=DAY_ONE, product_id="P-SAMEDAY", unit_price="10.00",
               updated_at="2024-01-01T08:00:00Z"),
    bronze_row(PRODUCTS, "dup-sameday-b-0900", day=DAY_ONE, product_id="P-SAMEDAY", unit_price="12.00",
               updated_at="2024-01-01T09:00:00Z"),
    bronze_row(PRODUCTS, "dup-versions-day1", day=DAY_ONE, product_id="P-VERSIONS", updated_at="2024-01-01T08:00:00Z"),
    bronze_row(PRODUCTS, "dup-versions-day2", product_id="P-VERSIONS", is_active="false", updated_at="2024-01-02T08:00:00Z"),
    bronze_row(PRODUCTS, "dup-in-silver", product_id="P-KNOWN", updated_at="2024-01-01T07:00:00Z"),
]
DEDUPE_OUTCOMES = {
    "dup-sameday-a-0800": ("duplicate", "older version of product_id=P-SAMEDAY; a newer one landed the same day"),
    "dup-sameday-b-0900": ("silver", None),
    "dup-versions-day1": ("silver", None),
    "dup-versions-day2": ("silver", None),
    "dup-in-silver": ("duplicate",
                      "product_id=P-KNOWN, updated_at=2024-01-01 07:00:00 is already in silver (landed 2023-12-31)"),
}


@pytest.fixture(scope="module")
def outcome(spark) -> Outcome:
    rows = [case.bronze(PRODUCTS) for case in CASES] + DEDUPE_ROWS
    earlier = spark.createDataFrame([("P-KNOWN", datetime(2024, 1, 1, 7, 0, 0), date(2023, 12, 31))],
                                    "product_id string, updated_at timestamp, _ingest_date date")
    return run_silver(spark, PRODUCTS, rows, earlier=earlier)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_case_outcome(outcome: Outcome, case):
    assert_case(outcome, PRODUCTS, case)


def test_reconciliation(outcome: Outcome):
    kept_cases = sum(1 for case in CASES if isinstance(case.expected, Kept))
    buckets = [bucket for bucket, _ in DEDUPE_OUTCOMES.values()]
    assert outcome.counts == {
        "silver": kept_cases + buckets.count("silver"),
        "quarantined": len(CASES) - kept_cases,
        "duplicate": buckets.count("duplicate"),
    }


@pytest.mark.parametrize("case", list(DEDUPE_OUTCOMES), ids=str)
def test_versions_and_duplicates(outcome: Outcome, case: str):
    bucket, reason = DEDUPE_OUTCOMES[case]
    source_row = next(row for row in DEDUPE_ROWS if row["_source_file"] == case)
    if bucket == "silver":
        row = outcome.kept(case)
        landed = (source_row["product_id"], Decimal(source_row["unit_price"]), source_row["is_active"] == "true")
        assert (row["product_id"], row["unit_price"], row["is_active"]) == landed
        return
    row = outcome.rejected(case)
    assert (row["disposition"], row["failed_rules"], row["reason"], row["business_key"]) == (
        "duplicate", ["duplicate"], reason, source_row["product_id"]
    )
