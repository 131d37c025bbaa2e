"""The national pages over HTTP, on national data that really came through NATS.

Two regional nodes (Souss-Massa, Casablanca-Settat) record the story of tests/scenario.py and
forward it over a real nats-server to a federation; the pages are read through the
federation's whole app (FastAPI with the national UI mounted), as a browser without JavaScript.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from drais.config import FederationSettings
from drais.territory import regions
from federation import contract
from federation.api import create_api
from federation.indicators import CODES
from federation.service import open_federation
from tests.nats_fixtures import connect
from tests.scenario import record_story
from tests.ui.federated import LiveFederation, live_federation
from ui.i18n import translator
from ui.national.figures import BREAKDOWN, FIGURE
from ui.national.lists import details

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ("MA-09", "MA-06")
PAGES = [
    "/",
    "/map",
    "/regions",
    *(f"/indicators/{code}" for code in CODES),
    *(f"/map?indicator={code}" for code in CODES),
]


@dataclass
class National:
    client: TestClient
    live: LiveFederation
    indicators: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Iterator[National]:
    with live_federation(tmp_path_factory.mktemp("national"), REGIONS) as live:
        for node in live.nodes.values():
            record_story(node.app)
        live.settle()
        live.background.run(forge_one(live))
        with TestClient(create_api(live.federation, consume=False)) as client:
            listed = client.get("/api/v1/indicators").json()
            yield National(client, live, {entry["code"]: entry for entry in listed})


async def forge_one(live: LiveFederation) -> None:
    """Publish, as Souss-Massa, an altered copy of its first message: a dead letter."""
    first = live.nodes["MA-09"].outbox.after(0)[0]
    genuine = json.loads(first.body)
    altered = contract.canonical({**genuine, "data": {**genuine["data"], "role": "membre"}})
    client = await connect(live.server, live.identities["MA-09"])
    await client.publish(first.subject, altered)
    await client.flush()
    await client.close()
    await live.system.wait_for(lambda: len(live.system.dead_letter_reasons()) == 1)


def row_of(html: str, table: str, key: str) -> str:
    """The HTML of one row (`data-key`) of one table (`id="table-<name>"`)."""
    start = html.index(f'id="table-{table}"')
    body = html[start : html.index("</table>", start)]
    found = re.search(rf'<tr data-key="{re.escape(key)}">(.*?)</tr>', body, re.S)
    assert found is not None, f"no row {key} in {table}"
    return found.group(1)


def cell_of(row: str, column: str) -> str:
    found = re.search(rf'<td data-column="{re.escape(column)}"[^>]*>(.*?)</td>', row, re.S)
    assert found is not None, f"no cell {column}"
    return found.group(0)


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def csv_rows(answer: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("path", PAGES)
def test_every_national_page_answers_in_french(national: National, path: str) -> None:
    answer = national.client.get(path)
    assert answer.status_code == 200, path
    assert '<html lang="fr" dir="ltr">' in answer.text
    assert '<main id="main"' in answer.text and "<h1>" in answer.text
    assert "Fédération nationale" in answer.text  # the national header, not a region's
    assert 'href="/static/national.css"' in answer.text


def test_an_unknown_indicator_is_a_404_page(national: National) -> None:
    answer = national.client.get("/indicators/Z9")
    assert answer.status_code == 404
    assert "Cette page n'existe pas." in answer.text
    assert national.client.get("/export/z9-regions.csv").status_code == 404
    assert national.client.get("/export/indicators.pdf").status_code == 404


def test_the_api_still_answers_beside_the_pages(national: National) -> None:
    assert national.client.get("/health").json()["regions_admitted"] == 2
    assert len(national.client.get("/api/v1/indicators").json()) == 11


def test_the_tile_map_has_twelve_tiles_coloured_by_the_indicator(national: National) -> None:
    html = national.client.get("/map?indicator=D1").text
    tiles = re.findall(r'<g class="tile([^"]*)" data-region="(MA-\d\d)"', html)
    assert sorted(code for _, code in tiles) == sorted(regions())
    absent = {code for classes, code in tiles if "absent" in classes}
    assert absent == set(regions()) - set(REGIONS)  # regions not admitted have no value
    souss = re.search(r'data-region="MA-09" data-step="(\d)">\s*<title>([^<]*)</title>', html)
    assert souss is not None
    assert souss.group(2) == "Souss-Massa (MA-09) : 2"  # two alliance members each
    assert souss.group(1) == "4"  # the largest value shown takes the darkest colour
    assert '<title id="map-title">' in html and 'id="table-d1-regions"' in html  # the table


def test_a_suppressed_cell_reads_below_ten_and_never_shows_its_value(national: National) -> None:
    t3 = national.indicators["T3"]
    assert t3["by_region"]["MA-09"]["suppressed"] is True  # one professional trained
    assert "value" not in t3["by_region"]["MA-09"]
    html = national.client.get("/indicators/T3").text
    row = row_of(html, "t3-regions", "MA-09")
    cell = cell_of(row, "value")
    assert text(cell) == "&lt; 10"
    assert 'class="num suppressed"' in cell and "Moins de 10 personnes" in cell
    assert 'data-key="MA-09">\n    <title>Souss-Massa : &lt; 10</title>' in html  # the bar
    # The region's public figures are shown beside it: trainings and hours.
    assert text(cell_of(row, "trainings")) == "1" and text(cell_of(row, "hours")) == "14"
    # Person-hours would give the hidden count away (14 hours × 1 person): not shown either.
    assert text(cell_of(row, "person_hours")) == "—"
    tile = national.client.get("/map?indicator=T3").text
    found = re.search(r'data-region="MA-09">\s*<title>([^<]*)</title>', tile)
    assert found is not None and found.group(1) == "Souss-Massa (MA-09) : &lt; 10"
    assert 'class="tile hidden" data-region="MA-09"' in tile
    # The headline is hidden too (two professionals nationally), and says so.
    assert t3["national"]["suppressed"] is True
    assert '<span class="figure suppressed" data-value-of="T3">&lt; 10</span>' in html
    exported = {r[0]: r for r in csv_rows(national.client.get("/export/t3-regions.csv"))}
    assert exported["Souss-Massa"][1] == "< 10"


def test_the_indicator_page_shows_definition_methodology_breakdowns_and_trend(
    national: National,
) -> None:
    d3 = national.indicators["D3"]
    html = national.client.get("/indicators/D3").text
    assert d3["label"] in html.replace("&#39;", "'")
    assert d3["methodology"].replace("'", "&#39;") in html
    assert 'id="chart-d3-trend"' in html and 'id="chart-d3-regions"' in html
    assert '<title id="chart-d3-trend-title">' in html
    for name in ("national", "regions", "trend", "phase", "theme", "province", "close-reason"):
        assert f'id="table-d3-{name}"' in html, name
    phase = row_of(html, "d3-phase", "amorcage")
    assert text(cell_of(phase, "value")) == "2"  # both regions' initiatives, now in amorçage
    assert "Amorçage" in phase


def test_the_regions_status_page_shows_each_region_s_freshness(national: National) -> None:
    html = national.client.get("/regions").text
    for code, node in national.live.nodes.items():
        row = row_of(html, "regions", code)
        assert text(cell_of(row, "last_seq")) == str(node.outbox.status()["head_seq"])
        assert text(cell_of(row, "chain_ok")) == "oui"
        assert "UTC" in text(cell_of(row, "last_message_at"))
    souss, casa = row_of(html, "regions", "MA-09"), row_of(html, "regions", "MA-06")
    assert text(cell_of(souss, "dead_letters")) == "1"  # the altered copy, refused
    assert text(cell_of(casa, "dead_letters")) == "0"
    letters = html[html.index('id="table-dead-letters"') :]
    assert "bad signature" in letters and "drais.v1.MA-09.member.joined" in letters


def test_exports_have_the_expected_rows(national: National) -> None:
    client = national.client
    summary = csv_rows(client.get("/export/indicators.csv"))
    assert summary[0] == ["Code", "Indicateur", "Chiffre clé", "Valeur nationale", "Unité"]
    assert [row[0] for row in summary[1:]] == list(CODES)
    assert {row[0]: row[3] for row in summary[1:]}["D1"] == "4"

    answer = client.get("/export/d1-regions.xlsx")
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Région", "Membres actifs de l'alliance"]
    assert len(values) == 1 + 12
    by_name = {row[0]: row[1] for row in values[1:]}
    assert by_name["Souss-Massa"] == 2 and by_name["Casablanca-Settat"] == 2  # numbers
    assert by_name["Dakhla-Oued Ed-Dahab"] == "—"  # not connected

    trend = csv_rows(client.get("/export/d1-trend.csv"))
    assert len(trend) == 1 + len(national.indicators["D1"]["trend"])

    status = csv_rows(client.get("/export/regions.csv"))
    assert [row[1] for row in status[1:]] == ["MA-06", "MA-09"]


def test_every_table_of_every_page_downloads(national: National) -> None:
    links: set[str] = set()
    for path in PAGES:
        links.update(re.findall(r'href="(/export/[^"]+)"', national.client.get(path).text))
    assert len(links) > 60
    for link in sorted(links):
        answer = national.client.get(link)
        assert answer.status_code == 200, link
        assert answer.headers["content-disposition"].startswith("attachment"), link


def test_the_map_answers_htmx_with_the_map_only(national: National) -> None:
    answer = national.client.get(
        "/map?indicator=B1", headers={"HX-Request": "true", "HX-Target": "tilemap"}
    )
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="tilemap">')
    assert "<html" not in answer.text and "B1 — " in answer.text


def test_every_figure_and_breakdown_has_a_french_label(national: National) -> None:
    tr = translator("fr")
    figures: set[str] = set()
    breakdowns: set[str] = set()
    for entry in national.indicators.values():
        for figure in [entry["national"], *entry["by_region"].values()]:
            figures.update(p for key, _ in details(figure, intervals=True) for p in key.split("."))
        for name, data in entry["breakdowns"].items():
            breakdowns.add(name)
            if name == "holders":
                breakdowns.update(f"holders.{sub}" for sub in data)
    figures.discard("value")  # labelled by each indicator's headline
    assert sorted(f for f in figures if not tr.has(f, FIGURE)) == []
    assert sorted(b for b in breakdowns if not tr.has(b, BREAKDOWN)) == []


def test_the_national_pages_never_import_the_node() -> None:
    for path in (ROOT / "ui" / "national").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not [n for n in names if n == "node" or n.startswith("node.")], path
    # Nor does anything the federation's app loads, transitively.
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, federation.api; print(json.dumps(sorted(sys.modules)))",
        ],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    modules = json.loads(loaded.stdout)
    assert "ui.national.app" in modules
    assert [m for m in modules if m == "node" or m.startswith("node.")] == []


def test_the_pages_answer_before_any_region_is_admitted(tmp_path: Path) -> None:
    federation = open_federation(FederationSettings(data_dir=tmp_path / "national"))
    try:
        with TestClient(create_api(federation, consume=False)) as client:
            for path in PAGES:
                assert client.get(path).status_code == 200, path
            html = client.get("/map?indicator=D3").text
            assert html.count('class="tile absent"') == 12
            assert client.get("/export/regions.csv").status_code == 200
    finally:
        federation.engine.dispose()
