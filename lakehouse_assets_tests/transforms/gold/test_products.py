"""Product performance on hand-built silver transactions and product dimension rows with known answers."""

from datetime import date
from decimal import Decimal

from lakehouse_assets.transforms.gold.products import TRAILING_DAYS, product_performance

TRANSACTIONS = (
    "transaction_id string, customer_id string, product_id string, quantity int, total_amount decimal(14,2), "
    "channel string, status string, transaction_date date, _ingest_date date"
)
DIM_PRODUCTS = "product_id string, category string, unit_cost decimal(12,2)"
COLUMNS = (
    "transaction_date",
    "product_id",
    "category",
    "units",
    "revenue",
    "margin",
    "rank_in_category",
    "share_of_category_revenue",
    "trailing_7d_revenue",
)
START, END = "2024-01-10", "2024-01-12"


def D(value: str) -> Decimal:
    return Decimal(value)


def dim(spark):
    return spark.createDataFrame(
        [
            ("P1", "Books", D("4.00")),
            ("P2", "Books", D("6.00")),
            ("P3", "Toys", D("10.00")),
            ("P4", "Books", D("1.00")),
        ],
        DIM_PRODUCTS,
    )


def tx(tid, product_id, day, quantity, amount, status="completed"):
    return (tid, "C1", product_id, quantity, D(amount), "online", status, day, day)


def transactions(spark):
    d = lambda day: date(2024, 1, day)  # noqa: E731
    return spark.createDataFrame(
        [
            tx("T01", "P1", d(3), 1, "10.00"),  # 7 days before 2024-01-10: outside its trailing window
            tx("T02", "P1", d(4), 2, "20.00"),  # 6 days before 2024-01-10: inside it
            tx("T03", "P1", d(10), 3, "30.00"),
            tx("T04", "P1", d(10), 1, "10.00"),
            tx("T05", "P1", d(10), 5, "50.00", "refunded"),
            tx("T06", "P1", d(10), 5, "50.00", "cancelled"),
            tx("T07", "P1", d(10), 5, "50.00", "pending"),
            tx("T08", "P2", d(10), 2, "15.00"),
            tx("T09", "P4", d(10), 1, "15.00"),
            tx("T10", "P3", d(10), 1, "15.00"),
            tx("T11", "P9", d(10), 1, "7.00"),  # not in dim_products
            tx("T12", "P1", d(11), 1, "10.00"),
            tx("T13", "P1", d(12), 1, "10.00"),  # on `end`: excluded
            tx("T14", "P2", d(9), 1, "99.00"),  # the day before `start`: no row, but in P2's trailing revenue
        ],
        TRANSACTIONS,
    )


def test_product_performance_per_product_and_day(spark):
    frame = product_performance(transactions(spark), dim(spark), START, END)
    rows = sorted(tuple(r) for r in frame.select(*COLUMNS).collect())
    d10, d11 = date(2024, 1, 10), date(2024, 1, 11)
    assert rows == [
        # Books on 2024-01-10 sell 40 + 15 + 15 = 70: P2 and P4 tie for rank 2 (dense rank).
        (d10, "P1", "Books", 4, D("40.00"), D("24.00"), 1, D("0.5714"), D("60.00")),
        (d10, "P2", "Books", 2, D("15.00"), D("3.00"), 2, D("0.2143"), D("114.00")),
        (d10, "P3", "Toys", 1, D("15.00"), D("5.00"), 1, D("1.0000"), D("15.00")),
        (d10, "P4", "Books", 1, D("15.00"), D("14.00"), 2, D("0.2143"), D("15.00")),
        (d10, "P9", "Unknown", 1, D("7.00"), None, 1, D("1.0000"), D("7.00")),
        # The 7 days ending 2024-01-11 start on 2024-01-05, so 2024-01-04's 20.00 has dropped out.
        (d11, "P1", "Books", 1, D("10.00"), D("6.00"), 1, D("1.0000"), D("50.00")),
    ]
    types = dict(frame.dtypes)
    assert (types["units"], types["revenue"], types["margin"], types["trailing_7d_revenue"]) == (
        "bigint",
        "decimal(14,2)",
        "decimal(14,2)",
        "decimal(14,2)",
    )
    assert TRAILING_DAYS == 7


def test_a_rank_below_a_tie_is_the_next_integer(spark):
    d = date(2024, 1, 10)
    frame = spark.createDataFrame(
        [tx("T1", "P1", d, 1, "30.00"), tx("T2", "P2", d, 1, "30.00"), tx("T3", "P4", d, 1, "5.00")], TRANSACTIONS
    )
    ranks = {r.product_id: r.rank_in_category for r in product_performance(frame, dim(spark), START, END).collect()}
    assert ranks == {"P1": 1, "P2": 1, "P4": 2}


def test_days_with_only_non_completed_sales_have_no_row(spark):
    d = date(2024, 1, 10)
    frame = spark.createDataFrame(
        [tx("T1", "P1", d, 1, "30.00", status) for status in ("refunded", "cancelled", "pending")], TRANSACTIONS
    )
    assert product_performance(frame, dim(spark), START, END).count() == 0


# Regression: a category-day totalling 0.00 once divided by zero and failed the partition (ANSI mode).
def test_a_category_day_with_zero_revenue_has_no_share(spark):
    d = date(2024, 1, 10)
    frame = spark.createDataFrame([tx("T1", "P3", d, 1, "0.00")], TRANSACTIONS)
    row = product_performance(frame, dim(spark), START, END).first()
    assert (row.revenue, row.rank_in_category, row.share_of_category_revenue) == (D("0.00"), 1, None)
