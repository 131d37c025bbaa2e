"""Alkire–Foster counting method and the versioned deprivation schemes that feed it.

A scheme (indicators, cutoffs, weights, k) is data in ``schemes/<id>.toml`` so a new version can
be published without code, and past surveys keep being scored with the version they were
collected under.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Literal, cast, get_args

from node.toolbox.errors import ToolboxError, require_finite

EPSILON = 1e-9
"""Tolerance for comparing sums of float weights (``1/3`` is not exact in binary)."""

AnswerType = Literal["boolean", "integer", "number"]
Answer = bool | int | float


@dataclass(frozen=True)
class AlkireFosterResult:
    """Per-person scores and the group's adjusted headcount ratio M0 = H × A.

    `censored_headcounts[j]` is the share of all persons who are poor AND deprived in indicator
    j; `contributions[j]` is indicator j's share of M0 (fractions summing to 1, all 0 when
    nobody is poor). `weights` are the normalised weights actually used.
    """

    scores: tuple[float, ...]
    poor: tuple[bool, ...]
    H: float
    A: float
    M0: float
    censored_headcounts: tuple[float, ...]
    contributions: tuple[float, ...]
    weights: tuple[float, ...]
    k: float


def alkire_foster(
    achievements: Sequence[Sequence[float | None]],
    cutoffs: Sequence[float],
    k: float,
    weights: Sequence[float] | None = None,
) -> AlkireFosterResult:
    """Score every person and the group (Alkire & Foster 2011, dual cutoff).

    A person is deprived in an indicator when the value is strictly below its cutoff, and poor
    when the weighted share of deprivations c_i reaches k. Without weights every indicator
    counts the same, so c_i is the share of indicators deprived.
    """
    cutoffs = _finite_list(cutoffs, "cutoffs")
    if not cutoffs:
        raise ToolboxError("cutoffs", "at least one indicator is needed")
    rows = _matrix(achievements, len(cutoffs))
    relative = _weights(weights, len(cutoffs))
    k = _share(k, "k")
    total = math.fsum(relative)
    deprived = [
        [value < cutoff for value, cutoff in zip(row, cutoffs, strict=True)] for row in rows
    ]
    # fsum of a subset never exceeds fsum of the whole, so scores stay within [0, 1].
    scores = [
        math.fsum(w for w, d in zip(relative, row, strict=True) if d) / total for row in deprived
    ]
    poor = [score >= k - EPSILON for score in scores]
    n, q = len(rows), sum(poor)
    headcount = q / n
    intensity = math.fsum(s for s, p in zip(scores, poor, strict=True) if p) / q if q else 0.0
    m0 = headcount * intensity
    censored = [
        sum(1 for row, p in zip(deprived, poor, strict=True) if p and row[j]) / n
        for j in range(len(cutoffs))
    ]
    normalised = [w / total for w in relative]
    contributions = [
        w * h / m0 if m0 > 0 else 0.0 for w, h in zip(normalised, censored, strict=True)
    ]
    return AlkireFosterResult(
        scores=tuple(scores),
        poor=tuple(poor),
        H=headcount,
        A=intensity,
        M0=m0,
        censored_headcounts=tuple(censored),
        contributions=tuple(contributions),
        weights=tuple(normalised),
        k=k,
    )


def _finite_list(values: Sequence[object], field: str) -> list[float]:
    return [require_finite(value, f"{field}.{j}") for j, value in enumerate(values)]


def _matrix(achievements: Sequence[Sequence[float | None]], width: int) -> list[list[float]]:
    if not achievements:
        raise ToolboxError("achievements", "at least one person is needed")
    rows = []
    for i, row in enumerate(achievements):
        if len(row) != width:
            raise ToolboxError(
                f"achievements.{i}",
                f"person {i} has {len(row)} values but there are {width} cutoffs",
            )
        for j, value in enumerate(row):
            if value is None:
                raise ToolboxError(
                    f"achievements.{i}.{j}",
                    f"missing value for person {i}, indicator {j}: the counting method needs "
                    "every achievement (impute or drop the person first)",
                )
        rows.append(_finite_list(row, f"achievements.{i}"))
    return rows


def _weights(weights: Sequence[float] | None, width: int) -> list[float]:
    """Relative weights; equal ones are kept as 1.0 so equal-weight scores are exact shares."""
    if weights is None:
        return [1.0] * width
    if len(weights) != width:
        raise ToolboxError("weights", f"{len(weights)} weights given for {width} indicators")
    values = _finite_list(weights, "weights")
    for j, value in enumerate(values):
        if value <= 0:
            raise ToolboxError(f"weights.{j}", f"weights must be positive, got {value}")
    total = math.fsum(values)
    if abs(total - 1.0) > EPSILON:
        raise ToolboxError("weights", f"weights must sum to 1, they sum to {total:.12g}")
    return values


def _share(k: object, field: str) -> float:
    value = require_finite(k, field)
    if not 0 < value <= 1:
        raise ToolboxError(field, f"the poverty cutoff k is a share in (0, 1], got {value}")
    return value


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str


@dataclass(frozen=True)
class SchemeIndicator:
    """One survey question and how its answer turns into a deprivation.

    Answers are oriented so that more is better: a boolean answer is 1 for "oui" and 0 for
    "non", and the household is deprived when the answer is strictly below `cutoff`.
    """

    code: str
    label: str
    dimension: str
    question: str
    answer: AnswerType
    minimum: float
    maximum: float
    cutoff: float
    weight: float
    unit: str = ""

    def value(self, answer: object, field: str) -> float:
        """Check one answer against the indicator's type and range."""
        if self.answer == "boolean":
            if isinstance(answer, bool | int | float) and answer in (0, 1):
                return float(answer)
            raise ToolboxError(field, f"{self.code}: answer oui/non (true/false), got {answer!r}")
        value = require_finite(answer, field)
        if self.answer == "integer" and not value.is_integer():
            raise ToolboxError(field, f"{self.code}: a whole number is expected, got {answer!r}")
        if not self.minimum <= value <= self.maximum:
            raise ToolboxError(
                field,
                f"{self.code}: {value:g} is outside the allowed range "
                f"[{self.minimum:g}, {self.maximum:g}]",
            )
        return value


@dataclass(frozen=True)
class SchemeScore:
    score: float
    poor: bool
    deprived: tuple[str, ...]


@dataclass(frozen=True)
class Scheme:
    """A versioned deprivation scheme: indicators, cutoffs, weights and the poverty cutoff k."""

    id: str
    version: int
    label: str
    k: float
    dimensions: tuple[Dimension, ...]
    indicators: tuple[SchemeIndicator, ...]
    description: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Scheme:
        """Build and validate a scheme from its TOML form."""
        dimensions = tuple(
            Dimension(
                code=_text(d, "code", f"dimensions.{i}"), label=_text(d, "label", f"dimensions.{i}")
            )
            for i, d in enumerate(_tables(data, "dimensions"))
        )
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ToolboxError("version", f"a positive integer is required, got {version!r}")
        scheme = cls(
            id=_text(data, "id", ""),
            version=version,
            label=_text(data, "label", ""),
            k=_share(data.get("k"), "k"),
            dimensions=dimensions,
            indicators=tuple(
                _indicator(table, f"indicators.{i}")
                for i, table in enumerate(_tables(data, "indicators"))
            ),
            description=str(data.get("description", "")),
        )
        scheme._check()
        return scheme

    def _check(self) -> None:
        dimension_codes = [d.code for d in self.dimensions]
        _unique(dimension_codes, "dimensions")
        _unique([ind.code for ind in self.indicators], "indicators")
        for i, ind in enumerate(self.indicators):
            if ind.dimension not in dimension_codes:
                raise ToolboxError(
                    f"indicators.{i}.dimension", f"{ind.code}: unknown dimension {ind.dimension!r}"
                )
        total = math.fsum(ind.weight for ind in self.indicators)
        if abs(total - 1.0) > EPSILON:
            raise ToolboxError(
                "indicators", f"indicator weights must sum to 1, they sum to {total:.12g}"
            )

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(ind.code for ind in self.indicators)

    def achievements(self, answers: Mapping[str, Answer], field_prefix: str = "") -> list[float]:
        """One household's answers as an achievement row, every answer checked."""
        unknown = sorted(set(answers) - set(self.codes))
        if unknown:
            raise ToolboxError(
                field_prefix + unknown[0],
                f"unknown indicator(s) {', '.join(unknown)} for scheme {self.id}",
            )
        missing = [code for code in self.codes if code not in answers]
        if missing:
            raise ToolboxError(
                field_prefix + missing[0],
                f"no answer for {', '.join(missing)}; scheme {self.id} needs every indicator",
            )
        return [ind.value(answers[ind.code], field_prefix + ind.code) for ind in self.indicators]

    def measure(self, households: Sequence[Mapping[str, Answer]]) -> AlkireFosterResult:
        """Score a group of households with this scheme's cutoffs, weights and k."""
        return self._counting(
            [self.achievements(answers, f"{i}.") for i, answers in enumerate(households)]
        )

    def score(self, answers: Mapping[str, Answer]) -> SchemeScore:
        """One household's weighted deprivation score c_i, poverty status and deprivations."""
        row = self.achievements(answers)
        result = self._counting([row])
        deprived = tuple(
            ind.code for ind, value in zip(self.indicators, row, strict=True) if value < ind.cutoff
        )
        return SchemeScore(score=result.scores[0], poor=result.poor[0], deprived=deprived)

    def _counting(self, rows: Sequence[Sequence[float]]) -> AlkireFosterResult:
        return alkire_foster(
            rows,
            [ind.cutoff for ind in self.indicators],
            self.k,
            [ind.weight for ind in self.indicators],
        )


def _tables(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    tables = data.get(key)
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise ToolboxError(key, f"a non-empty list of [[{key}]] tables is required")
    return tables


def _text(data: Mapping[str, Any], key: str, prefix: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        field = f"{prefix}.{key}" if prefix else key
        raise ToolboxError(field, f"a non-empty text is required, got {value!r}")
    return value


def _unique(codes: Sequence[str], field: str) -> None:
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ToolboxError(field, f"duplicate code(s): {', '.join(duplicates)}")


def _indicator(table: Mapping[str, Any], prefix: str) -> SchemeIndicator:
    answer = table.get("answer")
    if answer not in get_args(AnswerType):
        raise ToolboxError(
            f"{prefix}.answer", f"one of {', '.join(get_args(AnswerType))} is required"
        )
    if answer == "boolean":
        minimum, maximum = 0.0, 1.0
    else:
        minimum = require_finite(table.get("min"), f"{prefix}.min")
        maximum = require_finite(table.get("max"), f"{prefix}.max")
    code = _text(table, "code", prefix)
    cutoff = require_finite(table.get("cutoff"), f"{prefix}.cutoff")
    # A cutoff at or below the minimum deprives nobody; above the maximum it deprives everyone.
    if not minimum < cutoff <= maximum:
        raise ToolboxError(
            f"{prefix}.cutoff",
            f"{code}: cutoff {cutoff:g} must lie in ({minimum:g}, {maximum:g}] "
            "so that the answer can go either way",
        )
    weight = require_finite(table.get("weight"), f"{prefix}.weight")
    if weight <= 0:
        raise ToolboxError(f"{prefix}.weight", f"{code}: weights must be positive, got {weight:g}")
    return SchemeIndicator(
        code=code,
        label=_text(table, "label", prefix),
        dimension=_text(table, "dimension", prefix),
        question=_text(table, "question", prefix),
        answer=cast(AnswerType, answer),
        minimum=minimum,
        maximum=maximum,
        cutoff=cutoff,
        weight=weight,
        unit=str(table.get("unit", "")),
    )


def _scheme_dir() -> Traversable:
    return files("node.toolbox") / "schemes"


def available_schemes() -> list[str]:
    """Identifiers of the schemes shipped with the package, sorted."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in _scheme_dir().iterdir()
        if entry.name.endswith(".toml")
    )


@cache
def load_scheme(scheme_id: str) -> Scheme:
    """Load and validate a shipped scheme; the file name and its `id` must agree."""
    if scheme_id not in available_schemes():
        raise ToolboxError(
            "scheme_id",
            f"unknown scheme {scheme_id!r}; available: {', '.join(available_schemes())}",
        )
    text = (_scheme_dir() / f"{scheme_id}.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ToolboxError("scheme_id", f"{scheme_id}.toml is not valid TOML: {exc}") from exc
    scheme = Scheme.from_mapping(data)
    if scheme.id != scheme_id:
        raise ToolboxError("id", f"{scheme_id}.toml declares id {scheme.id!r}")
    return scheme
