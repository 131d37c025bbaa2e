"""Read models: fed exactly once from the log, resumable, and rebuilt identically."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from node.bootstrap import Node
from node.projections import handlers, queries
from node.projections import tables as t
from tests.scenario import record_story


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in conn.execute(select(table))), key=str
            )
            for table in t.metadata.sorted_tables
        }


def test_read_models_follow_the_log(node: Node) -> None:
    story = record_story(node.app)
    node.projector.catch_up()
    engine = node.stores.read_models
    assert [m["name"] for m in queries.members(engine)] == [
        "Université Ibn Zohr",
        "Association Tamount",
    ]
    assert queries.members_by_type_over_time(engine)[-1] == {
        "month": "2026-03",
        "by_type": {"structure_associative": 1, "universite": 1},
        "total": 2,
    }
    funnel = {row["phase"]: row["count"] for row in queries.funnel(engine)}
    assert funnel == {
        "sensibilisation": 0,
        "ideation": 0,
        "amorcage": 1,
        "validation": 0,
        "croissance": 0,
    }
    (structure,) = queries.structures(engine)
    assert structure["quality_score"] == 4 and len(structure["offers"]) == 1
    journey = [row["event"] for row in queries.timeline(engine, story.initiative)]
    assert journey == [
        "Initiative.Registered",
        "Initiative.AccompanimentStarted",
        "Initiative.SessionHeld",
        "Initiative.PhaseChanged",
        "Initiative.FundingReceived",
    ]
    summary = queries.trainings(engine)
    assert (summary["professionals"], summary["hours"], summary["mean_competence_gain"]) == (
        1,
        14,
        35,
    )


def test_the_read_models_hold_no_identity(node: Node) -> None:
    record_story(node.app)
    node.projector.catch_up()
    text = repr(snapshot(node.stores.read_models))
    assert "Amrani" not in text and "JB123456" not in text and "+2126" not in text


def test_initiatives_can_be_filtered_searched_and_paged(node: Node) -> None:
    record_story(node.app)
    node.projector.catch_up()
    engine = node.stores.read_models
    assert queries.initiatives(engine, phase="amorcage")[0] == 1
    assert queries.initiatives(engine, phase="ideation")[0] == 0
    assert queries.initiatives(engine, search="argan")[0] == 1
    assert queries.initiatives(engine, search="biougra")[0] == 1
    assert queries.initiatives(engine, province="MA-AGD")[0] == 0
    total, page = queries.initiatives(engine, limit=1, offset=1)
    assert (total, page) == (1, [])


def test_coverage_matrix_flags_the_gaps(node: Node) -> None:
    story = record_story(node.app)
    node.app.change_phase(story.initiative, phase="validation", by="a")
    node.projector.catch_up()
    matrix = queries.coverage(node.stores.read_models, "MA-09")
    assert len(matrix["provinces"]) == 6
    assert len(matrix["cells"]) == 6 * 5 * 11
    cell = {(c["province"], c["phase"], c["service_type"]): c for c in matrix["cells"]}
    # 10 places a year split over two provinces, in each of the offer's two phases
    assert cell[("MA-CHT", "ideation", "incubation")]["capacity"] == 5
    assert cell[("MA-CHT", "validation", "incubation")] == {
        "province": "MA-CHT",
        "phase": "validation",
        "service_type": "incubation",
        "capacity": 0,
        "demand": 1,
        "gap": True,
    }
    phase = {(c["province"], c["phase"]): c for c in matrix["by_phase"]}
    assert phase[("MA-CHT", "validation")]["uncovered"]
    assert not phase[("MA-AGD", "amorcage")]["gap"]


def test_rebuild_gives_identical_tables(node: Node) -> None:
    record_story(node.app)
    node.projector.catch_up()
    before = snapshot(node.stores.read_models)
    applied = node.projector.rebuild()
    assert applied == node.app.recorder.max_notification_id()
    assert snapshot(node.stores.read_models) == before


def test_a_crash_mid_batch_applies_nothing_and_resumes_exactly_once(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_story(node.app)
    node.projector.catch_up()
    expected = snapshot(node.stores.read_models)
    node.projector.batch_size = 3
    t.metadata.drop_all(node.stores.read_models)
    t.metadata.create_all(node.stores.read_models)
    with node.stores.read_models.begin() as conn:
        conn.execute(t.tracking.insert().values(name="regional", position=0))

    def crash(conn: Any, event: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setitem(handlers.HANDLERS, "Initiative.PhaseChanged", crash)
    with pytest.raises(RuntimeError):
        node.projector.catch_up()
    partial = node.projector.position()
    with node.stores.read_models.connect() as conn:
        applied = conn.execute(select(t.timeline.c.position)).scalars().all()
    assert applied and max(applied) == partial  # committed batches only, nothing half-applied
    monkeypatch.undo()
    node.projector.catch_up()
    assert 0 < partial < (node.app.recorder.max_notification_id() or 0)
    assert snapshot(node.stores.read_models) == expected
