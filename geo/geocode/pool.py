"""Geocoding a large batch on several cores: helper processes forked with the address index.

Matching one text is pure Python and NumPy under the GIL, so a batch of 10,000 reports with
6,000 distinct texts keeps one core busy for a second and a half however many threads ask.
A :class:`GeocodePool` forks helper processes right after a worker builds its geocoder: they
share the index's memory copy-on-write (the worker froze it out of the collector's reach just
before, so the collector does not dirty its pages) and need nothing sent but the texts. A batch
is cut into chunks that the calling thread and every helper take from one queue, so a slow or
busy helper never holds the batch up; a helper that dies costs nothing but the speed-up (its
chunks are redone locally and the pool is marked broken, to be forked anew).

Only :meth:`AddressIndex.lookup` runs in a helper: its answer is a few numbers per candidate,
cheap to send back, and the calling thread turns it into an answer with the worker's own
tables, between its own chunks, so the helpers take the larger share of the look-ups.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import Any, Generic, TypeVar

from address_normalizer import AddressIndex, Lookup

__all__ = ["CHUNK", "STALL_S", "GeocodePool", "fork_available"]

log = logging.getLogger("onemap.geocoder")

CHUNK = 128
"""Texts per unit of work: big enough that sending it costs little next to matching it
(about 30 ms of work), small enough that the last chunks finish together."""

STALL_S = 30.0
"""Seconds without a chunk back from the helpers after which they count as stuck: a chunk is
tens of milliseconds of work, so only a stopped or deadlocked helper takes this long."""

T = TypeVar("T")
_index: AddressIndex | None = None  # the helper's inherited index (set once, after the fork)


def fork_available() -> bool:
    """Whether this platform can fork helpers that inherit memory (Linux, not Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


class GeocodePool:
    """Helper processes that look texts up in a copy-on-write view of one address index.

    Parameters
    ----------
    index
        The index to share; the helpers see it as it is now, so build the pool after the
        index is complete and discard the pool with it.
    processes
        Helper processes (at least 1). The calling thread works too, so a batch runs on
        ``processes + 1`` cores.

    Notes
    -----
    The helpers are forked from the calling thread when the pool is created. A fork copies
    only that thread; the helpers run nothing but index look-ups, which take no lock that
    another thread of the worker could have held at the fork.
    """

    def __init__(self, index: AddressIndex, processes: int) -> None:
        if processes < 1:
            raise ValueError("a pool needs at least one helper process")
        self.processes = processes
        self.chunks_by_helpers = 0
        """Chunks the helpers have looked up so far (the calling thread does the rest)."""
        self._broken = False
        before = _children()
        self._executor = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_adopt,
            initargs=(index, os.getpid()),
        )
        # Fork now, from this thread, rather than at a first batch on some request thread.
        for future in [self._executor.submit(os.getpid) for _ in range(processes)]:
            future.result()
        self.pids = _children() - before
        """The helpers' process ids."""

    @property
    def broken(self) -> bool:
        """Whether a helper died; the pool then does nothing and should be replaced."""
        return self._broken

    def map(
        self,
        texts: Sequence[str],
        limit: int,
        look_up: Callable[[str], Lookup],
        answer: Callable[[Lookup], T],
    ) -> list[T]:
        """Each text's answer, in order: ``answer(look_up(text))``, looked up in parallel.

        Helpers only look texts up (``limit`` candidates each); the calling thread answers
        their chunks as they arrive, between chunks it looks up itself. So the answering,
        which needs the worker's own tables, is spread through the batch and the helpers take
        a larger share of the look-ups instead of the calling thread answering at the end.

        Raises
        ------
        address_normalizer.AddressInputError
            If a text is empty, longer than 200 characters or not a string.
        """
        batch: _Batch[T] = _Batch(texts)
        if not self._broken:
            for _ in range(self.processes):
                self._give(batch, limit)
        try:
            while (work := batch.next_for_caller(self._stalled)) is not None:
                start, found = work
                if found is None:
                    found = [look_up(text) for text in batch.chunk(start)]
                batch.store(start, [answer(lookup) for lookup in found])
        finally:
            batch.abandon()  # on an error here: helpers take no further chunk of this batch
        return batch.results()

    def _give(self, batch: _Batch[Any], limit: int) -> None:
        """Hand the batch's next chunk to a helper; its completion hands over the next."""
        start = batch.next_for_helper()
        if start is None:
            return
        try:
            future = self._executor.submit(_lookup_chunk, batch.chunk(start), limit)
        except BrokenProcessPool:
            self._mark_broken()
            batch.give_back(start)
            return
        except RuntimeError:  # closed meanwhile: a newer version came
            batch.give_back(start)
            return

        def done(future: Future[list[Lookup]]) -> None:
            try:
                found = future.result()
            except CancelledError:  # the pool is closing (a newer version came)
                batch.give_back(start)
                return
            except BrokenProcessPool:
                self._mark_broken()
                batch.give_back(start)
                return
            except BaseException as exc:  # bad input: raised to the caller
                batch.fail(exc)
                return
            self.chunks_by_helpers += 1
            if not self._broken:
                self._give(batch, limit)
            batch.arrive(start, found)

        future.add_done_callback(done)

    def close(self) -> None:
        """Stop the helpers: they finish the chunk in hand and exit; one still there after
        :data:`STALL_S` is stuck and is killed (the caller, a refresh thread, must not hang)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._wait_gone(STALL_S):
            return
        for pid in self.pids & _children():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._wait_gone(5.0)  # a kill is delivered asynchronously: reap before returning

    def _wait_gone(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the helpers to exit (reaping them); True if they did."""
        deadline = time.monotonic() + seconds
        while self.pids & _children():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _stalled(self) -> None:
        """No chunk came back from the helpers for :data:`STALL_S`: they are stuck (stopped,
        or deadlocked by the fork), so end them; their chunks come back to the caller."""
        log.warning("geocoding helpers answered nothing for %.0f s; stopping them", STALL_S)
        self._mark_broken()
        for pid in self.pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def _mark_broken(self) -> None:
        if not self._broken:
            self._broken = True
            log.warning("a geocoding helper process died; large batches run on one core "
                        "until the pool is forked again")  # fmt: skip


class _Batch(Generic[T]):
    """One call's chunks, shared by the calling thread and the helpers' completion callbacks."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self._out: list[T | None] = [None] * len(texts)
        self._todo = deque(range(0, len(texts), CHUNK))
        self._arrived: deque[tuple[int, list[Lookup]]] = deque()  # looked up, to answer
        self._with_helpers = 0  # chunks handed to helpers and not yet arrived or given back
        self._failure: BaseException | None = None
        self._ready = threading.Condition()

    def chunk(self, start: int) -> Sequence[str]:
        return self.texts[start : start + CHUNK]

    def next_for_helper(self) -> int | None:
        with self._ready:
            if not self._todo or self._failure is not None:
                return None
            self._with_helpers += 1
            return self._todo.popleft()

    def next_for_caller(
        self, stalled: Callable[[], None]
    ) -> tuple[int, list[Lookup] | None] | None:
        """A helper's chunk to answer, else a chunk to look up here (its look-ups None);
        None once every chunk is answered. Waits for the helpers' last chunks, calling
        ``stalled`` if none comes back for :data:`STALL_S` (it must make them come back)."""
        with self._ready:
            while True:
                if self._failure is not None:
                    raise self._failure
                if self._arrived:
                    return self._arrived.popleft()
                if self._todo:
                    return self._todo.popleft(), None
                if not self._with_helpers:
                    return None
                if not self._ready.wait(STALL_S):
                    stalled()

    def arrive(self, start: int, found: list[Lookup]) -> None:
        """A helper's look-ups of a chunk, for the calling thread to answer."""
        with self._ready:
            self._arrived.append((start, found))
            self._with_helpers -= 1
            self._ready.notify_all()

    def store(self, start: int, answers: list[T]) -> None:
        self._out[start : start + len(answers)] = answers

    def give_back(self, start: int) -> None:
        """A helper could not do the chunk: the calling thread will."""
        with self._ready:
            self._todo.appendleft(start)
            self._with_helpers -= 1
            self._ready.notify_all()

    def fail(self, exc: BaseException) -> None:
        with self._ready:
            self._failure = exc
            self._with_helpers -= 1
            self._ready.notify_all()

    def abandon(self) -> None:
        with self._ready:
            self._todo.clear()

    def results(self) -> list[T]:
        assert all(answer is not None for answer in self._out), "every chunk was answered"
        return self._out  # type: ignore[return-value]


def _children() -> set[int]:
    return {child.pid for child in multiprocessing.active_children() if child.pid is not None}


def _adopt(index: AddressIndex, parent: int) -> None:
    """Runs first in each helper: keep the inherited index, leave signals to the worker."""
    global _index
    _index = index
    # The worker's event loop routed SIGINT/SIGTERM to a wake-up socket the helper shares:
    # restore the defaults so a signal to the helper acts on the helper alone. Interrupts are
    # the worker's to handle (it closes the pool); a stray terminate simply ends the helper.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """A worker killed outright cannot close its pool: its helpers notice and leave."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _lookup_chunk(texts: Sequence[str], limit: int) -> list[Lookup]:
    assert _index is not None, "the pool's initializer sets the index"
    return [_index.lookup(text, limit) for text in texts]
