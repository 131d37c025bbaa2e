"""The one error type of the toolbox, so callers can answer 422 with the field and the reason."""

import math


class ToolboxError(ValueError):
    """Bad input to a toolbox calculator.

    `field` is a dotted path into the request body (``"k"``, ``"outcomes.0.deadweight"``);
    `reason` says what is wrong in words a practitioner understands.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def require_finite(value: object, field: str) -> float:
    """The value as a float, refusing text, booleans, NaN and infinities with a clear reason."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ToolboxError(field, f"a finite number is required, got {value!r}")
    return float(value)
