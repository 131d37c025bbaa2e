"""The UI's translation catalogues, compiled from their `.po` sources when first used.

Only the `.po` files live in the repository: each is read with Babel and compiled in memory, so
no `.mo` needs to be built or committed. French comes first; a locale's writing direction comes
from CLDR, so an Arabic catalogue gives right-to-left pages without touching a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

HERE = Path(__file__).parent
DOMAIN = "messages"
DEFAULT_LOCALE = "fr"


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; it is translated where shown."""
    return message


def catalogue_path(locale: str) -> Path:
    return HERE / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True)
class Translator:
    """One locale's messages, and what a page needs to know about its script."""

    locale: Locale
    catalog: Catalog
    translations: Translations

    @property
    def lang(self) -> str:
        return str(self.locale)

    @property
    def direction(self) -> str:
        """`ltr` or `rtl`, for the `dir` attribute of the page."""
        return "rtl" if self.locale.text_direction == "rtl" else "ltr"

    def gettext(self, message: str) -> str:
        return str(self.translations.gettext(message))

    def pgettext(self, context: str, message: str) -> str:
        return str(self.translations.pgettext(context, message))

    def has(self, message: str, context: str | None = None) -> bool:
        """Whether the catalogue translates this message (tests check completeness with it)."""
        found = self.catalog.get(message, context=context)
        return found is not None and bool(found.string) and not found.fuzzy


@cache
def translator(locale: str = DEFAULT_LOCALE) -> Translator:
    with catalogue_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translator(Locale.parse(locale), catalog, Translations(compiled, domain=DOMAIN))
