"""The one-map page: login by key, every asset local, the page's own data calls."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.map import MapSettings
from api.map.page import ASSETS
from api.map.router import COOKIE, STATIC_DIR
from geo.stores import Store
from tests.tiles.conftest import client_for

TIANDITU = "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=K"


def page_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="onemap-config">(.*?)</script>', html)
    assert found
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_every_asset_is_vendored_with_its_licence() -> None:
    for path in ASSETS.values():
        assert (STATIC_DIR / path).is_file(), path
    for vendor in {(STATIC_DIR / p).parent for p in ASSETS.values() if p.startswith("vendor/")}:
        assert any("LICEN" in p.name.upper() for p in vendor.iterdir()), vendor


def test_a_key_in_the_link_becomes_a_cookie_and_leaves_the_url(
    small_store: Store, tmp_path: Path
) -> None:
    with client_for(small_store, tmp_path) as keyed:
        key = keyed.headers["X-API-Key"]
    with client_for(small_store, tmp_path, role=None) as browser:
        login = browser.get("/map")
        assert login.status_code == 401 and "访问密钥" in login.text
        moved = browser.get(f"/map?key={key}", follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"] == "/map"
        cookie = moved.headers["set-cookie"]
        assert COOKIE in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        page = browser.get("/map")
        assert page.status_code == 200 and page_config(page.text)["key"] == key
        assert page.headers["cache-control"] == "no-store"
        out = browser.get("/map/logout")
        assert out.status_code == 200 and 'sessionStorage.removeItem("onemap.key")' in out.text
        assert browser.get("/map").status_code == 401
        wrong = browser.post("/map/login", data={"key": "om_nope_nope"}, follow_redirects=False)
        assert wrong.status_code == 401 and "unknown" in wrong.text
        right = browser.post("/map/login", data={"key": key}, follow_redirects=False)
        assert right.status_code == 303 and COOKIE in right.headers["set-cookie"]


def test_the_page_loads_nothing_from_elsewhere(small_client: TestClient) -> None:
    page = small_client.get("/map")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    for url in re.findall(r'(?:src|href)="([^"]*)"', page.text):
        assert url.startswith("/") or url == "data:,", url
    assert "http://" not in page.text and "https://" not in page.text
    for url in re.findall(r'(?:src|href)="(/static/[^"]*)"', page.text):
        assert small_client.get(url).status_code == 200, url
    config = page_config(page.text)
    assert config["version"] == small_client.get("/tiles").json()["version"]
    assert config["templates"]["grids"].endswith("/tiles/grids/{z}/{x}/{y}.mvt?v={v}")
    assert "一张图" in page.text and 'lang="zh-CN"' in page.text


def test_a_public_map_needs_no_key_and_may_show_a_basemap(
    small_store: Store, tmp_path: Path
) -> None:
    with client_for(
        small_store,
        tmp_path,
        role=None,
        public_map=True,
        map_basemap_url=TIANDITU,
        map_basemap_attribution="天地图",
        map_basemap_subdomains="01234567",
    ) as anyone:
        page = anyone.get("/map")
        assert page.status_code == 200 and page_config(page.text)["key"] is None
        assert "L.tileLayer(" in page.text and '"subdomains": "01234567"' in page.text
        assert "https://*.tianditu.gov.cn" in page.headers["content-security-policy"]
        assert anyone.get("/map/labels.json?level=district").status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        {"map_basemap_url": "ftp://x/{z}/{x}/{y}"},
        {"map_basemap_url": "https://x/tiles.png"},
        {"tile_cache_mb": -1},
        {"tile_poll_interval_s": 0},
    ],
)
def test_map_settings_refuse_nonsense(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MapSettings(_env_file=None, **bad)  # type: ignore[call-arg]


def test_labels_put_one_name_inside_each_area(city_client: TestClient) -> None:
    answer = city_client.get("/map/labels.json?level=district").json()
    assert len(answer["items"]) == 7 and "南湖区" in {i["name"] for i in answer["items"]}
    for item in answer["items"]:
        assert 120.2 < item["lon"] < 121.4 and 30.2 < item["lat"] < 31.1
    grids = city_client.get("/map/labels.json?level=grid").json()["items"]
    assert len(grids) == 1314  # the grid names written at high zoom
    bad = city_client.get("/map/labels.json?level=micro_grid")
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "level"


def test_report_points_are_empty_until_reports_exist(city_client: TestClient) -> None:
    answer = city_client.get("/map/reports.json?bbox=120,30,121.5,31.2&open=true")
    assert answer.status_code == 200 and answer.json() == {"items": []}
    assert city_client.get("/map/reports.json?area=330402").json() == {"items": []}
    for query, field in (("bbox=1,2,3", "bbox"), ("area=12", "area")):
        bad = city_client.get(f"/map/reports.json?{query}")
        assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == field


def test_vendored_assets_are_cached_for_long_and_ours_revalidated(
    small_client: TestClient,
) -> None:
    vendored = small_client.get(f"/static/{ASSETS['leaflet_js']}")
    assert vendored.status_code == 200 and "immutable" in vendored.headers["cache-control"]
    ours = small_client.get(f"/static/{ASSETS['onemap_js']}")
    assert ours.headers["cache-control"] == "no-cache" and ours.headers["etag"]
