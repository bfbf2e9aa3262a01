"""The locator holder: atomic swaps, polling, never blocking readers, surviving a dead store."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest

from geo.areas import AreaRecord
from geo.errors import StoreUnavailableError
from geo.locate import Locator, LocatorHolder, LocatorNotReadyError


class FakeStore:
    """Just what the holder polls: a version number and (no) areas; can be made to fail."""

    def __init__(self) -> None:
        self.version = 1
        self.down = False

    def current_version(self) -> int:
        if self.down:
            raise StoreUnavailableError("down")
        return self.version

    def current_areas(self, level: Any = None, *, as_of: Any = None) -> list[AreaRecord]:
        return []


def wait_for(condition: Any, seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return bool(condition())


def test_a_new_version_is_swapped_in_without_blocking_readers() -> None:
    store = FakeStore()
    building = threading.Event()
    release = threading.Event()

    def slow_build(areas: Sequence[AreaRecord], version: int) -> Locator:
        if version > 1:
            building.set()
            release.wait(5)
        return Locator(areas, version)

    holder = LocatorHolder(store, poll_interval=0.05, build=slow_build).start()  # type: ignore[arg-type]
    try:
        assert holder.is_ready() and holder.current().version == 1
        store.version = 2
        assert building.wait(2)
        start = time.perf_counter()
        assert holder.current().version == 1  # the old index answers during the rebuild
        assert time.perf_counter() - start < 0.01
        release.set()
        assert wait_for(lambda: holder.current().version == 2)
    finally:
        release.set()
        holder.stop()


def test_an_unreachable_store_leaves_the_holder_not_ready_until_it_returns() -> None:
    store = FakeStore()
    store.down = True
    holder = LocatorHolder(store, poll_interval=0.05).start(timeout=5)  # type: ignore[arg-type]
    try:
        assert not holder.is_ready()
        with pytest.raises(LocatorNotReadyError):
            holder.current()
        store.down = False
        assert wait_for(holder.is_ready)
        store.down = True  # a later outage keeps the loaded index serving
        time.sleep(0.1)
        assert holder.current().version == 1
    finally:
        holder.stop()
