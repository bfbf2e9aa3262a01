"""Open311 GeoReport v2 in full: XML beside JSON, discovery, service definitions, tokens, the
spec's api_key anywhere, reads closed unless a setting opens them, and photos (multipart media
and media_url) checked by content, stored, served back and linked from the request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.access import Role
from geo.stores import Store
from tests.api.conftest import settings_for
from tests.api.reports.test_reports import http, key, leave_no_reports, places

__all__ = ["http", "leave_no_reports", "places"]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


def xml(answer: Any) -> ElementTree.Element:
    assert answer.headers["content-type"].startswith("text/xml"), answer.text
    return ElementTree.fromstring(answer.content)


def test_every_document_comes_in_xml_too(http: TestClient) -> None:
    services = xml(http.get("/open311/v2/services.xml"))
    assert services.tag == "services"
    codes = [s.findtext("service_code") for s in services.findall("service")]
    assert "noise" in codes and services.find("service/metadata").text == "true"  # type: ignore[union-attr]
    definition = xml(http.get("/open311/v2/services/noise.xml"))
    assert definition.tag == "service_definition"
    attribute = definition.find("attributes/attribute")
    assert attribute is not None and attribute.findtext("code") == "urgency"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["normal", "urgent"]
    discovery = xml(http.get("/open311/v2/discovery.xml", headers={"X-API-Key": ""}))
    assert discovery.findtext("endpoints/endpoint/url", "").endswith("/open311/v2")
    error = xml(http.get("/open311/v2/services/ufo.xml"))
    assert error.tag == "errors" and error.findtext("error/code") == "404"


def test_service_definitions_in_json(http: TestClient) -> None:
    definition = http.get("/open311/v2/services/noise.json").json()
    assert definition["service_code"] == "noise"
    assert definition["attributes"][0]["datatype"] == "singlevaluelist"
    assert http.get("/open311/v2/services/ufo.json").status_code == 404


def test_the_api_key_in_the_query_string_of_a_post(
    http: TestClient, city_store: Store, places: Any
) -> None:
    dispatcher = key(city_store, Role.DISPATCHER)["X-API-Key"]
    created = http.post(f"/open311/v2/requests.xml?api_key={dispatcher}",
                        data={"service_code": "noise", "lat": str(places.iloc[41].lat),
                              "long": str(places.iloc[41].lon), "attribute[urgency]": "urgent"},
                        headers={"X-API-Key": ""})  # fmt: skip
    assert created.status_code == 201, created.text
    request = xml(created).find("request")
    assert request is not None
    request_id, token = request.findtext("service_request_id"), request.findtext("token")
    by_token = http.get(f"/open311/v2/tokens/{token}.json", params={"api_key": dispatcher},
                        headers={"X-API-Key": ""}).json()  # fmt: skip
    assert by_token == [{"service_request_id": request_id, "token": token}]
    [found] = http.get(f"/open311/v2/requests/{request_id}.json").json()
    assert "紧急程度: 紧急" in found["description"]
    wrong = http.post("/open311/v2/requests.json",
                      data={"service_code": "noise", "lat": "30.7", "long": "120.7",
                            "attribute[urgency]": "tomorrow"})  # fmt: skip
    assert wrong.status_code == 422 and "attribute[urgency]" in wrong.json()[0]["description"]
    assert http.get("/open311/v2/tokens/nope.json").status_code == 404


def test_photos_upload_link_limit_and_serve(
    http: TestClient, city_store: Store, places: Any
) -> None:
    row = places.iloc[42]
    form = {"service_code": "environment", "lat": str(row.lat), "long": str(row.lon),
            "phone": "13812345678", "email": "wang@example.cn", "first_name": "明"}  # fmt: skip
    files = [("media", ("photo.jpg", JPEG, "image/jpeg")), ("media", ("b.png", PNG, "image/png"))]
    created = http.post("/open311/v2/requests.json", data=form, files=files)
    assert created.status_code == 201, created.text
    request_id = created.json()[0]["service_request_id"]
    [found] = http.get(f"/open311/v2/requests/{request_id}.json").json()
    assert found["media_url"].endswith(f"/open311/v2/requests/{request_id}/media/" +
                                       found["media_url"].rsplit("/", 1)[1])  # fmt: skip
    assert "13812345678" not in str(found) and "wang@" not in str(found)
    photo = http.get(found["media_url"].split("testserver")[1])
    assert photo.status_code == 200 and photo.content == JPEG
    assert photo.headers["content-type"] == "image/jpeg"
    assert http.get(found["media_url"].split("testserver")[1],
                    headers={"X-API-Key": ""}).status_code == 401  # fmt: skip
    linked = http.post("/open311/v2/requests.json",
                       data=form | {"media_url": "https://photos.example.cn/1.jpg"})  # fmt: skip
    [found] = http.get(f"/open311/v2/requests/{linked.json()[0]['service_request_id']}.json").json()
    assert found["media_url"] == "https://photos.example.cn/1.jpg"
    before = http.get("/v1/reports", params={"limit": 1}).json()["total"]
    pdf = [("media", ("photo.jpg", b"%PDF-1.7 not a photo", "image/jpeg"))]
    fake = http.post("/open311/v2/requests.json", data=form, files=pdf)
    assert fake.status_code == 422 and fake.json()[0]["description"].startswith("media:")
    big = [("media", ("big.png", PNG + b"\x00" * 6_000_000, "image/png"))]
    huge = http.post("/open311/v2/requests.json", data=form, files=big)
    assert huge.status_code == 413
    bad_link = http.post("/open311/v2/requests.json", data=form | {"media_url": "file:///etc"})
    assert bad_link.status_code == 422 and "media_url" in bad_link.json()[0]["description"]
    assert http.get("/v1/reports", params={"limit": 1}).json()["total"] == before


@pytest.fixture
def public(
    empty_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("ONEMAP_OPEN311_PUBLIC_READS", "true")
    with TestClient(create_app(settings_for(empty_store, tmp_path))) as client:
        yield client


def test_reads_are_open_only_when_the_setting_allows(public: TestClient, http: TestClient) -> None:
    assert http.get("/open311/v2/services.json", headers={"X-API-Key": ""}).status_code == 401
    assert http.get("/open311/v2/requests.json", headers={"X-API-Key": ""}).status_code == 401
    assert public.get("/open311/v2/services.json").status_code == 200
    assert public.get("/open311/v2/requests.json").json() == []
    form = {"service_code": "noise", "lat": "30.7", "long": "120.7"}
    assert public.post("/open311/v2/requests.json", data=form).status_code == 401
    assert (
        public.get("/open311/v2/services.json", headers={"X-API-Key": "om_bad"}).status_code == 401
    )
