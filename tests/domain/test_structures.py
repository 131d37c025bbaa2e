import pytest

from node.domain.errors import InvalidValue, NotFound, RuleViolation
from node.domain.structures import QUALITY_CRITERIA, SupportStructure


def new_structure() -> SupportStructure:
    return SupportStructure.register(
        region="MA-09",
        name="Incubateur Souss",
        kind="associative",
        provinces=["MA-AGD", "MA-CHT"],
        by="amina",
    )


def test_a_structure_serves_provinces_of_the_node_region_only() -> None:
    assert new_structure().provinces == ["MA-AGD", "MA-CHT"]
    with pytest.raises(InvalidValue) as refused:
        SupportStructure.register(
            region="MA-09", name="X", kind="privee", provinces=["MA-CAS"], by="amina"
        )
    assert refused.value.field == "provinces"
    assert "not in region MA-09" in refused.value.reason


def test_an_offer_takes_phases_and_service_type_from_the_enumerations() -> None:
    structure = new_structure()
    with pytest.raises(InvalidValue) as refused:
        structure.publish_offer(
            offer_id="o1",
            service_type="coaching",
            phases=["ideation"],
            provinces=["MA-AGD"],
            capacity_per_year=5,
            free=True,
            by="a",
        )
    assert refused.value.field == "service_type"
    with pytest.raises(InvalidValue) as refused:
        structure.publish_offer(
            offer_id="o1",
            service_type="mentorat",
            phases=["launch"],
            provinces=["MA-AGD"],
            capacity_per_year=5,
            free=True,
            by="a",
        )
    assert refused.value.field == "phases"


def test_an_offer_covers_only_provinces_the_structure_serves() -> None:
    structure = new_structure()
    with pytest.raises(InvalidValue):
        structure.publish_offer(
            offer_id="o1",
            service_type="mentorat",
            phases=["ideation"],
            provinces=["MA-TIZ"],
            capacity_per_year=5,
            free=True,
            by="a",
        )


def test_offers_are_published_then_withdrawn_once() -> None:
    structure = new_structure()
    structure.publish_offer(
        offer_id="o1",
        service_type="incubation",
        phases=["amorcage", "ideation"],
        provinces=["MA-AGD"],
        capacity_per_year=12,
        free=False,
        by="a",
    )
    assert structure.offer("o1").phases == ["ideation", "amorcage"]
    structure.withdraw_offer("o1", by="a")
    assert not structure.offer("o1").active
    with pytest.raises(RuleViolation):
        structure.withdraw_offer("o1", by="a")
    with pytest.raises(NotFound):
        structure.withdraw_offer("nope", by="a")


def test_quality_is_scored_on_every_criterion_from_1_to_5() -> None:
    structure = new_structure()
    with pytest.raises(InvalidValue):
        structure.assess_quality({"pertinence": 4}, by="a")
    with pytest.raises(InvalidValue) as refused:
        structure.assess_quality(dict.fromkeys(QUALITY_CRITERIA, 6), by="a")
    assert str(refused.value.field).startswith("scores.")
    structure.assess_quality(dict.fromkeys(QUALITY_CRITERIA, 4), by="a")
    assert structure.quality == dict.fromkeys(sorted(QUALITY_CRITERIA), 4)


def test_drais_support_is_recorded_by_type() -> None:
    structure = new_structure()
    structure.record_drais_support("technique", by="a")
    assert structure.drais_support == ["technique"]
    with pytest.raises(InvalidValue):
        structure.record_drais_support("moral", by="a")
