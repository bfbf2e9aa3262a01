"""Report intake and handling over HTTP on the demo city, both stores."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from api.reports.schemas import BatchOut, ReportList, ReportOut
from geo.access import Role
from geo.crs import wgs84_to_gcj02
from geo.stores import Store
from geo.stores.schema import report_events, report_media, reports
from tests.api.conftest import assert_error

FIELDS = {"areas": ["grid", "community"]}


@pytest.fixture(scope="module", autouse=True)
def leave_no_reports(city_store: Store) -> Iterator[None]:
    """The demo city is shared by the whole session: take the reports away again afterwards
    (the audit log is append-only and keeps its entries)."""
    yield
    with city_store.engine.begin() as conn:
        conn.execute(delete(report_media))
        conn.execute(delete(report_events))
        conn.execute(delete(reports))


@pytest.fixture(scope="module")
def http(client: TestClient) -> TestClient:
    """The shared demo-city client, once its address library has loaded."""
    assert client.app.state.geocoder.wait_ready(300)  # type: ignore[attr-defined]
    return client


@pytest.fixture(scope="module")
def places(demo_city: Any) -> Any:
    """Standard addresses of the demo city with their true grid, a spread sample."""
    frame = demo_city.addresses
    return frame[frame.grid.notna()].iloc[::997].reset_index(drop=True)


def gcj(lon: float, lat: float) -> dict[str, Any]:
    x, y = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    return {"lon": float(x[0]), "lat": float(y[0]), "crs": "gcj02"}


def key(store: Store, role: Role, scope: str | None = None) -> dict[str, str]:
    return {"X-API-Key": store.create_key(name=f"{role.value} {scope}", role=role, scope=scope)[1]}


def total(http: TestClient) -> int:
    return int(http.get("/v1/reports", params={"limit": 1}).json()["total"])


def test_a_gcj02_point_lands_in_its_grid(http: TestClient, places: Any) -> None:
    row = places.iloc[0]
    answer = http.post(
        "/v1/reports",
        json={"source": "app", "point": gcj(row.lon, row.lat), "description": "井盖缺失"},
    )
    assert answer.status_code == 201, answer.text
    report = ReportOut.model_validate(answer.json())
    assert report.status == "new" and report.areas.grid is not None
    assert report.areas.grid.code == row.grid and report.location.method == "point"
    assert report.location.lon is not None and abs(report.location.lon - row.lon) < 1e-7
    assert report.location.input is not None and report.location.input.crs == "gcj02"
    assert answer.headers["location"] == f"/v1/reports/{report.id}"


def test_an_address_lands_in_its_grid_and_both_are_cross_checked(
    http: TestClient, places: Any
) -> None:
    row = places.iloc[1]
    by_address = http.post("/v1/reports", json={"source": "12345", "address": row.full_text})
    report = ReportOut.model_validate(by_address.json())
    assert report.location.method == "address" and report.areas.grid.code == row.grid  # type: ignore[union-attr]
    assert report.location.geocoded is not None and report.location.confidence >= 0.9  # type: ignore[operator]
    both = http.post(
        "/v1/reports",
        json={
            "source": "12345",
            "address": row.full_text,
            "point": gcj(row.lon + 0.00005, row.lat),
        },
    )
    assert ReportOut.model_validate(both.json()).location.method == "point+address"
    far = places.iloc[2]
    mismatch = ReportOut.model_validate(
        http.post(
            "/v1/reports",
            json={"source": "12345", "address": row.full_text, "point": gcj(far.lon, far.lat)},
        ).json()
    )
    assert "location_mismatch" in mismatch.location.flags
    if far.grid != row.grid:
        assert mismatch.status == "needs_location" and mismatch.areas.grid is None
        assert {c["grid"] for c in mismatch.location.candidates} == {row.grid, far.grid}


def test_nothing_resolvable_goes_to_the_manual_queue(http: TestClient) -> None:
    answer = http.post("/v1/reports", json={"source": "110", "address": "菜市场旁边那条路"})
    report = ReportOut.model_validate(answer.json())
    assert report.status == "needs_location" and report.areas.grid is None
    assert report.location.method == "none" and "address_unresolved" in report.location.flags
    queue = ReportList.model_validate(http.get("/v1/reports?status=needs_location").json())
    assert report.id in {r.id for r in queue.items}


def test_retries_return_the_first_report(http: TestClient, places: Any) -> None:
    body = {"source": "12345", "point": gcj(places.lon[3], places.lat[3]), "description": "噪音"}
    first = http.post("/v1/reports", json=body, headers={"Idempotency-Key": "tel-0001"})
    again = http.post("/v1/reports", json=body, headers={"Idempotency-Key": "tel-0001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"]
    changed = http.post(
        "/v1/reports", json={**body, "description": "别的"}, headers={"Idempotency-Key": "tel-0001"}
    )
    assert_error(changed, 409, "Idempotency-Key")
    by_id = {**body, "external_id": "GD-42"}
    assert (
        http.post("/v1/reports", json=by_id).json()["id"]
        == http.post("/v1/reports", json=by_id).json()["id"]
    )


def test_concurrent_retries_over_http_store_one_report(http: TestClient, places: Any) -> None:
    body = {"source": "patrol", "point": gcj(places.lon[4], places.lat[4])}
    answers: list[tuple[int, int]] = []

    def send() -> None:
        done = http.post("/v1/reports", json=body, headers={"Idempotency-Key": "patrol-77"})
        answers.append((done.status_code, done.json()["id"]))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id_ for _, id_ in answers}) == 1
    assert sorted(status for status, _ in answers) == [200] * 5 + [201]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "source"),
        ({"source": "12345"}, "address"),
        ({"source": "weibo", "address": "上海路1号"}, "source"),
        ({"source": "app", "point": {"lon": 120.7, "lat": 30.7, "crs": "mars"}}, "point.crs"),
        ({"source": "app", "address": "x", "description": "长" * 5001}, "description"),
        ({"source": "app", "point": {"lon": "东", "lat": 30.7}}, "point.lon"),
        ({"source": "app", "point": {"lon": 2.35, "lat": 48.85}}, "point.lon"),
        ({"source": "app", "point": {"lon": 30.75, "lat": 120.76}}, "point.lat"),
        ({"source": "app", "address": "上海路1号", "description": "井盖\x00缺失"}, "description"),
        ({"source": "app", "address": "\x00\x01\x02\x03"}, "address"),
        ([1, 2], ""),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(
    http: TestClient, body: Any, field: str
) -> None:
    before = total(http)
    assert_error(http.post("/v1/reports", json=body), 422, field)
    assert total(http) == before


@pytest.mark.parametrize(
    "body, field",
    [
        (b"{not json", "body"),
        (b'{"reports": []}', "reports"),
        (b'{"items": []}', "reports"),
        (b'{"reports": [{"source": "app", "address": "x"}, {"source": "x"}]}', "reports.1.source"),
    ],
)
def test_a_malformed_batch_is_422_and_stores_nothing(
    http: TestClient, body: bytes, field: str
) -> None:
    before = total(http)
    answer = http.post(
        "/v1/reports/batch", content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(answer, 422, field)
    assert total(http) == before


def test_a_batch_is_placed_in_order_and_safe_to_resend(http: TestClient, places: Any) -> None:
    reports = [
        {"source": "app", "point": gcj(places.lon[5], places.lat[5])},
        {"source": "12345", "address": places.full_text[6]},
        {"source": "12345", "address": "那边"},
    ]
    first = BatchOut.model_validate(
        http.post(
            "/v1/reports/batch", json={"reports": reports}, headers={"Idempotency-Key": "b-1"}
        ).json()
    )
    assert first.created == 3 and [i.report.status for i in first.items] == [
        "new",
        "new",
        "needs_location",
    ]
    assert first.items[1].report.areas.grid.code == places.grid[6]  # type: ignore[union-attr]
    again = BatchOut.model_validate(
        http.post(
            "/v1/reports/batch", json={"reports": reports}, headers={"Idempotency-Key": "b-1"}
        ).json()
    )
    assert again.existing == 3 and [i.report.id for i in again.items] == [
        i.report.id for i in first.items
    ]
    too_many = {"reports": [reports[0]] * 10_001}
    assert_error(http.post("/v1/reports/batch", json=too_many), 413, "reports")


def test_viewers_read_masked_text_and_dispatchers_may_unmask(
    http: TestClient, city_store: Store, places: Any
) -> None:
    body = {
        "source": "12345",
        "point": gcj(places.lon[7], places.lat[7]),
        "description": "请回电13812345678",
        "contact": {"name": "王小明", "phone": "13912345678"},
    }
    report_id = http.post("/v1/reports", json=body).json()["id"]
    viewer = key(city_store, Role.VIEWER)
    seen = http.get(f"/v1/reports/{report_id}", headers=viewer).json()
    assert seen["description"] == "请回电138****5678"
    assert seen["contact"] == {"name": "王**", "phone": "139****5678"}
    listed = http.get("/v1/reports", params={"limit": 5}, headers=viewer).json()
    assert "13812345678" not in str(listed)
    assert_error(http.get(f"/v1/reports/{report_id}?unmask=true", headers=viewer), 403, "unmask")
    raw = http.get(f"/v1/reports/{report_id}?unmask=true").json()
    assert raw["description"] == "请回电13812345678"
    assert (
        city_store.list_audit(target=f"report {report_id}").items[0]["action"] == "reports.read_raw"
    )


def test_the_lifecycle_over_http(http: TestClient, places: Any) -> None:
    created = http.post(
        "/v1/reports", json={"source": "app", "point": gcj(places.lon[8], places.lat[8])}
    )
    url = f"/v1/reports/{created.json()['id']}"
    assert_error(http.patch(url, json={"status": "resolved"}), 409, "status")
    done = http.patch(
        url,
        json={"status": "dispatched", "note": "派给网格员"},
        headers={"If-Match": created.headers["etag"]},
    )
    assert done.status_code == 200 and done.json()["sla"]["dispatched_at"]
    stale = http.patch(url, json={"status": "in_progress"}, headers={"If-Match": '"1"'})
    assert_error(stale, 412, "If-Match")
    events = http.patch(url, json={"status": "in_progress"}).json()["events"]
    assert [e["action"] for e in events] == ["dispatch", "start"] and events[0]["actor"] == "tests"
    assert_error(http.patch(url, json={}), 422, "body")
    assert_error(http.patch("/v1/reports/99999999", json={"status": "closed"}), 404, "id")


def test_a_person_places_a_queued_report(http: TestClient, places: Any) -> None:
    queued = http.post("/v1/reports", json={"source": "110", "address": "不知道"}).json()
    url = f"/v1/reports/{queued['id']}"
    assert_error(http.patch(url, json={"grid": "330402999999999"}), 422, "grid")
    fixed = http.patch(url, json={"grid": places.grid[9], "note": "电话核实"}).json()
    assert fixed["status"] == "new" and fixed["areas"]["grid"]["code"] == places.grid[9]
    assert fixed["location"]["method"] == "manual" and fixed["events"][0]["action"] == "relocate"


def test_listing_filters_and_scopes(http: TestClient, city_store: Store, places: Any) -> None:
    row = places.iloc[10]
    report_id = http.post(
        "/v1/reports", json={"source": "app", "point": gcj(row.lon, row.lat)}
    ).json()["id"]
    in_grid = ReportList.model_validate(http.get("/v1/reports", params={"area": row.grid}).json())
    assert report_id in {r.id for r in in_grid.items}
    assert all(r.areas.grid and r.areas.grid.code == row.grid for r in in_grid.items)
    assert (
        http.get("/v1/reports", params={"overdue": "true", "area": row.grid}).json()["total"] == 0
    )
    assert_error(http.get("/v1/reports?status=lost"), 422, "status")
    assert_error(http.get("/v1/reports?from=yesterday"), 422, "from")
    street = key(city_store, Role.DISPATCHER, row.street)
    mine = http.get("/v1/reports", headers=street).json()
    assert mine["total"] >= 1 and all(
        r["areas"]["street"]["code"] == row.street for r in mine["items"]
    )
    elsewhere = places[places.street != row.street].iloc[0]
    assert_error(
        http.get("/v1/reports", params={"area": elsewhere.street}, headers=street), 403, "area"
    )
    before = total(http)
    outside = http.post(
        "/v1/reports",
        headers=street,
        json={"source": "app", "point": gcj(elsewhere.lon, elsewhere.lat)},
    )
    assert_error(outside, 403, "location")
    assert total(http) == before
    other = http.post(
        "/v1/reports", json={"source": "app", "point": gcj(elsewhere.lon, elsewhere.lat)}
    ).json()
    assert_error(http.get(f"/v1/reports/{other['id']}", headers=street), 403, "id")
