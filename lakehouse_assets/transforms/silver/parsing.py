"""Text → typed values without ever failing a query: a value that does not parse becomes NULL.

Spark 4 runs in ANSI mode, where a plain cast of bad text raises and fails the whole partition;
every parser here uses the try_ forms, and a quality rule compares the raw text with the parsed
value to quarantine the record with a reason instead.
"""

from pyspark.sql import Column
from pyspark.sql import functions as F

MONEY_SCALE = 2
MONEY_TYPE = f"decimal(12,{MONEY_SCALE})"
AMOUNT_TYPE = f"decimal(14,{MONEY_SCALE})"
# ISO 8601 in UTC, with or without the T and the Z; anything else (31/01/2024, hour 25) is invalid.
TIMESTAMP_FORMATS = ("yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss")
_MONEY_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_INTEGER_PATTERN = r"^[+-]?[0-9]+$"
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")


def clean_text(column: str | Column) -> Column:
    """Trimmed text; an empty or blank value is NULL (no source means "" as a value)."""
    trimmed = F.trim(F.col(column) if isinstance(column, str) else column)
    return F.when(trimmed != "", trimmed)


def parse_money(column: str) -> Column:
    """'$1,234.50', ' 12.5 ', '€3' → decimal(12,2); text that is not a number → NULL."""
    digits = F.regexp_replace(clean_text(column), r"[$€£,\s]", "")
    return F.when(digits.rlike(_MONEY_PATTERN), F.round(digits.try_cast("decimal(20,6)"), MONEY_SCALE)).try_cast(MONEY_TYPE)


def parse_integer(column: str) -> Column:
    """'3', ' +3 ' → 3; '3.5', 'three', '99999999999' → NULL."""
    text = clean_text(column)
    return F.when(text.rlike(_INTEGER_PATTERN), text.try_cast("int"))


def parse_timestamp(column: str) -> Column:
    """ISO 8601 text → UTC timestamp (the session time zone is UTC); invalid → NULL."""
    text = clean_text(column)
    return F.coalesce(*[F.try_to_timestamp(text, F.lit(fmt)) for fmt in TIMESTAMP_FORMATS])


def parse_date(column: str) -> Column:
    text = clean_text(column)
    return F.when(text.rlike(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), F.try_to_timestamp(text, F.lit("yyyy-MM-dd")).cast("date"))


def parse_boolean(column: str) -> Column:
    text = F.lower(clean_text(column))
    return F.when(text.isin(*_TRUE), F.lit(True)).when(text.isin(*_FALSE), F.lit(False))


def normalize_id(column: str) -> Column:
    """Business ids compare trimmed and upper-case: ' c0000042' and 'C0000042' are one customer."""
    return F.upper(clean_text(column))


def was_given(column: str) -> Column:
    """The raw value was present (not NULL, not blank)."""
    return clean_text(F.col(f"_raw.`{column}`")).isNotNull()
