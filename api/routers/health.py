"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import StoreDep
from api.schemas import Health, Readiness
from geo.errors import StoreUnavailableError

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive (no dependency is checked)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(request: Request, store: StoreDep) -> JSONResponse:
    """Ready once the store answers, holds data, and the point-in-area index is loaded."""
    try:
        store.ping()
        counts = store.counts()
        version = store.current_version()
    except StoreUnavailableError:
        body = Readiness(status="not_ready", backend=store.backend, reason="store unreachable")
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    if counts.get("district", 0) == 0:
        body = Readiness(
            status="not_ready",
            backend=store.backend,
            version=version,
            counts=counts,
            reason="no areas loaded yet",
        )
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    locator = getattr(request.app.state, "locator", None)
    if locator is not None and not locator.is_ready():
        body = Readiness(
            status="not_ready",
            backend=store.backend,
            version=version,
            counts=counts,
            reason="locator index loading",
        )
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    body = Readiness(status="ready", backend=store.backend, version=version, counts=counts)
    return JSONResponse(body.model_dump())
