"""The real clients' fixtures: one live server over a PostGIS copy of the demo city (the
clients edit it, so it is not the shared read-only ``city_store``), and the counts of every
collection as ``/v1/areas`` reports them, to check each client against.

Client tools that are missing skip locally and fail in CI (``CI=true``), where ``.ci/run``
installs them: QGIS 3.40 from bookworm-backports, GDAL from Debian, OWSLib and georeport
from PyPI (the dev extra).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from geo.access import Role
from geo.stores import Store, open_store
from tests.conftest import _drop, store_url
from tests.live_server import live_server

COLLECTIONS = {"districts": "district", "streets": "street", "communities": "community",
               "grids": "grid", "micro_grids": "micro_grid"}  # fmt: skip


def need(available: bool, what: str) -> None:
    """Skip without ``what`` locally; in CI its absence is a failure of the machine set-up."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI: .ci/run installs it")
    pytest.skip(f"{what} is not installed (.ci/run installs it)")


class City:
    """The served city: its base URL, an editor and an admin key, and a client for checks."""

    def __init__(self, base: str, editor: str, admin: str, store: Store) -> None:
        self.base, self.editor, self.admin, self.store = base, editor, admin, store
        self.http = httpx.Client(base_url=base, headers={"X-API-Key": admin}, timeout=60)

    def counts(self) -> dict[str, int]:
        """numberMatched of every collection's level from /v1/areas, now."""
        return {
            collection: self.http.get("/v1/areas", params={"level": level, "limit": 1}).json()[
                "numberMatched"
            ]
            for collection, level in COLLECTIONS.items()
        }

    def get(self, path: str, **params: Any) -> Any:
        answer = self.http.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="session")
def served_city(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_city: Any
) -> Iterator[City]:
    folder = tmp_path_factory.mktemp("clients")
    url, database = store_url("postgis", folder, request)
    store = open_store(url)
    store.upgrade()
    store.add_areas(demo_city.areas, author="tests", reason="demo city", operation="sample")
    store.add_addresses(demo_city.addresses, author="tests", reason="demo addresses")
    editor = store.create_key(name="测绘员", role=Role.EDITOR)[1]
    admin = store.create_key(name="admin", role=Role.ADMIN)[1]
    env = {**os.environ, "ONEMAP_DATABASE_URL": url, "ONEMAP_DATA_DIR": str(folder),
           "ONEMAP_ACCESS_LOG": "false"}  # fmt: skip
    try:
        with live_server(env, cwd=Path(__file__).parents[2]) as base:
            city = City(base, editor, admin, store)
            yield city
            city.http.close()
    finally:
        store.dispose()
        if database:
            _drop(database)
