"""Locate under a key scoped to an area: answers only inside its subtree, on both stores."""

from __future__ import annotations

import pytest
import shapely
from fastapi.testclient import TestClient

from api.locate import LocateResult
from api.locate.schemas import BatchCodes, BatchFull
from api.schemas import ErrorBody
from geo.access import Role
from geo.areas import AreaRecord, Level
from geo.stores import Store


def inner_point(area: AreaRecord) -> list[float]:
    point = shapely.point_on_surface(area.geometry)
    return [point.x, point.y]


@pytest.fixture(scope="module")
def places(city_store: Store) -> dict[str, object]:
    """A street, a micro-grid point inside it, one in another street, one outside the city."""
    areas = city_store.current_areas()
    micro = [a for a in areas if a.level is Level.MICRO_GRID]
    mine = micro[0]
    other = next(a for a in micro if a.code[:9] != mine.code[:9])
    return {"scope": mine.code[:9], "inside": inner_point(mine), "inside_code": mine.code,
            "other": inner_point(other), "outside": [119.0, 29.0]}  # fmt: skip


@pytest.fixture(scope="module")
def scoped(city_store: Store, places: dict[str, object]) -> dict[str, str]:
    key = city_store.create_key(name="street office", role=Role.DISPATCHER,
                                scope=str(places["scope"]))[1]  # fmt: skip
    return {"X-API-Key": key}


def get(client: TestClient, point: object, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    assert isinstance(point, list)
    lon, lat = point
    return client.get("/v1/locate", params={"lon": lon, "lat": lat}, headers=headers)


def test_a_scoped_key_locates_inside_its_subtree(
    client: TestClient, places: dict[str, object], scoped: dict[str, str]
) -> None:
    answer = LocateResult.model_validate(get(client, places["inside"], scoped).json())
    assert answer.areas.micro_grid is not None
    assert answer.areas.micro_grid.code == places["inside_code"]
    # The chain above the scope comes along: the street office knows its own district.
    assert answer.areas.district is not None and answer.areas.street is not None
    assert answer.areas.street.code == places["scope"]


@pytest.mark.parametrize("where", ["other", "outside"])
def test_a_scoped_key_is_refused_a_point_outside_its_subtree(
    client: TestClient, places: dict[str, object], scoped: dict[str, str], where: str
) -> None:
    response = get(client, places[where], scoped)
    assert response.status_code == 403, response.text
    error = ErrorBody.model_validate(response.json()).error
    assert error.details["field"] == "lon" and error.details["scope"] == places["scope"]
    # The unscoped key of the same role answers the same point.
    assert get(client, places[where], {}).status_code == 200


def test_a_scoped_batch_answers_null_outside_the_subtree(
    client: TestClient, places: dict[str, object], scoped: dict[str, str]
) -> None:
    points = [places["other"], places["inside"], places["outside"], places["inside"]]
    codes = client.post("/v1/locate/batch?fields=codes", json={"points": points},
                        headers=scoped)  # fmt: skip
    assert codes.status_code == 200, codes.text
    assert codes.headers["x-outside-scope"] == "2"
    rows = BatchCodes.model_validate(codes.json()).results
    assert rows[0] == rows[2] == [None] * 5
    assert rows[1] == rows[3] and rows[1][4] == places["inside_code"]
    full = BatchFull.model_validate(
        client.post("/v1/locate/batch", json={"points": points}, headers=scoped).json()
    )
    assert [r.covered for r in full.results] == [False, True, False, True]
    unscoped = client.post("/v1/locate/batch?fields=codes", json={"points": points})
    assert "x-outside-scope" not in unscoped.headers
    assert BatchCodes.model_validate(unscoped.json()).results[0][0] is not None


def test_a_scoped_feature_batch_nulls_outside_features(
    client: TestClient, places: dict[str, object], scoped: dict[str, str]
) -> None:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": places[name]},
         "properties": {"id": name}}
        for name in ("inside", "other")
    ]  # fmt: skip
    answer = client.post("/v1/locate/batch?fields=codes", headers=scoped,
                         json={"type": "FeatureCollection", "features": features})  # fmt: skip
    assert answer.status_code == 200 and answer.headers["x-outside-scope"] == "1"
    props = [f["properties"] for f in answer.json()["features"]]
    assert props[0]["covered"] and props[0]["micro_grid"] == places["inside_code"]
    assert not props[1]["covered"] and props[1]["street"] is None and props[1]["id"] == "other"
