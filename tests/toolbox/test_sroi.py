"""SROI value map: the oracle, linearity, and refused inputs."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.toolbox.errors import ToolboxError
from node.toolbox.sroi import Outcome, sroi

ORACLE = Outcome(
    quantity=100,
    proxy=20_000,
    deadweight=0.25,
    displacement=0.0,
    attribution=0.25,
    drop_off=0.10,
    duration_years=3,
)


def test_oracle_value_map() -> None:
    result = sroi([ORACLE], discount_rate=0.035, inputs=1_000_000)

    assert [round(value, 2) for value in result.yearly] == [1_125_000, 1_012_500, 911_250]
    assert round(result.present_value, 2) == 2_854_031.40
    assert round(result.ratio, 3) == 2.854
    assert round(result.net_ratio, 3) == 1.854
    assert result.discounted[0] == pytest.approx(1_125_000 / 1.035)
    assert math.fsum(result.discounted) == result.present_value


def test_outcomes_of_different_durations_add_up_year_by_year() -> None:
    short = dataclasses.replace(ORACLE, quantity=10, duration_years=1)
    result = sroi([ORACLE, short], discount_rate=0.0, inputs=1_000_000)
    assert len(result.yearly) == 3
    assert result.yearly[0] == pytest.approx(1_125_000 + 112_500)
    assert result.yearly[1:] == pytest.approx((1_012_500, 911_250))
    assert result.present_value == pytest.approx(math.fsum(result.yearly))


def test_negative_proxy_values_a_negative_outcome() -> None:
    harm = dataclasses.replace(ORACLE, proxy=-20_000)
    result = sroi([ORACLE, harm], discount_rate=0.035, inputs=1_000_000)
    assert result.present_value == pytest.approx(0.0, abs=1e-6)
    assert result.net_ratio == pytest.approx(-1.0)


@settings(max_examples=200, deadline=None)
@given(
    quantity=st.floats(min_value=0, max_value=1e6),
    factor=st.floats(min_value=0, max_value=1e3),
    fractions=st.lists(st.floats(min_value=0, max_value=1), min_size=4, max_size=4),
    years=st.integers(min_value=1, max_value=20),
    rate=st.floats(min_value=0, max_value=1),
)
def test_present_value_scales_linearly_with_quantity(
    quantity: float, factor: float, fractions: list[float], years: int, rate: float
) -> None:
    deadweight, displacement, attribution, drop_off = fractions
    outcome = Outcome(quantity, 150.0, deadweight, displacement, attribution, drop_off, years)
    scaled = dataclasses.replace(outcome, quantity=quantity * factor)
    base = sroi([outcome], rate, 1000).present_value
    assert base >= 0
    assert sroi([scaled], rate, 1000).present_value == pytest.approx(base * factor, rel=1e-9)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"deadweight": 25}, "outcomes.0.deadweight", "0.25, not 25"),
        ({"displacement": -0.1}, "outcomes.0.displacement", "[0, 1]"),
        ({"attribution": 1.5}, "outcomes.0.attribution", "[0, 1]"),
        ({"drop_off": math.nan}, "outcomes.0.drop_off", "finite number"),
        ({"quantity": -3}, "outcomes.0.quantity", "negative"),
        ({"proxy": math.inf}, "outcomes.0.proxy", "finite number"),
        ({"duration_years": 0}, "outcomes.0.duration_years", "whole number of years"),
        ({"duration_years": 2.5}, "outcomes.0.duration_years", "whole number of years"),
        ({"duration_years": 51}, "outcomes.0.duration_years", "from 1 to 50"),
    ],
)
def test_bad_outcomes_are_refused(change: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ToolboxError) as caught:
        sroi([dataclasses.replace(ORACLE, **change)], 0.035, 1_000_000)
    assert caught.value.field == field
    assert words in caught.value.reason


@pytest.mark.parametrize(
    ("outcomes", "rate", "inputs", "field"),
    [
        ([], 0.035, 1_000_000, "outcomes"),
        ([ORACLE], -0.01, 1_000_000, "discount_rate"),
        ([ORACLE], 3.5, 1_000_000, "discount_rate"),
        ([ORACLE], 0.035, 0, "inputs"),
        ([ORACLE], 0.035, -5, "inputs"),
    ],
)
def test_bad_totals_are_refused(
    outcomes: list[Outcome], rate: float, inputs: float, field: str
) -> None:
    with pytest.raises(ToolboxError) as caught:
        sroi(outcomes, rate, inputs)
    assert caught.value.field == field
