"""Morocco's 12 regions and 75 provinces/prefectures (ISO 3166-2:MA).

The list comes from pycountry; two provinces it files under the wrong region are corrected
here so every other module can trust `region_of`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pycountry

#: pycountry's parent codes that the 2015 regional division contradicts.
PARENT_CORRECTIONS: dict[str, str] = {
    "MA-CHT": "MA-09",  # Chtouka-Aït Baha belongs to Souss-Massa
    "MA-NOU": "MA-06",  # Nouaceur belongs to Casablanca-Settat
}

REGION_CODE = re.compile(r"^MA-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    kind: str  # "Province" or "Prefecture"
    region: str


def _clean(name: str) -> str:
    """Drop pycountry's '(EH)'/'(EH-partial)' annotations from region names."""
    return re.sub(r"\s*\(EH(-partial)?\)$", "", name)


@cache
def regions() -> dict[str, Region]:
    subs = pycountry.subdivisions.get(country_code="MA")
    found = {s.code: Region(s.code, _clean(s.name)) for s in subs if s.type == "Region"}
    return dict(sorted(found.items()))


@cache
def provinces() -> dict[str, Province]:
    subs = pycountry.subdivisions.get(country_code="MA")
    found = {
        s.code: Province(s.code, s.name, s.type, PARENT_CORRECTIONS.get(s.code, s.parent_code))
        for s in subs
        if s.type in ("Province", "Prefecture")
    }
    return dict(sorted(found.items()))


def is_region(code: str) -> bool:
    return code in regions()


def region_of(province_code: str) -> str:
    """The region a province belongs to; KeyError for an unknown code."""
    return provinces()[province_code].region


def provinces_of(region_code: str) -> list[Province]:
    return [p for p in provinces().values() if p.region == region_code]
