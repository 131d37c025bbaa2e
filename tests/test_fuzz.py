"""Schemathesis fuzzes the node's and the federation's OpenAPI schemas (issue 7, DESIGN §8).

Every operation of each schema is sent requests built from its schema, in-process over ASGI, to
an app on real data: a node on a SQLite file with a seeded region and writes authorised with the
admin token, and a federation whose national database holds three admitted regions and their
messages. Three kinds of requests, each bounded and reproducible:

* positive: valid requests, 20 per operation, about half of them (where the path has ids)
  naming records that exist, so writes reach the domain rules and reads find something;
* negative: invalid requests, 20 per operation (wrong types, broken constraints, a missing
  bearer token…);
* coverage: schemathesis' deterministic cases from the schema's boundaries (each constraint's
  edge and just past it, every required field left out, every enum value…).

Checks: no server error; every status the API answers is one it documents; every response whose
schema is declared conforms to it (the 4xx bodies included: `node.api.errors.ErrorBody`).

The web UI is not in the OpenAPI schemas (only /health and /api/v1 are), so it is not fuzzed.
Schemathesis' `pytest.from_fixture` does not run under pytest 9 (it writes a node id attribute
pytest no longer has), so each operation gets its own Hypothesis run here, over
`APIOperation.as_strategy`, and every failing operation is reported, not only the first.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from drais.config import FederationSettings, NodeSettings
from federation import indicators
from federation.api import create_api as create_federation_api
from federation.service import open_federation
from node.api.app import create_api as create_node_api
from node.bootstrap import build_node
from node.seeding import seed_region
from tests.conftest import ADMIN_TOKEN
from tests.federation_national import scenario

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Bounded and reproducible: the same examples on every run, so CI is stable; about 35 s for
# both schemas and all three phases on SQLite.
FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@dataclass
class Target:
    """A schema to fuzz, the headers every request carries, and ids that exist, by path
    parameter, so that generated paths sometimes name real records."""

    schema: schemathesis.BaseSchema
    headers: dict[str, str] = field(default_factory=dict)
    known: dict[str, list[str]] = field(default_factory=dict)


def existing_ids(api: FastAPI) -> dict[str, list[str]]:
    client = TestClient(api, headers=AUTH)

    def get(path: str) -> Any:
        response = client.get(f"/api/v1{path}")
        assert response.status_code == 200, response.text
        return response.json()

    initiatives = [get(f"/initiatives/{i['id']}") for i in get("/initiatives")["items"]]
    structures = get("/structures")
    beneficiaries = [
        b["person_id"]
        for i in initiatives
        for b in get(f"/initiatives/{i['id']}/beneficiaries")["items"]
    ]
    return {
        "initiative_id": [i["id"] for i in initiatives],
        "accompaniment_id": [a["id"] for i in initiatives for a in i["accompaniments"]],
        "person_id": [i["holder_id"] for i in initiatives] + beneficiaries,
        "member_id": [m["id"] for m in get("/members")],
        "structure_id": [s["id"] for s in structures],
        "offer_id": [o["id"] for s in structures for o in s["offers"]],
        "training_id": [t["id"] for t in get("/trainings")["trainings"]],
        "grid_id": [g["id"] for g in get("/grids")],
        "study_id": [s["id"] for s in get("/studies")],
        "code": [i["code"] for i in get("/catalogue")["items"]],
        "scheme_id": [s["id"] for s in get("/toolbox/schemes")],
    }


@pytest.fixture
def node_target(tmp_path: Path) -> Iterator[Target]:
    node = build_node(
        NodeSettings(
            region="MA-09",
            data_dir=tmp_path / "node",
            database_url=f"sqlite:///{tmp_path / 'events.sqlite3'}",
            api_token=ADMIN_TOKEN,
            forward=False,
        )
    )
    seed_region(node.app, initiatives=8)  # 6 get a theory of change, 2 wait for their first
    node.projector.catch_up()
    api = create_node_api(node, poll=False)
    yield Target(schemathesis.openapi.from_asgi("/openapi.json", api), AUTH, existing_ids(api))
    node.close()


@pytest.fixture
def federation_target(tmp_path: Path) -> Iterator[Target]:
    federation = open_federation(FederationSettings(data_dir=tmp_path / "national"))
    regions = ["MA-01", "MA-09", "MA-06"]
    for region in regions:
        scenario.admit(federation.engine, region, scenario.NOW - timedelta(days=2))
    scenario.receive(federation.engine, scenario.scenario())
    api = create_federation_api(federation, consume=False)
    known = {"code": [*indicators.CODES, "d1", "b2"], "region": regions}
    yield Target(schemathesis.openapi.from_asgi("/openapi.json", api), known=known)
    federation.engine.dispose()


def strategy(target: Target, operation: APIOperation, mode: GenerationMode) -> SearchStrategy:
    """Generated cases, and as many again whose path names records that exist."""
    generated = operation.as_strategy(generation_mode=mode)
    names = re.findall(r"{(\w+)}", operation.path)
    if not names or not all(target.known.get(name) for name in names):
        return generated
    existing = st.fixed_dictionaries({n: st.sampled_from(target.known[n]) for n in names})
    return st.one_of(
        generated,
        existing.flatmap(
            lambda path: operation.as_strategy(generation_mode=mode, path_parameters=path)
        ),
    )


PHASES = ["positive", "negative", "coverage"]


def generated(target: Target, operation: APIOperation, mode: GenerationMode) -> None:
    @FUZZ
    @given(case=strategy(target, operation, mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=target.headers, checks=CHECKS)

    # Unsatisfiable: nothing invalid to send (no parameter, body or constraint to break).
    with contextlib.suppress(Unsatisfiable):
        run()


def coverage(target: Target, operation: APIOperation) -> None:
    schema = target.schema
    for case in schema.iter_coverage_cases(
        operation,
        generation_modes=list(GenerationMode),
        generation_config=schema.config.generation_for(operation=operation),
    ):
        case.call_and_validate(headers=target.headers, checks=CHECKS)


def fuzz(target: Target, phase: str) -> None:
    failures: dict[str, str] = {}
    for result in target.schema.get_all_operations():
        if not isinstance(result, Ok):
            failures[str(result.err())] = "the schema of this operation cannot be used"
            continue
        operation = result.ok()
        try:
            if phase == "coverage":
                coverage(target, operation)
            else:
                generated(target, operation, GenerationMode(phase))
        except (Exception, BaseExceptionGroup) as error:  # schemathesis' FailureGroup is the latter
            failures[operation.label] = f"{type(error).__name__}: {error}"
    assert not failures, "\n\n".join(f"{label}\n{why}" for label, why in failures.items())


@pytest.mark.slow
@pytest.mark.parametrize("phase", PHASES)
def test_the_node_api_holds_under_fuzzing(node_target: Target, phase: str) -> None:
    fuzz(node_target, phase)


@pytest.mark.parametrize("phase", PHASES)
def test_the_federation_api_holds_under_fuzzing(federation_target: Target, phase: str) -> None:
    fuzz(federation_target, phase)
