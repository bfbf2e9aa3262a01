"""Property-based fuzzing of every operation in /openapi.json: no input may cause a 5xx.

Schemathesis generates requests from the published schema (valid and invalid ones) against a
real server with an admin key; examples per operation are bounded to keep CI time in check,
and the whole run stops fuzzing new operations once its time budget is spent.

The server builds its geocoder before it reports ready, so no answer is a "still loading" 503
caused by fuzzing too early. Should an index reload all the same, its documented answer (503,
``index_loading``, with ``Retry-After``) is what a client must expect and is not counted; any
other 5xx is a failure.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from geo.access import Role
from geo.areas import Level, NewArea
from geo.stores import open_store, sqlite_url
from tests.live_server import live_server

schemathesis = pytest.importorskip("schemathesis")

X0, Y0 = 120.70, 30.70
EXAMPLES = int(os.environ.get("ONEMAP_FUZZ_EXAMPLES", "6"))
# Wall-clock budget per generation mode; operations left when it runs out are reported.
BUDGET_S = float(os.environ.get("ONEMAP_FUZZ_SECONDS", "300"))
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
    # Build the geocoder before /readyz answers, so fuzzing never races its first load.
    env = {**os.environ, "ONEMAP_DATA_DIR": str(data_dir), "ONEMAP_GEOCODE_WAIT_ON_START": "true"}
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
    deadline = time.monotonic() + BUDGET_S
    skipped: list[str] = []
    for operation in operations:
        if time.monotonic() > deadline:
            skipped.append(operation.label)
            continue
        fuzz(operation, GenerationMode(mode), failures)
    assert failures == []
    if skipped:
        warnings.warn(f"fuzzing budget of {BUDGET_S:g} s spent; not fuzzed: {skipped}",
                      stacklevel=1)  # fmt: skip


def is_server_error(response: Any) -> bool:
    """A 5xx that is not the documented, retryable "index still loading" answer."""
    if response.status_code < 500:
        return False
    if response.status_code == 503 and "retry-after" in response.headers:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            return bool(response.json()["error"]["code"] != "index_loading")
    return True


def fuzz(operation, mode, failures: list[tuple[str, int, str]]) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy(mode, headers=dict(KEY)))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=KEY, timeout=30)
        if is_server_error(response):
            failures.append((operation.label, response.status_code, response.text[:200]))

    with contextlib.suppress(Unsatisfiable):  # nothing in its schema can be made invalid
        run()


def test_the_fuzzed_server_is_still_healthy(fuzz_server: str) -> None:
    assert httpx.get(f"{fuzz_server}/readyz", timeout=5).status_code == 200
    assert Path(__file__).exists()
