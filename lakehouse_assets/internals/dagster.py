"""Dagster's internal names and preview features the lakehouse relies on."""

import warnings

from dagster import BetaWarning, PreviewWarning

# Not exported at the top level, but the type of AssetCheckEvaluation's public field of that name.
from dagster._core.definitions.asset_checks.asset_check_evaluation import (  # noqa: F401
    AssetCheckEvaluationTargetMaterializationData,
)


def silence_deliberate_previews() -> None:
    """Single-run backfill policies (beta) and per-partition asset checks (preview) are deliberate
    choices of this project; without this every CLI call and test repeats the same notice."""
    warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")
    warnings.filterwarnings("ignore", category=PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")
