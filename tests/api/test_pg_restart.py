"""Faults: PostgreSQL restarts while dispatch clients post reports to a live server.

Clients keep posting reports, each under its own ``Idempotency-Key`` and external id, and
retry on 503 as the API tells them to. Half-way the cluster is stopped for about two seconds
and started again. While it is down every answer must be 503 with ``Retry-After`` (never a
500); afterwards the same server process must answer again by itself; and the database must
hold every report exactly once. Some reports are sent twice on purpose, as a client does when
it lost the first answer: the second answer must be the stored report.

The restart hits every database of the cluster, so the test is marked ``faults`` (deselect
with ``-m "not faults"`` while others run PostGIS tests on the same server) and keeps the
outage short. It always starts the cluster again, whatever happens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from geo.stores import Store
from tests.api.conftest import STREET_X0, STREET_Y0, seed_one_street
from tests.live_server import live_server

pytestmark = [pytest.mark.postgis, pytest.mark.faults]

# The cluster the test database lives on, as pg_ctlcluster names it ("VERSION NAME").
CLUSTER = os.environ.get("ONEMAP_TEST_PG_CLUSTER", "15 main").split()
DOWN_SECONDS = 2.0
CLIENTS = 4
X0, Y0 = STREET_X0, STREET_Y0


def pg_ctl(action: str, *options: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action, *options],
                   check=True, capture_output=True, timeout=60)  # fmt: skip


def wait_until_accepting(deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        probe = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False)
        if probe.returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError("PostgreSQL did not come back")


def restart_cluster(down_seconds: float) -> None:
    """Stop the cluster (fast: sessions are cut), wait, start it; it is always started again."""
    try:
        pg_ctl("stop", "-m", "fast")
        time.sleep(down_seconds)
    finally:
        pg_ctl("start")
        wait_until_accepting()


def can_restart_postgres() -> str | None:
    """Why the cluster cannot be restarted from here, or None when it can."""
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_isready") is None:
        return "pg_ctlcluster not installed"
    if os.geteuid() != 0:
        return "restarting PostgreSQL needs root"
    status = subprocess.run(["pg_ctlcluster", *CLUSTER, "status"], capture_output=True,
                            check=False)  # fmt: skip
    return None if status.returncode == 0 else f"cluster {' '.join(CLUSTER)} is not running here"


@pytest.fixture
def restartable() -> None:
    reason = can_restart_postgres()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot run the PostgreSQL restart test in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture
def served(restartable: None, empty_store: Store, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A live server over a PostGIS store with one district and street; a dispatcher key."""
    key = seed_one_street(empty_store)
    env = {**os.environ, "ONEMAP_DATABASE_URL": empty_store.url, "ONEMAP_DATA_DIR": str(tmp_path)}
    with live_server(env, cwd=tmp_path) as base:
        yield base, key


@dataclass
class Tally:
    """What the clients saw, shared by their threads."""

    statuses: Counter[int] = field(default_factory=Counter)
    unready: list[str] = field(default_factory=list)  # 503s without Retry-After, other problems
    transport_errors: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)  # external id -> report id answered
    lock: threading.Lock = field(default_factory=threading.Lock)


def post_until_stored(
    http: httpx.Client, body: Mapping[str, object], tally: Tally
) -> httpx.Response:
    """POST a report, retrying on 503 (and on a dropped connection) as a dispatch client does."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            answer = http.post("/v1/reports", json=body,
                               headers={"Idempotency-Key": str(body["external_id"])})  # fmt: skip
        except httpx.TransportError as exc:
            with tally.lock:
                tally.transport_errors.append(repr(exc))
            time.sleep(0.1)
            continue
        with tally.lock:
            tally.statuses[answer.status_code] += 1
        if answer.status_code != 503:
            return answer
        if "retry-after" not in answer.headers:
            with tally.lock:
                tally.unready.append(f"503 without Retry-After: {answer.text[:200]}")
        # The header says 5 s; a test client retries sooner to keep the test short.
        time.sleep(0.1)
    raise AssertionError(f"report {body['external_id']} not stored within 60 s: no recovery")


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def client(base: str, key: str, number: int, stop: threading.Event, tally: Tally) -> None:
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
        i = 0
        while not stop.is_set():
            external_id = f"restart-{number}-{i}"
            body = {
                "source": "12345", "external_id": external_id, "category": "environment",
                "description": f"垃圾堆放 {external_id}",
                "reported_at": "2025-01-01T08:00:00+08:00",
                "point": {"lon": X0 + 0.01 + 0.0001 * i, "lat": Y0 + 0.01 * (1 + number)},
            }  # fmt: skip
            answer = post_until_stored(http, body, tally)
            if answer.status_code not in (200, 201):
                with tally.lock:
                    tally.unready.append(f"{answer.status_code}: {answer.text[:200]}")
                return
            with tally.lock:
                tally.ids[external_id] = answer.json()["id"]
            if i % 5 == 0:  # as if the first answer had been lost: the retry gets the same report
                again = post_until_stored(http, body, tally)
                if again.status_code != 200 or again.json()["id"] != tally.ids[external_id]:
                    with tally.lock:
                        tally.unready.append(f"replay of {external_id}: {again.status_code}")
            i += 1


@pytest.mark.parametrize("empty_store", ["postgis"], indirect=True)
def test_reports_survive_a_postgres_restart_exactly_once(
    served: tuple[str, str], empty_store: Store
) -> None:
    base, key = served
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=client, args=(base, key, n, stop, tally))
               for n in range(CLIENTS)]  # fmt: skip
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(tally.ids) >= 2 * CLIENTS or bool(tally.unready), 30)
        stored_before = len(tally.ids)
        restart_cluster(DOWN_SECONDS)
        recovered_at = len(tally.ids)
        time.sleep(2.0)  # clients go on through the recovery
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
    assert tally.unready == []
    assert stored_before > 0, f"the clients stored nothing before the restart: {tally}"
    assert tally.statuses[503] > 0, "no client saw the outage: the restart missed the intake"
    assert len(tally.ids) > recovered_at, "no report was stored after the restart"
    assert set(tally.statuses) <= {200, 201, 503}, tally.statuses
    assert tally.transport_errors == [], "the service dropped connections instead of 503"
    # The same server process answers (no restart of the service was needed).
    assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200

    # The restart cut this test process's own pooled connections too; connections are not
    # pinged before use, so start the check on fresh ones.
    empty_store.engine.dispose()
    with empty_store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT external_id, id, idempotency_key FROM reports WHERE source = '12345'")
        ).all()
    stored = Counter(r.external_id for r in rows)
    duplicated = {e: n for e, n in stored.items() if n > 1}
    assert duplicated == {}
    assert set(stored) == set(tally.ids), "reports lost (or stored unasked)"
    assert {r.external_id: r.id for r in rows} == tally.ids
    assert all(r.idempotency_key.endswith(":" + r.external_id) for r in rows)
