"""HTML forms over the API's request schemas: what to show, and how a posted form is checked.

A form lists its fields for display only; what is valid is decided by the same pydantic schema
the JSON API uses (node/api/schemas.py), so a browser and a script are refused for the same
reasons. Field names are the schema's dotted paths (`holder.full_name`), which turns the flat
form body back into the nested document the schema expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from ui.field_errors import validation_errors
from ui.i18n import N_, Translator

Kind = Literal[
    "text", "textarea", "number", "date", "email", "tel", "select", "multiselect", "checkbox"
]
RawValue = str | list[str]

REQUIRED = N_("This field is required.")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind = "text"
    #: a vocabulary (ui.vocabulary.VOCABULARIES), "province", or a list the page provides
    choices: str | None = None
    required: bool = False
    help: str | None = None
    step: str | None = None
    #: names a record in the URL (an accompaniment) rather than a field of the body
    in_path: bool = False

    @property
    def element_id(self) -> str:
        return self.name.replace(".", "-").replace("_", "-")


@dataclass(frozen=True)
class Form:
    name: str
    title: str
    schema: type[BaseModel]
    fields: tuple[Field, ...]
    submit: str
    #: shown once the command has been recorded
    done: str


@dataclass
class Submission:
    """A posted form: what was typed (to show again), the valid body, or the errors."""

    form: Form
    values: dict[str, RawValue] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    body: BaseModel | None = None
    path: dict[str, str] = field(default_factory=dict)

    @property
    def general_errors(self) -> list[str]:
        """Errors that name no field of the form (the record itself, a rule across fields)."""
        shown = {f.name for f in self.form.fields}
        return [message for name, message in self.errors.items() if name not in shown]

    def add_error(self, name: str | None, message: str) -> None:
        self.errors.setdefault(name or "", message)


def blank(form: Form) -> Submission:
    return Submission(form)


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        *parents, leaf = dotted.split(".")
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return nested


def parse(tr: Translator, form: Form, data: Mapping[str, RawValue]) -> Submission:
    """Check a posted form against its schema; empty inputs count as not given."""
    submission = Submission(form)
    body: dict[str, Any] = {}
    for f in form.fields:
        raw = data.get(f.name)
        if f.kind == "checkbox":
            submission.values[f.name] = "on" if raw else ""
            body[f.name] = bool(raw)
            continue
        if f.kind == "multiselect":
            values = [v for v in ([raw] if isinstance(raw, str) else raw or []) if v.strip()]
            submission.values[f.name] = values
            if values:
                body[f.name] = values
            continue
        text = (raw[-1] if isinstance(raw, list) else raw or "").strip()
        submission.values[f.name] = text
        if f.in_path:
            if text:
                submission.path[f.name] = text
            else:
                submission.add_error(f.name, tr.gettext(REQUIRED))
        elif text:
            body[f.name] = text
    try:
        submission.body = form.schema.model_validate(_nest(body))
    except ValidationError as error:
        for name, message in validation_errors(tr, error).items():
            submission.add_error(name, message)
    if submission.errors:
        submission.body = None
    return submission
