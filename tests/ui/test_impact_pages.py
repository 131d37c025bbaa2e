"""The impact toolbox's pages as a browser without JavaScript (and as htmx) uses them: every page
answers, forms go through the API's command path, and what is refused records nothing."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from node.application import Identity
from node.bootstrap import Node
from tests.conftest import ADMIN_TOKEN
from tests.scenario import Story
from tests.test_impact_cases import CRITERIA, GOOD, POOR
from tests.ui.conftest import csrf, log_position

HTMX = {"HX-Request": "true"}
BEARER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def form(client: TestClient, **values: Any) -> dict[str, Any]:
    return {"_csrf_token": csrf(client), **values}


def beneficiary(node: Node, story: Story, consents: tuple[str, ...] = ("enquete_impact",)) -> str:
    person = node.app.register_beneficiary(
        story.initiative,
        identity=Identity("Aicha Ouhammou"),
        gender="F",
        birth_year=1990,
        consents=consents,
        by="amina",
    )
    node.projector.catch_up()
    return person


def grid(node: Node) -> str:
    made = node.app.publish_grid(
        code="INDH-2026",
        title="Appel à projets INDH 2026",
        pass_threshold=60,
        criteria=CRITERIA,
        funder="INDH Agadir",
        by="amina",
    )
    node.projector.catch_up()
    return made


def study(node: Node) -> str:
    made = node.app.register_study(
        title="Évaluation du programme d'appui",
        policy="Programme régional d'appui à l'ESS",
        territory="MA-09",
        method="difference_in_differences",
        by="amina",
    )
    node.projector.catch_up()
    return made


def test_every_impact_page_answers(
    client: TestClient, operator: TestClient, node: Node, story: Story
) -> None:
    grid_id, study_id, person = grid(node), study(node), beneficiary(node, story)
    public = [
        "/impact",
        "/impact/catalogue",
        "/impact/catalogue?q=emploi&source=DRAIS",
        "/impact/grids",
        f"/impact/grids/{grid_id}",
        "/impact/sroi",
        "/impact/studies",
        "/impact/studies?status=planned",
        f"/impact/studies/{study_id}",
        "/import/templates/initiatives.xlsx",
    ]
    private = [
        f"/initiatives/{story.initiative}/theory-of-change",
        f"/initiatives/{story.initiative}/beneficiaries",
        f"/beneficiaries/{person}/survey",
        "/impact/grids/new",
        "/import",
    ]
    anonymous = TestClient(client.app)
    for path in public:
        assert anonymous.get(path).status_code == 200, path
    for path in private:
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")
    for path in public + private:
        answer = operator.get(path)
        assert answer.status_code == 200, path
    page = operator.get("/impact").text
    assert 'href="/impact"' in page and "Boîte à outils d'impact" in page
    assert operator.get(f"/beneficiaries/{person}/survey").text.count("<select") >= 10
    assert operator.get("/impact/grids/not-a-grid").status_code == 404


def test_the_catalogue_is_searched_and_htmx_swaps_the_entries(client: TestClient) -> None:
    page = client.get("/impact/catalogue?q=emplois").text
    assert "CORE.EMP.JOBS_CREATED" in page
    assert "CORE.D1" not in page
    fragment = client.get(
        "/impact/catalogue?source=BO", headers={**HTMX, "HX-Target": "entries"}
    ).text
    assert fragment.startswith('<div id="entries">')
    assert "CORE.B2" in fragment and "CORE.D4" not in fragment
    assert "Plus c'est élevé, mieux c'est" in unescape(fragment)


def theory_form(client: TestClient, **changes: str) -> dict[str, Any]:
    values = {
        "problem": "Les femmes rurales de Chtouka n'ont pas de revenu propre",
        "target_population": "Femmes de 18 à 45 ans des douars de Biougra",
        "inputs": "Subvention INDH\nLocal de la coopérative",
        "activities": "Formation au tri de l'argan\nMise en marché",
        "outputs": "40 femmes formées",
        "outcomes.0.statement": "Revenus des membres en hausse",
        "outcomes.0.horizon": "medium",
        "outcomes.0.indicators.0.code": "CORE.D4",
        "outcomes.0.indicators.0.baseline": "0",
        "outcomes.0.indicators.0.target": "0.3",
        "outcomes.0.indicators.0.target_date": "2028-12-31",
        "outcomes.1.statement": "",
        "impact": "Conditions de vie améliorées",
        "assumptions": "Le marché de l'argan reste porteur",
    }
    values.update(changes)
    return form(client, **values)


def test_a_theory_of_change_is_saved_revised_and_shows_its_history(
    operator: TestClient, node: Node, story: Story
) -> None:
    path = f"/initiatives/{story.initiative}/theory-of-change"
    assert "pas encore de théorie du changement" in operator.get(path).text

    saved = operator.post(path, data=theory_form(operator), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    page = operator.get(saved.headers["location"]).text
    assert "La théorie du changement a été enregistrée." in page
    assert "révision 1" in page
    assert 'value="Revenus des membres en hausse"' in page  # the editor shows what is recorded

    revised = operator.post(
        path,
        data=theory_form(
            operator,
            impact="Autonomie économique des femmes",
            **{
                "outcomes.2.statement": "Emplois créés dans la coopérative",
                "outcomes.2.horizon": "short",
                "outcomes.2.indicators.1.code": "CORE.EMP.JOBS_CREATED",
                "outcomes.2.indicators.1.target": "12",
            },
        ),
        follow_redirects=False,
    )
    assert revised.status_code == 303, revised.text
    page = operator.get(path).text
    history = page[page.index('id="theory-history"') :]
    assert re.findall(r'data-revision="(\d+)"', history) == ["2", "1"]
    assert "Révision 2" in history and "première version" in history
    assert "Autonomie économique des femmes" in history
    assert "Conditions de vie améliorées" in history  # revision 1, as it was

    recorded = operator.get(f"/api/v1/initiatives/{story.initiative}/theory-of-change").json()
    assert recorded["revision"] == 2
    assert recorded["indicator_codes"] == ["CORE.D4", "CORE.EMP.JOBS_CREATED"]
    assert [o["statement"] for o in recorded["content"]["outcomes"]] == [
        "Revenus des membres en hausse",
        "Emplois créés dans la coopérative",
    ]
    assert recorded["content"]["inputs"] == ["Subvention INDH", "Local de la coopérative"]


def test_a_refused_theory_names_the_row_at_fault_and_records_nothing(
    operator: TestClient, node: Node, story: Story
) -> None:
    path = f"/initiatives/{story.initiative}/theory-of-change"
    before = log_position(node)
    answer = operator.post(
        path,
        data=theory_form(
            operator,
            problem="",
            **{
                "outcomes.1.statement": "Second effet",
                "outcomes.1.horizon": "long",
                "outcomes.1.indicators.1.code": "CORE.NOPE",
            },
        ),
    )
    assert answer.status_code == 422
    assert 'id="theory-problem-error">Ce champ est obligatoire.' in answer.text
    assert log_position(node) == before
    unknown = operator.post(
        path,
        data=theory_form(
            operator,
            **{
                "outcomes.1.statement": "Second effet",
                "outcomes.1.horizon": "long",
                "outcomes.1.indicators.1.code": "CORE.NOPE",
            },
        ),
    )
    assert unknown.status_code == 422
    # the second indicator row of the second outcome: the domain's error, back in its place
    assert (
        'id="theory-outcomes-1-indicators-1-code-error">'
        "Cet indicateur ne figure pas dans le catalogue." in unknown.text
    )
    assert log_position(node) == before


def test_a_beneficiary_is_registered_from_the_page(
    operator: TestClient, node: Node, story: Story
) -> None:
    path = f"/initiatives/{story.initiative}/beneficiaries"
    refused = operator.post(
        path, data=form(operator, full_name="Aicha", gender="F", birth_year="1850")
    )
    assert refused.status_code == 422
    assert 'id="beneficiary-birth-year-error">Doit être au moins égal à 1900.' in refused.text
    done = operator.post(
        path,
        data=form(
            operator, full_name="Aicha Ouhammou", gender="F", birth_year="1990",
            consents=["enquete_impact"],
        ),
    )  # fmt: skip
    assert done.status_code == 200
    assert "Le bénéficiaire a été enregistré." in done.text
    assert "Aicha Ouhammou" in done.text and "Enquêtes d'impact" in unescape(done.text)


def survey_form(client: TestClient, answers: dict[str, Any], **changes: str) -> dict[str, Any]:
    values = {
        f"answers.{code}": ("oui" if value else "non") if isinstance(value, bool) else str(value)
        for code, value in answers.items()
    }
    return form(client, **{"wave": "baseline", "on": "2026-01-05", **values, **changes})


def test_a_survey_with_a_bad_answer_shows_the_french_error_and_records_nothing(
    operator: TestClient, node: Node, story: Story
) -> None:
    person = beneficiary(node, story)
    path = f"/beneficiaries/{person}/survey"
    before = log_position(node)

    out_of_range = operator.post(
        path, data=survey_form(operator, POOR, **{"answers.edu_annees_scolarite": "30"})
    )
    assert out_of_range.status_code == 422
    assert (
        'id="survey-answers-edu-annees-scolarite-error">Doit être compris entre 0 et 25.'
        in out_of_range.text
    )
    assert 'value="30"' in out_of_range.text  # what was typed is shown again
    not_a_number = operator.post(
        path, data=survey_form(operator, POOR, **{"answers.edu_annees_scolarite": "six"})
    )
    assert (
        'id="survey-answers-edu-annees-scolarite-error">Saisissez un nombre entier.'
        in not_a_number.text
    )
    unanswered = survey_form(operator, POOR)
    del unanswered["answers.vie_electricite"]
    missing = operator.post(path, data=unanswered)
    assert 'id="survey-answers-vie-electricite-error">Ce champ est obligatoire.' in missing.text
    assert log_position(node) == before

    recorded = operator.post(path, data=survey_form(operator, POOR))
    assert recorded.status_code == 200, recorded.text
    assert "L'enquête a été enregistrée." in recorded.text
    assert "Score de privation : 62,5 %." in recorded.text
    follow_up = operator.post(
        path, data=survey_form(operator, GOOD, wave="follow_up", on="2026-06-05")
    )
    assert follow_up.status_code == 200
    listed = operator.get(f"/initiatives/{story.initiative}/beneficiaries").text
    assert "entrée et suivi" in listed
    indicators = operator.get("/impact").text
    assert "100 %" in indicators  # D4: the one paired beneficiary improved


def test_a_survey_without_consent_is_refused_in_french(
    operator: TestClient, node: Node, story: Story
) -> None:
    person = beneficiary(node, story, consents=())
    before = log_position(node)
    answer = operator.post(f"/beneficiaries/{person}/survey", data=survey_form(operator, GOOD))
    assert answer.status_code == 422
    assert "Cette personne n'a pas consenti aux enquêtes d'impact." in unescape(answer.text)
    assert log_position(node) == before


def grid_form(client: TestClient) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": "INDH-2026",
        "funder": "INDH Agadir",
        "title": "Appel à projets INDH 2026",
        "pass_threshold": "60",
    }
    for i, criterion in enumerate(CRITERIA):
        for key, value in criterion.items():
            values[f"criteria.{i}.{key}"] = "on" if value is True else str(value)
    return form(client, **values)


def test_a_grid_is_published_and_scores_an_application(
    operator: TestClient, node: Node, story: Story
) -> None:
    bad = grid_form(operator)
    bad["criteria.1.minimum"] = "12"
    refused = operator.post("/impact/grids/new", data=bad)
    assert refused.status_code == 422
    assert (
        'id="grid-criteria-1-minimum-error">Le minimum éliminatoire doit être compris entre 0 '
        "et le maximum (10)." in refused.text
    )

    published = operator.post("/impact/grids/new", data=grid_form(operator), follow_redirects=False)
    assert published.status_code == 303, published.text
    grid_path = published.headers["location"].split("?")[0]
    page = operator.get(published.headers["location"]).text
    assert "La grille a été publiée." in page
    assert 'id="integrates">oui' in page  # the impact criterion is determining: B2

    scores = {"applicant": "Coopérative Tifawin", "initiative_id": story.initiative}
    failing = {**scores, "scores.impact": "4", "scores.equipe": "3", "scores.budget": "9"}
    scored = operator.post(
        f"{grid_path}/applications", data=form(operator, **failing), follow_redirects=False
    )
    assert scored.status_code == 303
    result = operator.get(scored.headers["location"]).text
    assert "La candidature a été notée." in result
    assert "non retenue" in result
    assert "En dessous du minimum éliminatoire du critère equipe." in result
    assert "En dessous de la moitié du maximum du critère déterminant impact." in result

    passing = {**scores, "scores.impact": "8", "scores.equipe": "7", "scores.budget": "6"}
    swapped = operator.post(
        f"{grid_path}/applications", data=form(operator, **passing), headers=HTMX
    )
    assert swapped.status_code == 200
    assert swapped.headers["hx-retarget"] == "#applications"
    assert 'id="score-result"' in swapped.text
    assert "total 70 / 100" in swapped.text and "retenue" in swapped.text

    out_of_range = {**scores, "scores.impact": "11", "scores.equipe": "7", "scores.budget": "6"}
    before = log_position(node)
    refused = operator.post(
        f"{grid_path}/applications", data=form(operator, **out_of_range), headers=HTMX
    )
    assert 'id="application-scores-impact-error">Doit être compris entre 0 et 10.' in refused.text
    assert log_position(node) == before

    indicators = {
        i["code"]: i for i in operator.get("/api/v1/impact/indicators", headers=BEARER).json()
    }
    assert indicators["B2"]["value"] == 1


def test_a_revised_grid_rescores_past_applications(
    operator: TestClient, node: Node, story: Story
) -> None:
    grid_id = grid(node)
    node.app.submit_application(
        grid_id,
        applicant="Coopérative Tifawin",
        scores={"impact": 8, "equipe": 7, "budget": 6},
        by="amina",
    )
    node.projector.catch_up()
    revision = grid_form(operator)
    del revision["code"], revision["funder"]
    revision["pass_threshold"] = "75"
    revised = operator.post(
        f"/impact/grids/{grid_id}/revise", data=revision, follow_redirects=False
    )
    assert revised.status_code == 303, revised.text
    page = operator.get(revised.headers["location"]).text
    assert "1 candidature(s) ont été notées avec une version antérieure." in page
    rescored = operator.post(
        f"/impact/grids/{grid_id}/rescore", data=form(operator), follow_redirects=False
    )
    assert rescored.status_code == 303
    page = operator.get(rescored.headers["location"]).text
    assert "1 candidature(s) renotée(s) avec la version 2." in page
    assert "non retenue" in page  # 70 is below the new threshold of 75


def test_the_sroi_calculator_uses_the_toolbox(client: TestClient, node: Node) -> None:
    values = {
        "inputs": "100000",
        "discount_rate": "0",
        "outcomes.0.quantity": "10",
        "outcomes.0.proxy": "10000",
        "outcomes.0.deadweight": "0.2",
        "outcomes.0.displacement": "0",
        "outcomes.0.attribution": "0",
        "outcomes.0.drop_off": "0",
        "outcomes.0.duration_years": "2",
    }
    before = log_position(node)
    answer = client.post("/impact/sroi", data=form(client, **values))
    assert answer.status_code == 200, answer.text
    assert 'id="sroi-pv">160\u202f000' in answer.text
    assert 'id="sroi-ratio">1,6 : 1' in answer.text
    bad = client.post(
        "/impact/sroi",
        data=form(client, **{**values, "outcomes.0.deadweight": "25"}),
        headers={**HTMX, "HX-Target": "sroi"},
    )
    assert bad.status_code == 422
    assert bad.text.startswith('<div id="sroi">')
    assert (
        'id="sroi-outcomes-0-deadweight-error">Saisissez une fraction entre 0 et 1 '
        "(0,25 et non 25)." in bad.text
    )
    assert log_position(node) == before


PANEL = "\n".join(
    f"{y};{t};{p};u{u}"
    for u, (t, ys) in enumerate([(0, (10, 11)), (0, (12, 12)), (1, (10, 15)), (1, (11, 17))])
    for p, y in enumerate(ys)
)


def test_a_study_is_registered_estimated_and_completed(
    operator: TestClient, node: Node, story: Story
) -> None:
    created = operator.post(
        "/impact/studies",
        data=form(
            operator,
            title="Évaluation du programme d'appui",
            policy="Programme régional d'appui à l'ESS",
            territory="MA-CHT",
            method="difference_in_differences",
        ),
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    path = created.headers["location"].split("?")[0]
    completing = operator.post(f"{path}/status", data=form(operator, status="completed"))
    assert completing.status_code == 422
    assert "Une étude au statut « Prévue » ne peut pas passer au statut « Achevée »." in (
        completing.text
    )
    assert operator.post(f"{path}/status", data=form(operator, status="ongoing")).status_code == 200
    bad_panel = operator.post(f"{path}/did", data=form(operator, panel="1;2"))
    assert bad_panel.status_code == 422
    assert "Ligne 1 : indiquez le résultat" in bad_panel.text
    estimated = operator.post(f"{path}/did", data=form(operator, panel=PANEL))
    assert estimated.status_code == 200, estimated.text
    assert "L'estimation a été enregistrée." in estimated.text
    assert 'id="study-results"' in estimated.text
    done = operator.post(f"{path}/status", data=form(operator, status="completed"))
    assert 'id="study-status">Achevée' in done.text
    listed = operator.get("/impact/studies?status=completed").text
    assert "Évaluation du programme d'appui" in unescape(listed)
    assert {
        i["code"]: i["value"]
        for i in operator.get("/api/v1/impact/indicators", headers=BEARER).json()
    }["B3"] == 1


def test_d4_is_shown_only_to_a_logged_in_operator(client: TestClient) -> None:
    page = client.get("/impact").text
    assert "connectez-vous pour le voir" in page
    assert 'data-code="B1"' in page and 'data-code="B3"' in page


@pytest.mark.parametrize(
    "path",
    ["/initiatives/{i}/theory-of-change", "/initiatives/{i}/beneficiaries", "/impact/grids/new"],
)
def test_writes_need_a_login(client: TestClient, node: Node, story: Story, path: str) -> None:
    before = log_position(node)
    answer = client.post(
        path.format(i=story.initiative), data=form(client, problem="x"), follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")
    assert log_position(node) == before
