"""Benchmarks: `python -m bench [--quick]` measures the node against baselines of the same run.

A benchmark is a function registered with `@benchmark("name")` in a module listed in
`bench.cli.SUITES`; it takes the run's `RunConfig` and returns one `Result` (or several, named
`name_…`, when one measurement yields several figures, like latency percentiles).
"""

from bench.core import Result, RunConfig, benchmark, registered

__all__ = ["Result", "RunConfig", "benchmark", "registered"]
