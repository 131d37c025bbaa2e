"""The alliance: members, governance meetings, shared resources."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from node.api import errors
from node.api.deps import Do, NodeDep, Reader
from node.api.schemas import Created, LeaveIn, MeetingIn, MemberIn, ResourceIn, RoleIn
from node.projections import queries

router = APIRouter(tags=["alliance"])


@router.post("/members", status_code=201, responses=errors.WRITE)
def join_member(body: MemberIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.join_member,
            name=body.name,
            actor_type=body.actor_type,
            role=body.role,
            on=body.day,
        )
    )


@router.get("/members")
def list_members(node: NodeDep, include_left: bool = True) -> list[dict[str, Any]]:
    return queries.members(node.stores.read_models, include_left)


@router.get("/members/over-time")
def members_over_time(node: NodeDep) -> list[dict[str, Any]]:
    return queries.members_by_type_over_time(node.stores.read_models)


@router.post("/members/{member_id}/role", responses=errors.WRITE)
def change_role(member_id: str, body: RoleIn, do: Do) -> dict[str, str]:
    do(do.app.change_member_role, member_id, role=body.role)
    return {"id": member_id, "role": body.role}


@router.post("/members/{member_id}/leave", responses=errors.WRITE)
def leave(member_id: str, do: Do, body: LeaveIn | None = None) -> dict[str, str]:
    do(do.app.member_leaves, member_id, on=body.day if body else None)
    return {"id": member_id, "status": "left"}


@router.post("/meetings", status_code=201, responses=errors.WRITE)
def hold_meeting(body: MeetingIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.hold_meeting,
            title=body.title,
            members_present=body.members_present,
            decisions=body.decisions,
            on=body.day,
        )
    )


@router.get("/meetings", responses=errors.PRIVATE)
def list_meetings(node: NodeDep, _user: Reader) -> list[dict[str, Any]]:
    return queries.meetings(node.stores.read_models)


@router.post("/resources", status_code=201, responses=errors.WRITE)
def share_resource(body: ResourceIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.share_resource,
            title=body.title,
            kind=body.kind,
            link=body.link,
            member_id=body.member_id,
            on=body.day,
        )
    )


@router.get("/resources")
def list_resources(node: NodeDep) -> list[dict[str, Any]]:
    return queries.resources(node.stores.read_models)
