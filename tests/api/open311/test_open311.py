"""Open311 GeoReport v2: services, a form-encoded round trip, listing, errors in its shape."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.open311.schemas import Open311Request, Open311Service
from geo.access import Role
from geo.stores import Store
from tests.api.reports.test_reports import http, key, leave_no_reports, places

__all__ = ["http", "leave_no_reports", "places"]  # fixtures shared with the report tests


def test_services_are_the_categories(http: TestClient) -> None:
    services = [
        Open311Service.model_validate(s) for s in http.get("/open311/v2/services.json").json()
    ]
    assert {s.service_code for s in services} >= {"environment", "noise", "other"}
    assert all(s.type == "realtime" and s.metadata is True for s in services)


def test_a_form_encoded_request_round_trips(
    http: TestClient, city_store: Store, places: Any
) -> None:
    row = places.iloc[30]
    dispatcher = key(city_store, Role.DISPATCHER)["X-API-Key"]
    form = {
        "api_key": dispatcher,
        "service_code": "noise",
        "lat": str(row.lat),
        "long": str(row.lon),
        "description": "夜间施工噪声，电话13812345678",
        "first_name": "明",
        "last_name": "王",
        "phone": "13812345678",
    }
    created = http.post("/open311/v2/requests.json", data=form, headers={"X-API-Key": ""})
    assert created.status_code == 201, created.text
    [answer] = created.json()
    request_id = answer["service_request_id"]
    assert answer["service_notice"].startswith("accepted")
    [found] = http.get(f"/open311/v2/requests/{request_id}.json").json()
    request = Open311Request.model_validate(found)
    assert request.status == "open" and request.service_code == "noise"
    assert (
        request.service_name == "噪声扰民"
        and request.description == "夜间施工噪声，电话138****5678"
    )
    assert request.long is not None and abs(request.long - row.lon) < 1e-9
    assert request.agency_responsible
    report = http.get(f"/v1/reports/{request_id}").json()
    assert report["source"] == "open311" and report["areas"]["grid"]["code"] == row.grid
    for step in ("dispatched", "in_progress", "resolved"):
        http.patch(f"/v1/reports/{request_id}", json={"status": step, "note": f"已{step}"})
    [closed] = http.get(f"/open311/v2/requests/{request_id}.json").json()
    assert closed["status"] == "closed" and closed["status_notes"] == "已resolved"
    listed = http.get(
        "/open311/v2/requests.json", params={"service_code": "noise", "status": "closed"}
    ).json()
    assert request_id in {r["service_request_id"] for r in listed}
    by_id = http.get("/open311/v2/requests.json", params={"service_request_id": request_id})
    assert [r["service_request_id"] for r in by_id.json()] == [request_id]


def test_json_bodies_and_address_strings_are_accepted(http: TestClient, places: Any) -> None:
    row = places.iloc[31]
    created = http.post(
        "/open311/v2/requests.json",
        json={"service_code": "facilities", "address_string": row.full_text},
    )
    assert created.status_code == 201, created.text
    request_id = created.json()[0]["service_request_id"]
    [found] = http.get(f"/open311/v2/requests/{request_id}.json").json()
    assert found["address"] == row.full_text and found["address_id"]


def test_errors_come_in_the_open311_shape(http: TestClient) -> None:
    unknown = http.post(
        "/open311/v2/requests.json", data={"service_code": "ufo", "lat": "30.7", "long": "120.7"}
    )
    assert unknown.status_code == 422
    assert unknown.json()[0]["code"] == 422 and "service_code" in unknown.json()[0]["description"]
    nowhere = http.post("/open311/v2/requests.json", data={"service_code": "noise"})
    assert nowhere.status_code == 422 and nowhere.json()[0]["description"].startswith(
        "address_string"
    )
    bad_long = http.post(
        "/open311/v2/requests.json", data={"service_code": "noise", "lat": "30.7", "long": "east"}
    )
    assert bad_long.json()[0]["description"].startswith("long:")
    anonymous = http.get("/open311/v2/services.json", headers={"X-API-Key": ""})
    assert anonymous.status_code == 401 and anonymous.json()[0]["code"] == 401
    missing = http.get("/open311/v2/requests/99999999.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
