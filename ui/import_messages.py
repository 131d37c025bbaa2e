"""An import's problems in the operator's language, for the web pages and `drais import` alike.

A problem found by the API's schema is worded as a form's field error, one the domain found as
the form would show it, and the file's own problems (a missing column, an unknown initiative)
from the table below.
"""

from __future__ import annotations

from typing import Any

from node.domain.errors import DomainError
from node.importing import DOMAIN, MAX_ROWS, Kind, Labels, Problem, UnreadableFile
from ui.field_errors import domain_message, validation_message
from ui.i18n import N_, Translator
from ui.vocabulary import VOCABULARIES, choices

IMPORT_MESSAGES: dict[str, str] = {
    "import.unknown_column": N_("This column is not in the template."),
    "import.duplicate_column": N_("This column appears twice."),
    "import.missing_column": N_("This required column is missing."),
    "import.no_rows": N_("The file has no row to import."),
    "import.unknown_initiative": N_("No initiative of the region has this name."),
    "import.ambiguous_initiative": N_(
        "Several initiatives have this name: give the initiative's identifier."
    ),
    "import.ambiguous_structure": N_("Several structures of the region have this name."),
    "import.structure_differs": N_(
        "Differs from line %(line)s, where the structure first appears."
    ),
    "import.empty_file": N_("The file is empty."),
    "import.too_many_rows": N_("The file has more than %(max)s rows: split it."),
    "import.not_xlsx": N_("This file is not an XLSX workbook."),
    "import.format": N_("Only .csv and .xlsx files can be imported."),
}

#: Kind of file → its name on the pages.
KIND_TITLES: dict[Kind, str] = {
    Kind.MEMBERS: N_("Alliance members"),
    Kind.STRUCTURES: N_("Support structures and their offers"),
    Kind.INITIATIVES: N_("Initiatives"),
    Kind.BENEFICIARIES: N_("Beneficiaries"),
}


def _format(tr: Translator, message: str, values: dict[str, Any]) -> str:
    text = tr.gettext(message)
    try:
        return text % values if values else text
    except (KeyError, TypeError, ValueError):
        return text


def problem_message(tr: Translator, problem: Problem) -> str:
    if problem.code == DOMAIN:
        return domain_message(tr, DomainError(problem.reason))
    if problem.code in IMPORT_MESSAGES:
        return _format(tr, IMPORT_MESSAGES[problem.code], dict(problem.context))
    return validation_message(tr, problem.code, problem.reason, dict(problem.context))


def unreadable_message(tr: Translator, error: UnreadableFile) -> str:
    message = IMPORT_MESSAGES.get(error.code)
    return _format(tr, message, {"max": MAX_ROWS}) if message else error.reason


def labels(tr: Translator) -> Labels:
    """The French label of every value an import column may hold, so a file can use them."""
    return {
        context: {text: code for code, text in choices(tr, context)} for context in VOCABULARIES
    }
