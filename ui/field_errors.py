"""French messages for what the schemas and the domain refuse, keyed to the field at fault.

Validation errors come from the API's own pydantic schemas: their `type` and `ctx` pick a
message. Domain errors carry an English reason written for the API; the reasons a form can
meet are matched here to a catalogue message, and an unknown one is shown as it is rather
than hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from node.domain.errors import DomainError
from ui.i18n import N_, Translator
from ui.vocabulary import label

#: pydantic error type → message; `%(name)s` placeholders are filled from the error's ctx.
VALIDATION_MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("At most %(max_length)s characters."),
    "string_pattern_mismatch": N_("This value does not have the expected format."),
    "string_type": N_("Enter text."),
    "enum": N_("Choose a value from the list."),
    "literal_error": N_("Choose a value from the list."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "float_type": N_("Enter a number."),
    "finite_number": N_("Enter a number."),
    "greater_than": N_("Must be greater than %(gt)s."),
    "greater_than_equal": N_("Must be at least %(ge)s."),
    "less_than": N_("Must be less than %(lt)s."),
    "less_than_equal": N_("Must be at most %(le)s."),
    "too_short": N_("Choose at least %(min_length)s value(s)."),
    "too_long": N_("Choose at most %(max_length)s value(s)."),
    "list_type": N_("Choose one or more values from the list."),
    "bool_parsing": N_("Answer yes or no."),
    "date_parsing": N_("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": N_("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": N_("Enter a date (YYYY-MM-DD)."),
    "date_type": N_("Enter a date (YYYY-MM-DD)."),
    "value_error": N_("This value is not valid."),
    "extra_forbidden": N_("This field is not expected here."),
}
DEFAULT_MESSAGE = N_("This value is not valid.")
EMAIL_MESSAGE = N_("Enter a valid e-mail address.")


@dataclass(frozen=True)
class Reason:
    """A domain reason (a regular expression over the English text) and its message."""

    pattern: re.Pattern[str]
    message: str
    #: named group → vocabulary labelling its value
    labels: tuple[tuple[str, str], ...] = ()


def _reason(pattern: str, message: str, **labels: str) -> Reason:
    return Reason(re.compile(f"^{pattern}$"), message, tuple(labels.items()))


DOMAIN_REASONS: tuple[Reason, ...] = (
    _reason("must not be empty", N_("This field is required.")),
    _reason(r"must be at most (?P<n>\d+) characters", N_("At most %(n)s characters.")),
    _reason(
        r"must be between (?P<low>\S+) and (?P<high>\S+)",
        N_("Must be between %(low)s and %(high)s."),
    ),
    _reason(r".+ is not one of: .*", N_("Choose a value from the list.")),
    _reason(r"must be an ISO date \(YYYY-MM-DD\)", N_("Enter a date (YYYY-MM-DD).")),
    _reason("must not be in the future", N_("The date must not be in the future.")),
    _reason("must be positive", N_("Must be greater than 0.")),
    _reason(r"'?[^']*'? is not a province or prefecture code", N_("Unknown province code.")),
    _reason(r"\S+ is not in region \S+", N_("This province is not in the region.")),
    _reason(
        r"the initiative is already in phase (?P<phase>\w+)",
        N_("The initiative is already in the %(phase)s phase."),
        phase="phase",
    ),
    _reason(
        "the initiative is closed and takes no more events",
        N_("The initiative is closed: nothing more can be recorded."),
    ),
    _reason(
        "this structure already accompanies the initiative",
        N_("This structure already accompanies the initiative."),
    ),
    _reason(
        "the offer has been withdrawn",
        N_("This offer has been withdrawn."),
    ),
    _reason(
        r"the offer does not cover province (?P<province>\S+)",
        N_("This offer does not cover %(province)s."),
        province="province",
    ),
    _reason(r"structure has no offer .*", N_("This offer does not belong to the structure.")),
    _reason(
        r"initiative has no accompaniment .*",
        N_("This accompaniment does not belong to the initiative."),
    ),
    _reason("the accompaniment has ended", N_("This accompaniment has ended.")),
    _reason(
        "must not be before the accompaniment started",
        N_("The date must not be before the accompaniment started."),
    ),
    _reason(
        "end the open accompaniments before closing the initiative",
        N_("End the open accompaniments before closing the initiative."),
    ),
    _reason(r"no \w+ with id .*", N_("No such record.")),
    _reason(
        r"the record changed meanwhile; try again",
        N_("Someone changed this record at the same moment; please try again."),
    ),
    _reason("must name at least one province", N_("Choose at least one province.")),
    _reason(
        r"the structure does not serve .*", N_("The structure does not serve these provinces.")
    ),
    _reason("must be at least 1", N_("Must be at least 1.")),
)


def _format(tr: Translator, message: str, values: dict[str, Any]) -> str:
    text = tr.gettext(message)
    try:
        return text % values if values else text
    except (KeyError, TypeError, ValueError):
        return text


def validation_errors(tr: Translator, error: ValidationError) -> dict[str, str]:
    """The first message per field, the field named by its dotted path in the schema."""
    found: dict[str, str] = {}
    for detail in error.errors():
        field = ".".join(str(part) for part in detail["loc"] if not isinstance(part, int))
        kind = detail["type"]
        if kind == "value_error" and "email" in str(detail.get("msg", "")).lower():
            message = EMAIL_MESSAGE
        else:
            message = VALIDATION_MESSAGES.get(kind, DEFAULT_MESSAGE)
        found.setdefault(field or "", _format(tr, message, dict(detail.get("ctx") or {})))
    return found


def domain_message(tr: Translator, error: DomainError) -> str:
    for reason in DOMAIN_REASONS:
        matched = reason.pattern.match(error.reason)
        if matched:
            values: dict[str, Any] = matched.groupdict()
            for group, context in reason.labels:
                values[group] = label(tr, context, values[group])
            return _format(tr, reason.message, values)
    return error.reason
