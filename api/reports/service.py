"""What the report, statistics and Open311 routers share: state, intake, answers.

The app keeps one :class:`ReportState` (settings and the statistics holder) on
``app.state.reports``, created on first use; the reports router's lifespan starts the
statistics load early and stops it at shutdown. Intake places reports on the worker's current
locator (and geocoder, when a report has address text), checks the key's scope, then stores.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from api.addresses import current_geocoder
from api.reports.render import area_labels, render_report
from api.reports.settings import ReportSettings
from api.settings import Settings
from geo.access import ApiKey
from geo.clock import utc_now
from geo.errors import ForbiddenError, InvalidInputError
from geo.locate import Locator, LocatorHolder
from geo.reports import (
    IntakeResult,
    LocationPipeline,
    NewReport,
    ReportEvent,
    ReportRecord,
    ReportStatsHolder,
)
from geo.stores import Store

__all__ = [
    "ReportState",
    "intake",
    "json_response",
    "pipeline",
    "read_json",
    "render",
    "report_state",
    "reports_lifespan",
    "scoped_idempotency_key",
]

_state_lock = threading.Lock()
MAX_IDEMPOTENCY_KEY = 150


@dataclass
class ReportState:
    settings: ReportSettings
    stats: ReportStatsHolder


def report_state(app: Any) -> ReportState:
    """The app's report state, created on first use from ``app.state.report_settings`` (tests
    set that before the app starts) or from the environment."""
    state: ReportState | None = getattr(app.state, "reports", None)
    if state is not None:
        return state
    with _state_lock:
        state = getattr(app.state, "reports", None)
        if state is None:
            settings = getattr(app.state, "report_settings", None) or ReportSettings()

            def load(since: Any) -> Any:
                store: Store = app.state.store
                return store.report_stat_rows(since=since)

            def count() -> int:
                store: Store = app.state.store
                return store.report_count()

            stats = ReportStatsHolder(
                load, count, poll_interval_s=settings.stats_poll_interval_s,
                overlap_s=settings.stats_overlap_s, full_reload_s=settings.stats_full_reload_s,
            )  # fmt: skip
            state = app.state.reports = ReportState(settings, stats)
    return state


@asynccontextmanager
async def reports_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start loading the statistics as the worker starts; stop refreshing at shutdown."""
    state = report_state(app)
    state.stats.start()
    try:
        yield
    finally:
        state.stats.stop()


def read_json(body: bytes) -> Any:
    if not body.strip():
        raise InvalidInputError("the body is empty; send a JSON object", field="body")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInputError(f"the body is not valid JSON: {exc}", field="body") from None


def json_response(
    body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, headers=headers,
                    media_type="application/json")  # fmt: skip


def scoped_idempotency_key(key: ApiKey, header: str | None) -> str | None:
    """The stored form of an ``Idempotency-Key``: scoped to the API key that sent it, so one
    client can never read another's report by guessing its key."""
    if header is None:
        return None
    value = header.strip()
    if not value or len(value) > MAX_IDEMPOTENCY_KEY or not value.isprintable():
        raise InvalidInputError(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters",
            field="Idempotency-Key",
        )
    return f"{key.id}:{value}"


def city_zone(request: Request) -> Any:
    settings: Settings = request.app.state.settings
    return settings.zone


def pipeline(request: Request, *, with_geocoder: bool) -> LocationPipeline:
    """A location pipeline on the worker's current boundaries (503 while loading)."""
    holder: LocatorHolder = request.app.state.locator
    geocoder = current_geocoder(request) if with_geocoder else None
    return LocationPipeline(holder.current(), geocoder, report_state(request.app).settings.policy)


def intake(request: Request, key: ApiKey, reports: Sequence[NewReport]) -> list[IntakeResult]:
    """Place and store reports; refused whole (403) if any lands outside the key's scope."""
    placed = pipeline(request, with_geocoder=any(r.address for r in reports))
    placements = placed.place(reports)
    if key.scope is not None:
        for i, placement in enumerate(placements):
            if not any(c and c.startswith(key.scope) for c in placement.chain.values()):
                field = f"reports.{i}" if len(reports) > 1 else "location"
                raise ForbiddenError(
                    f"{field}: the report is not located inside this key's scope {key.scope}; "
                    "nothing was stored", field=field,
                )  # fmt: skip
    store: Store = request.app.state.store
    return store.add_reports(reports, placements, actor=key.name, key_id=key.id,
                             policy=report_state(request.app).settings.policy)  # fmt: skip


def render(
    request: Request,
    records: Sequence[ReportRecord],
    *,
    unmask: bool = False,
    events: list[ReportEvent] | None = None,
) -> list[dict[str, Any]]:
    """Answers for records, their area codes labelled in one pass."""
    holder: LocatorHolder = request.app.state.locator
    locator: Locator = holder.current()
    store: Store = request.app.state.store
    labels = area_labels((c for r in records for c in r.chain.values()), locator, store)
    now = utc_now()
    return [render_report(r, labels, now, unmask=unmask, events=events) for r in records]
