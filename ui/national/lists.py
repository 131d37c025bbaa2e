"""The national tables, as shown on the pages and exported as CSV or XLSX (ui/tables.py).

Each indicator of federation/indicators.py gives the same kinds of tables: its national
figures, its figures by region, its monthly trend, and one table per breakdown. A breakdown's
shape tells how to lay it out (a flat count per key, figures per key, a two-way table, a
protected table with its margins, a list of records); its name tells how to label its keys.
The page and the download are built from one `Listing`, so what a reader downloads is what
they saw, hidden cells included ("< 10", never the value).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from babel.dates import format_timedelta

from ui.i18n import N_, Translator
from ui.national import charts
from ui.national.charts import Chart
from ui.national.figures import (
    BREAKDOWN,
    FIGURE,
    MONTH,
    PROPORTION,
    REGION,
    cell_text,
    headline,
    hidden_title,
    is_rate,
    is_suppressed,
    key_label,
    moment_text,
    number,
)
from ui.tables import Column, Params, Row, Table
from ui.vocabulary import PROVINCE

#: A row's flag: its figure is a share, shown as a percentage.
PERCENT = "_percent"
#: The key of a table's row header, and the key of a margin (total) row or column.
ROW_KEY = "_row"
TOTAL = "_total"
#: Breakdowns drawn as bars when they have at most this many keys.
MOST_BARS = 40
#: Indicators whose trend is a monthly flow (bars) rather than a stock or a rate (a line).
FLOW_TRENDS = frozenset({"T3"})

#: How the keys of a one-way breakdown are labelled, by the breakdown's name.
ONE_WAY: dict[str, str | None] = {
    "actor_type": "actor_type",
    "role": "role",
    "service_type": "service_type",
    "phase": "phase",
    "province": PROVINCE,
    "free": FIGURE,
    "structure_kind": "structure_kind",
    "quality_criterion": "quality_criterion",
    "theme": "theme",
    "close_reason": "closure",
    "sex": "gender",
    "age_band": None,
    "status": "study_status",
    "method": "study_method",
    "territory": "territory",
}
#: What a one-way breakdown counts, where it is not the indicator's headline figure.
ONE_WAY_COUNTS: dict[tuple[str, str], str] = {
    ("D2", "structure_kind"): N_("Support structures"),
    ("D2", "quality_criterion"): N_("Mean score (1–5)"),
    ("B3", "status"): N_("Studies registered"),
    ("B3", "method"): N_("Studies registered"),
    ("B3", "territory"): N_("Studies registered"),
}
#: How the rows and the columns of a two-way breakdown are labelled, by the breakdown's name.
TWO_WAY: dict[str, tuple[str | None, str | None]] = {
    "region_actor_type": (REGION, "actor_type"),
    "province_theme": (PROVINCE, "theme"),
    "service_type": ("service_type", "phase"),
    "phase": ("phase", FIGURE),
    "theme_month": (MONTH, "theme"),
    "holders.sex_age_band": ("gender", None),
    "holders.region_sex": (REGION, "gender"),
}
#: How a column of a list of records is labelled, by its key.
RECORD_KEYS: dict[str, str] = {"province": PROVINCE, "region": REGION, "phase": "phase"}
#: What a key column is headed, by the context labelling its keys.
KEY_HEADINGS: dict[str | None, str] = {
    REGION: N_("Region"),
    PROVINCE: N_("Province"),
    MONTH: N_("Month"),
    FIGURE: N_("Figure"),
    "actor_type": N_("Type of actor"),
    "role": N_("Role"),
    "service_type": N_("Service type"),
    "phase": N_("Phase"),
    "structure_kind": N_("Kind"),
    "quality_criterion": N_("Criterion"),
    "theme": N_("Theme"),
    "closure": N_("Reason for closing"),
    "gender": N_("Sex"),
    "study_status": N_("Status"),
    "study_method": N_("Method"),
    "territory": N_("Territory"),
    None: N_("Age band"),
}


def _heading(tr: Translator, context: str | None) -> str:
    """What a key column is headed."""
    return tr.gettext(KEY_HEADINGS.get(context, N_("Category")))


@dataclass(frozen=True)
class FigureColumn(Column):
    """A column of figures: numbers in French, shares as percentages, hidden cells marked."""

    numeric: bool = True
    percent: bool = False

    def value(self, row: Row) -> Any:
        return number(row.get(self.key))

    def is_percent(self, row: Row) -> bool:
        return self.percent or bool(row.get(PERCENT))

    def text(self, tr: Translator, row: Row) -> str:
        return cell_text(tr, row.get(self.key), self.is_percent(row))

    def hidden(self, row: Row) -> bool:
        return is_suppressed(row.get(self.key))

    def note(self, tr: Translator, row: Row) -> str:
        """Why the cell is hidden (a tooltip), or nothing."""
        cell = row.get(self.key)
        return hidden_title(tr, cell) if isinstance(cell, Mapping) and is_suppressed(cell) else ""


@dataclass(frozen=True)
class KeyColumn(Column):
    """A row header: a region, a province, a month or a value of an enumeration, by name."""

    context: str | None = None

    def text(self, tr: Translator, row: Row) -> str:
        key = str(row.get(self.key))
        return tr.gettext("Total") if key == TOTAL else key_label(tr, self.context, key)


@dataclass(frozen=True)
class MomentColumn(Column):
    """A UTC timestamp (ISO 8601) in the reader's format."""

    def text(self, tr: Translator, row: Row) -> str:
        value = row.get(self.key)
        return moment_text(tr, str(value) if value else None)


@dataclass(frozen=True)
class DurationColumn(Column):
    """A number of seconds, in words ("5 minutes")."""

    def text(self, tr: Translator, row: Row) -> str:
        value = row.get(self.key)
        if value is None:
            return "—"
        return str(format_timedelta(timedelta(seconds=float(value)), locale=tr.locale))


@dataclass(frozen=True)
class ChainColumn(Column):
    """Whether a region's hash chain verifies, and where it broke if not."""

    def text(self, tr: Translator, row: Row) -> str:
        if row.get("chain_ok"):
            return tr.gettext("yes")
        gap = row.get("gap_from")
        if gap is None:
            return tr.gettext("no")
        return tr.gettext("no (gap from no. %(seq)s)") % {"seq": gap}


@dataclass(frozen=True)
class Listing:
    """A table with its rows, and the chart drawn from them if any."""

    table: Table
    rows: list[Row]
    chart: Chart | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.table.name


def _listing(
    name: str,
    title: str,
    columns: Sequence[Column],
    rows: list[Row],
    chart: Chart | None = None,
    notes: Iterable[str] = (),
) -> Listing:
    def all_rows(_source: Any, _params: Params) -> list[Row]:
        return rows

    return Listing(Table(name, title, tuple(columns), all_rows), rows, chart, tuple(notes))


def details(entry: Any, *, intervals: bool = False) -> list[tuple[str, Any]]:
    """A figure's parts, flattened: `value` first (or the suppression mark), then its other
    numbers, and the numbers of its sub-figures as `parent.part` (their confidence intervals
    only if `intervals`, to keep wide tables readable). Plain mappings (counts by phase, by
    theme…) are breakdowns and are left out."""
    if not isinstance(entry, Mapping):
        return [("value", entry)]
    found: list[tuple[str, Any]] = [
        ("value", entry if is_suppressed(entry) else entry.get("value"))
    ]
    for key, value in entry.items():
        if key in ("value", "suppressed", "reason"):
            continue
        if isinstance(value, Mapping):
            if "value" not in value and not is_suppressed(value):
                continue
            found.append((key, value))
            found.extend(
                (f"{key}.{part}", sub)
                for part, sub in value.items()
                if part not in ("value", "suppressed", "reason")
                and _scalar(sub)
                and (intervals or not part.startswith("ci_"))
            )
        elif _scalar(value) or isinstance(value, list):
            found.append((key, value))
    return found


def _titled(first: str, second: str) -> str:
    return f"{first} — {second}"


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def _figure_label(tr: Translator, code: str, key: str) -> str:
    return headline(tr, code) if key == "value" else key_label(tr, FIGURE, key)


def _percent(unit: str, key: str) -> bool:
    return is_rate(key) or (key == "value" and unit == PROPORTION)


def _figure_columns(tr: Translator, code: str, unit: str, keys: Iterable[str]) -> list[Column]:
    return [
        FigureColumn(key, _figure_label(tr, code, key), percent=_percent(unit, key)) for key in keys
    ]


def _ordered_keys(entries: Iterable[list[tuple[str, Any]]]) -> list[str]:
    keys: dict[str, None] = {}
    for entry in entries:
        keys.update(dict.fromkeys(key for key, _ in entry))
    return list(keys)


# -- one indicator -----------------------------------------------------------------------------


def national_listing(tr: Translator, indicator: Mapping[str, Any]) -> Listing:
    code, unit = indicator["code"], indicator["unit"]
    rows = [
        {"figure": _figure_label(tr, code, key), "value": cell, PERCENT: _percent(unit, key)}
        for key, cell in details(indicator["national"], intervals=True)
        if not isinstance(cell, list)
    ]
    columns = [Column("figure", tr.gettext("Figure")), FigureColumn("value", tr.gettext("Value"))]
    return _listing(
        f"{code.lower()}-national", _titled(code, tr.gettext("National figures")), columns, rows
    )


def region_listing(
    tr: Translator, indicator: Mapping[str, Any], admitted: set[str], chart_id: str = "regions"
) -> Listing:
    """The indicator region by region; a region not admitted to the federation has no figures."""
    code, unit = indicator["code"], indicator["unit"]
    by_region: Mapping[str, Any] = indicator["by_region"]
    parts = {region: details(entry) for region, entry in by_region.items()}
    keys = [k for k in _ordered_keys(parts.values()) if not isinstance(_first(parts, k), list)]
    rows: list[Row] = []
    for region, entry in parts.items():
        known = dict(entry) if region in admitted else {}
        rows.append({ROW_KEY: region, **{key: known.get(key) for key in keys}})
    title = _titled(code, tr.gettext("By region"))
    chart = charts.horizontal_bars(
        tr,
        f"{code.lower()}-{chart_id}",
        _titled(headline(tr, code), tr.gettext("comparison of the regions")),
        [(row[ROW_KEY], key_label(tr, REGION, row[ROW_KEY]), row["value"]) for row in rows],
        percent=_percent(unit, "value"),
    )
    columns = [
        KeyColumn(ROW_KEY, tr.gettext("Region"), context=REGION),
        *_figure_columns(tr, code, unit, keys),
    ]
    notes = [tr.gettext("— : no figure (region not connected, or nothing to compute).")]
    return _listing(f"{code.lower()}-regions", title, columns, rows, chart, notes)


def _first(parts: Mapping[str, list[tuple[str, Any]]], key: str) -> Any:
    for entry in parts.values():
        for found, value in entry:
            if found == key:
                return value
    return None


def trend_listing(tr: Translator, indicator: Mapping[str, Any]) -> Listing:
    code, unit = indicator["code"], indicator["unit"]
    rows = [
        {ROW_KEY: point["month"], "value": {k: v for k, v in point.items() if k != "month"}}
        for point in indicator["trend"]
    ]
    percent = _percent(unit, "value")
    chart = charts.monthly(
        tr,
        f"{code.lower()}-trend",
        _titled(headline(tr, code), tr.gettext("monthly trend")),
        [(row[ROW_KEY], key_label(tr, MONTH, row[ROW_KEY]), row["value"]) for row in rows],
        percent=percent,
        bars=code in FLOW_TRENDS,
    )
    columns = [
        KeyColumn(ROW_KEY, tr.gettext("Month"), context=MONTH),
        FigureColumn("value", headline(tr, code), percent=percent),
    ]
    notes = [indicator.get("trend_note") or ""]
    return _listing(
        f"{code.lower()}-trend",
        _titled(code, tr.gettext("Trend")),
        columns,
        rows,
        chart,
        [n for n in notes if n],
    )


def breakdown_listings(tr: Translator, indicator: Mapping[str, Any]) -> list[Listing]:
    found: list[Listing] = []
    for name, data in indicator["breakdowns"].items():
        found.extend(_breakdown(tr, indicator, name, data))
    return found


def _is_protected_table(data: Any) -> bool:
    return isinstance(data, Mapping) and {"rows", "columns", "cells", "total"} <= set(data)


def _breakdown(tr: Translator, indicator: Mapping[str, Any], name: str, data: Any) -> list[Listing]:
    code = indicator["code"]
    table_name = f"{code.lower()}-{name.replace('.', '-').replace('_', '-')}"
    title = _titled(code, key_label(tr, BREAKDOWN, name))
    if isinstance(data, list):
        return [_records(tr, table_name, title, data)]
    if not isinstance(data, Mapping) or not data:
        return []
    if _is_protected_table(data):
        return [_protected(tr, table_name, title, name, data)]
    values = list(data.values())
    if all(_is_protected_table(v) for v in values):
        return [
            listing
            for sub, table in data.items()
            for listing in _breakdown(tr, indicator, f"{name}.{sub}", table)
        ]
    if all(isinstance(v, list) for v in values):
        return [_transposed_series(tr, table_name, title, name, data)]
    if all(isinstance(v, Mapping) for v in values):
        if any("value" in v or is_suppressed(v) for v in values):
            return [_figures_by_key(tr, indicator, table_name, title, name, data)]
        return [_two_way(tr, table_name, title, name, data)]
    return [_one_way(tr, indicator, table_name, title, name, data)]


def _one_way(
    tr: Translator,
    indicator: Mapping[str, Any],
    table_name: str,
    title: str,
    name: str,
    data: Mapping[str, Any],
) -> Listing:
    context = ONE_WAY.get(name)
    unit = indicator["unit"]
    rows = [{ROW_KEY: key, "value": value} for key, value in data.items()]
    counted = ONE_WAY_COUNTS.get((indicator["code"], name))
    value_label = tr.gettext(counted) if counted else headline(tr, indicator["code"])
    chart = None
    if 1 < len(rows) <= MOST_BARS:
        chart = charts.horizontal_bars(
            tr,
            table_name,
            title,
            [(row[ROW_KEY], key_label(tr, context, row[ROW_KEY]), row["value"]) for row in rows],
            percent=counted is None and _percent(unit, "value"),
        )
    columns = [
        KeyColumn(ROW_KEY, _heading(tr, context), context=context),
        FigureColumn("value", value_label),
    ]
    return _listing(table_name, title, columns, rows, chart)


def _figures_by_key(
    tr: Translator,
    indicator: Mapping[str, Any],
    table_name: str,
    title: str,
    name: str,
    data: Mapping[str, Any],
) -> Listing:
    """Figures per key, each with its parts (D4 by sex: rate, interval, persons paired…)."""
    code, unit = indicator["code"], indicator["unit"]
    context = ONE_WAY.get(name)
    parts = {key: details(entry) for key, entry in data.items()}
    keys = _ordered_keys(parts.values())
    rows = [{ROW_KEY: key, **dict(entry)} for key, entry in parts.items()]
    chart = None
    if 1 < len(rows) <= MOST_BARS:
        chart = charts.horizontal_bars(
            tr,
            table_name,
            title,
            [
                (row[ROW_KEY], key_label(tr, context, row[ROW_KEY]), row.get("value"))
                for row in rows
            ],
            percent=_percent(unit, "value"),
        )
    columns = [
        KeyColumn(ROW_KEY, _heading(tr, context), context=context),
        *_figure_columns(tr, code, unit, keys),
    ]
    return _listing(table_name, title, columns, rows, chart)


def _two_way(
    tr: Translator, table_name: str, title: str, name: str, data: Mapping[str, Mapping[str, Any]]
) -> Listing:
    rows_context, columns_context = TWO_WAY.get(name, (None, None))
    keys: dict[str, None] = {}
    for inner in data.values():
        keys.update(dict.fromkeys(inner))
    rows = [{ROW_KEY: key, **inner} for key, inner in data.items()]
    columns = [
        KeyColumn(ROW_KEY, _heading(tr, rows_context), context=rows_context),
        *(
            FigureColumn(key, key_label(tr, columns_context, key), percent=is_rate(key))
            for key in keys
        ),
    ]
    return _listing(table_name, title, columns, rows)


def _transposed_series(
    tr: Translator, table_name: str, title: str, name: str, data: Mapping[str, list[Any]]
) -> Listing:
    """Monthly series per key (T1's initiatives per theme and month): one row per month."""
    rows_context, columns_context = TWO_WAY.get(name, (MONTH, None))
    by_month: dict[str, Row] = {}
    for key, series in data.items():
        for point in series:
            row = by_month.setdefault(point["month"], {ROW_KEY: point["month"]})
            row[key] = {k: v for k, v in point.items() if k != "month"}
    columns = [
        KeyColumn(ROW_KEY, _heading(tr, rows_context), context=rows_context),
        *(FigureColumn(key, key_label(tr, columns_context, key)) for key in data),
    ]
    return _listing(table_name, title, columns, [by_month[m] for m in sorted(by_month)])


def _protected(
    tr: Translator, table_name: str, title: str, name: str, data: Mapping[str, Any]
) -> Listing:
    """A table of person counts protected by disclosure control, with its margins."""
    rows_context, columns_context = TWO_WAY.get(name, (None, None))
    rows: list[Row] = [
        {ROW_KEY: key, **data["cells"][key], TOTAL: data["row_totals"][key]} for key in data["rows"]
    ]
    rows.append({ROW_KEY: TOTAL, **data["column_totals"], TOTAL: data["total"]})
    columns = [
        KeyColumn(ROW_KEY, _heading(tr, rows_context), context=rows_context),
        *(FigureColumn(key, key_label(tr, columns_context, key)) for key in data["columns"]),
        FigureColumn(TOTAL, tr.gettext("Total")),
    ]
    notes = [tr.gettext("Counts of persons, protected by disclosure control.")]
    return _listing(table_name, title, columns, rows, notes=notes)


def _records(tr: Translator, table_name: str, title: str, data: list[Mapping[str, Any]]) -> Listing:
    keys: dict[str, None] = {}
    for record in data:
        keys.update(dict.fromkeys(record))
    columns: list[Column] = []
    for key in keys:
        if key in RECORD_KEYS:
            context = RECORD_KEYS[key]
            columns.append(KeyColumn(key, tr.gettext(KEY_HEADINGS[context]), context=context))
        else:
            columns.append(FigureColumn(key, key_label(tr, FIGURE, key)))
    return _listing(table_name, title, columns, [dict(record) for record in data])


def indicator_listings(
    tr: Translator, indicator: Mapping[str, Any], admitted: set[str]
) -> list[Listing]:
    """Every table of one indicator's page, in the page's order."""
    return [
        national_listing(tr, indicator),
        region_listing(tr, indicator, admitted),
        trend_listing(tr, indicator),
        *breakdown_listings(tr, indicator),
    ]


# -- every indicator, and the regions' status ----------------------------------------------------


def summary_listing(tr: Translator, indicators: Sequence[Mapping[str, Any]]) -> Listing:
    rows = [
        {
            "code": entry["code"],
            "label": entry["label"],
            "headline": headline(tr, entry["code"]),
            "value": entry["national"]
            if is_suppressed(entry["national"])
            else number(entry["national"]),
            "unit": entry["unit"],
            PERCENT: entry["unit"] == PROPORTION,
        }
        for entry in indicators
    ]
    columns = [
        Column("code", tr.gettext("Code"), href=_indicator_href),
        Column("label", tr.gettext("Indicator"), href=_indicator_href),
        Column("headline", tr.gettext("Headline figure")),
        FigureColumn("value", tr.gettext("National value")),
        Column("unit", tr.gettext("Unit")),
    ]
    return _listing("indicators", tr.gettext("National indicators"), columns, rows)


def _indicator_href(row: Row) -> str:
    return f"/indicators/{row['code']}"


def status_listing(tr: Translator, regions: Sequence[Mapping[str, Any]]) -> Listing:
    columns: list[Column] = [
        KeyColumn("region", tr.gettext("Region"), context=REGION),
        Column("region_code", tr.gettext("Code")),
        MomentColumn("admitted_at", tr.gettext("Admitted on")),
        FigureColumn("last_seq", tr.gettext("Last message no.")),
        FigureColumn("missing", tr.gettext("Messages announced, not received")),
        MomentColumn("last_message_at", tr.gettext("Last message")),
        DurationColumn("lag_seconds", tr.gettext("Lag")),
        ChainColumn("chain_ok", tr.gettext("Chain verified")),
        FigureColumn("dead_letters", tr.gettext("Dead letters")),
    ]
    rows = [
        {**region, "region_code": region["region"], ROW_KEY: region["region"]} for region in regions
    ]
    return _listing("regions", tr.gettext("Regions' federation status"), columns, rows)


def dead_letter_listing(tr: Translator, letters: Sequence[Mapping[str, Any]]) -> Listing:
    columns: list[Column] = [
        MomentColumn("received_at", tr.gettext("Received on")),
        KeyColumn("region", tr.gettext("Region"), context=REGION),
        FigureColumn("seq", tr.gettext("Message no.")),
        Column("subject", tr.gettext("NATS subject")),
        Column("reason", tr.gettext("Reason")),
    ]
    return _listing("dead-letters", tr.gettext("Dead letters"), columns, [dict(x) for x in letters])
