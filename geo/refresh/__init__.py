"""Keeping a worker's in-memory indexes current: the background holder both the locator and
the geocoder build on, the log of a retrying loop, and the heap settling after a swap.
"""

from geo.refresh.heap import settle_long_lived
from geo.refresh.holder import RefreshingHolder, VersionSource
from geo.refresh.retry_log import RetryLog

__all__ = [
    "RefreshingHolder",
    "RetryLog",
    "VersionSource",
    "settle_long_lived",
]
