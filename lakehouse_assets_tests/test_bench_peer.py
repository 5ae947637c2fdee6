"""The benchmark's DuckDB peer (bench/peer_pipeline.py) does the project's daily work: equal outputs.

Two small days from the project's generator, with its dirty records (malformed lines, duplicates,
newer versions, bad values, unknown references, late arrivals), are run through bench/plain_pipeline.py's
PlainLakehouse (the project's own transforms, on the session's JVM) and through the peer, each into its
own root. Every silver and gold table must then hold exactly the same rows, column for column, with the
same Delta schema; only the per-run lineage (`_ingested_at`, `_run_id`) is left out of the comparison.
"""

import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from deltalake import DeltaTable

from lakehouse_assets.generator import GeneratorConfig, generate

BENCH = Path(__file__).resolve().parent.parent / "bench"
FIRST, LAST = date(2024, 1, 1), date(2024, 1, 2)
# Written per run, so different between any two runs of the same data.
PER_RUN = ("_ingested_at", "_run_id")
TABLES = (
    "silver/customers",
    "silver/products",
    "silver/transactions",
    "silver/quarantine",
    "gold/dim_customers",
    "gold/dim_products",
    "gold/daily_sales_summary",
    "gold/product_performance",
    "gold/customer_segments",
)


@pytest.fixture(scope="module")
def bench_modules():
    sys.path.insert(0, str(BENCH))
    import peer_pipeline
    import plain_pipeline

    yield plain_pipeline, peer_pipeline
    sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def roots(spark, bench_modules, tmp_path_factory):
    """The plain pipeline's and the peer's tables for the same two landed days."""
    plain_pipeline, peer_pipeline = bench_modules
    work = tmp_path_factory.mktemp("peer")
    landing = work / "landing"
    # Two days: the generator rotates formats over days and sources, so each source lands in two of CSV
    # (quoted fields, broken lines), JSON (numbers as written, broken lines) and Parquet; day 2 brings
    # late arrivals and changed customers (SCD 2 history).
    generate(GeneratorConfig(landing_root=landing, start_date=FIRST, days=2, transactions_per_day=600, customers=150))
    plain = plain_pipeline.PlainLakehouse(spark, str(work / "plain"), landing, FIRST, LAST, late_days=1)
    for build in (plain.bronze, plain.silver, plain.gold):
        build()
    peer = peer_pipeline.PeerLakehouse(str(work / "peer"), landing, FIRST, LAST, late_days=1)
    try:
        for build in (peer.bronze, peer.silver, peer.gold):
            build()
    finally:
        peer.close()
    return work / "plain", work / "peer"


def rows(root: Path, table: str) -> tuple[list[str], Counter]:
    data = DeltaTable(str(root / table)).to_pyarrow_table()
    names = [name for name in data.column_names if name not in PER_RUN]
    records = data.select(names).to_pylist()
    # Lists (failed rules, warnings) as tuples, so rows can be counted; values compare exactly (Decimal).
    return names, Counter(tuple(tuple(v) if isinstance(v, list) else v for v in record.values()) for record in records)


def schema(root: Path, table: str) -> list[tuple[str, str]]:
    return [(field.name, str(field.type)) for field in DeltaTable(str(root / table)).schema().fields]


def test_the_landed_days_hold_what_the_comparison_needs(roots):
    """Without duplicates, rule failures and late arrivals the comparison would prove little."""
    plain, _ = roots
    _, quarantine = rows(plain, "silver/quarantine")
    names, _ = rows(plain, "silver/quarantine")
    source, disposition, reason = names.index("source"), names.index("disposition"), names.index("reason")
    kinds = {(row[source], row[disposition]) for row in quarantine}
    for source_name in ("customers", "products", "transactions"):
        assert {(source_name, "quarantined"), (source_name, "duplicate")} <= kinds
    reasons = " ".join(row[reason] for row in quarantine)
    for rule in ("malformed_record", "customer_known", "older version of", "exact duplicate"):
        assert rule in reasons
    names, transactions = rows(plain, "silver/transactions")
    assert any(row[names.index("is_late_arriving")] for row in transactions)
    names, customers = rows(plain, "gold/dim_customers")
    assert any(not row[names.index("is_current")] for row in customers)  # a customer changed on day 2


@pytest.mark.parametrize("table", TABLES)
def test_the_peer_writes_the_same_table(roots, table):
    plain, peer = roots
    assert schema(peer, table) == schema(plain, table)
    names, expected = rows(plain, table)
    _, actual = rows(peer, table)
    missing, extra = expected - actual, actual - expected
    assert not missing and not extra, (
        f"{table}: {sum(missing.values())} plain rows the peer lacks, {sum(extra.values())} peer rows the plain "
        f"pipeline lacks; columns {names}\nfirst missing: {list(missing)[:3]}\nfirst extra: {list(extra)[:3]}"
    )
    assert expected  # every table has rows: an empty comparison proves nothing


def test_the_peer_imports_neither_spark_nor_dagster():
    code = (
        "import sys; sys.path.insert(0, 'bench'); import peer_pipeline; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pyspark', 'dagster', 'py4j'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BENCH.parent, capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
