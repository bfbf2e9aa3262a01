"""API fixtures: a TestClient over the demo city on each backend (lifespan included).

Clients carry an admin key by default (``client.headers["X-API-Key"]``); access tests make
keys of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient

from api.app import create_app
from api.schemas import ErrorBody
from api.settings import Settings
from geo.access import Role
from geo.areas import Level, NewArea
from geo.stores import Store

# One district holding one street: the smallest city a report can be placed in.
STREET_X0, STREET_Y0, STREET_SIDE = 120.70, 30.70, 0.1


def seed_one_street(store: Store) -> str:
    """Store a district and its street over the same square; a dispatcher key for them."""
    box = shapely.box(STREET_X0, STREET_Y0, STREET_X0 + STREET_SIDE, STREET_Y0 + STREET_SIDE)
    store.add_areas(
        [NewArea("330402", Level.DISTRICT, "南湖区", box),
         NewArea("330402007", Level.STREET, "建设街道", box, parent_code="330402")],
        author="tests", reason="seed",
    )  # fmt: skip
    return store.create_key(name="dispatch", role=Role.DISPATCHER)[1]


def settings_for(store: Store, tmp_path: Path, **overrides: object) -> Settings:
    return Settings(database_url=store.url, data_dir=tmp_path, _env_file=None, **overrides)  # type: ignore[call-arg,arg-type]


def assert_error(response: Any, status: int, field: str) -> ErrorBody:
    """The answer is the documented error shape, with this status, naming this field."""
    assert response.status_code == status, response.text
    body = ErrorBody.model_validate(response.json())
    assert body.error.details["field"] == field, body
    return body


def admin_client(store: Store, settings: Settings) -> TestClient:
    _, key = store.create_key(name="tests", role=Role.ADMIN)
    client = TestClient(create_app(settings))
    client.headers["X-API-Key"] = key
    return client


@pytest.fixture(scope="session")
def client(city_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = settings_for(city_store, tmp_path_factory.mktemp("api"))
    with admin_client(city_store, settings) as test_client:
        yield test_client


@pytest.fixture
def empty_client(empty_store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with admin_client(empty_store, settings_for(empty_store, tmp_path)) as test_client:
        yield test_client
