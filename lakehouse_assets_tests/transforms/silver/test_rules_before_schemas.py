"""Every value the blocking silver schema would reject is quarantined by a rule first.

Hostile values per column (Unicode whitespace, look-alike letters, emoji, quotes, control
characters, huge numbers, NaN, years 0001 and 9999, offsets, fractions …) run through the real
silver pipeline, with customers and products that resolve. The silver slice must then pass the
pandera schema without a single failure (the check that blocks gold), each hostile row must be
quarantined by a rule of its column, and the valid ISO 8601 forms must parse to the exact UTC time.
Landing day 2024-01-02.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest

from lakehouse_assets.checks.schemas import schema_failures, silver_schema
from lakehouse_assets.contracts import BUSINESS_KEYS, CUSTOMERS, PRODUCTS, SOURCES, TRANSACTIONS
from lakehouse_assets.rules import RULES
from lakehouse_assets.transforms.silver.pipeline import evaluate_source, split
from lakehouse_assets_tests.transforms.silver.support import (
    CLEAN_SILVER,
    Outcome,
    bronze_frame,
    bronze_row,
    collect_outcome,
    id_frame,
)

CYRILLIC_C, CYRILLIC_P, CYRILLIC_T = "\u0421", "\u0420", "\u0422"  # look like C, P, T
NBSP, FIGURE_SPACE, NARROW_NBSP, ZWSP, BOM, IDEOGRAPHIC_SPACE = (
    "\u00a0",
    "\u2007",
    "\u202f",
    "\u200b",
    "\ufeff",
    "\u3000",
)
LONG = 5000

# Text no id, code or number may be: each is quarantined by a rule of the column it lands in.
TEXT_HOSTILE = (
    f"{NBSP}",
    "\t",
    f"{ZWSP}x",
    "x\u0007",
    "x\x00y",
    "\U0001f642",
    "'quoted'",
    '"q"',
    "back\\slash",
    "Ｆｕｌｌｗｉｄｔｈ",
    f"lo{CYRILLIC_C}k",
    "x" * LONG,
    "e\u0301",
)
NUMBER_HOSTILE = ("NaN", "Infinity", "-Infinity", "1e3", "0x10", "1_000", "１２", "\u0661\u0662", "12,50", "1,2,3")
TIMESTAMP_HOSTILE = (
    "2024-01-02",
    "2024-01-02T10:00",
    "2024-01-02T10:00:00.1234567890Z",
    "2024-01-02T10:00:00 +02:00",
    "2024-01-02T10:00:00UTC",
    "2024-01-02T10:00:00+25:00",
    "2024-01-02T10:00:00+2:00",
    "2024-01-02T24:00:00Z",
    "2024-01-02T10:00:60Z",
    "02/01/2024 10:00:00",
    "1704189600",
    "２０２４-01-02T10:00:00Z",
    f"{NBSP}2024-01-02T10:00:00Z",
    "2024-01-02T10:00:00Z\n",
    "+2024-01-02T10:00:00Z",
    "12024-01-02T10:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "1899-12-31T23:59:59.999999Z",
    "2100-01-01T00:00:00Z",
)
ID_HOSTILE = (
    f"{CYRILLIC_C}0000001",
    "C 001",
    "C\t001",
    f"C{ZWSP}001",
    "C-\U0001f642",
    "C'1",
    'C"1',
    "C\\1",
    "C\x07",
    "-C1",
    "_C1",
    "c\u0131-1",
    "c\u00df",
    "Ｃ１",
    "C\u0301",
    "C.1",
    "C/1",
)

# column -> hostile values; each row is quarantined by a rule that names the column.
HOSTILE: dict[str, dict[str, tuple[str, ...]]] = {
    TRANSACTIONS: {
        "transaction_id": ID_HOSTILE,
        "customer_id": (*ID_HOSTILE, "C0000002", f"{NBSP}{FIGURE_SPACE}"),
        "product_id": (*ID_HOSTILE, "P000002"),
        "quantity": (
            *NUMBER_HOSTILE,
            "0",
            "-0",
            "-3",
            "2147483648",
            "99999999999999999999",
            "1.0",
            "+-1",
            "12 34",
            f"{NBSP}12",
            "",
        ),
        "unit_price": (*NUMBER_HOSTILE, "-5", "$-5", "1e30", "9999999999.995", "99999999999", "1.2.3", ""),
        "currency": (*TEXT_HOSTILE, "usd\t", f"USD{NBSP}", "ＵＳＤ", "US D", "JPY", ""),
        "payment_method": (*TEXT_HOSTILE, f"credit{NBSP}card", "paypal\U0001f642", ""),
        "channel": (*TEXT_HOSTILE, "ONL\u0130NE", f"online{ZWSP}", ""),
        "status": (*TEXT_HOSTILE, f"completed{ZWSP}", "shipped", ""),
        "transaction_ts": (*TIMESTAMP_HOSTILE, "2024-02-30T10:00:00Z", "2024-01-03T00:00:00Z", "", "\t"),
    },
    CUSTOMERS: {
        "customer_id": (*ID_HOSTILE, f"{NBSP}{ZWSP}", ""),
        "email": (
            *TEXT_HOSTILE,
            "ANA@EXAMPLE.COM\t",
            f"ana@ex{chr(0x0430)}mple.com",
            "ana@@example.com",
            '"ana"@example.com',
            "ana@example.com\U0001f642",
            "ana@example",
            "",
        ),
        "country": (*TEXT_HOSTILE, f"us{NBSP}", "ＵＳ", "U.S.", "Narnia", ""),
        "signup_date": (
            "0001-01-01",
            "9999-12-31",
            "1899-12-31",
            "2100-01-01",
            "2023-02-29",
            "2023-05-01T00:00:00Z",
            "01/05/2023",
            "\t",
            "NaN",
        ),
        "loyalty_tier": (*TEXT_HOSTILE, f"gold{ZWSP}", "diamond", ""),
        "updated_at": (*TIMESTAMP_HOSTILE, ""),
    },
    PRODUCTS: {
        "product_id": (*ID_HOSTILE, ""),
        "category": (*TEXT_HOSTILE, f"electronics{NBSP}", "Gadgets", ""),
        "unit_price": (*NUMBER_HOSTILE, "-10", "1e30", ""),
        "unit_cost": (*NUMBER_HOSTILE, "-0.01", "cheap", ""),
        "is_active": (*TEXT_HOSTILE, "ｔｒｕｅ", f"true{ZWSP}", "1.0", "2", "truthy", ""),
        "updated_at": (*TIMESTAMP_HOSTILE, ""),
    },
}

# case -> (landed values, the exact quarantine rules it fails, in catalogue order)
EXACT: dict[str, dict[str, tuple[dict, tuple[str, ...]]]] = {
    TRANSACTIONS: {
        "id_cyrillic_t": ({"transaction_id": f"{CYRILLIC_T}-1"}, ("transaction_id_well_formed",)),
        "id_inner_space": ({"transaction_id": "T 001"}, ("transaction_id_well_formed",)),
        "id_emoji": ({"transaction_id": "T-\U0001f642"}, ("transaction_id_well_formed",)),
        "id_dotless_i": ({"transaction_id": "t\u0131-1"}, ("transaction_id_well_formed",)),
        "id_whitespace_only": ({"transaction_id": f"{NBSP}{ZWSP}\t{IDEOGRAPHIC_SPACE}"}, ("transaction_id_present",)),
        "customer_cyrillic": ({"customer_id": f"{CYRILLIC_C}0000001"}, ("customer_id_well_formed", "customer_known")),
        "product_zero_width_inside": ({"product_id": f"P000{ZWSP}001"}, ("product_id_well_formed", "product_known")),
        "quantity_scientific": ({"quantity": "1e3"}, ("quantity_is_integer",)),
        "quantity_negative_zero": ({"quantity": "-0"}, ("quantity_at_least_one",)),
        "price_nan": ({"unit_price": "NaN"}, ("unit_price_is_amount",)),
        "price_decimal_comma": ({"unit_price": "12,50"}, ("unit_price_is_amount",)),
        "price_rounds_beyond_type": ({"unit_price": "9999999999.995"}, ("unit_price_is_amount",)),
        "currency_tab": ({"currency": "usd\t"}, ("currency_allowed",)),
        "ts_year_1": ({"transaction_ts": "0001-01-01T00:00:00Z"}, ("transaction_ts_in_range",)),
        "ts_year_9999": (
            {"transaction_ts": "9999-12-31T23:59:59Z"},
            ("transaction_ts_in_range", "transaction_ts_not_in_future"),
        ),
        "ts_before_1900": ({"transaction_ts": "1899-12-31T23:59:59.999999Z"}, ("transaction_ts_in_range",)),
        "ts_february_30": ({"transaction_ts": "2024-02-30T10:00:00Z"}, ("transaction_ts_is_timestamp",)),
        "ts_date_only": ({"transaction_ts": "2024-01-02"}, ("transaction_ts_is_timestamp",)),
        "ts_ten_digit_fraction": (
            {"transaction_ts": "2024-01-02T10:00:00.1234567890Z"},
            ("transaction_ts_is_timestamp",),
        ),
        # 23:30 at UTC-1 is 00:30 UTC of the day after landing.
        "ts_offset_into_next_day": ({"transaction_ts": "2024-01-02T23:30:00-01:00"}, ("transaction_ts_not_in_future",)),
    },
    CUSTOMERS: {
        "id_cyrillic_c": ({"customer_id": f"{CYRILLIC_C}0000777"}, ("customer_id_well_formed",)),
        "id_whitespace_only": ({"customer_id": f"{NBSP}{BOM}"}, ("customer_id_present",)),
        "email_cyrillic_a": ({"email": f"ana@ex{chr(0x0430)}mple.com"}, ("email_valid",)),
        "signup_year_1": ({"signup_date": "0001-01-01"}, ("signup_date_in_range",)),
        "signup_year_9999": ({"signup_date": "9999-12-31"}, ("signup_date_in_range",)),
        "signup_february_29_2023": ({"signup_date": "2023-02-29"}, ("signup_date_is_date",)),
        "updated_year_1": ({"updated_at": "0001-01-01T00:00:00Z"}, ("updated_at_in_range",)),
    },
    PRODUCTS: {
        "id_cyrillic_p": ({"product_id": f"{CYRILLIC_P}000777"}, ("product_id_well_formed",)),
        "category_nbsp": ({"category": f"electronics{NBSP}"}, ("category_allowed", "subcategory_in_category")),
        "cost_infinity": ({"unit_cost": "Infinity"}, ("unit_cost_is_amount",)),
        "is_active_fullwidth": ({"is_active": "ｔｒｕｅ"}, ("is_active_is_boolean",)),
        "updated_year_9999": (
            {"updated_at": "9999-12-31T23:59:59Z"},
            ("updated_at_in_range", "updated_at_not_in_future"),
        ),
    },
}

# case -> (landed values, silver values): odd but valid input reaches silver, parsed exactly.
TEN = datetime(2024, 1, 2, 10, 0, 0)
KEPT: dict[str, dict[str, tuple[dict, dict]]] = {
    TRANSACTIONS: {
        "ts_offset_colon": ({"transaction_ts": "2024-01-02T12:00:00+02:00"}, {"transaction_ts": TEN}),
        "ts_offset_compact": ({"transaction_ts": "2024-01-02T12:00:00+0200"}, {"transaction_ts": TEN}),
        "ts_offset_hours": ({"transaction_ts": "2024-01-02T12:00:00+02"}, {"transaction_ts": TEN}),
        "ts_offset_negative": ({"transaction_ts": "2024-01-02T05:00:00-05:00"}, {"transaction_ts": TEN}),
        "ts_nanoseconds": (
            {"transaction_ts": "2024-01-02T10:00:00.123456789Z"},
            {"transaction_ts": datetime(2024, 1, 2, 10, 0, 0, 123456)},
        ),
        "ts_one_digit_fraction": (
            {"transaction_ts": "2024-01-02T10:00:00.5Z"},
            {"transaction_ts": datetime(2024, 1, 2, 10, 0, 0, 500000)},
        ),
        "ts_fraction_and_offset": (
            {"transaction_ts": "2024-01-02 15:30:00.25+05:30"},
            {"transaction_ts": datetime(2024, 1, 2, 10, 0, 0, 250000)},
        ),
        "ts_lower_t_and_z": ({"transaction_ts": "2024-01-02t10:00:00z"}, {"transaction_ts": TEN}),
        "ts_space_and_z": ({"transaction_ts": "2024-01-02 10:00:00Z"}, {"transaction_ts": TEN}),
        "ts_no_zone": ({"transaction_ts": "2024-01-02T10:00:00"}, {"transaction_ts": TEN}),
        "ts_offset_into_day_before": (
            {"transaction_ts": "2024-01-02T01:00:00+02:00"},
            {
                "transaction_ts": datetime(2024, 1, 1, 23, 0, 0),
                "transaction_date": date(2024, 1, 1),
                "is_late_arriving": True,
            },
        ),
        "ts_first_of_window": (
            {"transaction_ts": "1900-01-01T00:00:00Z"},
            {"transaction_ts": datetime(1900, 1, 1), "transaction_date": date(1900, 1, 1), "is_late_arriving": True},
        ),
        "id_tab_padded": ({"transaction_id": "\tt-tab\t"}, {"transaction_id": "T-TAB"}),
        "id_nbsp_padded": ({"transaction_id": f"{NBSP}t-nbsp{NARROW_NBSP}"}, {"transaction_id": "T-NBSP"}),
        "id_invisible_padded": ({"transaction_id": f"{ZWSP}{BOM}T-ZW{ZWSP}"}, {"transaction_id": "T-ZW"}),
        "id_line_breaks": ({"transaction_id": "\r\nT-CRLF\r\n\u2028\u0085"}, {"transaction_id": "T-CRLF"}),
        "id_unit_separators": ({"transaction_id": "\x1ct-us\x1f"}, {"transaction_id": "T-US"}),
        "id_very_long": ({"transaction_id": "t" * LONG}, {"transaction_id": "T" * LONG}),
        "customer_padded_resolves": ({"customer_id": f"{IDEOGRAPHIC_SPACE}c0000001{FIGURE_SPACE}"}, {}),
        "product_padded_resolves": ({"product_id": f"{BOM}p000001\t"}, {}),
        "money_negative_zero": (
            {"unit_price": "-0.00"},
            {"unit_price": Decimal("0.00"), "total_amount": Decimal("0.00")},
        ),
        "money_thousands": (
            {"unit_price": "$12,345.60", "quantity": "1"},
            {"unit_price": Decimal("12345.60"), "quantity": 1, "total_amount": Decimal("12345.60")},
        ),
    },
    CUSTOMERS: {
        "id_nbsp_padded": ({"customer_id": f"{NBSP}c0000701{FIGURE_SPACE}"}, {"customer_id": "C0000701"}),
        "updated_nanoseconds_offset": (
            {"updated_at": "2024-01-02T08:00:00.999999999+01:00"},
            {"updated_at": datetime(2024, 1, 2, 7, 0, 0, 999999)},
        ),
        "names_hostile_but_free_text": (
            {"first_name": "\U0001f642", "last_name": "x" * LONG, "city": 'Quote\'s "City"'},
            {"first_name": "\U0001f642", "last_name": "X" + "x" * (LONG - 1), "city": 'Quote\'s "City"'},
        ),
        "phone_unicode_digits_and_spaces": (
            {"phone": f"+1{NBSP}555{NARROW_NBSP}010\u20102000"},
            {"phone": "+15550102000"},
        ),
        "signup_last_of_window": ({"signup_date": "2099-12-31"}, {"signup_date": date(2099, 12, 31)}),
        "email_very_long": ({"email": "a" * LONG + "@example.com"}, {"email": "a" * LONG + "@example.com"}),
    },
    PRODUCTS: {
        "id_bom_padded": ({"product_id": f"{BOM}p000701\t"}, {"product_id": "P000701"}),
        "updated_compact_offset": (
            {"updated_at": "2024-01-02T08:00:00+0530"},
            {"updated_at": datetime(2024, 1, 2, 2, 30)},
        ),
        "cost_negative_zero": ({"unit_cost": "-0"}, {"unit_cost": Decimal("0.00"), "unit_margin": Decimal("199.99")}),
    },
}


def hostile_case(column: str, index: int) -> str:
    return f"hostile-{column}-{index}"


def bronze_rows(source: str) -> list[dict]:
    rows = [bronze_row(source, "clean")]
    for column, values in HOSTILE[source].items():
        rows += [
            bronze_row(source, hostile_case(column, index), **{column: value}) for index, value in enumerate(values)
        ]
    rows += [bronze_row(source, case, **values) for case, (values, _) in EXACT[source].items()]
    rows += [bronze_row(source, case, **values) for case, (values, _) in KEPT[source].items()]
    return rows


@pytest.fixture(scope="module")
def runs(spark):
    """source -> (where each row landed, the pandera failures of the silver slice); one run per source."""
    done: dict[str, tuple[Outcome, list[dict]]] = {}

    def run(source: str) -> tuple[Outcome, list[dict]]:
        if source not in done:
            rows = bronze_rows(source)
            references = {
                "customers": id_frame(spark, "customer_id", ["C0000001"]),
                "products": id_frame(spark, "product_id", ["P000001"]),
            }
            evaluated = evaluate_source(bronze_frame(spark, source, rows), source, **references).persist()
            try:
                result = split(evaluated, source, None)
                outcome = collect_outcome(rows, result)
            finally:
                evaluated.unpersist()
            # The collected slice with the slice's own schema: pandera's one query per check then
            # reads a few local rows instead of re-running the split.
            silver = spark.createDataFrame(list(outcome.silver.values()), result.silver.schema)
            done[source] = (outcome, schema_failures(silver, silver_schema(source)))
        return done[source]

    return run


@pytest.mark.parametrize("source", SOURCES)
def test_the_silver_slice_passes_the_blocking_schema(runs, source):
    outcome, failures = runs(source)
    assert failures == []
    # The slice is not empty: the odd-but-valid rows are in it.
    assert set(outcome.silver) == {"clean", *KEPT[source]}


@pytest.mark.parametrize("source", SOURCES)
def test_each_hostile_value_is_quarantined_by_a_rule_of_its_column(runs, source):
    outcome, _ = runs(source)
    columns_of = {rule.name: rule.columns for rule in RULES[source]}
    wrong = {}
    for column, values in HOSTILE[source].items():
        for index, value in enumerate(values):
            case = hostile_case(column, index)
            row = outcome.quarantine.get(case)
            if row is None or row["disposition"] != "quarantined":
                wrong[case] = (value, "reached silver")
            elif not any(column in columns_of[name] for name in row["failed_rules"]):
                wrong[case] = (value, row["failed_rules"])
    assert wrong == {}


@pytest.mark.parametrize("source, case", [(source, case) for source in SOURCES for case in EXACT[source]])
def test_exact_rules_of_hostile_rows(runs, source, case):
    outcome, _ = runs(source)
    row = outcome.rejected(case)
    assert (row["disposition"], row["failed_rules"]) == ("quarantined", list(EXACT[source][case][1]))


@pytest.mark.parametrize("source, case", [(source, case) for source in SOURCES for case in KEPT[source]])
def test_odd_but_valid_values_reach_silver_exactly(runs, source, case):
    outcome, _ = runs(source)
    row = outcome.kept(case)
    key = BUSINESS_KEYS[source]
    expected = {**CLEAN_SILVER[source], key: case.upper(), **KEPT[source][case][1]}
    assert {name: row[name] for name in expected} == expected
