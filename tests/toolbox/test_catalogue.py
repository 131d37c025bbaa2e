"""Indicator catalogue as code: the national core, its validation, regional namespaces, search."""

from __future__ import annotations

import re
import shutil
import tomllib
import unicodedata
from collections.abc import Iterator
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from node.toolbox.catalogue import (
    CATALOGUE_VERSION,
    NATIONAL_INDICATORS,
    Catalogue,
    CatalogueError,
    Direction,
    Disaggregation,
    Indicator,
    Source,
    Unit,
    fold_text,
    load_core,
    load_core_from,
    load_regional_file,
)
from node.toolbox.errors import ToolboxError

NATIONAL_UNITS = {
    "D1": Unit.COUNT,
    "D2": Unit.COUNT,
    "D3": Unit.COUNT,
    "D4": Unit.PERCENT,
    "D5": Unit.COUNT,
    "B1": Unit.COUNT,
    "B2": Unit.COUNT,
    "B3": Unit.COUNT,
    "T1": Unit.COUNT,
    "T2": Unit.PERCENT,
    "T3": Unit.COUNT,
}

# IRIS+ ids checked against the IRIS+ catalogue; the core may cite no other.
VERIFIED_IRIS_PLUS = {
    "PI4060",  # Client Individuals: Total
    "PI7098",  # Client Individuals: Low Income
    "PI3687",  # Jobs Created at Directly Supported/Financed Enterprises: Total
    "PI4874",  # Jobs in Directly Supported/Financed Enterprises
    "PI3527",  # Job Placement Rate
    "PI9652",  # Client Organizations: Total
}

ENGLISH_STOCK_WORDS = re.compile(
    r"\b(number of|share of|rate of|the|of|and|with|people|jobs|women|youth|income|"
    r"access to|households?|beneficiaries|improvement)\b",
    re.IGNORECASE,
)
FRENCH_WORDS = re.compile(r"\b(de|des|du|la|le|les|à|au|aux|d'|l'|et|en|par)\b", re.IGNORECASE)

REGIONAL_ENTRY: dict[str, Any] = {
    "code": "MA-09.IRRIGATION_GOUTTE_A_GOUTTE",
    "label": "Exploitations converties à l'irrigation goutte-à-goutte",
    "definition": "Nombre d'exploitations agricoles accompagnées passées à l'irrigation "
    "localisée dans la région Souss-Massa.",
    "unit": "count",
    "direction": "higher_is_better",
    "calculation": "Nombre d'exploitations ayant achevé la conversion pendant la période.",
    "disaggregations": ["province", "sex"],
    "sdg": "6.4",
}

GOOD_TOML_ENTRY = """
[[indicator]]
code = "{code}"
label = "Indicateur d'essai"
definition = "Définition de l'indicateur d'essai, suffisamment longue."
unit = "{unit}"
direction = "higher_is_better"
calculation = "Somme des valeurs."
disaggregations = ["region"]
{extra}
"""


def toml_entry(code: str = "CORE.TEST.ESSAI", unit: str = "count", extra: str = "") -> str:
    return GOOD_TOML_ENTRY.format(code=code, unit=unit, extra=extra)


@pytest.fixture(scope="module")
def core() -> Catalogue:
    return load_core()


@pytest.fixture
def core_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the shipped core directory."""
    target = tmp_path / "core"
    with as_file(files("node.toolbox") / "catalogue_data" / "core") as source:
        shutil.copytree(source, target)
    yield target


def shipped_files() -> list[tuple[str, list[dict[str, Any]]]]:
    core_dir = files("node.toolbox") / "catalogue_data" / "core"
    return [
        (entry.name, tomllib.loads(entry.read_text(encoding="utf-8"))["indicator"])
        for entry in sorted(core_dir.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- the shipped core --------------------------------------------------------------------------


def test_core_loads_with_at_least_25_entries_and_a_version(core: Catalogue) -> None:
    assert len(core) >= 25
    assert core.version == CATALOGUE_VERSION
    assert re.fullmatch(r"\d{4}\.\d+", CATALOGUE_VERSION)
    assert load_core() is core, "the core is read once and cached"
    assert all(indicator.is_core for indicator in core)
    assert core.regions == ()


def test_version_comes_from_the_meta_file() -> None:
    meta = files("node.toolbox") / "catalogue_data" / "catalogue.toml"
    assert tomllib.loads(meta.read_text(encoding="utf-8"))["version"] == CATALOGUE_VERSION


@pytest.mark.parametrize(("national_id", "unit"), sorted(NATIONAL_UNITS.items()))
def test_national_indicators_present_with_unit_and_source(
    core: Catalogue, national_id: str, unit: Unit
) -> None:
    indicator = core.get(f"CORE.{national_id}")
    assert indicator.unit is unit
    assert indicator.source is NATIONAL_INDICATORS[national_id]
    assert indicator.direction in {Direction.HIGHER_IS_BETTER, Direction.NEUTRAL}


def test_national_sources(core: Catalogue) -> None:
    assert {i.code for i in core.by_source("BO")} >= {"CORE.B1", "CORE.B2", "CORE.B3"}
    drais = {i.code for i in core.by_source(Source.DRAIS)}
    assert drais >= {f"CORE.{n}" for n in ("D1", "D2", "D3", "D4", "D5", "T1", "T2", "T3")}
    assert core.by_source("region") == ()
    assert len(core.by_source("core")) >= 14, "outcome indicators beyond DRAIS and BO"


def test_d4_is_the_living_conditions_rate_with_its_interval(core: Catalogue) -> None:
    d4 = core.get("CORE.D4")
    assert "Alkire" in d4.definition
    assert "Wilson" in d4.calculation
    assert {Disaggregation.REGION, Disaggregation.SEX, Disaggregation.AGE_BAND} <= set(
        d4.disaggregations
    )


def test_every_entry_is_valid_and_complete(core: Catalogue) -> None:
    for indicator in core:
        assert Indicator.model_validate(indicator.model_dump()) == indicator
        assert indicator.label and indicator.definition and indicator.calculation
        assert indicator.source in {Source.DRAIS, Source.BO, Source.CORE}
        assert indicator.namespace == "CORE"
        if indicator.code != "CORE.D5":  # a count of regions has no useful breakdown
            assert indicator.disaggregations, indicator.code


def test_codes_are_unique_across_files_and_well_formed() -> None:
    codes = [entry["code"] for _, entries in shipped_files() for entry in entries]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"CORE(\.[A-Z0-9][A-Z0-9_]*)+", code) for code in codes)


def test_shipped_files_are_one_per_theme() -> None:
    names = {name for name, _ in shipped_files()}
    assert names >= {"drais.toml", "bo.toml", "emploi_revenu.toml", "inclusion.toml"}
    assert names >= {"services.toml", "conditions_vie.toml"}


def test_texts_are_in_french(core: Catalogue) -> None:
    for indicator in core:
        for text in (indicator.label, indicator.definition, indicator.calculation):
            assert re.search(r"[a-zàâçéèêëîïôûùüÿœ]", text), indicator.code
            assert not ENGLISH_STOCK_WORDS.search(text), (indicator.code, text)
        assert FRENCH_WORDS.search(indicator.definition), indicator.code
        assert indicator.label[0].isupper(), indicator.code


def test_iris_plus_ids_are_verified_and_sdg_targets_well_formed(core: Catalogue) -> None:
    cited = {i.iris_plus for i in core if i.iris_plus is not None}
    assert cited, "some entries cite IRIS+"
    assert cited <= VERIFIED_IRIS_PLUS
    assert core.get("CORE.INC.BENEFICIARIES").iris_plus == "PI4060"
    targets = [i.sdg for i in core if i.sdg is not None]
    assert len(targets) >= 15
    for target in targets:
        goal, _ = target.split(".")
        assert 1 <= int(goal) <= 17


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("emplois créés", "CORE.EMP.JOBS_CREATED"),
        ("revenu", "CORE.REV.INCOME_CHANGE"),
        ("femmes", "CORE.INC.WOMEN_JOBS_SHARE"),
        ("jeunes 15 34", "CORE.INC.YOUTH_EMPLOYED"),
        ("eau potable", "CORE.SRV.DRINKING_WATER"),
        ("scolarisation", "CORE.SRV.SCHOOL_ENROLMENT"),
        ("AMO", "CORE.SRV.AMO_COVERAGE"),
        ("coopératives", "CORE.EMP.COOPS_FORMALISED"),
        ("handicap", "CORE.INC.DISABILITY_SHARE"),
        ("pauvreté multidimensionnelle", "CORE.CV.MPI_HEADCOUNT"),
    ],
)
def test_common_social_innovation_outcomes_are_covered(
    core: Catalogue, query: str, expected: str
) -> None:
    assert expected in [i.code for i in core.search(query)]


def test_income_is_in_dirhams(core: Catalogue) -> None:
    assert core.get("CORE.REV.INCOME_CHANGE").unit is Unit.MAD


# --- lookups and search ------------------------------------------------------------------------


def test_lookup_membership_and_iteration(core: Catalogue) -> None:
    assert "CORE.D1" in core
    assert "CORE.NOPE" not in core
    assert 42 not in core
    assert core["CORE.D1"] is core.get("CORE.D1")
    assert [i.code for i in core] == list(core.codes)
    with pytest.raises(CatalogueError) as caught:
        core.get("CORE.NOPE")
    assert caught.value.field == "code"
    assert "CORE.NOPE" in caught.value.reason


def test_by_source_refuses_an_unknown_source(core: Catalogue) -> None:
    with pytest.raises(CatalogueError) as caught:
        core.by_source("ministere")
    assert caught.value.field == "source"


def test_search_is_accent_and_case_insensitive(core: Catalogue) -> None:
    assert "CORE.EMP.JOBS_CREATED" in [i.code for i in core.search("emploi")]
    assert core.get("CORE.EMP.JOBS_CREATED").label == "Emplois créés"
    found = core.search("region")
    assert "CORE.D5" in [i.code for i in found]
    assert any("région" in i.label.lower() for i in found)
    assert core.search("REGION") == found == core.search("  Région ")
    assert core.search("pauvrete") == core.search("pauvreté")
    assert core.search("zzz introuvable") == ()
    assert len(core.search("")) == len(core)


def test_search_ranks_label_matches_first(core: Catalogue) -> None:
    results = core.search("emploi")
    on_label = [("emploi" in fold_text(i.label)) for i in results]
    assert on_label == sorted(on_label, reverse=True)


def test_fold_text() -> None:
    assert fold_text("  Région  Béni Mellal–Khénifra ") == "region beni mellal–khenifra"
    assert fold_text("Main-d’Œuvre") == "main-d'oeuvre"


@settings(max_examples=60, deadline=None)
@given(index=st.integers(min_value=0), upper=st.booleans())
def test_any_label_without_accents_finds_its_entry(index: int, upper: bool) -> None:
    catalogue = load_core()
    indicator = list(catalogue)[index % len(catalogue)]
    query = strip_accents(indicator.label)
    query = query.upper() if upper else query.lower()
    assert indicator in catalogue.search(query)


# --- the model ---------------------------------------------------------------------------------


def test_indicator_is_frozen_and_closed(core: Catalogue) -> None:
    indicator = core.get("CORE.D1")
    with pytest.raises(ValidationError):
        indicator.label = "Autre"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Indicator.model_validate({**REGIONAL_ENTRY, "couleur": "bleu"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "core.d1"),
        ("code", "CORE"),
        ("code", "MA-13.X"),
        ("code", "FR-01.X"),
        ("unit", "euros"),
        ("direction", "up"),
        ("disaggregations", ["couleur"]),
        ("disaggregations", ["sex", "sex"]),
        ("iris_plus", "PI406"),
        ("iris_plus", "XX4060"),
        ("sdg", "18.1"),
        ("sdg", "8"),
        ("label", ""),
        ("label", 12),
    ],
)
def test_indicator_refuses_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Indicator.model_validate({**REGIONAL_ENTRY, field: value})
    assert caught.value.errors()[0]["loc"][0] == field


def test_indicator_accepts_letter_sdg_targets_and_real_iris_ids() -> None:
    indicator = Indicator.model_validate({**REGIONAL_ENTRY, "sdg": "1.a", "iris_plus": "OI8869"})
    assert indicator.sdg == "1.a"
    assert indicator.namespace == "MA-09"
    assert not indicator.is_core


# --- regional additions ------------------------------------------------------------------------


def test_a_region_adds_entries_in_its_namespace(core: Catalogue) -> None:
    regional = core.with_regional("MA-09", [REGIONAL_ENTRY])
    assert len(regional) == len(core) + 1
    added = regional.get("MA-09.IRRIGATION_GOUTTE_A_GOUTTE")
    assert added.source is Source.REGION
    assert added.unit is Unit.COUNT
    assert regional.regions == ("MA-09",)
    assert regional.by_namespace("MA-09") == (added,)
    assert regional.by_source("region") == (added,)
    assert regional.version == core.version
    assert "MA-09.IRRIGATION_GOUTTE_A_GOUTTE" not in core, "the core is unchanged"
    assert load_core() == core
    for indicator in core:
        assert regional.get(indicator.code) is indicator
    assert regional.search("goutte a goutte") == (added,)


def test_two_regions_can_be_combined_nationally(core: Catalogue) -> None:
    other = {**REGIONAL_ENTRY, "code": "MA-01.IRRIGATION_GOUTTE_A_GOUTTE"}
    combined = core.with_regional("MA-09", [REGIONAL_ENTRY]).with_regional("MA-01", [other])
    assert combined.regions == ("MA-01", "MA-09")
    assert len(combined) == len(core) + 2


@pytest.mark.parametrize("code", ["CORE.D1", "CORE.EMP.JOBS_CREATED", "CORE.NOUVEAU"])
def test_a_region_cannot_override_or_extend_the_core(core: Catalogue, code: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        core.with_regional("MA-09", [{**REGIONAL_ENTRY, "code": code}])
    assert caught.value.field == "entries.0.code"
    assert "national core" in caught.value.reason
    assert "MA-09." in caught.value.reason
    assert core.get("CORE.D1").source is Source.DRAIS


def test_overriding_the_core_with_an_indicator_object_is_refused(core: Catalogue) -> None:
    forged = core.get("CORE.D4").model_copy(update={"label": "Autre définition"})
    with pytest.raises(CatalogueError) as caught:
        core.with_regional("MA-09", [forged])
    assert caught.value.field == "entries.0.code"
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, ToolboxError)


def test_a_region_cannot_write_in_another_namespace(core: Catalogue) -> None:
    with pytest.raises(CatalogueError) as caught:
        core.with_regional("MA-09", [{**REGIONAL_ENTRY, "code": "MA-01.EAU"}])
    assert caught.value.field == "entries.0.code"
    assert "MA-01" in caught.value.reason
    assert "MA-09" in caught.value.reason


def test_a_region_cannot_claim_a_national_source(core: Catalogue) -> None:
    with pytest.raises(CatalogueError) as caught:
        core.with_regional("MA-09", [{**REGIONAL_ENTRY, "source": "DRAIS"}])
    assert caught.value.field == "entries.0.source"
    assert "national core" in caught.value.reason


def test_a_duplicate_regional_code_is_refused(core: Catalogue) -> None:
    regional = core.with_regional("MA-09", [REGIONAL_ENTRY])
    changed = {**REGIONAL_ENTRY, "label": "Autre libellé pour le même code"}
    with pytest.raises(CatalogueError) as caught:
        regional.with_regional("MA-09", [changed])
    assert caught.value.field == "entries.0.code"
    assert "already" in caught.value.reason
    assert regional.get(REGIONAL_ENTRY["code"]).label == REGIONAL_ENTRY["label"]

    with pytest.raises(CatalogueError) as caught:
        core.with_regional("MA-09", [REGIONAL_ENTRY, changed])
    assert caught.value.field == "entries.1.code"
    assert "already" in caught.value.reason


def test_regional_additions_are_all_or_nothing(core: Catalogue) -> None:
    good = {**REGIONAL_ENTRY, "code": "MA-09.BON"}
    bad = {**REGIONAL_ENTRY, "code": "MA-09.MAUVAIS", "unit": "euros"}
    with pytest.raises(CatalogueError) as caught:
        core.with_regional("MA-09", [good, bad, {**REGIONAL_ENTRY, "code": "CORE.D2"}])
    assert caught.value.field == "entries.1.unit"
    assert "euros" in caught.value.reason
    assert [field for field, _ in caught.value.problems] == ["entries.1.unit", "entries.2.code"]
    assert "MA-09.BON" not in core


@pytest.mark.parametrize("region", ["MA-13", "MA-9", "09", "", "ma-09"])
def test_an_unknown_region_is_refused(core: Catalogue, region: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        core.with_regional(region, [REGIONAL_ENTRY])
    assert caught.value.field == "region"


@settings(max_examples=50, deadline=None)
@given(
    number=st.integers(min_value=1, max_value=12),
    other=st.integers(min_value=1, max_value=12),
    suffix=st.from_regex(r"[A-Z][A-Z0-9_]{0,20}", fullmatch=True),
)
def test_namespaces_are_enforced_for_every_region(number: int, other: int, suffix: str) -> None:
    core = load_core()
    region, foreign = f"MA-{number:02d}", f"MA-{other:02d}"
    entry = {**REGIONAL_ENTRY, "code": f"{foreign}.{suffix}"}
    if region == foreign:
        assert f"{region}.{suffix}" in core.with_regional(region, [entry])
    else:
        with pytest.raises(CatalogueError):
            core.with_regional(region, [entry])


def test_a_regional_file_is_read_and_added(core: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "ma-09.toml"
    path.write_text(
        toml_entry("MA-09.ARGAN", extra='sdg = "5.a"')
        + toml_entry("MA-09.TOURISME_RURAL", unit="percent"),
        encoding="utf-8",
    )
    entries = load_regional_file("MA-09", path)
    assert [e.code for e in entries] == ["MA-09.ARGAN", "MA-09.TOURISME_RURAL"]
    assert all(e.source is Source.REGION for e in entries)
    regional = core.with_regional("MA-09", entries)
    assert regional.get("MA-09.TOURISME_RURAL").unit is Unit.PERCENT
    assert regional.regions == ("MA-09",)


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        (toml_entry("MA-09.ARGAN", unit="euros"), "ma-09.toml[MA-09.ARGAN].unit", "euros"),
        (toml_entry("CORE.D1"), "ma-09.toml[CORE.D1].code", "national core"),
        (toml_entry("MA-01.ARGAN"), "ma-09.toml[MA-01.ARGAN].code", "MA-01"),
        (
            toml_entry("MA-09.ARGAN") + toml_entry("MA-09.ARGAN"),
            "ma-09.toml[MA-09.ARGAN].code",
            "already",
        ),
        ("titre = 'x'\n" + toml_entry("MA-09.ARGAN"), "ma-09.toml.titre", "unknown"),
        ("[[indicator]\n", "ma-09.toml", "TOML"),
        ("", "ma-09.toml", "no [[indicator]]"),
    ],
)
def test_a_bad_regional_file_is_refused_naming_the_entry(
    tmp_path: Path, body: str, field: str, needle: str
) -> None:
    path = tmp_path / "ma-09.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_regional_file("MA-09", path)
    assert caught.value.field == field
    assert needle in caught.value.reason


def test_a_missing_regional_file_is_a_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as caught:
        load_regional_file("MA-09", tmp_path / "absent.toml")
    assert caught.value.field == "path"


# --- validation of the core files ------------------------------------------------------------


def test_the_copied_core_loads_identically(core: Catalogue, core_copy: Path) -> None:
    assert load_core_from(core_copy, version=core.version) == core


@pytest.mark.parametrize(
    ("entry", "field", "needle"),
    [
        (toml_entry(unit="euros"), "zz_bad.toml[CORE.TEST.ESSAI].unit", "'euros' is not allowed"),
        (
            toml_entry(extra='iris_plus = "IRIS42"'),
            "zz_bad.toml[CORE.TEST.ESSAI].iris_plus",
            "IRIS+",
        ),
        (toml_entry(extra='sdg = "18.1"'), "zz_bad.toml[CORE.TEST.ESSAI].sdg", "SDG"),
        (
            toml_entry(extra='couleur = "bleu"'),
            "zz_bad.toml[CORE.TEST.ESSAI].couleur",
            "unknown field",
        ),
        (
            toml_entry().replace('["region"]', '["region", "commune"]'),
            "zz_bad.toml[CORE.TEST.ESSAI].disaggregations.1",
            "'commune' is not allowed",
        ),
        (
            toml_entry().replace('label = "Indicateur d\'essai"\n', ""),
            "zz_bad.toml[CORE.TEST.ESSAI].label",
            "required",
        ),
        (toml_entry("core.essai"), "zz_bad.toml[core.essai].code", "not a catalogue code"),
        (toml_entry("MA-09.ESSAI"), "zz_bad.toml[MA-09.ESSAI].code", "regional file"),
        (
            toml_entry(extra='source = "region"'),
            "zz_bad.toml[CORE.TEST.ESSAI].source",
            "reserved",
        ),
        (toml_entry("CORE.D1"), "zz_bad.toml[CORE.D1].source", "DRAIS"),
        (
            toml_entry("CORE.D1", extra='source = "DRAIS"'),
            "zz_bad.toml[CORE.D1].code",
            "defined twice: in drais.toml and in zz_bad.toml",
        ),
        ("[[indicator]]\nunit = 3\n", "zz_bad.toml[#1].code", "required"),
        ("indicator = [1]\n", "zz_bad.toml[#1]", "indicator table"),
        ("[[indicator]\n", "zz_bad.toml", "not valid TOML"),
        ("# vide\n", "zz_bad.toml", "no [[indicator]]"),
    ],
)
def test_a_malformed_core_entry_is_refused_naming_file_and_entry(
    core_copy: Path, entry: str, field: str, needle: str
) -> None:
    (core_copy / "zz_bad.toml").write_text(entry, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_core_from(core_copy)
    assert caught.value.field == field
    assert needle in caught.value.reason
    assert field in str(caught.value)


def test_every_problem_of_the_core_is_reported(core_copy: Path) -> None:
    (core_copy / "zz_bad.toml").write_text(
        toml_entry("CORE.TEST.A", unit="euros") + toml_entry("CORE.TEST.B", extra='sdg = "0.1"'),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        load_core_from(core_copy)
    fields = [field for field, _ in caught.value.problems]
    assert fields == ["zz_bad.toml[CORE.TEST.A].unit", "zz_bad.toml[CORE.TEST.B].sdg"]
    assert all(field in str(caught.value) for field in fields)


def test_a_valid_new_core_entry_is_accepted(core: Catalogue, core_copy: Path) -> None:
    (core_copy / "zz_new.toml").write_text(
        toml_entry(extra='iris_plus = "PI4060"\nsdg = "8.5"'), encoding="utf-8"
    )
    extended = load_core_from(core_copy)
    assert len(extended) == len(core) + 1
    assert extended.get("CORE.TEST.ESSAI").source is Source.CORE


def test_a_core_without_a_national_indicator_is_refused(core_copy: Path) -> None:
    (core_copy / "bo.toml").unlink()
    with pytest.raises(CatalogueError) as caught:
        load_core_from(core_copy)
    missing = [reason for _, reason in caught.value.problems]
    assert missing == [f"national indicator CORE.{n} (BO) is missing" for n in ("B1", "B2", "B3")]


def test_an_empty_core_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as caught:
        load_core_from(tmp_path)
    assert "no catalogue file" in caught.value.reason


def test_a_catalogue_never_holds_two_entries_with_one_code(core: Catalogue) -> None:
    d1 = core.get("CORE.D1")
    with pytest.raises(CatalogueError) as caught:
        Catalogue([d1, d1])
    assert caught.value.field == "entries.1.code"
