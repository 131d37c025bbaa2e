"""Indicator catalogue as code: the national core catalogue and regional additions (DESIGN §4, §6).

The national core lives in ``catalogue_data/core/*.toml`` (one file per theme, each an array of
``[[indicator]]`` tables) and its version in ``catalogue_data/catalogue.toml``. Every entry is
validated on load; a file with a bad entry is refused with the file, the entry's code and the
field in the error.

Codes are namespaced. The core uses ``CORE.<ID>`` — the national dashboard indicators are
exactly ``CORE.D1`` … ``CORE.D5``, ``CORE.B1`` … ``CORE.B3`` and ``CORE.T1`` … ``CORE.T3``,
their detailed parts ``CORE.D2.QUALITY`` and the like, and outcome indicators
``CORE.EMP.JOBS_CREATED`` and the like. A region adds entries only under its own code
(``MA-09.<ID>``); it can never redefine a core entry, write in another region's namespace or
replace an entry already present: each of those is a :class:`CatalogueError` with the field and
the reason, never a silent override.

Typical use::

    catalogue = load_core()
    catalogue.get("CORE.D4").unit                      # Unit.PERCENT
    regional = catalogue.with_regional("MA-09", load_regional_file("MA-09", path))
    regional.search("region")                          # accent-insensitive: finds « région »
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from drais.vocabulary import Direction, Disaggregation, Source, Unit
from node.toolbox.errors import ToolboxError

__all__ = [
    "CATALOGUE_VERSION",
    "CORE_NAMESPACE",
    "NATIONAL_INDICATORS",
    "Catalogue",
    "CatalogueError",
    "Direction",
    "Disaggregation",
    "Indicator",
    "Source",
    "Unit",
    "fold_text",
    "load_core",
    "load_core_from",
    "load_regional_file",
]


class CatalogueError(ToolboxError):
    """A catalogue entry or file the catalogue cannot accept.

    `field` and `reason` describe the first problem (``"emploi_revenu.toml[CORE.EMP.X].unit"``,
    ``"'euros' is not allowed; …"``); `problems` lists every problem found as (field, reason)
    pairs, so the author of a file can fix them all at once.
    """

    def __init__(self, field: str, reason: str, problems: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(field, reason)
        self.problems: tuple[tuple[str, str], ...] = tuple(problems) or ((field, reason),)
        if len(self.problems) > 1:
            self.args = ("; ".join(f"{f}: {r}" for f, r in self.problems),)

    @classmethod
    def of(cls, problems: Sequence[tuple[str, str]]) -> CatalogueError:
        field, reason = problems[0]
        return cls(field, reason, problems)


CORE_NAMESPACE = "CORE"
NATIONAL_SOURCES = frozenset({Source.DRAIS, Source.BO, Source.CORE})

NATIONAL_INDICATORS: Mapping[str, Source] = {
    "D1": Source.DRAIS,
    "D2": Source.DRAIS,
    "D3": Source.DRAIS,
    "D4": Source.DRAIS,
    "D5": Source.DRAIS,
    "B1": Source.BO,
    "B2": Source.BO,
    "B3": Source.BO,
    "T1": Source.DRAIS,
    "T2": Source.DRAIS,
    "T3": Source.DRAIS,
}
"""The national dashboard indicators (DESIGN §6): the core must hold ``CORE.<id>`` for each."""

REGION_RE = re.compile(r"MA-(?:0[1-9]|1[0-2])")
CODE_RE = re.compile(r"(?P<namespace>CORE|MA-\d{2})(?:\.[A-Z0-9][A-Z0-9_]*){1,3}")
IRIS_PLUS_RE = re.compile(r"(?:PI|OI|PD|OD|FP)\d{4}")
SDG_TARGET_RE = re.compile(r"(?P<goal>\d{1,2})\.[0-9a-z]{1,2}")
VERSION_RE = re.compile(r"\d{4}\.\d{1,3}")
MAX_CODE_LENGTH = 64


class Indicator(BaseModel):
    """One catalogue entry. Labels, definitions and calculations are written in French."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    code: str
    label: str = Field(min_length=3, max_length=120)
    definition: str = Field(min_length=10)
    unit: Unit
    direction: Direction
    calculation: str = Field(min_length=5)
    disaggregations: tuple[Disaggregation, ...] = ()
    iris_plus: str | None = None
    """IRIS+ metric id, e.g. ``PI4060`` (Client Individuals: Total)."""
    sdg: str | None = None
    """Sustainable Development Goal target, e.g. ``8.5``."""
    source: Source | None = None

    @field_validator("code")
    @classmethod
    def _check_code(cls, value: str) -> str:
        match = CODE_RE.fullmatch(value)
        if match is None or len(value) > MAX_CODE_LENGTH:
            raise ValueError(
                f"{value!r} is not a catalogue code: expected CORE.<ID> or <region>.<ID> "
                "(e.g. CORE.EMP.JOBS_CREATED, MA-09.IRRIGATION), upper-case letters, digits "
                f"and underscores, at most {MAX_CODE_LENGTH} characters"
            )
        namespace = match["namespace"]
        if namespace != CORE_NAMESPACE and REGION_RE.fullmatch(namespace) is None:
            raise ValueError(f"{namespace} is not a region code (MA-01 … MA-12)")
        return value

    @field_validator("iris_plus")
    @classmethod
    def _check_iris_plus(cls, value: str | None) -> str | None:
        if value is not None and IRIS_PLUS_RE.fullmatch(value) is None:
            raise ValueError(
                f"{value!r} is not an IRIS+ metric id: expected PI, OI, PD, OD or FP "
                "followed by four digits, e.g. PI4060"
            )
        return value

    @field_validator("sdg")
    @classmethod
    def _check_sdg(cls, value: str | None) -> str | None:
        if value is None:
            return value
        match = SDG_TARGET_RE.fullmatch(value)
        if match is None or not 1 <= int(match["goal"]) <= 17:
            raise ValueError(
                f"{value!r} is not an SDG target: expected <goal 1–17>.<target>, e.g. 8.5 or 1.a"
            )
        return value

    @field_validator("disaggregations")
    @classmethod
    def _check_disaggregations(
        cls, value: tuple[Disaggregation, ...]
    ) -> tuple[Disaggregation, ...]:
        repeated = sorted({d.value for d in value if value.count(d) > 1})
        if repeated:
            raise ValueError(f"repeated breakdown: {', '.join(repeated)}")
        return value

    @property
    def namespace(self) -> str:
        """``CORE`` for a national entry, the region code (``MA-09``) for a regional one."""
        return self.code.split(".", 1)[0]

    @property
    def is_core(self) -> bool:
        return self.namespace == CORE_NAMESPACE


Problem = tuple[str, str]

_ENUM_FIELDS: Mapping[str, type[StrEnum]] = {
    "unit": Unit,
    "direction": Direction,
    "disaggregations": Disaggregation,
    "source": Source,
}


def _reason(error: ErrorDetails) -> str:
    """A plain reason for one pydantic error, naming the allowed values where there are some."""
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return f"unknown field; allowed fields: {', '.join(Indicator.model_fields)}"
    if kind == "enum" and error["loc"]:
        enum = _ENUM_FIELDS.get(str(error["loc"][0]))
        if enum is not None:
            allowed = ", ".join(member.value for member in enum)
            return f"{value!r} is not allowed; expected one of: {allowed}"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind == "string_type":
        return f"text is required, got {value!r}"
    if kind == "string_too_short":
        return f"is too short (at least {error.get('ctx', {}).get('min_length')} characters)"
    if kind in {"tuple_type", "list_type"}:
        return f"a list is required, got {value!r}"
    return error["msg"]


def _validate_entry(raw: object, prefix: str) -> tuple[Indicator | None, list[Problem]]:
    if isinstance(raw, Indicator):
        return raw, []
    if not isinstance(raw, Mapping):
        return None, [(prefix, f"an indicator table is required, got {raw!r}")]
    try:
        return Indicator.model_validate(dict(raw)), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = ".".join(str(part) for part in error["loc"])
            problems.append((f"{prefix}.{loc}" if loc else prefix, _reason(error)))
        return None, problems


def _file_prefix(file_name: str, index: int, raw: object) -> str:
    """``drais.toml[CORE.D1]``, or ``drais.toml[#3]`` for an entry without a usable code."""
    code = raw.get("code") if isinstance(raw, Mapping) else None
    ident = code.strip() if isinstance(code, str) and code.strip() else f"#{index + 1}"
    return f"{file_name}[{ident}]"


def _read_entries(text: str, file_name: str) -> list[Any]:
    """The raw ``[[indicator]]`` tables of one catalogue file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(file_name, f"not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"indicator"})
    if unknown:
        raise CatalogueError(
            f"{file_name}.{unknown[0]}",
            "unknown top-level key; a catalogue file holds only [[indicator]] tables",
        )
    entries = data.get("indicator")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(file_name, "holds no [[indicator]] entry")
    return entries


def _check_core_entry(indicator: Indicator, prefix: str) -> list[Problem]:
    problems: list[Problem] = []
    if not indicator.is_core:
        problems.append(
            (
                f"{prefix}.code",
                f"the national catalogue holds only {CORE_NAMESPACE}.* codes; "
                f"{indicator.code} belongs in a regional file",
            )
        )
    if indicator.source is Source.REGION:
        problems.append((f"{prefix}.source", "'region' is reserved for regional entries"))
    national_id = indicator.code.removeprefix(f"{CORE_NAMESPACE}.")
    expected = NATIONAL_INDICATORS.get(national_id)
    if expected is not None and indicator.source is not expected:
        problems.append(
            (
                f"{prefix}.source",
                f"national indicator {national_id} comes from {expected.value}, "
                f"not {indicator.source}",
            )
        )
    return problems


def _require_region(region_code: object) -> str:
    if not isinstance(region_code, str) or REGION_RE.fullmatch(region_code) is None:
        raise CatalogueError("region", f"{region_code!r} is not a region code (MA-01 … MA-12)")
    return region_code


def _check_regional_entry(
    region: str, indicator: Indicator, prefix: str
) -> tuple[Indicator, list[Problem]]:
    """The entry marked as regional, and why it may not be added to `region`'s namespace."""
    problems: list[Problem] = []
    if indicator.is_core:
        problems.append(
            (
                f"{prefix}.code",
                f"{indicator.code} belongs to the national core catalogue, which a region can "
                f"neither override nor extend; use a code of its own namespace ({region}.<ID>)",
            )
        )
    elif indicator.namespace != region:
        problems.append(
            (
                f"{prefix}.code",
                f"{indicator.code} is in the namespace of {indicator.namespace}; "
                f"{region} may only add codes starting with {region}.",
            )
        )
    if indicator.source is not None and indicator.source in NATIONAL_SOURCES:
        problems.append(
            (
                f"{prefix}.source",
                f"{indicator.source.value!r} is reserved for the national core; "
                "leave it out or use 'region'",
            )
        )
    if indicator.source is not Source.REGION:
        indicator = indicator.model_copy(update={"source": Source.REGION})
    return indicator, problems


def _read_regional(
    region: str, raw_entries: Iterable[object], prefix_of: Callable[[int, object], str]
) -> tuple[list[tuple[str, Indicator]], list[Problem]]:
    """Valid regional entries with their field prefix, and every problem found."""
    accepted: list[tuple[str, Indicator]] = []
    problems: list[Problem] = []
    first_at: dict[str, str] = {}
    for index, raw in enumerate(raw_entries):
        prefix = prefix_of(index, raw)
        indicator, entry_problems = _validate_entry(raw, prefix)
        problems.extend(entry_problems)
        if indicator is None:
            continue
        indicator, entry_problems = _check_regional_entry(region, indicator, prefix)
        problems.extend(entry_problems)
        if indicator.code in first_at:
            problems.append(
                (
                    f"{prefix}.code",
                    f"{indicator.code} is already given by {first_at[indicator.code]}",
                )
            )
            continue
        first_at[indicator.code] = prefix
        if not entry_problems:
            accepted.append((prefix, indicator))
    return accepted, problems


def fold_text(text: str) -> str:
    """Lower-case, accent-free, single-spaced text for searching (« Région » → ``region``)."""
    text = text.replace("’", "'").replace("œ", "oe").replace("Œ", "OE")
    text = text.replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


class Catalogue:
    """An immutable, ordered set of indicators with unique codes."""

    __slots__ = ("_entries", "_folded", "_version")

    def __init__(self, entries: Iterable[Indicator], *, version: str | None = None) -> None:
        by_code: dict[str, Indicator] = {}
        for index, indicator in enumerate(entries):
            if not isinstance(indicator, Indicator):
                raise CatalogueError(f"entries.{index}", "an Indicator is required")
            if indicator.code in by_code:
                raise CatalogueError(
                    f"entries.{index}.code",
                    f"{indicator.code} is already in the catalogue; an entry is never replaced",
                )
            by_code[indicator.code] = indicator
        self._entries: Mapping[str, Indicator] = by_code
        self._folded: Mapping[str, tuple[str, str]] = {
            code: (fold_text(i.label), fold_text(f"{i.definition} {i.code}"))
            for code, i in by_code.items()
        }
        self._version = CATALOGUE_VERSION if version is None else version

    @property
    def version(self) -> str:
        return self._version

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._entries)

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions that added entries, sorted."""
        return tuple(sorted({i.namespace for i in self if not i.is_core}))

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self._entries.values())

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._entries

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Catalogue):
            return NotImplemented
        return self._version == other._version and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Catalogue(version={self._version!r}, entries={len(self)})"

    def get(self, code: str) -> Indicator:
        """The entry with this code; an unknown code is a :class:`CatalogueError` on ``code``."""
        try:
            return self._entries[code]
        except (KeyError, TypeError):
            raise CatalogueError("code", f"unknown indicator {code!r}") from None

    __getitem__ = get

    def by_source(self, source: Source | str) -> tuple[Indicator, ...]:
        """Entries from one source (``"DRAIS"``, ``"BO"``, ``"core"``, ``"region"``)."""
        try:
            wanted = Source(source)
        except ValueError:
            allowed = ", ".join(s.value for s in Source)
            raise CatalogueError(
                "source", f"{source!r} is not a source; expected one of: {allowed}"
            ) from None
        return tuple(i for i in self if i.source is wanted)

    def by_namespace(self, namespace: str) -> tuple[Indicator, ...]:
        """Entries of ``CORE`` or of one region (``MA-09``)."""
        return tuple(i for i in self if i.namespace == namespace)

    def search(self, text: str) -> tuple[Indicator, ...]:
        """Entries whose label, definition or code contain every word of `text`.

        Case- and accent-insensitive (``"region"`` finds « région »); entries matching on the
        label come first, each group in catalogue order. An empty query returns everything.
        """
        words = fold_text(text).split()
        on_label: list[Indicator] = []
        elsewhere: list[Indicator] = []
        for indicator in self:
            label, rest = self._folded[indicator.code]
            if all(word in label for word in words):
                on_label.append(indicator)
            elif all(word in label or word in rest for word in words):
                elsewhere.append(indicator)
        return (*on_label, *elsewhere)

    def with_regional(
        self, region_code: str, entries: Iterable[Indicator | Mapping[str, Any]]
    ) -> Catalogue:
        """A new catalogue with `region_code`'s own entries added; this one is unchanged.

        Every entry must be valid and coded ``<region_code>.<ID>``. A core code, another
        region's namespace, a national source or a code already present is refused with a
        :class:`CatalogueError` naming ``entries.<n>.<field>`` and the reason; nothing is added
        unless every entry is accepted.
        """
        region = _require_region(region_code)
        accepted, problems = _read_regional(region, entries, lambda index, _: f"entries.{index}")
        for prefix, indicator in accepted:
            if indicator.code in self._entries:
                problems.append(
                    (
                        f"{prefix}.code",
                        f"{indicator.code} is already in the catalogue; "
                        "an entry is never replaced silently",
                    )
                )
        if problems:
            raise CatalogueError.of(problems)
        return Catalogue([*self, *(i for _, i in accepted)], version=self._version)


def _read_version(root: Traversable) -> str:
    meta = root / "catalogue.toml"
    try:
        data = tomllib.loads(meta.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError("catalogue.toml", f"cannot be read: {exc}") from exc
    version = data.get("version")
    if not isinstance(version, str) or VERSION_RE.fullmatch(version) is None:
        raise CatalogueError(
            "catalogue.toml.version", f"{version!r} is not a version like '2026.1'"
        )
    return version


def _data_root() -> Traversable:
    return files("node.toolbox") / "catalogue_data"


CATALOGUE_VERSION: str = _read_version(_data_root())
"""Version of the national core catalogue (``catalogue_data/catalogue.toml``)."""


def load_core_from(directory: Traversable | Path, *, version: str | None = None) -> Catalogue:
    """Read and validate every ``*.toml`` file of `directory` as the national core catalogue.

    Refuses, listing every problem: unreadable TOML, invalid entries (field named as
    ``<file>[<code>].<field>``), codes outside ``CORE.``, a code defined twice (in one file or
    across files), and a missing national indicator ``CORE.D1`` … ``CORE.T3``.
    """
    catalogue_files = sorted(
        (
            entry
            for entry in directory.iterdir()
            if entry.is_file() and entry.name.endswith(".toml")
        ),
        key=lambda entry: entry.name,
    )
    if not catalogue_files:
        raise CatalogueError(directory.name, "holds no catalogue file (*.toml)")
    problems: list[Problem] = []
    accepted: list[Indicator] = []
    defined_in: dict[str, str] = {}
    for catalogue_file in catalogue_files:
        name = catalogue_file.name
        try:
            raw_entries = _read_entries(catalogue_file.read_text(encoding="utf-8"), name)
        except CatalogueError as exc:
            problems.extend(exc.problems)
            continue
        for index, raw in enumerate(raw_entries):
            prefix = _file_prefix(name, index, raw)
            if isinstance(raw, dict) and "source" not in raw:
                raw = {**raw, "source": Source.CORE.value}
            indicator, entry_problems = _validate_entry(raw, prefix)
            if indicator is not None:
                entry_problems.extend(_check_core_entry(indicator, prefix))
                if indicator.code in defined_in:
                    entry_problems.append(
                        (
                            f"{prefix}.code",
                            f"{indicator.code} is defined twice: "
                            f"in {defined_in[indicator.code]} and in {name}",
                        )
                    )
                else:
                    defined_in[indicator.code] = name
            problems.extend(entry_problems)
            if indicator is not None and not entry_problems:
                accepted.append(indicator)
    for national_id, source in NATIONAL_INDICATORS.items():
        code = f"{CORE_NAMESPACE}.{national_id}"
        if code not in defined_in:
            problems.append(
                (directory.name, f"national indicator {code} ({source.value}) is missing")
            )
    if problems:
        raise CatalogueError.of(problems)
    return Catalogue(accepted, version=version)


@cache
def load_core() -> Catalogue:
    """The national core catalogue shipped with the package (read and validated once)."""
    return load_core_from(_data_root() / "core", version=CATALOGUE_VERSION)


def load_regional_file(region_code: str, path: str | Path) -> tuple[Indicator, ...]:
    """Validated entries of a regional catalogue file (same ``[[indicator]]`` shape as the core).

    Entries must be coded ``<region_code>.<ID>``; they are marked ``source = "region"``. Pass
    them to :meth:`Catalogue.with_regional`, which also refuses codes already present.
    """
    region = _require_region(region_code)
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError("path", f"cannot read {file_path}: {exc}") from exc
    raw_entries = _read_entries(text, file_path.name)
    accepted, problems = _read_regional(
        region, raw_entries, lambda index, raw: _file_prefix(file_path.name, index, raw)
    )
    if problems:
        raise CatalogueError.of(problems)
    return tuple(indicator for _, indicator in accepted)
