"""OGC API - Features over the areas: the HTTP contract, and GDAL's OAPIF driver as a client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from api.app import create_app
from geo.access import Role
from geo.stores import Store
from tests.api.conftest import settings_for
from tests.api.editing.test_edits import SEED

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
    past = http.get("/ogc/collections/streets/items?datetime=2001-01-01T00:00:00Z")
    assert past.json()["numberMatched"] == 0


@pytest.mark.parametrize(
    ("interval", "expected"),
    [("2001-01-01T00:00:00Z/..", 2), ("../2001-01-01T00:00:00Z", 0), ("2001-01-01/..", 2),
     ("../..", 2), ("/2099-01-01T00:00:00Z", 2), ("1990-01-01T00:00:00Z/2001-01-01T00:00:00Z", 0)],
)  # fmt: skip
def test_datetime_intervals_select_areas_valid_during_them(
    http: TestClient, interval: str, expected: int
) -> None:
    answer = http.get("/ogc/collections/streets/items", params={"datetime": interval})
    assert answer.status_code == 200, answer.text
    assert answer.json()["numberMatched"] == expected


def test_an_interval_holds_areas_retired_inside_it_once_in_their_last_version(
    http: TestClient,
) -> None:
    before = http.get("/ogc/collections/streets/items").json()["timeStamp"]
    renamed = {"type": "Feature", "geometry": None, "properties": {"name": "解放街道(新)"}}
    assert http.patch("/ogc/collections/streets/items/330402008", json=renamed).status_code == 200
    assert http.delete("/ogc/collections/streets/items/330402008").status_code == 200
    now = http.get("/ogc/collections/streets/items").json()
    assert [f["id"] for f in now["features"]] == ["330402007"]
    during = http.get("/ogc/collections/streets/items", params={"datetime": f"{before}/.."}).json()
    by_id = {f["id"]: f["properties"] for f in during["features"]}
    assert sorted(by_id) == ["330402007", "330402008"] and during["numberMatched"] == 2
    assert by_id["330402008"]["name"] == "解放街道(新)" and by_id["330402008"]["valid_to"]
    later = datetime.now(UTC) + timedelta(seconds=1)
    after = http.get(
        "/ogc/collections/streets/items", params={"datetime": f"{later.isoformat()}/.."}
    )
    assert [f["id"] for f in after.json()["features"]] == ["330402007"]


@pytest.mark.parametrize("value", ["2025-13-01T00:00:00Z/..", "a/b/c", "2025-02-01/2025-01-01"])
def test_a_bad_datetime_is_422_naming_it(http: TestClient, value: str) -> None:
    answer = http.get("/ogc/collections/streets/items", params={"datetime": value})
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "datetime"


def test_bbox_in_epsg_4490_is_latitude_first(http: TestClient) -> None:
    lat_first = f"{Y0},{X0 + 0.07},{Y0 + 0.01},{X0 + 0.08}"
    answer = http.get(f"/ogc/collections/streets/items?bbox={lat_first}&bbox-crs={EPSG4490}")
    assert answer.status_code == 200, answer.text
    assert [f["id"] for f in answer.json()["features"]] == ["330402008"]
    wrong = http.get(f"/ogc/collections/streets/items?bbox=1,2,3&bbox-crs={EPSG4490}")
    assert wrong.status_code == 422 and wrong.json()["error"]["details"]["field"] == "bbox"


def test_limit_is_clamped_to_the_maximum_and_defaults_to_a_useful_page(http: TestClient) -> None:
    huge = http.get("/ogc/collections/streets/items?limit=1000000")
    assert huge.status_code == 200 and huge.json()["numberReturned"] == 2
    spec = http.get("/openapi.json").json()
    parameters = spec["paths"]["/ogc/collections/{collection_id}/items"]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")["schema"]
    assert limit["default"] >= 1000 and limit["maximum"] >= limit["default"]
    following = http.get("/ogc/collections/streets/items?limit=1").json()["links"]
    href = next(link["href"] for link in following if link["rel"] == "next")
    assert "offset=1" in href and "limit=1" in href
