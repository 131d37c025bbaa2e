"""Statistical disclosure control for published counts of persons (DESIGN §6).

Counts of persons (holders, beneficiaries, professionals) and the figures derived from them
are protected before they leave the federation; counts of regions and organisations are public
facts and do not go through this module.

Rules
-----
* **Primary suppression.** A person count ``n`` with ``0 < n < threshold`` (default 10) is not
  published; it is shown as "< 10". **A zero is published**: it describes nobody, so it cannot
  reveal anything about one person, and hiding every empty cell would blank most of a sparse
  regional table. Margins (row totals, column totals, grand total) are counts too and follow
  the same rule.
* **Rates.** A rate ``numerator / denominator`` is published only when ``numerator >= threshold``
  and ``denominator - numerator >= threshold``. Here zero is not exempt: a 0 % or 100 % rate says
  something about every person of the group.
* **Complementary suppression.** A hidden entry must not be recomputable from what is published:
  the other cells and the margins. The guarantee is exact: for every hidden entry there are two
  tables of non-negative integers, both consistent with every published cell and margin, that
  differ in that entry. ("Every line with one hidden entry gets a second one" is necessary but
  not sufficient, and it forgets that a hidden margin can itself be recomputed from the other
  margins; the cycle rule below covers both.)

Algorithm
---------
The table with its margins is an ``(R + 1) x (C + 1)`` grid in which every line (each row and each
column, the margin row and margin column included) states "last entry = sum of the others". The
published entries fix a system of linear equations; a hidden entry is free exactly when it lies on
a *cycle* of hidden entries: a closed walk alternating between rows and columns along which
adding +1/-1 (with the sign flipped on row and column totals) leaves every line sum true. The
cycle gives a second valid table when no entry it lowers is 0.

So, for each primarily suppressed entry in turn (cells row by row, then row totals, column totals,
grand total), we look for the cheapest such cycle through it, where already hidden entries cost
nothing and a newly hidden entry costs, in order of priority: being a margin, being a zero (it can
only move up, so it protects less), its value, one more hidden entry. The search is a shortest
path (Dijkstra) in the graph whose vertices are the lines and whose arcs are the grid entries that
may move in that direction; the entries of the path found are hidden as complements. Hiding more
never breaks an existing cycle, so one pass protects every entry. A cycle always exists (raise the
cell, its row total, its column total and the grand total by one), so the pass cannot fail.

The 1-D case (counts by key with a total) is the one-row table.

Limits
------
The guarantee is about exact recomputation from the equations, not about how narrow a reader's
range can get. The JSON form carries the reason so the UI can show "< 10" for primary cells, as
DESIGN asks; a reader who combines that with zeros being published knows a primary cell lies in
1..threshold-1 and may narrow it further (in the extreme, nine hidden 1s under a hidden total of
9). That comes with the display rule, not with the choice of complements.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

__all__ = [
    "DEFAULT_THRESHOLD",
    "Cell",
    "ProtectedCounts",
    "ProtectedTable",
    "Rate",
    "Reason",
    "protect_counts",
    "protect_rate",
    "protect_table",
]

DEFAULT_THRESHOLD = 10

R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)
K = TypeVar("K", bound=Hashable)


V = TypeVar("V", int, float)


class Reason(StrEnum):
    """Why a figure is not published."""

    PRIMARY = "primary"
    """The figure itself is too small (a count below the threshold, or a rate on too few)."""
    COMPLEMENTARY = "complementary"
    """Hidden only so that a primary figure cannot be recomputed from the totals."""


@dataclass(frozen=True, slots=True)
class _Figure(Generic[V]):
    """A published figure, or the mark that it is hidden (the hidden value is not kept)."""

    value: V | None
    reason: Reason | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.reason is None):
            raise ValueError("a figure has either a value or a suppression reason, not both")

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def as_dict(self) -> dict[str, Any]:
        """JSON form; a hidden figure has no ``value`` key at all, so nothing leaks through it."""
        if self.value is None:
            return {"suppressed": True, "reason": str(self.reason)}
        return {"suppressed": False, "value": self.value}


class Cell(_Figure[int]):
    """A published count of persons, or the mark that it is hidden."""

    __slots__ = ()


class Rate(_Figure[float]):
    """A published rate (a fraction in [0, 1]), or the mark that it is hidden."""

    __slots__ = ()


@dataclass(frozen=True)
class ProtectedTable(Generic[R, C]):
    """A two-way table of person counts with its margins, each entry published or hidden."""

    threshold: int
    rows: tuple[R, ...]
    columns: tuple[C, ...]
    cells: Mapping[R, Mapping[C, Cell]]
    row_totals: Mapping[R, Cell]
    column_totals: Mapping[C, Cell]
    total: Cell

    def as_dict(self) -> dict[str, Any]:
        """JSON form: keys become strings, order of rows and columns is kept in lists."""
        rows = _labels(self.rows)
        columns = _labels(self.columns)
        return {
            "threshold": self.threshold,
            "rows": rows,
            "columns": columns,
            "cells": {
                row_label: {
                    column_label: self.cells[row][column].as_dict()
                    for column, column_label in zip(self.columns, columns, strict=True)
                }
                for row, row_label in zip(self.rows, rows, strict=True)
            },
            "row_totals": {
                label: self.row_totals[row].as_dict()
                for row, label in zip(self.rows, rows, strict=True)
            },
            "column_totals": {
                label: self.column_totals[column].as_dict()
                for column, label in zip(self.columns, columns, strict=True)
            },
            "total": self.total.as_dict(),
        }


@dataclass(frozen=True)
class ProtectedCounts(Generic[K]):
    """Person counts by one breakdown (e.g. region) and their total, each published or hidden."""

    threshold: int
    keys: tuple[K, ...]
    cells: Mapping[K, Cell]
    total: Cell

    def as_dict(self) -> dict[str, Any]:
        keys = _labels(self.keys)
        return {
            "threshold": self.threshold,
            "keys": keys,
            "cells": {
                label: self.cells[key].as_dict() for key, label in zip(self.keys, keys, strict=True)
            },
            "total": self.total.as_dict(),
        }


def protect_rate(numerator: int, denominator: int, threshold: int = DEFAULT_THRESHOLD) -> Rate:
    """The rate ``numerator / denominator``, hidden unless both the persons counted and the
    persons not counted number at least ``threshold`` (so neither group is small, and a 0 % or
    100 % rate, which describes everyone, is never shown)."""
    threshold = _threshold(threshold)
    numerator = _count(numerator, "numerator")
    denominator = _count(denominator, "denominator")
    if numerator > denominator:
        raise ValueError(f"numerator {numerator} exceeds denominator {denominator}")
    if numerator < threshold or denominator - numerator < threshold:
        return Rate(None, Reason.PRIMARY)
    return Rate(numerator / denominator)


def protect_counts(
    counts: Mapping[K, int],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    keys: Sequence[K] | None = None,
) -> ProtectedCounts[K]:
    """Protect counts by one breakdown and their total (the total is computed here).

    ``keys`` fixes the order and lets absent keys be published as 0 (e.g. all 12 regions);
    by default the keys of ``counts`` in their order.
    """
    order = _order(keys if keys is not None else list(counts), "key")
    _unknown(counts, order, "key")
    row: tuple[str] = ("",)
    table = protect_table({row[0]: counts}, threshold, rows=row, columns=order)
    return ProtectedCounts(
        threshold=table.threshold,
        keys=table.columns,
        cells=dict(table.cells[row[0]]),
        total=table.row_totals[row[0]],
    )


def protect_table(
    table: Mapping[R, Mapping[C, int]],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    rows: Sequence[R] | None = None,
    columns: Sequence[C] | None = None,
) -> ProtectedTable[R, C]:
    """Protect a rows x columns table of person counts and its margins (computed here).

    Absent cells count as 0. ``rows`` and ``columns`` fix the order and the full list (so an empty
    region or category still appears); by default they come from the table in first-seen order.
    """
    threshold = _threshold(threshold)
    row_order = _order(rows if rows is not None else list(table), "row")
    _unknown(table, row_order, "row")
    if columns is None:
        seen: dict[C, None] = {}
        for row in row_order:
            seen.update(dict.fromkeys(table.get(row, {})))
        columns = list(seen)
    column_order = _order(columns, "column")
    interior: list[list[int]] = []
    for row in row_order:
        line = table.get(row, {})
        _unknown(line, column_order, "column")
        interior.append(
            [_count(line.get(column, 0), f"cell {row!r}, {column!r}") for column in column_order]
        )

    grid = _with_margins(interior, len(column_order))
    status = _suppress(grid, threshold)
    last_row, last_column = len(row_order), len(column_order)

    def cell(i: int, j: int) -> Cell:
        reason = status[i][j]
        return Cell(None, reason) if reason is not None else Cell(grid[i][j])

    return ProtectedTable(
        threshold=threshold,
        rows=row_order,
        columns=column_order,
        cells={
            row: {column: cell(i, j) for j, column in enumerate(column_order)}
            for i, row in enumerate(row_order)
        },
        row_totals={row: cell(i, last_column) for i, row in enumerate(row_order)},
        column_totals={column: cell(last_row, j) for j, column in enumerate(column_order)},
        total=cell(last_row, last_column),
    )


# --- the suppression engine, on an (R + 1) x (C + 1) grid whose last row and column are margins

_Entry = tuple[int, int]
_Cost = tuple[int, int, int, int]  # new margins, new zeros, value hidden, new entries
_FREE: _Cost = (0, 0, 0, 0)


def _with_margins(interior: list[list[int]], n_columns: int) -> list[list[int]]:
    rows = [[*line, sum(line)] for line in interior]
    totals = [sum(column) for column in zip(*rows, strict=True)] if rows else [0] * (n_columns + 1)
    return [*rows, totals]


def _suppress(grid: list[list[int]], threshold: int) -> list[list[Reason | None]]:
    """Primary suppression, then one protecting cycle per primary entry (see the module doc)."""
    status: list[list[Reason | None]] = [
        [Reason.PRIMARY if 0 < value < threshold else None for value in line] for line in grid
    ]
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1
    interior = [(i, j) for i in range(last_row) for j in range(last_column)]
    margins = [
        *((i, last_column) for i in range(last_row)),
        *((last_row, j) for j in range(last_column)),
        (last_row, last_column),
    ]
    for i, j in interior + margins:
        if status[i][j] is not Reason.PRIMARY:
            continue
        for a, b in _cheapest_cycle(grid, status, (i, j)):
            if status[a][b] is None:
                status[a][b] = Reason.COMPLEMENTARY
    return status


def _sign(grid: list[list[int]], entry: _Entry) -> int:
    """+1 for cells and the grand total, -1 for row and column totals: with this sign every
    line of the grid reads "signed entries sum to zero", which makes cycles alternate +1/-1."""
    i, j = entry
    return 1 if (i == len(grid) - 1) == (j == len(grid[0]) - 1) else -1


def _can_move(grid: list[list[int]], entry: _Entry, step: int) -> bool:
    i, j = entry
    return grid[i][j] + _sign(grid, entry) * step >= 0


def _price(grid: list[list[int]], status: list[list[Reason | None]], entry: _Entry) -> _Cost:
    i, j = entry
    if status[i][j] is not None:
        return _FREE
    margin = i == len(grid) - 1 or j == len(grid[0]) - 1
    return (int(margin), int(grid[i][j] == 0), grid[i][j], 1)


def _cheapest_cycle(
    grid: list[list[int]], status: list[list[Reason | None]], entry: _Entry
) -> list[_Entry]:
    """The entries of the cheapest feasible cycle through ``entry`` (``entry`` excluded)."""
    n_rows = len(grid)
    i, j = entry
    best: tuple[_Cost, list[_Entry]] | None = None
    # Vertices: rows are 0..n_rows-1, columns are n_rows + j. Raising the entry is the arc
    # row -> column, so the cycle closes with a path column -> row; lowering it, the reverse.
    for step, source, target in ((1, n_rows + j, i), (-1, i, n_rows + j)):
        if not _can_move(grid, entry, step):
            continue
        found = _cheapest_path(grid, status, source, target, entry)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    if best is None:  # pragma: no cover - raising the entry and its three margins always works
        raise RuntimeError(f"no protecting cycle for entry {entry}")
    return best[1]


def _cheapest_path(
    grid: list[list[int]],
    status: list[list[Reason | None]],
    source: int,
    target: int,
    excluded: _Entry,
) -> tuple[_Cost, list[_Entry]] | None:
    """Dijkstra from ``source`` to ``target``: row -> column arcs raise an entry by one step,
    column -> row arcs lower it; an arc exists only if the entry stays non-negative."""
    n_rows, n_columns = len(grid), len(grid[0])
    best: dict[int, _Cost] = {source: _FREE}
    back: dict[int, tuple[int, _Entry]] = {}
    done: set[int] = set()
    heap: list[tuple[_Cost, int]] = [(_FREE, source)]
    while heap:
        cost, vertex = heapq.heappop(heap)
        if vertex in done:
            continue
        done.add(vertex)
        if vertex == target:
            path: list[_Entry] = []
            while vertex != source:
                vertex, step_entry = back[vertex]
                path.append(step_entry)
            return cost, path[::-1]
        arcs: Iterable[tuple[_Entry, int, int]]
        if vertex < n_rows:
            arcs = (((vertex, j), n_rows + j, 1) for j in range(n_columns))
        else:
            column = vertex - n_rows
            arcs = (((i, column), i, -1) for i in range(n_rows))
        for arc_entry, successor, step in arcs:
            if arc_entry == excluded or successor in done or not _can_move(grid, arc_entry, step):
                continue
            price = _price(grid, status, arc_entry)
            new = (cost[0] + price[0], cost[1] + price[1], cost[2] + price[2], cost[3] + price[3])
            if successor not in best or new < best[successor]:
                best[successor] = new
                back[successor] = (vertex, arc_entry)
                heapq.heappush(heap, (new, successor))
    return None


# --- input checks


def _threshold(threshold: int) -> int:
    if isinstance(threshold, bool):
        raise TypeError("threshold must be an integer")
    threshold = operator.index(threshold)
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    return threshold


def _count(value: int, what: str) -> int:
    """A count of persons: a non-negative integer (numpy integers accepted, booleans refused)."""
    if isinstance(value, bool):
        raise TypeError(f"{what}: a count must be an integer, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what}: a count must be an integer, got {value!r}") from None
    if number < 0:
        raise ValueError(f"{what}: a count cannot be negative, got {number}")
    return number


def _order(keys: Iterable[K], what: str) -> tuple[K, ...]:
    order = tuple(keys)
    if len(set(order)) != len(order):
        raise ValueError(f"duplicate {what} in {order!r}")
    return order


def _unknown(mapping: Mapping[K, Any], order: tuple[K, ...], what: str) -> None:
    known = set(order)
    extra = [key for key in mapping if key not in known]
    if extra:
        raise ValueError(f"{what}(s) {extra!r} not in the given order {order!r}")


def _labels(keys: tuple[Hashable, ...]) -> list[str]:
    labels = [str(key) for key in keys]
    if len(set(labels)) != len(labels):
        raise ValueError(f"keys {keys!r} do not have distinct string forms")
    return labels
