"""The alliance's, the structures' and the trainings' forms, through the real app.

Each command is posted as a browser without JavaScript posts it: a valid form records the
event and shows in the read models; a refused one shows a French error next to its field and
records nothing; an anonymous visitor is sent to log in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from node.bootstrap import Node
from node.domain.structures import QUALITY_CRITERIA
from node.projections import queries
from tests.scenario import Story
from tests.ui.conftest import csrf, log_position

HTMX = {"HX-Request": "true"}
Form = dict[str, str | list[str]]


def _reads(node: Node) -> Any:
    return node.stores.read_models


def _structure(node: Node, story: Story) -> dict[str, Any]:
    return next(s for s in queries.structures(_reads(node)) if s["id"] == story.structure)


def _member(node: Node, story: Story) -> dict[str, Any]:
    return next(m for m in queries.members(_reads(node)) if m["id"] == story.member)


def _assessments(node: Node, story: Story) -> int:
    return sum(
        1
        for step in queries.timeline(_reads(node), story.training)
        if step["event"] == "Training.CompetenceAssessed"
    )


def _new_training(node: Node, story: Story) -> str:
    """A training whose participant (the story's professional) is not assessed yet."""
    training = node.app.hold_training(
        topic="Financement solidaire", hours=7, participant_ids=[story.professional], by="amina"
    )
    node.projector.catch_up()
    return training


@dataclass(frozen=True)
class Case:
    """One command: where it posts, a valid form, what it records, and a form it refuses."""

    path: Callable[[Story], str]
    valid: Callable[[Story], Form]
    recorded: Callable[[Node, Story], bool]
    invalid: Callable[[Story], Form]
    #: the refused field's id (`form-field`) and its French message
    error_id: str
    message: str
    #: records what the command needs beyond the story
    prepare: Callable[[Node, Story], Story] = lambda node, story: story


CASES: dict[str, Case] = {
    "join member": Case(
        lambda s: "/alliance/new/member",
        lambda s: {"name": "Fondation Tilila", "actor_type": "crdh", "role": "membre"},
        lambda n, s: any(m["name"] == "Fondation Tilila" for m in queries.members(_reads(n))),
        lambda s: {"name": "Fondation Tilila", "actor_type": "crdh", "role": "chef"},
        "member-role-error",
        "Choisissez une valeur de la liste.",
    ),
    "change role": Case(
        lambda s: f"/alliance/members/{s.member}/role",
        lambda s: {"role": "membre"},
        lambda n, s: _member(n, s)["role"] == "membre",
        lambda s: {"role": "pilotage"},
        "role-role-error",
        "Le membre a déjà le rôle « Pilotage ».",
    ),
    "member leaves": Case(
        lambda s: f"/alliance/members/{s.member}/leave",
        lambda s: {"on": "2026-04-01"},
        lambda n, s: _member(n, s)["left_on"] == "2026-04-01",
        lambda s: {"on": "2099-01-01"},
        "leave-on-error",
        "La date ne peut pas être dans le futur.",
    ),
    "hold meeting": Case(
        lambda s: "/alliance/new/meeting",
        lambda s: {
            "title": "Assemblée annuelle",
            "members_present": [s.member],
            "decisions": "Adopter le budget\n\nOuvrir un appel",
        },
        lambda n, s: any(
            m["title"] == "Assemblée annuelle"
            and m["decisions"] == ["Adopter le budget", "Ouvrir un appel"]
            for m in queries.meetings(_reads(n))
        ),
        lambda s: {"title": "Assemblée annuelle", "decisions": "Adopter le budget"},
        "meeting-members-present-error",
        "Ce champ est obligatoire.",
    ),
    "share resource": Case(
        lambda s: "/alliance/new/resource",
        lambda s: {
            "title": "Guide de l'accompagnement",
            "kind": "guide",
            "link": "https://example.org/guide.pdf",
            "member_id": s.member,
        },
        lambda n, s: any(
            r["title"] == "Guide de l'accompagnement" for r in queries.resources(_reads(n))
        ),
        lambda s: {"title": "Guide", "kind": "guide", "link": "example.org/guide"},
        "resource-link-error",
        "Cette valeur n'a pas le format attendu.",
    ),
    "register structure": Case(
        lambda s: "/structures/new/structure",
        lambda s: {"name": "Pépinière Taroudant", "kind": "publique", "provinces": ["MA-TAR"]},
        lambda n, s: any(x["name"] == "Pépinière Taroudant" for x in queries.structures(_reads(n))),
        lambda s: {"name": "Pépinière Taroudant", "kind": "publique"},
        "structure-provinces-error",
        "Ce champ est obligatoire.",
    ),
    "publish offer": Case(
        lambda s: f"/structures/{s.structure}/offer",
        lambda s: {
            "service_type": "financement",
            "phases": ["validation", "croissance"],
            "provinces": ["MA-AGD"],
            "capacity_per_year": "6",
            "free": "on",
        },
        lambda n, s: len(_structure(n, s)["offers"]) == 2,
        lambda s: {
            "service_type": "financement",
            "phases": ["validation"],
            "provinces": ["MA-AGD"],
            "capacity_per_year": "0",
        },
        "offer-capacity-per-year-error",
        "Doit être au moins égal à 1.",
    ),
    "withdraw offer": Case(
        lambda s: f"/structures/{s.structure}/withdraw",
        lambda s: {"offer_id": s.offer},
        lambda n, s: _structure(n, s)["offers"][0]["withdrawn_on"] is not None,
        lambda s: {},
        "withdraw-offer-id-error",
        "Ce champ est obligatoire.",
    ),
    "record DRAIS support": Case(
        lambda s: f"/structures/{s.structure}/support",
        lambda s: {"support_type": "technique"},
        lambda n, s: _structure(n, s)["drais_supports"] == 1,
        lambda s: {"support_type": "argent"},
        "support-support-type-error",
        "Choisissez une valeur de la liste.",
    ),
    "assess quality": Case(
        lambda s: f"/structures/{s.structure}/quality",
        lambda s: {f"scores.{c}": "2" for c in QUALITY_CRITERIA},
        lambda n, s: _structure(n, s)["quality_score"] == 2,
        lambda s: {**{f"scores.{c}": "2" for c in QUALITY_CRITERIA}, "scores.suivi": "9"},
        "quality-scores-suivi-error",
        "Doit être compris entre 1 et 5.",
    ),
    "register professional": Case(
        lambda s: "/trainings/new/professional",
        lambda s: {"full_name": "Samira Ouali", "gender": "F", "birth_year": "1988"},
        lambda n, s: queries.trainings(_reads(n))["professionals"] == 2,
        lambda s: {"full_name": "Samira Ouali", "gender": "F", "birth_year": "88"},
        "professional-birth-year-error",
        "Doit être au moins égal à 1900.",
    ),
    "hold training": Case(
        lambda s: "/trainings/new/training",
        lambda s: {"topic": "Mesure d'impact", "hours": "7", "participant_ids": [s.professional]},
        lambda n, s: len(queries.trainings(_reads(n))["trainings"]) == 2,
        lambda s: {"topic": "Mesure d'impact", "hours": "0", "participant_ids": [s.professional]},
        "training-hours-error",
        "Doit être supérieur à 0.",
    ),
    "record consent": Case(
        lambda s: "/trainings/new/consent",
        lambda s: {"person_id": s.professional, "purpose": "communication", "given": "on"},
        lambda n, s: any(
            p["consents"].get("communication") is True
            for p in queries.professionals(_reads(n))
            if p["id"] == s.professional
        ),
        lambda s: {"purpose": "communication", "given": "on"},
        "consent-person-id-error",
        "Ce champ est obligatoire.",
    ),
    "assess competence": Case(
        lambda s: f"/trainings/{s.training}/assess",
        lambda s: {"participant_id": s.professional, "before": "40", "after": "75"},
        lambda n, s: _assessments(n, s) == 1,
        lambda s: {"participant_id": s.professional, "before": "40", "after": "175"},
        "assess-after-error",
        "Doit être au plus égal à 100.",
        prepare=lambda n, s: replace(s, training=_new_training(n, s)),
    ),
}


def post(client: TestClient, path: str, form: Form, **headers: str) -> Any:
    return client.post(
        path, data={**form, "_csrf_token": csrf(client)}, headers=headers, follow_redirects=False
    )


@pytest.mark.parametrize("name", CASES)
def test_a_valid_form_records_the_command(
    operator: TestClient, node: Node, story: Story, name: str
) -> None:
    case = CASES[name]
    story = case.prepare(node, story)
    before = log_position(node)
    answer = post(operator, case.path(story), case.valid(story))
    assert answer.status_code == 303, answer.text
    assert "?done=" in answer.headers["location"]
    assert log_position(node) > before
    assert case.recorded(node, story)
    page = operator.get(answer.headers["location"])
    assert page.status_code == 200
    assert 'class="alert success"' in page.text


@pytest.mark.parametrize("name", CASES)
def test_an_invalid_form_shows_a_french_field_error_and_records_nothing(
    operator: TestClient, node: Node, story: Story, name: str
) -> None:
    case = CASES[name]
    story = case.prepare(node, story)
    before = log_position(node)
    answer = post(operator, case.path(story), case.invalid(story))
    assert answer.status_code == 422
    assert f'<p class="error" id="{case.error_id}">{case.message}</p>' in answer.text.replace(
        "&#39;", "'"
    )
    assert f'aria-describedby="{case.error_id.removesuffix("-error")}' in answer.text
    assert "Le formulaire contient des erreurs ; rien n'a été enregistré." in answer.text.replace(
        "&#39;", "'"
    )
    assert log_position(node) == before


@pytest.mark.parametrize("name", CASES)
def test_anonymous_visitors_are_sent_to_log_in(
    client: TestClient, node: Node, story: Story, name: str
) -> None:
    case = CASES[name]
    story = case.prepare(node, story)
    before = log_position(node)
    answer = post(client, case.path(story), case.valid(story))
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")
    assert log_position(node) == before


def test_htmx_swaps_the_refused_form_and_redirects_an_accepted_one(
    operator: TestClient, node: Node, story: Story
) -> None:
    refused = post(operator, f"/structures/{story.structure}/support", {}, **HTMX)
    assert refused.status_code == 200
    assert refused.text.lstrip().startswith('<form id="form-support"')
    accepted = post(
        operator, f"/structures/{story.structure}/support", {"support_type": "formation"}, **HTMX
    )
    assert accepted.headers["HX-Redirect"] == f"/structures/{story.structure}?done=support"


def test_list_pages_lead_to_every_form(operator: TestClient, story: Story) -> None:
    pages = {
        "/alliance": ["/alliance/new/member", "/alliance/new/meeting", "/alliance/new/resource"],
        "/structures": ["/structures/new/structure"],
        "/trainings": [
            "/trainings/new/professional",
            "/trainings/new/training",
            "/trainings/new/consent",
        ],
    }
    records = {
        "/alliance": f"/alliance/members/{story.member}",
        "/structures": f"/structures/{story.structure}",
        "/trainings": f"/trainings/{story.training}",
    }
    for page, forms in pages.items():
        text = operator.get(page).text
        assert f'href="{records[page]}"' in text
        for href in forms:
            assert f'href="{href}"' in text
            assert 'class="command"' in operator.get(href).text
    record_forms = {
        f"/alliance/members/{story.member}": ["role", "leave"],
        f"/structures/{story.structure}": ["offer", "withdraw", "support", "quality"],
        f"/trainings/{story.training}": ["assess"],
    }
    for record, names in record_forms.items():
        text = operator.get(record).text
        for name in names:
            assert f'action="{record}/{name}"' in text


def test_anonymous_visitors_see_public_records_but_no_form(
    client: TestClient, story: Story
) -> None:
    assert "/alliance/new/member" not in client.get("/alliance").text
    page = client.get(f"/structures/{story.structure}")
    assert page.status_code == 200
    assert "Incubateur Souss" in page.text
    assert 'class="command"' not in page.text
    for path in ("/alliance/new/member", f"/trainings/{story.training}"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next={path}"


def test_an_unknown_record_or_command_is_a_404(operator: TestClient, story: Story) -> None:
    assert operator.get("/structures/not-an-id").status_code == 404
    assert operator.get("/alliance/new/nothing").status_code == 404
    assert post(operator, f"/alliance/members/{story.member}/nothing", {}).status_code == 404
