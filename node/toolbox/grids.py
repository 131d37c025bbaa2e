"""Funder evaluation grids, and whether a grid integrates impact analysis (indicator B2).

Scoring rule, on a 0–100 scale::

    total = Σ weight × multiplier × score / maximum  ÷  Σ weight × multiplier  × 100

An application passes when it reaches the pass threshold, meets every eliminatory minimum and
scores at least half the maximum on every determining criterion (a determining criterion is
one the funder will not trade against the others). Every reason for a failure is reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from node.toolbox.errors import ToolboxError, require_finite

EPSILON = 1e-9
IMPACT_SHARE = 0.30
"""Share of (weight × multiplier) impact criteria must carry for a grid to integrate impact."""
DETERMINING_FLOOR = 0.5
"""Fraction of its maximum a determining criterion must reach."""


@dataclass(frozen=True)
class Criterion:
    """One line of a grid; `minimum`, when set, is eliminatory."""

    code: str
    label: str
    weight: float
    maximum: float
    minimum: float | None = None
    multiplier: float = 1.0
    impact: bool = False
    determining: bool = False

    @property
    def effective_weight(self) -> float:
        return self.weight * self.multiplier


@dataclass(frozen=True)
class Reason:
    """Why an application failed; `criterion` is None for the overall threshold."""

    kind: Literal["eliminatory", "determining", "threshold"]
    criterion: str | None
    message: str


@dataclass(frozen=True)
class GridScore:
    total: float
    passed: bool
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Grid:
    """A versioned funder grid; an inconsistent grid cannot be built."""

    code: str
    version: int
    title: str
    pass_threshold: float
    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        for field in ("code", "title"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise ToolboxError(field, f"a non-empty text is required, got {value!r}")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ToolboxError(
                "version", f"a positive whole number is required, got {self.version!r}"
            )
        threshold = require_finite(self.pass_threshold, "pass_threshold")
        if not 0 <= threshold <= 100:
            raise ToolboxError(
                "pass_threshold",
                f"the threshold is on the 0–100 scale of totals, got {threshold:g}",
            )
        if not self.criteria:
            raise ToolboxError("criteria", "a grid needs at least one criterion")
        for i, criterion in enumerate(self.criteria):
            _check_criterion(criterion, f"criteria.{i}")
        total = math.fsum(c.effective_weight for c in self.criteria)
        if not (
            math.isfinite(total)
            and total > 0
            and all(
                math.isfinite(c.effective_weight) and c.effective_weight > 0 for c in self.criteria
            )
        ):
            raise ToolboxError(
                "criteria", "weights × multipliers must stay finite and positive to be compared"
            )
        codes = [c.code for c in self.criteria]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ToolboxError("criteria", f"duplicate criterion code(s): {', '.join(duplicates)}")

    @property
    def impact_share(self) -> float:
        """Share of the total (weight × multiplier) carried by impact criteria."""
        total = math.fsum(c.effective_weight for c in self.criteria)
        return math.fsum(c.effective_weight for c in self.criteria if c.impact) / total

    @property
    def integrates_impact(self) -> bool:
        """Impact weighs at least 30 %, or an impact criterion is eliminatory or determining.

        A minimum of 0 eliminates nobody, so it does not make a criterion eliminatory here.
        """
        decisive = any(
            c.impact and (c.determining or (c.minimum is not None and c.minimum > 0))
            for c in self.criteria
        )
        return decisive or self.impact_share >= IMPACT_SHARE - EPSILON

    def score(self, scores: Mapping[str, float]) -> GridScore:
        """Total on 0–100, pass/fail and every reason for a failure."""
        values = self._checked(scores)
        # score / maximum <= 1 and fsum is exactly rounded, so the total never exceeds 100.
        earned = math.fsum(c.effective_weight * (values[c.code] / c.maximum) for c in self.criteria)
        total = earned / math.fsum(c.effective_weight for c in self.criteria) * 100
        reasons = [
            reason for c in self.criteria for reason in _criterion_reasons(c, values[c.code])
        ]
        if total < self.pass_threshold - EPSILON:
            reasons.append(
                Reason(
                    kind="threshold",
                    criterion=None,
                    message=f"total {total:.2f} is below the pass threshold "
                    f"{self.pass_threshold:g}",
                )
            )
        return GridScore(total=total, passed=not reasons, reasons=tuple(reasons))

    def _checked(self, scores: Mapping[str, float]) -> dict[str, float]:
        known = {c.code for c in self.criteria}
        unknown = sorted(set(scores) - known)
        if unknown:
            raise ToolboxError(
                f"scores.{unknown[0]}",
                f"unknown criterion(s) for grid {self.code}: {', '.join(unknown)}",
            )
        missing = [c.code for c in self.criteria if c.code not in scores]
        if missing:
            raise ToolboxError(
                f"scores.{missing[0]}", f"no score for criterion(s) {', '.join(missing)}"
            )
        values = {}
        for c in self.criteria:
            value = require_finite(scores[c.code], f"scores.{c.code}")
            if not 0 <= value <= c.maximum:
                raise ToolboxError(
                    f"scores.{c.code}", f"{value:g} is outside [0, {c.maximum:g}] for {c.code}"
                )
            values[c.code] = value
        return values


def _criterion_reasons(criterion: Criterion, value: float) -> list[Reason]:
    reasons = []
    if criterion.minimum is not None and value < criterion.minimum:
        reasons.append(
            Reason(
                kind="eliminatory",
                criterion=criterion.code,
                message=f"{criterion.code}: {value:g} is below the eliminatory minimum "
                f"{criterion.minimum:g}",
            )
        )
    floor = criterion.maximum * DETERMINING_FLOOR
    if criterion.determining and value < floor:
        reasons.append(
            Reason(
                kind="determining",
                criterion=criterion.code,
                message=f"{criterion.code}: {value:g} is below half the maximum ({floor:g}) "
                "of a determining criterion",
            )
        )
    return reasons


def _check_criterion(criterion: Criterion, prefix: str) -> None:
    for field in ("code", "label"):
        value = getattr(criterion, field)
        if not isinstance(value, str) or not value.strip():
            raise ToolboxError(f"{prefix}.{field}", f"a non-empty text is required, got {value!r}")
    for field in ("weight", "maximum", "multiplier"):
        value = require_finite(getattr(criterion, field), f"{prefix}.{field}")
        if value <= 0:
            raise ToolboxError(
                f"{prefix}.{field}", f"{criterion.code}: must be positive, got {value:g}"
            )
    if criterion.minimum is not None:
        minimum = require_finite(criterion.minimum, f"{prefix}.minimum")
        if not 0 <= minimum <= criterion.maximum:
            raise ToolboxError(
                f"{prefix}.minimum",
                f"{criterion.code}: the eliminatory minimum {minimum:g} must lie in "
                f"[0, {criterion.maximum:g}]",
            )
    for field in ("impact", "determining"):
        if not isinstance(getattr(criterion, field), bool):
            raise ToolboxError(f"{prefix}.{field}", f"{criterion.code}: true or false is required")
