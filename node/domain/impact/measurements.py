"""A measured value of a catalogue indicator for an initiative over a period."""

from __future__ import annotations

import math

from eventsourcing.domain import Aggregate, event

from node.domain.errors import InvalidValue
from node.domain.rules import require_date, require_text


class Measurement(Aggregate):
    @classmethod
    def record(
        cls,
        *,
        initiative_id: str,
        indicator_code: str,
        value: float,
        period_start: str,
        period_end: str,
        disaggregation: dict[str, str],
        by: str,
    ) -> Measurement:
        if not math.isfinite(value):
            raise InvalidValue("must be a finite number", "value")
        start = require_date(period_start, "period_start")
        end = require_date(period_end, "period_end")
        if end < start:
            raise InvalidValue("must not be before period_start", "period_end")
        return cls(
            initiative_id=initiative_id,
            indicator_code=indicator_code,
            value=float(value),
            period_start=start,
            period_end=end,
            disaggregation={
                require_text(k, "disaggregation", 40): require_text(v, f"disaggregation.{k}", 80)
                for k, v in disaggregation.items()
            },
            by=by,
        )

    @event("Recorded")
    def __init__(
        self,
        *,
        initiative_id: str,
        indicator_code: str,
        value: float,
        period_start: str,
        period_end: str,
        disaggregation: dict[str, str],
        by: str,
    ) -> None:
        self.initiative_id = initiative_id
        self.indicator_code = indicator_code
        self.value = value
        self.period_start = period_start
        self.period_end = period_end
        self.disaggregation = disaggregation
