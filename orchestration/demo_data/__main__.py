"""Command line: python -m orchestration.demo_data --out DIR [--persons N] [--days D] [--end-date YYYY-MM-DD]
[--seed S] [--quiet]"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from orchestration.demo_data.generator import (
    DEFAULT_DAYS,
    DEFAULT_END_DATE,
    DEFAULT_PERSONS,
    DEFAULT_SEED,
    generate,
    main_report,
)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.demo_data",
        description="Generate the demo raw data set (DIR/raw) and its ground truth (DIR/truth).",
    )
    parser.add_argument("--out", required=True, help="output folder; DIR/raw and DIR/truth are replaced")
    parser.add_argument("--persons", type=int, default=DEFAULT_PERSONS,
                        help="customers to simulate (default %(default)s)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days to simulate (default %(default)s)")
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=dt.date.fromisoformat(DEFAULT_END_DATE),
                        help="last simulated day, Shanghai calendar (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    summary = generate(arguments.out, persons=arguments.persons, days=arguments.days, end_date=arguments.end_date,
                       seed=arguments.seed, report=None if arguments.quiet else main_report)
    if not arguments.quiet:
        main_report(f"demo data: wrote {summary['events']:,} events in {summary['elapsed_seconds']:.1f}s "
                    f"({summary['events_per_second']:,.0f} events/s) to {summary['raw_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
