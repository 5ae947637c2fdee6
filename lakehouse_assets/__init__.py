"""A Bronze/Silver/Gold lakehouse as Dagster software-defined assets on PySpark + Delta Lake."""

import warnings

from dagster import BetaWarning, PreviewWarning

# Single-run backfill policies (beta) and per-partition asset checks (preview) are deliberate
# choices of this project; without this every CLI call and test repeats the same notice.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")
warnings.filterwarnings("ignore", category=PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")

from lakehouse_assets.definitions import defs  # noqa: E402

__all__ = ["defs"]
