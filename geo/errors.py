"""Domain errors.

Every error the domain raises for a caller's mistake derives from :class:`OnemapError` and
carries a *public* message that is safe to show to any client. ``api/errors.py`` holds the one
table that maps these classes to HTTP status codes; the CLI prints the same messages.

Besides the English message, an error names its exact situation with a stable ``kind`` token
and the values that fill it (``params``), so that a client can say the same thing in its own
words (the editor and the map say it in Chinese). ``code`` is the coarse class a client
branches on; ``kind`` is finer and defaults to ``code``. Both stay stable across releases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ConflictError",
    "ForbiddenError",
    "InvalidGeometryError",
    "InvalidInputError",
    "NotFoundError",
    "OnemapError",
    "PayloadTooLargeError",
    "PreconditionRequiredError",
    "RateLimitedError",
    "RejectedRecordsError",
    "StoreUnavailableError",
    "TopologyError",
    "UnauthenticatedError",
    "VersionMismatchError",
]


class OnemapError(Exception):
    """Base class: ``code`` is a stable machine-readable token, ``field`` the input at fault.

    ``kind`` (default: ``code``) names the exact situation and ``params`` the values a
    translated message needs, e.g. ``kind="split_line_misses"``, ``params={"code": "…"}``.
    """

    code = "onemap_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: Any = None,
        kind: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details
        self.kind = kind or self.code
        self.params: dict[str, Any] = dict(params or {})


class InvalidInputError(OnemapError):
    """Raised when a value supplied by the caller is malformed (bad code, level, bbox, crs...)."""

    code = "invalid_input"


class InvalidGeometryError(InvalidInputError):
    """Raised when a geometry is not a valid (multi)polygon in range; ``details`` says where."""

    code = "invalid_geometry"


class TopologyError(InvalidInputError):
    """Raised when a write would break the hierarchy: outside its parent, overlapping siblings."""

    code = "topology_error"


class NotFoundError(OnemapError):
    """Raised when the caller names an area, address or report that does not exist."""

    code = "not_found"


class ConflictError(OnemapError):
    """Raised when a write collides with existing state (duplicate code, illegal transition)."""

    code = "conflict"


class VersionMismatchError(OnemapError):
    """Raised when an If-Match version is stale; ``details`` carries the current version."""

    code = "version_mismatch"


class StoreUnavailableError(OnemapError):
    """Raised when the store cannot be reached; the caller should retry later."""

    code = "store_unavailable"


class RejectedRecordsError(InvalidInputError):
    """Raised when a bulk write or import refuses records; nothing was stored.

    ``details`` lists every rejected record as ``{"index", "code", "field", "reason"}``.
    """

    code = "rejected_records"


class UnauthenticatedError(OnemapError):
    """Raised when a request carries no API key, or one that is unknown or revoked."""

    code = "unauthenticated"


class ForbiddenError(OnemapError):
    """Raised when a key's role is too low or the target lies outside the key's area scope."""

    code = "forbidden"


class RateLimitedError(OnemapError):
    """Raised when a key exceeds its request rate; ``details["retry_after"]`` is in seconds."""

    code = "rate_limited"


class PayloadTooLargeError(OnemapError):
    """Raised when a body or a batch exceeds its configured limit."""

    code = "payload_too_large"


class PreconditionRequiredError(OnemapError):
    """Raised when a write that must name the version it edits (If-Match) does not."""

    code = "precondition_required"
