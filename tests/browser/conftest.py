"""Browser fixtures: a real uvicorn server on loopback over the demo city, and Chromium.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright; ``playwright install`` is
never needed. Locally the browser tests skip when it is missing; in CI (``CI=true``) they fail.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from api.map import MapSettings
from api.settings import Settings
from geo.access import Role
from geo.stores import Store

CHROMIUM = Path(os.environ.get("ONEMAP_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@dataclass
class LiveServer:
    base_url: str
    key: str


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """uvicorn serving ``app`` on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    patch = pytest.MonkeyPatch()
    patch.setenv("ONEMAP_LOCATE_WAIT_ON_START", "true")  # clicks need the locator at once
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the live server did not start")
        time.sleep(0.05)
    patch.undo()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def app_over(store: Store, folder: Path, map_settings: MapSettings | None = None) -> Any:
    settings = Settings(database_url=store.url, data_dir=folder, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings)
    app.state.map_settings = map_settings or MapSettings(_env_file=None)  # type: ignore[call-arg]
    return app


@pytest.fixture(scope="session")
def live_server(
    city_store: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """uvicorn serving the demo city on 127.0.0.1 (a free port), with a dispatcher key."""
    _, key = city_store.create_key(name="browser-tests", role=Role.DISPATCHER)
    with serving(app_over(city_store, tmp_path_factory.mktemp("live"))) as base:
        yield LiveServer(base, key)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium under Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
