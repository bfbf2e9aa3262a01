"""The worker's geocoder: started by the app's lifespan, waited on by every caller that needs it.

Address endpoints and report intake both geocode text; both take the geocoder from here, so
neither reaches into the other's router.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

from api.addresses.settings import GeocodeSettings
from geo.geocode import Geocoder, GeocoderHolder
from geo.stores import Store

__all__ = ["current_geocoder", "start_geocoder"]


def start_geocoder(app: FastAPI, store: Store) -> GeocoderHolder:
    """Create the app's geocoder holder and, unless configured lazy, start building it."""
    settings = GeocodeSettings()
    holder = GeocoderHolder(
        store,
        poll_interval=settings.poll_interval_s,
        threshold=settings.threshold,
        calibrate=settings.calibration_queries,
        batch_processes=settings.batch_processes,
    )
    app.state.geocoder = holder
    app.state.geocode_settings = settings
    if settings.warm_on_start or settings.wait_on_start:
        holder.start(wait=settings.wait_on_start)
    return holder


def current_geocoder(request: Request) -> Geocoder:
    """The worker's geocoder, waiting a bounded time for it while it loads.

    A lazy worker starts building on the first call. The caller blocks for at most
    ``first_use_wait_s`` (call this from a worker thread, never on the event loop); after
    that it gets a 503 with ``Retry-After`` while a city-sized library finishes loading.
    """
    holder: GeocoderHolder = request.app.state.geocoder
    if not holder.is_ready():
        settings: GeocodeSettings = request.app.state.geocode_settings
        holder.wait_ready(settings.first_use_wait_s)
    return holder.current()
