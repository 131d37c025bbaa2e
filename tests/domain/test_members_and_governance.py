from typing import Any, cast

import pytest

from node.domain.errors import InvalidValue, RuleViolation
from node.domain.governance import Meeting, SharedResource
from node.domain.members import AllianceMember


def new_member() -> AllianceMember:
    return AllianceMember.join(
        name="Conseil régional Souss-Massa",
        actor_type="conseil_regional",
        role="pilotage",
        by="amina",
        on="2026-01-15",
    )


def test_a_member_joins_with_a_type_a_role_and_who_recorded_it() -> None:
    member = new_member()
    (joined,) = cast(list[Any], member.collect_events())
    assert (member.actor_type, member.role, member.joined_on) == (
        "conseil_regional",
        "pilotage",
        "2026-01-15",
    )
    assert joined.by == "amina"


def test_unknown_actor_type_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue) as refused:
        AllianceMember.join(name="X", actor_type="ong", role="membre", by="amina")
    assert refused.value.field == "actor_type"


def test_role_change_must_change_the_role() -> None:
    member = new_member()
    with pytest.raises(RuleViolation):
        member.change_role("pilotage", by="amina")
    member.change_role("membre", by="amina")
    assert member.role == "membre"


def test_a_member_who_left_takes_no_more_changes() -> None:
    member = new_member()
    member.leave(by="amina", on="2026-06-01")
    assert not member.active
    with pytest.raises(RuleViolation):
        member.leave(by="amina")
    with pytest.raises(RuleViolation):
        member.change_role("membre", by="amina")


def test_future_dates_are_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        AllianceMember.join(name="X", actor_type="autre", role="membre", by="a", on="2999-01-01")
    assert refused.value.field == "on"


def test_a_meeting_needs_someone_present() -> None:
    with pytest.raises(InvalidValue):
        Meeting.hold(title="Comité", members_present=[], decisions=[], by="amina")
    meeting = Meeting.hold(
        title="Comité",
        members_present=["a", "b", "a"],
        decisions=["Valider la feuille de route"],
        by="amina",
    )
    assert meeting.members_present == ["a", "b"]


def test_a_shared_resource_needs_a_web_link() -> None:
    with pytest.raises(InvalidValue) as refused:
        SharedResource.share(title="Guide", kind="guide", link="ftp://x", member_id=None, by="a")
    assert refused.value.field == "link"
