"""The one table from domain errors to HTTP answers, and the JSON error shape.

Every error body is ``{"error": {"code", "kind", "message", "params", "details"}}``. A
caller's mistake gets a 4xx whose message names the field; anything unexpected gets a plain 500
whose body carries no exception text (it is logged with the traceback instead). ``code`` is the
coarse, stable class; ``kind`` names the exact situation and ``params`` the values a client
needs to say it in its own language (the editor and the map say it in Chinese). Both were added
beside the older fields, which keep their meaning.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    OnemapError,
    PayloadTooLargeError,
    PreconditionRequiredError,
    RateLimitedError,
    StoreUnavailableError,
    UnauthenticatedError,
    VersionMismatchError,
)

__all__ = [
    "CHALLENGE",
    "HANDLERS",
    "error_answer",
    "error_response",
    "install_error_handlers",
    "store_is_down",
]

log = logging.getLogger("onemap.api")

STATUS_BY_ERROR: list[tuple[type[OnemapError], int]] = [
    (UnauthenticatedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (PayloadTooLargeError, 413),
    (PreconditionRequiredError, 428),
    (RateLimitedError, 429),
    (VersionMismatchError, 412),
    (ConflictError, 409),
    (StoreUnavailableError, 503),
    (InvalidInputError, 422),
]
RETRY_AFTER_SECONDS = "5"
# Sent with every 401, so that clients supporting one of these schemes (QGIS and GDAL: Basic)
# prompt for the key; see api/auth.py for where a key may come from.
CHALLENGE = 'Basic realm="onemap", Bearer realm="onemap", ApiKey header="X-API-Key"'


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
    *,
    kind: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """The error body; ``params`` always names the field at fault when ``details`` does."""
    values = dict(params or {})
    if isinstance(details, dict) and "field" in details:
        values.setdefault("field", details["field"])
    body = {
        "error": {
            "code": code,
            "kind": kind or code,
            "message": message,
            "params": values,
            "details": details,
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _status_for(exc: OnemapError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 400


async def _onemap_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OnemapError)
    status = _status_for(exc)
    details = exc.details
    if exc.field is not None:
        details = {"field": exc.field, **(details if isinstance(details, dict) else {})}
        if exc.details is not None and not isinstance(exc.details, dict):
            details["items"] = exc.details
    headers: dict[str, str] | None = None
    if status == 503:
        headers = {"Retry-After": RETRY_AFTER_SECONDS}
    elif status == 429:
        retry = exc.details.get("retry_after", 1) if isinstance(exc.details, dict) else 1
        headers = {"Retry-After": str(max(1, math.ceil(float(retry))))}
    elif status == 401:
        headers = {"WWW-Authenticate": CHALLENGE}
    return error_response(
        status, exc.code, exc.message, details, headers, kind=exc.kind, params=exc.params
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems: list[dict[str, Any]] = [
        {
            # A body that is not JSON at all is located by a character offset: name the body.
            "field": "body"
            if err.get("type") == "json_invalid"
            else _field_name(tuple(err.get("loc", ()))),
            "message": err.get("msg", "invalid"),
            "type": err.get("type", "value_error"),
            "limits": _limits(err.get("ctx")),
        }
        for err in exc.errors()
    ]
    first: dict[str, Any] = (
        problems[0] if problems else {"field": "body", "message": "invalid request"}
    )
    message = f"{first['field']}: {first['message']}"
    # pydantic's error type (missing, string_too_long, greater_than_equal...) is stable: it
    # goes in the params with the limits it names (max_length, ge...).
    params = {"field": first["field"], "type": first.get("type", "value_error"),
              **(first.get("limits") or {})}  # fmt: skip
    return error_response(
        422, "invalid_input", message, {"field": first["field"], "problems": problems},
        kind="invalid_value", params=params,
    )  # fmt: skip


def _limits(ctx: Any) -> dict[str, Any]:
    """The plain values of pydantic's error context (a limit, the expected values)."""
    if not isinstance(ctx, dict):
        return {}
    return {k: v for k, v in ctx.items() if isinstance(v, str | int | float | bool)}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    # Starlette raises these itself: an unknown path or method, a body it cannot decode.
    field = {404: "path", 405: "method"}.get(exc.status_code, "body")
    return error_response(
        exc.status_code, code, str(exc.detail), {"field": field}, headers=exc.headers
    )


def store_is_down(exc: BaseException) -> bool:
    """Whether a database error means "the server is unreachable", not "the query is wrong".

    During a restart or failover the driver reports it in several ways: a refused or dropped
    connection (``OperationalError``, psycopg's ``AdminShutdown``/``CannotConnectNow`` among
    them), a connection found closed (``InterfaceError``), any error after which SQLAlchemy
    invalidated the connection, or no pooled connection freed in time.
    """
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if store_is_down(exc):
        return await _store_down(request, exc)
    return await _unexpected(request, exc)


async def _store_down(request: Request, exc: Exception) -> JSONResponse:
    # The database went away mid-request (restart, failover): the client should retry. Writes
    # are safe to retry: a transaction cut off before its commit stored nothing, and intake
    # under an Idempotency-Key answers a retry of a committed report with the stored one.
    log.warning("store unavailable on %s %s: %s: %s", request.method, request.url.path,
                type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "")  # fmt: skip
    return error_response(
        503,
        "store_unavailable",
        "the store is temporarily unavailable; retry later",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal error; it has been logged")


Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]
HANDLERS: dict[type[Exception], Handler] = {
    OnemapError: _onemap_error,
    RequestValidationError: _validation_error,
    StarletteHTTPException: _http_error,
    DBAPIError: _database_error,
    PoolTimeoutError: _store_down,
    Exception: _unexpected,
}


def install_error_handlers(app: FastAPI) -> None:
    for cls, handler in HANDLERS.items():
        app.add_exception_handler(cls, handler)


async def error_answer(request: Request, exc: Exception) -> JSONResponse:
    """The answer the installed handlers give ``exc``, for endpoints answered ahead of them.

    The handler is chosen as Starlette chooses it: by the nearest class in ``exc``'s MRO.
    """
    for cls in type(exc).__mro__:
        handler = HANDLERS.get(cls)
        if handler is not None:
            return await handler(request, exc)
    return await _unexpected(request, exc)  # not reached: every MRO here holds Exception
