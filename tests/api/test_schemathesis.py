"""Property-based fuzzing of every operation in /openapi.json: no input may cause a 5xx.

Schemathesis generates requests from the published schema (valid and invalid ones) against a
real server with an admin key; examples per operation are bounded to keep CI time in check.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from geo.access import Role
from geo.levels import Level
from geo.records import NewArea
from geo.stores import open_store, sqlite_url
from tests.live_server import live_server

schemathesis = pytest.importorskip("schemathesis")

X0, Y0 = 120.70, 30.70
EXAMPLES = int(os.environ.get("ONEMAP_FUZZ_EXAMPLES", "6"))
KEY: dict[str, str] = {}


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    store = open_store(sqlite_url(data_dir / "onemap.db"))
    store.upgrade()
    store.add_areas(
        [NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(X0, Y0, X0 + 0.1, Y0 + 0.1)),
         NewArea("330402007", Level.STREET, "建设街道", shapely.box(X0, Y0, X0 + 0.1, Y0 + 0.1),
                 parent_code="330402")],
        author="seed", reason="seed",
    )  # fmt: skip
    KEY["X-API-Key"] = store.create_key(name="fuzz", role=Role.ADMIN)[1]
    store.dispose()
    env = {**os.environ, "ONEMAP_DATA_DIR": str(data_dir)}
    env.pop("ONEMAP_DATABASE_URL", None)
    with live_server(env, cwd=data_dir) as base:
        yield base


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_input_causes_a_server_error(fuzz_server: str, mode: str) -> None:
    # Driven through Hypothesis directly: schemathesis's pytest plugin does not run on pytest 9.
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_url(f"{fuzz_server}/openapi.json")
    failures: list[tuple[str, int, str]] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10
    for operation in operations:
        fuzz(operation, GenerationMode(mode), failures)
    assert failures == []


def fuzz(operation, mode, failures: list[tuple[str, int, str]]) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy(mode, headers=dict(KEY)))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=KEY, timeout=30)
        if response.status_code >= 500:
            failures.append((operation.label, response.status_code, response.text[:200]))

    with contextlib.suppress(Unsatisfiable):  # nothing in its schema can be made invalid
        run()


def test_the_fuzzed_server_is_still_healthy(fuzz_server: str) -> None:
    assert httpx.get(f"{fuzz_server}/readyz", timeout=5).status_code == 200
    assert Path(__file__).exists()
