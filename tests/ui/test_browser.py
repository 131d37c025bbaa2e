"""The regional pages in a real headless Chromium (Debian's), against a node served by uvicorn,
and the national pages against a federation fed by nodes over a real nats-server.

One browser for the module; each test has its own browser context (cookies). Screenshots of the
main pages are kept under artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ADMIN_TOKEN
from tests.scenario import record_story
from tests.ui.conftest import SCREENSHOTS, TIMEOUT_MS, LiveNode, log_position
from tests.ui.federated import LiveFederation, live_federation


@pytest.fixture
def page(browser: Browser, live: LiveNode) -> Iterator[Page]:
    context = browser.new_context(base_url=live.url, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def log_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Identifiant").fill("admin")
    page.get_by_label("Mot de passe").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Connecté·e en tant que admin")).to_be_visible()


def funnel(page: Page) -> dict[str, int]:
    page.goto("/")
    counts = {}
    for row in page.locator("#funnel tbody tr").all():
        counts[str(row.get_attribute("data-phase"))] = int(row.locator(".count").inner_text())
    return counts


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_an_operator_registers_an_initiative_and_sees_the_funnel_change(
    page: Page, live: LiveNode
) -> None:
    before = funnel(page)
    log_in(page)
    page.get_by_role("link", name="Initiatives", exact=True).click()
    page.get_by_role("link", name="Enregistrer une initiative").click()
    page.get_by_label("Nom de l'initiative").fill("Recyclerie d'Inezgane")
    page.get_by_label("Thématique").select_option("economie_circulaire")
    page.get_by_label("Province ou préfecture").select_option("MA-INE")
    page.get_by_label("Phase").select_option("ideation")
    page.get_by_label("Nom complet du porteur").fill("Hassan Ait Lahcen")
    page.get_by_label("Sexe du porteur").select_option("M")
    page.get_by_label("Année de naissance du porteur").fill("1988")
    shoot(page, "initiative-new")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("L'initiative a été enregistrée.")).to_be_visible()
    assert re.search(r"/initiatives/[0-9a-f-]{36}\?done=register$", page.url)

    page.get_by_text("Changer de phase", exact=True).first.click()
    page.get_by_label("Nouvelle phase").select_option("validation")
    page.locator("#form-phase").get_by_role("button", name="Changer de phase").click()
    expect(page.get_by_text("La phase a été changée.")).to_be_visible()
    expect(page.locator("#current-phase")).to_have_text("Validation")
    expect(page.locator("#timeline li")).to_have_count(2)
    expect(page.locator("#timeline")).to_contain_text("Changement de phase")
    shoot(page, "initiative-detail")

    after = funnel(page)
    assert after["validation"] == before["validation"] + 1
    assert after["ideation"] == before["ideation"]
    expect(page.locator("ol.activity")).to_contain_text("Recyclerie d'Inezgane")
    shoot(page, "dashboard")


def test_bad_input_shows_the_french_error_and_records_nothing(page: Page, live: LiveNode) -> None:
    log_in(page)
    before = log_position(live.node)
    page.goto("/initiatives/new")
    page.get_by_label("Nom de l'initiative").fill("Projet sans porteur")
    page.get_by_label("Année de naissance du porteur").fill("1850")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#register-holder-birth-year-error")).to_have_text(
        "Doit être au moins égal à 1900."
    )
    expect(page.locator("#register-holder-full-name-error")).to_have_text(
        "Ce champ est obligatoire."
    )
    expect(page.get_by_label("Nom de l'initiative")).to_have_value("Projet sans porteur")
    expect(page.get_by_label("Année de naissance du porteur")).to_have_attribute(
        "aria-invalid", "true"
    )
    shoot(page, "initiative-form-errors")
    assert log_position(live.node) == before


def test_the_filtered_list_exports_as_csv_and_xlsx(page: Page, live: LiveNode) -> None:
    page.goto("/initiatives")
    page.get_by_label("Phase").select_option("amorcage")  # htmx swaps the results in
    expect(page.locator("#results .count")).to_have_text("1 initiative(s) trouvée(s).")
    # pushed to the history: the filtered list has a URL (waited for, as the count above is
    # already 1 before the swap when this test runs without the module's earlier ones)
    expect(page).to_have_url(re.compile(r"phase=amorcage"))
    shoot(page, "initiatives")

    with page.expect_download() as download:
        page.locator("#results").get_by_role("link", name="CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Nom"
    assert [(r[0], r[4]) for r in rows[1:]] == [("Coopérative d'argan", "Amorçage")]

    with page.expect_download() as download:
        page.locator("#results").get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Nom"
    assert [(v[0], v[4]) for v in values[1:]] == [("Coopérative d'argan", "Amorçage")]


def test_the_heat_map_shows_a_gap(page: Page, live: LiveNode) -> None:
    page.goto("/coverage")
    gap = page.locator('#heatmap td.gap[data-province="MA-CHT"][data-phase="amorcage"]')
    expect(gap).to_have_count(0)  # the incubator's 10 places cover the one initiative there
    page.get_by_label("Type de service", exact=True).select_option(
        "financement"
    )  # htmx swaps the map
    expect(page.locator(".heatmap caption")).to_contain_text("Financement")
    expect(gap).to_contain_text("Déficit")
    expect(page.locator("#heatmap [role=status]")).not_to_have_text("0 déficit(s) relevé(s).")
    shoot(page, "coverage")


def test_screenshots_of_the_other_pages(page: Page, live: LiveNode) -> None:
    log_in(page)
    for path, name, heading in [
        ("/alliance", "alliance", "Alliance"),
        ("/structures", "structures", "Structures d'appui et offres"),
        ("/trainings", "trainings", "Formations"),
        (f"/initiatives/{live.story.initiative}", "initiative-story", "Coopérative d'argan"),
        ("/federation", "federation", "Fédération"),
        (
            f"/federation/preview?record={live.story.initiative}",
            "what-leaves-the-region",
            "Ce qui quitte la région",
        ),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        shoot(page, name)


@pytest.fixture(scope="module")
def live_national(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveFederation]:
    """Two nodes forwarding the story to a federation whose app uvicorn serves."""
    directory = tmp_path_factory.mktemp("live-national")
    with live_federation(directory, ("MA-09", "MA-06"), serve=True) as live:
        for node in live.nodes.values():
            record_story(node.app)
        live.settle()
        yield live


def test_a_national_user_sees_an_indicator_change_after_a_node_records_events(
    browser: Browser, live_national: LiveFederation
) -> None:
    context = browser.new_context(base_url=live_national.url, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Indicateurs nationaux")
        expect(page.locator('[data-value-of="D1"]')).to_have_text("4")  # 2 members per region
        shoot(page, "national-dashboard")

        page.get_by_role("link", name="Carte des régions").click()
        page.get_by_label("Indicateur", exact=True).select_option("D3")  # htmx swaps the map
        expect(page.locator("#tilemap h2")).to_contain_text("D3")
        page.get_by_label("Indicateur", exact=True).select_option("D1")
        expect(page.locator("#tilemap h2")).to_contain_text("D1")
        assert "indicator=D1" in page.url
        tiles = page.locator("#map g.tile")
        expect(tiles).to_have_count(12)
        souss = page.locator('#map g[data-region="MA-09"] .tile-value')
        expect(souss).to_have_text("2")
        expect(page.locator('#map g[data-region="MA-12"] .tile-value')).to_have_text(
            "non raccordée"
        )
        shoot(page, "national-map")

        # Souss-Massa records three new alliance members; the forwarder sends them on.
        node = live_national.nodes["MA-09"]
        for name in ("Fondation Tamkine", "Cluster Souss Innov", "Réseau Entreprendre Agadir"):
            node.app.join_member(
                name=name,
                actor_type="structure_associative",
                role="membre",
                by="amina",
                on=date.today().isoformat(),
            )
        node.forwarder.poke()
        live_national.settle()

        page.reload()
        expect(souss).to_have_text("5")
        page.goto("/")
        expect(page.locator('[data-value-of="D1"]')).to_have_text("7")
        page.goto("/indicators/D1")
        expect(
            page.locator('#table-d1-regions tr[data-key="MA-09"] td[data-column="value"]')
        ).to_have_text("5")
        expect(page.locator("#methodology")).not_to_be_empty()
        shoot(page, "national-indicator")

        page.get_by_role("link", name="État des régions").click()
        row = page.locator('#table-regions tr[data-key="MA-09"]')
        expect(row.locator('td[data-column="last_seq"]')).to_have_text(
            str(node.outbox.status()["head_seq"])
        )
        expect(row.locator('td[data-column="chain_ok"]')).to_have_text("oui")
        shoot(page, "national-regions")
    finally:
        context.close()
