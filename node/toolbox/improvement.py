"""Rate of improvement of living conditions (indicator D4) from additive counts.

Only counts and sums of scores travel from a region to the nation, so every figure here is a
function of `ImprovementCounts`, and adding regional counts gives exactly the national rates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Literal

from node.toolbox.errors import ToolboxError, require_finite

# statsmodels (with scipy and pandas) takes 1.5 s to import: it is imported where a figure needs
# it, not whenever a node or a command starts.

EPSILON = 1e-9
"""A change of c_i smaller than this is rounding noise, not an improvement."""

EXACT_BELOW = 25
"""Discordant pairs under which McNemar's test uses the exact binomial distribution.

The chi-square approximation is poor with few discordant pairs; b + c < 25 is the usual rule
of thumb for switching to the exact test. From 25 on, the continuity-corrected chi-square is used.
"""


@dataclass(frozen=True)
class Proportion:
    """A share with its sample size and 95 % Wilson interval; `rate` is None when n is 0."""

    successes: int
    n: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None


def wilson(successes: int, n: int, alpha: float = 0.05) -> Proportion:
    """Share and Wilson score interval, which stays inside [0, 1] and behaves at 0 % and 100 %."""
    for field, value in (("successes", successes), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ToolboxError(field, f"a non-negative whole number is required, got {value!r}")
    if successes > n:
        raise ToolboxError("successes", f"{successes} successes cannot exceed n = {n}")
    if n == 0:
        return Proportion(successes=0, n=0, rate=None, ci_low=None, ci_high=None)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=alpha, method="wilson")
    rate = successes / n
    # The exact bounds always hold the rate; rounding alone can leave 0 % or 100 % outside.
    return Proportion(
        successes=successes,
        n=n,
        rate=rate,
        ci_low=max(0.0, min(float(low), rate)),
        ci_high=min(1.0, max(float(high), rate)),
    )


@dataclass(frozen=True)
class PairedScores:
    """One beneficiary's weighted deprivation score and poverty status at baseline and follow-up."""

    c_before: float
    c_after: float
    poor_before: bool
    poor_after: bool


@dataclass(frozen=True)
class McNemarResult:
    statistic: float
    p_value: float
    method: Literal["exact_binomial", "chi2_corrected"]
    discordant: int


@dataclass(frozen=True)
class ImprovementReport:
    improved: Proportion
    worsened: Proportion
    exits: Proportion
    mean_c_before: float | None
    mean_c_after: float | None
    mcnemar: McNemarResult | None


@dataclass(frozen=True)
class ImprovementCounts:
    """Additive roll-up of paired baseline/follow-up scores; `ImprovementCounts()` is zero.

    `exits` are poor at baseline and not at follow-up, `entries` the reverse. Score sums are
    floats, so means agree across groupings to rounding; every count, hence every rate, is exact.
    """

    paired: int = 0
    improved: int = 0
    worsened: int = 0
    poor_at_baseline: int = 0
    exits: int = 0
    entries: int = 0
    sum_c_before: float = 0.0
    sum_c_after: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
                raise ToolboxError(f.name, f"a whole number is required, got {value!r}")
            if require_finite(value, f.name) < 0:
                raise ToolboxError(f.name, f"cannot be negative, got {value!r}")
        self._check_bounds()

    def _check_bounds(self) -> None:
        bounds = (
            ("improved", self.improved + self.worsened, self.paired, "improved + worsened"),
            ("poor_at_baseline", self.poor_at_baseline, self.paired, "poor_at_baseline"),
            ("exits", self.exits, self.poor_at_baseline, "exits"),
            ("entries", self.entries, self.paired - self.poor_at_baseline, "entries"),
            ("sum_c_before", self.sum_c_before, self.paired, "sum_c_before"),
            ("sum_c_after", self.sum_c_after, self.paired, "sum_c_after"),
        )
        for field, value, limit, what in bounds:
            if value > limit:
                raise ToolboxError(field, f"{what} ({value:g}) cannot exceed {limit:g}")

    @classmethod
    def from_pairs(cls, pairs: Iterable[PairedScores]) -> ImprovementCounts:
        """Count improvements (c_i fell), deteriorations (c_i rose), exits and entries."""
        total = cls()
        for i, pair in enumerate(pairs):
            total += cls._one(pair, f"pairs.{i}")
        return total

    @classmethod
    def _one(cls, pair: PairedScores, field: str) -> ImprovementCounts:
        for name in ("c_before", "c_after"):
            value = getattr(pair, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ToolboxError(
                    f"{field}.{name}", f"a score in [0, 1] is required, got {value!r}"
                )
        change = pair.c_after - pair.c_before
        return cls(
            paired=1,
            improved=int(change < -EPSILON),
            worsened=int(change > EPSILON),
            poor_at_baseline=int(pair.poor_before),
            exits=int(pair.poor_before and not pair.poor_after),
            entries=int(pair.poor_after and not pair.poor_before),
            sum_c_before=float(pair.c_before),
            sum_c_after=float(pair.c_after),
        )

    def __add__(self, other: ImprovementCounts) -> ImprovementCounts:
        if not isinstance(other, ImprovementCounts):
            return NotImplemented
        return ImprovementCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def poor_at_follow_up(self) -> int:
        return self.poor_at_baseline - self.exits + self.entries

    def mcnemar(self) -> McNemarResult | None:
        """McNemar's test of poor/not poor before vs after; None without pairs.

        Exact binomial below `EXACT_BELOW` discordant pairs, continuity-corrected chi-square
        from there on.
        """
        if self.paired == 0:
            return None
        stayed_poor = self.poor_at_baseline - self.exits
        never_poor = self.paired - self.poor_at_baseline - self.entries
        table = [[stayed_poor, self.exits], [self.entries, never_poor]]
        discordant = self.exits + self.entries
        exact = discordant < EXACT_BELOW
        from statsmodels.stats.contingency_tables import mcnemar as statsmodels_mcnemar

        result = statsmodels_mcnemar(table, exact=exact, correction=True)
        return McNemarResult(
            statistic=float(result.statistic),
            p_value=float(result.pvalue),
            method="exact_binomial" if exact else "chi2_corrected",
            discordant=discordant,
        )

    def report(self) -> ImprovementReport:
        """Improved and worsened shares over pairs, exit rate over the poor at baseline."""
        return ImprovementReport(
            improved=wilson(self.improved, self.paired),
            worsened=wilson(self.worsened, self.paired),
            exits=wilson(self.exits, self.poor_at_baseline),
            mean_c_before=self.sum_c_before / self.paired if self.paired else None,
            mean_c_after=self.sum_c_after / self.paired if self.paired else None,
            mcnemar=self.mcnemar(),
        )
