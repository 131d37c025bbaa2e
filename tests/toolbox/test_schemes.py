"""Deprivation schemes as versioned data: the shipped DRAIS-MPI-v1 and its validation."""

from __future__ import annotations

import copy
import math
import tomllib
from collections import defaultdict
from collections.abc import Callable
from importlib.resources import files
from typing import Any

import pytest

from node.toolbox.alkire_foster import Answer, Scheme, available_schemes, load_scheme
from node.toolbox.errors import ToolboxError

SCHEME_ID = "DRAIS-MPI-v1"


def raw_scheme() -> dict[str, Any]:
    text = (files("node.toolbox") / "schemes" / f"{SCHEME_ID}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def no_deprivation() -> dict[str, Answer]:
    return {
        ind.code: (12 if ind.answer == "integer" else True)
        for ind in load_scheme(SCHEME_ID).indicators
    }


def test_default_scheme_is_shipped_as_package_data() -> None:
    assert SCHEME_ID in available_schemes()
    assert (files("node.toolbox") / "schemes" / f"{SCHEME_ID}.toml").is_file()


def test_default_scheme_shape() -> None:
    scheme = load_scheme(SCHEME_ID)

    assert (scheme.id, scheme.version) == (SCHEME_ID, 1)
    assert scheme.k == 1 / 3
    assert [d.code for d in scheme.dimensions] == [
        "education",
        "sante",
        "niveau_de_vie",
        "revenu_emploi",
    ]
    assert 8 <= len(scheme.indicators) <= 12
    assert len(set(scheme.codes)) == len(scheme.codes)
    assert math.fsum(ind.weight for ind in scheme.indicators) == 1.0
    for ind in scheme.indicators:
        assert ind.label and "?" in ind.question


def test_default_scheme_weighs_dimensions_equally_and_indicators_equally_within() -> None:
    by_dimension: dict[str, list[float]] = defaultdict(list)
    for ind in load_scheme(SCHEME_ID).indicators:
        by_dimension[ind.dimension].append(ind.weight)
    assert len(by_dimension) == 4
    for weights in by_dimension.values():
        assert math.fsum(weights) == 0.25
        assert len(set(weights)) == 1


def test_household_without_deprivation_scores_zero() -> None:
    result = load_scheme(SCHEME_ID).score(no_deprivation())
    assert (result.score, result.poor, result.deprived) == (0.0, False, ())


def test_household_score_adds_weights_of_deprived_indicators() -> None:
    scheme = load_scheme(SCHEME_ID)
    answers = no_deprivation() | {
        "edu_annees_scolarite": 5,
        "sante_couverture_amo": False,
        "vie_eau_potable": 0,
    }
    below = scheme.score(answers)
    assert below.score == 0.125 + 0.125 + 0.0625
    assert below.poor is False
    assert below.deprived == ("edu_annees_scolarite", "sante_couverture_amo", "vie_eau_potable")

    poor = scheme.score(answers | {"vie_electricite": False})
    assert poor.score == 0.375
    assert poor.poor is True


def test_schooling_cutoff_is_strict() -> None:
    scheme = load_scheme(SCHEME_ID)
    assert scheme.score(no_deprivation() | {"edu_annees_scolarite": 6}).score == 0.0
    assert scheme.score(no_deprivation() | {"edu_annees_scolarite": 5}).score == 0.125


def test_measure_scores_a_group_with_the_scheme() -> None:
    scheme = load_scheme(SCHEME_ID)
    deprived_everywhere = {
        code: (0 if isinstance(value, int) and not isinstance(value, bool) else False)
        for code, value in no_deprivation().items()
    }
    result = scheme.measure([no_deprivation(), deprived_everywhere])
    assert result.scores == (0.0, 1.0)
    assert (result.H, result.A, result.M0) == (0.5, 1.0, 0.5)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"revenu_mensuel": 1000}, "revenu_mensuel", "unknown indicator"),
        ({"edu_annees_scolarite": 30}, "edu_annees_scolarite", "outside the allowed range"),
        ({"edu_annees_scolarite": -1}, "edu_annees_scolarite", "outside the allowed range"),
        ({"edu_annees_scolarite": 6.5}, "edu_annees_scolarite", "whole number"),
        ({"edu_annees_scolarite": "six"}, "edu_annees_scolarite", "finite number"),
        ({"vie_electricite": "oui"}, "vie_electricite", "oui/non"),
        ({"vie_electricite": 2}, "vie_electricite", "oui/non"),
    ],
)
def test_bad_answers_name_the_indicator(change: dict[str, Answer], field: str, words: str) -> None:
    with pytest.raises(ToolboxError) as caught:
        load_scheme(SCHEME_ID).score(no_deprivation() | change)
    assert caught.value.field == field
    assert words in caught.value.reason


def test_missing_answer_names_the_indicator() -> None:
    answers = no_deprivation()
    del answers["sante_acces_centre"]
    with pytest.raises(ToolboxError) as caught:
        load_scheme(SCHEME_ID).score(answers)
    assert caught.value.field == "sante_acces_centre"
    assert "no answer" in caught.value.reason


def test_measure_names_the_household_and_indicator() -> None:
    bad = no_deprivation() | {"edu_annees_scolarite": 99}
    with pytest.raises(ToolboxError) as caught:
        load_scheme(SCHEME_ID).measure([no_deprivation(), bad])
    assert caught.value.field == "1.edu_annees_scolarite"


@pytest.mark.parametrize("scheme_id", ["DRAIS-MPI-v9", "../pyproject", ""])
def test_unknown_scheme_is_refused(scheme_id: str) -> None:
    with pytest.raises(ToolboxError) as caught:
        load_scheme(scheme_id)
    assert caught.value.field == "scheme_id"
    assert SCHEME_ID in caught.value.reason


def _schooling(data: dict[str, Any]) -> dict[str, Any]:
    indicator: dict[str, Any] = data["indicators"][0]
    assert indicator["answer"] == "integer"
    return indicator


def _duplicate_code(data: dict[str, Any]) -> None:
    data["indicators"][1]["code"] = data["indicators"][0]["code"]


def _heavier_weight(data: dict[str, Any]) -> None:
    data["indicators"][0]["weight"] = 0.2


def _zero_weight(data: dict[str, Any]) -> None:
    data["indicators"][0]["weight"] = 0


def _cutoff_above_range(data: dict[str, Any]) -> None:
    _schooling(data)["cutoff"] = 26


def _cutoff_at_minimum(data: dict[str, Any]) -> None:
    _schooling(data)["cutoff"] = 0


def _boolean_cutoff(data: dict[str, Any]) -> None:
    assert data["indicators"][1]["answer"] == "boolean"
    data["indicators"][1]["cutoff"] = 0


def _unknown_dimension(data: dict[str, Any]) -> None:
    data["indicators"][0]["dimension"] = "culture"


def _bad_answer_type(data: dict[str, Any]) -> None:
    data["indicators"][0]["answer"] = "text"


def _bad_k(data: dict[str, Any]) -> None:
    data["k"] = 0


def _no_version(data: dict[str, Any]) -> None:
    del data["version"]


@pytest.mark.parametrize(
    ("corrupt", "field", "words"),
    [
        (_duplicate_code, "indicators", "duplicate"),
        (_heavier_weight, "indicators", "sum to 1"),
        (_zero_weight, "indicators.0.weight", "positive"),
        (_cutoff_above_range, "indicators.0.cutoff", "must lie in"),
        (_cutoff_at_minimum, "indicators.0.cutoff", "must lie in"),
        (_boolean_cutoff, "indicators.1.cutoff", "must lie in"),
        (_unknown_dimension, "indicators.0.dimension", "unknown dimension"),
        (_bad_answer_type, "indicators.0.answer", "boolean, integer, number"),
        (_bad_k, "k", "(0, 1]"),
        (_no_version, "version", "positive integer"),
    ],
)
def test_inconsistent_schemes_are_refused(
    corrupt: Callable[[dict[str, Any]], None], field: str, words: str
) -> None:
    data = copy.deepcopy(raw_scheme())
    corrupt(data)
    with pytest.raises(ToolboxError) as caught:
        Scheme.from_mapping(data)
    assert caught.value.field == field
    assert words in caught.value.reason


def test_shipped_file_round_trips_through_validation() -> None:
    assert Scheme.from_mapping(raw_scheme()) == load_scheme(SCHEME_ID)
