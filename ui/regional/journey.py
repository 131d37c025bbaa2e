"""An initiative's journey: its timeline rows (one per event in the log) made readable.

Record ids mean nothing to a reader, so they are dropped, except a structure's, which is
replaced by the structure's name; every other value is labelled in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ui.i18n import Translator
from ui.vocabulary import EVENT, FIELD, label, value_label


@dataclass(frozen=True)
class Step:
    event: str
    title: str
    on: str | None
    recorded_at: str
    recorded_by: str
    details: list[tuple[str, str]]


def _details(
    tr: Translator, details: dict[str, Any], structures: dict[str, str]
) -> list[tuple[str, str]]:
    shown = []
    for key, value in details.items():
        if key == "structure_id":
            shown.append((label(tr, FIELD, "structure"), structures.get(str(value), "?")))
        elif not key.endswith("_id") and key != "id" and value not in (None, "", []):
            shown.append((label(tr, FIELD, key), value_label(tr, key, value)))
    return shown


def journey(tr: Translator, rows: list[dict[str, Any]], structures: dict[str, str]) -> list[Step]:
    return [
        Step(
            event=row["event"],
            title=label(tr, EVENT, row["event"]),
            on=row["occurred_on"],
            recorded_at=row["recorded_at"][:16].replace("T", " "),
            recorded_by=row["recorded_by"],
            details=_details(tr, row["details"], structures),
        )
        for row in rows
    ]
