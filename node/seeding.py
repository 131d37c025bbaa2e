"""Realistic synthetic data for a region, recorded through the node's use cases.

A year of a region's life as the DRAIS text describes it: an alliance that grows, support
structures whose offers crowd the early phases (sensibilisation, idéation, amorçage) and leave
validation and croissance thin, initiatives on the themes of the social economy, trainings of
professionals, and the toolbox at work (theories of change, surveys of beneficiaries, a funder's
grid, a policy study). Deterministic for a region and a seed, so a demo is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from drais import territory
from drais.vocabulary import Theme
from node.application import Identity, NodeApplication
from node.domain.structures import QUALITY_CRITERIA

BY = "demo"
FIRST_NAMES_F = (
    "Fatima",
    "Khadija",
    "Amina",
    "Salma",
    "Meryem",
    "Hanane",
    "Nadia",
    "Zineb",
    "Imane",
    "Rachida",
    "Siham",
    "Loubna",
)
FIRST_NAMES_M = (
    "Mohamed",
    "Youssef",
    "Hamza",
    "Omar",
    "Karim",
    "Rachid",
    "Said",
    "Abdellah",
    "Mustapha",
    "Ayoub",
    "Hassan",
    "Brahim",
)
LAST_NAMES = (
    "Amrani",
    "Alaoui",
    "Bennani",
    "El Idrissi",
    "Ouhammou",
    "Tazi",
    "Berrada",
    "Ait Lahcen",
    "Chraibi",
    "Naciri",
    "Ouazzani",
    "Boukhris",
    "El Fassi",
    "Zahraoui",
)
COMMUNES = (
    "Centre",
    "Douar Tagadirt",
    "Ait Baha",
    "Sidi Bibi",
    "Oulad Teima",
    "Tnine",
    "Had Soualem",
    "Ain Harrouda",
)
THEME_WEIGHTS = {
    Theme.AGRICULTURE_SOLIDAIRE: 5,
    Theme.ARTISANAT: 4,
    Theme.ECONOMIE_CIRCULAIRE: 3,
    Theme.INCLUSION_FEMMES: 4,
    Theme.INCLUSION_JEUNES: 4,
}
PROJECT_WORDS = {
    Theme.AGRICULTURE_SOLIDAIRE: (
        "Coopérative d'argan",
        "Safran solidaire",
        "Miel des montagnes",
        "Figues de barbarie",
    ),
    Theme.ARTISANAT: (
        "Tissage berbère",
        "Poterie de Tamegroute",
        "Broderie fassie",
        "Maroquinerie solidaire",
    ),
    Theme.ECONOMIE_CIRCULAIRE: (
        "Recyclage des plastiques",
        "Compost urbain",
        "Réparation solidaire",
        "Palmes valorisées",
    ),
    Theme.INCLUSION_FEMMES: (
        "Couscous des femmes",
        "Atelier couture",
        "Crèche associative",
        "Transformation laitière",
    ),
    Theme.INCLUSION_JEUNES: (
        "Codage pour tous",
        "Café culturel",
        "Livraison à vélo",
        "Agence de tourisme rural",
    ),
}
# Support is concentrated on the first three phases (the gap DRAIS is meant to close).
OFFER_PHASES = (
    ["sensibilisation", "ideation"],
    ["ideation", "amorcage"],
    ["amorcage"],
    ["sensibilisation"],
    ["amorcage", "validation"],
)
START = date(2025, 12, 1)


class _Year:
    """Days of the seeded year, never after today."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.end = min(date.today(), START + timedelta(days=355))

    def day(self, after: date = START, within: int = 120) -> date:
        latest = min(self.end, after + timedelta(days=within))
        if latest <= after:
            return after
        return after + timedelta(days=self.rng.randint(1, (latest - after).days))


def _holder(rng: random.Random) -> tuple[Identity, str, int]:
    gender = rng.choice("FM")
    first = rng.choice(FIRST_NAMES_F if gender == "F" else FIRST_NAMES_M)
    identity = Identity(
        f"{first} {rng.choice(LAST_NAMES)}",
        cin=f"{rng.choice(['J', 'JB', 'BK', 'EE', 'AB'])}{rng.randint(10000, 999999)}",
        phone=f"+2126{rng.randint(10000000, 99999999)}",
    )
    return identity, gender, rng.randint(1966, 2004)


def seed_region(
    app: NodeApplication,
    *,
    seed: int = 2026,
    initiatives: int = 40,
    progress: Callable[[str], None] = lambda _step: None,
) -> dict[str, int]:
    """Record a year of synthetic activity; returns how many records of each kind."""
    rng = random.Random(f"{app.region}:{seed}")  # noqa: S311 - synthetic data, not secrets
    year = _Year(rng)
    provinces = sorted(p.code for p in territory.provinces_of(app.region))
    counts: dict[str, int] = {}

    def count(kind: str, n: int = 1) -> None:
        counts[kind] = counts.get(kind, 0) + n

    progress("alliance")
    with app.batch():
        members = _alliance(app, rng, year, territory.regions()[app.region].name)
    count("members", len(members))

    progress("support structures")
    with app.batch():
        offers = _structures(app, rng, year, provinces)
    count("offers", len(offers))

    progress("initiatives")
    projects: list[str] = []
    for _ in range(initiatives):
        with app.batch():
            projects.append(_initiative(app, rng, year, provinces, offers))
    count("initiatives", len(projects))

    progress("trainings")
    with app.batch():
        count("trainings", _trainings(app, rng, year))

    progress("impact toolbox")
    with app.batch():
        count("beneficiaries", _impact(app, rng, year, projects, provinces))
    return counts


def _alliance(app: NodeApplication, rng: random.Random, year: _Year, region_name: str) -> list[str]:
    actors = [
        (f"Conseil régional {region_name}", "conseil_regional", "pilotage"),
        (f"Agence régionale d'exécution des projets {region_name}", "agence_execution", "pilotage"),
        ("Université régionale", "universite", "membre"),
        ("Association Tamount", "structure_associative", "membre"),
        ("Réseau des coopératives solidaires", "structure_associative", "membre"),
        ("Incubateur Impact Lab", "structure_privee", "membre"),
        ("CRDH", "crdh", "membre"),
        ("Coopération internationale (GIZ)", "cooperation_internationale", "membre"),
        ("INDH — coordination provinciale", "entite_publique", "membre"),
        ("Banque solidaire", "bailleur", "membre"),
    ]
    members = []
    joined = START
    for name, actor_type, role in actors:
        joined = year.day(joined, within=30)
        members.append(
            app.join_member(
                name=name, actor_type=actor_type, role=role, by=BY, on=joined.isoformat()
            )
        )
    for quarter in range(4):
        held = min(year.end, START + timedelta(days=90 * quarter + 20))
        present = [m for m in members if rng.random() < 0.7] or members[:2]
        app.hold_meeting(
            title=f"Comité régional — trimestre {quarter + 1}",
            members_present=present,
            decisions=["Valider le plan d'action", "Renforcer l'offre de validation"],
            by=BY,
            on=held.isoformat(),
        )
    for title, kind in (
        ("Guide de la mesure d'impact", "guide"),
        ("Cartographie des acteurs", "etude"),
        ("Canevas théorie du changement", "outil"),
    ):
        app.share_resource(
            title=title,
            kind=kind,
            link="https://drais.ma/ressources",
            member_id=members[1],
            by=BY,
            on=year.day().isoformat(),
        )
    return members


def _structures(
    app: NodeApplication, rng: random.Random, year: _Year, provinces: list[str]
) -> list[tuple[str, str, list[str], list[str]]]:
    names = (
        "Incubateur régional",
        "Maison de l'économie sociale",
        "Pépinière universitaire",
        "Accélérateur solidaire",
        "Espace associatif",
    )
    kinds = ("publique", "associative", "universitaire", "privee", "associative")
    services = (
        "incubation",
        "formation",
        "mentorat",
        "acceleration",
        "sensibilisation",
        "financement",
        "mise_en_reseau",
    )
    offers = []
    for i, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        served = rng.sample(provinces, k=min(len(provinces), rng.randint(1, 3)))
        opened = year.day(within=60)
        structure = app.register_structure(
            name=name, kind=kind, provinces=served, by=BY, on=opened.isoformat()
        )
        for phases in rng.sample(OFFER_PHASES, k=rng.randint(1, 3)):
            offer_provinces = rng.sample(served, k=rng.randint(1, len(served)))
            offer = app.publish_offer(
                structure,
                service_type=rng.choice(services),
                phases=phases,
                provinces=offer_provinces,
                capacity_per_year=rng.choice((5, 10, 15, 20, 30)),
                free=rng.random() < 0.8,
                by=BY,
                on=year.day(opened, within=30).isoformat(),
            )
            offers.append((structure, offer, phases, offer_provinces))
        if i < 3:
            app.record_drais_support(
                structure,
                support_type=rng.choice(("financier", "technique", "formation")),
                by=BY,
                on=year.day(opened).isoformat(),
            )
        app.assess_structure_quality(
            structure,
            scores={c: rng.randint(2, 5) for c in QUALITY_CRITERIA},
            by=BY,
            on=year.day(opened).isoformat(),
        )
    return offers


def _initiative(
    app: NodeApplication,
    rng: random.Random,
    year: _Year,
    provinces: list[str],
    offers: list[tuple[str, str, list[str], list[str]]],
) -> str:
    theme = rng.choices(list(THEME_WEIGHTS), weights=list(THEME_WEIGHTS.values()))[0]
    phase = rng.choices(
        ["sensibilisation", "ideation", "amorcage", "validation"], weights=[3, 5, 4, 1]
    )[0]
    holder, gender, birth_year = _holder(rng)
    registered = year.day(within=300)
    province = rng.choice(provinces)
    initiative = app.register_initiative(
        name=f"{rng.choice(PROJECT_WORDS[theme])} {rng.choice(LAST_NAMES)}",
        theme=theme,
        province=province,
        phase=phase,
        holder=holder,
        holder_gender=gender,
        holder_birth_year=birth_year,
        commune=rng.choice(COMMUNES),
        by=BY,
        on=registered.isoformat(),
    )
    fitting = [o for o in offers if phase in o[2] and province in o[3]]
    if not fitting or rng.random() < 0.25:
        return initiative
    structure, offer, _phases, _provinces = rng.choice(fitting)
    started = year.day(registered, within=30)
    accompaniment = app.start_accompaniment(
        initiative, structure_id=structure, offer_id=offer, by=BY, on=started.isoformat()
    )
    day = started
    for topic in rng.sample(
        (
            "Modèle économique",
            "Étude de marché",
            "Gouvernance",
            "Mesure d'impact",
            "Plan de financement",
        ),
        k=rng.randint(1, 4),
    ):
        day = year.day(day, within=25)
        app.hold_session(
            initiative,
            accompaniment,
            hours=rng.choice((2, 3, 4)),
            topic=topic,
            by=BY,
            on=day.isoformat(),
        )
    ladder = ["sensibilisation", "ideation", "amorcage", "validation", "croissance"]
    current = phase
    while current != "croissance" and rng.random() < 0.45:
        current = ladder[ladder.index(current) + 1]
        day = year.day(day, within=60)
        app.change_phase(initiative, phase=current, by=BY, on=day.isoformat())
    if rng.random() < 0.3:
        day = year.day(day, within=60)
        app.record_funding(
            initiative,
            funder=rng.choice(("INDH", "Banque solidaire", "Fondation régionale")),
            amount=rng.choice((15_000, 40_000, 80_000, 150_000, 300_000)),
            instrument=rng.choice(("subvention", "pret_honneur", "prix")),
            by=BY,
            on=day.isoformat(),
        )
    if rng.random() < 0.5:
        day = year.day(day, within=60)
        app.end_accompaniment(
            initiative,
            accompaniment,
            outcome=rng.choice(("completed", "completed", "abandoned", "reoriented")),
            satisfaction=rng.randint(2, 5),
            by=BY,
            on=day.isoformat(),
        )
        if rng.random() < 0.2:
            app.close_initiative(
                initiative,
                reason=rng.choice(("abandon", "autonome")),
                by=BY,
                on=year.day(day, within=30).isoformat(),
            )
    return initiative


def _trainings(app: NodeApplication, rng: random.Random, year: _Year) -> int:
    professionals = []
    for _ in range(14):
        identity, gender, birth_year = _holder(rng)
        professionals.append(
            app.register_professional(
                identity=identity, gender=gender, birth_year=birth_year, by=BY
            )
        )
    topics = (
        "Accompagnement des innovations sociales",
        "Mesure d'impact et théorie du changement",
        "Financement solidaire",
        "Animation de communautés",
    )
    for topic in topics:
        participants = rng.sample(professionals, k=rng.randint(5, 10))
        training = app.hold_training(
            topic=topic,
            hours=rng.choice((7, 14, 21)),
            participant_ids=participants,
            by=BY,
            on=year.day(within=330).isoformat(),
        )
        for person in participants:
            before = rng.randint(20, 60)
            app.assess_competence(
                training,
                participant_id=person,
                before=before,
                after=min(100, before + rng.randint(5, 35)),
                by=BY,
            )
    return len(topics)


def _answers(rng: random.Random, poor: bool) -> dict[str, Any]:
    """A living-conditions survey: deprived on most indicators when poor, few otherwise."""
    deprived = 0.7 if poor else 0.15
    return {
        "edu_annees_scolarite": rng.randint(0, 5)
        if rng.random() < deprived
        else rng.randint(6, 12),
        **{
            name: rng.random() >= deprived
            for name in (
                "edu_scolarisation_enfants",
                "sante_couverture_amo",
                "sante_acces_centre",
                "vie_eau_potable",
                "vie_assainissement",
                "vie_electricite",
                "vie_surpeuplement",
                "emploi_adulte_remunere",
                "revenu_par_uc",
            )
        },
    }


def _impact(
    app: NodeApplication, rng: random.Random, year: _Year, projects: list[str], provinces: list[str]
) -> int:
    measured = rng.sample(projects, k=min(6, len(projects)))
    for i, initiative in enumerate(measured):
        app.define_theory_of_change(initiative, content=_theory(), by=BY)
        if i < 4:
            app.record_measurement(
                initiative,
                indicator_code="CORE.INC.BENEFICIARIES",
                value=rng.randint(12, 60),
                period_start="2026-01-01",
                period_end="2026-06-30",
                disaggregation={"sexe": "F"},
                by=BY,
            )
    beneficiaries = 0
    baseline = date(2026, 1, 15)
    for initiative in measured[:3]:
        for _ in range(rng.randint(8, 12)):
            identity, _gender, _birth_year = _holder(rng)
            # Mostly women of 25-34 (women's inclusion projects): strata large enough for
            # the national roll-ups of at least k persons.
            person = app.register_beneficiary(
                initiative,
                identity=identity,
                gender="F",
                birth_year=rng.randint(1993, 2000),
                consents=("enquete_impact",),
                by=BY,
            )
            poor = rng.random() < 0.6
            app.record_survey(
                person, wave="baseline", answers=_answers(rng, poor), by=BY, on=baseline.isoformat()
            )
            if year.end > baseline + timedelta(days=150):
                app.record_survey(
                    person,
                    wave="follow_up",
                    answers=_answers(rng, poor and rng.random() < 0.4),
                    by=BY,
                    on=(baseline + timedelta(days=150)).isoformat(),
                )
            beneficiaries += 1
    grid = app.publish_grid(
        code="APPEL-2026",
        title="Appel à projets innovation sociale 2026",
        pass_threshold=60,
        criteria=[
            {
                "code": "impact",
                "label": "Théorie du changement et mesure",
                "weight": 4,
                "maximum": 10,
                "impact": True,
                "determining": True,
            },
            {"code": "equipe", "label": "Équipe", "weight": 3, "maximum": 10, "minimum": 4},
            {"code": "viabilite", "label": "Viabilité", "weight": 3, "maximum": 10},
        ],
        funder="Fondation régionale",
        by=BY,
    )
    for initiative in rng.sample(projects, k=min(4, len(projects))):
        app.submit_application(
            grid,
            applicant="Porteur de projet",
            initiative_id=initiative,
            scores={
                "impact": rng.randint(3, 10),
                "equipe": rng.randint(3, 10),
                "viabilite": rng.randint(3, 10),
            },
            by=BY,
        )
    study = app.register_study(
        title="Évaluation du programme régional d'inclusion des jeunes",
        policy="Programme d'inclusion économique des jeunes",
        territory=rng.choice(provinces),
        method="difference_in_differences",
        by=BY,
    )
    app.change_study_status(study, status="ongoing", by=BY)
    units = [(unit, unit % 2, post) for unit in range(30) for post in (0, 1)]
    app.estimate_did(
        study,
        outcome=[
            round(40 + 5 * treated + 3 * post + 6 * treated * post + rng.gauss(0, 2), 2)
            for _unit, treated, post in units
        ],
        treated=[treated for _unit, treated, _post in units],
        post=[post for _unit, _treated, post in units],
        cluster=[unit for unit, _treated, _post in units],
        by=BY,
    )
    app.change_study_status(study, status="completed", by=BY)
    return beneficiaries


def _theory() -> dict[str, Any]:
    return {
        "problem": "Faibles revenus et accès limité aux services dans les douars",
        "target_population": "Femmes et jeunes des communes rurales",
        "inputs": ["Subvention", "Accompagnement"],
        "activities": ["Formation", "Mise en marché collective"],
        "outputs": ["Membres formés", "Produits vendus"],
        "outcomes": [
            {
                "statement": "Plus de personnes accompagnées",
                "horizon": "short",
                "indicators": [
                    {
                        "code": "CORE.INC.BENEFICIARIES",
                        "baseline": 0,
                        "target": 50,
                        "target_date": "2027-12-31",
                    }
                ],
            },
            {
                "statement": "Conditions de vie améliorées",
                "horizon": "long",
                "indicators": [
                    {"code": "CORE.D4", "baseline": 0, "target": 0.5, "target_date": "2028-12-31"}
                ],
            },
        ],
        "impact": "Réduction de la pauvreté multidimensionnelle",
        "assumptions": ["Accès au marché maintenu"],
    }
