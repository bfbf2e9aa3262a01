"""API keys, roles, area scopes, limits and the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.app import create_app
from geo.access import Role
from geo.areas import Level, NewArea
from geo.stores import Store
from tests.api.conftest import settings_for

DISTRICT = NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(120.70, 30.70, 120.80, 30.80))
STREETS = [
    NewArea(f"33040200{i}", Level.STREET, name, shapely.box(x, 30.70, x + 0.05, 30.80),
            parent_code="330402")
    for i, (name, x) in enumerate([("建设街道", 120.70), ("解放街道", 120.75)], start=7)
]  # fmt: skip


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.add_areas([DISTRICT, *STREETS], author="王工", reason="seed")
    return empty_store


@pytest.fixture
def http(store: Store, tmp_path: Path):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings_for(store, tmp_path))) as client:
        yield client


def key(store: Store, role: Role, scope: str | None = None) -> dict[str, str]:
    return {"X-API-Key": store.create_key(name=f"{role}", role=role, scope=scope)[1]}


def test_only_health_is_open(http: TestClient) -> None:
    assert http.get("/healthz").status_code == 200
    assert http.get("/readyz").status_code == 200
    missing = http.get("/v1/areas")
    assert missing.status_code == 401 and missing.json()["error"]["details"]["field"] == "X-API-Key"
    assert "WWW-Authenticate" in missing.headers


@pytest.mark.parametrize("presented", ["nonsense", "om_abc_def", "om__", "Bearer x" * 50])
def test_bad_keys_are_401(http: TestClient, presented: str) -> None:
    assert http.get("/v1/areas", headers={"X-API-Key": presented}).status_code == 401


def test_a_revoked_key_stops_working(store: Store, tmp_path: Path) -> None:
    settings = settings_for(store, tmp_path, key_cache_seconds=0)
    headers = key(store, Role.VIEWER)
    with TestClient(create_app(settings)) as http:
        assert http.get("/v1/areas", headers=headers).status_code == 200
        store.revoke_key(headers["X-API-Key"].split("_")[1])
        assert http.get("/v1/areas", headers=headers).status_code == 401


def test_roles_are_ordered(http: TestClient, store: Store) -> None:
    assert http.get("/v1/areas", headers=key(store, Role.VIEWER)).status_code == 200
    refused = http.get("/v1/audit", headers=key(store, Role.EDITOR))
    assert refused.status_code == 403 and "needs admin" in refused.json()["error"]["message"]
    assert http.get("/v1/audit", headers=key(store, Role.ADMIN)).status_code == 200


def test_a_scoped_key_sees_only_its_subtree(http: TestClient, store: Store) -> None:
    headers = key(store, Role.VIEWER, scope="330402008")
    codes = [
        f["properties"]["code"] for f in http.get("/v1/areas", headers=headers).json()["features"]
    ]
    assert codes == ["330402008"]
    assert http.get("/v1/areas/330402008", headers=headers).status_code == 200
    assert http.get("/v1/areas/330402007", headers=headers).status_code == 403
    assert http.get("/v1/areas/330402007/history", headers=headers).status_code == 403
    assert http.get("/v1/areas?parent=330402007", headers=headers).status_code == 403


def test_every_write_is_audited_and_the_log_is_append_only(http: TestClient, store: Store) -> None:
    body = http.get("/v1/audit", headers=key(store, Role.ADMIN)).json()
    actions = [item["action"] for item in body["items"]]
    assert "areas.create" in actions and "key.create" in actions
    seed = next(i for i in body["items"] if i["action"] == "areas.create")
    assert seed["actor"] == "王工" and seed["after"]["codes"] == [
        "330402",
        "330402007",
        "330402008",
    ]
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(DBAPIError), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    assert http.get("/v1/audit", headers=key(store, Role.ADMIN)).json()["total"] >= body["total"]


def test_rate_limit_answers_429_with_retry_after(store: Store, tmp_path: Path) -> None:
    settings = settings_for(store, tmp_path, rate_limit_per_second=1, rate_limit_burst=3)
    headers = key(store, Role.VIEWER)
    with TestClient(create_app(settings)) as http:
        answers = [http.get("/v1/areas?limit=1", headers=headers) for _ in range(5)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert answers[-1].status_code == 429 and int(answers[-1].headers["retry-after"]) >= 1


def test_bodies_over_the_limit_are_413(store: Store, tmp_path: Path) -> None:
    settings = settings_for(store, tmp_path, max_body_bytes=1024)
    with TestClient(create_app(settings)) as http:
        answer = http.post("/v1/areas", content=b"x" * 5000, headers=key(store, Role.ADMIN))
    assert answer.status_code == 413 and answer.json()["error"]["details"]["field"] == "body"
