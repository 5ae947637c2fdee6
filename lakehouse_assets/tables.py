"""The table catalogue: every Delta table the lakehouse writes, where it lives and how it is partitioned.

The IO manager, maintenance, time travel, the CLI and the dashboard all name and locate tables here,
so they accept the same spellings and fail with the same message. No Dagster and no Spark session:
the dashboard reads the tables with delta-rs, and the plain benchmark runs without Dagster.
`lakehouse_assets_tests/test_tables.py` holds this list equal to the Definitions' asset graph, so
an asset added, renamed or repartitioned there fails that test until it is declared here too.
"""

import difflib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from lakehouse_assets.constants import BRONZE, GOLD, LAYERS, SILVER
from lakehouse_assets.contracts import INGEST_DATE_COLUMN, SOURCES, files_table


class UnknownTableError(ValueError):
    """A table name that is not in the catalogue; the message lists the tables there are."""


class Table(NamedTuple):
    """One Delta table: its asset key is `[layer, name]`, its folder `<root>/<layer>/<name>`."""

    layer: str
    name: str
    partition_column: str | None  # the asset's metadata["partition_expr"]; None: unpartitioned

    @property
    def path(self) -> str:
        """`silver/transactions`: the asset key as Dagster prints it, and the folder under the root."""
        return f"{self.layer}/{self.name}"

    def location(self, root: str) -> str:
        return location_of(root, (self.layer, self.name))


def location_of(root: str, path_parts: Sequence[str]) -> str:
    """Where the table of asset key path `path_parts` lives under `root`, a local folder or an
    s3a://bucket/prefix URI. Not checked against the catalogue: the IO manager also stores the
    tables of test assets."""
    return "/".join([root.rstrip("/"), *path_parts])


_DECLARED: tuple[Table, ...] = (
    *(Table(BRONZE, source, INGEST_DATE_COLUMN) for source in SOURCES),
    *(Table(BRONZE, files_table(source), INGEST_DATE_COLUMN) for source in SOURCES),
    *(Table(SILVER, name, INGEST_DATE_COLUMN) for name in (*SOURCES, "quarantine")),
    Table(GOLD, "dim_products", None),
    Table(GOLD, "dim_customers", None),
    Table(GOLD, "daily_sales_summary", "transaction_date"),
    Table(GOLD, "product_performance", "transaction_date"),
    Table(GOLD, "customer_segments", "as_of_date"),
    Table(GOLD, "weekly_sales_summary", "week_start"),
    Table(GOLD, "monthly_sales_summary", "month_start"),
)
# Delta table properties a layer's tables are created with (the IO manager sets them from the assets'
# metadata). Silver keeps a change data feed, so consumers outside the lakehouse read what changed between
# versions instead of re-reading whole tables (docs/delta.md: "Time travel, restore and change data feed").
LAYER_TABLE_PROPERTIES: dict[str, dict[str, str]] = {SILVER: {"delta.enableChangeDataFeed": "true"}}
# Layer by layer, by name within a layer: the order every listing (CLI, dashboard, errors) shows.
TABLES: tuple[Table, ...] = tuple(sorted(_DECLARED, key=lambda table: (LAYERS.index(table.layer), table.name)))
PATHS: tuple[str, ...] = tuple(table.path for table in TABLES)
_BY_PATH: dict[str, Table] = {table.path: table for table in TABLES}


def _normalized(name: str) -> str:
    # `silver.transactions` is how Spark SQL and dbt name a table; a trailing slash comes from
    # shell completion of the table's folder.
    return name.strip().strip("/").replace(".", "/").lower()


def _hint(name: str) -> str:
    """The tables `name` probably meant: the same table name in other layers, else the closest path."""
    key = _normalized(name)
    same_name = [table.path for table in TABLES if table.name == key.rsplit("/", 1)[-1]]
    close = same_name or difflib.get_close_matches(key, PATHS, n=1)
    return " or ".join(close)


def _unknown(names: Sequence[str]) -> UnknownTableError:
    hints = [(name, _hint(name)) for name in names]
    if len(hints) == 1:
        name, hint = hints[0]
        what = f"Unknown table {name!r}." + (f" Did you mean {hint}?" if hint else "")
    else:
        what = (
            "Unknown tables "
            + ", ".join(f"{name!r}" + (f" (did you mean {hint}?)" if hint else "") for name, hint in hints)
            + "."
        )
    return UnknownTableError(f"{what} Tables: {', '.join(PATHS)} (as <layer>/<table> or <layer>.<table>).")


def resolve(name: str) -> Table:
    """The table `name` means: `silver/transactions`, `silver.transactions`, any case, spaces or
    slashes around it. Anything else raises UnknownTableError naming the closest tables."""
    table = _BY_PATH.get(_normalized(name))
    if table is None:
        raise _unknown([name])
    return table


def resolve_all(names: Iterable[str]) -> list[Table]:
    """Each named table once, in the order given; one UnknownTableError names every unknown name."""
    names = list(names)
    unknown = [name for name in names if _normalized(name) not in _BY_PATH]
    if unknown:
        raise _unknown(unknown)
    return list(dict.fromkeys(_BY_PATH[_normalized(name)] for name in names))


def source_table(source: str) -> Table:
    """The bronze table of landing source `source` (`transactions`, `customers`, `products`)."""
    return resolve(f"{BRONZE}/{source}")


def written_with(table: Table) -> list[Table]:
    """The tables one step writes together with `table` (Dagster materializes them together or not at all):
    a bronze source and its file ledger, silver's four tables; a gold table alone."""
    if table.layer == BRONZE:
        source = table.name.removesuffix("_files")
        return [source_table(source), resolve(f"{BRONZE}/{files_table(source)}")]
    if table.layer == SILVER:
        return [candidate for candidate in TABLES if candidate.layer == SILVER]
    return [table]


def ledger_table(source: str) -> Table:
    """The file ledger of landing source `source`: one row per landed file and what bronze did with it."""
    return resolve(f"{BRONZE}/{files_table(source)}")
