"""Where a key may come from: ``X-API-Key``, ``Authorization: Bearer`` and HTTP Basic (any user
name, the key as the password), on every family of endpoints, including the hot paths that
check keys before routing (locate, cached tiles). QGIS 3.22 offers only Basic."""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.access import Role
from geo.stores import Store
from tests.api.conftest import STREET_X0, STREET_Y0, seed_one_street, settings_for
from tiles.tms import LonLatBox, tiles_covering


def basic(key: str, user: str = "qgis") -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(f"{user}:{key}".encode()).decode()}


@pytest.fixture
def keyed(empty_store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    seed_one_street(empty_store)
    admin = empty_store.create_key(name="admin", role=Role.ADMIN)[1]
    with TestClient(create_app(settings_for(empty_store, tmp_path))) as client:
        yield client, admin


def _paths(client: TestClient) -> list[str]:
    point = LonLatBox(STREET_X0 + 0.01, STREET_Y0 + 0.01, STREET_X0 + 0.01, STREET_Y0 + 0.01)
    columns, rows = tiles_covering(point, 12)
    version = client.get("/tiles/districts.json", headers={"X-API-Key": ""})  # 401, no version
    assert version.status_code == 401
    return [
        "/v1/areas?level=street",
        f"/v1/locate?lon={STREET_X0 + 0.01}&lat={STREET_Y0 + 0.01}",
        "/ogc/collections",
        "/ogc/collections/streets/items",
        "/tiles/districts.json",
        f"/tiles/districts/12/{columns[0]}/{rows[0]}.mvt",
        "/open311/v2/services.json",
    ]


@pytest.mark.parametrize("scheme", ["header", "bearer", "basic", "basic-no-user"])
def test_every_endpoint_takes_the_key_in_each_scheme(
    keyed: tuple[TestClient, str], scheme: str
) -> None:
    client, key = keyed
    headers = {
        "header": {"X-API-Key": key},
        "bearer": {"Authorization": f"Bearer {key}"},
        "basic": basic(key),
        "basic-no-user": basic(key, user=""),
    }[scheme]
    for path in _paths(client):
        assert client.get(path, headers=headers).status_code == 200, path
        assert client.get(path).status_code == 401, path
    # twice: the second tile comes from the cache, answered before routing
    tile_path = _paths(client)[5]
    versioned = client.get("/tiles/districts.json", headers=headers).json()["tiles"][0]
    z, x, y = tile_path.removesuffix(".mvt").split("/")[-3:]
    url = versioned.replace("{z}", z).replace("{x}", x).replace("{y}", y).split("testserver")[1]
    for _ in range(2):
        assert client.get(url, headers=headers).status_code in (200, 204), url
        assert client.get(url).status_code == 401


@pytest.mark.parametrize(
    "authorization",
    ["Basic not-base64!", "Basic " + b64encode(b"qgis").decode(), "Bearer ", "Digest abc",
     "Basic " + b64encode(b"qgis:om_wrong_key").decode()],
)  # fmt: skip
def test_a_wrong_or_malformed_authorization_is_401_with_a_challenge(
    keyed: tuple[TestClient, str], authorization: str
) -> None:
    client, _ = keyed
    for path in ("/v1/areas", "/ogc/collections", "/tiles/districts.json"):
        answer = client.get(path, headers={"Authorization": authorization})
        assert answer.status_code == 401, (path, answer.text)
        challenge = answer.headers["www-authenticate"]
        assert challenge.startswith("Basic realm=") and "Bearer" in challenge


def test_a_key_in_the_query_string_is_not_read_outside_open311(
    keyed: tuple[TestClient, str],
) -> None:
    client, key = keyed
    assert client.get(f"/v1/areas?api_key={key}").status_code == 401
    assert client.get(f"/ogc/collections?api_key={key}").status_code == 401
