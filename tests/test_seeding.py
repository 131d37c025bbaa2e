"""The demo's synthetic region: a year of activity, recorded through the use cases."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from drais.config import NodeSettings
from node.bootstrap import Node, build_node
from node.projections import queries
from node.seeding import seed_region


def test_a_seeded_region_looks_like_the_drais_text(settings: NodeSettings) -> None:
    node = build_node(settings)
    try:
        steps: list[str] = []
        counts = seed_region(node.app, initiatives=30, progress=steps.append)
        assert steps == [
            "alliance",
            "support structures",
            "initiatives",
            "trainings",
            "impact toolbox",
        ]
        assert counts["members"] == 10 and counts["initiatives"] == 30
        assert counts["beneficiaries"] >= 24
        node.projector.catch_up()
        funnel = {row["phase"]: row["count"] for row in queries.funnel(node.stores.read_models)}
        early = sum(funnel.get(p, 0) for p in ("sensibilisation", "ideation", "amorcage"))
        late = sum(funnel.get(p, 0) for p in ("validation", "croissance"))
        assert early > late  # support concentrated on the first phases, as the text says
        node.outbox.derive()
        shared = Counter(json.loads(m.body)["type"] for m in node.outbox.after(0, 100_000))
        for kind in (
            "member.joined",
            "initiative.registered",
            "beneficiaries.rolled_up",
            "training.competence_rolled_up",
            "impact.theory_defined",
            "impact.grid_published",
            "impact.study_status_changed",
        ):
            assert shared[kind] > 0, kind
    finally:
        node.close()


def test_seeding_is_reproducible(settings: NodeSettings, tmp_path: Path) -> None:
    again = NodeSettings(region=settings.region, data_dir=tmp_path / "again", forward=False)
    first, second = build_node(settings), build_node(again)
    try:
        assert seed_region(first.app, initiatives=10) == seed_region(second.app, initiatives=10)
        first.outbox.derive()
        second.outbox.derive()

        def shared(node: Node) -> list[tuple[str, str]]:
            return [
                (json.loads(m.body)["type"], json.loads(m.body)["month"])
                for m in node.outbox.after(0, 10_000)
            ]

        assert shared(first) == shared(second) and len(shared(first)) > 50
    finally:
        first.close()
        second.close()
