"""A national scenario of three regions, as the federation receives it.

Envelopes are built directly from the wire contract (the consumer checks signatures and
chains, not the projections), written to the national log and applied to the projections in
one transaction per message, as the consumer does. Every figure the tests expect is worked out
by hand from the events below.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from federation import contract, projections
from federation.store import metadata as store_metadata
from federation.store import national_log, regions

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
ADMITTED_AT = datetime(2025, 1, 1, tzinfo=UTC)


def pseudonym(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:32]


class Feed:
    """Envelopes in arrival order, each region with its own contiguous seq."""

    def __init__(self) -> None:
        self.envelopes: list[contract.Envelope] = []
        self._seq: Counter[str] = Counter()

    def add(
        self, region: str, type_: str, month: str, subject: str | None, **data: Any
    ) -> contract.Envelope:
        self._seq[region] += 1
        envelope = contract.Envelope(
            v=1,
            region=region,
            seq=self._seq[region],
            prev=contract.GENESIS,
            type=type_,
            month=month,
            subject=pseudonym(subject) if subject else None,
            data=data,
            kid="test-key",
            pkid="test-key",
            sig="0" * 128,
        )
        envelope.payload()  # valid per the contract, or the scenario itself is wrong
        self.envelopes.append(envelope)
        return envelope


def scenario() -> list[contract.Envelope]:
    f = Feed()
    _tanger(f)
    _souss(f)
    _casablanca(f)
    return f.envelopes


SCORES_S1 = {"pertinence": 4, "accessibilite": 3, "competences": 5, "suivi": 4, "mesure_impact": 2}
SCORES_S2 = {"pertinence": 5, "accessibilite": 4, "competences": 4, "suivi": 5, "mesure_impact": 4}


def _tanger(f: Feed) -> None:
    r = "MA-01"
    f.add(
        r,
        "member.joined",
        "2025-01",
        "m1",
        name="Conseil",
        actor_type="conseil_regional",
        role="pilotage",
    )
    f.add(
        r,
        "member.joined",
        "2025-02",
        "m2",
        name="Université",
        actor_type="universite",
        role="membre",
    )
    f.add(r, "member.joined", "2025-02", "m3", name="Fonds", actor_type="bailleur", role="membre")
    f.add(r, "member.left", "2025-04", "m3")
    f.add(r, "governance.meeting_held", "2025-02", "mt1", members_present=3)
    f.add(r, "governance.resource_shared", "2025-03", "res1", kind="guide")

    f.add(
        r,
        "structure.registered",
        "2025-01",
        "s1",
        name="Asso Tanger",
        kind="associative",
        provinces=["MA-TNG"],
    )
    f.add(
        r,
        "structure.offer_published",
        "2025-01",
        "s1",
        offer=pseudonym("o1"),
        service_type="mentorat",
        phases=["ideation", "amorcage"],
        provinces=["MA-TNG", "MA-TET"],
        capacity_per_year=20,
        free=True,
    )
    f.add(
        r,
        "structure.offer_published",
        "2025-02",
        "s1",
        offer=pseudonym("o2"),
        service_type="financement",
        phases=["validation"],
        provinces=["MA-TNG"],
        capacity_per_year=5,
        free=False,
    )
    f.add(r, "structure.supported", "2025-02", "s1", support_type="financier")
    f.add(r, "structure.quality_assessed", "2025-03", "s1", scores=SCORES_S1)
    f.add(r, "structure.offer_withdrawn", "2025-04", "s1", offer=pseudonym("o2"))

    for n in range(1, 13):
        f.add(
            r,
            "initiative.registered",
            "2025-01",
            f"i{n:02d}",
            theme="inclusion_femmes" if n <= 6 else "numerique",
            province="MA-TNG" if n <= 10 else "MA-TET",
            phase="ideation" if n <= 10 else "amorcage",
            holder_sex="F" if n <= 8 else "M",
            holder_age_band="25-34" if n <= 8 else "35-44",
        )
    for n in range(1, 13):
        f.add(
            r,
            "initiative.accompaniment_started",
            "2025-02",
            f"i{n:02d}",
            structure=pseudonym("s1"),
            offer=pseudonym("o1"),
            service_type="mentorat",
            phase="ideation" if n <= 10 else "amorcage",
        )
    change = "initiative.phase_changed"
    f.add(r, change, "2025-02", "i01", from_phase="ideation", to_phase="amorcage", regression=False)
    f.add(
        r, change, "2025-03", "i01", from_phase="amorcage", to_phase="validation", regression=False
    )
    f.add(r, change, "2025-02", "i02", from_phase="ideation", to_phase="amorcage", regression=False)
    f.add(
        r, change, "2025-03", "i02", from_phase="amorcage", to_phase="validation", regression=False
    )
    f.add(
        r,
        change,
        "2025-04",
        "i02",
        from_phase="validation",
        to_phase="croissance",
        regression=False,
    )
    f.add(r, change, "2025-02", "i03", from_phase="ideation", to_phase="amorcage", regression=False)
    f.add(r, "initiative.session_held", "2025-03", "i01", structure=pseudonym("s1"), hours=2.5)
    f.add(r, "initiative.session_held", "2025-03", "i01", structure=pseudonym("s1"), hours=1.5)
    f.add(
        r,
        "initiative.funding_received",
        "2025-03",
        "i01",
        instrument="subvention",
        amount_band="10k-50k",
    )
    for n in range(1, 13):
        f.add(
            r,
            "initiative.accompaniment_ended",
            "2025-04",
            f"i{n:02d}",
            structure=pseudonym("s1"),
            outcome="completed",
            satisfaction=5 if n <= 2 else 4,
        )
    f.add(r, "initiative.closed", "2025-04", "i04", reason="abandon")
    f.add(r, "initiative.closed", "2025-05", "i05", reason="autonome")

    f.add(r, "training.held", "2025-02", "t1", hours=10.0, participants=15, new_participants=15)
    f.add(r, "training.held", "2025-04", "t2", hours=6.0, participants=12, new_participants=10)
    f.add(
        r,
        "training.competence_rolled_up",
        "2025-04",
        None,
        assessed=6,
        sum_before=12.0,
        sum_after=18.0,
    )
    f.add(
        r,
        "training.competence_rolled_up",
        "2025-05",
        None,
        assessed=4,
        sum_before=8.0,
        sum_after=12.0,
    )

    f.add(
        r,
        "beneficiaries.rolled_up",
        "2025-03",
        None,
        province="MA-TNG",
        sex="F",
        age_band="25-34",
        persons=30,
        paired=30,
        improved=18,
        worsened=5,
        exits=8,
        entries=2,
        poor_before=15,
        poor_after=9,
        sum_c_before=12.0,
        sum_c_after=9.0,
    )
    f.add(
        r,
        "beneficiaries.rolled_up",
        "2025-04",
        None,
        province="MA-TET",
        sex="M",
        age_band="35-44",
        persons=10,
        paired=10,
        improved=6,
        worsened=1,
        exits=3,
        entries=0,
        poor_before=5,
        poor_after=2,
        sum_c_before=4.0,
        sum_c_after=2.5,
    )
    # Follow-ups of five persons already counted: two improvements turn into deteriorations.
    f.add(
        r,
        "beneficiaries.rolled_up",
        "2025-05",
        None,
        province="MA-TNG",
        sex="F",
        age_band="25-34",
        persons=5,
        paired=0,
        improved=-2,
        worsened=2,
        exits=-1,
        entries=1,
        poor_before=0,
        poor_after=2,
        sum_c_before=0.0,
        sum_c_after=0.5,
    )

    f.add(r, "impact.theory_defined", "2025-02", "i01", revision=1, indicator_codes=["DRAIS.D4"])
    f.add(r, "impact.measurement_recorded", "2025-03", "i01", indicator_code="DRAIS.D4")
    f.add(r, "impact.theory_defined", "2025-03", "i02", revision=1, indicator_codes=["BO.emploi"])
    f.add(r, "impact.measurement_recorded", "2025-04", "i03", indicator_code="BO.emploi")

    f.add(
        r,
        "impact.grid_published",
        "2025-01",
        "g1",
        version=1,
        integrates_impact=False,
        impact_share=0.1,
    )
    f.add(
        r,
        "impact.grid_published",
        "2025-02",
        "g2",
        version=1,
        integrates_impact=True,
        impact_share=0.4,
    )
    f.add(
        r,
        "impact.grid_published",
        "2025-03",
        "g1",
        version=2,
        integrates_impact=True,
        impact_share=0.35,
    )

    f.add(
        r,
        "impact.study_registered",
        "2025-01",
        "st1",
        territory="MA-TNG",
        method="difference_in_differences",
    )
    f.add(r, "impact.study_status_changed", "2025-02", "st1", status="ongoing")
    f.add(r, "impact.study_status_changed", "2025-05", "st1", status="completed")


def _souss(f: Feed) -> None:
    r = "MA-09"
    f.add(
        r,
        "member.joined",
        "2025-01",
        "m6",
        name="Asso Souss",
        actor_type="structure_associative",
        role="membre",
    )
    f.add(
        r,
        "structure.registered",
        "2025-02",
        "s2",
        name="Incubateur Agadir",
        kind="privee",
        provinces=["MA-AGD"],
    )
    f.add(r, "structure.quality_assessed", "2025-02", "s2", scores=dict.fromkeys(SCORES_S2, 2))
    f.add(
        r,
        "structure.offer_published",
        "2025-03",
        "s2",
        offer=pseudonym("o3"),
        service_type="incubation",
        phases=["amorcage", "validation"],
        provinces=["MA-AGD"],
        capacity_per_year=10,
        free=False,
    )
    f.add(r, "structure.quality_assessed", "2025-05", "s2", scores=SCORES_S2)

    for name, phase, sex in (
        ("j1", "validation", "F"),
        ("j2", "amorcage", "M"),
        ("j3", "ideation", "M"),
    ):
        f.add(
            r,
            "initiative.registered",
            "2025-02",
            name,
            theme="agriculture_solidaire",
            province="MA-AGD",
            phase=phase,
            holder_sex=sex,
            holder_age_band="18-24" if sex == "F" else "35-44",
        )
        f.add(
            r,
            "initiative.accompaniment_started",
            "2025-03",
            name,
            structure=pseudonym("s2"),
            offer=pseudonym("o3"),
            service_type="incubation",
            phase=phase,
        )
    f.add(
        r,
        "initiative.phase_changed",
        "2025-04",
        "j2",
        from_phase="amorcage",
        to_phase="validation",
        regression=False,
    )
    for name, satisfaction in (("j1", 3), ("j2", 2), ("j3", 4)):
        f.add(
            r,
            "initiative.accompaniment_ended",
            "2025-04",
            name,
            structure=pseudonym("s2"),
            outcome="completed",
            satisfaction=satisfaction,
        )
    f.add(r, "initiative.closed", "2025-04", "j3", reason="abandon")

    f.add(r, "training.held", "2025-03", "t4", hours=8.0, participants=30, new_participants=30)
    f.add(
        r,
        "training.competence_rolled_up",
        "2025-04",
        None,
        assessed=12,
        sum_before=30.0,
        sum_after=42.0,
    )
    f.add(
        r,
        "beneficiaries.rolled_up",
        "2025-04",
        None,
        province="MA-AGD",
        sex="F",
        age_band="18-24",
        persons=25,
        paired=25,
        improved=12,
        worsened=6,
        exits=6,
        entries=1,
        poor_before=12,
        poor_after=7,
        sum_c_before=10.0,
        sum_c_after=8.0,
    )

    # j1: indicators named, then dropped by a revision: measured, but no longer adopting.
    f.add(r, "impact.theory_defined", "2025-03", "j1", revision=1, indicator_codes=["BO.revenu"])
    f.add(r, "impact.theory_defined", "2025-04", "j1", revision=2, indicator_codes=[])
    f.add(r, "impact.measurement_recorded", "2025-04", "j1", indicator_code="BO.revenu")
    # j2: measured first, indicators named later: adopting from 2025-05.
    f.add(r, "impact.theory_defined", "2025-02", "j2", revision=1, indicator_codes=[])
    f.add(r, "impact.measurement_recorded", "2025-03", "j2", indicator_code="BO.revenu")
    f.add(r, "impact.theory_defined", "2025-05", "j2", revision=2, indicator_codes=["BO.revenu"])

    f.add(
        r,
        "impact.grid_published",
        "2025-02",
        "g3",
        version=1,
        integrates_impact=True,
        impact_share=0.5,
    )
    f.add(
        r,
        "impact.grid_published",
        "2025-04",
        "g3",
        version=2,
        integrates_impact=False,
        impact_share=0.2,
    )

    f.add(r, "impact.study_registered", "2025-03", "st2", territory="MA-09", method="before_after")
    f.add(r, "impact.study_status_changed", "2025-04", "st2", status="ongoing")


def _casablanca(f: Feed) -> None:
    r = "MA-06"
    f.add(
        r,
        "member.joined",
        "2025-03",
        "m4",
        name="Agence",
        actor_type="agence_execution",
        role="pilotage",
    )
    f.add(
        r,
        "member.joined",
        "2025-03",
        "m5",
        name="Université Casa",
        actor_type="universite",
        role="membre",
    )
    f.add(r, "member.role_changed", "2025-05", "m5", role="pilotage")
    f.add(r, "impact.study_registered", "2025-02", "st3", territory="MA-CAS", method="randomised")
    f.add(r, "impact.study_status_changed", "2025-03", "st3", status="cancelled")
    for name in ("k1", "k2"):
        f.add(
            r,
            "initiative.registered",
            "2025-03",
            name,
            theme="education",
            province="MA-CAS",
            phase="ideation",
            holder_sex="F",
            holder_age_band="25-34",
        )
    f.add(
        r, "initiative.holder_corrected", "2025-04", "k2", holder_sex="F", holder_age_band="18-24"
    )
    f.add(r, "training.held", "2025-03", "t3", hours=4.0, participants=4, new_participants=4)
    f.add(r, "impact.theory_defined", "2025-04", "k1", revision=1, indicator_codes=["DRAIS.D3"])
    f.add(r, "impact.measurement_recorded", "2025-04", "k1", indicator_code="DRAIS.D3")
    f.add(r, "impact.measurement_recorded", "2025-04", "k1", indicator_code="DRAIS.D3")


# -- the federation's database ---------------------------------------------------------------


def body(envelope: contract.Envelope) -> bytes:
    return contract.canonical(envelope.model_dump(mode="json"))


def received_at(envelope: contract.Envelope) -> datetime:
    """Each message arrives on the 15th of its month, at noon."""
    return datetime.fromisoformat(f"{envelope.month}-15T12:00:00+00:00")


def create_tables(engine: Engine) -> None:
    store_metadata.create_all(engine)
    projections.create(engine)


def admit(engine: Engine, region: str, last_message_at: datetime | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(regions).values(
                region=region,
                name=region,
                public_key="0" * 64,
                kid="test-key",
                admitted_at=ADMITTED_AT,
                last_seq=0,
                head=contract.GENESIS,
                last_message_at=last_message_at,
                announced_seq=0,
                chain_ok=True,
            )
        )


def receive(engine: Engine, envelopes: list[contract.Envelope]) -> None:
    """What the consumer does with each accepted message: log it and project it, atomically."""
    for envelope in envelopes:
        with engine.begin() as conn:
            message = body(envelope)
            conn.execute(
                insert(national_log).values(
                    region=envelope.region,
                    seq=envelope.seq,
                    type=envelope.type,
                    month=envelope.month,
                    body=message,
                    hash=contract.digest(message),
                    received_at=received_at(envelope),
                )
            )
            projections.apply(conn, envelope)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection table's rows, in primary-key order."""
    with engine.connect() as conn:
        return {
            name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for name, table in projections.metadata.tables.items()
        }
