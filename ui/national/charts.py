"""Small server-rendered SVG charts: the geometry is computed here, the markup is written by
templates/national/_charts.html. No JavaScript, nothing fetched from elsewhere.

Every chart is drawn next to a table holding the same numbers (the accessible alternative);
the SVG itself has a <title> and a <desc>, and each bar or point its own <title>. A hidden
(suppressed) figure is drawn as a hatched stub labelled like its table cell, never to scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_percent

from ui.i18n import Translator
from ui.national.figures import cell_text, format_number, is_suppressed, number

#: (key, label, figure) — a region or a month, its name, and the figure to draw for it.
Item = tuple[str, str, Any]

WIDTH = 640
LABEL_WIDTH = 200
ROW = 22
BAR = 15
PLOT_HEIGHT = 170
STUB = 26
LABEL_CHARS = 26


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class Mark:
    """A bar, or a point of a line, with what a reader is told about it."""

    key: str
    label: str
    text: str
    x: float
    y: float
    width: float
    height: float
    hidden: bool
    missing: bool

    @property
    def title(self) -> str:
        return f"{self.label} : {self.text}"

    @property
    def axis_label(self) -> str:
        """The label beside a bar, shortened to fit (the title keeps it whole)."""
        return self.label if len(self.label) <= LABEL_CHARS else self.label[: LABEL_CHARS - 1] + "…"


@dataclass(frozen=True)
class Chart:
    kind: str  # "hbar", "bar" or "line"
    id: str
    title: str
    description: str
    width: int
    height: int
    marks: tuple[Mark, ...]
    ticks: tuple[Tick, ...]
    left: float
    top: float
    right: float
    bottom: float
    x_labels: tuple[Tick, ...] = ()
    paths: tuple[str, ...] = ()


def nice_ticks(maximum: float, count: int = 4, *, integer: bool = False) -> list[float]:
    """Round gridline values from 0 to at least `maximum` (1, 2, 2.5 or 5 times a power of 10;
    whole numbers only when the figures are counts)."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * power for m in multiples if m * power >= raw)
    if integer:
        step = max(step, 1)
    steps = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def _scale(tr: Translator, items: Sequence[Item], percent: bool) -> tuple[float, list[Tick]]:
    values = [v for _, _, cell in items if (v := number(cell)) is not None]
    if percent:
        shares = [0.0, 0.25, 0.5, 0.75, 1.0]
        return 1.0, [Tick(t, format_percent(t, "#,##0 %", locale=tr.locale)) for t in shares]
    integer = all(isinstance(v, int) for v in values)
    ticks = nice_ticks(max([0.0, *values]), integer=integer)
    return ticks[-1], [Tick(t, format_number(tr, int(t) if integer else t)) for t in ticks]


def _mark(
    tr: Translator, key: str, name: str, cell: Any, percent: bool, box: tuple[float, ...]
) -> Mark:
    x, y, width, height = box
    return Mark(
        key,
        name,
        cell_text(tr, cell, percent),
        x,
        y,
        width,
        height,
        is_suppressed(cell),
        number(cell) is None and not is_suppressed(cell),
    )


def horizontal_bars(
    tr: Translator, id: str, title: str, items: Sequence[Item], *, percent: bool = False
) -> Chart:
    """One bar per item (regions compared, a breakdown's values), longest scale on the right."""
    top_value, ticks = _scale(tr, items, percent)
    left, right, top = LABEL_WIDTH, WIDTH - 60, 24
    span = right - left
    marks = []
    for index, (key, name, cell) in enumerate(items):
        value = number(cell)
        y = top + index * ROW + (ROW - BAR) / 2
        width = STUB if is_suppressed(cell) else span * (value or 0) / (top_value or 1)
        marks.append(_mark(tr, key, name, cell, percent, (left, y, max(width, 0.0), BAR)))
    bottom = top + len(items) * ROW
    return Chart(
        "hbar",
        id,
        title,
        tr.gettext("Bar chart; the same figures are in the table that follows."),
        WIDTH,
        int(bottom + 8),
        tuple(marks),
        tuple(Tick(left + span * t.at / (top_value or 1), t.text) for t in ticks),
        left,
        top,
        right,
        bottom,
    )


def _x_labels(positions: Sequence[float], items: Sequence[Item], most: int = 8) -> list[Tick]:
    step = max(1, math.ceil(len(items) / most))
    shown = [i for i in range(len(items)) if i % step == 0 or i == len(items) - 1]
    if len(shown) > 1 and shown[-1] - shown[-2] < step:
        shown.pop(-2)  # keep the latest month, drop the label it would overlap
    return [Tick(positions[i], items[i][1]) for i in shown]


def monthly(
    tr: Translator,
    id: str,
    title: str,
    items: Sequence[Item],
    *,
    percent: bool = False,
    bars: bool = False,
) -> Chart:
    """A trend: a line (stocks, cumulative counts, rates) or bars (monthly flows)."""
    top_value, ticks = _scale(tr, items, percent)
    left, right, top = 56, WIDTH - 16, 12
    bottom = top + PLOT_HEIGHT
    slot = (right - left) / max(len(items), 1)

    def y_of(value: float) -> float:
        return bottom - PLOT_HEIGHT * value / (top_value or 1)

    marks: list[Mark] = []
    paths: list[str] = []
    segment: list[str] = []
    for index, (key, name, cell) in enumerate(items):
        centre = left + slot * (index + 0.5)
        value = number(cell)
        if bars:
            width = max(min(slot * 0.7, 40), 2)
            height = (bottom - y_of(value)) if value is not None else 0.0
            if is_suppressed(cell):
                height = STUB / 2
            box = (centre - width / 2, bottom - height, width, height)
        else:
            box = (centre, y_of(value) if value is not None else bottom, 0.0, 0.0)
            if value is None:
                if len(segment) > 1:
                    paths.append(" ".join(segment))
                segment = []
            else:
                segment.append(f"{'M' if not segment else 'L'}{centre:.1f},{box[1]:.1f}")
        marks.append(_mark(tr, key, name, cell, percent, box))
    if len(segment) > 1:
        paths.append(" ".join(segment))
    positions = [left + slot * (i + 0.5) for i in range(len(items))]
    return Chart(
        "bar" if bars else "line",
        id,
        title,
        tr.gettext("Monthly trend; the same figures are in the table that follows."),
        WIDTH,
        int(bottom + 30),
        tuple(marks),
        tuple(Tick(y_of(t.at), t.text) for t in ticks),
        left,
        top,
        right,
        bottom,
        tuple(_x_labels(positions, items)),
        tuple(paths),
    )
