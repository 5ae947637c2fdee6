"""One measurement: generate DAYS days of N transactions into a landing folder, timed, with peak memory.

    python bench/generate_day.py --landing DIR --transactions N [--customers C --products P --days D] [--result FILE]

Prints one JSON line (and writes it to --result): seconds, transactions per second, records and
bytes landed per source, the process's peak RSS. The drops stay in DIR for the pipeline runs.
"""

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from probe import MemorySampler, emit, folder_bytes, process_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True, help="landing folder to write the drops into")
    parser.add_argument("--transactions", type=int, required=True, help="transactions per day")
    parser.add_argument("--customers", type=int, default=200, help="customers on the first day")
    parser.add_argument("--products", type=int, default=50, help="products")
    parser.add_argument("--days", type=int, default=1, help="days to generate")
    parser.add_argument("--start-date", type=date.fromisoformat, default=date(2024, 1, 1))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--result", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)

    with MemorySampler() as sampler:
        from lakehouse_assets.generator import GeneratorConfig, generate

        config = GeneratorConfig(
            landing_root=args.landing,
            start_date=args.start_date,
            days=args.days,
            transactions_per_day=args.transactions,
            customers=args.customers,
            products=args.products,
            seed=args.seed,
        )
        started = time.perf_counter()
        manifests = generate(config, progress=lambda line: print(line, file=sys.stderr, flush=True))
        seconds = time.perf_counter() - started
    records: dict[str, int] = {}
    for manifest in manifests:
        records[manifest["source"]] = records.get(manifest["source"], 0) + manifest["records"]
    transactions = args.transactions * args.days
    emit(
        {
            "transactions_per_day": args.transactions,
            "customers": args.customers,
            "products": args.products,
            "days": args.days,
            "seconds": round(seconds, 2),
            "transactions_per_second": round(transactions / seconds) if seconds else None,
            "records_landed": records,
            "bytes_landed": folder_bytes(args.landing),
            "driver_peak_mb": sampler.peaks_mb()["driver_peak_mb"],
            "process_seconds": process_seconds(),
        },
        args.result,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
