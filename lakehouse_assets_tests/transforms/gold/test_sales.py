"""Gold transforms on hand-built silver rows with known answers."""

from datetime import date, datetime
from decimal import Decimal

from lakehouse_assets.transforms.gold.sales import daily_sales_summary, dim_products

PRODUCTS = (
    "product_id string, name string, category string, subcategory string, brand string, unit_price decimal(12,2), "
    "unit_cost decimal(12,2), unit_margin decimal(14,2), is_active boolean, updated_at timestamp, _ingest_date date"
)
TRANSACTIONS = (
    "transaction_id string, customer_id string, product_id string, quantity int, total_amount decimal(14,2), "
    "channel string, status string, transaction_date date, _ingest_date date"
)


def products(spark):
    return spark.createDataFrame(
        [
            (
                "P1",
                "Desk",
                "Home & Garden",
                "Furniture",
                "Acme",
                Decimal("100.00"),
                Decimal("60.00"),
                Decimal("40.00"),
                True,
                datetime(2024, 1, 1, 8),
                date(2024, 1, 1),
            ),
            # A later version of P1 renames and reprices it: the dimension keeps the newest.
            (
                "P1",
                "Standing Desk",
                "Home & Garden",
                "Furniture",
                "Acme",
                Decimal("120.00"),
                Decimal("60.00"),
                Decimal("60.00"),
                True,
                datetime(2024, 1, 2, 9),
                date(2024, 1, 2),
            ),
            (
                "P2",
                "Novel",
                "Books",
                "Fiction",
                "Pages",
                Decimal("10.00"),
                Decimal("4.00"),
                Decimal("6.00"),
                False,
                datetime(2024, 1, 1, 8),
                date(2024, 1, 1),
            ),
        ],
        PRODUCTS,
    )


def test_dim_products_keeps_the_current_version_with_its_category_path(spark):
    rows = {r.product_id: r.asDict() for r in dim_products(products(spark)).collect()}
    assert rows["P1"] == {
        "product_id": "P1",
        "name": "Standing Desk",
        "brand": "Acme",
        "category": "Home & Garden",
        "subcategory": "Furniture",
        "category_path": "Home & Garden > Furniture",
        "unit_price": Decimal("120.00"),
        "unit_cost": Decimal("60.00"),
        "unit_margin": Decimal("60.00"),
        "margin_rate": Decimal("0.5000"),
        "is_active": True,
        "valid_since": datetime(2024, 1, 2, 9),
        "version_count": 2,
    }
    assert (rows["P2"]["category_path"], rows["P2"]["version_count"], rows["P2"]["is_active"]) == (
        "Books > Fiction",
        1,
        False,
    )


def test_daily_summary_counts_sales_refunds_and_late_rows_by_business_date(spark):
    d1, d2 = date(2024, 1, 1), date(2024, 1, 2)
    transactions = spark.createDataFrame(
        [
            ("T1", "C1", "P1", 2, Decimal("200.00"), "online", "completed", d1, d1),
            ("T2", "C2", "P1", 1, Decimal("100.00"), "online", "refunded", d1, d1),
            ("T3", "C1", "P1", 1, Decimal("100.00"), "online", "cancelled", d1, d1),
            ("T4", "C3", "P1", 3, Decimal("300.00"), "online", "pending", d1, d1),
            # Late: sold on day 1, landed on day 2; it still counts for day 1.
            ("T5", "C3", "P1", 1, Decimal("100.00"), "online", "completed", d1, d2),
            ("T6", "C1", "P2", 4, Decimal("40.00"), "store", "completed", d1, d1),
            ("T7", "C9", "P404", 1, Decimal("5.00"), "store", "completed", d2, d2),
        ],
        TRANSACTIONS,
    )
    rows = sorted(
        tuple(r)
        for r in daily_sales_summary(transactions, products(spark))
        .select(
            "transaction_date",
            "channel",
            "category",
            "orders",
            "units",
            "gross_revenue",
            "refunded_amount",
            "cancelled_amount",
            "pending_amount",
            "distinct_customers",
            "net_revenue",
            "avg_order_value",
        )
        .collect()
    )
    assert rows == [
        (
            d1,
            "online",
            "Home & Garden",
            3,
            4,
            Decimal("400.00"),
            Decimal("100.00"),
            Decimal("100.00"),
            Decimal("300.00"),
            3,
            Decimal("300.00"),
            Decimal("133.33"),
        ),
        (
            d1,
            "store",
            "Books",
            1,
            4,
            Decimal("40.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            1,
            Decimal("40.00"),
            Decimal("40.00"),
        ),
        # A product silver does not know is reported under Unknown, never dropped.
        (
            d2,
            "store",
            "Unknown",
            1,
            1,
            Decimal("5.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            1,
            Decimal("5.00"),
            Decimal("5.00"),
        ),
    ]


def test_a_day_with_only_cancelled_orders_has_zero_sales_and_no_average(spark):
    d1 = date(2024, 1, 1)
    transactions = spark.createDataFrame(
        [("T1", "C1", "P2", 1, Decimal("10.00"), "mobile", "cancelled", d1, d1)], TRANSACTIONS
    )
    row = daily_sales_summary(transactions, products(spark)).first()
    assert (row.orders, row.units, row.gross_revenue, row.cancelled_amount, row.net_revenue, row.avg_order_value) == (
        0,
        0,
        Decimal("0.00"),
        Decimal("10.00"),
        Decimal("0.00"),
        None,
    )
