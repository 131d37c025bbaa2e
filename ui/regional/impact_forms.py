"""The impact toolbox's forms, over the API's request schemas (node/api/impact_schemas.py).

Several of them repeat a group of fields — a theory's outcomes and their indicators, a grid's
criteria, an SROI value map's outcomes — so a page without JavaScript offers a few blank rows.
Their inputs are named by the schema's path with the row's position (`criteria.2.weight`); rows
left blank are dropped before the schema sees the list, and every error, the schema's or the
domain's, is put back next to the row it names. A text area listed in `lines` holds one item of
a list per line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from node.api.impact_schemas import (
    ApplicationIn,
    BeneficiaryIn,
    GridIn,
    GridTermsIn,
    StudyIn,
    StudyStatusIn,
    SurveyIn,
    TheoryOfChangeIn,
)
from node.toolbox.alkire_foster import Scheme
from ui.field_errors import validation_errors
from ui.forms import Field, Form, RawValue, Submission
from ui.i18n import N_, Translator

Path = tuple[str | int, ...]
Converter = Callable[[dict[str, Any]], dict[str, str]]

NUMBER_MESSAGE = N_("Enter a number.")
WHOLE_MESSAGE = N_("Enter a whole number.")


@dataclass
class RowsSubmission(Submission):
    """A submission whose lists were compacted: errors name the rows as the page shows them."""

    #: list path as the schema saw it → the page's row numbers it kept
    rows: dict[Path, list[int]] = field(default_factory=dict)
    lines: frozenset[str] = frozenset()

    def page_name(self, name: str | None) -> str:
        """The page's input for a schema path (`outcomes.0.statement` → the row shown)."""
        if not name:
            return ""
        parts: list[str] = []
        prefix: Path = ()
        for part in name.split("."):
            if part.isdigit():
                index = int(part)
                kept = self.rows.get(prefix, [])
                parts.append(str(kept[index] if index < len(kept) else index))
                prefix = (*prefix, index)
            else:
                parts.append(part)
                prefix = (*prefix, part)
        shown = {f.name for f in self.form.fields}
        for end in range(len(parts), 0, -1):  # a line of a text area, a union's member…
            candidate = ".".join(parts[:end])
            if candidate in shown:
                return candidate
        return ".".join(parts)

    def add_error(self, name: str | None, message: str) -> None:
        super().add_error(self.page_name(name), message)


def _nest(flat: Mapping[str, Any]) -> dict[str | int, Any]:
    nested: dict[str | int, Any] = {}
    for dotted, value in flat.items():
        *parents, leaf = (int(p) if p.isdigit() else p for p in dotted.split("."))
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return nested


def _listify(node: Any, path: Path, rows: dict[Path, list[int]]) -> Any:
    """Dicts keyed by row numbers become lists; which rows were kept is noted per list."""
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(k, int) for k in node):
        kept = sorted(node)
        rows[path] = kept
        return [_listify(node[k], (*path, i), rows) for i, k in enumerate(kept)]
    return {k: _listify(v, (*path, k), rows) for k, v in node.items()}


def parse(
    tr: Translator,
    form: Form,
    data: Mapping[str, RawValue],
    *,
    lines: Iterable[str] = (),
    convert: Converter | None = None,
    extra: Mapping[str, Any] | None = None,
) -> RowsSubmission:
    """Check a posted form against its schema. `convert` may turn the flat values into what
    the schema expects (answers of a survey) and return errors of its own; `extra` adds
    values that are not inputs of the page."""
    submission = RowsSubmission(form, lines=frozenset(lines))
    flat: dict[str, Any] = {}
    for f in form.fields:
        raw = data.get(f.name)
        if f.kind == "checkbox":
            submission.values[f.name] = "on" if raw else ""
            if raw:
                flat[f.name] = True
            continue
        if f.kind == "multiselect":
            values = [v for v in ([raw] if isinstance(raw, str) else raw or []) if v.strip()]
            submission.values[f.name] = values
            if values:
                flat[f.name] = values
            continue
        text = (raw[-1] if isinstance(raw, list) else raw or "").strip()
        submission.values[f.name] = text
        if f.name in submission.lines:
            items = [line.strip() for line in text.splitlines() if line.strip()]
            if items:
                flat[f.name] = items
        elif text:
            flat[f.name] = text
    flat.update(extra or {})
    own_errors = convert(flat) if convert else {}
    body = _listify(_nest(flat), (), submission.rows)
    try:
        submission.body = form.schema.model_validate(body)
    except ValidationError as error:
        for name, message in validation_errors(tr, error, indexed=True).items():
            submission.add_error(name, message)
    for name, message in own_errors.items():
        submission.errors[name] = tr.gettext(message)
    if submission.errors:
        submission.body = None
    return submission


def blank(form: Form, values: Mapping[str, RawValue] | None = None) -> RowsSubmission:
    return RowsSubmission(form, values=dict(values or {}))


def posted_rows(data: Mapping[str, Any], prefix: str) -> int:
    """How many rows of a group a posted form holds (the highest row number + 1)."""
    found = [
        int(rest.split(".", 1)[0])
        for name in data
        if name.startswith(prefix + ".")
        and (rest := name[len(prefix) + 1 :]).split(".", 1)[0].isdigit()
    ]
    return max(found, default=-1) + 1


def _row(prefix: str, fields: Iterable[Field]) -> tuple[Field, ...]:
    """The group's fields for one row, named `prefix.<name>`."""
    return tuple(
        Field(
            f"{prefix}.{f.name}",
            f.label,
            f.kind,
            f.choices,
            False,  # a row may be left blank; the schema says what a kept row needs
            f.help,
            f.step,
        )
        for f in fields
    )


# -- theory of change --------------------------------------------------------------------

LINES_HELP = N_("One per line.")
THEORY_LINES = ("inputs", "activities", "outputs", "assumptions")

OUTCOME = (
    Field("statement", N_("Expected change (outcome)")),
    Field("horizon", N_("Horizon"), "select", "horizon"),
)
INDICATOR = (
    Field("code", N_("Indicator"), "select", "indicators"),
    Field("baseline", N_("Baseline"), "number", step="any"),
    Field("target", N_("Target"), "number", step="any"),
    Field("target_date", N_("Target date"), "date"),
)


@dataclass(frozen=True)
class TheoryLayout:
    """The editor's fields, grouped as the page shows them."""

    form: Form
    head: tuple[Field, ...]
    #: (outcome's fields, [indicator's fields, …]) per outcome row
    outcomes: tuple[tuple[tuple[Field, ...], tuple[tuple[Field, ...], ...]], ...]
    tail: tuple[Field, ...]


def theory_layout(outcomes: int, indicators: int) -> TheoryLayout:
    head = (
        Field("problem", N_("Problem addressed"), "textarea", required=True),
        Field("target_population", N_("Target population"), "textarea", required=True),
        Field("inputs", N_("Inputs"), "textarea", help=LINES_HELP),
        Field("activities", N_("Activities"), "textarea", help=LINES_HELP),
        Field("outputs", N_("Outputs"), "textarea", help=LINES_HELP),
    )
    rows = tuple(
        (
            _row(f"outcomes.{i}", OUTCOME),
            tuple(_row(f"outcomes.{i}.indicators.{j}", INDICATOR) for j in range(indicators)),
        )
        for i in range(outcomes)
    )
    tail = (
        Field("impact", N_("Expected impact"), "textarea", required=True),
        Field("assumptions", N_("Assumptions"), "textarea", help=LINES_HELP),
    )
    fields = (
        *head,
        *(f for outcome, links in rows for f in (*outcome, *(g for link in links for g in link))),
        *tail,
    )
    form = Form(
        "theory",
        N_("Theory of change"),
        TheoryOfChangeIn,
        fields,
        N_("Save the theory of change"),
        N_("The theory of change has been saved."),
    )
    return TheoryLayout(form, head, rows, tail)


def theory_values(content: Mapping[str, Any]) -> dict[str, RawValue]:
    """A recorded theory as the editor's inputs."""
    values: dict[str, RawValue] = {
        "problem": content["problem"],
        "target_population": content["target_population"],
        "impact": content["impact"],
    }
    for name in THEORY_LINES:
        values[name] = "\n".join(content.get(name, []))
    for i, outcome in enumerate(content["outcomes"]):
        values[f"outcomes.{i}.statement"] = outcome["statement"]
        values[f"outcomes.{i}.horizon"] = outcome["horizon"]
        for j, link in enumerate(outcome.get("indicators", [])):
            for key in ("code", "baseline", "target", "target_date"):
                value = link.get(key)
                values[f"outcomes.{i}.indicators.{j}.{key}"] = "" if value is None else f"{value}"
    return values


# -- beneficiaries and surveys -----------------------------------------------------------

BENEFICIARY = Form(
    "beneficiary",
    N_("Register a beneficiary"),
    BeneficiaryIn,
    (
        Field("full_name", N_("Full name"), required=True),
        Field("gender", N_("Sex"), "select", "gender", required=True),
        Field("birth_year", N_("Year of birth"), "number", required=True),
        Field("cin", N_("CIN"), help=N_("For example JB123456.")),
        Field("phone", N_("Phone"), "tel", help=N_("For example +212612345678.")),
        Field("email", N_("E-mail"), "email"),
        Field(
            "consents",
            N_("Consents given"),
            "multiselect",
            "consent",
            help=N_("Surveys need the consent to impact surveys."),
        ),
    ),
    N_("Register"),
    N_("The beneficiary has been registered."),
)

YES, NO = "oui", "non"


def survey_form(scheme: Scheme) -> Form:
    """The scheme's questions; their wording is the scheme's own (French, versioned data)."""
    questions = tuple(
        Field(
            f"answers.{q.code}",
            q.question,
            "select" if q.answer == "boolean" else "number",
            "yes_no" if q.answer == "boolean" else None,
            required=True,
            help=q.label if q.answer == "boolean" else f"{q.label} ({q.minimum:g}–{q.maximum:g})",
            step="1" if q.answer == "integer" else "any" if q.answer == "number" else None,
        )
        for q in scheme.indicators
    )
    return Form(
        "survey",
        N_("Living-conditions survey"),
        SurveyIn,
        (
            Field("wave", N_("Wave"), "select", "wave", required=True),
            Field("on", N_("Date"), "date", help=N_("Leave empty for today.")),
            *questions,
        ),
        N_("Record the survey"),
        N_("The survey has been recorded."),
    )


def survey_answers(scheme: Scheme) -> Converter:
    """Yes/no answers as booleans and numbers as numbers; what is neither is refused here,
    for the schema would read a « 1 » as « yes »."""

    def convert(flat: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        for q in scheme.indicators:
            name = f"answers.{q.code}"
            if name not in flat:
                continue
            text = str(flat[name]).replace(",", ".")
            if q.answer == "boolean":
                if text in (YES, NO):
                    flat[name] = text == YES
                continue
            try:
                number = float(text)
            except ValueError:
                errors[name] = WHOLE_MESSAGE if q.answer == "integer" else NUMBER_MESSAGE
                del flat[name]
                continue
            if q.answer == "integer" and number.is_integer():
                flat[name] = int(number)
            elif q.answer == "integer":
                errors[name] = WHOLE_MESSAGE
                del flat[name]
            else:
                flat[name] = number
        return errors

    return convert


# -- funder grids and applications -------------------------------------------------------

CRITERION = (
    Field("code", N_("Code")),
    Field("label", N_("Criterion")),
    Field("weight", N_("Weight"), "number", step="any"),
    Field("maximum", N_("Maximum score"), "number", step="any"),
    Field("minimum", N_("Eliminatory minimum"), "number", step="any"),
    Field("multiplier", N_("Multiplier"), "number", step="any"),
    Field("impact", N_("Impact criterion"), "checkbox"),
    Field("determining", N_("Determining"), "checkbox"),
)


@dataclass(frozen=True)
class GridLayout:
    form: Form
    head: tuple[Field, ...]
    criteria: tuple[tuple[Field, ...], ...]


def grid_layout(rows: int, *, revision: bool = False) -> GridLayout:
    head: tuple[Field, ...] = (
        Field("title", N_("Title"), required=True),
        Field(
            "pass_threshold",
            N_("Pass threshold (0 to 100)"),
            "number",
            required=True,
            step="any",
        ),
    )
    if not revision:
        head = (
            Field("code", N_("Code of the grid"), required=True, help=N_("For example INDH-2026.")),
            Field("funder", N_("Funder"), required=True),
            *head,
        )
    criteria = tuple(_row(f"criteria.{i}", CRITERION) for i in range(rows))
    form = Form(
        "revise" if revision else "grid",
        N_("Revise the grid") if revision else N_("Publish a grid"),
        GridTermsIn if revision else GridIn,
        (*head, *(f for row in criteria for f in row)),
        N_("Publish the new version") if revision else N_("Publish the grid"),
        N_("A new version of the grid has been published.")
        if revision
        else N_("The grid has been published."),
    )
    return GridLayout(form, head, criteria)


def grid_values(grid: Mapping[str, Any]) -> dict[str, RawValue]:
    values: dict[str, RawValue] = {
        "title": grid["title"],
        "pass_threshold": f"{grid['pass_threshold']:g}",
    }
    for i, c in enumerate(grid["criteria"]):
        for key in ("code", "label", "weight", "maximum", "minimum", "multiplier"):
            value = c.get(key)
            values[f"criteria.{i}.{key}"] = (
                "" if value is None else f"{value:g}" if isinstance(value, float) else f"{value}"
            )
        for key in ("impact", "determining"):
            values[f"criteria.{i}.{key}"] = "on" if c.get(key) else ""
    return values


def application_form(criteria: Iterable[Mapping[str, Any]]) -> Form:
    return Form(
        "application",
        N_("Score an application"),
        ApplicationIn,
        (
            Field("applicant", N_("Applicant"), required=True),
            Field("initiative_id", N_("Initiative (optional)"), "select", "initiatives"),
            *(
                Field(
                    f"scores.{c['code']}",
                    f"{c['label']} (0–{c['maximum']:g})",
                    "number",
                    required=True,
                    step="any",
                )
                for c in criteria
            ),
        ),
        N_("Score the application"),
        N_("The application has been scored."),
    )


# -- policy studies ----------------------------------------------------------------------

STUDY = Form(
    "study",
    N_("Register a study"),
    StudyIn,
    (
        Field("title", N_("Title"), required=True),
        Field("policy", N_("Policy evaluated"), required=True),
        Field("territory", N_("Territory"), "select", "territory", required=True),
        Field("method", N_("Method"), "select", "study_method", required=True),
    ),
    N_("Register the study"),
    N_("The study has been registered."),
)

STUDY_STATUS = Form(
    "status",
    N_("Change the status"),
    StudyStatusIn,
    (Field("status", N_("New status"), "select", "study_status", required=True),),
    N_("Change the status"),
    N_("The status has been changed."),
)
