"""The transactions corpus run, shared by the modules that check its cases and its deduplication."""

import pytest

from lakehouse_assets.contracts import TRANSACTIONS
from lakehouse_assets_tests.transforms.silver.support import Outcome, run_silver
from lakehouse_assets_tests.transforms.silver.transactions_corpus import bronze_rows, earlier_frame, references


@pytest.fixture(scope="session")
def transactions_outcome(spark) -> Outcome:
    # One run for every transaction case: a silver run costs seconds of planning, a row nothing.
    return run_silver(spark, TRANSACTIONS, bronze_rows(), earlier=earlier_frame(spark), **references(spark))
