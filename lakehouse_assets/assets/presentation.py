"""What the Dagster UI shows about every table asset beyond its key: owner, tags, kinds, code version.

The code version is a digest of the source of the modules that compute the table, so the UI marks a
table's materializations as stale by code ("code version changed") exactly when its transform
changed, without anyone remembering to bump a number.
"""

import hashlib
import inspect
from collections.abc import Callable
from types import ModuleType

from lakehouse_assets.constants import TABLE_KINDS

OWNERS: list[str] = ["team:data-platform"]


def code_version(*computed_by: Callable | ModuleType) -> str:
    digest = hashlib.sha256()
    for item in computed_by:
        module = item if isinstance(item, ModuleType) else inspect.getmodule(item)
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:12]


def presentation(layer: str, *computed_by: Callable | ModuleType) -> dict:
    """Keyword arguments for @asset / AssetOut: owners, tags, kinds and the code version."""
    return {
        "owners": OWNERS,
        "tags": {"layer": layer, "storage": "delta"},
        "kinds": TABLE_KINDS,
        "code_version": code_version(*computed_by),
    }
