"""Driving the boundary editor in Chromium like a mapping officer, with a screenshot per step.

Screenshots go to ``tests/browser/artifacts/editor/<test>/NN-step.png`` (git-ignored; set
``ONEMAP_TEST_ARTIFACTS`` to put them elsewhere); each test prints the folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import shapely

ARTIFACTS = Path(os.environ.get("ONEMAP_TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))
VIEW = {"width": 1300, "height": 860}
LOCAL_HOSTS = ("127.0.0.1", "localhost")


@dataclass
class EditorPage:
    """One browser tab on ``/editor``, every request off loopback blocked and recorded."""

    page: Any
    base: str
    folder: Path
    outside: list[str] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)

    @classmethod
    def open(cls, browser: Any, base: str, name: str) -> EditorPage:
        context = browser.new_context(viewport=VIEW, locale="zh-CN", timezone_id="UTC")
        page = context.new_page()
        folder = ARTIFACTS / "editor" / re.sub(r"[^\w.-]+", "_", name)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
        editor = cls(page, base, folder)

        def guard(route: Any) -> None:
            if urlparse(route.request.url).hostname in LOCAL_HOSTS:
                route.continue_()
            else:
                editor.outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page.on(
            "request",
            lambda r: (
                editor.writes.append((r.method, urlparse(r.url).path))
                if r.method in ("POST", "PUT", "DELETE")
                else None
            ),
        )
        page.goto(f"{base}/editor")
        print(f"\nscreenshots of {name}: {folder}")
        return editor

    def close(self) -> None:
        self.page.context.close()

    def shot(self, step: str) -> None:
        path = self.folder / f"{len(self.shots) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path))
        self.shots.append(path)

    # -- the panel -------------------------------------------------------------------------
    def login(self, key: str) -> str:
        self.page.fill("#key", key)
        self.page.click("#login button")
        self.page.wait_for_selector("#work:not([hidden])")
        return str(self.page.inner_text("#who"))

    def load(self, code: str) -> None:
        """载入 an area and wait until it is drawn and the map placed on it."""
        loads = int(self.page.evaluate("() => Number(document.body.dataset.loads || 0)"))
        self.page.fill("#code", code)
        self.page.click("#load")
        self.page.wait_for_function(
            "(n) => Number(document.body.dataset.loads || 0) > n", arg=loads
        )
        assert f"({code})" in self.page.inner_text("#current")

    def mode(self, name: str) -> None:
        self.page.click(f"#mode-{name}")

    def status(self) -> str:
        return str(self.page.inner_text("#status"))

    def wait_status(self, text: str, kind: str | None = None) -> str:
        selector = f"#status.{kind}" if kind else "#status"
        self.page.wait_for_selector(f"{selector} >> text={text}")
        return self.status()

    def preview(self) -> str:
        self.page.click("#preview")
        return self.wait_status("预览")

    def save(self) -> str:
        """保存: wait for the confirmation; answer with the table's text."""
        self.page.click("#save")
        self.page.wait_for_selector("dialog#confirm[open]")
        return str(self.page.inner_text("#confirm-table"))

    def confirm(self) -> None:
        self.page.click("#confirm-ok")
        self.page.wait_for_selector("dialog#confirm", state="hidden")

    def confirmed_codes(self) -> list[str]:
        rows = self.page.query_selector_all("#confirm-table tr[data-code]")
        return [str(r.get_attribute("data-code")) for r in rows]

    # -- the map ---------------------------------------------------------------------------
    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.page.evaluate(
            "([lat, lon]) => {"
            " const p = window.onemapEditor.map.latLngToContainerPoint([lat, lon]);"
            " const r = document.getElementById('map').getBoundingClientRect();"
            " return [p.x + r.left, p.y + r.top]; }",
            [lat, lon],
        )
        return float(x), float(y)

    def click_at(self, lon: float, lat: float) -> None:
        x, y = self.point(lon, lat)
        self.page.mouse.click(x, y)

    def click_inside(self, geometry: Any) -> None:
        """Click a point of ``geometry`` that is on screen and clear of the map's controls."""
        corners = self.page.evaluate(
            "() => { const m = window.onemapEditor.map; const s = m.getSize();"
            " const a = m.containerPointToLatLng([60, 130]);"
            " const b = m.containerPointToLatLng([s.x - 60, s.y - 40]);"
            " return [a.lng, b.lat, b.lng, a.lat]; }"
        )
        visible = geometry.intersection(shapely.box(*corners))
        assert not visible.is_empty, "the area is not on screen"
        point = visible.representative_point()
        self.click_at(point.x, point.y)

    def drag_vertex(self, lon: float, lat: float, dx: float, dy: float) -> None:
        """Drag the handle at (lon, lat) by pixels."""
        x, y = self.point(lon, lat)
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + dx / 2, y + dy / 2, steps=5)
        self.page.mouse.move(x + dx, y + dy, steps=5)
        self.page.mouse.up()

    def draw(self, points: list[tuple[float, float]], *, polygon: bool = False) -> None:
        """Click a line's or polygon's vertices, then finish it as Leaflet-Geoman wants: a
        click on the first vertex closes a polygon, a second click on the last ends a line."""
        for lon, lat in points:
            self.click_at(lon, lat)
            self.page.wait_for_timeout(150)
        self.click_at(*(points[0] if polygon else points[-1]))

    def vertices(self, layer: str) -> list[tuple[float, float]]:
        """Every vertex of a layer on the page, (lon, lat); ``layer`` is a JS expression."""
        found = self.page.evaluate(
            "(expr) => { const flat = (a) => a.flatMap((x) => Array.isArray(x) ? flat(x) : [x]);"
            " const layer = new Function('return ' + expr)();"
            " return flat(layer.getLatLngs()).map((l) => [l.lng, l.lat]); }",
            layer,
        )
        return [(float(x), float(y)) for x, y in found]

    def handles(self) -> int:
        return int(
            self.page.evaluate(
                "() => document.querySelectorAll('.marker-icon:not(.marker-icon-middle)').length"
            )
        )
