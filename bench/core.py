"""The registry of benchmarks, what they return, and the timing helpers they share."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

REPEATS = 3


@dataclass(frozen=True)
class Result:
    """One figure: the node's `value` against a `baseline` measured in the same run.

    `ratio` is value / baseline. `target`, when set, is the least acceptable ratio for
    figures where more is better (throughput) and the greatest for those where less is better
    (latency).
    """

    name: str
    value: float
    unit: str
    baseline: float
    target: float | None = None
    higher_is_better: bool = True
    description: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        if self.higher_is_better:
            return self.ratio >= self.target
        return self.ratio <= self.target

    def as_json(self) -> dict[str, Any]:
        return {
            "value": round(self.value, 3),
            "unit": self.unit,
            "baseline": round(self.baseline, 3),
            "ratio": round(self.ratio, 3),
            "target": self.target,
        }


@dataclass(frozen=True)
class RunConfig:
    """Sizes of one run; benchmarks that need other sizes derive them from `quick`."""

    quick: bool
    commands: int
    batch_size: int
    requests: int
    repeats: int = REPEATS
    log: Callable[[str], None] = field(default=print)

    @property
    def command_warmup(self) -> int:
        return max(10, min(200, self.commands // 10))

    @property
    def request_warmup(self) -> int:
        return max(10, min(100, self.requests // 10))


BenchmarkFn = Callable[[RunConfig], "Result | Sequence[Result]"]

_REGISTRY: dict[str, BenchmarkFn] = {}


def benchmark(name: str) -> Callable[[BenchmarkFn], BenchmarkFn]:
    """Register a benchmark under `name`; benchmarks run in the order they are registered."""

    def register(fn: BenchmarkFn) -> BenchmarkFn:
        if name in _REGISTRY:
            raise ValueError(f"benchmark {name!r} is already registered")
        _REGISTRY[name] = fn
        return fn

    return register


def registered() -> dict[str, BenchmarkFn]:
    return dict(_REGISTRY)


def run_benchmark(name: str, config: RunConfig) -> list[Result]:
    """Run one benchmark with what already exists frozen out of the garbage collector's way.

    Without `gc.freeze()` every full collection during a timed section would walk the whole
    heap of imported modules, a cost that lands on whichever side happens to trigger it.
    """
    gc.collect()
    gc.freeze()
    try:
        outcome = _REGISTRY[name](config)
    finally:
        gc.unfreeze()
    return [outcome] if isinstance(outcome, Result) else list(outcome)


def timed(fn: Callable[..., object], *args: Any) -> float:
    """Seconds `fn(*args)` takes, after a full garbage collection (not timed)."""
    gc.collect()
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
