"""Tile fixtures: a small city to edit (both backends), API clients, and an MVT decoder.

The small city is three communities in two streets of one district, boxes in lon/lat, so an
edit's effect on every zoom can be asserted exactly. City-scale checks use the shared
read-only ``city_store``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from api.app import create_app
from api.map import MapSettings
from api.settings import Settings
from geo.access import Role
from geo.areas import Level, NewArea
from geo.stores import Store

X0, Y0 = 120.70, 30.70
DISTRICT = NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(X0, Y0, X0 + 0.1, Y0 + 0.1))
WEST = NewArea(
    "330402007",
    Level.STREET,
    "建设街道",
    shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.1),
    parent_code="330402",
)
EAST = NewArea(
    "330402008",
    Level.STREET,
    "解放街道",
    shapely.box(X0 + 0.05, Y0, X0 + 0.1, Y0 + 0.1),
    parent_code="330402",
)
SOUTH = NewArea(
    "330402007001",
    Level.COMMUNITY,
    "南社区",
    shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.05),
    parent_code="330402007",
)
NORTH = NewArea(
    "330402007002",
    Level.COMMUNITY,
    "北社区",
    shapely.box(X0, Y0 + 0.05, X0 + 0.05, Y0 + 0.1),
    parent_code="330402007",
)
EAST_C = NewArea(
    "330402008001",
    Level.COMMUNITY,
    "东社区",
    shapely.box(X0 + 0.05, Y0, X0 + 0.1, Y0 + 0.1),
    parent_code="330402008",
)
SMALL_CITY = [DISTRICT, WEST, EAST, SOUTH, NORTH, EAST_C]
ADDRESS_POINTS = [(X0 + 0.01, Y0 + 0.01), (X0 + 0.01, Y0 + 0.01), (X0 + 0.07, Y0 + 0.06)]


def address_frame() -> pd.DataFrame:
    """Three addresses, two at one building (its door and a room), one elsewhere."""
    texts = ["南湖路1号", "南湖路1号1单元101室", "东大街2号"]
    rows = []
    for i, ((lon, lat), text) in enumerate(zip(ADDRESS_POINTS, texts, strict=True)):
        community = "330402008001" if lon > X0 + 0.05 else "330402007001"
        rows.append(
            {
                "code": f"A{i}",
                "full_text": text,
                "components": {},
                "lon": lon,
                "lat": lat,
                "aliases": [],
                "status": "active",
                "district": "330402",
                "street": community[:9],
                "community": community,
                "grid": None,
                "micro_grid": None,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture
def small_store(empty_store: Store) -> Store:
    """The small city on a fresh store of each backend (function scope: tests edit it)."""
    empty_store.add_areas(SMALL_CITY, author="tests", reason="small city")
    empty_store.add_addresses(address_frame(), author="tests", reason="addresses")
    return empty_store


def settings_for(store: Store, tmp_path: Path) -> Settings:
    return Settings(database_url=store.url, data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]


def client_for(
    store: Store,
    tmp_path: Path,
    *,
    role: Role | None = Role.ADMIN,
    scope: str | None = None,
    **map_options: Any,
) -> TestClient:
    """A client (not yet started) with a key of ``role``; map settings from ``map_options``.

    The poll interval is long by default so that tests show freshness does not hang on it.
    """
    options: dict[str, Any] = {"tile_poll_interval_s": 60.0, **map_options}
    app = create_app(settings_for(store, tmp_path))
    app.state.map_settings = MapSettings(_env_file=None, **options)  # type: ignore[call-arg]
    client = TestClient(app)
    if role is not None:
        _, key = store.create_key(name="tiles-tests", role=role, scope=scope)
        client.headers["X-API-Key"] = key
    return client


@pytest.fixture
def small_client(small_store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with client_for(small_store, tmp_path) as client:
        yield client


@pytest.fixture(autouse=True)
def _lazy_indexes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LAZY_INDEXES.items():
        monkeypatch.setenv(name, value)


# Tiles need neither the locator nor the geocoder: do not make the tests wait for them.
LAZY_INDEXES = {
    "ONEMAP_LOCATE_WAIT_ON_START": "false",
    "ONEMAP_GEOCODE_WAIT_ON_START": "false",
    "ONEMAP_GEOCODE_WARM_ON_START": "false",
}


@pytest.fixture(scope="session")
def city_client(
    city_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """An admin client over the demo city (read-only), one per backend and session."""
    client = client_for(city_store, tmp_path_factory.mktemp("tiles-api"))
    with pytest.MonkeyPatch.context() as patch:  # only while the app starts
        for name, value in LAZY_INDEXES.items():
            patch.setenv(name, value)
        client.__enter__()
    try:
        yield client
    finally:
        client.__exit__(None, None, None)


def decode(data: bytes) -> dict[str, dict[str, BaseGeometry]]:
    """Layers of an MVT as ``{layer: {code: geometry in tile units, y down}}``."""
    if not data:
        return {}
    layers = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
    return {
        name: {f["properties"]["code"]: shape(f["geometry"]) for f in layer["features"]}
        for name, layer in layers.items()
    }


def properties(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """Layers of an MVT as ``{layer: [feature properties]}``."""
    if not data:
        return {}
    layers = mapbox_vector_tile.decode(data)
    return {n: [f["properties"] for f in layer["features"]] for n, layer in layers.items()}
