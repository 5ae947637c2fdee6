"""The transactions bad-input corpus: hand-written cases plus deduplication rows, landed as one frame.

Landing day 2024-01-02 (the deduplication rows partly on 2024-01-01); known customers C0000001 and
C0000042, known product P000001. A kept case is the clean silver row with a few columns changed; a
rejected case fails exactly the listed rules, in catalogue order.
"""

from datetime import date, datetime
from decimal import Decimal

from pyspark.sql import DataFrame, SparkSession

from lakehouse_assets.contracts import TRANSACTIONS
from lakehouse_assets_tests.transforms.silver.support import bronze_row, id_frame, kept, rejected

PROMO = '{"promo_code":"SPRING10"}'
ONLY_KEY = dict.fromkeys(
    (
        "customer_id",
        "product_id",
        "quantity",
        "unit_price",
        "currency",
        "payment_method",
        "channel",
        "status",
        "transaction_ts",
    )
)

CASES = [
    kept("clean", {}),
    # money
    kept(
        "money_as_text",
        {"unit_price": "$1,234.50", "quantity": "1"},
        {"unit_price": Decimal("1234.50"), "quantity": 1, "total_amount": Decimal("1234.50")},
    ),
    kept("money_euro_sign", {"unit_price": "€3"}, {"unit_price": Decimal("3.00"), "total_amount": Decimal("6.00")}),
    kept(
        "money_pound_padded",
        {"unit_price": " £ 7.5 "},
        {"unit_price": Decimal("7.50"), "total_amount": Decimal("15.00")},
    ),
    kept("money_minus_zero", {"unit_price": "-0"}, {"unit_price": Decimal("0.00"), "total_amount": Decimal("0.00")}),
    kept(
        "money_rounds_half_up",
        {"unit_price": "12.345"},
        {"unit_price": Decimal("12.35"), "total_amount": Decimal("24.70")},
    ),
    kept(
        "money_widest",
        {"unit_price": "9999999999.99", "quantity": "1"},
        {"unit_price": Decimal("9999999999.99"), "quantity": 1, "total_amount": Decimal("9999999999.99")},
    ),
    rejected("money_scientific", {"unit_price": "1e30"}, "unit_price_is_amount"),
    rejected("money_too_wide", {"unit_price": "99999999999"}, "unit_price_is_amount"),
    rejected("money_word", {"unit_price": "free"}, "unit_price_is_amount"),
    rejected("money_two_points", {"unit_price": "1.2.3"}, "unit_price_is_amount"),
    rejected("money_negative", {"unit_price": "-12.34"}, "unit_price_not_negative"),
    rejected("money_blank", {"unit_price": "  "}, "unit_price_present"),
    rejected("money_null", {"unit_price": None}, "unit_price_present"),
    # quantity
    kept("quantity_padded_plus", {"quantity": " +3 "}, {"quantity": 3, "total_amount": Decimal("29.97")}),
    rejected("quantity_word", {"quantity": "three"}, "quantity_is_integer"),
    rejected("quantity_decimal", {"quantity": "12.5"}, "quantity_is_integer"),
    rejected("quantity_beyond_int", {"quantity": "99999999999"}, "quantity_is_integer"),
    rejected("quantity_minus_zero", {"quantity": "-0"}, "quantity_at_least_one"),
    rejected("quantity_zero", {"quantity": "0"}, "quantity_at_least_one"),
    rejected("quantity_negative", {"quantity": "-3"}, "quantity_at_least_one"),
    rejected("quantity_empty", {"quantity": ""}, "quantity_present"),
    rejected("quantity_whitespace", {"quantity": "   "}, "quantity_present"),
    rejected("quantity_null", {"quantity": None}, "quantity_present"),
    # categorical columns: padded or mis-cased values standardize, unknown ones are rejected
    kept("currency_padded_lower", {"currency": "usd "}, {"currency": "USD"}),
    kept("currency_lower", {"currency": "eur"}, {"currency": "EUR"}),
    rejected("currency_unknown", {"currency": "JPY"}, "currency_allowed"),
    rejected("currency_symbol", {"currency": "$"}, "currency_allowed"),
    rejected("currency_empty", {"currency": ""}, "currency_present"),
    kept("payment_padded_title", {"payment_method": " Credit Card "}, {"payment_method": "credit_card"}),
    kept("payment_upper_hyphen", {"payment_method": "CREDIT-CARD"}, {"payment_method": "credit_card"}),
    kept("payment_double_space", {"payment_method": "Bank  Transfer"}, {"payment_method": "bank_transfer"}),
    rejected("payment_unknown", {"payment_method": "bitcoin"}, "payment_method_allowed"),
    kept("channel_upper", {"channel": "ONLINE"}, {"channel": "online"}),
    kept("channel_padded_title", {"channel": " Store"}, {"channel": "store"}),
    rejected("channel_unknown", {"channel": "fax"}, "channel_allowed"),
    kept("status_padded_title", {"status": " Completed "}, {"status": "completed"}),
    rejected("status_unknown", {"status": "shipped"}, "status_allowed"),
    rejected("status_null", {"status": None}, "status_present"),
    # timestamps (the session time zone is UTC)
    kept("ts_space_separated", {"transaction_ts": "2024-01-02 10:00:00"}),
    kept("ts_without_zone", {"transaction_ts": "2024-01-02T10:00:00"}),
    kept("ts_padded", {"transaction_ts": " 2024-01-02T10:00:00Z "}),
    kept(
        "ts_landing_midnight",
        {"transaction_ts": "2024-01-02T00:00:00Z"},
        {"transaction_ts": datetime(2024, 1, 2, 0, 0, 0)},
    ),
    kept(
        "ts_last_second_of_landing_day",
        {"transaction_ts": "2024-01-02T23:59:59Z"},
        {"transaction_ts": datetime(2024, 1, 2, 23, 59, 59)},
    ),
    kept(
        "late_arriving",
        {"transaction_ts": "2024-01-01T23:00:00Z"},
        {
            "transaction_ts": datetime(2024, 1, 1, 23, 0, 0),
            "transaction_date": date(2024, 1, 1),
            "is_late_arriving": True,
        },
        warnings=("late_arriving",),
    ),
    kept(
        "late_by_months",
        {"transaction_ts": "2023-06-01T00:00:00Z"},
        {
            "transaction_ts": datetime(2023, 6, 1, 0, 0, 0),
            "transaction_date": date(2023, 6, 1),
            "is_late_arriving": True,
        },
        warnings=("late_arriving",),
    ),
    rejected("ts_month_13_hour_25", {"transaction_ts": "2024-13-45 25:61:00"}, "transaction_ts_is_timestamp"),
    rejected("ts_word", {"transaction_ts": "not-a-date"}, "transaction_ts_is_timestamp"),
    rejected("ts_day_first", {"transaction_ts": "02/01/2024"}, "transaction_ts_is_timestamp"),
    rejected("ts_hour_25", {"transaction_ts": "2024-01-02T25:61:00Z"}, "transaction_ts_is_timestamp"),
    rejected("ts_february_30", {"transaction_ts": "2024-02-30T10:00:00Z"}, "transaction_ts_is_timestamp"),
    rejected("ts_day_after_landing", {"transaction_ts": "2024-01-03T00:00:00Z"}, "transaction_ts_not_in_future"),
    rejected("ts_null", {"transaction_ts": None}, "transaction_ts_present"),
    # ids and references
    kept(
        "ids_padded_lower",
        {"transaction_id": " t-padded ", "customer_id": " c0000042", "product_id": "p000001 "},
        {"transaction_id": "T-PADDED", "customer_id": "C0000042"},
    ),
    # Ids are A-Z, 0-9, '_' and '-' (the silver schema's pattern); an id with other characters is not upper-cased.
    rejected("unicode_id", {"transaction_id": "t-zoë-東京"}, "transaction_id_well_formed", business_key="t-zoë-東京"),
    rejected("transaction_id_null", {"transaction_id": None}, "transaction_id_present", business_key=None),
    rejected("transaction_id_whitespace", {"transaction_id": "   "}, "transaction_id_present", business_key="   "),
    rejected("customer_id_whitespace", {"customer_id": "   "}, "customer_id_present"),
    rejected("customer_id_null", {"customer_id": None}, "customer_id_present"),
    rejected("product_id_null", {"product_id": None}, "product_id_present"),
    rejected("unknown_customer", {"customer_id": "C9000001"}, "customer_known"),
    rejected("unknown_customer_padded_lower", {"customer_id": " c9000001 "}, "customer_known"),
    rejected("unknown_product", {"product_id": "P900001"}, "product_known"),
    rejected("unknown_both", {"customer_id": "C9000001", "product_id": "P900001"}, "customer_known", "product_known"),
    # several problems at once, whole-record problems
    rejected(
        "several_failures",
        {"quantity": "0", "currency": "JPY", "status": ""},
        "quantity_at_least_one",
        "currency_allowed",
        "status_present",
    ),
    rejected(
        "only_the_key",
        ONLY_KEY,
        "customer_id_present",
        "product_id_present",
        "quantity_present",
        "unit_price_present",
        "currency_present",
        "payment_method_present",
        "channel_present",
        "status_present",
        "transaction_ts_present",
    ),
    rejected("malformed_line", {}, "malformed_record", business_key=None, corrupt='T3,C3,"unterminated'),
    rejected(
        "malformed_line_partly_parsed",
        {"transaction_id": "t-partial", "customer_id": "C9000001", "quantity": "zero"},
        "malformed_record",
        business_key="T-PARTIAL",
        corrupt="t-partial,C9000001,zero",
    ),
    kept("unexpected_column", {}, warnings=("unexpected_columns",), rescued=PROMO),
    kept(
        "late_with_unexpected_column",
        {"transaction_ts": "2024-01-01T08:00:00Z"},
        {
            "transaction_ts": datetime(2024, 1, 1, 8, 0, 0),
            "transaction_date": date(2024, 1, 1),
            "is_late_arriving": True,
        },
        warnings=("late_arriving", "unexpected_columns"),
        rescued=PROMO,
    ),
]

DAY_ONE = date(2024, 1, 1)
TS_DAY_ONE = "2024-01-01T09:00:00Z"
# Deduplication rows, in the same frame. Case names sort in file order, the last tiebreak.
DEDUPE_ROWS = [
    bronze_row(TRANSACTIONS, "dup-exact-a", day=DAY_ONE, transaction_id="TX-EXACT", transaction_ts=TS_DAY_ONE),
    bronze_row(TRANSACTIONS, "dup-exact-b", day=DAY_ONE, transaction_id="TX-EXACT", transaction_ts=TS_DAY_ONE),
    bronze_row(
        TRANSACTIONS,
        "dup-settle-a-pending",
        day=DAY_ONE,
        transaction_id="TX-SETTLE",
        status="pending",
        transaction_ts=TS_DAY_ONE,
    ),
    bronze_row(
        TRANSACTIONS,
        "dup-settle-b-completed",
        day=DAY_ONE,
        transaction_id="TX-SETTLE",
        status="completed",
        transaction_ts=TS_DAY_ONE,
    ),
    bronze_row(
        TRANSACTIONS,
        "dup-refund-a-completed",
        day=DAY_ONE,
        transaction_id="TX-REFUND",
        status="completed",
        transaction_ts=TS_DAY_ONE,
    ),
    bronze_row(
        TRANSACTIONS,
        "dup-refund-b-refunded",
        day=DAY_ONE,
        transaction_id="TX-REFUND",
        status="refunded",
        transaction_ts=TS_DAY_ONE,
    ),
    bronze_row(TRANSACTIONS, "dup-twice-day1", day=DAY_ONE, transaction_id="TX-TWICE", transaction_ts=TS_DAY_ONE),
    bronze_row(TRANSACTIONS, "dup-twice-day2", transaction_id="TX-TWICE", transaction_ts=TS_DAY_ONE),
    bronze_row(TRANSACTIONS, "dup-in-silver", transaction_id="TX-OLD"),
    bronze_row(
        TRANSACTIONS,
        "dup-rejected-a",
        day=DAY_ONE,
        transaction_id="TX-REJECTED",
        quantity="0",
        transaction_ts=TS_DAY_ONE,
    ),
    bronze_row(
        TRANSACTIONS,
        "dup-rejected-b",
        day=DAY_ONE,
        transaction_id="TX-REJECTED",
        quantity="0",
        transaction_ts=TS_DAY_ONE,
    ),
]
# Silver rows of partitions before the run's window.
EARLIER = [("TX-OLD", date(2023, 12, 31)), ("TX-OLD", date(2023, 12, 30)), ("TX-UNRELATED", date(2023, 12, 30))]
DEDUPE_OUTCOMES = {
    "dup-exact-a": ("silver", None),
    "dup-exact-b": ("duplicate", "exact duplicate of a record in the same drop"),
    "dup-settle-a-pending": ("duplicate", "older version of transaction_id=TX-SETTLE; a newer one landed the same day"),
    "dup-settle-b-completed": ("silver", None),
    "dup-refund-a-completed": (
        "duplicate",
        "older version of transaction_id=TX-REFUND; a newer one landed the same day",
    ),
    "dup-refund-b-refunded": ("silver", None),
    "dup-twice-day1": ("silver", None),
    "dup-twice-day2": ("duplicate", "transaction_id=TX-TWICE already landed on 2024-01-01"),
    "dup-in-silver": ("duplicate", "transaction_id=TX-OLD is already in silver (landed 2023-12-30)"),
    # Rules run before deduplication: both copies of a rejected record are quarantined.
    "dup-rejected-a": ("quarantined", "quantity_at_least_one: quantity is below 1"),
    "dup-rejected-b": ("quarantined", "quantity_at_least_one: quantity is below 1"),
}


def bronze_rows() -> list[dict]:
    return [case.bronze(TRANSACTIONS) for case in CASES] + DEDUPE_ROWS


def references(spark: SparkSession) -> dict:
    return {
        "customers": id_frame(spark, "customer_id", ["C0000001", "C0000042"]),
        "products": id_frame(spark, "product_id", ["P000001"]),
    }


def earlier_frame(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame(EARLIER, "transaction_id string, _ingest_date date")
