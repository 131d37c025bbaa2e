"""The regional pages over HTTP, as a browser without JavaScript (and as htmx) uses them."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from node.bootstrap import Node
from node.projections import queries
from tests.conftest import ADMIN_TOKEN
from tests.scenario import Story
from tests.ui.conftest import csrf, log_position

PUBLIC = ["/", "/alliance", "/structures", "/initiatives", "/coverage", "/login"]
PRIVATE = ["/trainings", "/initiatives/new"]
HTMX = {"HX-Request": "true"}


def register_form(client: TestClient, **changes: str) -> dict[str, str]:
    form = {
        "_csrf_token": csrf(client),
        "name": "Atelier de couture solidaire",
        "theme": "inclusion_femmes",
        "province": "MA-AGD",
        "phase": "ideation",
        "holder.full_name": "Khadija Bennani",
        "holder.gender": "F",
        "holder.birth_year": "1990",
    }
    form.update(changes)
    return form


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_answer_in_french(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert '<html lang="fr" dir="ltr">' in answer.text
    assert '<main id="main"' in answer.text
    assert "Aller au contenu" in answer.text


@pytest.mark.parametrize("path", PRIVATE)
def test_personal_data_pages_need_a_login(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={path}"


def test_every_page_answers_once_logged_in(operator: TestClient, story: Story) -> None:
    for path in [*PUBLIC, *PRIVATE, f"/initiatives/{story.initiative}"]:
        assert operator.get(path).status_code == 200, path
    detail = operator.get(f"/initiatives/{story.initiative}").text
    assert "Fatima Zahra Amrani" in detail  # the holder, for a logged-in operator only
    assert "Changement de phase" in detail  # the journey, read from the log
    assert "Réunions de gouvernance" in operator.get("/alliance").text


def test_an_unknown_initiative_is_a_404_page(operator: TestClient) -> None:
    answer = operator.get("/initiatives/not-an-id")
    assert answer.status_code == 404
    assert "Cette page n'existe pas." in answer.text


def test_a_post_without_the_csrf_token_is_refused(operator: TestClient, node: Node) -> None:
    before = log_position(node)
    form = register_form(operator)
    del form["_csrf_token"]
    answer = operator.post("/initiatives/new", data=form, follow_redirects=False)
    assert answer.status_code == 403
    assert log_position(node) == before


def test_a_wrong_password_is_refused(client: TestClient) -> None:
    answer = client.post(
        "/login",
        data={"login": "admin", "password": "guess", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in answer.text
    assert client.get("/trainings", follow_redirects=False).status_code == 303


def test_writes_need_a_login(client: TestClient, node: Node, story: Story) -> None:
    before = log_position(node)
    answer = client.post(
        f"/initiatives/{story.initiative}/phase",
        data={"_csrf_token": csrf(client), "phase": "validation"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")
    assert log_position(node) == before


def test_forms_work_without_javascript(operator: TestClient, node: Node) -> None:
    answer = operator.post("/initiatives/new", data=register_form(operator), follow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.endswith("?done=register")
    page = operator.get(location).text
    assert "L'initiative a été enregistrée." in page
    initiative_id = location.split("/")[2].split("?")[0]
    answer = operator.post(
        f"/initiatives/{initiative_id}/phase",
        data={"_csrf_token": csrf(operator), "phase": "validation"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    found = queries.initiative(node.stores.read_models, initiative_id)
    assert found is not None and found["phase"] == "validation"


def test_bad_input_gets_french_field_errors_and_records_nothing(
    operator: TestClient, node: Node
) -> None:
    before = log_position(node)
    form = register_form(operator, name="", **{"holder.birth_year": "mille"})
    answer = operator.post("/initiatives/new", data=form)
    assert answer.status_code == 422
    assert 'id="register-name-error">Ce champ est obligatoire.' in answer.text
    assert 'id="register-holder-birth-year-error">Saisissez un nombre entier.' in answer.text
    assert 'value="Khadija Bennani"' in answer.text  # what was typed is kept
    assert log_position(node) == before


def test_a_broken_domain_rule_is_shown_next_to_its_field(
    operator: TestClient, node: Node, story: Story
) -> None:
    before = log_position(node)
    answer = operator.post(
        f"/initiatives/{story.initiative}/phase",
        data={"_csrf_token": csrf(operator), "phase": "amorcage"},
    )
    assert answer.status_code == 422
    assert "L&#39;initiative est déjà en phase « Amorçage »." in answer.text
    too_young = register_form(operator, **{"holder.birth_year": "2020"})
    answer = operator.post("/initiatives/new", data=too_young, headers=HTMX)
    assert answer.status_code == 200  # htmx swaps the refused form in place
    assert answer.text.lstrip().startswith("<form")
    assert 'id="register-holder-birth-year-error">Doit être compris entre' in answer.text
    assert log_position(node) == before


def test_an_htmx_command_swaps_in_the_refreshed_initiative(
    operator: TestClient, story: Story
) -> None:
    answer = operator.post(
        f"/initiatives/{story.initiative}/funding",
        data={
            "_csrf_token": csrf(operator),
            "funder": "Fondation Souss",
            "amount": "15000",
            "instrument": "pret_honneur",
        },
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert answer.headers["HX-Retarget"] == "#initiative"
    assert answer.text.lstrip().startswith('<div id="initiative">')
    assert "Le financement a été enregistré." in answer.text
    assert "Prêt d&#39;honneur" in answer.text


def test_the_list_filters_and_answers_htmx_with_the_results_only(
    client: TestClient, story: Story
) -> None:
    page = client.get("/initiatives", params={"phase": "croissance"}).text
    assert "0 initiative(s) trouvée(s)." in page
    fragment = client.get(
        "/initiatives", params={"q": "argan"}, headers={**HTMX, "HX-Target": "results"}
    ).text
    assert fragment.lstrip().startswith('<div id="results">')
    assert "Coopérative d&#39;argan" in fragment
    assert "/export/initiatives.csv?q=argan" in fragment


def test_lists_export_as_csv_and_xlsx(client: TestClient) -> None:
    answer = client.get("/export/initiatives.csv", params={"phase": "amorcage"})
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Nom", "Thématique", "Province"]
    assert [r[:5] for r in rows[1:]] == [
        ["Coopérative d'argan", "Agriculture solidaire", "Chtouka-Ait Baha", "Biougra", "Amorçage"]
    ]
    answer = client.get("/export/offers.xlsx")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Structure d'appui", "Type de service"]
    assert values[1][:2] == ["Incubateur Souss", "Incubation"]
    assert values[1][4] == 10  # numbers stay numbers


def test_private_lists_export_only_after_login(client: TestClient) -> None:
    answer = client.get("/export/trainings.csv", follow_redirects=False)
    assert answer.status_code == 303
    assert client.get("/export/nothing.csv").status_code == 404


def test_htmx_is_served_by_the_node(client: TestClient) -> None:
    answer = client.get("/vendor/htmx.min.js")
    assert answer.status_code == 200
    assert "htmx" in answer.text[:200]
    assert '<script src="/vendor/htmx.min.js"' in client.get("/").text


def test_sessions_start_at_login_with_a_fresh_id(client: TestClient) -> None:
    client.get("/")
    assert "drais_session" not in client.cookies  # nothing kept for anonymous visitors
    client.cookies.set("drais_session", "planted-by-someone-else")
    answer = client.post(
        "/login",
        data={"login": "admin", "password": ADMIN_TOKEN, "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    session = answer.cookies.get("drais_session")
    assert session and session != "planted-by-someone-else"
    client.cookies.set("drais_session", session)
    assert client.get("/trainings", follow_redirects=False).status_code == 200
    client.post("/logout", data={"_csrf_token": csrf(client)})
    assert client.get("/trainings", follow_redirects=False).status_code == 303
