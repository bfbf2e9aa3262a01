"""Address text, geocoding and library reads over HTTP, on the demo city and both stores."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.addresses.schemas import (
    AddressItem,
    AddressList,
    CompareResponse,
    GeocodeResponse,
    ParseResponse,
    ReverseResponse,
)
from api.schemas import ErrorBody
from geo.access import Role
from geo.crs import wgs84_to_bd09, wgs84_to_gcj02
from geo.stores import Store
from sample_data.city import SampleCity


@pytest.fixture(scope="module")
def http(client: TestClient) -> TestClient:
    """The shared demo-city client, once its geocoder has loaded."""
    assert client.app.state.geocoder.start().wait_ready(300)  # type: ignore[attr-defined]
    return client


def key(store: Store, role: Role, scope: str | None = None) -> dict[str, str]:
    return {"X-API-Key": store.create_key(name=f"t-{role}", role=role, scope=scope)[1]}


def field_of(response: Any) -> str:
    ErrorBody.model_validate(response.json())
    return str(response.json()["error"]["details"]["field"])


# -- parse and compare ---------------------------------------------------------------------------
def test_parse_gives_spans_over_the_text_as_given(http: TestClient) -> None:
    text = "浙江省嘉兴市南湖区中山东路１２号三号楼二单元一零二室"
    got = ParseResponse.model_validate(
        http.post("/v1/addresses/parse", json={"address": text}).json()
    )
    assert got.normalized == "南湖区中山东路12号3幢2单元102室"
    for comp in got.components:
        assert text[comp.start : comp.end] == comp.text
    labels = {c.label: c.text for c in got.components}
    assert labels["road"] == "中山东路" and labels["roadno"] == "１２号"
    assert labels["houseno"] == "三号楼" and labels["cellno"] == "二单元"


BAD_TEXT = [
    ({"address": ""}, "address"),
    ({"address": "   "}, "address"),
    ({"address": "路" * 201}, "address"),
    ({"address": 12}, "address"),
    ({"address": "\x00\x1f\ufffe上海路"}, "address"),
    ({"address": "！？…… ——"}, "address"),
    ({"address": None}, "address"),
    ({"address": ["中山路"]}, "address"),
    ({}, "address"),
]


@pytest.mark.parametrize(("body", "field"), BAD_TEXT)
def test_parse_refuses_bad_text_naming_the_field(
    http: TestClient, body: dict[str, Any], field: str
) -> None:
    response = http.post("/v1/addresses/parse", json=body)
    assert response.status_code == 422 and field_of(response) == field


def test_parse_refuses_a_body_that_is_not_json(http: TestClient) -> None:
    response = http.post(
        "/v1/addresses/parse", content=b"\xff\xfe", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_parse_accepts_exactly_200_characters(http: TestClient) -> None:
    assert http.post("/v1/addresses/parse", json={"address": "路" * 200}).status_code == 200


@pytest.mark.parametrize(
    ("a", "b", "relation"),
    [
        ("杭州市西湖区文三路12号3幢", "文三路12号三号楼", "exact"),
        ("文三路12号3幢", "文三路12号5幢", "partial"),
        ("文三路12号3幢", "解放路88号", "none"),
    ],
)
def test_compare(http: TestClient, a: str, b: str, relation: str) -> None:
    got = CompareResponse.model_validate(
        http.post("/v1/addresses/compare", json={"a": a, "b": b}).json()
    )
    assert got.relation == relation and 0 <= got.score <= 1


def test_compare_says_what_kind_of_partial(http: TestClient) -> None:
    body = {"a": "文三路12号3幢", "b": "文三路12号5幢"}
    got = CompareResponse.model_validate(http.post("/v1/addresses/compare", json=body).json())
    assert (got.relation, got.kind) == ("partial", "same_compound")


@pytest.mark.parametrize(
    ("body", "field"), [({"a": "", "b": "x"}, "a"), ({"a": "x", "b": 3}, "b"), ({"a": "x"}, "b")]
)
def test_compare_names_the_bad_field(http: TestClient, body: dict[str, Any], field: str) -> None:
    response = http.post("/v1/addresses/compare", json=body)
    assert response.status_code == 422 and field_of(response) == field


# -- geocode and reverse -------------------------------------------------------------------------
def test_geocode_resolves_a_noisy_address_to_its_grid(
    http: TestClient, demo_city: SampleCity
) -> None:
    row = demo_city.addresses.iloc[2024]
    comps = row["components"]
    text = row["full_text"].replace(comps["prov"] + comps["city"], "").replace("幢", "栋")
    got = GeocodeResponse.model_validate(http.post("/v1/geocode", json={"address": text}).json())
    assert got.resolved and got.address is not None and got.areas is not None
    assert got.address.code == row["code"]
    assert got.areas.grid is not None and got.areas.grid.code == row["grid"]
    assert got.point is not None and (got.point.lon, got.point.lat) == (row["lon"], row["lat"])
    assert got.grid_confidence >= got.threshold and got.confidence is not None
    assert got.match_level == got.address.level == "room" and got.address.contradicts == []


def test_geocode_never_resolves_to_a_building_the_text_contradicts(
    http: TestClient, demo_city: SampleCity
) -> None:
    frame = demo_city.addresses
    row = frame[frame["components"].map(lambda c: c.get("houseno") == "1幢")].iloc[7]
    comps = row["components"]
    text = f"{comps['district']}{comps['road']}{comps['roadno']}{comps.get('poi', '')}98栋1201"
    got = GeocodeResponse.model_validate(http.post("/v1/geocode", json={"address": text}).json())
    if got.resolved:
        assert got.address is not None and got.match_level in ("poi", "road_number")
        assert "幢" not in got.address.full_text
    top = got.address or got.candidates[0]
    assert top.level in ("poi", "road_number")


def test_geocode_in_doubt_answers_unresolved_with_candidates(http: TestClient) -> None:
    response = http.post("/v1/geocode", json={"address": "长水路", "limit": 3})
    got = GeocodeResponse.model_validate(response.json())
    assert not got.resolved
    assert got.address is None and got.point is None and got.areas is None
    assert 1 <= len(got.candidates) <= 3
    assert all(c.areas.district is not None for c in got.candidates)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"address": ""}, "address"), ({"address": "x" * 201}, "address"),
     ({"address": 5}, "address"), ({"address": "中山路", "limit": 0}, "limit")],
)  # fmt: skip
def test_geocode_refuses_bad_input(http: TestClient, body: dict[str, Any], field: str) -> None:
    response = http.post("/v1/geocode", json=body)
    assert response.status_code == 422 and field_of(response) == field


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_reverse_in_any_crs(http: TestClient, demo_city: SampleCity, crs: str) -> None:
    row = demo_city.addresses.iloc[4321]
    lon, lat = float(row["lon"]), float(row["lat"])
    if crs == "gcj02":
        lon, lat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    elif crs == "bd09":
        lon, lat = (float(v) for v in wgs84_to_bd09(lon, lat))
    response = http.get("/v1/reverse", params={"lon": lon, "lat": lat, "crs": crs})
    got = ReverseResponse.model_validate(response.json())
    assert got.covered and got.address is not None
    assert got.address.distance_m is not None and got.address.distance_m < 0.5
    assert got.areas.micro_grid is not None and got.areas.micro_grid.code == row["micro_grid"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"lon": 500, "lat": 30}, "lon"), ({"lon": 120.7, "lat": "x"}, "lat"),
     ({"lon": 120.7, "lat": 30.7, "crs": "mars"}, "crs"), ({"lat": 30.7}, "lon")],
)  # fmt: skip
def test_reverse_refuses_bad_points(http: TestClient, params: dict[str, Any], field: str) -> None:
    response = http.get("/v1/reverse", params=params)
    assert response.status_code == 422 and field_of(response) == field


def test_reverse_far_away_finds_no_address_within_reach(http: TestClient) -> None:
    got = http.get("/v1/reverse", params={"lon": 100.0, "lat": 40.0, "max_distance_m": 500})
    body = ReverseResponse.model_validate(got.json())
    assert body.address is None and not body.covered


# -- reads of the library ------------------------------------------------------------------------
def test_list_pages_and_filters_by_area(http: TestClient, demo_city: SampleCity) -> None:
    frame: pd.DataFrame = demo_city.addresses
    grid = frame["grid"].iloc[100]
    got = AddressList.model_validate(
        http.get("/v1/addresses", params={"area": grid, "limit": 2, "offset": 1}).json()
    )
    assert got.total == int((frame["grid"] == grid).sum()) and len(got.items) == 2
    for item in got.items:
        assert item.areas.grid is not None and item.areas.grid.code == grid
        assert item.areas.district is not None and item.areas.district.name == "南湖区"
    one = AddressItem.model_validate(http.get(f"/v1/addresses/{got.items[0].id}").json())
    assert one == got.items[0]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"area": "12ab"}, "area"), ({"area": "1234567"}, "area"), ({"limit": 0}, "limit"),
     ({"limit": 5000}, "limit"), ({"offset": -1}, "offset")],
)  # fmt: skip
def test_list_refuses_bad_parameters(http: TestClient, params: dict[str, Any], field: str) -> None:
    response = http.get("/v1/addresses", params=params)
    assert response.status_code == 422 and field_of(response) == field


def test_unknown_address_is_404(http: TestClient) -> None:
    assert http.get("/v1/addresses/999999999").status_code == 404
    assert http.get("/v1/addresses/abc").status_code == 422


def test_a_scoped_key_reads_only_its_subtree(
    http: TestClient, city_store: Store, demo_city: SampleCity
) -> None:
    frame = demo_city.addresses
    community = frame["community"].iloc[0]
    headers = key(city_store, Role.VIEWER, scope=community)
    got = AddressList.model_validate(http.get("/v1/addresses", headers=headers).json())
    assert got.total == int((frame["community"] == community).sum())
    outside_area = frame.loc[frame["community"] != community, "community"].iloc[0]
    refused = http.get("/v1/addresses", params={"area": outside_area}, headers=headers)
    assert refused.status_code == 403
    outside = AddressList.model_validate(
        http.get("/v1/addresses", params={"area": outside_area, "limit": 1}).json()
    ).items[0]
    assert http.get(f"/v1/addresses/{outside.id}", headers=headers).status_code == 403


def test_a_scoped_dispatcher_geocodes_and_reverses_only_inside_its_subtree(
    http: TestClient, city_store: Store, demo_city: SampleCity
) -> None:
    frame = demo_city.addresses
    inside, outside = (
        frame.iloc[2024],
        frame.loc[frame["street"] != frame.iloc[2024]["street"]].iloc[0],
    )
    headers = key(city_store, Role.DISPATCHER, scope=inside["street"])
    mine = http.post("/v1/geocode", json={"address": inside["full_text"]}, headers=headers)
    assert mine.status_code == 200 and mine.json()["address"]["code"] == inside["code"]
    theirs = http.post("/v1/geocode", json={"address": outside["full_text"]}, headers=headers)
    assert theirs.status_code == 403 and field_of(theirs) == "address"
    vague = GeocodeResponse.model_validate(
        http.post("/v1/geocode", json={"address": "长水路", "limit": 20}, headers=headers).json()
    )
    assert all(c.areas.street is not None and c.areas.street.code == inside["street"]
               for c in vague.candidates)  # fmt: skip
    near = http.get(f"/v1/reverse?lon={inside['lon']}&lat={inside['lat']}&crs=cgcs2000",
                    headers=headers)  # fmt: skip
    assert near.status_code == 200 and near.json()["address"]["distance_m"] < 1
    assert near.json()["address"]["areas"]["street"]["code"] == inside["street"]
    far = http.get(f"/v1/reverse?lon={outside['lon']}&lat={outside['lat']}&crs=cgcs2000",
                   headers=headers)  # fmt: skip
    assert far.status_code == 403 and field_of(far) == "lon"


def test_roles(http: TestClient, city_store: Store) -> None:
    viewer = key(city_store, Role.VIEWER)
    dispatcher = key(city_store, Role.DISPATCHER)
    body = {"address": "中山路1号"}
    assert http.post("/v1/geocode", json=body, headers=viewer).status_code == 403
    assert http.post("/v1/addresses/parse", json=body, headers=viewer).status_code == 403
    assert http.get("/v1/reverse?lon=120.75&lat=30.75", headers=viewer).status_code == 403
    assert http.get("/v1/addresses?limit=1", headers=viewer).status_code == 200
    assert http.post("/v1/geocode", json=body, headers=dispatcher).status_code == 200
    assert http.post("/v1/addresses", json={}, headers=dispatcher).status_code == 403
    assert http.post("/v1/geocode", json=body, headers={"X-API-Key": ""}).status_code == 401
