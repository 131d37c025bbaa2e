"""The public enumerations of DESIGN §10: snake_case ASCII values, French labels in the UI."""

from __future__ import annotations

from enum import StrEnum


class ActorType(StrEnum):
    CONSEIL_REGIONAL = "conseil_regional"
    AGENCE_EXECUTION = "agence_execution"
    UNIVERSITE = "universite"
    STRUCTURE_ASSOCIATIVE = "structure_associative"
    STRUCTURE_PRIVEE = "structure_privee"
    CRDH = "crdh"
    COOPERATION_INTERNATIONALE = "cooperation_internationale"
    INSTITUT_NORMALISATION = "institut_normalisation"
    ENTITE_PUBLIQUE = "entite_publique"
    BAILLEUR = "bailleur"
    PORTEUR_PROJET = "porteur_projet"
    AUTRE = "autre"


class Role(StrEnum):
    PILOTAGE = "pilotage"
    MEMBRE = "membre"


class StructureKind(StrEnum):
    ASSOCIATIVE = "associative"
    PRIVEE = "privee"
    PUBLIQUE = "publique"
    UNIVERSITAIRE = "universitaire"


class ServiceType(StrEnum):
    FINANCEMENT = "financement"
    FORMATION = "formation"
    MENTORAT = "mentorat"
    INCUBATION = "incubation"
    ACCELERATION = "acceleration"
    EXPERTISE_TECHNIQUE = "expertise_technique"
    MISE_EN_RESEAU = "mise_en_reseau"
    HEBERGEMENT = "hebergement"
    ACCES_MARCHE = "acces_marche"
    MESURE_IMPACT = "mesure_impact"
    SENSIBILISATION = "sensibilisation"


class Phase(StrEnum):
    """Phases of a social innovation, in the order a project goes through them."""

    SENSIBILISATION = "sensibilisation"
    IDEATION = "ideation"
    AMORCAGE = "amorcage"
    VALIDATION = "validation"
    CROISSANCE = "croissance"

    @property
    def rank(self) -> int:
        return list(Phase).index(self)


#: The phases the DRAIS text says are under-served.
LATE_PHASES = frozenset({Phase.VALIDATION, Phase.CROISSANCE})


class Gender(StrEnum):
    F = "F"
    M = "M"


class FundingInstrument(StrEnum):
    SUBVENTION = "subvention"
    PRET_HONNEUR = "pret_honneur"
    PRET = "pret"
    PRISE_DE_PARTICIPATION = "prise_de_participation"
    PRIX = "prix"
    AUTRE = "autre"


class AccompanimentOutcome(StrEnum):
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    REORIENTED = "reoriented"


class ResourceKind(StrEnum):
    GUIDE = "guide"
    OUTIL = "outil"
    ETUDE = "etude"
    FORMATION = "formation"
    AUTRE = "autre"


class DraisSupportType(StrEnum):
    FINANCIER = "financier"
    TECHNIQUE = "technique"
    FORMATION = "formation"
    MISE_EN_RESEAU = "mise_en_reseau"


class Theme(StrEnum):
    """Social problems an initiative addresses; the observatory (T1) counts by theme."""

    AGRICULTURE_SOLIDAIRE = "agriculture_solidaire"
    ARTISANAT = "artisanat"
    ECONOMIE_CIRCULAIRE = "economie_circulaire"
    INCLUSION_FEMMES = "inclusion_femmes"
    INCLUSION_JEUNES = "inclusion_jeunes"
    EDUCATION = "education"
    SANTE = "sante"
    EAU_ENVIRONNEMENT = "eau_environnement"
    ENERGIE = "energie"
    NUMERIQUE = "numerique"
    HANDICAP = "handicap"
    TOURISME_SOLIDAIRE = "tourisme_solidaire"
    HABITAT = "habitat"
    CULTURE = "culture"
    AUTRE = "autre"


class InitiativeClosure(StrEnum):
    AUTONOME = "autonome"
    ABANDON = "abandon"
    FUSION = "fusion"
    AUTRE = "autre"


class PersonKind(StrEnum):
    HOLDER = "holder"
    BENEFICIARY = "beneficiary"
    PROFESSIONAL = "professional"


class ConsentPurpose(StrEnum):
    """What a person agreed their data may be used for (law 09-08: consent per purpose)."""

    ACCOMPAGNEMENT = "accompagnement"
    ENQUETE_IMPACT = "enquete_impact"
    COMMUNICATION = "communication"


class OutcomeHorizon(StrEnum):
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"


class SurveyWave(StrEnum):
    BASELINE = "baseline"
    FOLLOW_UP = "follow_up"


class StudyMethod(StrEnum):
    BEFORE_AFTER = "before_after"
    DIFFERENCE_IN_DIFFERENCES = "difference_in_differences"
    RANDOMISED = "randomised"
    QUALITATIVE = "qualitative"


class StudyStatus(StrEnum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# The indicator catalogue's fields (node/toolbox/catalogue.py), labelled in the UI too.


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    RATIO = "ratio"
    MAD = "mad"
    """Moroccan dirhams."""
    HOURS = "hours"
    SCORE = "score"
    YEARS = "years"
    DAYS = "days"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NEUTRAL = "neutral"


class Disaggregation(StrEnum):
    """Breakdowns an indicator may be published by (DESIGN §6, §10 enumerations)."""

    REGION = "region"
    PROVINCE = "province"
    SEX = "sex"
    AGE_BAND = "age_band"
    PHASE = "phase"
    ACTOR_TYPE = "actor_type"
    THEME = "theme"
    SERVICE_TYPE = "service_type"
    STRUCTURE_KIND = "structure_kind"
    DISABILITY = "disability"
    MILIEU = "milieu"
    """Urbain / rural."""


class Source(StrEnum):
    """Where an entry comes from: a seed document, the national core, or a region."""

    DRAIS = "DRAIS"
    BO = "BO"
    CORE = "core"
    REGION = "region"
