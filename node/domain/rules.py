"""Checks shared by several aggregates; each raises a domain error naming the field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import TypeVar

from drais import territory
from node.domain.errors import InvalidValue

E = TypeVar("E", bound=StrEnum)


def require_text(value: str, field: str, max_length: int = 200) -> str:
    text = value.strip()
    if not text:
        raise InvalidValue("must not be empty", field)
    if len(text) > max_length:
        raise InvalidValue(f"must be at most {max_length} characters", field)
    return text


def require_member(enum: type[E], value: str, field: str) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidValue(f"{value!r} is not one of: {allowed}", field) from None


def require_members(enum: type[E], values: Iterable[str], field: str) -> list[E]:
    found = [require_member(enum, v, field) for v in values]
    if not found:
        raise InvalidValue("must name at least one value", field)
    if len(set(found)) != len(found):
        raise InvalidValue("must not repeat a value", field)
    return found


def require_province_in(region: str, province: str, field: str = "province") -> str:
    if province not in territory.provinces():
        raise InvalidValue(f"{province!r} is not a province or prefecture code", field)
    if territory.region_of(province) != region:
        raise InvalidValue(f"{province} is not in region {region}", field)
    return province


def require_provinces_in(region: str, provinces: Iterable[str], field: str) -> list[str]:
    codes = [require_province_in(region, p, field) for p in provinces]
    if not codes:
        raise InvalidValue("must name at least one province", field)
    return sorted(set(codes))


def require_range(value: float, low: float, high: float, field: str) -> float:
    if not low <= value <= high:
        raise InvalidValue(f"must be between {low:g} and {high:g}", field)
    return value


def require_date(value: str | date | None, field: str, *, future: bool = False) -> str:
    """An ISO date, today when omitted; no future dates for facts that happened."""
    if value is None:
        return date.today().isoformat()
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value)
    except ValueError:
        raise InvalidValue("must be an ISO date (YYYY-MM-DD)", field) from None
    if day > date.today() and not future:
        raise InvalidValue("must not be in the future", field)
    return day.isoformat()
