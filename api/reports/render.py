"""Reports as JSON answers: the area chain as locate shows it, SLA state, masked free text.

Privacy: phone and ID-card numbers in a report's description, address text and contact are
masked in every answer (:mod:`geo.reports.privacy`). The raw text stays in the record; a
dispatcher (or higher) reads it only by asking for one report with ``unmask=true``, and that
read is written to the audit log.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from geo.areas import LEVELS
from geo.locate import Locator
from geo.reports import ReportEvent, ReportRecord, mask_contact, mask_text
from geo.stores import Store

__all__ = ["area_labels", "render_event", "render_report"]

Label = dict[str, Any]
_LEVEL_NAMES = tuple(level.value for level in LEVELS)  # ReportRecord.chain is in this order
_by_locator: weakref.WeakKeyDictionary[Locator, dict[str, Label]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _current_labels(locator: Locator) -> dict[str, Label]:
    with _lock:
        labels = _by_locator.get(locator)
    if labels is None:
        labels = {}
        for level in LEVELS:
            for area in locator.areas(level):
                team = area.team.as_dict() if area.team else None
                labels[area.code] = {"code": area.code, "name": area.name, "kind": area.kind,
                                     "team": team}  # fmt: skip
        with _lock:
            labels = _by_locator.setdefault(locator, labels)
    return labels


def area_labels(codes: Iterable[str | None], locator: Locator, store: Store) -> dict[str, Label]:
    """Labels of area codes: from the locator's current areas, else their newest stored version
    (a closed report keeps the grid that handled it, even after that grid is retired)."""
    current = _current_labels(locator)
    wanted = {c for c in codes if c}
    found = {c: current[c] for c in wanted if c in current}
    missing = sorted(wanted - found.keys())
    if missing:
        for code, (name, kind) in store.report_area_labels(missing).items():
            found[code] = {"code": code, "name": name, "kind": kind, "team": None}
    return found


def render_event(event: ReportEvent, *, unmask: bool = False) -> dict[str, Any]:
    return {
        "at": event.at, "actor": event.actor, "action": event.action,
        "from_status": event.from_status, "to_status": event.to_status,
        "from_grid": event.from_grid, "to_grid": event.to_grid,
        "note": event.note if unmask else mask_text(event.note),
        "changeset_id": event.changeset_id,
    }  # fmt: skip


def render_report(
    report: ReportRecord,
    labels: Mapping[str, Label],
    now: datetime,
    *,
    unmask: bool = False,
    events: list[ReportEvent] | None = None,
) -> dict[str, Any]:
    """One report as the API answers it (see :class:`api.reports.schemas.ReportOut`).

    Times stay ``datetime``: the answer is serialised by orjson, which writes RFC 3339 (the
    same text as ``isoformat()``) several times faster than formatting them here.
    """
    point = report.point_in
    geocoded = report.geocoded
    flags = report.flags
    body: dict[str, Any] = {
        "id": report.id,
        "status": report.status.value,
        "source": report.source,
        "external_id": report.external_id,
        "category": report.category,
        "description": report.description if unmask else mask_text(report.description),
        "address": report.address if unmask else mask_text(report.address),
        "contact": report.contact if unmask else mask_contact(report.contact),
        "reported_at": report.reported_at,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "location": {
            "lon": report.lon, "lat": report.lat, "crs": "cgcs2000",
            "method": report.method, "confidence": report.confidence,
            "flags": list(flags),
            "details": {k: v for k, v in flags.items() if isinstance(v, dict)} if flags else {},
            "input": None if point is None
            else {"lon": point.lon, "lat": point.lat, "crs": point.crs.value},
            "geocoded": None if geocoded is None else {
                "lon": geocoded.lon, "lat": geocoded.lat, "address": geocoded.full_text,
                "address_id": geocoded.address_id, "confidence": geocoded.confidence,
            },
            "candidates": report.candidates,
            "version": report.area_version,
        },
        "areas": {name: labels.get(code) if code else None
                  for name, code in zip(_LEVEL_NAMES, report.chain.values(), strict=True)},
        "sla": {
            "review_due_at": report.review_due_at,
            "response_due_at": report.response_due_at,
            "due_at": report.sla_due_at,
            "overdue": report.overdue(now),
            "dispatched_at": report.dispatched_at,
            "in_progress_at": report.in_progress_at,
            "resolved_at": report.resolved_at,
            "closed_at": report.closed_at,
            "reopen_count": report.reopen_count,
        },
        "revision": report.revision,
    }  # fmt: skip
    if events is not None:
        body["events"] = [render_event(e, unmask=unmask) for e in events]
    return body
