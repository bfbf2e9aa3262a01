"""The bad-input matrix: every caller mistake is a 4xx naming the field, and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient

from api.app import create_app
from geo.access import Role
from geo.areas import Level, NewArea
from geo.stores import Store
from tests.api.conftest import settings_for

X0, Y0 = 120.70, 30.70
SQUARE = [[[X0, Y0], [X0 + 0.01, Y0], [X0 + 0.01, Y0 + 0.01], [X0, Y0 + 0.01], [X0, Y0]]]


@pytest.fixture
def store(empty_store: Store) -> Store:
    district = NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(X0, Y0, X0 + 0.1, Y0 + 0.1))
    empty_store.add_areas([district], author="seed", reason="seed")
    return empty_store


@pytest.fixture
def http(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(
        create_app(settings_for(store, tmp_path)), raise_server_exceptions=False
    ) as client:
        client.headers["X-API-Key"] = store.create_key(name="t", role=Role.ADMIN)[1]
        yield client


def create(geometry: object, **props: object) -> dict[str, object]:
    properties = {"code": "330402007", "name": "建设街道", **props}
    return {"feature": {"type": "Feature", "geometry": geometry, "properties": properties},
            "reason": "test"}  # fmt: skip


def polygon(*ring: tuple[float, float]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in (*ring, ring[0])]]}


BOW_TIE = polygon((X0, Y0), (X0 + 0.01, Y0 + 0.01), (X0 + 0.01, Y0), (X0, Y0 + 0.01))
OUT_OF_RANGE = polygon((200, 95), (201, 95), (201, 96))
PARIS = polygon((2.3, 48.8), (2.4, 48.8), (2.4, 48.9))
OK = {"type": "Polygon", "coordinates": SQUARE}
INJECTION = "x'); DROP TABLE areas; --"
NAN_BODY = (
    b'{"feature": {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[NaN, 30.7],'
    b' [120.71, 30.7], [120.71, Infinity], [NaN, 30.7]]]}, "properties": {"code": "330402007",'
    b' "name": "x"}}, "reason": "r"}'
)

CASES = [
    ("malformed JSON", b'{"feature": {', "body"),
    ("not an object", b"[1, 2, 3]", "body"),
    ("binary", b"\x00\xff\xfe\x01garbage", "body"),
    ("no feature", b'{"reason": "x"}', "feature"),
    ("empty reason", create(OK) | {"reason": ""}, "reason"),
    ("coordinates not numbers", create({"type": "Polygon", "coordinates": [[["a", "b"]]]}),
     "feature.geometry"),
    ("unknown geometry type", create({"type": "Blob", "coordinates": []}), "feature.geometry"),
    ("wrong geometry type", create({"type": "Point", "coordinates": [X0, Y0]}), "geometry"),
    ("self-intersecting", create(BOW_TIE), "geometry"),
    ("out of range", create(OUT_OF_RANGE), "geometry"),
    ("outside China", create(PARIS), "geometry"),
    ("bad code", create(OK, code="33040x007"), "feature.properties.code"),
    ("code of the wrong level", create(OK, code="3304020070"), "feature.properties.code"),
    ("SQL in the name", create(OK, name=INJECTION, parent_code="330499"), "code"),
    ("NaN and Infinity", NAN_BODY, "feature.geometry"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "field"), CASES, ids=[c[0] for c in CASES])
def test_create_refuses_bad_input(http: TestClient, store: Store, case: str, body: object,
                                  field: str) -> None:  # fmt: skip
    before = store.current_version()
    if isinstance(body, bytes):
        answer = http.post("/v1/areas", content=body, headers={"Content-Type": "application/json"})
    else:
        answer = http.post("/v1/areas", json=body)
    assert 400 <= answer.status_code < 500, answer.text
    error = answer.json()["error"]
    assert error["message"] and error["details"]["field"] == field, error
    assert store.current_version() == before
    assert store.counts()["district"] == 1


@pytest.mark.parametrize(
    "path",
    ["/v1/areas/not-a-code", "/v1/areas/999999999999999999999", "/v1/areas/330402%00",
     "/v1/areas?level=../../etc", "/v1/areas?limit=abc", "/v1/areas?bbox=1,2,3,NaN",
     "/v1/areas?as_of=2025-13-45", "/v1/changesets?offset=-5", "/v1/audit?limit=0"],
)  # fmt: skip
def test_bad_reads_are_4xx_never_500(http: TestClient, path: str) -> None:
    answer = http.get(path)
    assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text)
    assert answer.json()["error"]["code"]


def test_server_errors_never_leak_internals(store: Store, tmp_path: Path) -> None:
    app = create_app(settings_for(store, tmp_path))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail: password=hunter2 SELECT * FROM api_keys")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert "hunter2" not in answer.text and "SELECT" not in answer.text
    assert answer.json()["error"]["code"] == "internal_error"
