"""Writes a run's results: `bench/results.json`, `docs/benchmarks.md`, and a table on stdout."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.core import Result

INTRO = """\
Each figure compares the node with a baseline measured in the same run on the same machine, so
the ratio is meaningful even where the absolute numbers are not: the node and its baseline run
interleaved (alternating chunks of commands on fresh stores, alternating requests on one
server), so both see whatever else the machine is doing, and what the process already holds is
frozen out of the garbage collector's way (`gc.freeze()`). Every measurement is repeated three
times after untimed warm-up rounds and the median is kept (the federation's throughput, the most
sensitive to the machine's slow spells, five times, keeping the repetition with the median
ratio of its two sides run back to back). Targets apply to the ratio
where the target column shows one (at least that much for throughput); the federation's lag
(p99 under 1 s), its rebuild rate (at least 20,000 events/s) and the pages' render time (p95
under 100 ms) have absolute targets, judged in their descriptions below. Absolute figures move
a lot on a busy machine; compare ratios.
"""


@dataclass(frozen=True)
class Machine:
    nproc: int
    python: str
    platform: str
    cpu: str

    @classmethod
    def current(cls) -> Machine:
        try:
            nproc = len(os.sched_getaffinity(0))
        except AttributeError:
            nproc = os.cpu_count() or 1
        return cls(nproc, platform.python_version(), platform.platform(), _cpu_model())


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _number(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _target(result: Result) -> str:
    if result.target is None:
        return "—"
    return f"{'≥' if result.higher_is_better else '≤'} {result.target:g}"


def _met(result: Result) -> str:
    met = result.met
    return "—" if met is None else ("yes" if met else "**no**")


def rows(results: Sequence[Result]) -> list[list[str]]:
    return [
        [
            r.name,
            _number(r.value, r.unit),
            r.unit,
            _number(r.baseline, r.unit),
            f"{r.ratio:.2f}",
            _target(r),
            _met(r),
        ]
        for r in results
    ]


HEADER = ["name", "value", "unit", "baseline", "ratio", "target", "met?"]


def markdown_table(results: Sequence[Result]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results)]
    return "\n".join(lines)


def text_table(results: Sequence[Result]) -> str:
    table = [HEADER, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    )


def write_json(results: Sequence[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {r.name: r.as_json() for r in results}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_markdown(
    results: Sequence[Result],
    path: Path,
    *,
    command: str,
    when: datetime,
    machine: Machine,
) -> None:
    described = [f"- `{r.name}`: {r.description}" for r in results if r.description]
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            INTRO,
            f"Command: `{command}`  ",
            f"Date: {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC  ",
            f"Machine: {machine.nproc} CPU ({machine.cpu}), Python {machine.python}, "
            f"{machine.platform}",
            "",
            markdown_table(results),
            "",
            "## What is measured",
            "",
            *described,
            "",
            "Regenerate with `python -m bench` (about twelve minutes; the 1,000,000-event "
            "rebuild takes most of it) or `python -m bench --quick`; "
            "both rewrite this file and `bench/results.json`.",
            "",
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def now() -> datetime:
    return datetime.now(UTC)
