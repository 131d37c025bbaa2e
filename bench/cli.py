"""`python -m bench [--quick] [--only NAME]`: run the benchmarks, write the reports."""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import time
from pathlib import Path

from bench import report
from bench.core import REPEATS, Result, RunConfig, registered, run_benchmark

# Modules whose @benchmark functions make up a run, in order; add yours here.
SUITES = ("bench.node_commands", "bench.http_latency", "bench.pages", "bench.federation")

ROOT = Path(__file__).resolve().parent.parent
FULL = {"commands": 3000, "requests": 1000}
QUICK = {"commands": 300, "requests": 100}
BATCH_SIZE = 100


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark the node against raw baselines."
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=ROOT,
        help="where bench/results.json and docs/benchmarks.md go (default: the repository)",
    )
    parser.add_argument("--commands", type=_positive, help="commands per measurement")
    parser.add_argument("--batch-size", type=_positive, default=BATCH_SIZE)
    parser.add_argument("--requests", type=_positive, help="HTTP requests per measurement")
    parser.add_argument("--repeats", type=_positive, default=REPEATS)
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only this benchmark (repeatable)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    sizes = QUICK if args.quick else FULL
    config = RunConfig(
        quick=args.quick,
        commands=args.commands or sizes["commands"],
        batch_size=args.batch_size,
        requests=args.requests or sizes["requests"],
        repeats=args.repeats,
        log=lambda line: print(line, flush=True),
    )
    for module in SUITES:
        importlib.import_module(module)

    started = report.now()
    results: list[Result] = []
    names = list(registered())
    unknown = set(args.only or ()) - set(names)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {names}")
    for name in [n for n in names if not args.only or n in args.only]:
        config.log(f"[bench] {name} …")
        t0 = time.perf_counter()
        found = run_benchmark(name, config)
        for result in found:
            config.log(
                f"[bench] {result.name}: {report.rows([result])[0][1]} {result.unit} "
                f"(baseline {report.rows([result])[0][3]}, ratio {result.ratio:.2f}) "
                f"in {time.perf_counter() - t0:.1f} s"
            )
        results += found

    json_path = args.output_dir / "bench" / "results.json"
    md_path = args.output_dir / "docs" / "benchmarks.md"
    report.write_json(results, json_path)
    report.write_markdown(
        results,
        md_path,
        command=shlex.join(["python", "-m", "bench", *_shown(argv)]),
        when=started,
        machine=report.Machine.current(),
    )
    print()
    print(report.text_table(results))
    print(f"\nwrote {json_path} and {md_path}")
    return 0


def _shown(argv: list[str]) -> list[str]:
    """The arguments as run, without --output-dir (a local path)."""
    shown: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--output-dir":
            skip = True
        elif not arg.startswith("--output-dir="):
            shown.append(arg)
    return shown
