"""Silver customers beyond each case's outcome (test_corpus_outcomes.py checks those for every source):
versions kept per day, and regressions, from the run of customers_corpus.py."""

from datetime import datetime

import pytest

from lakehouse_assets_tests.transforms.silver.customers_corpus import MIXED_CASE_NAMES, O_BRIEN
from lakehouse_assets_tests.transforms.silver.support import Outcome


def test_both_versions_of_a_customer_landed_on_different_days_are_kept(customers_outcome: Outcome):
    versions = sorted(
        (row["updated_at"], row["loyalty_tier"])
        for row in customers_outcome.silver.values()
        if row["customer_id"] == "C-VERSIONS"
    )
    assert versions == [(datetime(2024, 1, 1, 8, 0, 0), "gold"), (datetime(2024, 1, 2, 8, 0, 0), "platinum")]
    same_day = [
        (row["updated_at"], row["loyalty_tier"])
        for row in customers_outcome.silver.values()
        if row["customer_id"] == "C-SAMEDAY"
    ]
    assert same_day == [(datetime(2024, 1, 1, 9, 0, 0), "gold")]


def test_email_without_a_dot_in_the_domain_is_rejected(customers_outcome: Outcome):
    """Regression: EMAIL_PATTERN inside a Spark SQL literal once lost its backslashes, so '\\.'
    matched any character and 'user@example' passed email_valid."""
    cases = ("bug-email-no-dot-in-domain", "bug-email-domain-run-together")
    wrongly_kept = {case: customers_outcome.silver[case]["email"] for case in cases if case in customers_outcome.silver}
    assert wrongly_kept == {}, f"invalid emails passed email_valid and reached silver: {wrongly_kept}"
    for case in cases:
        assert customers_outcome.rejected(case)["failed_rules"] == ["email_valid"]


@pytest.mark.parametrize(
    "case, landed",
    [("bug-mixed-case-names", MIXED_CASE_NAMES), ("bug-apostrophe-name", O_BRIEN)],
    ids=["hyphen-and-Mc", "apostrophe-and-particle"],
)
def test_correctly_cased_names_and_cities_are_kept_as_landed(customers_outcome: Outcome, case: str, landed: dict):
    """Regression: initcap lower-cases every letter not after a space ('McDonald' → 'Mcdonald');
    names already in mixed case are now kept as landed."""
    row = customers_outcome.kept(case)
    silver = {name: row[name] for name in landed}
    assert silver == landed, f"silver rewrote correctly spelled names: {landed} -> {silver}"
