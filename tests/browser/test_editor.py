"""The boundary editor in real headless Chromium, on the real community 百福弄社区.

Each test drives the editor as a mapping officer would and checks the store afterwards; each
step's screenshot is saved (see ``editor_steps.py`` for where). Every request off loopback is
blocked and must not happen.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from datetime import UTC, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import shapely

from geo.access import Role
from geo.addresses import AddressQuery
from geo.areas import Level
from geo.crs import area_m2
from geo.stores import Store
from tests.browser.editor_steps import EditorPage
from tests.editing_sample import (
    COMMUNITY,
    GRID_1,
    GRID_6,
    MICRO_1_5,
    MICRO_1_6,
    east_vertex,
    seed_community,
)
from tests.live_server import live_server

CHROMIUM = "/usr/bin/chromium"
MICRO_1_1, MICRO_1_2, MICRO_1_4 = f"{GRID_1}001", f"{GRID_1}002", f"{GRID_1}004"


def chromium_or_skip() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")


class Keys:
    def __init__(self, store: Store) -> None:
        self.editor = store.create_key(name="测绘员", role=Role.EDITOR)[1]
        self.other = store.create_key(name="另一位测绘员", role=Role.EDITOR)[1]
        self.viewer = store.create_key(name="领导", role=Role.VIEWER)[1]


@pytest.fixture
def seeded(empty_store: Store, demo_city: Any) -> tuple[Store, Keys]:
    chromium_or_skip()
    seed_community(empty_store, demo_city)
    return empty_store, Keys(empty_store)


def serve(store: Store, tmp_path: Path, **extra: str) -> Any:
    env = {**os.environ, "ONEMAP_DATABASE_URL": store.url, "ONEMAP_DATA_DIR": str(tmp_path),
           **extra}  # fmt: skip
    return live_server(env)


@pytest.fixture
def server(seeded: tuple[Store, Keys], tmp_path: Path) -> Iterator[tuple[str, Keys, Store]]:
    store, keys = seeded
    with serve(store, tmp_path) as base:
        yield base, keys, store


@pytest.fixture
def editor(
    server: tuple[str, Keys, Store], browser: Any, request: pytest.FixtureRequest
) -> Iterator[EditorPage]:
    base = server[0]
    page = EditorPage.open(browser, base, request.node.name)
    try:
        yield page
    finally:
        page.close()
    assert page.outside == [], page.outside


def area(store: Store, code: str) -> Any:
    return store.get_area(code)


def vertices(store: Store, code: str) -> int:
    return len(shapely.get_coordinates(area(store, code).geometry))


def kids(store: Store, code: str) -> dict[str, Any]:
    return {a.code: a for a in store.current_areas() if a.parent_code == code}


def inside(store: Store, code: str) -> tuple[float, float]:
    point = area(store, code).geometry.representative_point()
    return point.x, point.y


def assert_tiles(store: Store, parent: str) -> None:
    """The children of ``parent`` cover it without overlap, to a few square centimetres."""
    geoms = [k.geometry for k in kids(store, parent).values()]
    union = shapely.union_all(geoms)
    assert area_m2(union.symmetric_difference(area(store, parent).geometry)) < 0.1
    overlap = sum(area_m2(a.intersection(b)) for i, a in enumerate(geoms) for b in geoms[i + 1 :])
    assert overlap < 0.1


# -- 1. load → drag → preview → save -------------------------------------------------------
def test_load_drag_preview_save(editor: EditorPage, server: tuple[str, Keys, Store]) -> None:
    _, keys, store = server
    before = {c: a.version for c, a in kids(store, GRID_1).items()}
    editor.shot("login")
    assert "测绘员" in editor.login(keys.editor)
    editor.load(GRID_1)
    # Handles only on real corners and where areas meet, not on the densified edges.
    assert 4 < editor.handles() < vertices(store, GRID_1) / 2
    editor.shot("loaded-children-addresses-labels")
    west = min(shapely.get_coordinates(area(store, GRID_1).geometry), key=lambda xy: xy[0])
    editor.drag_vertex(float(west[0]), float(west[1]), 30, 12)
    editor.shot("dragged")
    editor.preview()
    changes = editor.page.inner_text("#changes")
    assert "所编辑区域" in changes and "下级随动" in changes
    editor.shot("preview")
    table = editor.save()
    confirmed = editor.confirmed_codes()
    assert GRID_1 in confirmed and any(c.startswith(GRID_1) and len(c) == 18 for c in confirmed)
    assert "版本" in table
    editor.shot("confirm")
    editor.confirm()
    assert "已保存" in editor.wait_status("已保存", "ok")
    editor.shot("saved")
    grid = area(store, GRID_1)
    followed = {c for c, a in kids(store, GRID_1).items() if a.version == grid.version}
    assert set(confirmed) == {GRID_1} | followed
    assert all(kids(store, GRID_1)[c].version == v for c, v in before.items() if c not in followed)
    assert_tiles(store, GRID_1)
    assert editor.writes[-1] == ("PUT", f"/v1/areas/{GRID_1}")
    # History in Beijing time, said so.
    editor.page.click("#history")
    editor.page.wait_for_selector("#versions li >> nth=1")
    shanghai = (grid.valid_from.astimezone(UTC) + timedelta(hours=8)).strftime("%Y/%m/%d %H:%M")
    assert shanghai in editor.page.inner_text("#versions")
    assert "北京时间" in editor.page.inner_text("#panel")
    editor.shot("history-beijing-time")


# -- topological editing: snapping to neighbours' vertices and edges ------------------------
def test_handles_snap_to_neighbours_vertices_and_edges(
    editor: EditorPage, server: tuple[str, Keys, Store]
) -> None:
    keys = server[1]
    editor.login(keys.editor)
    editor.load(MICRO_1_4)
    edited = "window.onemapEditor.state.editable"
    handles = editor.vertices(edited)
    corners = editor.vertices(f"window.onemapEditor.context.byCode.get('{MICRO_1_1}').layer")
    pixels = {h: editor.point(*h) for h in handles + corners}

    def gap(a: tuple[float, float], b: tuple[float, float]) -> float:
        return float(np.hypot(pixels[a][0] - pixels[b][0], pixels[a][1] - pixels[b][1]))

    # A corner of 1-1 that 1-4 does not share, and the handle of 1-4 nearest to it.
    handle, corner = min(
        ((h, c) for h in handles for c in corners if c not in handles), key=lambda p: gap(*p)
    )
    x, y = pixels[corner]
    editor.drag_vertex(*handle, x - pixels[handle][0] + 6, y - pixels[handle][1] + 5)
    editor.shot("snapped-to-a-neighbour-vertex")
    after = editor.vertices(edited)
    assert corner in after  # exactly the neighbour's vertex, not where the mouse let go
    # Another handle dropped a few pixels off the middle of one of 1-1's edges lands on it.
    ring = [*corners, corners[0]]
    edges = [(a, b) for a, b in itertools.pairwise(ring) if a not in after and b not in after]
    a, b = max(edges, key=lambda e: gap(*e))
    middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    other = min((h for h in after if h != corner), key=lambda h: float(
        np.hypot(*(np.subtract(editor.point(*h), editor.point(*middle))))))  # fmt: skip
    mx, my = editor.point(*middle)
    ox, oy = editor.point(*other)
    editor.drag_vertex(*other, mx - ox + 4, my - oy - 3)
    editor.shot("snapped-to-a-neighbour-edge")
    moved = set(editor.vertices(edited)) - set(after)
    assert len(moved) == 1
    assert shapely.LineString([a, b]).distance(shapely.Point(moved.pop())) < 1e-9


# -- 2. boundary move: the neighbour and the children of both follow ------------------------
def test_boundary_move_with_neighbour_and_children_following(
    editor: EditorPage, server: tuple[str, Keys, Store]
) -> None:
    _, keys, store = server
    editor.login(keys.editor)
    editor.load(GRID_1)
    editor.mode("boundary")
    editor.click_inside(area(store, GRID_6).geometry)
    editor.wait_status("已选择相邻区域", "ok")
    assert GRID_6 in editor.page.inner_text("#neighbour")
    editor.page.wait_for_function(
        "(code) => window.onemapEditor.state.neighbourChildren.length > 0", arg=GRID_6
    )
    editor.shot("neighbour-picked")
    vertex = east_vertex(area(store, GRID_1).geometry, area(store, GRID_6).geometry)
    editor.drag_vertex(*vertex, 40, 6)
    # The vertex grid 6 shares moved with the handle (topological editing).
    moved = editor.page.evaluate(
        "(code) => { const s = window.onemapEditor.state;"
        " const flat = (a) => a.flatMap((x) => Array.isArray(x) ? flat(x) : [x]);"
        " const mine = new Set(flat(s.editable.getLatLngs()).map((l) => l.lng + ',' + l.lat));"
        " const theirs = flat(window.onemapEditor.context.byCode.get(code).layer.getLatLngs());"
        " return theirs.filter((l) => mine.has(l.lng + ',' + l.lat)).map((l) => [l.lng, l.lat]); }",
        GRID_6,
    )
    assert moved and all(tuple(v) != vertex for v in moved if abs(v[1] - vertex[1]) < 1e-6)
    editor.shot("dragged-shared-vertices-follow")
    assert "预览通过" in editor.preview()
    editor.shot("preview-children-follow")
    editor.save()
    confirmed = editor.confirmed_codes()
    assert {GRID_1, GRID_6} <= set(confirmed)
    assert {c[:15] for c in confirmed if len(c) == 18} == {GRID_1, GRID_6}
    editor.shot("confirm")
    editor.confirm()
    editor.wait_status("已保存", "ok")
    editor.shot("saved")
    version = area(store, GRID_1).version
    assert {area(store, c).version for c in confirmed} == {version}
    assert_tiles(store, GRID_1)
    assert_tiles(store, GRID_6)
    assert ("POST", "/v1/areas/boundary") in editor.writes


# -- 3. split ---------------------------------------------------------------------------------
def test_split(editor: EditorPage, server: tuple[str, Keys, Store]) -> None:
    _, keys, store = server
    editor.login(keys.editor)
    editor.load(MICRO_1_4)
    editor.mode("split")
    west, south, east, north = area(store, MICRO_1_4).geometry.bounds
    middle = (south + north) / 2
    editor.draw([(west - 0.0003, middle), (east + 0.0003, middle + 0.0001)])
    assert "预览通过" in editor.wait_status("预览")
    assert editor.page.inner_text("#neighbour") == ""  # drawing picked no neighbour
    editor.shot("line-and-parts")
    editor.save()
    editor.shot("confirm")
    editor.confirm()
    done = editor.wait_status("已拆分为", "ok")
    parts = sorted(a.code for a in store.current_areas(Level.MICRO_GRID)
                   if a.attributes.get("split_from") == MICRO_1_4)  # fmt: skip
    assert len(parts) == 2 and all(p in done for p in parts)
    # The message stays, and the code box shows the part now loaded, not the retired code.
    editor.page.wait_for_timeout(300)
    assert "已拆分为" in editor.status()
    assert editor.page.input_value("#code") == parts[0]
    editor.shot("split-done")
    with pytest.raises(Exception, match="no area"):
        area(store, MICRO_1_4)


# -- 4. merge ---------------------------------------------------------------------------------
def test_merge(editor: EditorPage, server: tuple[str, Keys, Store]) -> None:
    _, keys, store = server
    total = area_m2(area(store, MICRO_1_1).geometry) + area_m2(area(store, MICRO_1_2).geometry)
    editor.login(keys.editor)
    editor.load(MICRO_1_1)
    editor.mode("merge")
    editor.click_inside(area(store, MICRO_1_2).geometry)
    assert "预览通过" in editor.wait_status("预览")
    editor.shot("merge-preview")
    editor.save()
    assert sorted(editor.confirmed_codes()) == [MICRO_1_1, MICRO_1_2]
    editor.shot("confirm")
    editor.confirm()
    editor.wait_status("已保存", "ok")
    editor.shot("merged")
    assert area_m2(area(store, MICRO_1_1).geometry) == pytest.approx(total, abs=0.5)
    assert MICRO_1_2 not in kids(store, GRID_1)


# -- 5. a self-intersection, its repair applied by a button and previewed --------------------
def test_repair_applied(editor: EditorPage, server: tuple[str, Keys, Store]) -> None:
    _, keys, store = server
    editor.login(keys.editor)
    editor.load(MICRO_1_4)
    editor.page.check("#adjust")
    shape = area(store, MICRO_1_4).geometry
    # The northmost handle, dragged past the far side of the area: the ring crosses itself.
    north = max(editor.vertices("window.onemapEditor.state.editable"), key=lambda xy: xy[1])
    centre = shape.centroid
    beyond = (centre.x + (centre.x - north[0]) * 1.25, centre.y + (centre.y - north[1]) * 1.25)
    x0, y0 = editor.point(*north)
    x1, y1 = editor.point(*beyond)
    editor.drag_vertex(*north, x1 - x0, y1 - y0)
    editor.shot("twisted")
    assert "预览发现问题" in editor.preview()
    problems = editor.page.inner_text("#problems")
    assert "边界自相交" in problems and "修复" in problems  # said in Chinese
    assert editor.page.is_visible("#apply-repair")
    editor.shot("invalid-with-repair-drawn")
    editor.page.click("#apply-repair")
    editor.page.wait_for_selector("#status >> text=/预览(通过|发现问题)/")
    assert "预览通过" in editor.status()
    assert "边界自相交" not in editor.page.inner_text("#problems")
    editor.shot("repair-applied-and-previewed")
    editor.save()
    editor.confirm()
    editor.wait_status("已保存", "ok")
    editor.shot("saved")
    assert area(store, MICRO_1_4).geometry.is_valid
    assert area(store, MICRO_1_4).version > 1


# -- 6. the stale-neighbour sequence ------------------------------------------------
def test_stale_neighbour_sequence_saves_only_the_chosen_area(
    editor: EditorPage, server: tuple[str, Keys, Store]
) -> None:
    """Load 1-5, start a split line (its clicks land on 1-4, which touches 1-6), then load
    1-6, drag a vertex and save: only 1-6 may change, and the confirmation says so."""
    _, keys, store = server
    versions = {c: a.version for c, a in kids(store, GRID_1).items()}
    editor.login(keys.editor)
    editor.load(MICRO_1_5)
    editor.mode("split")
    editor.click_inside(area(store, MICRO_1_4).geometry)
    editor.click_inside(area(store, "330402007024001007").geometry)
    editor.shot("split-line-half-drawn")
    assert editor.page.inner_text("#neighbour") == ""
    editor.load(MICRO_1_6)
    assert editor.page.inner_text("#neighbour") == ""
    assert editor.page.is_hidden("#neighbour-box")
    # Drag 1-6's south-west handle into 1-6 itself (a gap, a warning; no overlap).
    shape = area(store, MICRO_1_6).geometry
    corner = min(editor.vertices("window.onemapEditor.state.editable"), key=lambda xy: sum(xy))
    centre = editor.point(shape.centroid.x, shape.centroid.y)
    x0, y0 = editor.point(*corner)
    editor.drag_vertex(*corner, (centre[0] - x0) / 3, (centre[1] - y0) / 3)
    editor.shot("other-area-dragged")
    editor.save()
    assert editor.confirmed_codes() == [MICRO_1_6]
    editor.shot("confirm-lists-only-the-chosen-area")
    editor.confirm()
    editor.wait_status("已保存", "ok")
    editor.shot("saved")
    assert ("POST", "/v1/areas/boundary") not in editor.writes
    after = {c: a.version for c, a in kids(store, GRID_1).items()}
    assert {c for c in versions if after[c] != versions[c]} == {MICRO_1_6}
    assert area_m2(area(store, MICRO_1_6).geometry) < area_m2(shape) - 10  # the drag took


# -- 7. 412 when another editor saved first -------------------------------------------------
def test_another_editor_saved_first(editor: EditorPage, server: tuple[str, Keys, Store]) -> None:
    base, keys, store = server
    grid_1, grid_6 = area(store, GRID_1), area(store, GRID_6)

    def rename(code: str, name: str) -> None:
        done = httpx.put(
            f"{base}/v1/areas/{code}",
            headers={"X-API-Key": keys.other, "If-Match": f'"{area(store, code).version}"'},
            json={"feature": {"type": "Feature", "geometry": None, "properties": {"name": name}},
                  "reason": "更名"},
        )  # fmt: skip
        assert done.status_code == 200, done.text

    def move() -> None:
        editor.mode("boundary")
        editor.click_inside(area(store, GRID_6).geometry)
        editor.wait_status("已选择相邻区域", "ok")
        vertex = east_vertex(area(store, GRID_1).geometry, area(store, GRID_6).geometry)
        editor.drag_vertex(*vertex, 40, 6)
        assert "预览通过" in editor.preview()

    editor.login(keys.editor)
    editor.load(GRID_1)
    move()
    # The neighbour is renamed between this editor's preview and save.
    rename(GRID_6, "百福弄社区第6网格(新)")
    editor.page.click("#save")
    refused = editor.wait_status("已被他人修改", "error")
    assert GRID_6 in refused and "重新载入" in refused
    editor.shot("412-neighbour-changed")
    # Reload and edit again; this time a following child changes while the confirmation
    # is open: the save carries its version too, and is refused.
    editor.load(GRID_1)
    move()
    editor.save()
    child = next(c for c in editor.confirmed_codes() if c.startswith(GRID_6) and len(c) == 18)
    rename(child, "微网格(新)")
    editor.shot("confirm-open-while-child-renamed")
    editor.confirm()
    refused = editor.wait_status("已被他人修改", "error")
    assert child in refused
    editor.shot("412-child-changed")
    # Only the two renames were stored: neither boundary moved.
    assert area(store, GRID_1).version == grid_1.version
    assert area(store, GRID_6).geometry.equals(grid_6.geometry)
    assert area(store, child).name == "微网格(新)"


# -- 8. a key that cannot edit: said on login; the basemap when one is configured -----------
class _Tiles(BaseHTTPRequestHandler):
    """A stand-in for an intranet basemap: one light grey 256 px PNG for every tile."""

    png = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(self.png)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def basemap() -> Iterator[str]:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (256, 256), (225, 232, 220)).save(out, format="PNG")
    _Tiles.png = out.getvalue()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    server.shutdown()


def test_read_only_key_is_said_on_login_and_sees_the_context(
    seeded: tuple[Store, Keys], tmp_path: Path, browser: Any, basemap: str,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    store, keys = seeded
    with serve(store, tmp_path, ONEMAP_MAP_BASEMAP_URL=basemap) as base:
        editor = EditorPage.open(browser, base, request.node.name)
        try:
            who = editor.login(keys.viewer)
            assert "只读模式" in who and "查看者" in who  # at login, not at 预览
            assert editor.page.is_hidden("#modes") and editor.page.is_hidden("#save")
            editor.load(GRID_1)
            assert editor.handles() == 0
            labels = editor.page.inner_text(".leaflet-map-pane")
            assert "第5微网格" in labels
            drawn = editor.page.evaluate(
                "() => window.onemapEditor.context.layers.addresses.getLayers().length"
            )
            assert drawn == store.list_addresses(AddressQuery(area=GRID_1, limit=1000)).total
            editor.page.wait_for_selector("img.leaflet-tile-loaded")
            editor.shot("read-only-with-basemap")
            assert editor.writes == []
        finally:
            editor.close()
        assert editor.outside == []


# -- 9. drawing a new area inside its parent -------------------------------------------------
def test_draw_a_dedicated_grid_inside_its_community(
    editor: EditorPage, server: tuple[str, Keys, Store]
) -> None:
    _, keys, store = server
    editor.login(keys.editor)
    editor.load(COMMUNITY)
    editor.mode("create")
    editor.page.fill("#new-name", "实验小学专属网格")
    editor.page.select_option("#new-kind", "dedicated")
    editor.page.check("#adjust")
    x, y = inside(store, f"{GRID_1}004")
    d = 0.0004
    editor.draw([(x - d, y - d), (x + d, y - d), (x + d, y + d), (x - d, y + d)], polygon=True)
    assert "预览通过" in editor.wait_status("预览")
    changes = editor.page.inner_text("#changes")
    assert "新建" in changes and "让出空间" in changes and "下级随动" in changes
    editor.shot("school-drawn-preview")
    editor.save()
    editor.shot("confirm")
    editor.confirm()
    done = editor.wait_status("已新建", "ok")
    school = next(a for a in kids(store, COMMUNITY).values() if a.kind == "dedicated")
    assert school.code in done and school.name == "实验小学专属网格"
    assert school.code > max(c for c in kids(store, COMMUNITY) if c != school.code)
    grids = [a.geometry for a in kids(store, COMMUNITY).values()]
    assert (
        sum(area_m2(a.intersection(b)) for i, a in enumerate(grids) for b in grids[i + 1 :]) < 0.1
    )
    assert_tiles(store, GRID_1)
    editor.shot("created")


# -- the map says the service's errors in Chinese too ----------------------------------------
def test_the_map_words_errors_in_chinese(server: tuple[str, Keys, Store], browser: Any) -> None:
    base, keys, _ = server
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base}/map?key={keys.viewer}")
        page.wait_for_selector("body[data-onemap-ready=true]")
        text = page.evaluate(
            "() => window.onemap.why({status: 412, body: {error: {code: 'version_mismatch',"
            " kind: 'version_stale', params: {code: '330402007024001', sent: 3, current: 5}}}})"
        )
    finally:
        context.close()
    assert text == "区域 330402007024001 已被他人修改 (您编辑的是版本 3, 当前为版本 5), 请重新载入"


def test_the_editor_page_loads_nothing_from_outside(server: tuple[str, Keys, Store]) -> None:
    base, _, _ = server
    page_html = httpx.get(f"{base}/editor").text
    assert "http://" not in page_html and "https://" not in page_html
    assets = ("leaflet-1.9.4/leaflet.js", "leaflet-geoman-2.20.2/leaflet-geoman.min.js")
    for asset in (*(f"vendor/{a}" for a in assets), "editor/editor.js", "editor/geometry.js",
                  "editor/context.js", "shared/messages.js"):  # fmt: skip
        assert httpx.get(f"{base}/static/{asset}").status_code == 200
