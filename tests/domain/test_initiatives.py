from typing import Any, cast

import pytest

from node.domain.errors import InvalidValue, NotFound, RuleViolation
from node.domain.initiatives import Initiative


def new_initiative(phase: str = "ideation") -> Initiative:
    return Initiative.register(
        region="MA-09",
        name="Coopérative d'argan",
        theme="agriculture_solidaire",
        province="MA-CHT",
        phase=phase,
        holder_id="p1",
        holder_gender="F",
        holder_birth_year=1992,
        this_year=2026,
        by="amina",
        commune="Biougra",
    )


def accompanied(initiative: Initiative) -> Initiative:
    initiative.start_accompaniment(
        accompaniment_id="a1",
        structure_id="s1",
        offer_id="o1",
        service_type="incubation",
        by="amina",
        on="2026-02-01",
    )
    return initiative


def test_registration_checks_province_region_theme_and_phase() -> None:
    assert new_initiative().province == "MA-CHT"
    with pytest.raises(InvalidValue) as refused:
        Initiative.register(
            region="MA-06",
            name="X",
            theme="artisanat",
            province="MA-CHT",
            phase="ideation",
            holder_id="p",
            holder_gender="F",
            holder_birth_year=1990,
            this_year=2026,
            by="a",
        )
    assert refused.value.field == "province"
    with pytest.raises(InvalidValue) as refused:
        Initiative.register(
            region="MA-09",
            name="X",
            theme="artisanat",
            province="MA-AGD",
            phase="launch",
            holder_id="p",
            holder_gender="F",
            holder_birth_year=1990,
            this_year=2026,
            by="a",
        )
    assert refused.value.field == "phase"


def test_a_holder_must_be_of_a_plausible_age() -> None:
    with pytest.raises(InvalidValue) as refused:
        Initiative.register(
            region="MA-09",
            name="X",
            theme="artisanat",
            province="MA-AGD",
            phase="ideation",
            holder_id="p",
            holder_gender="F",
            holder_birth_year=2020,
            this_year=2026,
            by="a",
        )
    assert refused.value.field == "holder.birth_year"


def test_a_phase_change_must_change_the_phase() -> None:
    initiative = new_initiative()
    with pytest.raises(RuleViolation):
        initiative.change_phase("ideation", by="amina")


def test_going_back_a_phase_is_allowed_and_recorded_as_a_regression() -> None:
    initiative = new_initiative("validation")
    initiative.collect_events()
    initiative.change_phase("amorcage", by="amina")
    initiative.change_phase("croissance", by="amina")
    back, forward = cast(list[Any], initiative.collect_events())
    assert back.regression and not forward.regression
    assert (back.from_phase, back.to_phase) == ("validation", "amorcage")


def test_a_session_needs_an_open_accompaniment() -> None:
    initiative = new_initiative()
    with pytest.raises(NotFound):
        initiative.hold_session(accompaniment_id="a1", hours=2, topic="Business model", by="a")
    accompanied(initiative)
    initiative.hold_session(
        accompaniment_id="a1", hours=2, topic="Business model", by="a", on="2026-02-10"
    )
    initiative.end_accompaniment(accompaniment_id="a1", outcome="completed", satisfaction=4, by="a")
    with pytest.raises(RuleViolation) as refused:
        initiative.hold_session(accompaniment_id="a1", hours=1, topic="Suivi", by="a")
    assert refused.value.field == "accompaniment_id"
    assert initiative.accompaniment("a1").sessions == 1


def test_a_session_cannot_predate_its_accompaniment() -> None:
    initiative = accompanied(new_initiative())
    with pytest.raises(InvalidValue):
        initiative.hold_session(accompaniment_id="a1", hours=1, topic="x", by="a", on="2026-01-01")


def test_one_open_accompaniment_per_structure() -> None:
    initiative = accompanied(new_initiative())
    with pytest.raises(RuleViolation):
        initiative.start_accompaniment(
            accompaniment_id="a2", structure_id="s1", offer_id="o2", service_type="mentorat", by="a"
        )


def test_satisfaction_is_from_1_to_5() -> None:
    initiative = accompanied(new_initiative())
    with pytest.raises(InvalidValue) as refused:
        initiative.end_accompaniment(
            accompaniment_id="a1", outcome="completed", satisfaction=6, by="a"
        )
    assert refused.value.field == "satisfaction"


def test_funding_must_be_positive() -> None:
    initiative = new_initiative()
    with pytest.raises(InvalidValue):
        initiative.receive_funding(funder="INDH", amount=0, instrument="subvention", by="a")
    initiative.receive_funding(funder="INDH", amount=50_000, instrument="subvention", by="a")
    assert initiative.funding_total == 50_000


def test_a_closed_initiative_takes_no_more_events() -> None:
    initiative = accompanied(new_initiative())
    with pytest.raises(RuleViolation):
        initiative.close(reason="autonome", by="a")
    initiative.end_accompaniment(accompaniment_id="a1", outcome="completed", satisfaction=5, by="a")
    initiative.close(reason="autonome", by="a")
    assert initiative.closed
    for attempt in (
        lambda: initiative.change_phase("croissance", by="a"),
        lambda: initiative.receive_funding(funder="X", amount=1, instrument="pret", by="a"),
        lambda: initiative.start_accompaniment(
            accompaniment_id="a2", structure_id="s2", offer_id="o", service_type="mentorat", by="a"
        ),
        lambda: initiative.close(reason="autonome", by="a"),
    ):
        with pytest.raises(RuleViolation):
            attempt()


def test_every_event_records_who_made_it() -> None:
    initiative = accompanied(new_initiative())
    initiative.hold_session(
        accompaniment_id="a1", hours=1, topic="x", by="youssef", on="2026-02-02"
    )
    events = cast(list[Any], initiative.collect_events())
    assert [e.by for e in events] == ["amina", "amina", "youssef"]
