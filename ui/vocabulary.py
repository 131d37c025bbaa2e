"""French (and later Arabic) labels of the public enumerations, provinces and event names.

The enumerations keep their snake_case ASCII values everywhere (DESIGN §10); the catalogue
translates each value under a context naming its enumeration (`pgettext("phase", "ideation")`),
so one word shared by two enumerations can be labelled differently in each.
"""

from __future__ import annotations

from enum import StrEnum

from babel.numbers import format_decimal

from drais import territory
from drais.accounts import UserRole
from drais.vocabulary import (
    AccompanimentOutcome,
    ActorType,
    ConsentPurpose,
    Direction,
    Disaggregation,
    DraisSupportType,
    FundingInstrument,
    Gender,
    InitiativeClosure,
    OutcomeHorizon,
    Phase,
    ResourceKind,
    Role,
    ServiceType,
    Source,
    StructureKind,
    StudyMethod,
    StudyStatus,
    SurveyWave,
    Theme,
    Unit,
)
from ui.i18n import Translator

VOCABULARIES: dict[str, type[StrEnum]] = {
    "actor_type": ActorType,
    "role": Role,
    "structure_kind": StructureKind,
    "service_type": ServiceType,
    "phase": Phase,
    "theme": Theme,
    "gender": Gender,
    "instrument": FundingInstrument,
    "outcome": AccompanimentOutcome,
    "closure": InitiativeClosure,
    "resource_kind": ResourceKind,
    "support_type": DraisSupportType,
    "consent": ConsentPurpose,
    "user_role": UserRole,
    # the impact toolbox
    "horizon": OutcomeHorizon,
    "wave": SurveyWave,
    "study_method": StudyMethod,
    "study_status": StudyStatus,
    "unit": Unit,
    "direction": Direction,
    "indicator_source": Source,
    "disaggregation": Disaggregation,
}

#: Contexts whose values are labelled by code rather than by the catalogue.
PROVINCE = "province"
#: Event names (`Initiative.PhaseChanged`) and record fields shown in timelines.
EVENT = "event"
FIELD = "field"

#: Which vocabulary labels a value found under a given key of an event or a row.
KEY_VOCABULARY: dict[str, str] = {
    "phase": "phase",
    "from_phase": "phase",
    "to_phase": "phase",
    "theme": "theme",
    "province": PROVINCE,
    "service_type": "service_type",
    "outcome": "outcome",
    "instrument": "instrument",
    "reason": "closure",
    "close_reason": "closure",
    "actor_type": "actor_type",
    "role": "role",
    "kind": "structure_kind",
    "holder_gender": "gender",
    "gender": "gender",
    "support_type": "support_type",
    "purpose": "consent",
}


def province_name(code: str) -> str:
    found = territory.provinces().get(code)
    return found.name if found else code


def label(tr: Translator, context: str, value: object) -> str:
    """The value's label in the translator's language; the value itself when none exists."""
    if value is None or value == "":
        return ""
    text = str(value)
    if context == PROVINCE:
        return province_name(text)
    translated = tr.pgettext(context, text)
    return text if translated == text and not tr.has(text, context) else translated


def choices(tr: Translator, context: str) -> list[tuple[str, str]]:
    """(value, label) pairs of a vocabulary, in its declared order."""
    return [(member.value, label(tr, context, member.value)) for member in VOCABULARIES[context]]


def province_choices(region: str) -> list[tuple[str, str]]:
    return [(p.code, p.name) for p in territory.provinces_of(region)]


def value_label(tr: Translator, key: str, value: object) -> str:
    """A record field's value as a reader sees it: labelled when the key names a vocabulary."""
    if isinstance(value, bool):
        return tr.gettext("yes") if value else tr.gettext("no")
    if isinstance(value, list):
        return ", ".join(value_label(tr, key, v) for v in value)
    if isinstance(value, float):
        return format_decimal(value, locale=tr.locale)
    context = KEY_VOCABULARY.get(key) or KEY_VOCABULARY.get(key.removesuffix("s"))
    if context is not None:
        return label(tr, context, value)
    return "" if value is None else str(value)
