"""The one-map page in headless Chromium, with every request off loopback blocked."""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import LiveServer

VIEW = {"width": 1280, "height": 800}
LOCAL = ("data:", "blob:")


@pytest.mark.parametrize("city_store", ["sqlite"], indirect=True)
def test_the_map_loads_offline_draws_the_city_and_answers_a_click(
    city_store: Any, live_server: LiveServer, browser: Any
) -> None:
    context = browser.new_context(viewport=VIEW, locale="zh-CN")
    blocked: list[str] = []
    failed: list[str] = []
    refused: list[str] = []
    tiles: list[str] = []

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if url.startswith(live_server.base_url) or url.startswith(LOCAL):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on(
        "response", lambda r: refused.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.on(
        "response",
        lambda r: tiles.append(r.url) if "/tiles/" in r.url and r.status == 200 else None,
    )

    started = time.monotonic()
    page.goto(f"{live_server.base_url}/map?key={live_server.key}")
    page.wait_for_selector("body[data-onemap-ready=true]")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-loaded').length >= 4")
    loaded = time.monotonic() - started
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.base_url}/map"  # the key left the address bar
    assert len(tiles) >= 4, "vector tiles did not load"
    assert loaded < 30

    shot = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("L"), dtype=np.float64)
    assert shot.std() > 10, "the screenshot is blank"
    assert len(np.unique(shot)) > 20

    page.mouse.click(VIEW["width"] // 2, VIEW["height"] // 2)
    # Arrow functions: Playwright would eval() a bare expression, which the page's CSP forbids.
    page.wait_for_function(
        "() => document.querySelector('.onemap-chain') && "
        "!document.querySelector('.onemap-chain').textContent.includes('查询中…')",
        timeout=20_000,
    )
    popup = page.inner_text(".leaflet-popup-content")
    assert page.query_selector(".onemap-chain table") is not None, popup
    assert "区县" in popup and "330" in popup
    page.wait_for_function(
        "() => document.getElementById('onemap-open') && "
        "!document.getElementById('onemap-open').textContent.includes('查询中')"
    )

    page.fill(".onemap-search input", "南湖区")
    page.click(".onemap-search button")
    page.wait_for_function(
        "() => document.querySelector('.onemap-search-out').textContent === '南湖区'"
    )
    page.wait_for_load_state("networkidle")

    assert blocked == [], f"requests left loopback: {blocked}"
    assert failed == [], f"failed requests: {failed}"
    assert refused == [], f"refused requests: {refused}"
    context.close()
