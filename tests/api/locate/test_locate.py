"""GET /v1/locate and POST /v1/locate/batch over the demo city, on both stores."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from api.locate import LocateResult
from api.locate.schemas import BatchCodes, BatchFull
from api.schemas import ErrorBody
from geo.access import Role
from geo.areas import LEVELS, Level, NewArea
from geo.clock import utc_now
from geo.crs import wgs84_to_bd09, wgs84_to_gcj02
from geo.locate import Locator
from geo.stores import Store
from tests.api.conftest import admin_client, settings_for

NAMES = [level.value for level in LEVELS]


@pytest.fixture(scope="module")
def locator(city_store: Store) -> Locator:
    return Locator(city_store.current_areas(), city_store.current_version(), cell_m=20.0)


@pytest.fixture(scope="module")
def sample(locator: Locator) -> np.ndarray:
    """Points inside micro-grids, inside communities without grids, and outside the city."""
    micro = locator.areas(Level.MICRO_GRID)
    inner = shapely.get_coordinates(shapely.point_on_surface([a.geometry for a in micro[::97]]))
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = shapely.total_bounds([a.geometry for a in micro])
    spread = rng.uniform([minx, miny], [maxx, maxy], size=(300, 2))
    outside = np.array([[119.0, 29.0], [122.5, 31.5]])
    return np.concatenate([inner, spread, outside])


def assert_error(response, status: int, field: str | None) -> ErrorBody:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = ErrorBody.model_validate(response.json())
    if field is not None:
        assert body.error.details["field"] == field, body
    return body


def expected_codes(locator: Locator, points: np.ndarray) -> list[list[str | None]]:
    codes = locator.codes(points[:, 0], points[:, 1])
    return [list(row) for row in zip(*(codes[level] for level in LEVELS), strict=True)]


def test_a_point_gets_its_chain_of_areas(client: TestClient, locator: Locator) -> None:
    micro = locator.areas(Level.MICRO_GRID)[5]
    point = micro.geometry.point_on_surface()
    response = client.get(f"/v1/locate?lon={point.x}&lat={point.y}")
    assert response.status_code == 200, response.text
    answer = LocateResult.model_validate(response.json())
    assert answer.covered and answer.version == locator.version
    assert answer.areas.micro_grid is not None and answer.areas.micro_grid.code == micro.code
    assert answer.areas.micro_grid.name == micro.name and answer.areas.micro_grid.kind == micro.kind
    assert answer.areas.grid is not None and answer.areas.grid.code == micro.parent_code
    assert answer.areas.district is not None and micro.code.startswith(answer.areas.district.code)


def test_single_answers_match_the_locator(
    client: TestClient, locator: Locator, sample: np.ndarray
) -> None:
    expected = expected_codes(locator, sample)
    for (lon, lat), codes in zip(sample[::7], expected[::7], strict=True):
        body = client.get("/v1/locate", params={"lon": lon, "lat": lat}).json()
        assert [(body["areas"][n] or {}).get("code") for n in NAMES] == codes
        assert body["covered"] == any(codes)


def test_outside_the_city_is_not_covered(client: TestClient) -> None:
    body = client.get("/v1/locate?lon=100.0&lat=25.0").json()
    assert body["covered"] is False and all(v is None for v in body["areas"].values())


@pytest.mark.parametrize(("crs", "forward"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_gcj02_and_bd09_input_is_converted(
    client: TestClient, locator: Locator, sample: np.ndarray, crs: str, forward: Callable[..., Any]
) -> None:
    lon, lat = forward(sample[:, 0], sample[:, 1])
    response = client.post(
        "/v1/locate/batch?fields=codes",
        json={"crs": crs, "points": np.stack([lon, lat], axis=1).tolist()},
    )
    assert BatchCodes.model_validate(response.json()).results == expected_codes(locator, sample)
    single = client.get("/v1/locate", params={"lon": lon[0], "lat": lat[0], "crs": crs}).json()
    assert single["areas"]["micro_grid"]["code"] == expected_codes(locator, sample[:1])[0][4]


def test_batch_answers_in_input_order(
    client: TestClient, locator: Locator, sample: np.ndarray
) -> None:
    points = sample[::-1].tolist()
    full = client.post("/v1/locate/batch", json={"points": points})
    assert full.status_code == 200, full.text
    answer = BatchFull.model_validate(full.json())
    codes = [
        [area.code if area else None for area in (getattr(r.areas, n) for n in NAMES)]
        for r in answer.results
    ]
    assert codes == expected_codes(locator, sample[::-1])
    compact = BatchCodes.model_validate(
        client.post("/v1/locate/batch?fields=codes", json={"points": points}).json()
    )
    assert compact.levels == NAMES and compact.results == codes
    assert compact.version == answer.version == locator.version


def test_a_feature_collection_gets_codes_in_its_properties(
    client: TestClient, locator: Locator, sample: np.ndarray
) -> None:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
         "properties": {"report": i} if i % 2 else None}
        for i, (x, y) in enumerate(sample[:50].tolist())
    ]  # fmt: skip
    collection = {"type": "FeatureCollection", "features": features}
    body = client.post("/v1/locate/batch?fields=codes", json=collection).json()
    assert body["type"] == "FeatureCollection" and body["version"] == locator.version
    for i, (feature, codes) in enumerate(
        zip(body["features"], expected_codes(locator, sample[:50]), strict=True)
    ):
        assert [feature["properties"][n] for n in NAMES] == codes
        assert feature["properties"].get("report") == (i if i % 2 else None)
    full = client.post("/v1/locate/batch", json=collection).json()
    micro = full["features"][0]["properties"]["micro_grid"]
    assert micro["code"] == expected_codes(locator, sample[:1])[0][4] and "name" in micro


def test_an_empty_batch_is_fine(client: TestClient) -> None:
    body = client.post("/v1/locate/batch?fields=codes", json={"points": []}).json()
    assert body["results"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lat=30.7", "lon"),
        ("lon=120.7", "lat"),
        ("lon=abc&lat=30.7", "lon"),
        ("lon=120.7&lat=nan", "lat"),
        ("lon=inf&lat=30.7", "lon"),
        ("lon=181&lat=30.7", "lon"),
        ("lon=120.7&lat=-90.5", "lat"),
        ("lon=120.7&lat=30.7&crs=epsg:3857", "crs"),
        ("lon=120.7&lat=30.7&as_of=yesterday", "as_of"),
    ],
)
def test_bad_single_input_is_422_naming_the_field(
    client: TestClient, query: str, field: str
) -> None:
    body = assert_error(client.get(f"/v1/locate?{query}"), 422, field)
    if field == "crs":
        assert "gcj02" in body.error.message and "bd09" in body.error.message


POINT = [120.75, 30.75]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"points": [POINT] * 17 + [["120.7", 30.7]]}, "points[17]"),
        ({"points": [POINT, [120.7]]}, "points[1]"),
        ({"points": [POINT, [120.7, 30.7, 5.0]]}, "points[1]"),
        ({"points": [POINT, None]}, "points[1]"),
        ({"points": [POINT, [True, 30.7]]}, "points[1]"),
        ({"points": [POINT, POINT, [120.7, 95.0]]}, "points[2].lat"),
        ({"points": [[-181.0, 30.0]]}, "points[0].lon"),
        ({"points": "120.7,30.7"}, "points"),
        ({"crs": "mercator", "points": [POINT]}, "crs"),
        ({"pts": [POINT]}, "points"),
        ([POINT], "body"),
    ],
)
def test_bad_batch_input_is_422_naming_the_field(client: TestClient, body, field: str) -> None:  # type: ignore[no-untyped-def]
    assert_error(client.post("/v1/locate/batch", json=body), 422, field)


def test_nan_and_infinity_in_a_body_are_named(client: TestClient) -> None:
    for literal, field in [("NaN", "points[1].lon"), ("1e999", "points[1].lat")]:
        lon, lat = (literal, "30.7") if field.endswith("lon") else ("120.7", literal)
        raw = f'{{"points": [[120.7, 30.7], [{lon}, {lat}]]}}'
        response = client.post(
            "/v1/locate/batch", content=raw, headers={"content-type": "application/json"}
        )
        assert_error(response, 422, field)


def test_not_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/v1/locate/batch", content=b"{points: ", headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "body")


def test_more_than_100000_points_is_413(client: TestClient) -> None:
    raw = '{"points": [' + ",".join(["[120.7,30.7]"] * 100_001) + "]}"
    response = client.post("/v1/locate/batch", content=raw)
    assert_error(response, 413, "points")


@pytest.mark.parametrize(
    ("features", "field"),
    [
        ([{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [POINT, POINT]}}],
         "features[0].geometry"),
        ([{"type": "Feature", "geometry": {"type": "Point", "coordinates": POINT}},
          {"type": "Feature", "geometry": None}], "features[1].geometry"),
        ([{"type": "Feature", "geometry": {"type": "Point", "coordinates": POINT}}] * 2
         + [{"type": "Feature", "geometry": {"type": "Point", "coordinates": ["x", 1]}}],
         "features[2].geometry.coordinates"),
        ([{"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.7, 91.0]}}],
         "features[0].geometry.coordinates"),
        ([{"type": "Point", "coordinates": POINT}], "features[0]"),
        ([{"type": "Feature", "geometry": {"type": "Point", "coordinates": POINT},
           "properties": [1]}], "features[0].properties"),
    ],
)  # fmt: skip
def test_a_malformed_feature_collection_names_the_feature(
    client: TestClient, features: list[object], field: str
) -> None:
    collection = {"type": "FeatureCollection", "features": features}
    assert_error(client.post("/v1/locate/batch", json=collection), 422, field)


def test_bad_fields_option_is_422(client: TestClient) -> None:
    response = client.post("/v1/locate/batch?fields=everything", json={"points": [POINT]})
    assert_error(response, 422, "fields")


def test_locate_needs_a_dispatcher_key(client: TestClient, city_store: Store) -> None:
    url = "/v1/locate?lon=120.75&lat=30.75"
    assert_error(client.get(url, headers={"X-API-Key": ""}), 401, "X-API-Key")
    _, viewer = city_store.create_key(name="viewer", role=Role.VIEWER)
    assert_error(client.get(url, headers={"X-API-Key": viewer}), 403, "X-API-Key")
    _, dispatcher = city_store.create_key(name="dispatcher", role=Role.DISPATCHER)
    assert client.get(url, headers={"X-API-Key": dispatcher}).status_code == 200
    response = client.post(
        "/v1/locate/batch", json={"points": [POINT]}, headers={"X-API-Key": viewer}
    )
    assert_error(response, 403, "X-API-Key")


def test_edits_are_seen_within_a_second_and_as_of_answers_the_past(
    empty_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEMAP_LOCATE_POLL_INTERVAL_S", "0.1")
    west = NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(120.70, 30.70, 120.75, 30.80))
    east = NewArea("330411", Level.DISTRICT, "秀洲区", shapely.box(120.75, 30.70, 120.80, 30.80))
    empty_store.add_areas([west], author="t", reason="west")
    before_east = utc_now()
    time.sleep(0.01)
    with admin_client(empty_store, settings_for(empty_store, tmp_path)) as client:
        assert client.app.state.locator.is_ready()  # type: ignore[attr-defined]
        url = "/v1/locate?lon=120.77&lat=30.75"
        assert client.get(url).json()["covered"] is False
        version = empty_store.add_areas([east], author="t", reason="east").id
        deadline = time.monotonic() + 1.5
        while client.get(url).json()["version"] != version and time.monotonic() < deadline:
            time.sleep(0.05)
        body = client.get(url).json()
        assert body["version"] == version and body["areas"]["district"]["code"] == "330411"
        # On the shared edge the smaller code wins.
        assert (
            client.get("/v1/locate?lon=120.75&lat=30.75").json()["areas"]["district"]["code"]
            == "330402"
        )
        past = client.get(
            "/v1/locate", params={"lon": 120.77, "lat": 30.75, "as_of": before_east.isoformat()}
        ).json()
        assert past["covered"] is False and past["version"] < version
        batch = client.post(
            "/v1/locate/batch",
            params={"fields": "codes", "as_of": (before_east + timedelta(days=365)).isoformat()},
            json={"points": [[120.77, 30.75]]},
        ).json()
        assert batch["results"] == [["330411", None, None, None, None]]


def test_the_openapi_document_describes_locate(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v1/locate" in spec["paths"] and "/v1/locate/batch" in spec["paths"]
    assert json.dumps(spec["paths"]["/v1/locate/batch"]).count("FeatureCollection") >= 1
