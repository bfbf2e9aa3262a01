"""What the locator and the geocoder holders share: a built object swapped in by a poller.

Each API worker keeps one index per kind of question (points → areas, text → addresses).
Readers take the current one with a plain attribute read and never wait; one background
thread asks the store for its data version every poll interval and, when it moved, builds a
new index beside the old one and swaps the reference. Only what is built, and when a holder
counts as loaded, differs between the kinds.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import ClassVar, Generic, Protocol, TypeVar

from address_normalizer import BuildCancelledError
from geo.errors import StoreUnavailableError
from geo.refresh.heap import settle_long_lived
from geo.refresh.retry_log import RetryLog

__all__ = ["RefreshingHolder", "VersionSource"]

T = TypeVar("T")


class VersionSource(Protocol):
    """What a holder polls: the data version of a store (the id of its newest changeset).

    The store satisfies this and the narrower sources of each holder without this package
    importing it: the domain says what it needs, the store provides it.
    """

    def current_version(self) -> int: ...


class RefreshingHolder(ABC, Generic[T]):
    """The current ``T`` of a store, refreshed in the background by :meth:`refresh`."""

    thread_name: ClassVar[str]
    not_ready: ClassVar[tuple[type[StoreUnavailableError], str]]  # raised, and its message
    log: ClassVar[logging.Logger]

    def __init__(self, store: VersionSource, *, poll_interval: float) -> None:
        self.store = store
        self.poll_interval = poll_interval
        self._current: T | None = None
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def _start_thread(self) -> None:
        with self._start_lock:  # request threads of a lazy worker may all ask at once
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=self.thread_name, daemon=True
                )
                self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling; a build in progress gives up at its next stage where it can."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def is_ready(self) -> bool:
        """Whether something is loaded, i.e. whether requests can be answered."""
        return self._current is not None

    # -- reading -------------------------------------------------------------------------------
    def current(self) -> T:
        """What the newest version loaded built (never blocks)."""
        current = self._current
        if current is None:
            error, message = self.not_ready
            raise error(message)
        return current

    # -- refreshing ----------------------------------------------------------------------------
    @abstractmethod
    def refresh(self) -> bool:
        """Build and swap in the store's newest version if it moved; True if swapped."""

    def _swap(self, built: T) -> None:
        self._current = built  # one reference assignment: readers see old or new, whole
        settle_long_lived()

    def _after_attempt(self) -> None:
        """Called after every refresh attempt, whether it worked or not."""

    def _run(self) -> None:
        retries = RetryLog(self.log, f"{self.thread_name}: refresh")
        while not self._stop.is_set():
            try:
                self.refresh()
            except BuildCancelledError:
                return
            except Exception:  # the store may be down: keep serving the old one, retry
                retries.failed()
            else:
                retries.succeeded()
            self._after_attempt()
            self._stop.wait(self.poll_interval)
