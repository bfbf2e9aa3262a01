"""Keeping a locator current: atomic swaps, version polling, and as-of answers.

:class:`LocatorHolder` owns the locator of the store's current version. Readers take
``holder.current()``, a plain attribute read, so they never wait; a background thread asks the
store for its version at most every ``poll_interval`` seconds and, when it moved, builds a new
locator beside the old one and swaps the reference. Each API worker process runs its own
holder, so every worker notices an edit within one poll interval.

Answers ``as_of`` a past time come from locators of the areas valid then, kept in a small LRU
cache. The areas valid at ``t`` are fixed by the changesets effective at or before ``t``, so the
cache key is (newest such changeset id, their count): it changes exactly when a write, even a
back-dated one, changes what was valid at ``t``.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from geo.areas import AreaRecord, Level
from geo.errors import StoreUnavailableError
from geo.locate.locator import Locator
from geo.refresh import RefreshingHolder, VersionSource

__all__ = ["AreaSource", "LocatorHolder", "LocatorNotReadyError"]

log = logging.getLogger("onemap.locator")

Builder = Callable[[Sequence[AreaRecord], int], Locator]
VersionKey = tuple[int, int]


class AreaSource(VersionSource, Protocol):
    """What a locator is built from: the areas valid now or at a time, and their versions."""

    def current_areas(
        self, level: Level | None = None, *, as_of: datetime | None = None
    ) -> list[AreaRecord]: ...
    def changeset_key(self, as_of: datetime | None) -> VersionKey: ...


class LocatorNotReadyError(StoreUnavailableError):
    """Raised when a point is located before the first index has been built (retry soon)."""

    code = "index_loading"


class LocatorHolder(RefreshingHolder[Locator]):
    """The current locator of a store, refreshed in the background.

    Parameters
    ----------
    store
        Where areas and versions come from.
    poll_interval
        Seconds between two checks of the store's version.
    history_size
        How many as-of locators to keep (each holds a full index).
    build
        How to build a locator from areas and a version (defaults to :class:`Locator`).
    """

    store: AreaSource
    thread_name = "onemap-locator-refresh"
    not_ready = (LocatorNotReadyError, "the locator index is still loading; retry shortly")
    log = log

    def __init__(
        self,
        store: AreaSource,
        *,
        poll_interval: float = 1.0,
        history_size: int = 4,
        build: Builder | None = None,
    ) -> None:
        super().__init__(store, poll_interval=poll_interval)
        self.history_size = history_size
        self._build: Builder = build or (lambda areas, version: Locator(areas, version))
        self._history: OrderedDict[VersionKey, Locator] = OrderedDict()
        self._history_lock = threading.Lock()
        self._build_locks: dict[VersionKey, threading.Lock] = {}
        self._tried = threading.Event()  # set after the first load, whether it worked or not

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, *, wait: bool = True, timeout: float | None = None) -> LocatorHolder:
        """Start the refresh thread; with ``wait``, return once the first load was tried.

        If that load failed (store down), the holder is not ready and keeps retrying every
        poll interval; locate calls answer 503 until it succeeds.
        """
        self._start_thread()
        if wait:
            self._tried.wait(timeout)
        return self

    # -- reading -------------------------------------------------------------------------------
    def at(self, as_of: datetime | None) -> Locator:
        """The locator for the areas valid at ``as_of`` (the current one for None)."""
        current = self.current()
        if as_of is None:
            return current
        key = self._version_key(as_of)
        if key == self._version_key(None) and key[0] == current.version:
            return current
        with self._history_lock:
            cached = self._history.get(key)
            if cached is not None:
                self._history.move_to_end(key)
                return cached
            lock = self._build_locks.setdefault(key, threading.Lock())
        with lock:  # one build per key even when many requests miss at once
            with self._history_lock:
                cached = self._history.get(key)
            if cached is None:
                cached = self._build(self.store.current_areas(as_of=as_of), key[0])
            with self._history_lock:
                self._history[key] = cached
                self._history.move_to_end(key)
                while len(self._history) > self.history_size:
                    self._history.popitem(last=False)
                self._build_locks.pop(key, None)
        return cached

    # -- refreshing ----------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Load the store's newest version if it differs from the current one; True if swapped.

        The version is read before the areas: if an edit lands in between, the new index is
        labelled with the older version and the next poll rebuilds it, so it is never stale
        under a newer label.
        """
        version = self.store.current_version()
        current = self._current
        if current is not None and current.version == version:
            return False
        locator = self._build(self.store.current_areas(), version)
        self._swap(locator)
        log.info("locator at version %d: %d areas, %.0f MB", version, len(locator),
                 locator.nbytes / 1e6)  # fmt: skip
        return True

    def _after_attempt(self) -> None:
        self._tried.set()

    def _version_key(self, as_of: datetime | None) -> VersionKey:
        """(newest changeset id, changeset count) effective at or before ``as_of``."""
        return self.store.changeset_key(as_of)
