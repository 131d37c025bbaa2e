"""Disclosure control of DESIGN §6: small counts hidden, hidden counts not recomputable."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.disclosure import (
    Cell,
    ProtectedTable,
    Rate,
    Reason,
    protect_counts,
    protect_rate,
    protect_table,
)

P, S = Reason.PRIMARY, Reason.COMPLEMENTARY


def pattern(table: ProtectedTable[Any, Any]) -> list[list[object]]:
    """The grid with margins: the published value, or the reason it is hidden."""

    def show(cell: Cell) -> object:
        return cell.reason if cell.suppressed else cell.value

    lines = [
        [*(show(table.cells[row][column]) for column in table.columns), show(table.row_totals[row])]
        for row in table.rows
    ]
    return [*lines, [*(show(table.column_totals[c]) for c in table.columns), show(table.total)]]


# --- primary suppression and the zero decision


def test_a_small_count_is_hidden_and_a_zero_is_published() -> None:
    counts = protect_counts({"MA-01": 0, "MA-02": 5, "MA-03": 30, "MA-04": 15})
    assert counts.cells["MA-01"] == Cell(0)
    assert counts.cells["MA-02"] == Cell(None, P)
    # the total (50) is published, so a second cell is hidden: the smallest, 15
    assert counts.cells["MA-04"] == Cell(None, S)
    assert counts.cells["MA-03"] == Cell(30)
    assert counts.total == Cell(50)


def test_a_zero_is_a_complement_only_when_nothing_else_will_do() -> None:
    counts = protect_counts({"a": 3, "b": 0, "c": 12, "d": 40})
    assert [counts.cells[k] for k in "abcd"] == [Cell(None, P), Cell(0), Cell(None, S), Cell(40)]
    assert counts.total == Cell(55)


def test_the_threshold_is_configurable() -> None:
    counts = protect_counts({"a": 7, "b": 4, "c": 30}, threshold=5)
    assert [counts.cells[k] for k in "abc"] == [Cell(None, S), Cell(None, P), Cell(30)]
    assert protect_counts({"a": 7, "b": 30}, threshold=5).cells["a"] == Cell(7)
    assert protect_counts({"a": 1, "b": 30}, threshold=1).cells["a"] == Cell(1)


def test_counts_at_or_above_the_threshold_are_all_published() -> None:
    table = protect_table({"r1": {"A": 10, "B": 0}, "r2": {"A": 25, "B": 40}})
    assert pattern(table) == [[10, 0, 10], [25, 40, 65], [35, 40, 75]]


# --- complementary suppression


def test_a_hidden_cell_gets_complements_in_its_row_and_its_column() -> None:
    table = protect_table(
        {
            "r1": {"A": 3, "B": 20, "C": 30},
            "r2": {"A": 15, "B": 12, "C": 40},
            "r3": {"A": 25, "B": 18, "C": 11},
        }
    )
    # Row r1 needs a second hidden cell: the smallest, B = 20; column A likewise: r2 = 15; that
    # leaves column B with one (r1, B) so its smallest, r2 = 12, closes the rectangle
    # (cheapest of the rectangles: 20 + 15 + 12 = 47 against 63, 66 and 85).
    assert pattern(table) == [
        [P, S, 30, 53],
        [S, S, 40, 67],
        [25, 18, 11, 54],
        [43, 50, 81, 174],
    ]


def test_complements_in_columns_mirror_those_in_rows() -> None:
    rows = {
        "r1": {"A": 3, "B": 20, "C": 30},
        "r2": {"A": 15, "B": 12, "C": 40},
        "r3": {"A": 25, "B": 18, "C": 11},
    }
    transposed = {c: {r: rows[r][c] for r in rows} for c in ("A", "B", "C")}
    assert pattern(protect_table(transposed)) == [
        [P, S, 25, 43],
        [S, S, 18, 50],
        [30, 40, 11, 81],
        [53, 67, 54, 174],
    ]


def test_a_hidden_margin_is_protected_among_the_margins() -> None:
    table = protect_table(
        {"r1": {"A": 3, "B": 4}, "r2": {"A": 20, "B": 30}, "r3": {"A": 15, "B": 12}}
    )
    # Row r1 (3, 4, total 7) is wholly hidden and needs nothing more within the row. Columns A
    # and B each hold one hidden cell: the cheapest rectangle closes them on r3 (15 + 12 = 27,
    # against 20 + 30 for r2). The row totals, though, sum to the grand total: with only r1's
    # hidden it would be 84 - 50 - 27 = 7, so a second row total is hidden, r3's (27 < 50).
    assert pattern(table) == [
        [P, P, P],
        [20, 30, 50],
        [S, S, S],
        [38, 46, 84],
    ]


def test_a_line_whose_total_is_hidden_needs_no_complement() -> None:
    counts = protect_counts({"a": 3, "b": 0, "c": 0})
    assert [counts.cells[k] for k in "abc"] == [Cell(None, P), Cell(0), Cell(0)]
    assert counts.total == Cell(None, P)
    counts = protect_counts({"a": 3, "b": 4, "c": 0})
    assert [counts.cells[k] for k in "abc"] == [Cell(None, P), Cell(None, P), Cell(0)]
    assert counts.total == Cell(None, P)


def test_a_single_column_table_hides_a_second_row_and_its_total() -> None:
    table = protect_table({"r1": {"A": 3}, "r2": {"A": 20}, "r3": {"A": 15}})
    # each row total equals its cell; the column total 38 stays, so r1 + r3 = 18 is all one learns
    assert pattern(table) == [[P, P], [20, 20], [S, S], [38, 38]]


def test_a_single_small_cell_hides_every_margin_it_belongs_to() -> None:
    assert pattern(protect_table({"r": {"A": 4}})) == [[P, P], [P, P]]
    assert pattern(protect_table({"r": {"A": 4, "B": 0}})) == [[P, 0, P], [P, 0, P]]


# --- shapes and order


def test_empty_tables() -> None:
    nothing: dict[str, dict[str, int]] = {}
    no_counts: dict[str, int] = {}
    empty = protect_table(nothing)
    assert (empty.rows, empty.columns, empty.total) == ((), (), Cell(0))
    assert empty.as_dict()["total"] == {"suppressed": False, "value": 0}
    no_columns = protect_table({"MA-01": no_counts})
    assert no_columns.row_totals == {"MA-01": Cell(0)}
    no_rows = protect_table(nothing, columns=["ideation", "amorcage"])
    assert no_rows.column_totals == {"ideation": Cell(0), "amorcage": Cell(0)}
    assert pattern(protect_table({"a": {"x": 0}, "b": {"x": 0}})) == [[0, 0], [0, 0], [0, 0]]
    counts = protect_counts(no_counts)
    assert (counts.keys, counts.cells, counts.total) == ((), {}, Cell(0))


def test_the_given_order_is_kept_and_absent_cells_are_zero() -> None:
    table = protect_table(
        {"MA-02": {"B": 12}, "MA-01": {"A": 30}},
        rows=["MA-01", "MA-02", "MA-03"],
        columns=["A", "B"],
    )
    assert table.rows == ("MA-01", "MA-02", "MA-03")
    assert pattern(table) == [[30, 0, 30], [0, 12, 12], [0, 0, 0], [30, 12, 42]]
    counts = protect_counts({"MA-02": 11}, keys=["MA-01", "MA-02"])
    assert counts.as_dict()["keys"] == ["MA-01", "MA-02"]
    assert counts.cells == {"MA-01": Cell(0), "MA-02": Cell(11)}


def test_a_hidden_cell_has_no_value_in_its_json_form() -> None:
    table = protect_table({"r1": {"A": 3, "B": 20}, "r2": {"A": 15, "B": 12}})
    document = json.loads(json.dumps(table.as_dict()))
    assert document["cells"]["r1"]["A"] == {"suppressed": True, "reason": "primary"}
    assert document["cells"]["r2"]["B"] == {"suppressed": True, "reason": "complementary"}
    assert document["rows"] == ["r1", "r2"] and document["columns"] == ["A", "B"]
    assert document["total"] == {"suppressed": False, "value": 50}

    def hidden(node: object) -> list[dict[str, Any]]:
        if isinstance(node, dict):
            here = [node] if node.get("suppressed") is True else []
            return here + [found for value in node.values() for found in hidden(value)]
        return []

    assert len(hidden(document)) == 4  # the four cells; both row totals stay published
    assert all("value" not in cell for cell in hidden(document))


# --- rates


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (10, 20, Rate(0.5)),
        (30, 40, Rate(0.75)),
        (9, 50, Rate(None, P)),  # too few counted
        (45, 50, Rate(None, P)),  # too few not counted: 5 persons
        (0, 50, Rate(None, P)),  # 0 % describes all 50
        (50, 50, Rate(None, P)),  # 100 % likewise
        (0, 0, Rate(None, P)),
    ],
)
def test_a_rate_needs_enough_persons_on_both_sides(
    numerator: int, denominator: int, expected: Rate
) -> None:
    assert protect_rate(numerator, denominator) == expected


def test_rate_json_and_threshold() -> None:
    assert protect_rate(4, 8, threshold=4).as_dict() == {"suppressed": False, "value": 0.5}
    assert protect_rate(4, 8).as_dict() == {"suppressed": True, "reason": "primary"}


# --- bad input


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: protect_counts({"a": -1}), ValueError),
        (lambda: protect_counts({"a": True}), TypeError),
        (lambda: protect_counts({"a": 2.5}), TypeError),  # type: ignore[dict-item]
        (lambda: protect_counts({"a": 1}, threshold=0), ValueError),
        (lambda: protect_counts({"a": 1}, keys=["b"]), ValueError),
        (lambda: protect_table({"r": {"A": 1}}, columns=["A", "A"]), ValueError),
        (lambda: protect_table({"r": {"A": 1}}, rows=["s"]), ValueError),
        (lambda: protect_rate(11, 10), ValueError),
        (lambda: protect_rate(-1, 10), ValueError),
        (lambda: Cell(None), ValueError),
        (lambda: Cell(3, P), ValueError),
    ],
)
def test_bad_input_is_refused(call: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()


def test_keys_must_stay_distinct_in_json() -> None:
    with pytest.raises(ValueError, match="distinct"):
        protect_counts({1: 12, "1": 30}).as_dict()


# --- properties: nothing hidden can be recomputed


def extended(values: list[list[int]], n_columns: int) -> list[list[int]]:
    """The true table with its margins, computed here independently of the module."""
    rows = [[*line, sum(line)] for line in values]
    totals = [sum(row[j] for row in rows) for j in range(n_columns + 1)]
    return [*rows, totals]


def published(document: dict[str, Any]) -> list[list[int | None]]:
    """What a reader sees, read back from the JSON form: a value, or None when hidden."""

    def value(cell: dict[str, Any]) -> int | None:
        return None if cell["suppressed"] else cell["value"]

    rows: list[list[int | None]] = [
        [
            *(value(document["cells"][r][c]) for c in document["columns"]),
            value(document["row_totals"][r]),
        ]
        for r in document["rows"]
    ]
    margin = [value(document["column_totals"][c]) for c in document["columns"]]
    return [*rows, [*margin, value(document["total"])]]


def consistent(table: list[list[int]], seen: list[list[int | None]]) -> bool:
    """A table of non-negative integers that a reader cannot tell apart from the truth."""
    last_row, last_column = len(table) - 1, len(table[0]) - 1
    return (
        all(value >= 0 for line in table for value in line)
        and all(sum(line[:last_column]) == line[last_column] for line in table)
        and all(
            sum(table[i][j] for i in range(last_row)) == table[last_row][j]
            for j in range(last_column + 1)
        )
        and all(
            shown is None or shown == table[i][j]
            for i, line in enumerate(seen)
            for j, shown in enumerate(line)
        )
    )


def alternative(
    truth: list[list[int]], seen: list[list[int | None]], entry: tuple[int, int]
) -> list[list[int]] | None:
    """Another table consistent with what is published that differs at ``entry``, if any.

    Exact method: in signed coordinates (row and column totals negated) every line sums to zero,
    so the tables consistent with the published entries are the truth plus integer circulations on
    the hidden entries. Any such circulation splits into sign-consistent alternating cycles
    (conformal decomposition), so if a non-negative alternative differing at ``entry`` exists,
    then a +1/-1 alternating cycle through ``entry`` keeping every entry non-negative exists too:
    a breadth-first search over those finds one whenever there is one.
    """
    n_rows, n_columns = len(truth), len(truth[0])
    hidden = {(i, j) for i in range(n_rows) for j in range(n_columns) if seen[i][j] is None}

    def sign(i: int, j: int) -> int:
        return 1 if (i == n_rows - 1) == (j == n_columns - 1) else -1

    def allowed(i: int, j: int, step: int) -> bool:
        return truth[i][j] + sign(i, j) * step >= 0

    def arcs(vertex: tuple[str, int]) -> list[tuple[tuple[int, int], int, tuple[str, int]]]:
        kind, index = vertex
        if kind == "row":
            return [((index, j), 1, ("column", j)) for j in range(n_columns)]
        return [((i, index), -1, ("row", i)) for i in range(n_rows)]

    i, j = entry
    for step, source, target in ((1, ("column", j), ("row", i)), (-1, ("row", i), ("column", j))):
        if not allowed(i, j, step):
            continue
        back: dict[tuple[str, int], tuple[tuple[str, int], tuple[int, int], int]] = {}
        queue = deque([source])
        reached = {source}
        while queue and target not in reached:
            vertex = queue.popleft()
            for arc, arc_step, successor in arcs(vertex):
                usable = arc in hidden and arc != entry and allowed(*arc, arc_step)
                if usable and successor not in reached:
                    reached.add(successor)
                    back[successor] = (vertex, arc, arc_step)
                    queue.append(successor)
        if target in reached:
            delta = {entry: step}
            vertex = target
            while vertex != source:
                vertex, arc, arc_step = back[vertex]
                delta[arc] = arc_step
            return [
                [truth[a][b] + sign(a, b) * delta.get((a, b), 0) for b in range(n_columns)]
                for a in range(n_rows)
            ]
    return None


VALUE = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 40), st.integers(0, 40))
THRESHOLD = st.sampled_from([10, 10, 10, 5, 2, 1])


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int]], int]:
    n_rows = draw(st.integers(0, 5))
    n_columns = draw(st.integers(0, 5))
    values = [[draw(VALUE) for _ in range(n_columns)] for _ in range(n_rows)]
    return values, n_columns


def protect(values: list[list[int]], n_columns: int, threshold: int) -> dict[str, Any]:
    table = {f"r{i}": {f"c{j}": v for j, v in enumerate(line)} for i, line in enumerate(values)}
    columns = [f"c{j}" for j in range(n_columns)]
    return protect_table(table, threshold, columns=columns).as_dict()


@settings(max_examples=200, deadline=None)
@given(tables(), THRESHOLD)
def test_no_hidden_entry_can_be_recomputed_from_what_is_published(
    drawn: tuple[list[list[int]], int], threshold: int
) -> None:
    values, n_columns = drawn
    truth = extended(values, n_columns)
    seen = published(protect(values, n_columns, threshold))
    assert consistent(truth, seen)
    for i, line in enumerate(seen):
        for j, shown in enumerate(line):
            if shown is None:
                other = alternative(truth, seen, (i, j))
                assert other is not None, f"entry {(i, j)} is determined"
                assert consistent(other, seen) and other[i][j] != truth[i][j]


@settings(max_examples=200, deadline=None)
@given(tables(), THRESHOLD)
def test_published_counts_are_true_and_zero_or_at_least_the_threshold(
    drawn: tuple[list[list[int]], int], threshold: int
) -> None:
    values, n_columns = drawn
    truth = extended(values, n_columns)
    document = protect(values, n_columns, threshold)
    reasons = [
        [
            *(document["cells"][r][c].get("reason") for c in document["columns"]),
            document["row_totals"][r].get("reason"),
        ]
        for r in document["rows"]
    ]
    reasons.append(
        [
            *(document["column_totals"][c].get("reason") for c in document["columns"]),
            document["total"].get("reason"),
        ]
    )
    for true_line, seen_line, reason_line in zip(truth, published(document), reasons, strict=True):
        for true_value, shown, reason in zip(true_line, seen_line, reason_line, strict=True):
            assert (reason == "primary") == (0 < true_value < threshold)
            if shown is not None:
                assert shown == true_value
                assert shown == 0 or shown >= threshold


@settings(max_examples=200, deadline=None)
@given(st.lists(VALUE, max_size=8), THRESHOLD)
def test_counts_by_one_breakdown_cannot_be_recomputed_from_the_total(
    values: list[int], threshold: int
) -> None:
    keys = [f"MA-{n:02d}" for n in range(1, len(values) + 1)]
    protected = protect_counts(dict(zip(keys, values, strict=True)), threshold)
    entries = [protected.cells[k] for k in keys] + [protected.total]
    truth = [*values, sum(values)]
    for cell, true_value in zip(entries, truth, strict=True):
        if not cell.suppressed:
            assert cell.value == true_value and (true_value == 0 or true_value >= threshold)
        else:
            assert (cell.reason is P) == (0 < true_value < threshold)
    hidden = [n for n, cell in enumerate(entries) if cell.suppressed]
    total = len(values)
    for n in hidden:
        # another hidden entry that can move with it: two cells in opposite directions,
        # or a cell and the total in the same direction, all staying non-negative
        def moves(a: int, b: int) -> bool:
            if (a == total) != (b == total):  # one is the total: both up
                return True
            return truth[b] >= 1 or truth[a] >= 1

        partners = [m for m in hidden if m != n and moves(n, m)]
        assert partners, f"{keys[n] if n < total else 'total'} is determined"
        m = partners[0]
        other = list(truth)
        if (n == total) != (m == total):
            other[n] += 1
            other[m] += 1
        elif truth[m] >= 1:
            other[n] += 1
            other[m] -= 1
        else:
            other[n] -= 1
            other[m] += 1
        assert min(other) >= 0 and sum(other[:total]) == other[total] and other[n] != truth[n]
        assert all(other[k] == truth[k] for k in range(total + 1) if k not in hidden)
