"""Keeping the garbage collector off the big, long-lived indexes a worker serves from.

A worker holds millions of Python objects in its locator and geocoder that live until the
next data version. CPython's cyclic collector walks every tracked object on each full
collection, which on such a heap stalls the worker for hundreds of milliseconds at random
moments: the tail of every request's latency. Freezing moves the objects alive now into a
permanent generation the collector skips; reference counting still frees them when a newer
version replaces them.
"""

from __future__ import annotations

import gc

__all__ = ["settle_long_lived"]


def settle_long_lived() -> None:
    """Call after swapping in a freshly built index: exempt what is alive from collection."""
    gc.freeze()
