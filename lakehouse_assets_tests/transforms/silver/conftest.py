"""Each source's bad-input corpus, run once for every module that checks its cases and its deduplication:
a silver run costs seconds of planning, a row nothing."""

import pytest

from lakehouse_assets.contracts import CUSTOMERS, PRODUCTS, TRANSACTIONS
from lakehouse_assets_tests.transforms.silver import customers_corpus, products_corpus, transactions_corpus
from lakehouse_assets_tests.transforms.silver.support import Outcome, run_silver


@pytest.fixture(scope="session")
def customers_outcome(spark) -> Outcome:
    return run_silver(spark, CUSTOMERS, customers_corpus.bronze_rows(), earlier=customers_corpus.earlier_frame(spark))


@pytest.fixture(scope="session")
def products_outcome(spark) -> Outcome:
    return run_silver(spark, PRODUCTS, products_corpus.bronze_rows(), earlier=products_corpus.earlier_frame(spark))


@pytest.fixture(scope="session")
def transactions_outcome(spark) -> Outcome:
    return run_silver(
        spark,
        TRANSACTIONS,
        transactions_corpus.bronze_rows(),
        earlier=transactions_corpus.earlier_frame(spark),
        **transactions_corpus.references(spark),
    )
