"""Writes to the address library over HTTP: one address, CSV/GeoJSON imports, audit, scope.

Each backend gets a store of its own holding one community of the demo city (its street,
district, grids and micro-grids, and its addresses), so writes never touch the shared demo
store; the tests of this module share it and compare counts before and after.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from api.addresses.schemas import ImportResponse, NewAddressResponse
from api.schemas import ErrorBody
from geo.access import Role
from geo.crs import wgs84_to_gcj02
from geo.stores import Store, open_store, sqlite_url
from sample_data.city import SampleCity
from tests.api.conftest import admin_client, settings_for

# The session's PostGIS server (as tests/conftest.py reads it); the template comes from there.
PG_ADMIN_URL = os.environ.get("ONEMAP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def community(demo_city: SampleCity) -> tuple[list[Any], pd.DataFrame]:
    """The first community that has compounds: its area subtree and addresses."""
    frame = demo_city.addresses
    code = frame.loc[frame["full_text"].str.contains("单元"), "community"].iloc[0]
    areas = [a for a in demo_city.areas if code.startswith(a.code) or a.code.startswith(code)]
    return areas, frame[frame["community"] == code].reset_index(drop=True)


def _store_url(backend: str, folder: Path, request: pytest.FixtureRequest) -> tuple[str, str]:
    """A new migrated database: a SQLite file, or a clone of the session's PostGIS template."""
    if backend == "sqlite":
        return sqlite_url(folder / "write.db"), ""
    template = request.getfixturevalue("postgis_template")
    name = f"onemap_w_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}", name


def _drop(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def store(request, tmp_path_factory, community) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    url, database = _store_url(request.param, tmp_path_factory.mktemp("write"), request)
    opened = open_store(url)
    opened.upgrade()
    areas, frame = community
    opened.add_areas(areas, author="seed", reason="seed", operation="sample")
    opened.add_addresses(frame, author="seed", reason="seed")
    yield opened
    opened.dispose()
    if database:
        _drop(database)


@pytest.fixture(scope="module")
def http(store: Store, tmp_path_factory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings = settings_for(store, tmp_path_factory.mktemp("write-api"))
    with admin_client(store, settings) as client:
        assert client.app.state.geocoder.start().wait_ready(300)  # type: ignore[attr-defined]
        yield client


def key(store: Store, role: Role, scope: str | None = None) -> dict[str, str]:
    return {"X-API-Key": store.create_key(name=f"t-{role}", role=role, scope=scope)[1]}


def a_point(community) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    row = community[1].iloc[0]
    return float(row["lon"]) + 2e-5, float(row["lat"])


def test_add_one_address_derives_the_chain_and_is_audited(http, store, community) -> None:  # type: ignore[no-untyped-def]
    lon, lat = a_point(community)
    body = {"full_text": "南湖区测试路8号", "lon": lon, "lat": lat, "reason": "new door"}
    response = http.post("/v1/addresses", json=body, headers=key(store, Role.EDITOR))
    assert response.status_code == 201, response.text
    got = NewAddressResponse.model_validate(response.json())
    micro = community[1]["micro_grid"].iloc[0]
    assert got.address.areas.micro_grid is not None
    assert got.address.areas.micro_grid.code == micro
    assert got.address.code.startswith(micro) and got.duplicates == []
    assert got.address.components.get("road") == "测试路"
    audit = store.list_audit(limit=1).items[0]
    assert audit["action"] == "address.create" and audit["target"] == got.address.code
    assert audit["changeset_id"] == got.changeset
    assert http.get(f"/v1/addresses/{got.address.id}").json()["full_text"] == "南湖区测试路8号"


def test_a_gcj02_point_is_converted_before_the_chain(http, community) -> None:  # type: ignore[no-untyped-def]
    lon, lat = a_point(community)
    x, y = wgs84_to_gcj02(lon, lat)
    body = {"full_text": "测试路10号", "lon": float(x), "lat": float(y), "crs": "gcj02"}
    got = NewAddressResponse.model_validate(http.post("/v1/addresses", json=body).json())
    assert abs(got.address.lon - lon) < 1e-6 and abs(got.address.lat - lat) < 1e-6


def test_a_possible_duplicate_is_reported_with_the_address_it_matches(http, community) -> None:  # type: ignore[no-untyped-def]
    existing = community[1].iloc[3]
    body = {"full_text": existing["full_text"], "lon": existing["lon"], "lat": existing["lat"]}
    got = NewAddressResponse.model_validate(http.post("/v1/addresses", json=body).json())
    assert [d.existing.code for d in got.duplicates] == [existing["code"]]


@pytest.mark.parametrize(
    ("patch", "field"),
    [({"full_text": ""}, "full_text"), ({"full_text": "路" * 201}, "full_text"),
     ({"full_text": 7}, "full_text"), ({"lon": 200}, "lon"), ({"lon": 100.0, "lat": 40.0}, "lon"),
     ({"crs": "mars"}, "crs"), ({"code": ""}, "code"), ({"aliases": [""]}, "aliases.0")],
)  # fmt: skip
def test_bad_addresses_are_422_and_store_nothing(http, store, community, patch, field) -> None:  # type: ignore[no-untyped-def]
    lon, lat = a_point(community)
    before = store.current_version()
    body = {"full_text": "测试路12号", "lon": lon, "lat": lat, **patch}
    response = http.post("/v1/addresses", json=body)
    assert response.status_code == 422, response.text
    ErrorBody.model_validate(response.json())
    assert response.json()["error"]["details"]["field"] == field
    assert store.current_version() == before


def test_a_taken_code_is_refused(http, community) -> None:  # type: ignore[no-untyped-def]
    lon, lat = a_point(community)
    taken = community[1]["code"].iloc[0]
    response = http.post("/v1/addresses", json={"full_text": "测试路1号", "lon": lon, "lat": lat,
                                                "code": taken})  # fmt: skip
    assert response.status_code == 422 and "exists" in response.json()["error"]["message"]


def test_writes_need_an_editor_inside_its_scope(http, store, community) -> None:  # type: ignore[no-untyped-def]
    lon, lat = a_point(community)
    body = {"full_text": "测试路14号", "lon": lon, "lat": lat}
    for role in (Role.VIEWER, Role.DISPATCHER):
        assert http.post("/v1/addresses", json=body, headers=key(store, role)).status_code == 403
    elsewhere = key(store, Role.EDITOR, scope="330411")
    assert http.post("/v1/addresses", json=body, headers=elsewhere).status_code == 403
    inside = key(store, Role.EDITOR, scope=community[1]["community"].iloc[0])
    assert http.post("/v1/addresses", json=body, headers=inside).status_code == 201


def csv_of(rows: list[dict[str, Any]]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8")


def test_a_csv_import_stores_every_row_in_one_changeset(http, store, community) -> None:  # type: ignore[no-untyped-def]
    lon, lat = a_point(community)
    existing = community[1].iloc[5]
    rows = [
        {"full_text": "测试路20号", "lon": lon, "lat": lat, "aliases": "旧路20号"},
        {"full_text": existing["full_text"], "lon": lon, "lat": lat, "aliases": ""},
    ]
    before = store.counts()["addresses"]
    response = http.post("/v1/addresses/import?reason=survey", content=csv_of(rows),
                         headers={"content-type": "text/csv"})  # fmt: skip
    assert response.status_code == 201, response.text
    got = ImportResponse.model_validate(response.json())
    assert got.imported == 2 and got.changeset == store.current_version()
    assert [(d.index, d.existing.code) for d in got.duplicates] == [(1, existing["code"])]
    assert store.counts()["addresses"] == before + 2
    audit = store.list_audit(limit=1).items[0]
    assert audit["action"] == "addresses.import" and audit["after"]["count"] == 2


def test_a_bad_row_rejects_the_whole_import_listing_every_row(http, store, community) -> None:  # type: ignore[no-untyped-def]
    lon, lat = a_point(community)
    rows = [
        {"full_text": "测试路30号", "lon": lon, "lat": lat},
        {"full_text": "", "lon": lon, "lat": lat},
        {"full_text": "测试路32号", "lon": "east", "lat": lat},
        {"full_text": "测试路34号", "lon": 100.0, "lat": 40.0},
        {"full_text": "路" * 201, "lon": lon, "lat": lat},
    ]
    before = store.current_version()
    response = http.post("/v1/addresses/import", content=csv_of(rows),
                         headers={"content-type": "text/csv"})  # fmt: skip
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "rejected_records"
    assert [(r["index"], r["field"]) for r in body["details"]] == [
        (1, "full_text"),
        (2, "lon"),
        (3, "lon"),
        (4, "full_text"),
    ]
    assert store.current_version() == before


def test_geojson_import_and_dry_run(http, store, community) -> None:  # type: ignore[no-untyped-def]
    lon, lat = a_point(community)
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"full_text": "测试路40号", "code": "T40"}},
    ]}  # fmt: skip
    content = json.dumps(collection).encode()
    headers = {"content-type": "application/geo+json"}
    before = store.current_version()
    dry = http.post("/v1/addresses/import?dry_run=true", content=content, headers=headers)
    assert dry.status_code == 201 and dry.json()["imported"] == 0
    assert store.current_version() == before
    real = http.post("/v1/addresses/import", content=content, headers=headers)
    assert real.status_code == 201 and real.json()["imported"] == 1
    again = http.post("/v1/addresses/import", content=content, headers=headers)
    assert again.status_code == 422 and again.json()["error"]["details"][0]["field"] == "code"


@pytest.mark.parametrize(
    ("content", "headers", "field"),
    [(b"", {"content-type": "text/csv"}, "file"),
     (b"a,b\n1,2\n", {"content-type": "image/png"}, "content-type"),
     (b"a,b\n1,2\n", {"content-type": "text/csv"}, "file")],
)  # fmt: skip
def test_unusable_uploads_are_422(http, content, headers, field) -> None:  # type: ignore[no-untyped-def]
    response = http.post("/v1/addresses/import", content=content, headers=headers)
    assert response.status_code == 422 and response.json()["error"]["details"]["field"] == field


def test_imports_need_an_editor(http, store) -> None:  # type: ignore[no-untyped-def]
    headers = {**key(store, Role.DISPATCHER), "content-type": "text/csv"}
    assert http.post("/v1/addresses/import", content=b"x", headers=headers).status_code == 403


def test_the_geocoder_finds_an_added_address_after_its_poll(http, community) -> None:  # type: ignore[no-untyped-def]
    lon, lat = a_point(community)
    created = http.post("/v1/addresses", json={"full_text": "测试路99号", "lon": lon, "lat": lat})
    code = created.json()["address"]["code"]
    holder = http.app.state.geocoder
    holder.refresh()  # what the background poll does within a second
    got = http.post("/v1/geocode", json={"address": "测试路99号"}).json()
    top = got["address"] or got["candidates"][0]
    assert top["code"] == code


def test_a_lazy_worker_builds_on_first_use_and_answers_503_meanwhile(  # type: ignore[no-untyped-def]
    store, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("ONEMAP_GEOCODE_FIRST_USE_WAIT_S", "0")
    with admin_client(store, settings_for(store, tmp_path)) as fresh:
        holder = fresh.app.state.geocoder  # type: ignore[attr-defined]
        assert not holder.is_ready()
        first = fresh.post("/v1/geocode", json={"address": "测试路1号"})
        assert first.status_code == 503 and first.headers["retry-after"]
        assert first.json()["error"]["code"] == "index_loading"
        assert holder.wait_ready(120)
        assert fresh.post("/v1/geocode", json={"address": "测试路1号"}).status_code == 200


def test_a_first_call_waits_briefly_for_a_small_library(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with admin_client(store, settings_for(store, tmp_path)) as fresh:
        assert not fresh.app.state.geocoder.is_ready()  # type: ignore[attr-defined]
        assert fresh.post("/v1/geocode", json={"address": "测试路1号"}).status_code == 200
