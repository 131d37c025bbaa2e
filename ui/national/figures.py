"""How the federation's figures read on a page: French numbers, and hidden cells as "< 10".

A figure from federation/indicators.py is a number, `None` (nothing to compute), or a cell: a
mapping with a `value`, or `{"suppressed": true, "reason": ...}` with no value at all. A cell
hidden because it is too small reads "< 10"; one hidden only to protect another (complementary
suppression) reads "masqué", since its true value may well be 10 or more.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from babel.dates import format_datetime, format_skeleton
from babel.numbers import format_decimal, format_percent

from drais import territory
from ui.i18n import N_, Translator
from ui.vocabulary import PROVINCE, label, province_name

PRIMARY = "primary"
BELOW_THRESHOLD = N_("< 10")
HIDDEN = N_("hidden")
NOT_AVAILABLE = "—"

#: Figures that are shares (fractions shown as percentages), by their key.
RATE_KEYS = frozenset(
    {"progression", "survival", "share", "mean_impact_share", "worsened", "exit_rate"}
    | {"ci_low", "ci_high"}
)
#: The unit of an indicator whose headline value is a share.
PROPORTION = "proportion"

#: Labels of each indicator's headline figure.
HEADLINES: dict[str, str] = {
    "D1": N_("Active alliance members"),
    "D2": N_("Open support offers"),
    "D3": N_("Initiatives accompanied"),
    "D4": N_("Improvement rate"),
    "D5": N_("Regions running the system"),
    "B1": N_("Projects adopting the toolbox"),
    "B2": N_("Grids integrating impact"),
    "B3": N_("Completed impact studies"),
    "T1": N_("Initiatives registered"),
    "T2": N_("Province × phase gaps"),
    "T3": N_("Professionals trained"),
}

#: Contexts naming a kind of key (a breakdown's rows or columns) that ui.vocabulary labels.
REGION = "region"
MONTH = "month"
FIGURE = "figure"
BREAKDOWN = "breakdown"


def is_suppressed(cell: Any) -> bool:
    return isinstance(cell, Mapping) and cell.get("suppressed") is True


def number(cell: Any) -> int | float | None:
    """The published number of a figure or cell; None when hidden or not a number."""
    if isinstance(cell, Mapping):
        cell = None if is_suppressed(cell) else cell.get("value")
    if isinstance(cell, bool):
        return int(cell)
    return cell if isinstance(cell, int | float) else None


def is_rate(key: str) -> bool:
    return key.rsplit(".", 1)[-1] in RATE_KEYS


def hidden_text(tr: Translator, cell: Mapping[str, Any]) -> str:
    return tr.gettext(BELOW_THRESHOLD if cell.get("reason") == PRIMARY else HIDDEN)


def hidden_title(tr: Translator, cell: Mapping[str, Any]) -> str:
    """Why a cell is hidden, for a tooltip."""
    if cell.get("reason") == PRIMARY:
        return tr.gettext("Fewer than 10 persons: not published (disclosure control).")
    return tr.gettext("Hidden so that a small figure cannot be recomputed from the totals.")


def format_number(tr: Translator, value: float, percent: bool = False) -> str:
    if percent:
        return str(format_percent(value, "#,##0.0 %", locale=tr.locale))
    return str(format_decimal(value, locale=tr.locale))


def cell_text(tr: Translator, cell: Any, percent: bool = False) -> str:
    """A figure as a reader sees it."""
    if is_suppressed(cell):
        return hidden_text(tr, cell)
    if isinstance(cell, Mapping):
        cell = cell.get("value")
    if cell is None:
        return NOT_AVAILABLE
    if isinstance(cell, bool):
        return tr.gettext("yes") if cell else tr.gettext("no")
    if isinstance(cell, int | float):
        return format_number(tr, cell, percent)
    if isinstance(cell, list | tuple):
        return ", ".join(str(item) for item in cell) or NOT_AVAILABLE
    return str(cell)


def moment_text(tr: Translator, value: str | None) -> str:
    """A UTC timestamp (ISO 8601) in the reader's format."""
    if not value:
        return NOT_AVAILABLE
    moment = datetime.fromisoformat(value)
    return f"{format_datetime(moment, 'short', tzinfo=moment.tzinfo, locale=tr.locale)} UTC"


def month_label(tr: Translator, month: str) -> str:
    """`2026-03` as `mars 2026`."""
    try:
        first = date(int(month[:4]), int(month[5:7]), 1)
    except ValueError:
        return month
    return str(format_skeleton("yMMM", first, locale=tr.locale))


def region_name(code: str) -> str:
    found = territory.regions().get(code)
    return found.name if found else code


def territory_name(code: str) -> str:
    """A region's or a province's name, from its code."""
    if code in territory.regions():
        return region_name(code)
    return province_name(code)


def key_label(tr: Translator, context: str | None, key: str) -> str:
    """A breakdown's row or column key as a reader sees it: a region or a province by name, a
    month in words, an enumeration value or a figure by its catalogue label."""
    if context is None:
        return key
    if context == REGION:
        return region_name(key)
    if context == PROVINCE:
        return province_name(key)
    if context == "territory":
        return territory_name(key)
    if context == MONTH:
        return month_label(tr, key)
    if context == FIGURE and "." in key:
        return " — ".join(label(tr, FIGURE, part) for part in key.split("."))
    return label(tr, context, key)


def headline(tr: Translator, code: str) -> str:
    return tr.gettext(HEADLINES.get(code, code))
