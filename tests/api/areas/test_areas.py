"""GET /v1/areas and /v1/areas/{code} over the demo city, on both stores."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient

from api.areas.schemas import AreaCollection, AreaFeature
from geo.stores import Store
from tests.api.conftest import admin_client, assert_error, settings_for

SOURCES = Path(__file__).parents[3] / "sample_data" / "jiaxing"


def real_districts() -> dict[str, str]:
    data = json.loads((SOURCES / "jiaxing_district_tianditu.geojson").read_text("utf-8"))
    return {f["properties"]["code"]: f["properties"]["name"] for f in data["features"]}


def real_towns(district: str) -> dict[str, str]:
    towns = pd.read_csv(SOURCES / "jiaxing_towns.csv", dtype=str)
    towns = towns[(towns["in_nbs2023"] == "1") & (towns["district_code"] == district)]
    return dict(zip(towns["nbs2023_code"], towns["name"], strict=True))


def collection(client: TestClient, query: str) -> AreaCollection:
    response = client.get(f"/v1/areas?{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    return AreaCollection.model_validate(response.json())


def test_districts_are_the_seven_real_ones(client: TestClient) -> None:
    page = collection(client, "level=district")
    assert {f.properties.code: f.properties.name for f in page.features} == real_districts()
    assert page.numberMatched == 7
    assert all(f.geometry["type"] == "MultiPolygon" for f in page.features)


def test_streets_of_a_district_are_its_real_towns(client: TestClient) -> None:
    page = collection(client, "level=street&parent=330402")
    assert {f.properties.code: f.properties.name for f in page.features} == real_towns("330402")
    assert all(f.properties.parent_code == "330402" for f in page.features)


def test_pages_walk_the_whole_list_in_code_order(client: TestClient) -> None:
    whole = collection(client, "level=community&parent=330402")
    codes: list[str] = []
    url = "/v1/areas?level=community&parent=330402&limit=40"
    while url:
        page = AreaCollection.model_validate(client.get(url).json())
        codes += [f.properties.code for f in page.features]
        url = next((link.href for link in page.links if link.rel == "next"), "")
    assert codes == [f.properties.code for f in whole.features] == sorted(codes)
    assert len(codes) == whole.numberMatched > 40


def test_bbox_returns_exactly_the_intersecting_micro_grids(client: TestClient, demo_city) -> None:  # type: ignore[no-untyped-def]
    west, south, east, north = 120.75, 30.74, 120.76, 30.75
    page = collection(client, f"level=micro_grid&bbox={west},{south},{east},{north}")
    box = shapely.box(west, south, east, north)
    expected = sorted(
        a.code
        for a in demo_city.areas
        if a.level.value == "micro_grid" and a.geometry.intersects(box)
    )
    assert [f.properties.code for f in page.features] == expected
    assert expected


def test_one_area_carries_its_version_as_etag(client: TestClient) -> None:
    response = client.get("/v1/areas/330402007")
    assert response.status_code == 200
    feature = AreaFeature.model_validate(response.json())
    assert feature.properties.name == real_towns("330402")["330402007"]
    assert response.headers["etag"] == f'"{feature.properties.version}"'
    again = client.get("/v1/areas/330402007", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_grids_have_kind_and_team(client: TestClient) -> None:
    page = collection(client, "level=grid&parent=330402&limit=500")
    kinds = {f.properties.kind for f in page.features}
    assert kinds <= {"basic", "dedicated"} and "basic" in kinds
    assert all(f.properties.team is not None for f in page.features)


def test_as_of_before_the_data_existed_is_empty(client: TestClient) -> None:
    page = collection(client, "level=district&as_of=2000-01-01T00:00:00")
    assert page.numberMatched == 0
    assert client.get("/v1/areas/330402?as_of=2000-01-01").status_code == 404


def test_history_of_an_area(client: TestClient) -> None:
    history = client.get("/v1/areas/330402007/history").json()
    assert [f["properties"]["valid_to"] for f in history["features"]] == [None]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("level=province", "level"),
        ("bbox=120.7,30.7,120.8", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=120.8,30.7,120.7,30.8", "bbox"),
        ("bbox=200,30,210,31", "bbox"),
        ("limit=0", "limit"),
        ("limit=100001", "limit"),
        ("offset=-1", "offset"),
        ("parent=3304x2", "parent"),
        ("parent=3304021", "parent"),
        ("as_of=yesterday", "as_of"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_field(
    client: TestClient, query: str, field: str
) -> None:
    assert_error(client.get(f"/v1/areas?{query}"), 422, field)


def test_unknown_level_lists_the_accepted_ones(client: TestClient) -> None:
    message = client.get("/v1/areas?level=province").json()["error"]["message"]
    assert "district" in message and "micro_grid" in message


def test_unknown_and_malformed_codes(client: TestClient) -> None:
    assert_error(client.get("/v1/areas/330402999"), 404, "code")
    assert_error(client.get("/v1/areas/33040"), 422, "code")
    assert_error(client.get("/v1/areas/abcdef"), 422, "code")


def test_health_and_readiness(client: TestClient, empty_client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["counts"]["district"] == 7
    not_ready = empty_client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.headers["retry-after"]


def test_openapi_documents_the_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/areas", "/v1/areas/{code}", "/healthz", "/readyz"} <= set(spec["paths"])
    page = client.get("/docs")
    assert page.status_code == 200 and "/static/vendor/swagger-ui" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, no validator


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_readiness_tells_the_address_library_state(
    city_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lazy worker is ready before its library is built; a warming one only after."""
    with admin_client(city_store, settings_for(city_store, tmp_path)) as lazy:
        ready = lazy.get("/readyz")
        assert ready.status_code == 200 and ready.json()["geocoder"] == "on_first_use"
        assert lazy.post("/v1/geocode", json={"address": "南湖区"}).status_code in (200, 503)
        assert lazy.app.state.geocoder.wait_ready(300)  # type: ignore[attr-defined]
        assert lazy.get("/readyz").json()["geocoder"] == "ready"
    monkeypatch.setenv("ONEMAP_GEOCODE_WARM_ON_START", "true")
    with admin_client(city_store, settings_for(city_store, tmp_path)) as warming:
        first = warming.get("/readyz")
        if first.status_code == 503:
            assert first.json()["reason"] == "address library loading"
            assert first.json()["geocoder"] == "loading"
        assert warming.app.state.geocoder.wait_ready(300)  # type: ignore[attr-defined]
        ready = warming.get("/readyz")
        assert ready.status_code == 200 and ready.json()["geocoder"] == "ready"
