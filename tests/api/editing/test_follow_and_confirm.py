"""Children following over HTTP (/v1/areas/boundary, PUT, OGC), confirmed saves, new areas,
the editor's session, and error bodies with a stable kind and params."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import mapping

from api.app import create_app
from geo.access import Role
from geo.areas import Level
from geo.stores import Store
from tests.api.conftest import assert_error, settings_for
from tests.editing_sample import (
    GRID_1,
    GRID_6,
    METRE_LAT,
    METRE_LON,
    east_vertex,
    moved_vertex,
    seed_community,
)


@pytest.fixture
def store(empty_store: Store, demo_city: Any) -> Store:
    seed_community(empty_store, demo_city)
    return empty_store


@pytest.fixture
def http(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(store, tmp_path))) as client:
        client.headers["X-API-Key"] = store.create_key(name="测绘员", role=Role.EDITOR)[1]
        yield client


def boundary_body(store: Store, **extra: Any) -> dict[str, Any]:
    first, second = store.get_area(GRID_1), store.get_area(GRID_6)
    moved = moved_vertex(first, east_vertex(first.geometry, second.geometry), 30)
    return {
        "codes": [GRID_1, GRID_6],
        "geometry": mapping(moved),
        "reason": "东移",
        "versions": {GRID_1: first.version, GRID_6: second.version},
        **extra,
    }


def test_a_grid_boundary_move_needs_its_children_to_follow(http: TestClient, store: Store) -> None:
    refused = http.post("/v1/areas/boundary", json=boundary_body(store))
    body = assert_error(refused, 422, "geometry")
    assert body.error.kind == "child_outside"
    assert body.error.params["parent"] == GRID_6 and body.error.params["area_m2"] > 100
    preview = http.post(
        "/v1/areas/boundary", json=boundary_body(store, preview=True, follow_children=True)
    ).json()
    assert preview["ok"], preview["problems"]
    roles = {c["code"]: c["role"] for c in preview["changes"]}
    assert {c for c, r in roles.items() if r == "edited"} == {GRID_1, GRID_6}
    children = {c for c, r in roles.items() if r == "child"}
    assert children and all(len(c) == 18 for c in children)
    versions = {c["code"]: c["version"] for c in preview["changes"]}
    done = http.post(
        "/v1/areas/boundary",
        json=boundary_body(store, follow_children=True, versions=versions, exact_areas=True),
    )
    assert done.status_code == 200, done.text
    changeset = done.json()["changeset"]["id"]
    assert {store.get_area(c).version for c in versions} == {changeset}


def test_a_save_that_would_change_other_areas_than_confirmed_is_refused(
    http: TestClient, store: Store
) -> None:
    before = store.current_version()
    only_the_two = http.post(
        "/v1/areas/boundary", json=boundary_body(store, follow_children=True, exact_areas=True)
    )
    body = assert_error(only_the_two, 409, "versions")
    assert body.error.kind == "edit_areas_differ" and body.error.params["unexpected"]
    assert store.current_version() == before


def test_put_and_ogc_replace_take_the_option(http: TestClient, store: Store) -> None:
    grid = store.get_area(GRID_1)
    west, _, east, north = grid.geometry.bounds
    # Shrink grid 1 by a 20 m strip along its north: the micro-grids there must follow.
    smaller = grid.geometry.difference(
        shapely.box(west - 1, north - 20 * METRE_LAT, east + 1, north + 1)
    )
    put = {
        "feature": {"type": "Feature", "geometry": mapping(smaller), "properties": {}},
        "reason": "北移",
    }
    refused = http.put(f"/v1/areas/{GRID_1}", json=put, headers={"If-Match": f'"{grid.version}"'})
    assert assert_error(refused, 422, "geometry").error.kind == "child_outside"
    ogc = f"/ogc/collections/grids/items/{GRID_1}"
    feature = {"type": "Feature", "geometry": mapping(smaller), "properties": {}}
    reason = {"X-Reason": "move north edge"}
    assert http.put(ogc, json=feature, headers=reason).status_code == 422
    done = http.put(f"{ogc}?follow_children=true", json=feature, headers=reason)
    assert done.status_code == 200, done.text  # Part 4 answer: {id, version, warnings}
    version = int(done.headers["etag"].strip('"'))
    moved = [a for a in store.current_areas(Level.MICRO_GRID) if a.version == version]
    assert moved and all(a.code.startswith(GRID_1) for a in moved)
    assert all(store.get_area(GRID_1).geometry.buffer(1e-7).covers(a.geometry) for a in moved)


def test_a_new_dedicated_grid_gets_the_next_code_and_the_same_checks(
    http: TestClient, store: Store
) -> None:
    grid = store.get_area(GRID_1)
    centre = grid.geometry.representative_point()
    school = shapely.box(
        centre.x - 40 * METRE_LON,
        centre.y - 30 * METRE_LAT,
        centre.x + 40 * METRE_LON,
        centre.y + 30 * METRE_LAT,
    )
    feature = {
        "type": "Feature",
        "geometry": mapping(school),
        "properties": {"name": "实验小学专属网格", "kind": "dedicated", "parent_code": GRID_1[:12]},
    }
    plain = {"feature": feature, "reason": "学校", "preview": True}
    overlapping = http.post("/v1/areas", json=plain)
    assert overlapping.status_code == 200
    problems = overlapping.json()["problems"]["features"]
    assert "overlap" in {f["properties"]["kind"] for f in problems}
    body = {
        "feature": feature,
        "reason": "学校",
        "preview": True,
        "adjust_neighbours": True,
        "follow_children": True,
    }
    preview = http.post("/v1/areas", json=body).json()
    assert preview["ok"], preview["problems"]
    new = next(c for c in preview["changes"] if c["action"] == "create")
    used = store.codes_ever_used(GRID_1[:12])
    assert new["code"] > max(c for c in used if len(c) == 15) and len(new["code"]) == 15
    roles = {c["role"] for c in preview["changes"]}
    assert roles == {"edited", "clipped", "child"}
    versions = {c["code"]: c["version"] for c in preview["changes"] if c["version"] is not None}
    created = http.post(
        "/v1/areas", json={**body, "preview": False, "versions": versions, "exact_areas": True}
    )
    assert created.status_code == 201, created.text
    area = store.get_area(new["code"])
    assert area.kind == "dedicated" and area.name == "实验小学专属网格"
    assert store.get_area(GRID_1).geometry.intersection(area.geometry).area < 1e-12


def test_the_editor_session_says_whether_a_key_may_edit(http: TestClient, store: Store) -> None:
    viewer = store.create_key(name="领导", role=Role.VIEWER)[1]
    seen = http.get("/v1/editor/session", headers={"X-API-Key": viewer}).json()
    assert seen == {"name": "领导", "role": "viewer", "scope": None, "can_edit": False}
    assert http.get("/v1/editor/session").json()["can_edit"] is True
    refused = http.post(
        "/v1/areas/boundary", json=boundary_body(store, preview=True), headers={"X-API-Key": viewer}
    )
    body = assert_error(refused, 403, "X-API-Key")
    assert body.error.kind == "role_too_low"
    assert body.error.params == {"role": "viewer", "needed": "editor", "field": "X-API-Key"}


def test_errors_name_their_kind_and_params(http: TestClient, store: Store) -> None:
    grid = store.get_area(GRID_1)
    stale = http.put(
        f"/v1/areas/{GRID_1}",
        headers={"If-Match": f'"{grid.version - 1}"'},
        json={"feature": {"type": "Feature", "properties": {"name": "x"}}, "reason": "改名"},
    )
    body = assert_error(stale, 412, "If-Match")
    assert (body.error.code, body.error.kind) == ("version_mismatch", "version_stale")
    assert body.error.params == {
        "code": GRID_1,
        "sent": grid.version - 1,
        "current": grid.version,
        "field": "If-Match",
    }
    west, south, east, north = grid.geometry.bounds
    miss = http.post(
        "/v1/areas/split",
        json={
            "code": GRID_1,
            "version": grid.version,
            "reason": "拆分",
            "line": {
                "type": "LineString",
                "coordinates": [[east + 0.01, south], [east + 0.01, north]],
            },
        },
    )
    body = assert_error(miss, 422, "line")
    assert (body.error.code, body.error.kind) == ("invalid_input", "split_line_misses")
    long_reason = http.post(
        "/v1/areas/merge", json={"codes": [GRID_1, GRID_6], "reason": "x" * 2001}
    )
    body = assert_error(long_reason, 422, "reason")
    assert body.error.kind == "invalid_value"
    assert body.error.params["type"] == "string_too_long"
    assert body.error.params["max_length"] == 2000
    scoped = store.create_key(name="街道", role=Role.EDITOR, scope="330402008")[1]
    outside = http.post(
        "/v1/areas/split",
        headers={"X-API-Key": scoped},
        json={
            "code": GRID_1,
            "version": grid.version,
            "reason": "拆分",
            "line": {"type": "LineString", "coordinates": [[west, south], [east, north]]},
        },
    )
    assert outside.status_code == 403
    assert outside.json()["error"]["kind"] == "outside_scope"


def test_an_invalid_shape_with_adjust_neighbours_is_a_preview_not_a_500(
    http: TestClient, store: Store
) -> None:
    """Found while drawing the repair flow: clipping neighbours around a self-intersecting
    shape raised a GEOS TopologyException (500)."""
    grid = store.get_area(GRID_1)
    west, south, east, north = grid.geometry.bounds
    bow_tie = shapely.Polygon([(west, south), (east, north), (east, south), (west, north)])
    body = {
        "feature": {"type": "Feature", "geometry": mapping(bow_tie), "properties": {}},
        "reason": "扭结",
        "adjust_neighbours": True,
        "follow_children": True,
    }
    preview = http.post(f"/v1/areas/{GRID_1}/preview", json=body)
    assert preview.status_code == 200, preview.text
    kinds = {f["properties"]["kind"] for f in preview.json()["problems"]["features"]}
    assert {"invalid_geometry", "repair_suggestion"} <= kinds
    put = http.put(f"/v1/areas/{GRID_1}", json=body, headers={"If-Match": f'"{grid.version}"'})
    assert assert_error(put, 422, "geometry").error.kind == "invalid_geometry"
