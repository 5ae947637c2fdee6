"""Silver from each source's bad-input corpus (customers_corpus.py, products_corpus.py,
transactions_corpus.py): one bronze frame per source, one run, the exact outcome of each row."""

import pytest

from lakehouse_assets.contracts import BUSINESS_KEYS, CUSTOMERS, PRODUCTS, TRANSACTIONS
from lakehouse_assets_tests.transforms.silver import customers_corpus, products_corpus, transactions_corpus
from lakehouse_assets_tests.transforms.silver.support import Kept, Outcome, assert_case

CORPORA = {CUSTOMERS: customers_corpus, PRODUCTS: products_corpus, TRANSACTIONS: transactions_corpus}
# Rows landed besides the cases and the deduplication rows; their own tests say where each must end.
REGRESSION_ROWS = {CUSTOMERS: customers_corpus.BUG_ROWS, PRODUCTS: [], TRANSACTIONS: []}
# Transactions deduplicate by id alone, with rules of their own: test_transactions_dedupe.py.
VERSIONED = (CUSTOMERS, PRODUCTS)
CASES = [
    pytest.param(source, case, id=f"{source}-{case.name}")
    for source, corpus in CORPORA.items()
    for case in corpus.CASES
]
VERSION_CASES = [
    pytest.param(source, case, id=f"{source}-{case}")
    for source in VERSIONED
    for case in CORPORA[source].DEDUPE_OUTCOMES
]


@pytest.fixture
def outcome(request, source: str) -> Outcome:
    # The conftest's run of the test's source, made once per session whichever test asks first.
    return request.getfixturevalue(f"{source}_outcome")


@pytest.mark.parametrize("source, case", CASES)
def test_case_outcome(outcome: Outcome, source: str, case):
    assert_case(outcome, source, case)


@pytest.mark.parametrize("source", list(CORPORA))
def test_reconciliation(outcome: Outcome, source: str):
    corpus, regression_rows = CORPORA[source], REGRESSION_ROWS[source]
    kept_cases = sum(1 for case in corpus.CASES if isinstance(case.expected, Kept))
    buckets = [bucket for bucket, _ in corpus.DEDUPE_OUTCOMES.values()]
    regression_in_silver = sum(1 for row in regression_rows if row["_source_file"] in outcome.silver)
    assert outcome.counts == {
        "silver": kept_cases + buckets.count("silver") + regression_in_silver,
        "quarantined": (
            len(corpus.CASES) - kept_cases + buckets.count("quarantined") + len(regression_rows) - regression_in_silver
        ),
        "duplicate": buckets.count("duplicate"),
    }


@pytest.mark.parametrize("source, case", VERSION_CASES)
def test_versions_and_duplicates(outcome: Outcome, source: str, case: str):
    corpus = CORPORA[source]
    bucket, reason = corpus.DEDUPE_OUTCOMES[case]
    landed = next(row for row in corpus.DEDUPE_ROWS if row["_source_file"] == case)
    if bucket == "silver":
        row = outcome.kept(case)
        expected = corpus.kept_version(landed)
        assert {name: row[name] for name in expected} == expected
        return
    row = outcome.rejected(case)
    assert (row["disposition"], row["failed_rules"], row["reason"], row["business_key"]) == (
        "duplicate",
        ["duplicate"],
        reason,
        landed[BUSINESS_KEYS[source]],
    )
