"""Lists shown on pages and exported as CSV or XLSX, from one definition each.

A table names its columns once; the page and the spreadsheet both render cells through
`Column.text`, so what an operator downloads is what they saw, with the same French labels.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal
from openpyxl import Workbook
from openpyxl.styles import Font

from ui.i18n import Translator
from ui.vocabulary import label

Row = dict[str, Any]
Params = Mapping[str, str]

#: A leading character that a spreadsheet would read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: vocabulary labelling the value (ui.vocabulary), if any
    vocabulary: str | None = None
    #: where the cell links to on a page, given its row
    href: Callable[[Row], str] | None = None
    numeric: bool = False

    def value(self, row: Row) -> Any:
        return row.get(self.key)

    def text(self, tr: Translator, row: Row) -> str:
        value = self.value(row)
        if value is None:
            return ""
        if isinstance(value, bool):
            return tr.gettext("yes") if value else tr.gettext("no")
        if isinstance(value, list | tuple):
            return ", ".join(self._one(tr, v) for v in value)
        if isinstance(value, float):
            return format_decimal(value, locale=tr.locale)
        return self._one(tr, value)

    def _one(self, tr: Translator, value: Any) -> str:
        return label(tr, self.vocabulary, value) if self.vocabulary else str(value)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    #: every row of the list, given the page's filters
    rows: Callable[[Any, Params], list[Row]]
    #: shows personal data or internal records: only for a logged-in user
    private: bool = False


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cells(tr: Translator, table: Table, rows: Sequence[Row]) -> list[list[Any]]:
    """Numbers stay numbers (a spreadsheet can sum them); everything else is its label."""
    out = []
    for row in rows:
        line = []
        for column in table.columns:
            raw = column.value(row)
            keep = column.numeric and isinstance(raw, int | float) and not isinstance(raw, bool)
            line.append(raw if keep else _safe(column.text(tr, row)))
        out.append(line)
    return out


def to_csv(tr: Translator, table: Table, rows: Sequence[Row]) -> bytes:
    """UTF-8 with a byte-order mark, which spreadsheet programs need to read accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([tr.gettext(c.label) for c in table.columns])
    writer.writerows(_cells(tr, table, rows))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(tr: Translator, table: Table, rows: Sequence[Row]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = tr.gettext(table.title)[:31]
    headers = [tr.gettext(c.label) for c in table.columns]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in _cells(tr, table, rows):
        sheet.append(line)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
    for index, header in enumerate(headers, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(50, len(header) + 4))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EXPORTS: dict[str, tuple[str, Callable[[Translator, Table, Sequence[Row]], bytes]]] = {
    "csv": ("text/csv", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
}
