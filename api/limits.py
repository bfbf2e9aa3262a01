"""Request limits: body size (an ASGI middleware) and per-key request rates (token buckets).

Rate buckets live in each worker's memory; with N workers a key may reach N times its rate.
That is the usual trade-off (no shared store on the hot path); a proxy in front can enforce
a global rate where it matters.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from geo.errors import RateLimitedError

__all__ = ["BodySizeLimit", "BodyTooLargeError", "RateLimiter", "within_limit"]


class BodySizeLimit:
    """Refuse bodies over ``max_bytes`` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await within_limit(self.app, self.max_bytes, scope, receive, send)


async def within_limit(
    app: ASGIApp, max_bytes: int, scope: Scope, receive: Receive, send: Send
) -> None:
    """Run ``app`` on an HTTP request, answering 413 instead once its body passes ``max_bytes``.

    ``app`` must let :class:`BodyTooLargeError` through: it is raised by the body reads it
    makes, and turned into the 413 here.
    """
    declared = None
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = value
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        await _refuse(max_bytes, scope, receive, send)
        return
    received = 0

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise BodyTooLargeError
        return message

    try:
        await app(scope, counting_receive, send)
    except BodyTooLargeError:
        await _refuse(max_bytes, scope, receive, send)


async def _refuse(max_bytes: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(
        413,
        "payload_too_large",
        f"request body is larger than {max_bytes} bytes",
        {"field": "body", "max_bytes": max_bytes},
        kind="body_too_large",
        params={"max_bytes": max_bytes},
    )
    await response(scope, receive, send)


class BodyTooLargeError(Exception):
    """Raised by a body read past the limit; :func:`within_limit` answers it with 413."""


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets per key id: ``rate`` requests per second with bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key_id: str, cost: float = 1.0) -> None:
        """Take ``cost`` tokens or raise :class:`RateLimitedError` saying when to retry."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return
            wait = (cost - bucket.tokens) / self.rate
        raise RateLimitedError(
            f"rate limit of {self.rate:g} requests/s exceeded; retry in {wait:.1f} s",
            details={"retry_after": wait},
            params={"retry_after_s": round(wait, 1)},
        )
