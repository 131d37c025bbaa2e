"""Difference-in-differences: the oracle, an independent check of clustered errors, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from node.toolbox.did import difference_in_differences
from node.toolbox.errors import ToolboxError

OUTCOME = [10.0, 11, 15, 18, 9, 10, 12, 13]
TREATED = [1, 1, 1, 1, 0, 0, 0, 0]
POST = [0, 0, 1, 1, 0, 0, 1, 1]


def test_oracle_classical_standard_errors() -> None:
    result = difference_in_differences(OUTCOME, TREATED, POST)

    assert round(result.effect, 4) == 3.0000
    assert round(result.se, 4) == 1.7321
    assert round(result.p_value, 4) == 0.1583
    assert round(result.ci_low, 3) == -1.809
    assert round(result.ci_high, 3) == 7.809
    assert (result.n, result.df, result.method, result.clusters) == (8, 4, "ols_classical", None)


def test_cluster_robust_errors_match_the_cr1_sandwich() -> None:
    units = ["a", "b", "a", "b", "c", "d", "c", "d"]
    result = difference_in_differences(OUTCOME, TREATED, POST, cluster=units)

    x = np.column_stack([np.ones(8), TREATED, POST, np.multiply(TREATED, POST)])
    y = np.array(OUTCOME)
    bread = np.linalg.inv(x.T @ x)
    residuals = y - x @ (bread @ x.T @ y)
    meat = sum(
        np.outer(x[idx].T @ residuals[idx], x[idx].T @ residuals[idx])
        for idx in (np.array(units) == unit for unit in "abcd")
    )
    groups, n, k = 4, 8, 4
    correction = groups / (groups - 1) * (n - 1) / (n - k)
    se = float(np.sqrt(correction * (bread @ meat @ bread)[3, 3]))
    t_crit = stats.t.ppf(0.975, df=groups - 1)

    assert result.method == "ols_cluster"
    assert (result.clusters, result.df) == (4, 3)
    assert result.effect == pytest.approx(3.0)
    assert result.se == pytest.approx(se)
    assert result.ci_low == pytest.approx(3.0 - t_crit * se)
    assert result.p_value == pytest.approx(2 * stats.t.sf(3.0 / se, df=3))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=-50, max_value=50), min_size=12, max_size=12))
def test_effect_is_the_difference_of_the_cell_mean_differences(values: list[int]) -> None:
    treated = [1] * 6 + [0] * 6
    post = [0, 0, 0, 1, 1, 1] * 2
    y = np.array(values, dtype=float)
    cell = {
        (d, t): y[(np.array(treated) == d) & (np.array(post) == t)].mean()
        for d in (0, 1)
        for t in (0, 1)
    }
    expected = (cell[1, 1] - cell[1, 0]) - (cell[0, 1] - cell[0, 0])
    try:
        result = difference_in_differences(values, treated, post)
    except ToolboxError as error:
        assert "no residual variation" in error.reason
        return
    assert result.effect == pytest.approx(expected, abs=1e-9)
    assert result.ci_low <= result.effect <= result.ci_high


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"treated": TREATED[:-1]}, "treated", "7 values given for 8 outcomes"),
        ({"post": [*POST[:-1], 2]}, "post.7", "0 or 1"),
        ({"treated": [1, 1, 1, 1, 0, 0, 0, "x"]}, "treated.7", "0 or 1"),
        ({"outcome": [*OUTCOME[:-1], float("nan")]}, "outcome.7", "finite number"),
        ({"post": [0, 0, 0, 0, 0, 0, 1, 1]}, "treated", "treated=1 and post=1"),
        (
            {"outcome": [1.0, 2, 3, 4], "treated": [1, 1, 0, 0], "post": [0, 1, 0, 1]},
            "outcome",
            "at least 5 observations",
        ),
        ({"cluster": ["a"] * 8}, "cluster", "at least 2 distinct clusters"),
        ({"cluster": ["a"] * 7}, "cluster", "7 cluster ids given for 8 outcomes"),
        ({"cluster": [1, 2, 3, 4, 1, 2, 3, None]}, "cluster.7", "unit id"),
        ({"outcome": [1.0, 1, 2, 2, 3, 3, 4, 4]}, "outcome", "no residual variation"),
        ({"cluster": [1, 1, 2, 2, 3, 3, 4, 4]}, "cluster", "cluster by unit"),
        ({"cluster": ["T", "T", "T", "T", "C", "C", "C", "C"]}, "cluster", "degenerates to 0"),
    ],
)
def test_bad_designs_are_refused(kwargs: dict[str, object], field: str, words: str) -> None:
    arguments: dict[str, object] = {"outcome": OUTCOME, "treated": TREATED, "post": POST}
    arguments.update(kwargs)
    with pytest.raises(ToolboxError) as caught:
        difference_in_differences(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in caught.value.reason
