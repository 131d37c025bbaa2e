"""Difference-in-differences for impact evaluations of territorial policies (indicator B3).

The effect is the interaction coefficient of the OLS regression
``outcome ~ treated + post + treated:post``. When the same units are observed repeatedly their
errors are correlated, so cluster ids switch to cluster-robust standard errors with t inference on
G − 1 degrees of freedom (G clusters), the usual small-sample choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from node.toolbox.errors import ToolboxError, require_finite

# statsmodels (with scipy and pandas) takes 1.5 s to import: it is imported where a figure needs
# it, not whenever a node or a command starts.

PARAMETERS = 4
"""Intercept, treated, post and the interaction."""
RESIDUAL_TOLERANCE = 1e-10
"""Residuals below this share of the outcome's scale are rounding noise."""


Method = Literal["ols_classical", "ols_cluster"]


@dataclass(frozen=True)
class DidResult:
    effect: float
    se: float
    p_value: float
    ci_low: float
    ci_high: float
    n: int
    df: int
    method: Method
    clusters: int | None


def difference_in_differences(
    outcome: Sequence[float],
    treated: Sequence[int],
    post: Sequence[int],
    cluster: Sequence[str | int] | None = None,
    alpha: float = 0.05,
) -> DidResult:
    """Estimate the 2×2 difference-in-differences effect with its standard error and interval."""
    y = np.array([require_finite(v, f"outcome.{i}") for i, v in enumerate(outcome)])
    n = len(y)
    if n <= PARAMETERS:
        raise ToolboxError(
            "outcome",
            f"at least {PARAMETERS + 1} observations are needed to estimate the effect "
            f"and its standard error, got {n}",
        )
    d = _dummy(treated, "treated", n)
    t = _dummy(post, "post", n)
    _check_cells(d, t)
    fitted, method, clusters = _fit(y, d, t, cluster)
    test = fitted.t_test(np.array([[0.0, 0.0, 0.0, 1.0]]))
    se = float(np.asarray(test.sd).item())
    # Clusters that each sit inside one treated × period cell sum their residuals to zero.
    if not se > RESIDUAL_TOLERANCE * float(np.sqrt(fitted.ssr / n)):
        raise ToolboxError(
            "cluster",
            "the cluster-robust standard error degenerates to 0: cluster by unit (person, "
            "commune, structure), not by treatment group or period",
        )
    low, high = np.asarray(test.conf_int(alpha=alpha)).ravel()
    return DidResult(
        effect=float(np.asarray(test.effect).item()),
        se=se,
        p_value=float(np.asarray(test.pvalue).item()),
        ci_low=float(low),
        ci_high=float(high),
        n=n,
        df=int(test.df_denom),
        method=method,
        clusters=clusters,
    )


def _fit(
    y: np.ndarray, treated: np.ndarray, post: np.ndarray, cluster: Sequence[str | int] | None
) -> tuple[Any, Method, int | None]:
    """OLS with classical errors, or cluster-robust ones with t inference on G − 1 df."""
    import statsmodels.api as sm

    model = sm.OLS(y, np.column_stack([np.ones(len(y)), treated, post, treated * post]))
    method: Method = "ols_classical"
    clusters = None
    if cluster is None:
        fitted = model.fit()
    else:
        groups, clusters = _groups(cluster, len(y))
        fitted = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        method = "ols_cluster"
    # Cell means fitting exactly leave a standard error that is 0 or rounding noise.
    if np.abs(fitted.resid).max() <= RESIDUAL_TOLERANCE * max(np.abs(y).max(), 1.0):
        raise ToolboxError(
            "outcome", "the outcome has no residual variation, so no standard error can be computed"
        )
    return fitted, method, clusters


def _dummy(values: Sequence[int], field: str, n: int) -> np.ndarray:
    if len(values) != n:
        raise ToolboxError(field, f"{len(values)} values given for {n} outcomes")
    for i, value in enumerate(values):
        if not isinstance(value, int | float) or value not in (0, 1):
            raise ToolboxError(f"{field}.{i}", f"0 or 1 is required, got {value!r}")
    return np.array(values, dtype=float)


def _check_cells(treated: np.ndarray, post: np.ndarray) -> None:
    for group in (0, 1):
        for period in (0, 1):
            if not np.any((treated == group) & (post == period)):
                raise ToolboxError(
                    "treated",
                    f"no observation with treated={group} and post={period}: the design needs "
                    "treated and comparison units both before and after",
                )


def _groups(cluster: Sequence[str | int], n: int) -> tuple[np.ndarray, int]:
    if len(cluster) != n:
        raise ToolboxError("cluster", f"{len(cluster)} cluster ids given for {n} outcomes")
    codes: dict[str | int, int] = {}
    for i, unit in enumerate(cluster):
        if isinstance(unit, bool) or not isinstance(unit, str | int):
            raise ToolboxError(
                f"cluster.{i}", f"a unit id (text or whole number) is required, got {unit!r}"
            )
        codes.setdefault(unit, len(codes))
    if len(codes) < 2:
        raise ToolboxError("cluster", "at least 2 distinct clusters are needed")
    return np.array([codes[unit] for unit in cluster]), len(codes)
