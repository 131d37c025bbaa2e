"""The Jinja environment: templates under ui/templates, every label through the catalogue."""

from __future__ import annotations

from functools import cache, partial
from pathlib import Path

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ui import vocabulary
from ui.assets import htmx_script
from ui.i18n import DEFAULT_LOCALE, translator

TEMPLATES_DIR = Path(__file__).parent / "templates"


@cache
def environment(locale: str = DEFAULT_LOCALE) -> Environment:
    tr = translator(locale)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(tr.translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        tr=tr,
        label=partial(vocabulary.label, tr),
        value_label=partial(vocabulary.value_label, tr),
        choices=partial(vocabulary.choices, tr),
        htmx_available=htmx_script() is not None,
    )
    env.filters["number"] = partial(format_decimal, locale=tr.locale)
    return env
