"""Proximity support structures and the offers they publish (indicators D2, T2)."""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.domain import Aggregate, event

from drais.vocabulary import DraisSupportType, Phase, ServiceType, StructureKind
from node.domain.errors import InvalidValue, NotFound, RuleViolation
from node.domain.rules import (
    require_date,
    require_member,
    require_members,
    require_provinces_in,
    require_range,
    require_text,
)

#: What a quality assessment scores, each from 1 (poor) to 5 (excellent).
QUALITY_CRITERIA = ("pertinence", "accessibilite", "competences", "suivi", "mesure_impact")


@dataclass
class Offer:
    id: str
    service_type: str
    phases: list[str]
    provinces: list[str]
    capacity_per_year: int
    free: bool
    withdrawn_on: str | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


class SupportStructure(Aggregate):
    @classmethod
    def register(
        cls,
        *,
        region: str,
        name: str,
        kind: str,
        provinces: list[str],
        by: str,
        on: str | None = None,
    ) -> SupportStructure:
        return cls(
            name=require_text(name, "name"),
            kind=require_member(StructureKind, kind, "kind").value,
            provinces=require_provinces_in(region, provinces, "provinces"),
            on=require_date(on, "on"),
            by=by,
        )

    @event("Registered")
    def __init__(self, *, name: str, kind: str, provinces: list[str], on: str, by: str) -> None:
        self.name = name
        self.kind = kind
        self.provinces = provinces
        self.registered_on = on
        self.offers: dict[str, Offer] = {}
        self.drais_support: list[str] = []
        self.quality: dict[str, int] | None = None

    def offer(self, offer_id: str) -> Offer:
        try:
            return self.offers[offer_id]
        except KeyError:
            raise NotFound(f"structure has no offer {offer_id}", "offer_id") from None

    def publish_offer(
        self,
        *,
        offer_id: str,
        service_type: str,
        phases: list[str],
        provinces: list[str],
        capacity_per_year: int,
        free: bool,
        by: str,
        on: str | None = None,
    ) -> None:
        phase_values = require_members(Phase, phases, "phases")
        outside = sorted(set(provinces) - set(self.provinces))
        if not provinces:
            raise InvalidValue("must name at least one province", "provinces")
        if outside:
            raise InvalidValue(f"the structure does not serve {', '.join(outside)}", "provinces")
        if capacity_per_year < 1:
            raise InvalidValue("must be at least 1", "capacity_per_year")
        self._offer_published(
            offer_id=offer_id,
            service_type=require_member(ServiceType, service_type, "service_type").value,
            phases=sorted({p.value for p in phase_values}, key=lambda p: Phase(p).rank),
            provinces=sorted(set(provinces)),
            capacity_per_year=capacity_per_year,
            free=free,
            on=require_date(on, "on"),
            by=by,
        )

    @event("OfferPublished")
    def _offer_published(
        self,
        offer_id: str,
        service_type: str,
        phases: list[str],
        provinces: list[str],
        capacity_per_year: int,
        free: bool,
        on: str,
        by: str,
    ) -> None:
        self.offers[offer_id] = Offer(
            offer_id, service_type, phases, provinces, capacity_per_year, free
        )

    def withdraw_offer(self, offer_id: str, *, by: str, on: str | None = None) -> None:
        if not self.offer(offer_id).active:
            raise RuleViolation("the offer is already withdrawn", "offer_id")
        self._offer_withdrawn(offer_id=offer_id, on=require_date(on, "on"), by=by)

    @event("OfferWithdrawn")
    def _offer_withdrawn(self, offer_id: str, on: str, by: str) -> None:
        self.offers[offer_id].withdrawn_on = on

    def record_drais_support(self, support_type: str, *, by: str, on: str | None = None) -> None:
        self._supported(
            support_type=require_member(DraisSupportType, support_type, "support_type").value,
            on=require_date(on, "on"),
            by=by,
        )

    @event("SupportedByDrais")
    def _supported(self, support_type: str, on: str, by: str) -> None:
        self.drais_support.append(support_type)

    def assess_quality(self, scores: dict[str, int], *, by: str, on: str | None = None) -> None:
        missing = sorted(set(QUALITY_CRITERIA) - set(scores))
        unknown = sorted(set(scores) - set(QUALITY_CRITERIA))
        if missing or unknown:
            raise InvalidValue(
                f"criteria must be exactly {', '.join(QUALITY_CRITERIA)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else ""),
                "scores",
            )
        for criterion, score in scores.items():
            require_range(score, 1, 5, f"scores.{criterion}")
        self._quality_assessed(
            scores=dict(sorted(scores.items())), on=require_date(on, "on"), by=by
        )

    @event("QualityAssessed")
    def _quality_assessed(self, scores: dict[str, int], on: str, by: str) -> None:
        self.quality = scores
