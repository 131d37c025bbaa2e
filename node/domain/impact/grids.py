"""Funder evaluation grids, versioned, and the applications they score (indicator B2)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from eventsourcing.domain import Aggregate, event

from node.domain.errors import InvalidValue, RuleViolation
from node.domain.rules import require_text
from node.toolbox.errors import ToolboxError
from node.toolbox.grids import Criterion, Grid, GridScore


def build_grid(
    code: str, version: int, title: str, pass_threshold: float, criteria: list[dict[str, Any]]
) -> Grid:
    """The toolbox grid for these terms; an inconsistent grid is a domain error."""
    try:
        return Grid(
            code=code,
            version=version,
            title=title,
            pass_threshold=pass_threshold,
            criteria=tuple(Criterion(**c) for c in criteria),
        )
    except ToolboxError as error:
        raise InvalidValue(error.reason, error.field) from error


class EvaluationGrid(Aggregate):
    @classmethod
    def publish(
        cls,
        *,
        code: str,
        title: str,
        pass_threshold: float,
        criteria: list[dict[str, Any]],
        funder: str,
        by: str,
    ) -> EvaluationGrid:
        grid = build_grid(code, 1, title, pass_threshold, criteria)
        return cls(
            code=grid.code,
            title=grid.title,
            pass_threshold=grid.pass_threshold,
            criteria=[asdict(c) for c in grid.criteria],
            funder=require_text(funder, "funder"),
            by=by,
        )

    @event("Published")
    def __init__(
        self,
        *,
        code: str,
        title: str,
        pass_threshold: float,
        criteria: list[dict[str, Any]],
        funder: str,
        by: str,
    ) -> None:
        self.code = code
        self.title = title
        self.pass_threshold = pass_threshold
        self.criteria = criteria
        self.funder = funder
        self.grid_version = 1

    @property
    def grid(self) -> Grid:
        return build_grid(
            self.code, self.grid_version, self.title, self.pass_threshold, self.criteria
        )

    def revise(
        self, *, title: str, pass_threshold: float, criteria: list[dict[str, Any]], by: str
    ) -> None:
        grid = build_grid(self.code, self.grid_version + 1, title, pass_threshold, criteria)
        self._revised(
            version=grid.version,
            title=grid.title,
            pass_threshold=grid.pass_threshold,
            criteria=[asdict(c) for c in grid.criteria],
            by=by,
        )

    @event("Revised")
    def _revised(
        self,
        version: int,
        title: str,
        pass_threshold: float,
        criteria: list[dict[str, Any]],
        by: str,
    ) -> None:
        self.grid_version = version
        self.title = title
        self.pass_threshold = pass_threshold
        self.criteria = criteria


def _result(result: GridScore) -> dict[str, Any]:
    return {
        "total": round(result.total, 4),
        "passed": result.passed,
        "reasons": [asdict(r) for r in result.reasons],
    }


class FundingApplication(Aggregate):
    """A project's application to a funder, scored against a version of the funder's grid."""

    @classmethod
    def submit(
        cls,
        *,
        grid: EvaluationGrid,
        applicant: str,
        initiative_id: str | None,
        scores: dict[str, float],
        by: str,
    ) -> FundingApplication:
        application = cls(
            grid_id=str(grid.id),
            applicant=require_text(applicant, "applicant"),
            initiative_id=initiative_id,
            by=by,
        )
        application.score(grid, scores, by=by)
        return application

    @event("Submitted")
    def __init__(self, *, grid_id: str, applicant: str, initiative_id: str | None, by: str) -> None:
        self.grid_id = grid_id
        self.applicant = applicant
        self.initiative_id = initiative_id
        self.scores: dict[str, float] = {}
        self.grid_version = 0
        self.result: dict[str, Any] = {}

    def score(self, grid: EvaluationGrid, scores: dict[str, float], *, by: str) -> None:
        if str(grid.id) != self.grid_id:
            raise RuleViolation("the application was made to another grid", "grid_id")
        try:
            result = grid.grid.score(scores)
        except ToolboxError as error:
            raise InvalidValue(error.reason, error.field) from error
        self._scored(
            grid_version=grid.grid_version, scores=dict(scores), result=_result(result), by=by
        )

    def rescore(self, grid: EvaluationGrid, *, by: str) -> bool:
        """Replay the last scores against the grid's current version; False if already so."""
        if grid.grid_version == self.grid_version:
            return False
        self.score(grid, self.scores, by=by)
        return True

    @event("Scored")
    def _scored(
        self, grid_version: int, scores: dict[str, float], result: dict[str, Any], by: str
    ) -> None:
        self.grid_version = grid_version
        self.scores = scores
        self.result = result
