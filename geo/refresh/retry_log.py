"""Logging for background loops that retry: one traceback per outage, not one per poll.

The locator, geocoder, tile cache and statistics each poll the store every second or so.
While the database is down every poll fails the same way, and a traceback per poll buries
the one that says why under thousands of copies.
"""

from __future__ import annotations

import logging

__all__ = ["RetryLog"]

# While an outage lasts, a one-line reminder every this many failed attempts.
_REMIND_EVERY = 60


class RetryLog:
    """The failures and the recovery of one retrying loop, logged once each."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log = log
        self.what = what
        self.failures = 0

    def failed(self) -> None:
        """Call from the ``except`` block of a failed attempt."""
        self.failures += 1
        if self.failures == 1:
            self.log.warning("%s failed; retrying", self.what, exc_info=True)
        elif self.failures % _REMIND_EVERY == 0:
            self.log.warning("%s still failing after %d attempts", self.what, self.failures)

    def succeeded(self) -> None:
        """Call after an attempt that worked."""
        if self.failures:
            self.log.info("%s works again after %d failed attempts", self.what, self.failures)
            self.failures = 0
