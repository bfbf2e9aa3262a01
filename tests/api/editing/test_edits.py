"""The edit endpoints: If-Match, previews with drawable problems, split/merge/boundary, revert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import mapping

from api.app import create_app
from geo.access import Role
from geo.areas import Level, NewArea
from geo.stores import Store
from tests import awkward
from tests.api.conftest import assert_error, settings_for

X0, Y0 = 120.70, 30.70
SEED = [
    NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(X0, Y0, X0 + 0.1, Y0 + 0.1)),
    NewArea("330402007", Level.STREET, "建设街道", shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.1),
            parent_code="330402"),
    NewArea("330402008", Level.STREET, "解放街道", shapely.box(X0 + 0.05, Y0, X0 + 0.1, Y0 + 0.1),
            parent_code="330402"),
]  # fmt: skip


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.add_areas(SEED, author="seed", reason="seed")
    return empty_store


@pytest.fixture
def http(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(store, tmp_path))) as client:
        client.headers["X-API-Key"] = store.create_key(name="测绘员", role=Role.EDITOR)[1]
        yield client


def feature(geometry: shapely.Geometry | None = None, **properties: object) -> dict[str, object]:
    return {"type": "Feature", "geometry": mapping(geometry) if geometry is not None else None,
            "properties": properties}  # fmt: skip


def etag(http: TestClient, code: str) -> str:
    return http.get(f"/v1/areas/{code}").headers["etag"]


def test_put_needs_if_match_and_refuses_a_stale_one(http: TestClient) -> None:
    body = {"feature": feature(name="建设"), "reason": "rename"}
    missing = http.put("/v1/areas/330402007", json=body)
    assert missing.status_code == 428 and missing.json()["error"]["details"]["field"] == "If-Match"
    first = etag(http, "330402007")
    done = http.put("/v1/areas/330402007", json=body, headers={"If-Match": first})
    assert done.status_code == 200 and done.headers["etag"] != first
    stale = http.put("/v1/areas/330402007", json=body, headers={"If-Match": first})
    assert stale.status_code == 412
    assert stale.json()["error"]["details"]["current_version"] == int(
        done.headers["etag"].strip('"')
    )


def test_preview_draws_the_problems_and_stores_nothing(http: TestClient, store: Store) -> None:
    before = store.current_version()
    grown = shapely.box(X0, Y0, X0 + 0.07, Y0 + 0.1)
    answer = http.post("/v1/areas/330402007/preview",
                       json={"feature": feature(grown), "reason": "try"}).json()  # fmt: skip
    assert answer["ok"] is False
    overlap = next(
        f for f in answer["problems"]["features"] if f["properties"]["kind"] == "overlap"
    )
    assert overlap["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert answer["impact"]["area_change_m2"]["330402007"] > 0
    assert store.current_version() == before


def test_a_refused_commit_answers_422_with_problem_features(http: TestClient, store: Store) -> None:
    before = store.current_version()
    body = {"feature": feature(awkward.bow_tie), "reason": "broken"}
    answer = http.put(
        "/v1/areas/330402007", json=body, headers={"If-Match": etag(http, "330402007")}
    )
    assert answer.status_code == 422
    kinds = {f["properties"]["kind"] for f in answer.json()["error"]["details"]["features"]}
    assert {"invalid_geometry", "repair_suggestion"} <= kinds
    assert store.current_version() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"feature": feature(name="x")}, "reason"),
        (
            {
                "feature": {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": "x"}},
                "reason": "r",
            },
            "feature.geometry",
        ),
        ({"feature": feature(shapely.Point(X0, Y0)), "reason": "r"}, "geometry"),
        ({"feature": feature(awkward.outside_china), "reason": "r"}, "geometry"),
        ({"feature": feature(code="330402009"), "reason": "r"}, "feature.properties.code"),
    ],
)
def test_bad_put_bodies_are_422_naming_the_field(http: TestClient, body: dict, field: str) -> None:  # type: ignore[type-arg]
    answer = http.put(
        "/v1/areas/330402007", json=body, headers={"If-Match": etag(http, "330402007")}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == field


def test_create_then_retire(http: TestClient, store: Store) -> None:
    new = feature(shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.05), code="330402007001", name="百福弄社区")
    created = http.post("/v1/areas", json={"feature": new, "reason": "new community"})
    assert created.status_code == 201, created.text
    assert created.json()["changeset"]["author"] == "测绘员"
    gone = http.delete("/v1/areas/330402007001?reason=merged away",
                       headers={"If-Match": created.headers["etag"]})  # fmt: skip
    assert gone.status_code == 200 and gone.json()["retired"] == ["330402007001"]
    assert http.get("/v1/areas/330402007001").status_code == 404
    assert len(http.get("/v1/areas/330402007001/history").json()["features"]) == 1


def test_split_merge_and_revert_round_trip(http: TestClient, store: Store) -> None:
    line = {"type": "LineString", "coordinates": [[X0 - 0.01, Y0 + 0.05], [X0 + 0.06, Y0 + 0.05]]}
    preview = http.post("/v1/areas/split", json={"code": "330402007", "line": line, "reason": "r",
                                                  "preview": True}).json()  # fmt: skip
    assert [a["properties"]["code"] for a in preview["areas"]] == ["330402009", "330402010"]
    unguarded = http.post("/v1/areas/split", json={"code": "330402007", "line": line,
                                                    "reason": "grew"})  # fmt: skip
    assert_error(unguarded, 428, "version")
    version = http.get("/v1/areas/330402007").json()["properties"]["version"]
    split = http.post("/v1/areas/split", json={"code": "330402007", "line": line, "reason": "grew",
                                                "version": version})  # fmt: skip
    assert split.status_code == 200, split.text
    parts = {a["properties"]["code"]: split.json()["version"] for a in split.json()["areas"]}
    unguarded = http.post("/v1/areas/merge", json={"codes": ["330402009", "330402010"],
                                                    "versions": {"330402009": parts["330402009"]},
                                                    "reason": "back"})  # fmt: skip
    assert_error(unguarded, 428, "versions")
    assert unguarded.json()["error"]["details"]["missing"] == ["330402010"]
    merged = http.post("/v1/areas/merge", json={"codes": ["330402009", "330402010"],
                                                 "versions": parts, "name": "建设街道",
                                                 "reason": "back"})  # fmt: skip
    assert merged.status_code == 200 and merged.json()["retired"] == ["330402010"]
    undo = http.post(
        f"/v1/changesets/{merged.json()['changeset']['id']}/revert", json={"reason": "oops"}
    )
    assert undo.status_code == 200, undo.text
    codes = [f["properties"]["code"] for f in http.get("/v1/areas?level=street").json()["features"]]
    assert codes == ["330402008", "330402009", "330402010"]
    changesets = http.get("/v1/changesets").json()
    assert [c["reason"] for c in changesets["items"][:3]] == ["oops", "back", "grew"]


def test_moving_a_shared_boundary(http: TestClient) -> None:
    body = {"codes": ["330402007", "330402008"], "reason": "road moved",
            "geometry": mapping(shapely.box(X0, Y0, X0 + 0.06, Y0 + 0.1))}  # fmt: skip
    assert http.post("/v1/areas/boundary", json=body | {"preview": True}).status_code == 200
    assert_error(http.post("/v1/areas/boundary", json=body), 428, "versions")
    body["versions"] = {c: http.get(f"/v1/areas/{c}").json()["properties"]["version"]
                        for c in body["codes"]}  # fmt: skip
    answer = http.post("/v1/areas/boundary", json=body)
    assert answer.status_code == 200, answer.text
    east = shapely.geometry.shape(http.get("/v1/areas/330402008").json()["geometry"])
    assert east.equals(shapely.box(X0 + 0.06, Y0, X0 + 0.1, Y0 + 0.1))


def test_editors_only_and_inside_their_scope(http: TestClient, store: Store) -> None:
    viewer = {"X-API-Key": store.create_key(name="v", role=Role.VIEWER)[1]}
    body = {"feature": feature(name="x"), "reason": "r"}
    assert (
        http.put("/v1/areas/330402007", json=body, headers=viewer | {"If-Match": '"1"'}).status_code
        == 403
    )
    scoped = {"X-API-Key": store.create_key(name="s", role=Role.EDITOR, scope="330402008")[1]}
    refused = http.put("/v1/areas/330402007", json=body, headers=scoped | {"If-Match": '"1"'})
    assert refused.status_code == 403
    audit = store.list_audit(limit=5).items
    assert all(entry["action"] != "areas.replace" for entry in audit)
