"""The products bad-input corpus: hand-written cases plus version and duplicate rows, landed as one frame.

Landing day 2024-01-02 (a few version rows landed on 2024-01-01). Products are versioned like
customers: one silver row per (product_id, updated_at).
"""

from datetime import date, datetime
from decimal import Decimal

from pyspark.sql import DataFrame, SparkSession

from lakehouse_assets.contracts import PRODUCTS
from lakehouse_assets_tests.transforms.silver.support import bronze_row, kept, rejected

PROMO = '{"referrer":"newsletter"}'
TRUE_TEXTS = ("yes", "1", "TRUE", " True ", "t", "Y")
FALSE_TEXTS = ("no", "0", "FALSE", "f", "N", "false")

CASES = [
    kept("clean", {}),
    # categories: canonical spelling whatever the case and spacing; the pair must fit the tree
    kept("category_lower", {"category": "electronics"}, {"category": "Electronics"}),
    kept(
        "category_spaced_upper",
        {"category": " HOME  &  GARDEN ", "subcategory": "kitchen"},
        {"category": "Home & Garden", "subcategory": "Kitchen"},
    ),
    kept(
        "subcategory_hyphen_upper",
        {"category": "books", "subcategory": "NON-FICTION"},
        {"category": "Books", "subcategory": "Non-Fiction"},
    ),
    kept("subcategory_missing", {"subcategory": None}, {"subcategory": None}),
    rejected("category_unknown", {"category": "Gadgets"}, "category_allowed", "subcategory_in_category"),
    rejected(
        "subcategory_of_other_category", {"category": "Books", "subcategory": "Laptops"}, "subcategory_in_category"
    ),
    rejected("category_blank", {"category": " "}, "category_present"),
    # booleans
    *[kept(f"is_active_true_{index}", {"is_active": text}) for index, text in enumerate(TRUE_TEXTS)],
    *[
        kept(f"is_active_false_{index}", {"is_active": text}, {"is_active": False})
        for index, text in enumerate(FALSE_TEXTS)
    ],
    rejected("is_active_maybe", {"is_active": "maybe"}, "is_active_is_boolean"),
    rejected("is_active_empty", {"is_active": ""}, "is_active_present"),
    # money
    kept(
        "money_as_text",
        {"unit_price": "$1,234.50", "unit_cost": "$12.00"},
        {"unit_price": Decimal("1234.50"), "unit_cost": Decimal("12.00"), "unit_margin": Decimal("1222.50")},
    ),
    kept(
        "money_minus_zero",
        {"unit_price": "-0", "unit_cost": "0"},
        {"unit_price": Decimal("0.00"), "unit_cost": Decimal("0.00"), "unit_margin": Decimal("0.00")},
    ),
    kept(
        "money_widest",
        {"unit_price": "9999999999.99", "unit_cost": "1"},
        {"unit_price": Decimal("9999999999.99"), "unit_cost": Decimal("1.00"), "unit_margin": Decimal("9999999998.99")},
    ),
    kept(
        "cost_above_price",
        {"unit_cost": "300.00"},
        {"unit_cost": Decimal("300.00"), "unit_margin": Decimal("-100.01")},
        warnings=("cost_not_above_price",),
    ),
    rejected("price_scientific", {"unit_price": "1e30"}, "unit_price_is_amount"),
    rejected("price_too_wide", {"unit_price": "99999999999"}, "unit_price_is_amount"),
    rejected("price_negative", {"unit_price": "-10.00"}, "unit_price_not_negative"),
    rejected("cost_negative", {"unit_cost": "-1.00"}, "unit_cost_not_negative"),
    rejected("cost_word", {"unit_cost": "cheap"}, "unit_cost_is_amount"),
    rejected("cost_null", {"unit_cost": None}, "unit_cost_present"),
    # text columns
    kept("name_missing", {"name": ""}, {"name": None}, warnings=("name_present",)),
    kept(
        "name_and_brand_unicode_padded",
        {"name": " Zoë's Lamp 東京 ", "brand": " José & Co "},
        {"name": "Zoë's Lamp 東京", "brand": "José & Co"},
    ),
    # timestamps, keys, whole records
    rejected("updated_hour_25", {"updated_at": "2024-01-02T25:61:00Z"}, "updated_at_is_timestamp"),
    rejected("updated_day_first", {"updated_at": "02/01/2024"}, "updated_at_is_timestamp"),
    kept("id_padded_lower", {"product_id": " p000123"}, {"product_id": "P000123"}),
    rejected("product_id_whitespace", {"product_id": "  "}, "product_id_present", business_key="  "),
    rejected(
        "malformed_line",
        {"product_id": "P000009"},
        "malformed_record",
        business_key="P000009",
        corrupt='P000009,Red Lamp,"Home',
    ),
    kept("unexpected_column", {}, warnings=("unexpected_columns",), rescued=PROMO),
]

DAY_ONE = date(2024, 1, 1)
DEDUPE_ROWS = [
    bronze_row(
        PRODUCTS,
        "dup-sameday-a-0800",
        day=DAY_ONE,
        product_id="P-SAMEDAY",
        unit_price="10.00",
        updated_at="2024-01-01T08:00:00Z",
    ),
    bronze_row(
        PRODUCTS,
        "dup-sameday-b-0900",
        day=DAY_ONE,
        product_id="P-SAMEDAY",
        unit_price="12.00",
        updated_at="2024-01-01T09:00:00Z",
    ),
    bronze_row(PRODUCTS, "dup-versions-day1", day=DAY_ONE, product_id="P-VERSIONS", updated_at="2024-01-01T08:00:00Z"),
    bronze_row(
        PRODUCTS, "dup-versions-day2", product_id="P-VERSIONS", is_active="false", updated_at="2024-01-02T08:00:00Z"
    ),
    bronze_row(PRODUCTS, "dup-in-silver", product_id="P-KNOWN", updated_at="2024-01-01T07:00:00Z"),
]
# Silver rows of partitions before the run's window.
EARLIER = [("P-KNOWN", datetime(2024, 1, 1, 7, 0, 0), date(2023, 12, 31))]
DEDUPE_OUTCOMES = {
    "dup-sameday-a-0800": ("duplicate", "older version of product_id=P-SAMEDAY; a newer one landed the same day"),
    "dup-sameday-b-0900": ("silver", None),
    "dup-versions-day1": ("silver", None),
    "dup-versions-day2": ("silver", None),
    "dup-in-silver": (
        "duplicate",
        "product_id=P-KNOWN, updated_at=2024-01-01 07:00:00 is already in silver (landed 2023-12-31)",
    ),
}


def bronze_rows() -> list[dict]:
    return [case.bronze(PRODUCTS) for case in CASES] + DEDUPE_ROWS


def earlier_frame(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame(EARLIER, "product_id string, updated_at timestamp, _ingest_date date")


def kept_version(landed: dict) -> dict:
    """What silver must hold of a version row that is kept, from the bronze row that landed it."""
    return {
        "product_id": landed["product_id"],
        "unit_price": Decimal(landed["unit_price"]),
        "is_active": landed["is_active"] == "true",
    }
