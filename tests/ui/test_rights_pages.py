"""The pages of a person's rights as an administrator's browser uses them: the requests with
their deadline (overdue ones stand out), a person's data, its export, rectification,
opposition and erasure; an opposed person is left out of the spreadsheets."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from html import unescape

from fastapi.testclient import TestClient

from node.bootstrap import Node
from node.projections import rights_queries
from tests.scenario import Story
from tests.ui.conftest import log_position
from tests.ui.test_impact_pages import HTMX, beneficiary, form


def holder_of(node: Node, story: Story) -> str:
    return node.app.get_initiative(story.initiative).holder_id


def test_the_rights_pages_are_for_administrators(
    client: TestClient, node: Node, story: Story
) -> None:
    for path in ("/rights", f"/rights/persons/{holder_of(node, story)}"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_an_overdue_request_stands_out(operator: TestClient, node: Node, story: Story) -> None:
    holder = holder_of(node, story)
    received = (date.today() - timedelta(days=11)).isoformat()
    overdue = node.app.record_request(person_id=holder, kind="erasure", by="dpo", on=received)
    node.app.record_request(person_id=holder, kind="access", by="dpo")
    node.projector.catch_up()

    page = unescape(operator.get("/rights").text)

    assert "1 demande(s) hors délai sont toujours sans réponse." in page
    assert f'<tr data-request="{overdue}" class="overdue">' in page
    assert page.count('class="overdue"') == 1
    assert "Effacement" in page and "Accès" in page


def test_a_request_is_recorded_then_answered_through_the_forms(
    operator: TestClient, node: Node, story: Story
) -> None:
    holder = holder_of(node, story)
    recorded = operator.post(
        "/rights/request",
        data=form(operator, person_id=holder, kind="rectification", on="2026-03-02"),
        follow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text
    assert recorded.headers["location"] == "/rights?done=request"
    [request] = rights_queries.requests(node.stores.read_models, date.today())
    page = operator.get("/rights?done=request").text
    assert "La demande a été enregistrée." in unescape(page) and "2026-03-12" in page

    answered = operator.post(
        "/rights/answer",
        data=form(operator, request_id=request["id"], outcome="granted", on="2026-03-05"),
        follow_redirects=False,
    )
    assert answered.status_code == 303, answered.text
    assert node.app.get_request(request["id"]).answered_on == "2026-03-05"


def test_a_refused_request_is_explained_in_french_and_records_nothing(
    operator: TestClient, node: Node, story: Story
) -> None:
    before = log_position(node)
    answer = operator.post(
        "/rights/request", data=form(operator, person_id=story.initiative, kind="access")
    )
    assert answer.status_code == 422
    assert log_position(node) == before
    fragment = operator.post(
        "/rights/request", data=form(operator, person_id=holder_of(node, story)), headers=HTMX
    )
    assert 'id="form-request"' in fragment.text
    assert "Ce champ est obligatoire." in unescape(fragment.text)
    assert log_position(node) == before


def test_a_person_s_data_is_shown_exported_rectified_and_erased(
    operator: TestClient, node: Node, story: Story
) -> None:
    holder = holder_of(node, story)
    page = operator.get(f"/rights/persons/{holder}").text
    assert "Fatima Zahra Amrani" in page and "JB123456" in page

    export = operator.get(f"/rights/persons/{holder}/export.json")
    assert export.headers["content-type"].startswith("application/json")
    assert export.json()["identity"]["cin"] == "JB123456"

    rectified = operator.post(
        f"/rights/persons/{holder}/rectification",
        data=form(operator, phone="+212622334455"),
        follow_redirects=False,
    )
    assert rectified.status_code == 303, rectified.text
    assert node.app.identity_of(holder)["phone"] == "+212622334455"  # type: ignore[index]

    before = log_position(node)
    unconfirmed = operator.post(f"/rights/persons/{holder}/erasure", data=form(operator))
    assert unconfirmed.status_code == 422 and log_position(node) == before
    erased = operator.post(
        f"/rights/persons/{holder}/erasure",
        data=form(operator, confirm="on"),
        follow_redirects=False,
    )
    assert erased.status_code == 303, erased.text
    page = unescape(operator.get(f"/rights/persons/{holder}?done=erasure").text)
    assert "Les données de la personne ont été effacées." in page
    assert "Fatima" not in page and "<em>effacé" in page.lower()


def beneficiaries_csv(client: TestClient, story: Story) -> list[list[str]]:
    answer = client.get(f"/export/beneficiaries.csv?initiative={story.initiative}")
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_an_opposed_beneficiary_is_left_out_of_the_spreadsheet_until_withdrawal(
    operator: TestClient, node: Node, story: Story
) -> None:
    person = beneficiary(node, story)
    header, row = beneficiaries_csv(operator, story)
    assert header[0] == "Nom complet" and row[0] == "Aicha Ouhammou"

    opposed = operator.post(
        f"/rights/persons/{person}/opposition",
        data=form(operator, opposed="true"),
        follow_redirects=False,
    )
    assert opposed.status_code == 303, opposed.text
    assert beneficiaries_csv(operator, story) == [header]

    operator.post(f"/rights/persons/{person}/opposition", data=form(operator, opposed="false"))
    assert [r[0] for r in beneficiaries_csv(operator, story)[1:]] == ["Aicha Ouhammou"]


def test_the_spreadsheet_of_beneficiaries_needs_a_login(client: TestClient, story: Story) -> None:
    answer = client.get("/export/beneficiaries.csv", follow_redirects=False)
    assert answer.status_code in (303, 401)
