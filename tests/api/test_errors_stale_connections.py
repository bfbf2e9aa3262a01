"""Pooled connections cut under the service: one 503 with Retry-After, then recovery by itself.

Connections are not pinged before use (a round trip per transaction under dispatch load), so
after a database restart or an idle cut the first statement on a stale connection fails. That
request must answer 503 with ``Retry-After`` (never a 500), the pool must be renewed without
any restart of the service, and a report retried under its ``Idempotency-Key`` must be stored
exactly once. The backends of this test's own database are terminated, so unlike the cluster
restart in ``test_pg_restart.py`` nothing else on the server is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.app import create_app
from geo.stores import Store
from tests.api.conftest import STREET_X0, STREET_Y0, seed_one_street, settings_for

pytestmark = pytest.mark.postgis

X0, Y0 = STREET_X0, STREET_Y0
ATTEMPTS = 5


def _libpq_url(store: Store) -> str:
    return store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def cut_connections(store: Store) -> int:
    """Terminate every server session of the store's database; how many there were."""
    with psycopg.connect(_libpq_url(store), autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def until_answered(call: Callable[[], Response], statuses: list[int]) -> Response:
    """Repeat ``call`` while it answers 503 (as a client told to retry does), at most a few
    times; every 503 must say when to retry."""
    for _ in range(ATTEMPTS):
        answer: Response = call()
        statuses.append(answer.status_code)
        if answer.status_code != 503:
            return answer
        assert answer.headers.get("retry-after"), answer.text
        assert answer.json()["error"]["code"] == "store_unavailable"
    raise AssertionError(f"still 503 after {ATTEMPTS} attempts: the pool did not recover")


@pytest.mark.parametrize("empty_store", ["postgis"], indirect=True)
def test_cut_connections_cost_one_retry_and_no_duplicate(
    empty_store: Store, tmp_path: Path
) -> None:
    key = seed_one_street(empty_store)

    def report(external_id: str) -> dict[str, object]:
        return {
            "source": "12345", "external_id": external_id, "category": "environment",
            "description": f"垃圾堆放 {external_id}", "reported_at": "2025-01-01T08:00:00+08:00",
            "point": {"lon": X0 + 0.01, "lat": Y0 + 0.02},
        }  # fmt: skip

    with TestClient(create_app(settings_for(empty_store, tmp_path))) as client:
        client.headers["X-API-Key"] = key

        def post(external_id: str) -> Response:
            return client.post("/v1/reports", json=report(external_id),
                               headers={"Idempotency-Key": external_id})  # fmt: skip

        assert post("before").status_code == 201  # the pool now holds live connections
        assert cut_connections(empty_store) > 0

        statuses: list[int] = []
        stored = until_answered(lambda: post("after"), statuses)
        assert stored.status_code == 201, stored.text
        replay = until_answered(lambda: post("after"), statuses)
        assert replay.status_code == 200, replay.text
        assert replay.json()["id"] == stored.json()["id"]
        assert set(statuses) <= {200, 201, 503}, statuses

        assert cut_connections(empty_store) > 0
        read = until_answered(lambda: client.get("/v1/areas/330402007"), statuses)
        assert read.status_code == 200, read.text
        assert read.json()["id"] == "330402007"

    with psycopg.connect(_libpq_url(empty_store)) as conn:  # the fixture's pool was cut too
        row = conn.execute("SELECT count(*) FROM reports WHERE external_id = 'after'").fetchone()
    assert row == (1,)
