"""Social return on investment (SROI) from a value map.

Each outcome's year-1 impact is quantity × financial proxy, net of what would have happened
anyway (deadweight), of what was merely moved elsewhere (displacement) and of others'
contribution (attribution); later years lose `drop_off` each year. Year t is discounted by
(1 + r)^t, t = 1, 2, ..., as in the SROI guide. A negative proxy values a negative outcome,
which the guide asks to include rather than leave out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from node.toolbox.errors import ToolboxError, require_finite

MAX_DURATION_YEARS = 50
"""Longer claims are not credible in a value map and would only hide a typing error."""

FRACTIONS = ("deadweight", "displacement", "attribution", "drop_off")


@dataclass(frozen=True)
class Outcome:
    """One line of the value map; every rate is a fraction (0.25, not 25)."""

    quantity: float
    proxy: float
    deadweight: float
    displacement: float
    attribution: float
    drop_off: float
    duration_years: int

    def yearly(self) -> list[float]:
        """Undiscounted impact for each year the outcome lasts."""
        first = (
            self.quantity
            * self.proxy
            * (1 - self.deadweight)
            * (1 - self.displacement)
            * (1 - self.attribution)
        )
        return [first * (1 - self.drop_off) ** year for year in range(self.duration_years)]


@dataclass(frozen=True)
class SroiResult:
    """`yearly[t]` and `discounted[t]` are year t + 1 summed over outcomes."""

    yearly: tuple[float, ...]
    discounted: tuple[float, ...]
    present_value: float
    inputs: float
    ratio: float
    net_ratio: float


def sroi(outcomes: Sequence[Outcome], discount_rate: float, inputs: float) -> SroiResult:
    """Present value of the outcomes and the SROI ratio PV / inputs."""
    if not outcomes:
        raise ToolboxError("outcomes", "at least one outcome is needed")
    for i, outcome in enumerate(outcomes):
        _check_outcome(outcome, f"outcomes.{i}")
    rate = require_finite(discount_rate, "discount_rate")
    if not 0 <= rate <= 1:
        raise ToolboxError("discount_rate", f"a fraction in [0, 1] is required, got {rate:g}")
    invested = require_finite(inputs, "inputs")
    if invested <= 0:
        raise ToolboxError("inputs", f"the value of inputs must be positive, got {invested:g}")
    years = max(outcome.duration_years for outcome in outcomes)
    yearly = [0.0] * years
    for outcome in outcomes:
        for year, value in enumerate(outcome.yearly()):
            yearly[year] += value
    discounted = [value / (1 + rate) ** (year + 1) for year, value in enumerate(yearly)]
    present_value = math.fsum(discounted)
    return SroiResult(
        yearly=tuple(yearly),
        discounted=tuple(discounted),
        present_value=present_value,
        inputs=invested,
        ratio=present_value / invested,
        net_ratio=(present_value - invested) / invested,
    )


def _check_outcome(outcome: Outcome, field: str) -> None:
    if require_finite(outcome.quantity, f"{field}.quantity") < 0:
        raise ToolboxError(f"{field}.quantity", f"cannot be negative, got {outcome.quantity:g}")
    require_finite(outcome.proxy, f"{field}.proxy")
    for name in FRACTIONS:
        value = require_finite(getattr(outcome, name), f"{field}.{name}")
        if not 0 <= value <= 1:
            raise ToolboxError(
                f"{field}.{name}", f"a fraction in [0, 1] is required (0.25, not 25), got {value:g}"
            )
    years = outcome.duration_years
    if (
        isinstance(years, bool)
        or not isinstance(years, int)
        or not 1 <= years <= MAX_DURATION_YEARS
    ):
        raise ToolboxError(
            f"{field}.duration_years",
            f"a whole number of years from 1 to {MAX_DURATION_YEARS} is required, got {years!r}",
        )
