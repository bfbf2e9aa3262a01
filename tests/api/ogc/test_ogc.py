"""OGC API - Features over the areas: the HTTP contract, and GDAL's OAPIF driver as a client."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import mapping, shape

from api.app import create_app
from geo.access import Role
from geo.stores import Store
from tests.api.conftest import settings_for
from tests.api.editing.test_edits import SEED
from tests.live_server import live_server

X0, Y0 = 120.70, 30.70
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.add_areas(SEED, author="seed", reason="seed")
    return empty_store


@pytest.fixture
def http(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(store, tmp_path))) as client:
        client.headers["X-API-Key"] = store.create_key(name="qgis", role=Role.EDITOR)[1]
        yield client


def test_landing_conformance_and_collections(http: TestClient) -> None:
    links = {link["rel"] for link in http.get("/ogc").json()["links"]}
    assert {"service-desc", "conformance", "data"} <= links
    conforms = http.get("/ogc/conformance").json()["conformsTo"]
    assert any("ogcapi-features-4" in c for c in conforms)
    ids = [c["id"] for c in http.get("/ogc/collections").json()["collections"]]
    assert ids == ["districts", "streets", "communities", "grids", "micro_grids"]
    streets = http.get("/ogc/collections/streets").json()
    assert streets["extent"]["spatial"]["bbox"][0] == pytest.approx([X0, Y0, X0 + 0.1, Y0 + 0.1])


def test_items_page_filter_and_swap_axes_for_epsg_4490(http: TestClient) -> None:
    page = http.get("/ogc/collections/streets/items?limit=1").json()
    assert page["numberMatched"] == 2 and page["numberReturned"] == 1
    assert any(link["rel"] == "next" for link in page["links"])
    east = http.get(f"/ogc/collections/streets/items?bbox={X0 + 0.07},{Y0},{X0 + 0.08},{Y0 + 0.01}")
    assert [f["id"] for f in east.json()["features"]] == ["330402008"]
    latlon = http.get(f"/ogc/collections/streets/items/330402008?crs={EPSG4490}")
    assert latlon.headers["content-crs"] == f"<{EPSG4490}>"
    lat_first = shape(latlon.json()["geometry"])
    assert lat_first.bounds == pytest.approx((Y0, X0 + 0.05, Y0 + 0.1, X0 + 0.1))


def test_datetime_selects_the_past(http: TestClient) -> None:
    assert (
        http.get("/ogc/collections/streets/items?datetime=2001-01-01T00:00:00Z").json()[
            "numberMatched"
        ]
        == 0
    )
    assert http.get("/ogc/collections/streets/items?datetime=2001-01-01/..").status_code == 422


def test_create_replace_delete_with_the_same_checks(http: TestClient, store: Store) -> None:
    community = {"type": "Feature", "geometry": mapping(shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.05)),
                 "properties": {"code": "330402007001", "name": "百福弄社区"}}  # fmt: skip
    created = http.post("/ogc/collections/communities/items", json=community)
    assert created.status_code == 201 and created.headers["location"].endswith("/330402007001")
    too_big = community | {"geometry": mapping(shapely.box(X0, Y0, X0 + 0.2, Y0 + 0.05))}
    refused = http.put("/ogc/collections/communities/items/330402007001", json=too_big)
    assert refused.status_code == 422
    stale = http.put("/ogc/collections/communities/items/330402007001", json=community,
                     headers={"If-Match": '"1"'})  # fmt: skip
    assert stale.status_code == 412
    renamed = community | {"properties": {"name": "百福社区"}}
    assert (
        http.put("/ogc/collections/communities/items/330402007001", json=renamed).status_code == 204
    )
    assert store.get_area("330402007001").name == "百福社区"
    assert http.delete("/ogc/collections/communities/items/330402007001").status_code == 204
    assert http.get("/ogc/collections/communities/items/330402007001").status_code == 404
    assert http.get("/ogc/collections/streets/items/330402007001").status_code == 404


@pytest.fixture
def server(store: Store, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A real uvicorn on loopback over the seeded store, for GDAL to talk to."""
    key = store.create_key(name="gdal", role=Role.EDITOR)[1]
    env = {**os.environ, "ONEMAP_DATABASE_URL": store.url, "ONEMAP_DATA_DIR": str(tmp_path)}
    with live_server(env) as base:
        yield base, key


def ogr(command: str, base: str, key: str, *args: str) -> str:
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"X-API-Key: {key}"}
    result = subprocess.run([command, *args], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(
    shutil.which("ogrinfo") is None and os.environ.get("CI") != "true",
    reason="GDAL (Debian gdal-bin) is not installed; .ci/run installs it",
)
def test_gdal_reads_every_collection_and_sees_a_write(
    server: tuple[str, str], http: TestClient
) -> None:
    base, key = server
    listing = ogr("ogrinfo", base, key, "-ro", "-q", f"OAPIF:{base}/ogc")
    for collection in ("districts", "streets", "communities", "grids", "micro_grids"):
        assert collection in listing
    streets = ogr("ogrinfo", base, key, "-ro", "-al", "-so", f"OAPIF:{base}/ogc", "streets")
    assert "Feature Count: 2" in streets
    area = http.get("/v1/areas/330402008")
    http.put("/v1/areas/330402008", json={"feature": {"type": "Feature", "geometry": None,
             "properties": {"name": "解放街道(新)"}}, "reason": "rename"},
             headers={"If-Match": area.headers["etag"]})  # fmt: skip
    dump = ogr("ogrinfo", base, key, "-ro", "-al", f"OAPIF:{base}/ogc", "streets")
    assert "解放街道(新)" in dump
