"""Request bodies: validated at the edge, unknown fields refused."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from drais.vocabulary import (
    AccompanimentOutcome,
    ActorType,
    ConsentPurpose,
    DraisSupportType,
    FundingInstrument,
    Gender,
    InitiativeClosure,
    Phase,
    ResourceKind,
    Role,
    ServiceType,
    StructureKind,
    Theme,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Province = Annotated[str, StringConstraints(pattern=r"^MA-[A-Z]{3}$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Cin = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{1,2}\d{1,6}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 .-]{8,20}$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Dated(Body):
    on: date | None = Field(None, description="When it happened (default: today)")

    @property
    def day(self) -> str | None:
        return self.on.isoformat() if self.on else None


class MemberIn(Dated):
    name: Name
    actor_type: ActorType
    role: Role


class RoleIn(Body):
    role: Role


class LeaveIn(Dated):
    pass


class MeetingIn(Dated):
    title: Name
    members_present: list[Id] = Field(min_length=1, max_length=500)
    decisions: list[Text] = Field(default_factory=list, max_length=100)


class ResourceIn(Dated):
    title: Name
    kind: ResourceKind
    link: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)]
    member_id: Id | None = None


class StructureIn(Dated):
    name: Name
    kind: StructureKind
    provinces: list[Province] = Field(min_length=1, max_length=20)


class OfferIn(Dated):
    service_type: ServiceType
    phases: list[Phase] = Field(min_length=1, max_length=5)
    provinces: list[Province] = Field(min_length=1, max_length=20)
    capacity_per_year: int = Field(ge=1, le=100_000)
    free: bool = True


class DraisSupportIn(Dated):
    support_type: DraisSupportType


class QualityIn(Dated):
    scores: dict[str, int] = Field(min_length=1, max_length=10)


class HolderIn(Body):
    full_name: Name
    gender: Gender
    birth_year: int = Field(ge=1900, le=2100)
    cin: Cin | None = None
    phone: Phone | None = None
    email: EmailStr | None = None


class InitiativeIn(Dated):
    name: Name
    theme: Theme
    province: Province
    phase: Phase
    commune: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    holder: HolderIn
    consents: list[ConsentPurpose] = Field(
        default_factory=lambda: [ConsentPurpose.ACCOMPAGNEMENT], max_length=3
    )


class PhaseIn(Dated):
    phase: Phase


class AccompanimentIn(Dated):
    structure_id: Id
    offer_id: Id


class SessionIn(Dated):
    hours: float = Field(gt=0, le=24)
    topic: Text


class AccompanimentEndIn(Dated):
    outcome: AccompanimentOutcome
    satisfaction: int = Field(ge=1, le=5)


class FundingIn(Dated):
    funder: Name
    amount: float = Field(gt=0, le=1e10)
    instrument: FundingInstrument


class CloseIn(Dated):
    reason: InitiativeClosure


class ProfessionalIn(Body):
    full_name: Name
    gender: Gender
    birth_year: int = Field(ge=1900, le=2100)
    cin: Cin | None = None
    phone: Phone | None = None
    email: EmailStr | None = None


class TrainingIn(Dated):
    topic: Name
    hours: float = Field(gt=0, le=1000)
    participant_ids: list[Id] = Field(min_length=1, max_length=1000)


class AssessmentIn(Body):
    participant_id: Id
    before: float = Field(ge=0, le=100)
    after: float = Field(ge=0, le=100)


class ConsentIn(Dated):
    purpose: ConsentPurpose
    given: bool


class Created(BaseModel):
    id: str
