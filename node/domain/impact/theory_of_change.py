"""An initiative's theory of change: each revision is a fact, so its history stays readable."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from drais.vocabulary import OutcomeHorizon
from node.domain.errors import InvalidValue
from node.domain.rules import require_date, require_member, require_text


def theory_id(initiative_id: str) -> UUID:
    """One theory of change per initiative, found from the initiative's id."""
    return uuid5(NAMESPACE_URL, f"drais:theory-of-change:{initiative_id}")


def _texts(values: list[str], field: str) -> list[str]:
    return [require_text(v, field, 1000) for v in values]


def check_content(content: dict[str, Any], known_indicator: Any) -> dict[str, Any]:
    """Validate a theory's content; `known_indicator(code)` says whether the catalogue has it."""
    outcomes = []
    for i, outcome in enumerate(content["outcomes"]):
        links = []
        for j, link in enumerate(outcome.get("indicators", [])):
            field = f"outcomes.{i}.indicators.{j}"
            if not known_indicator(link["code"]):
                raise InvalidValue(f"unknown indicator {link['code']!r}", f"{field}.code")
            links.append(
                {
                    "code": link["code"],
                    "baseline": link.get("baseline"),
                    "target": link.get("target"),
                    "target_date": require_date(
                        link["target_date"], f"{field}.target_date", future=True
                    )
                    if link.get("target_date")
                    else None,
                }
            )
        outcomes.append(
            {
                "statement": require_text(outcome["statement"], f"outcomes.{i}.statement", 1000),
                "horizon": require_member(
                    OutcomeHorizon, outcome["horizon"], f"outcomes.{i}.horizon"
                ).value,
                "indicators": links,
            }
        )
    if not outcomes:
        raise InvalidValue("a theory of change needs at least one outcome", "outcomes")
    return {
        "problem": require_text(content["problem"], "problem", 2000),
        "target_population": require_text(content["target_population"], "target_population", 1000),
        "inputs": _texts(content.get("inputs", []), "inputs"),
        "activities": _texts(content.get("activities", []), "activities"),
        "outputs": _texts(content.get("outputs", []), "outputs"),
        "outcomes": outcomes,
        "impact": require_text(content["impact"], "impact", 2000),
        "assumptions": _texts(content.get("assumptions", []), "assumptions"),
    }


class TheoryOfChange(Aggregate):
    @classmethod
    def draft(cls, *, initiative_id: str, content: dict[str, Any], by: str) -> TheoryOfChange:
        return cls._create(
            cls.Drafted,  # type: ignore[attr-defined]
            id=theory_id(initiative_id),
            initiative_id=initiative_id,
            content=content,
            by=by,
        )

    @event("Drafted")
    def __init__(self, *, initiative_id: str, content: dict[str, Any], by: str) -> None:
        self.initiative_id = initiative_id
        self.content = content
        self.revision = 1

    @property
    def indicator_codes(self) -> list[str]:
        return sorted({link["code"] for o in self.content["outcomes"] for link in o["indicators"]})

    def revise(self, *, content: dict[str, Any], by: str) -> None:
        if content == self.content:
            raise InvalidValue("the revision changes nothing", "content")
        self._revised(content=content, revision=self.revision + 1, by=by)

    @event("Revised")
    def _revised(self, content: dict[str, Any], revision: int, by: str) -> None:
        self.content = content
        self.revision = revision
