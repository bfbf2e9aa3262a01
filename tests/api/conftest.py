"""API fixtures: a TestClient over the demo city on each backend (lifespan included).

Clients carry an admin key by default (``client.headers["X-API-Key"]``); access tests make
keys of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.schemas import ErrorBody
from api.settings import Settings
from geo.access import Role
from geo.stores import Store


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
