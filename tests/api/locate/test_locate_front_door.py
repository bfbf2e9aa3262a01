"""GET /v1/locate at the application's front door answers exactly as the documented route.

``api.app.OnemapApp`` calls the locate endpoint ahead of the middleware stack and the router;
the FastAPI route stays behind it (for the OpenAPI document and an app without the door).
Both must give the same status, ``WWW-Authenticate`` and body, errors included, and an
unexpected failure at the door must be the stack's plain, logged 500, never the error's text.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import QueryParams
from starlette.requests import Request

from api.app import OnemapApp
from api.locate.router import query
from geo.access import Role
from geo.stores import Store

QUERIES = [
    "lon=120.75&lat=30.75",
    "lon=120.7555&lat=30.7467&crs=gcj02",
    "lon=120.7555&lat=30.7467&crs=bd09",
    "lat=30.75&lon=120.75&lon=100.0",  # the last of repeated parameters counts
    "lon=100.0&lat=25.0",  # outside the city: not covered
    "lon=%31%32%30.75&lat=30.75",  # percent-escaped digits
    "lon=120.75&lat=+30.75",  # '+' is a space: float() accepts the padded number
    "lat=30.75",
    "lon=abc&lat=30.75",
    "lon=nan&lat=30.75",
    "lon=181&lat=30.75",
    "lon=120.75&lat=30.75&crs=epsg:3857",
    "lon=120.75&lat=30.75&as_of=yesterday",
    "lon=120.75&lat=30.75&as_of=",
    "",
]


@pytest.fixture
def app(client: TestClient) -> Iterator[OnemapApp]:
    """The session client's app; its hot routes are restored after each test."""
    assert isinstance(client.app, OnemapApp)
    saved = dict(client.app.hot_routes)
    yield client.app
    client.app.hot_routes.clear()
    client.app.hot_routes.update(saved)


def answers(client: TestClient, url: str, key: str) -> tuple[int, str | None, bytes]:
    response = client.get(url, headers={"X-API-Key": key})
    return response.status_code, response.headers.get("www-authenticate"), response.content


@pytest.mark.parametrize("url", [f"/v1/locate?{q}" for q in QUERIES])
def test_the_door_and_the_route_answer_alike(
    client: TestClient, app: OnemapApp, city_store: Store, url: str
) -> None:
    assert ("GET", "/v1/locate") in app.hot_routes
    _, viewer = city_store.create_key(name="viewer", role=Role.VIEWER)
    keys = [client.headers["X-API-Key"], "", "om_bad_key", viewer]
    at_the_door = [answers(client, url, key) for key in keys]
    app.hot_routes.clear()
    through_the_stack = [answers(client, url, key) for key in keys]
    assert at_the_door == through_the_stack
    assert [status for status, _, _ in at_the_door[1:]] == [401, 401, 403]


def test_an_unexpected_failure_at_the_door_is_a_plain_500(
    client: TestClient, app: OnemapApp, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(request: Request) -> None:
        raise RuntimeError("secret detail of a bug")

    app.hot_routes[("GET", "/v1/locate")] = broken  # type: ignore[assignment]
    response = client.get("/v1/locate?lon=120.75&lat=30.75")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret" not in response.text
    assert any("secret detail" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_other_methods_and_paths_pass_the_door(client: TestClient, app: OnemapApp) -> None:
    assert client.post("/v1/locate?lon=120.75&lat=30.75").status_code == 405
    trailing = client.get("/v1/locate/?lon=120.75&lat=30.75", follow_redirects=False)
    assert trailing.status_code == 307  # the router's redirect to /v1/locate


@given(st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=5), st.booleans())
def test_query_reads_as_starlette_does(pairs: list[tuple[str, str]], raw: bool) -> None:
    """Escaped or not, odd pieces included (no '=', empty pairs, '=' in values)."""
    if raw:  # unescaped text straight into the query string, as a sloppy client sends it
        text = "&".join(f"{k}={v}" if v else k for k, v in pairs)
    else:
        text = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    scope = {"type": "http", "query_string": text.encode("utf-8")}
    expected = dict(QueryParams(text.encode("utf-8").decode("latin-1")))
    assert query(Request(scope)) == expected
