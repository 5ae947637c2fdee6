"""Weekly and monthly roll-ups of hand-built daily summary rows with known answers."""

from datetime import date
from decimal import Decimal

import pytest

from lakehouse_assets.transforms.gold.periods import monthly_sales_summary, weekly_sales_summary

# The columns of daily_sales_summary's output (transforms/gold/sales.py).
DAILY = (
    "transaction_date date, channel string, category string, orders long, units long, gross_revenue decimal(14,2), "
    "refunded_amount decimal(14,2), cancelled_amount decimal(14,2), pending_amount decimal(14,2), "
    "distinct_customers long, net_revenue decimal(14,2), avg_order_value decimal(14,2)"
)
MEASURES = (
    "orders",
    "units",
    "gross_revenue",
    "refunded_amount",
    "cancelled_amount",
    "pending_amount",
    "net_revenue",
    "days_with_sales",
    "avg_order_value",
)


def D(value: str) -> Decimal:
    return Decimal(value)


def daily(spark):
    z = D("0.00")
    return spark.createDataFrame(
        [
            # Sunday 2024-01-07 closes ISO week 2024-01-01; Monday 2024-01-08 opens week 2024-01-08.
            (
                date(2024, 1, 7),
                "online",
                "Books",
                2,
                3,
                D("30.00"),
                D("10.00"),
                D("5.00"),
                z,
                2,
                D("20.00"),
                D("15.00"),
            ),
            (date(2024, 1, 8), "online", "Books", 1, 1, D("10.00"), z, z, z, 1, D("10.00"), D("10.00")),
            (date(2024, 1, 9), "online", "Books", 2, 4, D("20.00"), z, z, D("7.50"), 2, D("20.00"), D("10.00")),
            # Two days whose own averages (50.00, 25.00) do not average to the week's 100.00 / 3 orders.
            (date(2024, 1, 10), "online", "Toys", 1, 1, D("50.00"), z, z, z, 1, D("50.00"), D("50.00")),
            (date(2024, 1, 11), "online", "Toys", 2, 2, D("50.00"), z, z, z, 2, D("50.00"), D("25.00")),
            # Wednesday 2024-01-31 and Thursday 2024-02-01: one ISO week (2024-01-29), two months.
            (date(2024, 1, 31), "online", "Books", 3, 3, D("100.00"), z, z, z, 3, D("100.00"), D("33.33")),
            (date(2024, 2, 1), "online", "Books", 1, 2, D("50.00"), D("50.00"), z, z, 1, z, D("50.00")),
        ],
        DAILY,
    )


def rows(frame, period: str) -> list[tuple]:
    return sorted(tuple(r) for r in frame.select(period, "channel", "category", *MEASURES).collect())


def test_weekly_summary_starts_weeks_on_monday_and_sums_the_days(spark):
    z = D("0.00")
    assert rows(weekly_sales_summary(daily(spark)), "week_start") == [
        (date(2024, 1, 1), "online", "Books", 2, 3, D("30.00"), D("10.00"), D("5.00"), z, D("20.00"), 1, D("15.00")),
        (date(2024, 1, 8), "online", "Books", 3, 5, D("30.00"), z, z, D("7.50"), D("30.00"), 2, D("10.00")),
        (date(2024, 1, 8), "online", "Toys", 3, 3, D("100.00"), z, z, z, D("100.00"), 2, D("33.33")),
        (date(2024, 1, 29), "online", "Books", 4, 5, D("150.00"), D("50.00"), z, z, D("100.00"), 2, D("37.50")),
    ]


def test_monthly_summary_starts_months_on_the_first_and_sums_the_days(spark):
    z = D("0.00")
    assert rows(monthly_sales_summary(daily(spark)), "month_start") == [
        (
            date(2024, 1, 1),
            "online",
            "Books",
            8,
            11,
            D("160.00"),
            D("10.00"),
            D("5.00"),
            D("7.50"),
            D("150.00"),
            4,
            D("20.00"),
        ),
        (date(2024, 1, 1), "online", "Toys", 3, 3, D("100.00"), z, z, z, D("100.00"), 2, D("33.33")),
        (date(2024, 2, 1), "online", "Books", 1, 2, D("50.00"), D("50.00"), z, z, z, 1, D("50.00")),
    ]


@pytest.mark.parametrize(
    "summary, period", [(weekly_sales_summary, "week_start"), (monthly_sales_summary, "month_start")]
)
def test_period_totals_equal_the_daily_totals_and_keep_the_gold_types(spark, summary, period):
    days = daily(spark)
    rolled = summary(days)
    additive = (
        "orders",
        "units",
        "gross_revenue",
        "refunded_amount",
        "cancelled_amount",
        "pending_amount",
        "net_revenue",
    )
    assert rolled.groupBy().sum(*additive).first() == days.groupBy().sum(*additive).first()
    types = dict(rolled.dtypes)
    assert types[period] == "date"
    assert (types["orders"], types["units"], types["days_with_sales"]) == ("bigint", "bigint", "bigint")
    assert {types[c] for c in additive[2:] + ("avg_order_value",)} == {"decimal(14,2)"}
    # Distinct customers do not add up across days, so they are not carried to periods.
    assert "distinct_customers" not in rolled.columns


def test_a_period_with_no_daily_rows_has_no_row(spark):
    assert weekly_sales_summary(spark.createDataFrame([], DAILY)).count() == 0


def cancelled_only(spark):
    """A store that only had cancelled orders, on two days of one week and month: daily_sales_summary
    still emits a row for each day, with orders 0 and avg_order_value NULL."""
    z = D("0.00")
    return spark.createDataFrame(
        [
            (date(2024, 1, 9), "store", "Books", 0, 0, z, z, D("12.00"), z, 0, z, None),
            (date(2024, 1, 10), "store", "Books", 0, 0, z, z, D("3.00"), z, 0, z, None),
        ],
        DAILY,
    )


@pytest.mark.parametrize(
    "summary, period, start",
    [
        (weekly_sales_summary, "week_start", date(2024, 1, 8)),
        (monthly_sales_summary, "month_start", date(2024, 1, 1)),
    ],
)
def test_a_period_without_orders_has_zero_sales_and_no_average(spark, summary, period, start):
    z = D("0.00")
    row = (
        summary(cancelled_only(spark))
        .select(period, "channel", "category", *MEASURES)
        .drop("days_with_sales")
        .collect()
    )
    assert [tuple(r) for r in row] == [(start, "store", "Books", 0, 0, z, z, D("15.00"), z, z, None)]


# Regression: days whose orders were all cancelled or pending once counted as days with sales.
@pytest.mark.parametrize("summary", [weekly_sales_summary, monthly_sales_summary])
def test_days_without_sales_are_not_days_with_sales(spark, summary):
    assert summary(cancelled_only(spark)).first().days_with_sales == 0
