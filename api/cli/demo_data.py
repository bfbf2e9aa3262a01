"""The demo's layers, reports and edit history, written in the background on first start.

``onemap demo`` serves as soon as the city's boundaries and addresses are stored; this thread
waits until the API answers ``/readyz``, then adds the rest (``sample_data.populate_demo``)
through its own connection. The page shows the layers and numbers at its next refresh. A
demo interrupted before this finished gets it again at its next start.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from typing import Any

from rich.console import Console

from api.settings import Settings
from geo.stores import open_store

__all__ = ["start_demo_population"]

log = logging.getLogger("onemap.demo")
READY_WAIT_S = 300


def _wait_until_ready(settings: Settings) -> None:
    url = f"http://{settings.host}:{settings.port}/readyz"
    deadline = time.monotonic() + READY_WAIT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)


def _populate(settings: Settings, city: Any, seed: int, console: Console) -> None:
    from sample_data import build_city, populate_demo

    _wait_until_ready(settings)
    store = open_store(settings.store_url)
    try:
        started = time.perf_counter()
        summary = populate_demo(store, city or build_city("demo", seed=seed), seed=seed)
        layers = ", ".join(f"{n} {k}" for k, n in summary.features.items())
        console.print(
            f"demo data ready in {time.perf_counter() - started:.0f} s: {layers}; "
            f"{summary.reports} reports; {summary.edits} edits in the history"
        )
    except Exception:  # the demo still serves its city; say why the extras are missing
        log.warning("the demo's layers and reports could not be added", exc_info=True)
    finally:
        store.dispose()


def start_demo_population(settings: Settings, city: Any, seed: int, console: Console) -> None:
    thread = threading.Thread(
        target=_populate,
        args=(settings, city, seed, console),
        name="onemap-demo-data",
        daemon=True,
    )
    thread.start()
