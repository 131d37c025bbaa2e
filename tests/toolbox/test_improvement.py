"""Rate of improvement (D4): Wilson intervals, McNemar, and counts that add up exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest, chi2

from node.toolbox.errors import ToolboxError
from node.toolbox.improvement import (
    EXACT_BELOW,
    ImprovementCounts,
    PairedScores,
    wilson,
)


def test_wilson_oracle_30_of_50() -> None:
    share = wilson(30, 50)
    assert share.rate == 0.60
    assert round(share.ci_low or 0, 4) == 0.4618
    assert round(share.ci_high or 0, 4) == 0.7239
    assert (share.successes, share.n) == (30, 50)


def test_wilson_with_no_pairs_is_none_not_a_crash() -> None:
    share = wilson(0, 0)
    assert (share.rate, share.ci_low, share.ci_high, share.n) == (None, None, None, 0)


def test_wilson_at_the_edges_stays_in_unit_interval() -> None:
    none = wilson(0, 5)
    assert none.ci_low == 0.0
    assert none.ci_high is not None and 0 < none.ci_high < 1
    every = wilson(5, 5)
    assert every.ci_high == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("successes", "n", "field"),
    [(51, 50, "successes"), (-1, 5, "successes"), (1, -5, "n"), (True, 5, "successes")],
)
def test_wilson_refuses_impossible_counts(successes: int, n: int, field: str) -> None:
    with pytest.raises(ToolboxError) as caught:
        wilson(successes, n)
    assert caught.value.field == field


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.data())
def test_wilson_interval_contains_the_rate(n: int, data: st.DataObject) -> None:
    successes = data.draw(st.integers(min_value=0, max_value=n))
    share = wilson(successes, n)
    assert share.rate is not None and share.ci_low is not None and share.ci_high is not None
    assert 0.0 <= share.ci_low <= share.rate <= share.ci_high <= 1.0


def test_counts_from_pairs() -> None:
    counts = ImprovementCounts.from_pairs(
        [
            PairedScores(c_before=0.5, c_after=0.25, poor_before=True, poor_after=False),
            PairedScores(c_before=0.5, c_after=0.5, poor_before=True, poor_after=True),
            PairedScores(c_before=0.2, c_after=0.4, poor_before=False, poor_after=True),
            PairedScores(c_before=0.1, c_after=0.0, poor_before=False, poor_after=False),
        ]
    )
    assert counts == ImprovementCounts(
        paired=4,
        improved=2,
        worsened=1,
        poor_at_baseline=2,
        exits=1,
        entries=1,
        sum_c_before=1.3,
        sum_c_after=1.15,
    )
    assert counts.poor_at_follow_up == 2

    report = counts.report()
    assert (report.improved.successes, report.improved.n, report.improved.rate) == (2, 4, 0.5)
    assert report.worsened.rate == 0.25
    assert (report.exits.successes, report.exits.n, report.exits.rate) == (1, 2, 0.5)
    assert report.mean_c_before == pytest.approx(0.325)
    assert report.mean_c_after == pytest.approx(0.2875)


def test_rounding_noise_is_not_an_improvement() -> None:
    counts = ImprovementCounts.from_pairs([PairedScores(0.3, 0.1 + 0.2, False, False)])
    assert (counts.improved, counts.worsened) == (0, 0)


def test_empty_counts_report_none_rates() -> None:
    report = ImprovementCounts().report()
    assert report.improved.rate is None
    assert report.exits.rate is None
    assert report.mean_c_before is None
    assert report.mcnemar is None


def test_exit_rate_without_poor_at_baseline_is_none() -> None:
    counts = ImprovementCounts.from_pairs([PairedScores(0.1, 0.0, False, False)])
    assert counts.report().improved.rate == 1.0
    assert counts.report().exits.rate is None


def test_mcnemar_is_exact_with_few_discordant_pairs() -> None:
    counts = ImprovementCounts(paired=13, poor_at_baseline=8, exits=5, entries=1)
    result = counts.mcnemar()
    assert result is not None
    assert result.method == "exact_binomial"
    assert result.discordant == 6
    assert result.p_value == pytest.approx(binomtest(1, 6, 0.5).pvalue)
    assert result.p_value == pytest.approx(0.21875)


def test_mcnemar_uses_corrected_chi_square_from_25_discordant_pairs() -> None:
    counts = ImprovementCounts(paired=40, poor_at_baseline=25, exits=20, entries=10)
    result = counts.mcnemar()
    assert result is not None
    assert EXACT_BELOW == 25
    assert result.method == "chi2_corrected"
    assert result.statistic == pytest.approx((abs(20 - 10) - 1) ** 2 / 30)
    assert result.p_value == pytest.approx(chi2.sf(2.7, df=1))


def test_mcnemar_without_change_has_p_one() -> None:
    result = ImprovementCounts(paired=5, poor_at_baseline=2).mcnemar()
    assert result is not None and result.p_value == 1.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"paired": 2, "improved": 2, "worsened": 1}, "improved"),
        ({"paired": 2, "poor_at_baseline": 3}, "poor_at_baseline"),
        ({"paired": 3, "poor_at_baseline": 1, "exits": 2}, "exits"),
        ({"paired": 3, "poor_at_baseline": 2, "entries": 2}, "entries"),
        ({"paired": 1, "sum_c_before": 1.5}, "sum_c_before"),
        ({"paired": -1}, "paired"),
        ({"paired": 1.5}, "paired"),
        ({"sum_c_after": float("nan")}, "sum_c_after"),
    ],
)
def test_inconsistent_counts_are_refused(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ToolboxError) as caught:
        ImprovementCounts(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_scores_outside_unit_interval_are_refused() -> None:
    with pytest.raises(ToolboxError) as caught:
        ImprovementCounts.from_pairs(
            [PairedScores(0.2, 0.1, False, False), PairedScores(1.2, 0, True, False)]
        )
    assert caught.value.field == "pairs.1.c_before"


def test_adding_anything_else_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        ImprovementCounts() + 1  # type: ignore[operator]


score = st.sampled_from([i / 16 for i in range(17)])
pair = st.builds(PairedScores, score, score, st.booleans(), st.booleans())
regions = st.lists(st.lists(pair, max_size=30), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(regions)
def test_regional_counts_add_up_to_exactly_the_national_rates(
    by_region: list[list[PairedScores]],
) -> None:
    national = ImprovementCounts.from_pairs(p for region in by_region for p in region)
    summed = sum(
        (ImprovementCounts.from_pairs(region) for region in by_region), ImprovementCounts()
    )

    assert summed.paired == national.paired
    assert (summed.improved, summed.worsened) == (national.improved, national.worsened)
    assert (summed.exits, summed.entries) == (national.exits, national.entries)
    assert summed.report().improved == national.report().improved
    assert summed.report().worsened == national.report().worsened
    assert summed.report().exits == national.report().exits
    assert summed.mcnemar() == national.mcnemar()
    assert summed.sum_c_before == pytest.approx(national.sum_c_before)
    assert summed.sum_c_after == pytest.approx(national.sum_c_after)
