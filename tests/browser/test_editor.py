"""The boundary editor in real headless Chromium: drag a vertex, preview, save, check the store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
import shapely

from geo.access import Role
from geo.areas import Level, NewArea
from geo.stores import Store
from tests.live_server import live_server

CHROMIUM = "/usr/bin/chromium"
X0, Y0, D = 120.750, 30.740, 0.005
COMMUNITY = "330402007001"
GRID_A, GRID_B = f"{COMMUNITY}001", f"{COMMUNITY}002"
SEED = [
    NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(X0, Y0, X0 + 2 * D, Y0 + D)),
    NewArea("330402007", Level.STREET, "建设街道", shapely.box(X0, Y0, X0 + 2 * D, Y0 + D),
            parent_code="330402"),
    NewArea(COMMUNITY, Level.COMMUNITY, "百福弄社区", shapely.box(X0, Y0, X0 + 2 * D, Y0 + D),
            parent_code="330402007"),
    NewArea(GRID_A, Level.GRID, "百福弄社区第1网格", shapely.box(X0, Y0, X0 + D, Y0 + D),
            parent_code=COMMUNITY, kind="basic"),
    NewArea(GRID_B, Level.GRID, "百福弄社区第2网格", shapely.box(X0 + D, Y0, X0 + 2 * D, Y0 + D),
            parent_code=COMMUNITY, kind="basic"),
]  # fmt: skip


def chromium_or_skip() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")


@pytest.fixture
def server(empty_store: Store, tmp_path: Path) -> Iterator[tuple[str, str, Store]]:
    chromium_or_skip()
    empty_store.add_areas(SEED, author="seed", reason="seed")
    key = empty_store.create_key(name="测绘员", role=Role.EDITOR)[1]
    env = {**os.environ, "ONEMAP_DATABASE_URL": empty_store.url, "ONEMAP_DATA_DIR": str(tmp_path)}
    with live_server(env) as base:
        yield base, key, empty_store


def test_an_editor_moves_a_grid_boundary_end_to_end(
    server: tuple[str, str, Store],
    browser,  # type: ignore[no-untyped-def]  # the session's Chromium (tests/browser/conftest.py)
) -> None:
    base, key, store = server
    before_a = store.get_area(GRID_A)
    outside: list[str] = []
    failed: list[str] = []
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = context.new_page()

        def guard(route) -> None:  # type: ignore[no-untyped-def]
            host = urlparse(route.request.url).hostname
            if host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{base}/editor")
        page.fill("#key", key)
        page.click("#login button")
        page.wait_for_selector("#work:not([hidden])")
        page.fill("#code", GRID_A)
        page.click("#load")
        page.fill("#reason", "新建小区, 边界东移")

        def drag_shared_corner() -> None:
            page.wait_for_selector("#status.ok >> text=已载入")
            page.wait_for_selector(".marker-icon:not(.marker-icon-middle)")
            # The grid's north-east corner lies on the edge it shares with grid B: drag it east.
            corner = page.evaluate(
                "([lat, lon]) => {"
                " const p = window.onemapEditor.map.latLngToContainerPoint([lat, lon]);"
                " const r = document.getElementById('map').getBoundingClientRect();"
                " return [p.x + r.left, p.y + r.top]; }",
                [Y0 + D, X0 + D],
            )
            page.mouse.move(corner[0], corner[1])
            page.mouse.down()
            page.mouse.move(corner[0] + 30, corner[1] + 5, steps=8)
            page.mouse.up()
            page.fill("#neighbour", GRID_B)
            page.click("#preview")
            page.wait_for_selector("#status.ok >> text=预览通过")
            assert "影响" in page.inner_text("#impact")

        drag_shared_corner()
        # Someone else renames the neighbour between this editor's preview and save: the save
        # is refused (412) rather than overwriting it, and nothing of this edit is stored.
        renamed = httpx.put(
            f"{base}/v1/areas/{GRID_B}",
            headers={"X-API-Key": key, "If-Match": f'"{store.get_area(GRID_B).version}"'},
            json={"feature": {"type": "Feature", "geometry": None,
                              "properties": {"name": "百福弄社区第2网格(新)"}},
                  "reason": "更名"},
        )  # fmt: skip
        assert renamed.status_code == 200, renamed.text
        page.click("#save")
        page.wait_for_selector("#status.error >> text=区域已被他人修改")
        assert store.get_area(GRID_A).version == before_a.version
        page.click("#load")
        drag_shared_corner()
        page.click("#save")
        page.wait_for_selector("#status.ok >> text=已保存")
        page.click("#history")
        page.wait_for_selector("#versions li >> nth=1")
        shot = page.screenshot(path=os.environ.get("ONEMAP_EDITOR_SCREENSHOT"))
    finally:
        context.close()
    assert outside == [] and failed == []
    after_a, after_b = store.get_area(GRID_A), store.get_area(GRID_B)
    assert after_a.version > before_a.version and after_b.version == after_a.version
    assert after_b.name == "百福弄社区第2网格(新)"
    assert after_a.geometry.area > before_a.geometry.area
    assert abs(after_a.geometry.area + after_b.geometry.area - 2 * D * D) < 1e-12
    assert store.list_changesets().items[0].reason == "新建小区, 边界东移"
    assert len(shot) > 10_000


def test_the_editor_page_loads_nothing_from_outside(server: tuple[str, str, Store]) -> None:
    base, _, _ = server
    page_html = httpx.get(f"{base}/editor").text
    assert "http://" not in page_html and "https://" not in page_html
    assets = ("leaflet-1.9.4/leaflet.js", "leaflet-geoman-2.20.2/leaflet-geoman.min.js")
    for asset in (*(f"vendor/{a}" for a in assets), "editor/editor.js"):
        assert httpx.get(f"{base}/static/{asset}").status_code == 200
