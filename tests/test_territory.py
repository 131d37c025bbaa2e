from collections import Counter

import pytest

from drais import territory

EXPECTED = [8, 8, 9, 7, 5, 9, 8, 5, 6, 4, 4, 2]


def test_twelve_regions_in_hcp_order() -> None:
    codes = list(territory.regions())
    assert codes == [f"MA-{n:02d}" for n in range(1, 13)]
    assert territory.regions()["MA-09"].name == "Souss-Massa"
    assert territory.regions()["MA-12"].name == "Dakhla-Oued Ed-Dahab"


def test_every_province_has_exactly_one_known_region() -> None:
    provinces = territory.provinces()
    assert len(provinces) == 75
    assert all(territory.is_region(p.region) for p in provinces.values())


def test_each_region_has_its_number_of_provinces() -> None:
    counts = Counter(p.region for p in territory.provinces().values())
    assert [counts[f"MA-{n:02d}"] for n in range(1, 13)] == EXPECTED


@pytest.mark.parametrize(("province", "region"), [("MA-CHT", "MA-09"), ("MA-NOU", "MA-06")])
def test_pycountry_misplacements_are_corrected(province: str, region: str) -> None:
    assert territory.region_of(province) == region


def test_unknown_province_is_an_error() -> None:
    with pytest.raises(KeyError):
        territory.region_of("MA-XXX")
