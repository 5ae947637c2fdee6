"""The customers bad-input corpus: hand-written cases, version and duplicate rows, and regression rows,
landed as one frame.

Landing day 2024-01-02 (a few version rows landed on 2024-01-01). Customers are versioned: silver
holds one row per (customer_id, updated_at), the newest version of a day winning within that day.
"""

from datetime import date, datetime

from pyspark.sql import DataFrame, SparkSession

from lakehouse_assets.contracts import CONTRACT_COLUMNS, CUSTOMERS
from lakehouse_assets_tests.transforms.silver.support import bronze_row, kept, rejected

PROMO = '{"gift_wrap":"yes"}'
ONLY_KEY = {name: None for name in CONTRACT_COLUMNS[CUSTOMERS] if name != "customer_id"}

CASES = [
    kept("clean", {}),
    # emails: trimmed and lower-cased, then held to the address pattern
    kept("email_shouting_padded", {"email": " JOHN@EXAMPLE.COM "}, {"email": "john@example.com"}),
    kept(
        "email_plus_and_subdomains", {"email": "Ana+News@Mail.Example.co.uk"}, {"email": "ana+news@mail.example.co.uk"}
    ),
    rejected("email_without_at", {"email": "ana.lopezexample.com"}, "email_valid"),
    rejected("email_double_at", {"email": "ana.lopez@@example.com"}, "email_valid"),
    rejected("email_without_domain", {"email": "ana.lopez@"}, "email_valid"),
    rejected("email_inner_space", {"email": "ana.lopez @example.com"}, "email_valid"),
    rejected("email_non_ascii", {"email": "josé@example.com"}, "email_valid"),
    rejected("email_empty", {"email": ""}, "email_present"),
    rejected("email_null", {"email": None}, "email_present"),
    # countries: ISO alpha-2 from codes, names and alpha-3 codes in any case and spacing
    kept("country_usa", {"country": "usa"}, {"country": "US"}),
    kept("country_united_kingdom", {"country": "United Kingdom"}, {"country": "GB"}),
    kept("country_spaced_lower_name", {"country": "  united   kingdom "}, {"country": "GB"}),
    kept("country_lower_code", {"country": "de"}, {"country": "DE"}),
    kept("country_padded_title_code", {"country": " Us"}, {"country": "US"}),
    kept("country_alpha3", {"country": "FRA"}, {"country": "FR"}),
    rejected("country_unknown", {"country": "Narnia"}, "country_allowed"),
    rejected("country_whitespace", {"country": "   "}, "country_present"),
    # phones: digits with a leading +, extension dropped; fewer than 7 digits is a warning only
    kept("phone_with_extension", {"phone": "+1 (555) 010-2000 x12"}, {"phone": "+15550102000"}),
    kept("phone_dotted", {"phone": "555.010.2000"}, {"phone": "5550102000"}),
    kept("phone_too_short", {"phone": "12345"}, {"phone": None}, warnings=("phone_valid",)),
    kept("phone_empty", {"phone": ""}, {"phone": None}),
    # names and cities: trimmed, inner spaces collapsed, unicode kept
    kept(
        "names_unicode_lower",
        {"first_name": "josé", "last_name": "zoë", "city": "東京"},
        {"first_name": "José", "last_name": "Zoë", "city": "東京"},
    ),
    kept("names_shouting", {"first_name": "ZOË", "last_name": "LÓPEZ"}, {"first_name": "Zoë", "last_name": "López"}),
    kept("city_spaced", {"city": " new   york "}, {"city": "New York"}),
    kept("first_name_missing", {"first_name": ""}, {"first_name": None}, warnings=("first_name_present",)),
    kept(
        "names_blank_and_null",
        {"first_name": "  ", "last_name": None},
        {"first_name": None, "last_name": None},
        warnings=("first_name_present", "last_name_present"),
    ),
    # dates and tiers
    kept("signup_blank", {"signup_date": ""}, {"signup_date": None}),
    rejected("signup_february_30", {"signup_date": "2023-02-30"}, "signup_date_is_date"),
    rejected("signup_day_first", {"signup_date": "01/05/2023"}, "signup_date_is_date"),
    kept("tier_padded_upper", {"loyalty_tier": " GOLD "}, {"loyalty_tier": "gold"}),
    rejected("tier_unknown", {"loyalty_tier": "diamond"}, "loyalty_tier_allowed"),
    kept("updated_space_separated", {"updated_at": "2024-01-02 08:00:00"}),
    rejected("updated_month_13", {"updated_at": "2024-13-45 25:61:00"}, "updated_at_is_timestamp"),
    rejected("updated_after_landing_day", {"updated_at": "2024-01-03T00:00:01Z"}, "updated_at_not_in_future"),
    rejected("updated_null", {"updated_at": None}, "updated_at_present"),
    # keys and whole-record problems
    kept("id_padded_lower", {"customer_id": " c0000099 "}, {"customer_id": "C0000099"}),
    rejected("customer_id_null", {"customer_id": None}, "customer_id_present", business_key=None),
    rejected(
        "several_failures",
        {"email": "nobody", "country": "XX", "loyalty_tier": ""},
        "email_valid",
        "country_allowed",
        "loyalty_tier_present",
    ),
    rejected(
        "only_the_key", ONLY_KEY, "email_present", "country_present", "loyalty_tier_present", "updated_at_present"
    ),
    rejected(
        "malformed_line",
        {},
        "malformed_record",
        business_key=None,
        corrupt="{'customer_id': 'C0000007', 'first_name': None}",
    ),
    kept("unexpected_column", {}, warnings=("unexpected_columns",), rescued=PROMO),
]

DAY_ONE = date(2024, 1, 1)
DEDUPE_ROWS = [
    bronze_row(
        CUSTOMERS,
        "dup-sameday-a-0800",
        day=DAY_ONE,
        customer_id="C-SAMEDAY",
        loyalty_tier="silver",
        updated_at="2024-01-01T08:00:00Z",
    ),
    bronze_row(
        CUSTOMERS,
        "dup-sameday-b-0900",
        day=DAY_ONE,
        customer_id="C-SAMEDAY",
        loyalty_tier="gold",
        updated_at="2024-01-01T09:00:00Z",
    ),
    bronze_row(
        CUSTOMERS, "dup-versions-day1", day=DAY_ONE, customer_id="C-VERSIONS", updated_at="2024-01-01T08:00:00Z"
    ),
    bronze_row(
        CUSTOMERS,
        "dup-versions-day2",
        customer_id="C-VERSIONS",
        loyalty_tier="platinum",
        updated_at="2024-01-02T08:00:00Z",
    ),
    bronze_row(CUSTOMERS, "dup-resent-day1", day=DAY_ONE, customer_id="C-RESENT", updated_at="2024-01-01T08:00:00Z"),
    bronze_row(CUSTOMERS, "dup-resent-day2", customer_id="C-RESENT", updated_at="2024-01-01T08:00:00Z"),
    bronze_row(CUSTOMERS, "dup-exact-a", customer_id="C-EXACT"),
    bronze_row(CUSTOMERS, "dup-exact-b", customer_id="C-EXACT"),
    bronze_row(CUSTOMERS, "dup-in-silver", customer_id="C-KNOWN", updated_at="2024-01-01T07:00:00Z"),
    bronze_row(CUSTOMERS, "dup-newer-than-silver", customer_id="C-KNOWN-2", updated_at="2024-01-02T07:00:00Z"),
]
EARLIER = [
    ("C-KNOWN", datetime(2024, 1, 1, 7, 0, 0), date(2023, 12, 31)),
    ("C-KNOWN-2", datetime(2024, 1, 1, 7, 0, 0), date(2023, 12, 31)),
]
DEDUPE_OUTCOMES = {
    "dup-sameday-a-0800": ("duplicate", "older version of customer_id=C-SAMEDAY; a newer one landed the same day"),
    "dup-sameday-b-0900": ("silver", None),
    "dup-versions-day1": ("silver", None),
    "dup-versions-day2": ("silver", None),
    "dup-resent-day1": ("silver", None),
    "dup-resent-day2": (
        "duplicate",
        "customer_id=C-RESENT, updated_at=2024-01-01 08:00:00 already landed on 2024-01-01",
    ),
    "dup-exact-a": ("silver", None),
    "dup-exact-b": ("duplicate", "exact duplicate of a record in the same drop"),
    "dup-in-silver": (
        "duplicate",
        "customer_id=C-KNOWN, updated_at=2024-01-01 07:00:00 is already in silver (landed 2023-12-31)",
    ),
    "dup-newer-than-silver": ("silver", None),
}
# Names and cities exactly as the generator's Faker locales (de_DE, en_GB, fr_FR, es_ES) spell them.
MIXED_CASE_NAMES = {"first_name": "Anna-Lena", "last_name": "McDonald", "city": "Garmisch-Partenkirchen"}
O_BRIEN = {"first_name": "Anne-Marie", "last_name": "O'Brien", "city": "Santa Cruz de Tenerife"}
BUG_ROWS = [
    bronze_row(CUSTOMERS, "bug-email-no-dot-in-domain", email="ana.lopez@example"),
    bronze_row(CUSTOMERS, "bug-email-domain-run-together", email="ana.lopez@examplecom"),
    bronze_row(CUSTOMERS, "bug-mixed-case-names", **MIXED_CASE_NAMES),
    bronze_row(CUSTOMERS, "bug-apostrophe-name", **O_BRIEN),
]


def bronze_rows() -> list[dict]:
    return [case.bronze(CUSTOMERS) for case in CASES] + DEDUPE_ROWS + BUG_ROWS


def earlier_frame(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame(EARLIER, "customer_id string, updated_at timestamp, _ingest_date date")


def kept_version(landed: dict) -> dict:
    """What silver must hold of a version row that is kept, from the bronze row that landed it."""
    return {name: landed[name] for name in ("customer_id", "loyalty_tier", "_ingest_date")}
