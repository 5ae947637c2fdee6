"""One spelling per value: lower-case emails, ISO country codes, canonical category names."""

from pyspark.sql import Column
from pyspark.sql import functions as F

from lakehouse_assets.contracts import CATEGORY_TREE
from lakehouse_assets.transforms.silver.parsing import clean_text

# Names and alpha-3 codes a source may send for the countries it sells in.
COUNTRY_ALIASES: dict[str, str] = {
    "USA": "US",
    "UNITED STATES": "US",
    "UNITED STATES OF AMERICA": "US",
    "UK": "GB",
    "GBR": "GB",
    "UNITED KINGDOM": "GB",
    "GREAT BRITAIN": "GB",
    "DEU": "DE",
    "GERMANY": "DE",
    "FRA": "FR",
    "FRANCE": "FR",
    "ESP": "ES",
    "SPAIN": "ES",
    "ITA": "IT",
    "ITALY": "IT",
    "NLD": "NL",
    "NETHERLANDS": "NL",
    "CAN": "CA",
    "CANADA": "CA",
    "AUS": "AU",
    "AUSTRALIA": "AU",
    "BRA": "BR",
    "BRAZIL": "BR",
}
# No backslashes: the pattern is used both in Python (pandera) and inside Spark SQL string
# literals (rules), where a backslash would be eaten and `\.` would match any character.
EMAIL_PATTERN = r"^[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$"


def _lookup(text: Column, mapping: dict[str, str]) -> Column:
    return F.create_map(*[F.lit(item) for pair in mapping.items() for item in pair])[text]


def token(column: str) -> Column:
    """Lower-case snake_case token: ' Credit Card', 'CREDIT-CARD' → 'credit_card'."""
    return F.regexp_replace(F.lower(clean_text(column)), r"[\s\-]+", "_")


def currency(column: str) -> Column:
    return F.upper(clean_text(column))


def email(column: str) -> Column:
    return F.lower(clean_text(column))


def country(column: str) -> Column:
    """ISO 3166 alpha-2; a known name or alpha-3 code is mapped, anything else kept upper-case."""
    text = F.upper(F.regexp_replace(clean_text(column), r"\s+", " "))
    return F.coalesce(_lookup(text, COUNTRY_ALIASES), text)


def phone(column: str) -> Column:
    """Digits with a leading '+' kept, extension dropped: '+1 (555) 010-2000 x12' → '+15550102000'.

    Fewer than 7 digits is not a phone number: NULL."""
    text = F.lower(clean_text(column))
    number = F.regexp_replace(F.split(text, "x")[0], r"[^0-9+]", "")
    normalized = F.concat(
        F.when(number.startswith("+"), F.lit("+")).otherwise(F.lit("")), F.regexp_replace(number, r"\+", "")
    )
    return F.when(F.length(F.regexp_replace(normalized, r"\+", "")) >= 7, normalized)


def title_case(column: str) -> Column:
    """Names as people write them: 'JOSÉ' and 'josé' → 'José', but 'McDonald', 'Anna-Lena' and
    'Santa Cruz de Tenerife' are already cased by someone who knew, and stay as landed."""
    text = F.regexp_replace(clean_text(column), r"\s+", " ")
    return F.when((text == F.upper(text)) | (text == F.lower(text)), F.initcap(text)).otherwise(text)


def _canonical(column: str, names: list[str]) -> Column:
    lowered = F.lower(F.regexp_replace(clean_text(column), r"\s+", " "))
    return F.coalesce(_lookup(lowered, {name.lower(): name for name in names}), title_case(column))


def category(column: str) -> Column:
    return _canonical(column, list(CATEGORY_TREE))


def subcategory(column: str) -> Column:
    return _canonical(column, sorted({sub for subs in CATEGORY_TREE.values() for sub in subs}))
