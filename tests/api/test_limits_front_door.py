"""Endpoints at the front door (``api.app.OnemapApp.hot_routes``) keep the service's limits.

A body sent to a door endpoint other than GET is held to ``ONEMAP_MAX_BODY_BYTES`` exactly as
in the middleware stack (413 naming ``body``, declared or streamed); errors come back in the
documented shape; with FastAPI's telemetry on, the door is closed and requests take the stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from api.app import OnemapApp, create_app
from geo.errors import InvalidInputError
from geo.stores import Store
from tests.api.conftest import assert_error, settings_for

LIMIT = 1024
PATH = "/v1/door-test"


async def echo_length(request: Request) -> Response:
    """Reads the whole body, as a door endpoint taking JSON does."""
    body = await request.body()
    if body == b"bad":
        raise InvalidInputError("the body says bad", field="body")
    return Response(str(len(body)), media_type="text/plain")


def door_client(store: Store, tmp_path: Path, *, telemetry: bool = False) -> TestClient:
    app = create_app(settings_for(store, tmp_path, max_body_bytes=LIMIT, telemetry=telemetry))
    assert isinstance(app, OnemapApp)
    app.hot_routes[("POST", PATH)] = echo_length
    app.hot_routes[("GET", PATH)] = echo_length
    return TestClient(app)


@pytest.fixture
def client(tmp_path: Path, empty_store: Store) -> Iterator[TestClient]:
    with door_client(empty_store, tmp_path) as test_client:
        yield test_client


@pytest.mark.parametrize("empty_store", ["sqlite"], indirect=True)
def test_a_body_within_the_limit_reaches_the_endpoint(client: TestClient) -> None:
    answer = client.post(PATH, content=b"x" * LIMIT)
    assert answer.status_code == 200 and answer.text == str(LIMIT)


@pytest.mark.parametrize("empty_store", ["sqlite"], indirect=True)
def test_a_declared_body_over_the_limit_is_413(client: TestClient) -> None:
    body = assert_error(client.post(PATH, content=b"x" * (LIMIT + 1)), 413, "body")
    assert body.error.details["max_bytes"] == LIMIT


@pytest.mark.parametrize("empty_store", ["sqlite"], indirect=True)
def test_a_streamed_body_over_the_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(4):
            yield b"x" * (LIMIT // 2)

    assert_error(client.post(PATH, content=chunks()), 413, "body")


@pytest.mark.parametrize("empty_store", ["sqlite"], indirect=True)
def test_an_error_at_the_door_has_the_documented_shape(client: TestClient) -> None:
    assert_error(client.post(PATH, content=b"bad"), 422, "body")


@pytest.mark.parametrize("empty_store", ["sqlite"], indirect=True)
def test_with_telemetry_on_requests_take_the_stack(tmp_path: Path, empty_store: Store) -> None:
    with door_client(empty_store, tmp_path, telemetry=True) as client:
        assert_error(client.get(PATH), 404, "path")  # no such route behind the door
        assert_error(client.post(PATH, content=b"x" * (LIMIT + 1)), 413, "body")
