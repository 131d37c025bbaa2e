"""Alkire–Foster counting: the paper's worked example, properties, and refused inputs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.toolbox.alkire_foster import alkire_foster
from node.toolbox.errors import ToolboxError

# Alkire & Foster (2011), 4 persons x 4 indicators (oracles.md).
ACHIEVEMENTS: list[list[float | None]] = [
    [13.1, 14, 4, 1],
    [15.2, 7, 5, 0],
    [12.5, 10, 1, 0],
    [20, 11, 3, 1],
]
CUTOFFS = [13, 12, 3, 1]


def test_paper_example_reproduces_h_a_m0_exactly() -> None:
    result = alkire_foster(ACHIEVEMENTS, CUTOFFS, k=2 / 4)

    assert [score * 4 for score in result.scores] == [0, 2, 4, 1]
    assert result.scores == (0.0, 0.5, 1.0, 0.25)
    assert result.poor == (False, True, True, False)
    assert result.H == 0.5
    assert result.A == 0.75
    assert result.M0 == 0.375


def test_paper_example_censored_headcounts_and_contributions() -> None:
    result = alkire_foster(ACHIEVEMENTS, CUTOFFS, k=0.5)

    # Poor persons 2 and 3: person 2 deprived in indicators 2 and 4, person 3 in all four.
    assert result.censored_headcounts == (0.25, 0.5, 0.25, 0.5)
    assert result.contributions == pytest.approx((1 / 6, 1 / 3, 1 / 6, 1 / 3))
    assert math.fsum(result.contributions) == pytest.approx(1.0)
    assert result.weights == (0.25, 0.25, 0.25, 0.25)


def test_deprivation_is_strictly_below_the_cutoff() -> None:
    # Person 4 has 3 against a cutoff of 3 and 1 against 1: not deprived there.
    result = alkire_foster([[3, 1]], [3, 1], k=0.5)
    assert result.scores == (0.0,)
    assert result.poor == (False,)


def test_equal_weights_score_is_the_share_of_indicators_deprived() -> None:
    result = alkire_foster([[0, 0, 0, 9, 9, 9, 9]], [1] * 7, k=1 / 3)
    assert result.scores == (3 / 7,)


def test_explicit_weights_change_scores_and_poverty() -> None:
    result = alkire_foster(ACHIEVEMENTS, CUTOFFS, k=0.5, weights=[0.4, 0.2, 0.2, 0.2])
    assert result.scores == pytest.approx((0.0, 0.4, 1.0, 0.2))
    assert result.poor == (False, False, True, False)
    assert result.H == 0.25
    assert result.M0 == 0.25


def test_rounded_weights_still_reach_k_within_tolerance() -> None:
    weights = [0.3333333333, 0.3333333333, 0.3333333334]
    result = alkire_foster([[0, 1, 1]], [1, 1, 1], k=1 / 3, weights=weights)
    assert result.scores[0] < 1 / 3
    assert result.poor == (True,)


def test_nobody_poor_gives_zero_intensity_and_contributions() -> None:
    result = alkire_foster([[5, 5], [5, 0]], [1, 1], k=1.0)
    assert (result.H, result.A, result.M0) == (0.0, 0.0, 0.0)
    assert result.contributions == (0.0, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"achievements": [[1, 2], [1, None]]}, "achievements.1.1", "missing value"),
        ({"achievements": [[1, 2], [1]]}, "achievements.1", "1 values but there are 2"),
        ({"achievements": []}, "achievements", "at least one person"),
        ({"achievements": [[1, "x"]]}, "achievements.0.1", "finite number"),
        ({"achievements": [[1, math.nan]]}, "achievements.0.1", "finite number"),
        ({"cutoffs": []}, "cutoffs", "at least one indicator"),
        ({"weights": [0.5, 0.4]}, "weights", "sum to 1"),
        ({"weights": [1.5, -0.5]}, "weights.1", "positive"),
        ({"weights": [1.0]}, "weights", "1 weights given for 2 indicators"),
        ({"k": 0}, "k", "(0, 1]"),
        ({"k": 1.2}, "k", "(0, 1]"),
        ({"k": math.inf}, "k", "finite number"),
    ],
)
def test_bad_inputs_are_refused_with_field_and_reason(
    kwargs: dict[str, object], field: str, words: str
) -> None:
    arguments: dict[str, object] = {"achievements": [[1, 2]], "cutoffs": [1, 1], "k": 0.5}
    arguments.update(kwargs)
    with pytest.raises(ToolboxError) as caught:
        alkire_foster(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in caught.value.reason
    assert isinstance(caught.value, ValueError)


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[list[float]], list[float], list[float] | None, float]:
    persons = draw(st.integers(min_value=1, max_value=12))
    indicators = draw(st.integers(min_value=1, max_value=6))
    cell = st.integers(min_value=0, max_value=4).map(float)
    matrix = [
        draw(st.lists(cell, min_size=indicators, max_size=indicators)) for _ in range(persons)
    ]
    cutoffs = draw(st.lists(cell, min_size=indicators, max_size=indicators))
    raw = draw(st.none() | st.lists(st.integers(1, 10), min_size=indicators, max_size=indicators))
    weights = None if raw is None else [w / sum(raw) for w in raw]
    k = draw(st.floats(min_value=0.01, max_value=1.0))
    return matrix, cutoffs, weights, k


@settings(max_examples=200, deadline=None)
@given(problems())
def test_m0_is_h_times_a_and_scores_are_shares(
    problem: tuple[list[list[float]], list[float], list[float] | None, float],
) -> None:
    matrix, cutoffs, weights, k = problem
    result = alkire_foster(matrix, cutoffs, k, weights)

    assert result.M0 == result.H * result.A
    assert all(0.0 <= score <= 1.0 for score in result.scores)
    censored_mean = math.fsum(s for s, p in zip(result.scores, result.poor, strict=True) if p)
    assert pytest.approx(censored_mean / len(matrix), abs=1e-12) == result.M0
    if result.M0 > 0:
        assert math.fsum(result.contributions) == pytest.approx(1.0)
        assert k - 1e-9 <= result.A


@settings(max_examples=200, deadline=None)
@given(problems(), st.data())
def test_m0_is_decomposable_by_population_subgroup(
    problem: tuple[list[list[float]], list[float], list[float] | None, float], data: st.DataObject
) -> None:
    matrix, cutoffs, weights, k = problem
    split = data.draw(st.integers(min_value=0, max_value=len(matrix)))
    whole = alkire_foster(matrix, cutoffs, k, weights).M0
    parts = [rows for rows in (matrix[:split], matrix[split:]) if rows]
    weighted = math.fsum(
        len(rows) / len(matrix) * alkire_foster(rows, cutoffs, k, weights).M0 for rows in parts
    )
    assert weighted == pytest.approx(whole, abs=1e-12)
