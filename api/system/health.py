"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import StoreDep
from api.system.schemas import Health, Readiness
from geo.errors import StoreUnavailableError
from geo.geocode import GeocoderHolder

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive (no dependency is checked)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(request: Request, store: StoreDep) -> JSONResponse:
    """Ready once the store answers, holds data, and the point-in-area index is loaded.

    The address library is built on first use unless ``ONEMAP_GEOCODE_WARM_ON_START`` is
    set; a worker configured to warm it is not ready until it has, so a load balancer only
    sends geocoding traffic to workers that can answer it. ``geocoder`` says which state the
    library is in either way.
    """
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
    geocoder = _geocoder_state(request)
    settings = getattr(request.app.state, "geocode_settings", None)
    warm = settings is not None and (settings.warm_on_start or settings.wait_on_start)
    if warm and geocoder != "ready":
        body = Readiness(
            status="not_ready",
            backend=store.backend,
            version=version,
            counts=counts,
            reason="address library loading",
            geocoder=geocoder,
        )
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    body = Readiness(
        status="ready", backend=store.backend, version=version, counts=counts, geocoder=geocoder
    )
    return JSONResponse(body.model_dump())


def _geocoder_state(request: Request) -> Literal["ready", "loading", "on_first_use"] | None:
    holder: GeocoderHolder | None = getattr(request.app.state, "geocoder", None)
    if holder is None:
        return None
    if holder.is_ready():
        return "ready"
    return "loading" if holder.is_building() else "on_first_use"
