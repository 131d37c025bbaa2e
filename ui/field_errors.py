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
    _reason("only an administrator may do this", N_("Only an administrator may do this.")),
    _reason(
        "a structure's staff act only on the initiatives their structure accompanies",
        N_("Your structure does not accompany this initiative: you cannot act on it."),
    ),
    _reason(r"the \w+ role may only read", N_("Your role allows reading only.")),
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
    # -- the alliance, the structures and the trainings
    _reason(
        r"the member's role is already (?P<role>\w+)",
        N_("The member's role is already %(role)s."),
        role="role",
    ),
    _reason("the member has left the alliance", N_("The member has left the alliance.")),
    _reason(r"member \S+ has left the alliance", N_("A member chosen has left the alliance.")),
    _reason("the offer is already withdrawn", N_("This offer has already been withdrawn.")),
    _reason(r"criteria must be exactly .*", N_("Score every criterion.")),
    _reason(r"\S+ is not a professional", N_("Choose registered professionals only.")),
    _reason("must not repeat a participant", N_("Choose each participant once.")),
    _reason(
        "this person did not take part in the training",
        N_("This person did not take part in the training."),
    ),
    _reason(
        "this participant has already been assessed",
        N_("This participant has already been assessed."),
    ),
    # -- the impact toolbox: theories of change, surveys, grids, studies, calculators
    _reason(r"unknown indicator '?[^']*'?", N_("This indicator is not in the catalogue.")),
    _reason("the revision changes nothing", N_("Nothing has changed since the last revision.")),
    _reason("a theory of change needs at least one outcome", N_("Give at least one outcome.")),
    _reason(r"\S+: answer oui/non \(true/false\), got .*", N_("Answer yes or no.")),
    _reason(
        r"\S+: \S+ is outside the allowed range \[(?P<low>[^,]+), (?P<high>[^\]]+)\]",
        N_("Must be between %(low)s and %(high)s."),
    ),
    _reason(r"\S+: a whole number is expected, got .*", N_("Enter a whole number.")),
    _reason(r"no answer for .*", N_("This field is required.")),
    _reason(r"unknown indicator\(s\) .*", N_("This question is not part of the survey.")),
    _reason(r"a finite number is required, got .*", N_("Enter a number.")),
    _reason(r"unknown scheme .*", N_("Unknown survey scheme.")),
    _reason(
        "the person has not consented to impact surveys",
        N_("This person has not consented to impact surveys."),
    ),
    _reason(
        "the baseline has already been recorded",
        N_("The baseline has already been recorded: record a follow-up."),
    ),
    _reason("a follow-up needs a baseline first", N_("Record the baseline before a follow-up.")),
    _reason(
        r"the baseline used scheme (?P<scheme>\S+)", N_("The baseline used scheme %(scheme)s.")
    ),
    _reason("must not be before the baseline", N_("The date must not be before the baseline.")),
    _reason(
        "only beneficiaries answer living-conditions surveys",
        N_("Only beneficiaries answer living-conditions surveys."),
    ),
    _reason(r"a non-empty text is required, got .*", N_("This field is required.")),
    _reason(r"(?:\S+: )?must be positive, got .*", N_("Must be greater than 0.")),
    _reason(
        r"\S+: the eliminatory minimum \S+ must lie in \[0, (?P<high>[^\]]+)\]",
        N_("The eliminatory minimum must lie between 0 and the maximum (%(high)s)."),
    ),
    _reason(
        r"the threshold is on the 0–100 scale of totals, got .*",
        N_("The threshold is on a scale of 0 to 100."),
    ),
    _reason("a grid needs at least one criterion", N_("Give at least one criterion.")),
    _reason(
        r"duplicate criterion code\(s\): (?P<codes>.*)",
        N_("Two criteria have the same code (%(codes)s)."),
    ),
    _reason(
        r"\S+ is outside \[0, (?P<high>[^\]]+)\] for \S+", N_("Must be between 0 and %(high)s.")
    ),
    _reason(r"no score for criterion\(s\) .*", N_("This field is required.")),
    _reason(r"unknown criterion\(s\) for grid .*", N_("This criterion is not in the grid.")),
    _reason(r"\S+: true or false is required", N_("Answer yes or no.")),
    _reason(
        r"must be MA-\d{2} or one of its provinces",
        N_("Choose the region or one of its provinces."),
    ),
    _reason(
        r"a (?P<status>\w+) study cannot become (?P<new>\w+)",
        N_("A study that is %(status)s cannot become %(new)s."),
        status="study_status",
        new="study_status",
    ),
    _reason(
        "record the study's results before completing it",
        N_("Record the study's results before completing it."),
    ),
    _reason(
        r"the study is (?P<status>\w+)",
        N_("The study is %(status)s: its results can no longer change."),
        status="study_status",
    ),
    _reason(
        r"at least (?P<n>\d+) observations are needed .*",
        N_("At least %(n)s observations are needed."),
    ),
    _reason(
        r"(?P<given>\d+) (?:values|cluster ids) given for (?P<n>\d+) outcomes",
        N_("Give one value per observation: %(given)s given for %(n)s."),
    ),
    _reason(r"0 or 1 is required, got .*", N_("Enter 0 or 1.")),
    _reason(
        r"no observation with treated=.*",
        N_("The panel needs treated and comparison units, both before and after."),
    ),
    _reason("at least 2 distinct clusters are needed", N_("At least two clusters are needed.")),
    _reason(
        r"the cluster-robust standard error degenerates to 0.*",
        N_("Cluster by unit (person, commune, structure), not by group or period."),
    ),
    _reason(
        r"the outcome has no residual variation.*",
        N_("The outcome does not vary enough to compute a standard error."),
    ),
    _reason(r"a unit id \(text or whole number\) is required.*", N_("Enter a unit id.")),
    _reason(
        r"a fraction in \[0, 1\] is required.*",
        N_("Enter a fraction between 0 and 1 (0.25, not 25)."),
    ),
    _reason(r"cannot be negative, got .*", N_("Must not be negative.")),
    _reason(
        r"a whole number of years from 1 to (?P<n>\d+) is required.*",
        N_("Enter a whole number of years from 1 to %(n)s."),
    ),
    _reason(r"the value of inputs must be positive.*", N_("Must be greater than 0.")),
    _reason("at least one outcome is needed", N_("Give at least one outcome.")),
    # a person's rights (node/rights.py)
    _reason(
        "the person opposes the processing of their data",
        N_("This person opposes the processing of their data."),
    ),
    _reason("the person already opposes the processing", N_("The opposition is already recorded.")),
    _reason("the person does not oppose the processing", N_("This person has no opposition.")),
    _reason("the person's data has been erased", N_("This person's data has been erased.")),
    _reason("name at least one value to correct", N_("Give at least one value to correct.")),
    _reason("the request has already been answered", N_("This request has already been answered.")),
    _reason(
        "must not be before the request was received",
        N_("Must not be before the request was received."),
    ),
    _reason(
        r"the identity keys are in use; try the erasure again",
        N_("The identity keys are in use; try the erasure again."),
    ),
)


def _format(tr: Translator, message: str, values: dict[str, Any]) -> str:
    text = tr.gettext(message)
    try:
        return text % values if values else text
    except (KeyError, TypeError, ValueError):
        return text


def validation_message(tr: Translator, kind: str, reason: str, ctx: dict[str, Any]) -> str:
    """The message for one error of a schema, from its type, English reason and context."""
    if kind == "value_error" and "email" in reason.lower():
        return tr.gettext(EMAIL_MESSAGE)
    # A float schema's bound (`gt=0` on hours) reads as a whole number when it is one.
    shown = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in ctx.items()}
    return _format(tr, VALIDATION_MESSAGES.get(kind, DEFAULT_MESSAGE), shown)


def validation_errors(
    tr: Translator, error: ValidationError, *, indexed: bool = False
) -> dict[str, str]:
    """The first message per field, the field named by its dotted path in the schema (with
    the positions in lists when `indexed`, for forms that repeat a group of fields)."""
    found: dict[str, str] = {}
    for detail in error.errors():
        parts = [str(p) for p in detail["loc"] if indexed or not isinstance(p, int)]
        message = validation_message(
            tr, detail["type"], str(detail.get("msg", "")), dict(detail.get("ctx") or {})
        )
        found.setdefault(".".join(parts), message)
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
