"""Keeping the garbage collector off the big, long-lived indexes a worker serves from.

A worker holds millions of Python objects in its locator and geocoder that live until the
next data version. CPython's cyclic collector walks every tracked object on each full
collection, which on such a heap stalls the worker for hundreds of milliseconds at random
moments: the tail of every request's latency. Freezing moves the objects alive now into a
permanent generation the collector skips; reference counting still frees them when a newer
version replaces them.

Once the indexes are frozen, what remains tracked is small, and the default thresholds
(a young collection every 700 allocations, an older one every 10 of those) make a request that
builds many objects at once, such as a batch of 10,000 reports, pay for repeated collections
of its own fresh objects: 25-30 % of a batch's store stage. Larger thresholds keep each young
collection to a few milliseconds while running them far less often.
"""

from __future__ import annotations

import gc

__all__ = ["settle_long_lived"]


def settle_long_lived() -> None:
    """Call after swapping in a freshly built index: exempt what is alive from collection."""
    gc.freeze()
    gc.set_threshold(*_THRESHOLDS)


# Young collections every 50,000 net allocations; middle every 20 of those; full every 100.
_THRESHOLDS = (50_000, 20, 100)
