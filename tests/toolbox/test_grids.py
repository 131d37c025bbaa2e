"""Funder evaluation grids: scoring, every failure reason, impact integration, bad grids."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.toolbox.errors import ToolboxError
from node.toolbox.grids import Criterion, Grid

CRITERIA = (
    Criterion(code="pertinence", label="Pertinence du projet", weight=2, maximum=20),
    Criterion(code="faisabilite", label="Faisabilité", weight=1, maximum=10, minimum=4),
    Criterion(
        code="impact",
        label="Théorie du changement et mesure d'impact",
        weight=1,
        maximum=20,
        multiplier=2,
        impact=True,
        determining=True,
    ),
    Criterion(code="gouvernance", label="Gouvernance", weight=1, maximum=10),
)


def grid(**changes: object) -> Grid:
    fields: dict[str, object] = {
        "code": "FIN-2025",
        "version": 1,
        "title": "Appel à projets innovation sociale",
        "pass_threshold": 60,
        "criteria": CRITERIA,
    }
    fields.update(changes)
    return Grid(**fields)  # type: ignore[arg-type]


def test_total_is_the_weighted_normalised_sum_on_100() -> None:
    result = grid().score({"pertinence": 15, "faisabilite": 6, "impact": 14, "gouvernance": 5})
    # effective weights 2, 1, 2, 1 (sum 6); shares 0.75, 0.6, 0.7, 0.5
    expected = (2 * 0.75 + 1 * 0.6 + 2 * 0.7 + 1 * 0.5) / 6 * 100
    assert result.total == pytest.approx(expected)
    assert result.passed is True
    assert result.reasons == ()


def test_full_and_empty_scores_give_100_and_0() -> None:
    full = {c.code: c.maximum for c in CRITERIA}
    assert grid().score(full).total == 100.0
    empty = grid().score(dict.fromkeys(full, 0))
    assert empty.total == 0.0


def test_every_reason_for_a_failure_is_reported() -> None:
    result = grid(pass_threshold=75).score(
        {"pertinence": 20, "faisabilite": 3, "impact": 9, "gouvernance": 10}
    )

    assert result.total == pytest.approx(70)
    assert result.passed is False
    assert [(r.kind, r.criterion) for r in result.reasons] == [
        ("eliminatory", "faisabilite"),
        ("determining", "impact"),
        ("threshold", None),
    ]
    assert "below the eliminatory minimum 4" in result.reasons[0].message
    assert "half the maximum (10)" in result.reasons[1].message
    assert "total 70.00 is below the pass threshold 75" in result.reasons[2].message


def test_high_total_still_fails_on_an_eliminatory_minimum() -> None:
    result = grid().score({"pertinence": 20, "faisabilite": 3, "impact": 20, "gouvernance": 10})
    assert result.total > 85
    assert result.passed is False
    assert [r.kind for r in result.reasons] == ["eliminatory"]


def test_boundaries_are_inclusive() -> None:
    # Every criterion exactly at its minimum, half-maximum or the threshold still passes.
    result = grid(pass_threshold=50).score(
        {"pertinence": 10, "faisabilite": 4, "impact": 10, "gouvernance": 6}
    )
    assert result.total == pytest.approx(50)
    assert result.passed is True


def test_impact_integration_by_weight_share() -> None:
    assert grid().impact_share == pytest.approx(2 / 6)
    assert grid().integrates_impact is True

    light = tuple(dataclasses.replace(c, determining=False, multiplier=1) for c in CRITERIA)
    assert grid(criteria=light).impact_share == pytest.approx(0.2)
    assert grid(criteria=light).integrates_impact is False

    exactly = (
        Criterion("impact", "Impact", weight=3, maximum=10, impact=True),
        Criterion("autre", "Autre", weight=7, maximum=10),
    )
    assert grid(criteria=exactly).integrates_impact is True


def test_impact_integration_by_an_eliminatory_or_determining_impact_criterion() -> None:
    light = [dataclasses.replace(c, determining=False, multiplier=1) for c in CRITERIA]
    eliminatory = [*light[:2], dataclasses.replace(light[2], minimum=5), light[3]]
    assert grid(criteria=eliminatory).integrates_impact is True

    token_minimum = [*light[:2], dataclasses.replace(light[2], minimum=0), light[3]]
    assert grid(criteria=token_minimum).integrates_impact is False

    determining = [*light[:2], dataclasses.replace(light[2], determining=True), light[3]]
    assert grid(criteria=determining).integrates_impact is True
    assert isinstance(grid(criteria=determining).criteria, tuple)


def _with(index: int, **changes: object) -> tuple[Criterion, ...]:
    criteria = list(CRITERIA)
    criteria[index] = dataclasses.replace(criteria[index], **changes)  # type: ignore[arg-type]
    return tuple(criteria)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"criteria": _with(0, weight=0)}, "criteria.0.weight", "positive"),
        ({"criteria": _with(1, weight=-1)}, "criteria.1.weight", "positive"),
        ({"criteria": _with(2, multiplier=0)}, "criteria.2.multiplier", "positive"),
        ({"criteria": _with(3, maximum=0)}, "criteria.3.maximum", "positive"),
        ({"criteria": _with(1, minimum=11)}, "criteria.1.minimum", "must lie in [0, 10]"),
        ({"criteria": _with(1, minimum=-1)}, "criteria.1.minimum", "must lie in [0, 10]"),
        ({"criteria": _with(0, weight=math.nan)}, "criteria.0.weight", "finite number"),
        ({"criteria": _with(0, label=" ")}, "criteria.0.label", "non-empty"),
        ({"criteria": _with(0, impact="oui")}, "criteria.0.impact", "true or false"),
        ({"criteria": _with(3, code="pertinence")}, "criteria", "duplicate"),
        ({"criteria": ()}, "criteria", "at least one criterion"),
        ({"pass_threshold": 101}, "pass_threshold", "0–100"),
        ({"pass_threshold": -1}, "pass_threshold", "0–100"),
        ({"version": 0}, "version", "positive whole number"),
        ({"code": ""}, "code", "non-empty"),
    ],
)
def test_inconsistent_grids_are_refused(changes: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ToolboxError) as caught:
        grid(**changes)
    assert caught.value.field == field
    assert words in caught.value.reason


@pytest.mark.parametrize(
    ("scores", "field", "words"),
    [
        ({"pertinence": 10, "faisabilite": 5, "impact": 10}, "scores.gouvernance", "no score"),
        (
            {"pertinence": 10, "faisabilite": 5, "impact": 10, "gouvernance": 5, "budget": 3},
            "scores.budget",
            "unknown criterion",
        ),
        (
            {"pertinence": 21, "faisabilite": 5, "impact": 10, "gouvernance": 5},
            "scores.pertinence",
            "outside [0, 20]",
        ),
        (
            {"pertinence": 10, "faisabilite": -1, "impact": 10, "gouvernance": 5},
            "scores.faisabilite",
            "outside [0, 10]",
        ),
        (
            {"pertinence": 10, "faisabilite": 5, "impact": math.nan, "gouvernance": 5},
            "scores.impact",
            "finite number",
        ),
    ],
)
def test_bad_scores_are_input_errors(scores: dict[str, float], field: str, words: str) -> None:
    with pytest.raises(ToolboxError) as caught:
        grid().score(scores)
    assert caught.value.field == field
    assert words in caught.value.reason


@st.composite
def grids_and_scores(draw: st.DrawFn) -> tuple[Grid, dict[str, float]]:
    size = draw(st.integers(min_value=1, max_value=8))
    positive = st.floats(min_value=1e-3, max_value=1e3)
    criteria = []
    scores = {}
    for i in range(size):
        maximum = draw(positive)
        criteria.append(
            Criterion(
                code=f"c{i}",
                label=f"Critère {i}",
                weight=draw(positive),
                maximum=maximum,
                multiplier=draw(positive),
                impact=draw(st.booleans()),
                determining=draw(st.booleans()),
            )
        )
        scores[f"c{i}"] = draw(st.floats(min_value=0, max_value=maximum))
    threshold = draw(st.floats(min_value=0, max_value=100))
    return Grid("G", 1, "Grille", threshold, tuple(criteria)), scores


@settings(max_examples=200, deadline=None)
@given(grids_and_scores())
def test_totals_stay_within_0_and_100(case: tuple[Grid, dict[str, float]]) -> None:
    tested, scores = case
    result = tested.score(scores)
    assert 0.0 <= result.total <= 100.0
    assert 0.0 <= tested.impact_share <= 1.0
    assert result.passed == (not result.reasons)


@pytest.mark.parametrize(("weight", "multiplier"), [(1e300, 1e300), (1e-300, 1e-300)])
def test_weights_that_overflow_or_vanish_are_refused(weight: float, multiplier: float) -> None:
    """A grid whose weights cannot be added up would poison every score (and the log)."""
    with pytest.raises(ToolboxError) as refused:
        Grid(
            code="G",
            version=1,
            title="Grille",
            pass_threshold=50,
            criteria=(
                Criterion(code="a", label="A", weight=weight, maximum=10, multiplier=multiplier),
            ),
        )
    assert refused.value.field == "criteria"
