"""Keeping a geocoder current: background builds, version polling, atomic swaps.

:class:`GeocoderHolder` owns the :class:`~geo.geocode.geocoder.Geocoder` of the store's newest
version. Readers take ``holder.current()``, a plain attribute read, so they never wait for a
build; a background thread asks the store for its version at most every ``poll_interval``
seconds and, when it moved (an address import, a boundary edit), builds a new geocoder beside
the old one and swaps the reference. Each API worker runs its own holder.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from geo.addresses import AddressTable
from geo.areas import AreaRecord, Level
from geo.errors import StoreUnavailableError
from geo.geocode.geocoder import DEFAULT_THRESHOLD, Geocoder
from geo.geocode.pool import fork_available
from geo.refresh import RefreshingHolder, VersionSource

__all__ = ["GeocoderHolder", "GeocoderNotReadyError", "LibrarySource"]

log = logging.getLogger("onemap.geocoder")

MIN_POLL_INTERVAL_S = 1.0


class LibrarySource(VersionSource, Protocol):
    """What a geocoder is built from: the current addresses and the current areas."""

    def address_table(self) -> AddressTable: ...
    def current_areas(
        self, level: Level | None = None, *, as_of: datetime | None = None
    ) -> list[AreaRecord]: ...


class GeocoderNotReadyError(StoreUnavailableError):
    """Raised when a geocode arrives before the first library is loaded (retry soon)."""

    code = "index_loading"


class GeocoderHolder(RefreshingHolder[Geocoder]):
    """The current geocoder of a store, refreshed in the background.

    Parameters
    ----------
    store
        Where addresses, areas and versions come from.
    poll_interval
        Seconds between two checks of the store's version; at least one second, since every
        check is a query and a rebuild of a city's library takes seconds anyway.
    threshold
        Minimum calibrated grid confidence for a resolved answer.
    calibrate
        Noisy queries used to calibrate each new geocoder.
    batch_processes
        Helper processes forked with each new geocoder to share the matching of large
        batches (:meth:`geo.geocode.geocoder.Geocoder.attach_pool`); 0 matches on one core.
    """

    store: LibrarySource
    thread_name = "onemap-geocoder-refresh"
    not_ready = (GeocoderNotReadyError, "the address library is still loading; retry shortly")
    log = log

    def __init__(
        self,
        store: LibrarySource,
        *,
        poll_interval: float = 1.0,
        threshold: float = DEFAULT_THRESHOLD,
        calibrate: int = 2000,
        batch_processes: int = 0,
    ) -> None:
        super().__init__(store, poll_interval=max(MIN_POLL_INTERVAL_S, poll_interval))
        self.threshold = threshold
        self.calibrate = calibrate
        self.batch_processes = batch_processes if fork_available() else 0
        self._loaded = threading.Event()
        self._refresh_lock = threading.Lock()
        self.last_build_seconds: float | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, *, wait: bool = False, timeout: float | None = None) -> GeocoderHolder:
        """Start the refresh thread; with ``wait``, return once the first geocoder is built."""
        self._start_thread()
        if wait:
            self._loaded.wait(timeout)
        return self

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the first geocoder is loaded; False on timeout.

        Waiting is a demand: a lazy holder that has not started building starts now.
        """
        if self._thread is None and not self._stop.is_set():
            self.start()
        return self._loaded.wait(timeout)

    def is_building(self) -> bool:
        """Whether the first build has been asked for (eagerly or by a first call)."""
        return self._thread is not None

    # -- refreshing ----------------------------------------------------------------------------
    def refresh(self, *, force: bool = False) -> bool:
        """Build and swap in the store's newest version if it moved; True if swapped.

        The version is read before the data: if a write lands in between, the new geocoder is
        labelled with the older version and the next poll rebuilds it, so it is never stale
        under a newer label.
        """
        with self._refresh_lock:
            version = self.store.current_version()
            current = self._current
            if not force and current is not None and current.version == version:
                return False
            started = time.perf_counter()
            geocoder = self.build(version, cancelled=self._stop.is_set)
            self._swap(geocoder)
            # Forked after the swap froze the index, so the helpers' pages stay shared.
            if self.batch_processes and not self._stop.is_set():
                geocoder.attach_pool(self.batch_processes)
            if current is not None:
                current.close()  # a batch still using it finishes on its own thread
            self._loaded.set()
            self.last_build_seconds = time.perf_counter() - started
        log.info("geocoder at version %d: %d addresses in %.1f s", version, len(geocoder),
                 self.last_build_seconds)  # fmt: skip
        return True

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling and the current geocoder's helper processes."""
        super().stop(timeout)
        current = self._current
        if current is not None:
            current.close()

    def _after_attempt(self) -> None:
        """A helper process that died is replaced at the next poll, not at the next version."""
        current = self._current
        if current is not None and current.pool is not None and current.pool.broken:
            current.attach_pool(self.batch_processes)

    def build(self, version: int, *, cancelled: Callable[[], bool] | None = None) -> Geocoder:
        """A geocoder of the store's current data, labelled ``version``."""
        table = self.store.address_table()
        areas = self.store.current_areas()
        return Geocoder(
            table, areas, version, threshold=self.threshold, calibrate=self.calibrate,
            cancelled=cancelled,
        )  # fmt: skip
