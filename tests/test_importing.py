"""Spreadsheet import (node/importing.py and `drais import`): every kind from CSV and XLSX, every
bad row reported with its column and reason and nothing applied, thousands of rows in batches."""

from __future__ import annotations

import ast
import csv
import io
import time
from collections.abc import Iterator, Sequence
from html import unescape
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from drais.accounts import OPERATOR, User
from drais.cli import app as cli
from drais.config import NodeSettings
from node import importing
from node.bootstrap import Node, build_node
from node.identity_vault import person_keys
from node.importing import Kind
from node.projections import impact_queries, queries
from tests.scenario import Story, record_story
from ui.i18n import translator
from ui.import_messages import labels, problem_message

ROOT = Path(__file__).resolve().parents[1]
AMINA = User("amina", OPERATOR)
runner = CliRunner()

INITIATIVE = [
    "Atelier de couture",
    "Inclusion des femmes",  # a French label, not the code
    "Agadir-Ida-Ou-Tanane",  # a province's name, not its code
    "Idéation",
    "Dcheira",
    "Khadija Bennani",
    "F",
    "1990",
    "JB123456",
    "+212612345678",
    "",
    "accompagnement; enquete_impact",
    "01/03/2026",
]


def rows_for(kind: Kind, story: Story | None = None) -> list[list[str]]:
    """Two good rows of each kind (a structure with two offers for structures)."""
    if kind is Kind.MEMBERS:
        return [
            ["Université Ibn Zohr", "Université", "pilotage", "2026-01-10"],
            ["Association Tamount", "structure_associative", "Membre", ""],
        ]
    if kind is Kind.STRUCTURES:
        structure = ["Incubateur Tiznit", "associative", "MA-TIZ; MA-AGD", ""]
        return [
            [*structure, "incubation", "ideation; amorcage", "", "12", "oui", ""],
            [
                structure[0],
                "",
                "",
                "",
                "Financement",
                "Croissance",
                "MA-TIZ",
                "5",
                "non",
                "2026-02-01",
            ],
        ]
    if kind is Kind.INITIATIVES:
        other = ["Recyclerie", "economie_circulaire", "MA-INE", "amorcage", "", "Hassan Ait Lahcen"]
        return [INITIATIVE, [*other, "Homme", "1988", "", "", "h@example.ma", "", ""]]
    assert story is not None
    return [
        ["Coopérative d'argan", "Aicha Ouhammou", "F", "1990", "", "", "", "enquete_impact"],
        [story.initiative, "Brahim Id Said", "M", "1979", "", "", "", ""],
    ]


def headers(kind: Kind) -> list[str]:
    return [c.header for c in importing.SPECS[kind].columns]


def as_csv(head: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(head)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(head: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(head))
    for row in rows:
        sheet.append([int(v) if v.isdigit() and len(v) < 6 else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FORMATS = {"csv": as_csv, "xlsx": as_xlsx}


def position(node: Node) -> int:
    return node.app.recorder.max_notification_id() or 0


def check(node: Node, kind: Kind, content: bytes, fmt: str) -> importing.Plan:
    table = importing.read_table(f"file.{fmt}", content)
    return importing.check(node, kind, table, labels(translator()))


def counts(node: Node) -> dict[str, int]:
    engine = node.stores.read_models
    structures = queries.structures(engine)
    _total, initiatives = queries.initiatives(engine, limit=1000)
    return {
        "members": len(queries.members(engine)),
        "structures": len(structures),
        "offers": sum(len(s["offers"]) for s in structures),
        "initiatives": len(initiatives),
        "beneficiaries": sum(impact_queries.beneficiaries(engine, i["id"])[0] for i in initiatives),
    }


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    built = build_node(
        NodeSettings(
            region="MA-09",
            data_dir=tmp_path / "node",
            database_url=f"sqlite:///{tmp_path / 'node' / 'events.sqlite3'}",
            api_token="test-admin-token",
            forward=False,
        )
    )
    yield built
    built.close()


@pytest.fixture
def story(node: Node) -> Story:
    recorded = record_story(node.app)
    node.projector.catch_up()
    return recorded


EXPECTED = {
    Kind.MEMBERS: {"members": 2},
    Kind.STRUCTURES: {"structures": 1, "offers": 2},
    Kind.INITIATIVES: {"initiatives": 2},
    Kind.BENEFICIARIES: {"beneficiaries": 2},
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("kind", list(Kind))
def test_each_kind_is_imported_from_csv_and_xlsx(
    node: Node, story: Story, kind: Kind, fmt: str
) -> None:
    before = counts(node)
    plan = check(node, kind, FORMATS[fmt](headers(kind), rows_for(kind, story)), fmt)
    assert plan.problems == []
    assert plan.ok and plan.rows == 2
    applied = importing.apply(node, plan, AMINA)
    after = counts(node)
    changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert changed == EXPECTED[kind]
    assert applied.rows == 2


def test_what_an_import_records_is_what_the_api_records(node: Node, story: Story) -> None:
    plan = check(node, Kind.INITIATIVES, as_csv(headers(Kind.INITIATIVES), [INITIATIVE]), "csv")
    importing.apply(node, plan, AMINA)
    _total, (found,) = queries.initiatives(node.stores.read_models, search="Atelier de couture")
    assert (found["theme"], found["province"], found["phase"], found["registered_on"]) == (
        "inclusion_femmes",
        "MA-AGD",
        "ideation",
        "2026-03-01",
    )
    holder = node.app.identity_of(found["holder_id"])
    assert holder == {"full_name": "Khadija Bennani", "cin": "JB123456", "phone": "+212612345678"}
    history = node.app.history(found["holder_id"])
    assert {e.purpose for e in history if hasattr(e, "purpose")} == {
        "accompagnement",
        "enquete_impact",
    }
    assert history[0].by == "amina"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_one_bad_row_is_reported_with_its_column_and_nothing_is_applied(
    node: Node, story: Story, fmt: str
) -> None:
    rows = [INITIATIVE, [*INITIATIVE[:3], "phase-inconnue", *INITIATIVE[4:]], INITIATIVE]
    before = position(node)
    plan = check(node, Kind.INITIATIVES, FORMATS[fmt](headers(Kind.INITIATIVES), rows), fmt)
    assert not plan.ok
    (problem,) = plan.problems
    assert (problem.line, problem.column, problem.value) == (3, "Phase", "phase-inconnue")
    assert problem_message(translator(), problem) == "Choisissez une valeur de la liste."
    with pytest.raises(importing.ImportRefused):
        importing.apply(node, plan, AMINA)
    assert position(node) == before


def test_every_bad_row_is_reported_and_the_dry_run_keeps_nothing(node: Node, story: Story) -> None:
    tr = translator()
    good = INITIATIVE
    rows = [
        good,
        [*good[:2], "MA-CAS", *good[3:]],  # a province of another region: the domain says no
        [*good[:6], "X", "1850", *good[8:]],  # two bad cells in one row
        good,
        ["", *good[1:5], "", *good[6:]],  # two required cells left empty
        [*good[:7], "2020", *good[8:]],  # a holder younger than 15
    ]
    with node.stores.identity_keys.connect() as conn:
        keys = conn.execute(select(func.count()).select_from(person_keys)).scalar_one()
    before = position(node)
    plan = check(node, Kind.INITIATIVES, as_csv(headers(Kind.INITIATIVES), rows), "csv")
    found = [(p.line, p.column, problem_message(tr, p)) for p in plan.problems]
    assert found == [
        (3, "Province", "Cette province n'appartient pas à la région."),
        (4, "Sexe du porteur", "Choisissez une valeur de la liste."),
        (4, "Année de naissance du porteur", "Doit être au moins égal à 1900."),
        (6, "Nom de l'initiative", "Ce champ est obligatoire."),
        (6, "Nom complet du porteur", "Ce champ est obligatoire."),
        (7, "Année de naissance du porteur", "Doit être compris entre 1926 et 2011."),
    ]
    assert plan.bad_lines() == [3, 4, 6, 7]
    assert position(node) == before
    with node.stores.identity_keys.connect() as conn:
        assert conn.execute(select(func.count()).select_from(person_keys)).scalar_one() == keys


def test_the_file_s_own_problems_are_reported(node: Node, story: Story) -> None:
    tr = translator()
    head = [h for h in headers(Kind.STRUCTURES) if h != "Nature de la structure"] + ["Remarque"]
    plan = check(node, Kind.STRUCTURES, as_csv(head, [["Incubateur"]]), "csv")
    assert [(p.line, p.column, problem_message(tr, p)) for p in plan.problems] == [
        (1, "Remarque", "Cette colonne ne figure pas dans le modèle."),
        (1, "Nature de la structure", "Cette colonne obligatoire manque."),
    ]
    rows = [["Une initiative qui n'existe pas", "Aicha", "F", "1990", "", "", "", ""]]
    plan = check(node, Kind.BENEFICIARIES, as_csv(headers(Kind.BENEFICIARIES), rows), "csv")
    assert [(p.line, p.column, problem_message(tr, p)) for p in plan.problems] == [
        (2, "Initiative", "Aucune initiative de la région ne porte ce nom.")
    ]
    offers = [
        ["Incubateur", "associative", "MA-TIZ", "", "incubation", "ideation", "", "12", "", ""],
        ["Incubateur", "privee", "", "", "mentorat", "ideation", "MA-AGD", "3", "", ""],
    ]
    plan = check(node, Kind.STRUCTURES, as_csv(headers(Kind.STRUCTURES), offers), "csv")
    assert [(p.line, p.column, problem_message(tr, p)) for p in plan.problems] == [
        (3, "Nature de la structure", "Diffère de la ligne 2, où la structure apparaît d'abord."),
        (3, "Provinces de l'offre", "La structure ne dessert pas ces provinces."),
    ]
    with pytest.raises(importing.UnreadableFile):
        importing.read_table("notes.xlsx", b"PK not really a workbook")


def test_a_good_file_of_2000_initiatives_is_applied_in_batches(node: Node) -> None:
    rows = [
        [f"Initiative {n}", *INITIATIVE[1:5], f"Porteur {n}", *INITIATIVE[6:]] for n in range(2000)
    ]
    plan = check(node, Kind.INITIATIVES, as_csv(headers(Kind.INITIATIVES), rows), "csv")
    assert plan.ok and plan.rows == 2000
    before = position(node)
    seen: list[tuple[int, int]] = []
    applied = importing.apply(
        node, plan, AMINA, batch_size=500, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(500, 2000), (1000, 2000), (1500, 2000), (2000, 2000)]
    assert (applied.rows, applied.commands, applied.batches) == (2000, 2000, 4)
    total, _page = queries.initiatives(node.stores.read_models, limit=1)
    assert total == 2000
    # holder registered + 2 consents + initiative registered, for every row
    assert position(node) - before == 2000 * 4
    assert node.projector.position() == position(node)


def test_templates_carry_the_french_headers(node: Node) -> None:
    for kind in Kind:
        head = headers(kind)
        text = importing.template_csv(kind).decode("utf-8-sig")
        assert next(csv.reader(io.StringIO(text), delimiter=";")) == head
        book = load_workbook(io.BytesIO(importing.template_xlsx(kind, labels(translator()))))
        assert [c.value for c in book.worksheets[0][1]] == head
        assert book.worksheets[1].title == "Aide"
        table = importing.read_table("modele.xlsx", importing.template_xlsx(kind))
        assert importing.check(node, kind, table).problems[0].code == "import.no_rows"
    guide = load_workbook(
        io.BytesIO(importing.template_xlsx(Kind.INITIATIVES, labels(translator())))
    )
    values = [row[2] for row in guide["Aide"].iter_rows(values_only=True)]
    assert "sensibilisation (Sensibilisation) ; ideation (Idéation)" in " ".join(map(str, values))


def test_the_import_module_knows_nothing_of_the_web() -> None:
    tree = ast.parse((ROOT / "node" / "importing.py").read_text())
    modules = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m.split(".")[0] in {"ui", "litestar"} for m in modules)


# -- the command line --------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "node.toml"
    path.write_text('region = "MA-09"\ndata_dir = "data"\n')
    return path


def test_drais_import_prints_every_bad_row_and_applies_nothing(
    config: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "initiatives.xlsx"
    rows = [
        INITIATIVE,
        [*INITIATIVE[:3], "phase-inconnue", *INITIATIVE[4:]],
        [*INITIATIVE[:7], "1850", *INITIATIVE[8:]],
    ]
    bad.write_bytes(as_xlsx(headers(Kind.INITIATIVES), rows))
    result = runner.invoke(
        cli, ["import", str(bad), "--kind", "initiatives", "--config", str(config)]
    )
    assert result.exit_code == 1, result.output
    assert "ligne 3, colonne « Phase », valeur « phase-inconnue » : Choisissez" in result.output
    assert "ligne 4, colonne « Année de naissance du porteur »" in result.output
    assert "nothing was recorded" in result.output
    node = build_node(NodeSettings.load(config))
    try:
        assert position(node) == 0
    finally:
        node.close()


def test_drais_import_applies_a_good_file_with_a_progress_bar(config: Path, tmp_path: Path) -> None:
    good = tmp_path / "membres.csv"
    good.write_bytes(as_csv(headers(Kind.MEMBERS), rows_for(Kind.MEMBERS) * 30))
    args = ["import", str(good), "--kind", "members", "--config", str(config)]
    dry = runner.invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "60 row(s) checked" in dry.output
    result = runner.invoke(cli, [*args, "--batch-size", "25", "--by", "amina"])
    assert result.exit_code == 0, result.output
    assert "imported 60 row(s) of members" in result.output
    assert "in 3 batch(es)" in result.output
    assert "60/60" in result.output  # the progress bar's last state
    node = build_node(NodeSettings.load(config))
    try:
        assert len(queries.members(node.stores.read_models)) == 60
    finally:
        node.close()
    unknown = runner.invoke(
        cli, ["import", str(good), "--kind", "trainings", "--config", str(config)]
    )
    assert unknown.exit_code == 2


# -- the web pages -----------------------------------------------------------------------


def test_the_import_pages_check_an_xlsx_file_then_apply_it_once_confirmed(
    node: Node, story: Story
) -> None:
    from fastapi.testclient import TestClient

    from node.api.app import create_api
    from tests.ui.conftest import csrf, log_in

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = [[f"Atelier {n}", *INITIATIVE[1:]] for n in range(40)]
    with TestClient(create_api(node, poll=False)) as client:
        log_in(client)
        unreadable = client.post(
            "/import",
            data={"kind": "initiatives", "_csrf_token": csrf(client)},
            files={"file": ("notes.xlsx", b"PK not a workbook", xlsx)},
        )
        assert unreadable.status_code == 422
        assert "Ce fichier n'est pas un classeur XLSX." in unescape(unreadable.text)

        before = position(node)
        checked = client.post(
            "/import",
            data={"kind": "initiatives", "_csrf_token": csrf(client)},
            files={"file": ("initiatives.xlsx", as_xlsx(headers(Kind.INITIATIVES), rows), xlsx)},
            follow_redirects=False,
        )
        assert checked.status_code == 303, checked.text
        report = checked.headers["location"]
        page = client.get(report).text
        assert "Toutes les lignes sont valides : 40 ligne(s)" in page
        assert position(node) == before  # nothing until the operator confirms

        confirmed = client.post(
            f"{report}/apply", data={"_csrf_token": csrf(client)}, follow_redirects=False
        )
        assert confirmed.status_code == 303
        for _ in range(200):
            fragment = client.get(report, headers={"HX-Request": "true", "HX-Target": "progress"})
            if "Import terminé" in fragment.text:
                break
            assert 'hx-trigger="every 1s"' in fragment.text  # still polling
            time.sleep(0.05)
        assert fragment.text.startswith('<div id="progress">')
        assert "Import terminé : 40 ligne(s) enregistrée(s)" in fragment.text
        total, _page = queries.initiatives(node.stores.read_models, search="Atelier")
        assert total == 40
        again = client.post(f"{report}/apply", data={"_csrf_token": csrf(client)})
        assert again.status_code == 200  # confirming twice records nothing more
        assert queries.initiatives(node.stores.read_models, search="Atelier")[0] == 40

        template = client.get("/import/templates/beneficiaries.xlsx")
        assert template.headers["content-type"] == xlsx
        assert client.get("/import/templates/trainings.csv").status_code == 404
