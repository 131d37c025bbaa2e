"""The tile map of Morocco's 12 regions: one equal square per region, placed roughly where the
region lies (north at the top, the Atlantic on the left), coloured by an indicator's value.

Equal tiles let a small region weigh as much as a vast one, which is what a comparison of
regions needs. Colours come in five classes of equal width from 0 to the largest value shown;
a hidden (suppressed) value is hatched and labelled like its table cell ("< 10"); a region not
admitted to the federation has no value at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ui.i18n import N_, Translator
from ui.national.figures import (
    cell_text,
    format_number,
    is_suppressed,
    number,
    region_name,
)

#: (column, row) of each region's tile, from the north-west.
POSITIONS: dict[str, tuple[int, int]] = {
    "MA-01": (3, 0),  # Tanger-Tétouan-Al Hoceïma
    "MA-04": (2, 1),  # Rabat-Salé-Kénitra
    "MA-03": (3, 1),  # Fès-Meknès
    "MA-02": (4, 1),  # L'Oriental
    "MA-06": (2, 2),  # Casablanca-Settat
    "MA-05": (3, 2),  # Béni Mellal-Khénifra
    "MA-08": (4, 2),  # Drâa-Tafilalet
    "MA-07": (2, 3),  # Marrakech-Safi
    "MA-09": (3, 3),  # Souss-Massa
    "MA-10": (2, 4),  # Guelmim-Oued Noun
    "MA-11": (1, 5),  # Laâyoune-Sakia El Hamra
    "MA-12": (0, 6),  # Dakhla-Oued Ed-Dahab
}

#: Names short enough for a tile; the full name is in each tile's title and in the table.
SHORT_NAMES: dict[str, str] = {
    "MA-01": N_("Tanger-Tétouan"),
    "MA-02": N_("Oriental"),
    "MA-03": N_("Fès-Meknès"),
    "MA-04": N_("Rabat-Salé"),
    "MA-05": N_("Béni Mellal"),
    "MA-06": N_("Casablanca"),
    "MA-07": N_("Marrakech-Safi"),
    "MA-08": N_("Drâa-Tafilalet"),
    "MA-09": N_("Souss-Massa"),
    "MA-10": N_("Guelmim"),
    "MA-11": N_("Laâyoune"),
    "MA-12": N_("Dakhla"),
}

#: Sequential blues, light to dark, and the ink readable on each (WCAG AA contrast).
PALETTE: tuple[tuple[str, str], ...] = (
    ("#e8f0f9", "#1b1b1b"),
    ("#bcd3ec", "#1b1b1b"),
    ("#86afdb", "#1b1b1b"),
    ("#2f6aa8", "#ffffff"),
    ("#0b3d73", "#ffffff"),
)
ABSENT = ("#f7f7f7", "#4a4a4a")
HIDDEN_INK = "#1b1b1b"

TILE = 132
GAP = 6
MARGIN = 4


@dataclass(frozen=True)
class Tile:
    region: str
    name: str
    short: str
    text: str
    x: int
    y: int
    fill: str
    ink: str
    hidden: bool
    absent: bool
    step: int | None

    @property
    def title(self) -> str:
        return f"{self.name} ({self.region}) : {self.text}"


@dataclass(frozen=True)
class LegendEntry:
    fill: str
    text: str
    kind: str  # "step", "hidden" or "absent"


@dataclass(frozen=True)
class TileMap:
    tiles: tuple[Tile, ...]
    legend: tuple[LegendEntry, ...]
    width: int
    height: int
    tile: int = TILE


def steps(values: Sequence[float], classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of equal-width classes from 0 to the largest value."""
    top = max([0.0, *values])
    if top <= 0:
        return [0.0]
    return [top * (i + 1) / classes for i in range(classes)]


def step_of(value: float, bounds: Sequence[float]) -> int:
    for index, bound in enumerate(bounds):
        if value <= bound + 1e-12:
            return index
    return len(bounds) - 1


def tile_map(
    tr: Translator,
    by_region: Mapping[str, Any],
    admitted: set[str],
    *,
    percent: bool = False,
) -> TileMap:
    """The map for one indicator's `by_region` figures; regions outside `admitted` are absent."""
    values = [
        v
        for code, cell in by_region.items()
        if code in admitted and (v := number(cell)) is not None
    ]
    bounds = steps(values)
    tiles = []
    for code, (column, row) in POSITIONS.items():
        cell = by_region.get(code)
        absent = code not in admitted
        hidden = not absent and is_suppressed(cell)
        value = None if absent else number(cell)
        step = step_of(value, bounds) if value is not None else None
        fill, ink = PALETTE[step] if step is not None else ABSENT
        if hidden:
            fill, ink = "url(#hatch)", HIDDEN_INK
        text = tr.gettext("not connected") if absent else cell_text(tr, cell, percent)
        tiles.append(
            Tile(
                code,
                region_name(code),
                tr.gettext(SHORT_NAMES[code]),
                text,
                MARGIN + column * (TILE + GAP),
                MARGIN + row * (TILE + GAP),
                fill,
                ink,
                hidden,
                absent,
                step,
            )
        )
    legend = [
        LegendEntry(
            PALETTE[index][0],
            _range(tr, 0.0 if index == 0 else bounds[index - 1], bound, percent, index == 0),
            "step",
        )
        for index, bound in enumerate(bounds)
    ]
    legend.append(
        LegendEntry("url(#hatch)", tr.gettext("Not published (< 10 or hidden)"), "hidden")
    )
    legend.append(LegendEntry(ABSENT[0], tr.gettext("Region not connected"), "absent"))
    columns = 1 + max(c for c, _ in POSITIONS.values())
    rows = 1 + max(r for _, r in POSITIONS.values())
    return TileMap(
        tuple(tiles),
        tuple(legend),
        2 * MARGIN + columns * TILE + (columns - 1) * GAP,
        2 * MARGIN + rows * TILE + (rows - 1) * GAP,
    )


def _range(tr: Translator, low: float, high: float, percent: bool, first: bool) -> str:
    high_text = format_number(tr, round(high, 4) if percent else round(high, 2), percent)
    if first:
        return f"0 – {high_text}"
    return (
        f"> {format_number(tr, round(low, 4) if percent else round(low, 2), percent)} – {high_text}"
    )
