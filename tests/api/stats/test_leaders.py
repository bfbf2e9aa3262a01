"""The leaders' numbers and the viewer's lookup over the populated demo city (embedded store).

Each number is recomputed here from the rows with plain Python, so a wrong definition in the
dashboard (a missed status, a deadline read the wrong way, a day boundary in UTC instead of the
city's time) fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from geo.access import Role
from geo.areas import Level
from geo.stores import Store
from geo.stores.schema import addresses, layer_features, reports
from tests.api.conftest import admin_client, assert_error, settings_for

ZONE = ZoneInfo("Asia/Shanghai")
OPEN = {"new", "dispatched", "in_progress", "needs_location"}


@pytest.fixture(scope="module")
def http(populated_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = settings_for(populated_store, tmp_path_factory.mktemp("leaders"))
    with admin_client(populated_store, settings) as client:
        yield client


def viewer(store: Store, scope: str | None = None) -> dict[str, str]:
    return {"X-API-Key": store.create_key(name="leader", role=Role.VIEWER, scope=scope)[1]}


def _rows(store: Store) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(reports))]


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=value.tzinfo or UTC)


def test_the_headline_is_what_the_rows_say(http: TestClient, populated_store: Store) -> None:
    body = http.get("/v1/stats/dashboard", headers=viewer(populated_store)).json()
    now = datetime.fromisoformat(body["now"])
    local = now.astimezone(ZONE)
    midnight = datetime(local.year, local.month, local.day, tzinfo=ZONE)
    monday = midnight - timedelta(days=local.weekday())
    start = midnight - timedelta(days=29)
    rows = _rows(populated_store)
    reported = [_utc(r["reported_at"]) for r in rows]
    assert body["headline"]["today"] == sum(t >= midnight for t in reported)  # type: ignore[operator]
    assert body["headline"]["this_week"] == sum(t >= monday for t in reported)  # type: ignore[operator]
    assert body["headline"]["open"] == sum(r["status"] in OPEN for r in rows)
    overdue = [
        r
        for r in rows
        if r["status"] in OPEN and r["sla_due_at"] is not None and _utc(r["sla_due_at"]) < now
    ]  # type: ignore[operator]
    assert body["headline"]["overdue"] == len(overdue) > 0
    judged = on_time = 0
    for r in rows:
        if _utc(r["reported_at"]) < start:  # type: ignore[operator]
            continue
        resolved, due = _utc(r["resolved_at"]), _utc(r["response_due_at"])  # type: ignore[arg-type]
        if resolved is not None or (due is not None and due < now):
            judged += 1
            on_time += resolved is not None and due is not None and resolved <= due
    assert body["headline"]["closure_rate_within_deadline"] == round(on_time / judged, 4)
    assert 0.5 < on_time / judged < 1.0  # the demo has both on-time and late cases


def test_ranking_and_trend_add_up(http: TestClient, populated_store: Store) -> None:
    body = http.get("/v1/stats/dashboard").json()
    in_streets = sum(r["reported"] for r in body["ranking"])
    unplaced = body["headline"]["reported"] - in_streets
    assert 0 <= unplaced < 30  # only the manual queue has no street
    assert sum(d["reported"] for d in body["trend"]) == body["headline"]["reported"]
    assert sum(d["resolved"] for d in body["trend"]) >= body["headline"]["resolved"] - 5
    assert len(body["trend"]) == 30 and body["ranking"][0]["name"]
    overdue = [r["overdue"] for r in body["ranking"]]
    assert overdue == sorted(overdue, reverse=True)
    street = body["ranking"][0]["code"]
    inner = http.get(f"/v1/stats/dashboard?area={street}").json()
    assert inner["group_by"] == "community"
    assert inner["headline"]["open"] == body["ranking"][0]["open"]


def test_a_grid_profile_counts_what_is_in_it(http: TestClient, populated_store: Store) -> None:
    grid = "330402007024001"
    body = http.get(f"/v1/stats/areas/{grid}/profile", headers=viewer(populated_store)).json()
    with populated_store.engine.connect() as conn:
        rooms = conn.execute(
            select(func.count()).where(addresses.c.grid == grid, addresses.c.full_text.like("%室"))
        ).scalar_one()
        lamps = conn.execute(
            select(func.count()).where(
                layer_features.c.grid == grid, layer_features.c.layer == "street_lamps"
            )
        ).scalar_one()
    assert body["households"] == rooms > 0
    assert {x["name"]: x["count"] for x in body["layers"]}["street_lamps"] == lamps
    assert body["buildings"] > 0 and [c["level"] for c in body["chain"]] == [
        "district",
        "street",
        "community",
    ]
    assert any(p["name"] == "路灯" and p["major_name"] == "公用设施" for p in body["parts"])
    assert body["team"]["name"]


def test_profile_and_dashboard_keep_to_the_key_scope(
    http: TestClient, populated_store: Store
) -> None:
    scoped = viewer(populated_store, scope="330402008")
    assert_error(http.get("/v1/stats/areas/330402007024001/profile", headers=scoped), 403, "code")
    assert_error(http.get("/v1/stats/dashboard?area=330402007", headers=scoped), 403, "area")
    mine = http.get("/v1/stats/dashboard", headers=scoped).json()
    assert mine["area"] == "330402008" and mine["group_by"] == "community"
    assert_error(http.get("/v1/stats/areas/12/profile"), 422, "code")
    assert_error(http.get("/v1/stats/areas/330402999/profile"), 404, "code")


def test_a_viewer_looks_up_a_point_without_the_dispatch_api(
    http: TestClient, populated_store: Store
) -> None:
    key = viewer(populated_store)
    assert http.get("/v1/locate?lon=120.78&lat=30.73", headers=key).status_code == 403
    mine = http.get("/v1/lookup?lon=120.78&lat=30.73", headers=key)
    assert mine.status_code == 200
    dispatch = http.get("/v1/locate?lon=120.78&lat=30.73").json()  # the admin key
    assert {k: (v or {}).get("code") for k, v in mine.json()["areas"].items()} == {
        k: (v or {}).get("code") for k, v in dispatch["areas"].items()
    }
    gcj = http.get("/v1/lookup?lon=120.7845&lat=30.7277&crs=gcj02", headers=key).json()
    assert gcj["areas"]["district"]["code"] == "330402"
    elsewhere = viewer(populated_store, scope="330411")
    assert_error(http.get("/v1/lookup?lon=120.78&lat=30.73", headers=elsewhere), 403, "lon")
    assert_error(http.get("/v1/lookup?lon=120.78&lat=30.73&crs=utm", headers=key), 422, "crs")


def test_search_finds_areas_then_addresses(http: TestClient, populated_store: Store) -> None:
    key = viewer(populated_store)
    body = http.get("/v1/lookup/search?q=百福弄社区", headers=key).json()
    assert body["areas"][0]["code"] == "330402007024" and body["areas"][0]["zoom"] == 15
    assert body["addresses"] and all("百福弄社区" in a["name"] for a in body["addresses"])
    assert http.get("/v1/lookup/search?q=%25%25", headers=key).json()["addresses"] == []
    assert_error(http.get("/v1/lookup/search?q=", headers=key), 422, "q")
    scoped = viewer(populated_store, scope="330402008")
    hits = http.get("/v1/lookup/search?q=百福弄", headers=scoped).json()
    assert hits["areas"] == [] and hits["addresses"] == []


def test_a_layer_counted_per_grid(http: TestClient, populated_store: Store) -> None:
    body = http.get(
        "/v1/stats/layers/street_lamps?level=grid&area=330402007", headers=viewer(populated_store)
    ).json()
    assert body["total"] == sum(a["count"] for a in body["areas"]) > 0
    assert all(a["code"].startswith("330402007") for a in body["areas"])
    by_store = populated_store.layer_counts_by_area("street_lamps", Level.GRID, "330402007")
    assert {a["code"]: a["count"] for a in body["areas"] if a["count"]} == by_store
    assert_error(http.get("/v1/stats/layers/street_lamps?level=town"), 422, "level")
    assert http.get("/v1/stats/layers/nope?level=grid").status_code == 404
