"""Which tables each step and check reads, recorded during a real run, against the edges the UI draws."""

from collections import defaultdict

from dagster import AssetCheckExecutionContext, AssetExecutionContext, AssetKey, Definitions, InputContext
from dagster._core.remote_representation.external_data import RepositorySnap

from lakehouse_assets.resources.io_manager import DeltaIOManager
from lakehouse_assets.resources.reader import DeltaTableReader

# (op name, table read); filled by the recording resources below during a run.
READS: set[tuple[str, AssetKey]] = set()


def _current_op() -> str:
    try:
        return AssetExecutionContext.get().op_execution_context.op_def.name
    except Exception:  # not in an asset step: a check's
        return AssetCheckExecutionContext.get().op_execution_context.op_def.name


class RecordingIOManager(DeltaIOManager):
    def load_input(self, context: InputContext):
        READS.add((context.op_def.name, context.asset_key))
        return super().load_input(context)


class RecordingReader(DeltaTableReader):
    def read(self, asset_key: AssetKey):
        READS.add((_current_op(), asset_key))
        return super().read(asset_key)


def graph_edges(defs: Definitions) -> dict[str, set[AssetKey]]:
    """Per op, every table the UI's graph connects to what the op computes: the assets it writes and
    their parents, the checked assets with their parents and the checks' additional inputs. From the
    repository snapshot the webserver serves, so what is asserted is what the UI shows."""
    snap = RepositorySnap.from_def(defs.get_repository_def())
    parents = {node.asset_key: {edge.parent_asset_key for edge in node.parent_edges} for node in snap.asset_nodes}
    check_tables = {
        (check.asset_key, check.name): {check.asset_key, *check.additional_asset_keys}
        for check in snap.asset_check_nodes
    }
    edges: dict[str, set[AssetKey]] = defaultdict(set)
    for definition in [*defs.assets, *defs.asset_checks]:
        op = definition.node_def.name
        for key in definition.keys:
            edges[op] |= {key, *parents[key]}
        for check_key in definition.check_keys:
            edges[op] |= check_tables[(check_key.asset_key, check_key.name)] | parents[check_key.asset_key]
    return edges
