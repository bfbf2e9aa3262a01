"""Authentication by API key and authorisation by role and area scope.

A key may come as the ``X-API-Key`` header, as ``Authorization: Bearer <key>`` or as HTTP
Basic with the key as the password (any user name): desktop GIS clients such as QGIS 3.22
offer only Basic, GDAL and most HTTP libraries offer all three. Where the key comes from is
this module's ``presented_key``; nothing else parses the headers. Keys in query strings are
not read here: only Open311, whose spec puts ``api_key`` in the request, takes one there.

Keys are looked up in the store and cached for a few seconds per worker, so the hot paths
(locate at thousands of calls per second) do not hit the database each time; a revoked key
stops working within that TTL.
"""

from __future__ import annotations

import binascii
import threading
import time
from base64 import b64decode
from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from api.limits import RateLimiter
from geo.access import ApiKey, Role
from geo.errors import ForbiddenError, UnauthenticatedError
from geo.stores import Store

__all__ = [
    "ApiKeyHeader",
    "KeyCache",
    "api_key_header",
    "check_dispatcher",
    "key_from_authorization",
    "presented_key",
    "require",
    "require_in_scope",
]

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="an API key from `onemap keys create`; `Authorization: Bearer <key>` and HTTP "
    "Basic with the key as the password (any user name) are accepted too",
)
# The header alone, for hot async endpoints that check the key themselves on the event loop
# (a cache hit costs microseconds), instead of the role dependencies below, which FastAPI
# runs in its thread pool: a hop that costs more than such a call's own work.
ApiKeyHeader = Annotated[str | None, Security(api_key_header)]


def key_from_authorization(value: str | None) -> str | None:
    """The key in an ``Authorization`` header: a Bearer token or a Basic password.

    A header in neither form gives None (the caller then answers 401 as for no key).
    """
    if not value:
        return None
    scheme, _, credentials = value.strip().partition(" ")
    scheme, credentials = scheme.lower(), credentials.strip()
    if scheme == "bearer":
        return credentials or None
    if scheme == "basic":
        try:
            decoded = b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _, colon, password = decoded.partition(":")
        return password if colon and password else None
    return None


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The API key a request presents: ``X-API-Key`` first, then ``Authorization``."""
    return headers.get("x-api-key") or key_from_authorization(headers.get("authorization"))


class KeyCache:
    """Recently verified keys, by the presented value, for ``ttl`` seconds."""

    def __init__(self, ttl: float = 5.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[ApiKey | None, float]] = {}
        self._lock = threading.Lock()

    def lookup(self, presented: str, store: Store) -> ApiKey | None:
        now = time.monotonic()
        hit = self._entries.get(presented)  # one dict read is atomic: writers lock, readers not
        if hit is not None and hit[1] > now:
            return hit[0]
        key = store.authenticate(presented)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[presented] = (key, now + self.ttl)
        return key


def require(role: Role) -> Callable[..., ApiKey]:
    """A dependency admitting keys whose role is at least ``role``; it returns the key."""
    # A set lookup, not Role.allows: on the dispatch hot path the rank arithmetic showed.
    admitted = frozenset(r for r in Role if r.allows(role))

    def dependency(
        request: Request,
        presented: Annotated[str | None, Security(api_key_header)] = None,
    ) -> ApiKey:
        if not presented:
            presented = key_from_authorization(request.headers.get("authorization"))
        if not presented:
            raise UnauthenticatedError(
                "missing API key: send it in the X-API-Key header, as a Bearer token or as "
                "the password of HTTP Basic",
                field="X-API-Key",
                kind="key_missing",
            )
        cache: KeyCache = request.app.state.key_cache
        key = cache.lookup(presented, request.app.state.store)
        if key is None:
            raise UnauthenticatedError(
                "unknown or revoked API key", field="X-API-Key", kind="key_unknown"
            )
        if key.role not in admitted:
            raise ForbiddenError(
                f"this key's role is {key.role.value}; this call needs {role.value} or higher",
                field="X-API-Key",
                kind="role_too_low",
                params={"role": key.role.value, "needed": role.value},
            )
        limiter: RateLimiter = request.app.state.rate_limiter
        limiter.check(key.id)
        return key

    return dependency


def require_in_scope(key: ApiKey, code: str, *, field: str = "code") -> None:
    """Refuse an area outside the key's scope (a street office sees only its street)."""
    if not key.covers(code):
        raise ForbiddenError(
            f"area {code} lies outside this key's scope {key.scope}",
            field=field,
            kind="outside_scope",
            params={"code": code, "scope": key.scope},
        )


# The dispatcher check for hot async endpoints to call inline: as a dependency, FastAPI would
# run this sync function in the thread pool, a hop that costs more than locating a point. Keys
# are cached per worker, so the store is asked (briefly blocking the loop) only once per key
# and cache period.
check_dispatcher = require(Role.DISPATCHER)

Viewer = Annotated[ApiKey, Depends(require(Role.VIEWER))]
Dispatcher = Annotated[ApiKey, Depends(require(Role.DISPATCHER))]
Editor = Annotated[ApiKey, Depends(require(Role.EDITOR))]
Admin = Annotated[ApiKey, Depends(require(Role.ADMIN))]
