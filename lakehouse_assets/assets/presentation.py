"""What the Dagster UI shows about every table asset beyond its key: owner, tags, kinds, code version,
its columns with their descriptions from the data dictionary, and each day's own numbers.

The code version is a digest of the source of every module that computes the table: the modules
named, and every lakehouse module they use in turn (contracts, rules, shared helpers), so the UI
marks a table's materializations as stale by code ("code version changed") exactly when its
transform or anything it depends on changed, without anyone remembering to bump a number.
"""

import ast
import hashlib
import inspect
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    TableColumn,
    TableSchema,
    map_asset_specs,
)

from lakehouse_assets.constants import TABLE_KINDS
from lakehouse_assets.dictionary import DICTIONARY

OWNERS: list[str] = ["team:data-platform"]
PACKAGE = "lakehouse_assets"


def _module_of(item: Callable | ModuleType) -> ModuleType:
    return item if isinstance(item, ModuleType) else inspect.getmodule(item)


def _source(module: ModuleType) -> str:
    # Read from the file: inspect.getsource refuses an empty module (a bare package __init__).
    return Path(module.__file__).read_text(encoding="utf-8")


def _imported(module: ModuleType) -> set[str]:
    """Names of the lakehouse modules `module` imports (constants included, which carry no module of
    their own), read from its source."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(_source(module))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` names a module; `from module import name` its module.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
            names.add(node.module)
    return {name for name in names if name.startswith(PACKAGE + ".") and name in sys.modules}


def computed_by_modules(*computed_by: Callable | ModuleType) -> list[ModuleType]:
    """The named modules (or the modules of the named functions) and every lakehouse module they import,
    transitively, sorted by name. Package `__init__` modules only re-export, and are left out."""
    found: dict[str, ModuleType] = {}
    pending = [_module_of(item) for item in computed_by]
    while pending:
        module = pending.pop()
        if module.__name__ in found:
            continue
        found[module.__name__] = module
        pending.extend(sys.modules[name] for name in _imported(module) if name not in found)
    return [found[name] for name in sorted(found) if not found[name].__file__.endswith("__init__.py")]


def code_version(*computed_by: Callable | ModuleType) -> str:
    digest = hashlib.sha256()
    for module in computed_by_modules(*computed_by):
        digest.update(module.__name__.encode())
        digest.update(_source(module).encode())
    return digest.hexdigest()[:12]


def presentation(layer: str, *computed_by: Callable | ModuleType) -> dict:
    """Keyword arguments for @asset / AssetOut: owners, tags, kinds and the code version."""
    return {
        "owners": OWNERS,
        "tags": {"layer": layer, "storage": "delta"},
        "kinds": TABLE_KINDS,
        "code_version": code_version(*computed_by),
    }


def with_columns(assets: list[AssetsDefinition]) -> list[AssetsDefinition]:
    """`assets` with each table's columns (name, type, description) from the data dictionary as the
    asset's `dagster/column_schema`, so the UI's Columns table is there before the first materialization
    (each materialization then records the columns it wrote, with the same descriptions)."""

    def describe(spec: AssetSpec) -> AssetSpec:
        doc = DICTIONARY.get(spec.key.to_user_string())
        if doc is None:
            return spec
        columns = [TableColumn(c.name, c.type, description=c.description) for c in doc.columns]
        return spec.merge_attributes(metadata={"dagster/column_schema": TableSchema(columns=columns)})

    return map_asset_specs(describe, assets)


def per_day_metadata(
    context: AssetExecutionContext, key: AssetKey, metadata_over: Callable[[Sequence[str]], dict]
) -> dict:
    """An output's metadata from `metadata_over(days)`: a one-day run's as it is; for a range, each day's
    on that day's materialization and the range's under run_<name>, so that no day shows the range's
    totals as its own and a plot of a name over a day's materializations never holds a range's total."""
    days = context.partition_keys
    if len(days) == 1:
        return metadata_over(days)
    for day in days:
        context.add_asset_metadata(metadata_over([day]), asset_key=key, partition_key=day)
    return {f"run_{name}": value for name, value in metadata_over(days).items()}
