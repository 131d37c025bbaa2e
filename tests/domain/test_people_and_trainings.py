from uuid import uuid4

import pytest

from node.domain.errors import InvalidValue, RuleViolation
from node.domain.people import Person
from node.domain.trainings import Training


def new_person() -> Person:
    return Person.register(
        person_id=uuid4(),
        kind="beneficiary",
        sealed_identity="…",
        gender="M",
        birth_year=1980,
        this_year=2026,
        by="a",
    )


def test_consent_is_recorded_per_purpose() -> None:
    person = new_person()
    assert not person.consents_to("enquete_impact")
    person.record_consent(purpose="enquete_impact", given=True, by="a")
    assert person.consents_to("enquete_impact")
    with pytest.raises(InvalidValue):
        person.record_consent(purpose="marketing", given=True, by="a")


def test_an_erased_person_takes_no_more_events() -> None:
    person = new_person()
    person.erase(by="dpo")
    with pytest.raises(RuleViolation):
        person.record_consent(purpose="enquete_impact", given=True, by="a")
    with pytest.raises(RuleViolation):
        person.erase(by="dpo")


def test_a_training_needs_distinct_participants() -> None:
    with pytest.raises(InvalidValue):
        Training.hold(topic="Mesure d'impact", hours=12, participant_ids=[], by="a")
    with pytest.raises(InvalidValue):
        Training.hold(topic="Mesure d'impact", hours=12, participant_ids=["p", "p"], by="a")


def test_competence_is_assessed_once_per_participant_of_the_training() -> None:
    training = Training.hold(topic="Mesure d'impact", hours=12, participant_ids=["p1"], by="a")
    with pytest.raises(RuleViolation):
        training.assess_competence(participant_id="p2", before=40, after=70, by="a")
    with pytest.raises(InvalidValue):
        training.assess_competence(participant_id="p1", before=40, after=170, by="a")
    training.assess_competence(participant_id="p1", before=40, after=70, by="a")
    assert training.assessments == {"p1": (40, 70)}
    with pytest.raises(RuleViolation):
        training.assess_competence(participant_id="p1", before=40, after=75, by="a")
