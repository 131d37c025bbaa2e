"""Spreadsheet import in a real headless Chromium (Debian's), against a node served by uvicorn:
a file with one bad row shows that row's error and records nothing; a good file is confirmed
and recorded while the page shows the progress."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from node.importing import SPECS, Kind
from node.projections import queries
from tests.conftest import ADMIN_TOKEN
from tests.ui.conftest import SCREENSHOTS, TIMEOUT_MS, LiveNode, log_position

HEADERS = [c.header for c in SPECS[Kind.INITIATIVES].columns]


@pytest.fixture
def page(browser: Browser, live: LiveNode) -> Iterator[Page]:
    context = browser.new_context(base_url=live.url, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def log_in(page: Page) -> None:
    page.goto("/login?next=/import")
    page.get_by_label("Identifiant").fill("admin")
    page.get_by_label("Mot de passe").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer un tableur")


def initiatives_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def row(name: str, phase: str = "Idéation") -> list[str]:
    return [name, "Artisanat", "MA-TIZ", phase, "", f"Porteur {name}", "F", "1991", *[""] * 5]


def upload(page: Page, filename: str, content: bytes) -> None:
    page.goto("/import")
    page.get_by_label("Contenu du fichier").select_option("initiatives")
    page.get_by_label("Fichier (CSV ou XLSX)").set_input_files(
        {"name": filename, "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Vérifier le fichier").click()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_an_import_with_one_bad_row_shows_that_row_s_error_and_applies_nothing(
    page: Page, live: LiveNode
) -> None:
    log_in(page)
    before = log_position(live.node)
    content = initiatives_csv([row("Tissage de Tiznit"), row("Poterie", "phase-x"), row("Miel")])
    upload(page, "initiatives.csv", content)

    expect(page.locator("#import-status")).to_contain_text(
        "1 ligne(s) comportent des erreurs : rien n'a été enregistré."
    )
    bad = page.locator('#problems tr[data-line="3"]')
    expect(bad).to_have_count(1)
    expect(bad.locator("td")).to_have_text(
        ["3", "Phase", "phase-x", "Choisissez une valeur de la liste."]
    )
    expect(page.locator("#problems tbody tr")).to_have_count(1)
    expect(page.get_by_role("button", name="Confirmer l'import")).to_have_count(0)
    shoot(page, "import-errors")
    assert log_position(live.node) == before
    _total, found = queries.initiatives(live.node.stores.read_models, search="Tissage de Tiznit")
    assert found == []


def test_a_good_file_is_confirmed_and_recorded_with_its_progress(
    page: Page, live: LiveNode
) -> None:
    log_in(page)
    _before, _rows = queries.initiatives(live.node.stores.read_models, limit=1)
    upload(page, "initiatives.csv", initiatives_csv([row(f"Atelier {n}") for n in range(600)]))
    expect(page.locator("#import-status")).to_contain_text("Toutes les lignes sont valides")
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.locator("#import-status")).to_contain_text(
        "Import terminé : 600 ligne(s) enregistrée(s)", timeout=30_000
    )
    shoot(page, "import-done")
    total, _rows = queries.initiatives(live.node.stores.read_models, limit=1)
    assert total == _before + 600
