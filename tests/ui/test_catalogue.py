"""Every label the UI shows goes through the French catalogue, and nothing is left untranslated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.support import Translations
from eventsourcing.domain import Aggregate, AggregateEvent

import node.application  # noqa: F401 - imports every aggregate of the domain
from node.bootstrap import Node
from node.domain.errors import InvalidValue, RuleViolation
from node.projections import queries
from tests.scenario import Story
from ui.field_errors import domain_message
from ui.i18n import Translator, translator
from ui.vocabulary import EVENT, FIELD, VOCABULARIES

UI = Path(__file__).resolve().parents[2] / "ui"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "pgettext": ((1, "c"), 2)}


def extracted() -> Iterator[tuple[str | None, str, str]]:
    """(context, message, file) for every message marked in the UI's code and templates."""
    for filename, _line, message, _comments, context in extract_from_dir(
        str(UI),
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")],
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    ):
        yield context, message if isinstance(message, str) else message[0], filename


def domain_events() -> set[str]:
    def subclasses(cls: type) -> Iterator[type]:
        sub: type
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {
        attribute.__qualname__
        for aggregate in subclasses(Aggregate)
        if aggregate.__module__.startswith("node.domain")
        for attribute in vars(aggregate).values()
        if isinstance(attribute, type)
        and issubclass(attribute, AggregateEvent)
        and attribute.__name__ not in {"Event", "Created"}
    }


def test_every_marked_message_is_translated() -> None:
    tr = translator("fr")
    missing = sorted(
        f"{file}: {message!r}" for ctx, message, file in extracted() if not tr.has(message, ctx)
    )
    assert missing == []
    assert len(list(extracted())) > 150


@pytest.mark.parametrize("context", sorted(VOCABULARIES))
def test_every_enumeration_value_has_a_label(context: str) -> None:
    tr = translator("fr")
    assert [v.value for v in VOCABULARIES[context] if not tr.has(v.value, context)] == []


def test_every_domain_event_has_a_label() -> None:
    tr = translator("fr")
    events = domain_events()
    assert "Initiative.PhaseChanged" in events
    assert sorted(e for e in events if not tr.has(e, EVENT)) == []


def test_every_field_of_a_journey_has_a_label(node: Node, story: Story) -> None:
    tr = translator("fr")
    keys = {
        key
        for row in queries.timeline(node.stores.read_models, story.initiative)
        for key in row["details"]
        if not key.endswith("_id")
    } | {"structure"}
    assert sorted(k for k in keys if not tr.has(k, FIELD)) == []


def test_domain_reasons_are_shown_in_french() -> None:
    tr = translator("fr")
    assert domain_message(tr, RuleViolation("the initiative is already in phase amorcage")) == (
        "L'initiative est déjà en phase « Amorçage »."
    )
    assert domain_message(tr, InvalidValue("must be between 1926 and 2011")) == (
        "Doit être compris entre 1926 et 2011."
    )
    assert domain_message(tr, InvalidValue("something new")) == "something new"


def test_a_right_to_left_locale_gets_rtl_pages() -> None:
    arabic = Translator(Locale.parse("ar"), Catalog(locale="ar"), Translations())
    assert (arabic.lang, arabic.direction) == ("ar", "rtl")
    assert translator("fr").direction == "ltr"
