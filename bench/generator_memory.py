"""Generates one day of N transactions into a temp dir; prints wall time, rows/s and peak RSS as JSON.

Usage: python bench/generator_memory.py [N]   (default 10,000,000)
Peak RSS is the process high-water mark (ru_maxrss), so it includes imports; it proves the day is
streamed when it stays flat as N grows.
"""

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from lakehouse_assets.generator import GeneratorConfig, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("transactions", nargs="?", type=int, default=10_000_000, help="transactions in the day")
    args = parser.parse_args(argv)
    rss_before = _peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="generator-bench-") as folder:
        config = GeneratorConfig(landing_root=Path(folder), days=1, transactions_per_day=args.transactions)
        started = time.perf_counter()
        manifests = generate(config)
        seconds = time.perf_counter() - started
        written = sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())
    transactions = next(manifest for manifest in manifests if manifest["source"] == "transactions")
    result = {
        "transactions": args.transactions,
        "records_landed": transactions["records"],
        "files": len(transactions["files"]),
        "formats": sorted({entry["format"] for entry in transactions["files"]}),
        "chunk_rows": config.chunk_rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(args.transactions / seconds),
        "bytes_written": written,
        "peak_rss_mb_after_imports": round(rss_before, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


if __name__ == "__main__":
    raise SystemExit(main())
