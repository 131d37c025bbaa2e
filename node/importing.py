"""Spreadsheet import: alliance members, support structures with their offers, initiatives and
beneficiaries, from a CSV or XLSX file with French headers (DESIGN §1, §8).

1. `read_table` turns a file into rows of text cells keyed by header.
2. `check` (the dry run) validates every row with the JSON API's request schema, then rehearses
   the commands (`NodeApplication.rehearsal`) so the domain's rules are checked too, against the
   node's state and the rows above; every bad row is reported with its line, its column and the
   reason, and nothing is recorded.
3. `apply` runs a clean plan through the API's own route functions, batch after batch
   (`NodeApplication.batch`: each batch is one atomic append), bringing the read models up to
   date after each batch and reporting progress.

Nothing here knows about the web: the regional pages and `drais import` both use this module.
Reasons are the API's English ones with their machine-readable code, for the caller to put in
the operator's language.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from pydantic import BaseModel, ValidationError

from drais import territory
from drais.accounts import ADMIN, User
from drais.vocabulary import (
    ActorType,
    ConsentPurpose,
    Gender,
    Phase,
    Role,
    ServiceType,
    StructureKind,
    Theme,
)
from node.api.deps import Commands
from node.api.impact_schemas import BeneficiaryIn
from node.api.routes import alliance, impact, initiatives, structures
from node.api.schemas import InitiativeIn, MemberIn, OfferIn, StructureIn
from node.bootstrap import Node
from node.domain.errors import DomainError
from node.projections import queries

MAX_ROWS = 50_000
DEFAULT_BATCH = 250
DOMAIN = "domain"
"""The code of a problem the domain's rules found (its reason is the domain's)."""


class Kind(StrEnum):
    MEMBERS = "members"
    STRUCTURES = "structures"
    INITIATIVES = "initiatives"
    BENEFICIARIES = "beneficiaries"


# -- what a file holds -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a template: its French header and the API field it fills."""

    header: str
    field: str
    required: bool = False
    #: the enumeration whose codes (or French labels) it holds; "province" for provinces
    vocabulary: str | None = None
    #: several values in one cell, separated by « ; » or « , »
    many: bool = False
    #: « oui » or « non »
    yes_no: bool = False
    #: a number, where a decimal comma is accepted
    number: bool = False
    #: a date, ISO (2026-03-01) or French (01/03/2026)
    day: bool = False
    help: str = ""


@dataclass(frozen=True)
class Spec:
    kind: Kind
    title: str
    columns: tuple[Column, ...]
    note: str = ""


DATE_HELP = "Date ISO (2026-03-01) ou française (01/03/2026) ; vide : aujourd'hui."
CONSENT_HELP = "Codes ou libellés séparés par « ; » (accompagnement ; enquete_impact ; …)."

SPECS: dict[Kind, Spec] = {
    spec.kind: spec
    for spec in (
        Spec(
            Kind.MEMBERS,
            "Membres de l'alliance",
            (
                Column("Nom", "name", required=True, help="Nom de l'organisation."),
                Column("Type d'acteur", "actor_type", True, "actor_type"),
                Column("Rôle", "role", True, "role"),
                Column("Date d'adhésion", "on", day=True, help=DATE_HELP),
            ),
        ),
        Spec(
            Kind.STRUCTURES,
            "Structures d'appui et offres",
            (
                Column("Structure", "structure.name", required=True, help="Nom de la structure."),
                Column("Nature de la structure", "structure.kind", True, "structure_kind"),
                Column(
                    "Provinces desservies",
                    "structure.provinces",
                    True,
                    "province",
                    many=True,
                    help="Codes (MA-AGD) ou noms, séparés par « ; ».",
                ),
                Column("Date d'enregistrement", "structure.on", day=True, help=DATE_HELP),
                Column("Type de service", "offer.service_type", vocabulary="service_type"),
                Column("Phases", "offer.phases", vocabulary="phase", many=True),
                Column(
                    "Provinces de l'offre",
                    "offer.provinces",
                    vocabulary="province",
                    many=True,
                    help="Vide : les provinces desservies par la structure.",
                ),
                Column("Capacité annuelle", "offer.capacity_per_year", number=True),
                Column("Gratuite", "offer.free", yes_no=True, help="oui ou non ; vide : oui."),
                Column("Date de publication", "offer.on", day=True, help=DATE_HELP),
            ),
            note=(
                "Une ligne par offre : répétez le nom de la structure sur chaque ligne de ses "
                "offres. Une ligne sans type de service enregistre la structure seule. Une "
                "structure déjà enregistrée dans la région (même nom) reçoit les nouvelles offres."
            ),
        ),
        Spec(
            Kind.INITIATIVES,
            "Initiatives",
            (
                Column("Nom de l'initiative", "name", required=True),
                Column("Thématique", "theme", True, "theme"),
                Column("Province", "province", True, "province", help="Code (MA-AGD) ou nom."),
                Column("Phase", "phase", True, "phase"),
                Column("Commune", "commune", help="Gardée dans la région, jamais partagée."),
                Column("Nom complet du porteur", "holder.full_name", required=True),
                Column("Sexe du porteur", "holder.gender", True, "gender", help="F ou M."),
                Column("Année de naissance du porteur", "holder.birth_year", True, number=True),
                Column("CIN du porteur", "holder.cin", help="Par exemple JB123456."),
                Column("Téléphone du porteur", "holder.phone", help="Par exemple +212612345678."),
                Column("E-mail du porteur", "holder.email"),
                Column(
                    "Consentements", "consents", vocabulary="consent", many=True, help=CONSENT_HELP
                ),
                Column("Date d'enregistrement", "on", day=True, help=DATE_HELP),
            ),
        ),
        Spec(
            Kind.BENEFICIARIES,
            "Bénéficiaires",
            (
                Column(
                    "Initiative",
                    "initiative",
                    required=True,
                    help="Nom exact de l'initiative dans la région, ou son identifiant.",
                ),
                Column("Nom complet", "full_name", required=True),
                Column("Sexe", "gender", True, "gender", help="F ou M."),
                Column("Année de naissance", "birth_year", True, number=True),
                Column("CIN", "cin"),
                Column("Téléphone", "phone"),
                Column("E-mail", "email"),
                Column(
                    "Consentements", "consents", vocabulary="consent", many=True, help=CONSENT_HELP
                ),
            ),
        ),
    )
}

#: The enumerations a column may name, with their codes.
ENUMERATIONS: dict[str, type[StrEnum]] = {
    "actor_type": ActorType,
    "role": Role,
    "structure_kind": StructureKind,
    "service_type": ServiceType,
    "phase": Phase,
    "theme": Theme,
    "gender": Gender,
    "consent": ConsentPurpose,
}

#: Labels an operator may write instead of codes: enumeration → {label: code}.
Labels = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Problem:
    """Why a row (or the file) cannot be imported.

    `line` is the spreadsheet's row number (the headers are line 1); `column` the header at
    fault, empty for the row as a whole. `code` is pydantic's error type for what the API's
    schema refuses, `domain` for a domain rule, or `import.*` for the file's own problems;
    `reason` is the English reason and `context` the values a message may quote.
    """

    line: int
    column: str
    reason: str
    code: str
    context: Mapping[str, Any] = field(default_factory=dict)
    #: what the cell holds, as read
    value: str = ""


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX table this module can read."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    #: (line, cells by header) for every row that is not blank
    rows: tuple[tuple[int, dict[str, str]], ...]


# -- reading -----------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case, accents, apostrophes, dashes and underscores ignored: how headers and labels match."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.split(r"[\s_'’\-]+", plain)).strip()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(lines: Iterable[Sequence[Any]]) -> Table:
    rows = iter(lines)
    header_row = next(rows, None)
    if header_row is None:
        raise UnreadableFile("the file is empty", "import.empty_file")
    headers = [_text(h) for h in header_row]
    while headers and not headers[-1]:
        headers.pop()
    found: list[tuple[int, dict[str, str]]] = []
    for line, raw in enumerate(rows, start=2):
        cells = [_text(v) for v in raw]
        if not any(cells):
            continue
        if len(found) >= MAX_ROWS:
            raise UnreadableFile(f"more than {MAX_ROWS} rows", "import.too_many_rows")
        found.append(
            (line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h})
        )
    return Table(tuple(headers), tuple(found))


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def read_csv(content: bytes) -> Table:
    text = _decode(content)
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    return _table(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def read_xlsx(content: bytes) -> Table:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UnreadableFile(f"not an XLSX workbook: {error}", "import.not_xlsx") from error
    try:
        if not book.worksheets:
            raise UnreadableFile("the workbook has no sheet", "import.empty_file")
        return _table(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def read_table(filename: str, content: bytes) -> Table:
    """Rows of a `.csv` or `.xlsx` file, its first sheet for a workbook."""
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "xlsx" or content[:2] == b"PK":
        return read_xlsx(content)
    if suffix in {"csv", "txt", ""}:
        return read_csv(content)
    raise UnreadableFile(f"{filename}: only .csv and .xlsx files are read", "import.format")


# -- templates ---------------------------------------------------------------------------


def _allowed(column: Column, labels: Labels) -> str:
    """The codes a column accepts, each with its French label when the caller gave labels."""
    if column.vocabulary is None or column.vocabulary == "province":
        return ""
    named = {code: label for label, code in labels.get(column.vocabulary, {}).items()}
    return " ; ".join(
        f"{m.value} ({named[m.value]})" if m.value in named else m.value
        for m in ENUMERATIONS[column.vocabulary]
    )


def template_csv(kind: Kind) -> bytes:
    """The headers, UTF-8 with a byte-order mark and « ; » as spreadsheets in French expect."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow([c.header for c in SPECS[kind].columns])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(kind: Kind, labels: Labels | None = None) -> bytes:
    """The headers on the first sheet; the second explains each column and its values."""
    spec = SPECS[kind]
    book = Workbook()
    data = book.active
    assert data is not None
    data.title = spec.title[:31]
    data.append([c.header for c in spec.columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(spec.columns, start=1):
        letter = data.cell(row=1, column=index).column_letter
        data.column_dimensions[letter].width = max(14, len(column.header) + 4)
    data.freeze_panes = "A2"
    guide = book.create_sheet("Aide")
    guide.append(["Colonne", "Obligatoire", "Valeurs", "Précisions"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        guide.append(
            [
                column.header,
                "oui" if column.required else "non",
                _allowed(column, labels or {}),
                column.help,
            ]
        )
    if spec.note:
        guide.append([])
        guide.append([spec.note])
    for letter, width in zip("ABCD", (30, 12, 60, 60), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- from cells to request bodies --------------------------------------------------------


class _Values:
    """Turns cells into the values the API's schemas expect; what it cannot read is passed
    on as written, for the schema to refuse with its own reason."""

    YES: ClassVar[frozenset[str]] = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1", "x"})
    NO: ClassVar[frozenset[str]] = frozenset({"non", "n", "no", "faux", "false", "0"})

    def __init__(self, region: str, labels: Labels) -> None:
        self.words: dict[str, dict[str, str]] = {}
        for context, enum in ENUMERATIONS.items():
            words = {fold(m.value): m.value for m in enum}
            for label, code in labels.get(context, {}).items():
                words.setdefault(fold(label), code)
            self.words[context] = words
        self.provinces: dict[str, str] = {}
        for p in territory.provinces().values():
            self.provinces[fold(p.code)] = p.code
            self.provinces.setdefault(fold(p.name), p.code)
        for p in territory.provinces_of(region):  # the region's own names win
            self.provinces[fold(p.name)] = p.code

    def one(self, column: Column, text: str) -> Any:
        if column.vocabulary == "province":
            return self.provinces.get(fold(text), text)
        if column.vocabulary is not None:
            return self.words[column.vocabulary].get(fold(text), text)
        if column.yes_no:
            word = fold(text)
            return True if word in self.YES else False if word in self.NO else text
        if column.number:
            return text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
        if column.day:
            found = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
            return f"{found[3]}-{int(found[2]):02d}-{int(found[1]):02d}" if found else text
        return text

    def cell(self, column: Column, text: str) -> Any:
        if column.many:
            return [self.one(column, part) for part in re.split(r"[;,]", text) if part.strip()]
        return self.one(column, text)


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        *parents, leaf = dotted.split(".")
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return nested


def _field_path(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc if not isinstance(part, int))


@dataclass(frozen=True)
class Step:
    """One command of a unit, run through the API's route function."""

    line: int
    #: schema or domain field → header, for the errors it may raise
    headers: Mapping[str, str]
    run: Callable[[Commands, dict[str, str]], None]


@dataclass
class Unit:
    """Rows recorded together (a structure and its offers), never split across batches."""

    lines: list[int]
    steps: list[Step] = field(default_factory=list)


@dataclass
class _Rows:
    """What reading a kind's rows gives: units to rehearse, and the rows' own problems."""

    units: list[Unit] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def validate(
        self,
        schema: type[BaseModel],
        line: int,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
    ) -> Any | None:
        try:
            return schema.model_validate(_nest(body))
        except ValidationError as error:
            for detail in error.errors():
                path = _field_path(detail["loc"])
                self.problems.append(
                    Problem(
                        line,
                        headers.get(path, ""),
                        str(detail["msg"]),
                        str(detail["type"]),
                        dict(detail.get("ctx") or {}),
                    )
                )
            return None


def _body(
    spec: Spec, values: _Values, cells: Mapping[str, str], prefix: str = ""
) -> dict[str, Any]:
    """Schema field → value for the row's non-empty cells whose field starts with `prefix`."""
    body: dict[str, Any] = {}
    for column in spec.columns:
        text = cells.get(column.header, "").strip()
        if text and column.field.startswith(prefix):
            body[column.field.removeprefix(prefix)] = values.cell(column, text)
    return body


def _headers(spec: Spec, prefix: str = "", **aliases: str) -> dict[str, str]:
    found = {
        c.field.removeprefix(prefix): c.header for c in spec.columns if c.field.startswith(prefix)
    }
    for alias, schema_field in aliases.items():
        found[alias.replace("__", ".")] = found[schema_field]
    return found


def _simple(
    spec: Spec,
    schema: type[BaseModel],
    route: Callable[[Any, Commands], Any],
    rows: Sequence[tuple[int, dict[str, str]]],
    values: _Values,
    **aliases: str,
) -> _Rows:
    """One command per row."""
    out = _Rows()
    headers = _headers(spec, **aliases)
    for line, cells in rows:
        body = out.validate(schema, line, _body(spec, values, cells), headers)
        if body is not None:
            out.units.append(Unit([line], [Step(line, headers, _call(route, body))]))
    return out


def _call(route: Callable[..., Any], *args: Any) -> Callable[[Commands, dict[str, str]], None]:
    def run(do: Commands, _made: dict[str, str]) -> None:
        route(*args, do)

    return run


def _members(node: Node, rows: Sequence[tuple[int, dict[str, str]]], values: _Values) -> _Rows:
    return _simple(SPECS[Kind.MEMBERS], MemberIn, alliance.join_member, rows, values)


def _initiatives(node: Node, rows: Sequence[tuple[int, dict[str, str]]], values: _Values) -> _Rows:
    return _simple(
        SPECS[Kind.INITIATIVES],
        InitiativeIn,
        initiatives.register_initiative,
        rows,
        values,
        full_name="holder.full_name",
        birth_year="holder.birth_year",
        gender="holder.gender",
    )


def _initiative_ids(node: Node) -> tuple[set[str], dict[str, list[str]]]:
    """Every initiative's id, and ids by folded name."""
    ids: set[str] = set()
    by_name: dict[str, list[str]] = {}
    while True:
        total, page = queries.initiatives(node.stores.read_models, limit=500, offset=len(ids))
        for row in page:
            ids.add(row["id"])
            by_name.setdefault(fold(row["name"]), []).append(row["id"])
        if not page or len(ids) >= total:
            return ids, by_name


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _beneficiaries(
    node: Node, rows: Sequence[tuple[int, dict[str, str]]], values: _Values
) -> _Rows:
    spec = SPECS[Kind.BENEFICIARIES]
    out = _Rows()
    headers = _headers(spec, id="initiative")
    header = headers["initiative"]
    ids, by_name = _initiative_ids(node)
    for line, cells in rows:
        row = _body(spec, values, cells)
        named = str(row.pop("initiative", "")).strip()
        body = out.validate(BeneficiaryIn, line, row, headers)
        initiative_id: str | None = None
        if not named:
            out.problems.append(Problem(line, header, "must not be empty", "missing"))
        elif named in ids or _is_uuid(named):
            initiative_id = named
        else:
            found = by_name.get(fold(named), [])
            if len(found) == 1:
                initiative_id = found[0]
            else:
                code = "import.ambiguous_initiative" if found else "import.unknown_initiative"
                reason = (
                    f"{len(found)} initiatives are named {named!r}; give the id"
                    if found
                    else f"no initiative named {named!r} in the region"
                )
                out.problems.append(Problem(line, header, reason, code, {"name": named}))
        if body is not None and initiative_id is not None:
            step = Step(line, headers, _call(impact.register_beneficiary, initiative_id, body))
            out.units.append(Unit([line], [step]))
    return out


def _structures(node: Node, rows: Sequence[tuple[int, dict[str, str]]], values: _Values) -> _Rows:
    """Rows grouped by structure name: the structure (registered unless the region has it),
    then one offer per row that names one."""
    spec = SPECS[Kind.STRUCTURES]
    name_header = spec.columns[0].header
    out = _Rows()
    structure_headers = _headers(spec, "structure.")
    offer_headers = _headers(spec, "offer.")
    existing: dict[str, list[dict[str, Any]]] = {}
    for s in queries.structures(node.stores.read_models):
        existing.setdefault(fold(s["name"]), []).append(s)
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, cells in rows:
        groups.setdefault(fold(cells.get(name_header, "")), []).append((line, cells))
    for key, group in groups.items():
        first_line, first_cells = group[0]
        if not key:
            for line, _ in group:
                out.problems.append(Problem(line, name_header, "must not be empty", "missing"))
            continue
        unit = Unit([line for line, _ in group])
        structure = _body(spec, values, first_cells, "structure.")
        provinces: Any = structure.get("provinces", [])
        known = existing.get(key, [])
        if len(known) > 1:
            reason = f"{len(known)} structures of the region have this name"
            context = {"name": known[0]["name"], "count": len(known)}
            out.problems.append(
                Problem(first_line, name_header, reason, "import.ambiguous_structure", context)
            )
        elif known:
            provinces = list(known[0]["provinces"])
            unit.steps.append(Step(first_line, structure_headers, _use(known[0]["id"])))
        else:
            checked = out.validate(StructureIn, first_line, structure, structure_headers)
            if checked is not None:
                unit.steps.append(Step(first_line, structure_headers, _register(checked)))
            for line, cells in group[1:]:
                again = _body(spec, values, cells, "structure.")
                for name in ("kind", "provinces"):
                    if name in again and again[name] != structure.get(name):
                        out.problems.append(
                            Problem(
                                line,
                                structure_headers[name],
                                f"differs from line {first_line}, where the structure is "
                                "first named",
                                "import.structure_differs",
                                {"line": first_line},
                            )
                        )
        for line, cells in group:
            offer = _body(spec, values, cells, "offer.")
            if not offer:
                continue
            headers = dict(offer_headers)
            if "provinces" not in offer:
                offer["provinces"] = provinces
                headers["provinces"] = structure_headers["provinces"]
            offer.setdefault("free", True)
            checked_offer = out.validate(OfferIn, line, offer, headers)
            if checked_offer is not None:
                unit.steps.append(Step(line, headers, _publish(checked_offer)))
        if unit.steps and unit.steps[0].line == first_line:
            out.units.append(unit)
    return out


def _use(structure_id: str) -> Callable[[Commands, dict[str, str]], None]:
    def run(_do: Commands, made: dict[str, str]) -> None:
        made["structure"] = structure_id

    return run


def _register(body: StructureIn) -> Callable[[Commands, dict[str, str]], None]:
    def run(do: Commands, made: dict[str, str]) -> None:
        made["structure"] = structures.register_structure(body, do).id

    return run


def _publish(body: OfferIn) -> Callable[[Commands, dict[str, str]], None]:
    def run(do: Commands, made: dict[str, str]) -> None:
        structures.publish_offer(made["structure"], body, do)

    return run


READERS: dict[Kind, Callable[[Node, Sequence[tuple[int, dict[str, str]]], _Values], _Rows]] = {
    Kind.MEMBERS: _members,
    Kind.STRUCTURES: _structures,
    Kind.INITIATIVES: _initiatives,
    Kind.BENEFICIARIES: _beneficiaries,
}


# -- the dry run and the import ----------------------------------------------------------


class _Recorder(Commands):
    """Runs the API's use cases without bringing the read models up to date after each one:
    an import does that once per batch."""

    def __call__(self, use_case: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.run(use_case, *args, **kwargs)


@dataclass
class Plan:
    """A checked file: what it would record, or every reason it cannot be imported."""

    kind: Kind
    table: Table
    labels: Labels
    units: list[Unit]
    problems: list[Problem]
    #: the log's position when the file was checked
    position: int

    @property
    def rows(self) -> int:
        return len(self.table.rows)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.units)

    @property
    def commands(self) -> int:
        return sum(len(u.steps) for u in self.units)

    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})


def _header_problems(spec: Spec, headers: Sequence[str]) -> list[Problem]:
    known = {fold(c.header): c for c in spec.columns}
    problems: list[Problem] = []
    seen: set[str] = set()
    for header in headers:
        key = fold(header)
        if not key:
            continue
        if key in seen:
            problems.append(
                Problem(1, header, "the column appears twice", "import.duplicate_column")
            )
        elif key not in known:
            problems.append(
                Problem(1, header, "this column is not in the template", "import.unknown_column")
            )
        seen.add(key)
    for column in spec.columns:
        if column.required and fold(column.header) not in seen:
            problems.append(
                Problem(1, column.header, "a required column is missing", "import.missing_column")
            )
    return problems


def _canonical(spec: Spec, table: Table) -> Table:
    """Cells keyed by the template's own headers, whatever their case or accents in the file."""
    by_fold = {fold(c.header): c.header for c in spec.columns}
    rename = {h: by_fold.get(fold(h), h) for h in table.headers}
    return Table(
        tuple(rename[h] for h in table.headers),
        tuple(
            (line, {rename.get(h, h): v for h, v in cells.items()}) for line, cells in table.rows
        ),
    )


def _domain_problem(step: Step, error: DomainError) -> Problem:
    name = error.field or ""
    header = step.headers.get(name) or step.headers.get(name.split(".")[0], "")
    return Problem(step.line, header, error.reason, DOMAIN)


def _log_position(node: Node) -> int:
    return node.app.recorder.max_notification_id() or 0


def check(node: Node, kind: Kind | str, table: Table, labels: Labels | None = None) -> Plan:
    """The dry run: every problem of every row, and nothing recorded."""
    kind = Kind(kind)
    spec = SPECS[kind]
    labels = labels or {}
    position = _log_position(node)
    problems = _header_problems(spec, table.headers)
    table = _canonical(spec, table)
    if any(p.code == "import.missing_column" for p in problems):
        return Plan(kind, table, labels, [], problems, position)
    if not table.rows:
        problems.append(Problem(1, "", "the file has no row to import", "import.no_rows"))
        return Plan(kind, table, labels, [], problems, position)
    read = READERS[kind](node, table.rows, _Values(node.settings.region, labels))
    problems.extend(read.problems)
    do = _Recorder(node, User("import", ADMIN))  # a rehearsal; `apply` checks the real user
    with node.app.rehearsal():
        for unit in read.units:
            made: dict[str, str] = {}
            for index, step in enumerate(unit.steps):
                try:
                    step.run(do, made)
                except DomainError as error:
                    problems.append(_domain_problem(step, error))
                    if index == 0:  # the record the others hang on
                        break
    cells = dict(table.rows)
    unique = {
        (p.line, p.column, p.code, p.reason): replace(
            p, value=cells.get(p.line, {}).get(p.column, "") if p.line > 1 else ""
        )
        for p in problems
    }
    ordered = sorted(unique.values(), key=lambda p: p.line)
    return Plan(kind, table, labels, read.units, ordered, position)


class ImportRefused(Exception):
    """The file has problems; nothing was recorded."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was recorded")
        self.problems = list(problems)


class ImportInterrupted(Exception):
    """A batch was refused while the import ran (the node's state changed meanwhile): the
    batches before it are recorded, that batch and the ones after are not."""

    def __init__(self, applied_rows: int, problem: Problem) -> None:
        super().__init__(
            f"stopped at line {problem.line} ({problem.reason}); {applied_rows} row(s) recorded"
        )
        self.applied_rows = applied_rows
        self.problem = problem


@dataclass(frozen=True)
class Applied:
    rows: int
    commands: int
    batches: int


Progress = Callable[[int, int], None]
"""Called after each batch with (rows recorded so far, rows in all)."""


def batches(units: Sequence[Unit], size: int) -> Iterator[list[Unit]]:
    """Consecutive units holding about `size` rows each (a unit is never split)."""
    current: list[Unit] = []
    rows = 0
    for unit in units:
        current.append(unit)
        rows += len(unit.lines)
        if rows >= size:
            yield current
            current, rows = [], 0
    if current:
        yield current


def apply(
    node: Node,
    plan: Plan,
    user: User,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> Applied:
    """Record a checked file in batches, as `user`, through the API's route functions.

    Refused (ImportRefused) when the file has problems. When the log has moved since the
    dry run, the file is checked again first, so what is applied is what was checked.
    """
    if _log_position(node) != plan.position:
        plan = check(node, plan.kind, plan.table, plan.labels)
    if not plan.ok:
        raise ImportRefused(plan.problems)
    do = _Recorder(node, user)
    total = plan.rows
    done = commands = count = 0
    for batch in batches(plan.units, max(1, batch_size)):
        step: Step | None = None
        try:
            with node.app.batch():
                for unit in batch:
                    made: dict[str, str] = {}
                    for step in unit.steps:
                        step.run(do, made)
        except DomainError as error:
            assert step is not None
            raise ImportInterrupted(done, _domain_problem(step, error)) from error
        finally:
            node.projector.catch_up()
        node.forwarder.poke()
        count += 1
        done += sum(len(u.lines) for u in batch)
        commands += sum(len(u.steps) for u in batch)
        if progress is not None:
            progress(done, total)
    return Applied(rows=done, commands=commands, batches=count)
