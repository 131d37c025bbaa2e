"""The national indicators on a three-region scenario, every figure worked out by hand.

The scenario (tests/federation_national/scenario.py): MA-01 (Tanger) is the busiest region,
MA-09 (Souss-Massa) a smaller one, MA-06 (Casablanca-Settat) a newcomer gone silent for 31
days. Comments next to each expectation show the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine

from drais import territory
from federation import indicators
from tests.federation_national import scenario as s

REGIONS = list(territory.regions())
Z = 1.959963984540054  # the 97.5 % quantile of the standard normal


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval, written out: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    p = k / n
    denominator = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / denominator
    return round(centre - half, 4), round(centre + half, 4)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("national") / "federation.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    s.create_tables(engine)
    s.admit(engine, "MA-01", s.NOW - timedelta(days=2))
    s.admit(engine, "MA-09", s.NOW - timedelta(days=30))  # on the edge: still active
    s.admit(engine, "MA-06", s.NOW - timedelta(days=31))  # silent for 31 days
    s.receive(engine, s.scenario())
    yield engine
    engine.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        yield connection


def get(conn: Connection, code: str) -> dict[str, Any]:
    return indicators.indicator(conn, code, s.NOW)


def trend(result: dict[str, Any]) -> dict[str, Any]:
    return {point["month"]: point.get("value", "hidden") for point in result["trend"]}


BEFORE = {f"2024-{m:02d}": 0 for m in range(7, 13)}  # the 12-month window starts in 2024-07
HIDDEN_PRIMARY = {"suppressed": True, "reason": "primary"}
HIDDEN_COMPLEMENT = {"suppressed": True, "reason": "complementary"}


# -- the public surface ----------------------------------------------------------------------


def test_every_indicator_of_the_design_is_there_in_order(conn: Connection) -> None:
    expected = ("D1", "D2", "D3", "D4", "D5", "B1", "B2", "B3", "T1", "T2", "T3")
    assert tuple(indicators.CODES) == expected
    everything = indicators.all_indicators(conn, s.NOW)
    assert [i["code"] for i in everything] == list(expected)
    for result in everything:
        assert set(result) == {
            "code",
            "label",
            "definition",
            "formula",
            "unit",
            "methodology",
            "trend_note",
            "national",
            "by_region",
            "breakdowns",
            "trend",
        }
        assert list(result["by_region"]) == REGIONS
        assert result["trend"][-1]["month"] == "2025-06"


def test_an_unknown_code_is_a_key_error(conn: Connection) -> None:
    with pytest.raises(KeyError):
        indicators.indicator(conn, "Z9", s.NOW)


def hidden_entries(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("suppressed") is True:
            yield value
        for item in value.values():
            yield from hidden_entries(item)
    elif isinstance(value, list):
        for item in value:
            yield from hidden_entries(item)


def test_a_suppressed_figure_never_carries_a_value(conn: Connection) -> None:
    hidden = list(hidden_entries(indicators.all_indicators(conn, s.NOW)))
    assert len(hidden) > 10
    assert all("value" not in entry for entry in hidden)


# -- D1 ----------------------------------------------------------------------------------------


def test_d1_members_by_type_cumulative_net_of_departures(conn: Connection) -> None:
    d1 = get(conn, "D1")
    # 6 joined (m1–m3 in MA-01, m6 in MA-09, m4–m5 in MA-06), m3 left in 2025-04.
    assert d1["national"] == {"value": 5, "joined": 6, "left": 1}
    assert d1["by_region"]["MA-01"] == {"value": 2}
    assert d1["by_region"]["MA-06"] == {"value": 2}
    assert d1["by_region"]["MA-09"] == {"value": 1}
    assert d1["by_region"]["MA-12"] == {"value": 0}
    types = d1["breakdowns"]["actor_type"]
    assert types["universite"] == 2
    assert types["conseil_regional"] == types["agence_execution"] == 1
    assert types["structure_associative"] == 1
    assert types["bailleur"] == 0  # m3 left
    assert d1["breakdowns"]["role"] == {"pilotage": 3, "membre": 2}  # m5 became pilotage
    assert trend(d1) == {
        **BEFORE,
        "2025-01": 2,  # m1, m6
        "2025-02": 4,  # + m2, m3
        "2025-03": 6,  # + m4, m5
        "2025-04": 5,  # − m3
        "2025-05": 5,
        "2025-06": 5,
    }


# -- D2 ----------------------------------------------------------------------------------------


def test_d2_open_offers_quality_and_supported_structures(conn: Connection) -> None:
    d2 = get(conn, "D2")
    national = d2["national"]
    assert national["value"] == 2  # o1 and o3; o2 was withdrawn
    assert national["offers_published"] == 3
    assert national["offers_withdrawn"] == 1
    assert national["offers_of_supported_structures"] == 1  # o1, of s1
    assert national["capacity_per_year"] == 30  # 20 + 10
    assert national["structures"] == 2
    assert national["structures_supported"] == 1
    # Latest assessments: s1 (4+3+5+4+2)/5 = 3.6, s2 (5+4+4+5+4)/5 = 4.4 (not its first, 2.0).
    assert national["quality_score"] == 4.0
    assert d2["by_region"]["MA-01"]["quality_score"] == 3.6
    assert d2["by_region"]["MA-09"]["quality_score"] == 4.4
    assert d2["breakdowns"]["quality_criterion"] == {
        "accessibilite": 3.5,
        "competences": 4.5,
        "mesure_impact": 3.0,
        "pertinence": 4.5,
        "suivi": 4.5,
    }
    assert d2["breakdowns"]["phase"] == {
        "sensibilisation": 0,
        "ideation": 1,
        "amorcage": 2,
        "validation": 1,
        "croissance": 0,
    }
    assert d2["breakdowns"]["service_type"]["mentorat"] == 1
    assert d2["breakdowns"]["service_type"]["financement"] == 0
    assert d2["breakdowns"]["free"] == {"gratuit": 1, "payant": 1}
    assert trend(d2) == {
        **BEFORE,
        "2025-01": 1,
        "2025-02": 2,
        "2025-03": 3,
        "2025-04": 2,
        "2025-05": 2,
        "2025-06": 2,
    }


def test_d2_satisfaction_is_protected_with_its_complement(conn: Connection) -> None:
    d2 = get(conn, "D2")
    # 15 holders answered: 12 in MA-01 (2 × 5 + 10 × 4 = 50), 3 in MA-09 (3 + 2 + 4 = 9).
    assert d2["national"]["satisfaction"] == {"value": 3.93, "n": 15}  # 59 / 15
    # 3 answers is too few; hiding MA-01 too keeps MA-09 from being 15 − 12.
    assert d2["by_region"]["MA-09"]["satisfaction"] == HIDDEN_PRIMARY
    assert d2["by_region"]["MA-01"]["satisfaction"] == HIDDEN_COMPLEMENT
    assert d2["by_region"]["MA-06"]["satisfaction"] == {"value": None, "n": 0}
    # Offers are organisations' facts: shown as they are, however few.
    assert d2["by_region"]["MA-09"]["value"] == 1


# -- D3 ----------------------------------------------------------------------------------------


def test_d3_accompanied_by_phase_progression_and_survival(conn: Connection) -> None:
    d3 = get(conn, "D3")
    national = d3["national"]
    assert national["value"] == 15  # i01–i12 and j1–j3; k1, k2 never accompanied
    assert national["registered"] == 17
    assert national["by_phase"] == {
        "sensibilisation": 0,
        "ideation": 8,  # i04–i10, j3
        "amorcage": 3,  # i03, i11, i12
        "validation": 3,  # i01, j1, j2
        "croissance": 1,  # i02
    }
    # Registered before validation: 14 (all but j1); reached it: i01, i02, j2.
    assert national["progression"] == {"value": 0.2143, "progressed": 3, "eligible": 14}
    # Abandoned: i04, j3; i05 closed as autonomous still survives.
    assert national["survival"] == {"value": 0.8667, "abandoned": 2, "closed": 3}
    assert d3["by_region"]["MA-01"]["progression"]["value"] == 0.1667  # 2 / 12
    assert d3["by_region"]["MA-01"]["survival"]["value"] == 0.9167  # 11 / 12
    assert d3["by_region"]["MA-09"]["progression"]["value"] == 0.5  # j2 / (j2, j3)
    assert d3["by_region"]["MA-09"]["survival"]["value"] == 0.6667  # 2 / 3
    assert d3["by_region"]["MA-06"]["value"] == 0
    assert d3["by_region"]["MA-06"]["survival"]["value"] is None
    assert trend(d3)["2025-02"] == 12
    assert trend(d3)["2025-03"] == 15


# -- D4 ----------------------------------------------------------------------------------------


def test_d4_national_rates_with_wilson_intervals(conn: Connection) -> None:
    national = get(conn, "D4")["national"]
    # Paired 30 + 10 + 25 = 65; improved 18 − 2 + 6 + 12 = 34; worsened 5 + 2 + 1 + 6 = 14;
    # exits 8 − 1 + 3 + 6 = 16 of poor at baseline 15 + 5 + 12 = 32.
    low, high = wilson(34, 65)
    assert national["value"] == 0.5231
    assert (national["ci_low"], national["ci_high"]) == (low, high)
    assert national["paired"] == 65
    assert national["worsened"] == {
        "value": 0.2154,
        "ci_low": wilson(14, 65)[0],
        "ci_high": wilson(14, 65)[1],
    }
    assert national["exit_rate"] == {
        "value": 0.5,
        "ci_low": wilson(16, 32)[0],
        "ci_high": wilson(16, 32)[1],
    }
    assert national["mean_c_before"] == 0.4  # 26 / 65
    assert national["mean_c_after"] == 0.3077  # (9 + 0.5 + 2.5 + 8) / 65


def test_d4_regions_add_up_to_the_nation_exactly(conn: Connection) -> None:
    per_region = indicators.beneficiary_counts(conn, by=("region",))
    nation = indicators.beneficiary_counts(conn, by=())[()]
    total = per_region[("MA-01",)] + per_region[("MA-09",)]
    assert set(per_region) == {("MA-01",), ("MA-09",)}
    assert (total.paired, total.improved, total.worsened, total.exits) == (65, 34, 14, 16)
    assert (nation.paired, nation.improved, nation.worsened, nation.exits) == (65, 34, 14, 16)
    assert (total.entries, total.poor_before, total.poor_after) == (4, 32, 20)
    assert (nation.entries, nation.poor_before, nation.poor_after) == (4, 32, 20)
    d4 = get(conn, "D4")
    published = [d4["by_region"][code].get("paired", 0) for code in REGIONS]
    assert sum(published) == d4["national"]["paired"] == 65


def test_d4_a_negative_roll_up_corrects_the_counts(conn: Connection) -> None:
    tanger = get(conn, "D4")["by_region"]["MA-01"]
    # The May roll-up turned 2 improvements into deteriorations: 18 − 2 + 6 = 22 of 40.
    assert tanger["value"] == 0.55
    assert (tanger["ci_low"], tanger["ci_high"]) == wilson(22, 40)
    assert tanger["paired"] == 40
    assert tanger["exit_rate"]["value"] == 0.5  # (8 − 1 + 3) / 20
    assert tanger["mean_c_before"] == 0.4  # 16 / 40
    assert tanger["mean_c_after"] == 0.3  # 12 / 40
    counts = indicators.beneficiary_counts(conn, by=("region", "month"))
    assert counts[("MA-01", "2025-05")].improved == -2


def test_d4_rates_on_too_few_persons_are_hidden(conn: Connection) -> None:
    d4 = get(conn, "D4")
    # MA-01: 8 of 40 worsened (8 < 10). MA-09: 6 exits of 12 poor (6 < 10), 6 of 25 worsened.
    assert d4["by_region"]["MA-01"]["worsened"] == HIDDEN_PRIMARY
    souss = d4["by_region"]["MA-09"]
    assert souss["value"] == 0.48  # 12 / 25: 12 improved and 13 not
    assert souss["exit_rate"] == HIDDEN_PRIMARY
    assert souss["worsened"] == HIDDEN_PRIMARY
    assert d4["by_region"]["MA-06"] == {"value": None, "paired": 0}
    by_sex = d4["breakdowns"]["sex"]
    assert by_sex["F"]["value"] == 0.5091  # (18 − 2 + 12) / 55
    assert by_sex["M"]["paired"] == 10  # shown: 10 is not below 10
    assert "value" not in by_sex["M"]  # but 6 improved of 10 is too few for a rate
    assert by_sex["M"]["suppressed"] is True


def test_d4_trend_is_the_cumulative_rate(conn: Connection) -> None:
    points = trend(get(conn, "D4"))
    assert points["2025-02"] is None  # nobody paired yet
    assert points["2025-03"] == 0.6  # 18 / 30
    assert points["2025-04"] == 0.5538  # 36 / 65
    assert points["2025-05"] == 0.5231  # 34 / 65


# -- D5 ----------------------------------------------------------------------------------------


def test_d5_counts_regions_sending_in_the_last_30_days(conn: Connection) -> None:
    d5 = get(conn, "D5")
    assert d5["national"] == {
        "value": 2,
        "admitted": 3,
        "silent": ["MA-06"],
        "window_days": 30,
        "as_of": "2025-06-15T12:00:00+00:00",
    }
    assert d5["by_region"]["MA-01"]["value"] == 1
    assert d5["by_region"]["MA-09"]["value"] == 1  # exactly 30 days ago
    assert d5["by_region"]["MA-09"]["days_silent"] == 30.0
    assert d5["by_region"]["MA-06"] == {
        "value": 0,
        "admitted": True,
        "last_message_at": "2025-05-15T12:00:00+00:00",
        "days_silent": 31.0,
    }
    assert d5["by_region"]["MA-12"]["admitted"] is False
    # Past months from the national log: MA-06 sent nothing in January.
    assert trend(d5) == {
        **BEFORE,
        "2025-01": 2,
        "2025-02": 3,
        "2025-03": 3,
        "2025-04": 3,
        "2025-05": 3,
        "2025-06": 2,
    }


def test_d5_depends_only_on_the_given_now(conn: Connection) -> None:
    later = indicators.indicator(conn, "D5", s.NOW + timedelta(days=27))
    assert later["national"]["value"] == 1  # MA-01 silent for 29 days, MA-09 for 57
    assert later["national"]["silent"] == ["MA-06", "MA-09"]
    assert later["by_region"]["MA-01"]["days_silent"] == 29.0


# -- B1, B2, B3 --------------------------------------------------------------------------------


def test_b1_needs_both_a_theory_of_change_and_a_measurement(conn: Connection) -> None:
    b1 = get(conn, "B1")
    # i01 (theory + measure), j2 (measure, then theory), k1: adopting. i02 has no measurement,
    # i03 no theory, j1's latest theory names no indicator.
    assert b1["national"] == {
        "value": 3,
        "with_theory": 4,  # i01, i02, j2, k1
        "with_measurement": 5,  # i01, i03, j1, j2, k1
        "regions_adopting": 3,
    }
    assert b1["by_region"]["MA-01"] == {"value": 1, "with_theory": 2, "with_measurement": 2}
    assert b1["by_region"]["MA-09"] == {"value": 1, "with_theory": 1, "with_measurement": 2}
    assert b1["by_region"]["MA-06"] == {"value": 1, "with_theory": 1, "with_measurement": 1}
    assert b1["breakdowns"]["phase"]["validation"] == 2  # i01, j2
    assert trend(b1)["2025-03"] == 1  # i01
    assert trend(b1)["2025-04"] == 2  # + k1
    assert trend(b1)["2025-05"] == 3  # + j2, when its theory named an indicator


def test_b2_counts_the_latest_version_of_each_grid(conn: Connection) -> None:
    b2 = get(conn, "B2")
    # g1 v2 (yes, 0.35), g2 (yes, 0.4), g3 v2 (no, 0.2).
    assert b2["national"] == {
        "value": 2,
        "grids": 3,
        "share": 0.6667,
        "mean_impact_share": 0.3167,
    }
    assert b2["by_region"]["MA-01"]["share"] == 1.0
    assert b2["by_region"]["MA-09"] == {
        "value": 0,
        "grids": 1,
        "share": 0.0,
        "mean_impact_share": 0.2,
    }
    assert trend(b2) == {
        **BEFORE,
        "2025-01": 0,  # g1 v1 does not integrate impact
        "2025-02": 2,  # g2, g3 v1
        "2025-03": 3,  # g1 v2
        "2025-04": 2,  # g3 v2 no longer does
        "2025-05": 2,
        "2025-06": 2,
    }


def test_b3_counts_completed_studies_and_all_by_status(conn: Connection) -> None:
    b3 = get(conn, "B3")
    assert b3["national"] == {
        "value": 1,
        "registered": 3,
        "by_status": {"planned": 0, "ongoing": 1, "completed": 1, "cancelled": 1},
    }
    assert b3["by_region"]["MA-01"]["value"] == 1
    assert b3["by_region"]["MA-06"]["by_status"]["cancelled"] == 1
    assert b3["breakdowns"]["method"]["difference_in_differences"] == 1
    assert b3["breakdowns"]["territory"] == {"MA-09": 1, "MA-CAS": 1, "MA-TNG": 1}
    assert trend(b3)["2025-04"] == 0
    assert trend(b3)["2025-05"] == 1


# -- T1 ----------------------------------------------------------------------------------------


def test_t1_initiatives_by_theme_and_territory_over_time(conn: Connection) -> None:
    t1 = get(conn, "T1")
    assert t1["national"] == {"value": 17, "open": 14, "themes": 4}
    assert t1["by_region"]["MA-01"]["value"] == 12
    assert t1["by_region"]["MA-06"]["theme"]["education"] == 2
    theme = t1["breakdowns"]["theme"]
    assert (theme["inclusion_femmes"], theme["numerique"]) == (6, 6)
    assert (theme["agriculture_solidaire"], theme["education"]) == (3, 2)
    assert t1["breakdowns"]["province"] == {"MA-AGD": 3, "MA-CAS": 2, "MA-TET": 2, "MA-TNG": 10}
    assert t1["breakdowns"]["province_theme"]["MA-TET"] == {"numerique": 2}
    by_month = {p["month"]: p["value"] for p in t1["breakdowns"]["theme_month"]["education"]}
    assert by_month["2025-03"] == 2
    assert trend(t1)["2025-01"] == 12
    assert trend(t1)["2025-02"] == 15
    assert trend(t1)["2025-03"] == 17


def test_t1_holders_by_sex_and_age_band_are_protected(conn: Connection) -> None:
    table = get(conn, "T1")["breakdowns"]["holders"]["sex_age_band"]
    # F: 18-24 = j1 + k2 (after its correction) = 2, 25-34 = i01–i08 + k1 = 9; M: 35-44 = 6.
    cells = table["cells"]
    assert cells["F"]["18-24"] == HIDDEN_PRIMARY
    assert cells["F"]["25-34"] == HIDDEN_PRIMARY
    assert cells["M"]["35-44"] == HIDDEN_PRIMARY
    assert cells["F"]["<18"] == {"suppressed": False, "value": 0}  # a zero reveals nobody
    assert table["row_totals"]["M"] == HIDDEN_PRIMARY  # 6
    # F's 11 would give M's 6 away from the total of 17: hidden as its complement.
    assert table["row_totals"]["F"] == HIDDEN_COMPLEMENT
    assert table["total"] == {"suppressed": False, "value": 17}
    published = [
        entry["value"]
        for entry in (
            *(c for row in cells.values() for c in row.values()),
            *table["row_totals"].values(),
            *table["column_totals"].values(),
        )
        if not entry["suppressed"]
    ]
    assert all(value == 0 or value >= 10 for value in published)


# -- T2 ----------------------------------------------------------------------------------------


def test_t2_gaps_where_open_demand_exceeds_capacity(conn: Connection) -> None:
    t2 = get(conn, "T2")
    # Capacity: o1 20/2 = 10 in MA-TNG and MA-TET for ideation and amorcage; o3 10 in MA-AGD
    # for amorcage and validation; o2 withdrawn. Open initiatives: MA-TNG ideation 5,
    # amorcage 1, validation 1 (i01), croissance 1 (i02); MA-TET amorcage 2; MA-AGD validation
    # 2; MA-CAS ideation 2. Gaps: MA-TNG validation and croissance, MA-CAS ideation.
    assert t2["national"]["value"] == 3
    assert t2["national"]["demand"] == 14
    assert t2["national"]["pairs"] == 375  # 75 provinces × 5 phases
    assert t2["national"]["uncovered"] == 369
    assert t2["breakdowns"]["gaps"] == [
        {
            "province": "MA-CAS",
            "region": "MA-06",
            "phase": "ideation",
            "capacity": 0.0,
            "demand": 2,
        },
        {
            "province": "MA-TNG",
            "region": "MA-01",
            "phase": "validation",
            "capacity": 0.0,
            "demand": 1,
        },
        {
            "province": "MA-TNG",
            "region": "MA-01",
            "phase": "croissance",
            "capacity": 0.0,
            "demand": 1,
        },
    ]
    assert t2["breakdowns"]["phase"]["validation"] == {
        "capacity": 10.0,
        "demand": 3,
        "gaps": 1,
        "uncovered_provinces": 74,
    }
    assert t2["breakdowns"]["service_type"]["mentorat"]["ideation"] == 20.0
    assert t2["by_region"]["MA-01"]["value"] == 2
    assert t2["by_region"]["MA-06"]["value"] == 1
    assert t2["by_region"]["MA-09"]["value"] == 0
    points = trend(t2)
    assert points["2025-01"] == 0  # 10 in MA-TNG ideation against a capacity of 10
    assert points["2025-02"] == 3  # MA-AGD's three initiatives, before o3
    assert points["2025-03"] == 2  # MA-AGD ideation (j3) and MA-CAS ideation
    assert points["2025-06"] == 3


def test_coverage_matrix_for_the_api(conn: Connection) -> None:
    matrix = indicators.coverage(conn)
    assert len(matrix["provinces"]) == 75
    assert len(matrix["cells"]) == 75 * 5 * 11
    cells = {(c["province"], c["phase"], c["service_type"]): c for c in matrix["cells"]}
    assert cells[("MA-TNG", "ideation", "mentorat")] == {
        "province": "MA-TNG",
        "region": "MA-01",
        "phase": "ideation",
        "service_type": "mentorat",
        "capacity": 10.0,
        "demand": 5,
        "gap": False,
    }
    assert cells[("MA-TNG", "validation", "financement")]["capacity"] == 0.0  # o2 withdrawn
    assert cells[("MA-TNG", "validation", "financement")]["gap"] is True
    assert matrix["uncovered_phases"]["MA-TNG"] == ["sensibilisation", "validation", "croissance"]
    assert matrix["uncovered_phases"]["MA-AGD"] == ["sensibilisation", "ideation", "croissance"]
    assert matrix["gaps"] == 3


# -- T3 ----------------------------------------------------------------------------------------


def test_t3_people_hours_and_competence_gain(conn: Connection) -> None:
    t3 = get(conn, "T3")
    assert t3["national"] == {
        "value": 59,  # new participants 15 + 10 + 4 + 30
        "trainings": 4,
        "hours": 28.0,  # 10 + 6 + 4 + 8
        "person_hours": 478.0,  # 150 + 72 + 16 + 240
        # 22 assessed: sums 20 + 30 = 50 before, 30 + 42 = 72 after
        "competence_gain": {"value": 1.0, "assessed": 22, "mean_before": 2.27, "mean_after": 3.27},
    }
    assert t3["by_region"]["MA-09"] == {
        "value": 30,
        "trainings": 1,
        "hours": 8.0,
        "person_hours": 240.0,
        "competence_gain": {"value": 1.0, "assessed": 12, "mean_before": 2.5, "mean_after": 3.5},
    }


def test_t3_a_small_region_is_hidden_with_its_complement(conn: Connection) -> None:
    t3 = get(conn, "T3")
    # MA-06 trained 4 people: hidden. MA-01 (25) is hidden too, else 59 − 25 − 30 = 4.
    assert t3["by_region"]["MA-06"] == {
        **HIDDEN_PRIMARY,
        "trainings": 1,
        "hours": 4.0,
        "competence_gain": {"value": None, "assessed": 0, "mean_before": None, "mean_after": None},
    }
    assert t3["by_region"]["MA-01"] == {
        **HIDDEN_COMPLEMENT,
        "trainings": 2,
        "hours": 16.0,
        "competence_gain": {"value": 1.0, "assessed": 10, "mean_before": 2.0, "mean_after": 3.0},
    }
    assert "person_hours" not in t3["by_region"]["MA-01"]
    assert trend(t3) == {
        **BEFORE,
        "2025-01": 0,
        "2025-02": 15,
        "2025-03": 34,
        "2025-04": 10,
        "2025-05": 0,
        "2025-06": 0,
    }
