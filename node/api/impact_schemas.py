"""Request bodies of the impact toolbox's routes: types and sizes checked at the edge, unknown
fields refused. The rules of the toolbox itself (a grid's consistency, a survey's answers, an
indicator's place in the catalogue) are the domain's, so every edge reports them alike."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import EmailStr, Field, StringConstraints

from drais.vocabulary import (
    ConsentPurpose,
    Gender,
    OutcomeHorizon,
    StudyMethod,
    StudyStatus,
    SurveyWave,
)
from node.api.schemas import Body, Cin, Dated, Id, Name, Phone, Text

Statement = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
IndicatorCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Number = Annotated[float, Field(allow_inf_nan=False)]
Territory = Annotated[str, StringConstraints(pattern=r"^MA-(?:\d{2}|[A-Z]{3})$")]
Answer = bool | int | float
MAX_PANEL = 100_000
Coefficient = Annotated[float, Field(ge=1e-6, le=1e6)]
"""A grid's weight or multiplier. Bounded so that weight × multiplier and their sum stay finite
and non-zero: otherwise the grid's impact share is not a number and its projection fails."""


# -- theory of change --------------------------------------------------------------------


class IndicatorLinkIn(Body):
    """An outcome's indicator: a catalogue code, with an optional baseline and target."""

    code: IndicatorCode
    baseline: Number | None = None
    target: Number | None = None
    target_date: date | None = None


class OutcomeIn(Body):
    statement: Statement
    horizon: OutcomeHorizon
    indicators: list[IndicatorLinkIn] = Field(default_factory=list, max_length=50)


class TheoryOfChangeIn(Body):
    problem: Text
    target_population: Statement
    inputs: list[Statement] = Field(default_factory=list, max_length=50)
    activities: list[Statement] = Field(default_factory=list, max_length=50)
    outputs: list[Statement] = Field(default_factory=list, max_length=50)
    outcomes: list[OutcomeIn] = Field(min_length=1, max_length=50)
    impact: Text
    assumptions: list[Statement] = Field(default_factory=list, max_length=50)

    def content(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# -- beneficiaries and surveys -----------------------------------------------------------


class BeneficiaryIn(Body):
    """Identity is sealed before it reaches the log; consents are given explicitly."""

    full_name: Name
    gender: Gender
    birth_year: int = Field(ge=1900, le=2100)
    cin: Cin | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    consents: list[ConsentPurpose] = Field(default_factory=list, max_length=3)


class SurveyIn(Dated):
    wave: SurveyWave
    answers: dict[Annotated[str, StringConstraints(max_length=80)], Answer] = Field(max_length=100)
    scheme_id: Annotated[str, StringConstraints(min_length=1, max_length=80)] | None = None


# -- measurements ------------------------------------------------------------------------


class MeasurementIn(Body):
    indicator_code: IndicatorCode
    value: Number
    period_start: date
    period_end: date
    disaggregation: dict[str, str] = Field(default_factory=dict, max_length=10)


# -- funder grids and applications -------------------------------------------------------


class CriterionIn(Body):
    """One line of a grid; `minimum`, when set, is eliminatory."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    label: Name
    weight: Coefficient
    maximum: Number
    minimum: Number | None = None
    multiplier: Coefficient = 1.0
    impact: bool = False
    determining: bool = False


class GridTermsIn(Body):
    title: Name
    pass_threshold: Number
    criteria: list[CriterionIn] = Field(min_length=1, max_length=50)

    def criteria_terms(self) -> list[dict[str, Any]]:
        return [c.model_dump() for c in self.criteria]


class GridIn(GridTermsIn):
    code: Code
    funder: Name


class ApplicationIn(Body):
    applicant: Name
    scores: dict[Annotated[str, StringConstraints(max_length=40)], Number] = Field(max_length=50)
    initiative_id: Id | None = None


# -- policy studies ----------------------------------------------------------------------


class StudyIn(Body):
    title: Name
    policy: Name
    territory: Territory = Field(description="The region's code or one of its provinces")
    method: StudyMethod


class StudyStatusIn(Body):
    status: StudyStatus


class PanelIn(Body):
    """A difference-in-differences panel: one row per observation."""

    outcome: list[Number] = Field(min_length=1, max_length=MAX_PANEL)
    treated: list[int] = Field(min_length=1, max_length=MAX_PANEL)
    post: list[int] = Field(min_length=1, max_length=MAX_PANEL)
    cluster: list[str | int] | None = Field(None, max_length=MAX_PANEL)
