"""API fixtures: a TestClient over the demo city on each backend (lifespan included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from geo.stores import Store


def settings_for(store: Store, tmp_path: Path) -> Settings:
    return Settings(database_url=store.url, data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def client(city_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = settings_for(city_store, tmp_path_factory.mktemp("api"))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def empty_client(empty_store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(empty_store, tmp_path))) as test_client:
        yield test_client
