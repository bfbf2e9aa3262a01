"""Reports (事件): what a caller sends, where the pipeline placed it, and the stored record.

A report arrives from a hotline, the police, a patrol or a citizen's app with an address text,
a point, or both. The location pipeline (:mod:`geo.reports.location`) turns that into a
:class:`Placement`: the chain of areas, how it was found, how sure it is, and the flags a
person should look at. The store keeps a :class:`ReportRecord` and every status change as a
:class:`ReportEvent`. These are plain records; the rules live in the ``geo.report_*`` modules:

* :mod:`geo.reports.intake` — validating input, request fingerprints for idempotency;
* :mod:`geo.reports.location` — point → locate, address → geocode, cross-checks, the queue;
* :mod:`geo.reports.lifecycle` — legal transitions, SLA deadlines, the overdue flag;
* :mod:`geo.reports.privacy` — masking phone and ID-card numbers in free text;
* :mod:`geo.reports.stats` — per-area statistics answered from memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from geo.areas import LEVELS, Level
from geo.crs import Crs

__all__ = [
    "DEFAULT_SOURCES",
    "OPEN_STATUSES",
    "Candidate",
    "Flag",
    "GeocodedAddress",
    "IntakeResult",
    "Method",
    "NewReport",
    "Placement",
    "PointInput",
    "ReportEvent",
    "ReportPolicy",
    "ReportQuery",
    "ReportRecord",
    "ReportStatus",
]

DEFAULT_SOURCES = ("12345", "110", "app", "patrol", "wechat", "mediation", "open311", "import")
"""Channels reports come through: the 12345 hotline, 110 police, the citizens' app, grid
patrols, the WeChat mini-program, mediation, Open311 clients and bulk imports."""


class ReportStatus(StrEnum):
    """Where a report stands. ``needs_location`` is the manual queue before ``new``."""

    NEEDS_LOCATION = "needs_location"
    NEW = "new"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = frozenset({ReportStatus.NEW, ReportStatus.DISPATCHED, ReportStatus.IN_PROGRESS})
"""Statuses whose grid still matters: these follow a boundary edit to their new grid."""


class Method(StrEnum):
    """How a report's location was found."""

    POINT = "point"
    ADDRESS = "address"
    BOTH = "point+address"
    MANUAL = "manual"
    NONE = "none"


class Flag(StrEnum):
    """Things about a placement a person should know before dispatching."""

    NEAR_BOUNDARY = "near_boundary"  # the point lies within the set distance of another grid
    LOCATION_MISMATCH = "location_mismatch"  # point and address are farther apart than allowed
    NO_GRID = "no_grid"  # inside a community but in no grid: the community answers (属地兜底)
    OUTSIDE_AREAS = "outside_areas"  # the point lies outside every community
    ADDRESS_UNRESOLVED = "address_unresolved"  # the address text matched nothing for sure
    REASSIGNED = "reassigned"  # a boundary edit moved the report to another grid


@dataclass(frozen=True, slots=True)
class ReportPolicy:
    """The rules a city sets for reports; ``api/reports/settings.py`` reads them from env.

    Distances are metres, durations hours. ``near_boundary_action`` says what happens to a
    point-only report near a grid edge: ``flag`` assigns the grid holding the point and flags
    it for the reviewer (every report is reviewed before dispatch), ``queue`` sends it to the
    manual queue instead.
    """

    sources: tuple[str, ...] = DEFAULT_SOURCES
    review_hours: float = 6.0
    response_hours: float = 15.0
    cross_check_m: float = 200.0
    boundary_m: float = 20.0
    near_boundary_action: str = "flag"
    max_description: int = 5000
    max_address: int = 200
    max_batch: int = 10_000
    future_skew_s: float = 300.0


@dataclass(frozen=True, slots=True)
class PointInput:
    """A point as the caller sent it: lon, lat in ``crs``."""

    lon: float
    lat: float
    crs: Crs


@dataclass(frozen=True, slots=True)
class NewReport:
    """A validated report, ready to place and store.

    ``idempotency_key`` is the stored form (scoped to the API key that sent it);
    ``request_hash`` fingerprints everything else, so a retry with another body is caught.
    """

    source: str
    external_id: str | None
    idempotency_key: str | None
    category: str | None
    description: str | None
    address: str | None
    point: PointInput | None
    reported_at: datetime | None
    contact: dict[str, str] | None
    request_hash: str


@dataclass(frozen=True, slots=True)
class GeocodedAddress:
    """The standard address an address text resolved to (point in CGCS2000)."""

    lon: float
    lat: float
    address_id: int
    full_text: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """A grid a person may choose for a report the pipeline would not decide alone."""

    source: str  # "point", "address" or "boundary"
    grid: str | None
    community: str | None
    lon: float | None = None
    lat: float | None = None
    distance_m: float | None = None
    address: str | None = None
    address_id: int | None = None
    confidence: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "grid": self.grid, "community": self.community,
            "lon": self.lon, "lat": self.lat, "distance_m": self.distance_m,
            "address": self.address, "address_id": self.address_id, "confidence": self.confidence,
        }  # fmt: skip


def empty_chain() -> dict[Level, str | None]:
    return dict.fromkeys(LEVELS)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the pipeline put a report (``lon``/``lat`` CGCS2000) and how sure it is.

    ``chain`` maps each level to an area code or None; ``version`` is the data version of the
    boundaries used. ``details`` carries the numbers behind the flags (distances, grids).
    """

    status: ReportStatus
    method: Method
    lon: float | None = None
    lat: float | None = None
    confidence: float | None = None
    flags: tuple[str, ...] = ()
    chain: dict[Level, str | None] = field(default_factory=empty_chain)
    version: int = 0
    geocoded: GeocodedAddress | None = None
    candidates: tuple[Candidate, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One stored report. Free text is raw here: answers mask it (see report_privacy)."""

    id: int
    source: str
    external_id: str | None
    category: str | None
    description: str | None
    address: str | None
    contact: dict[str, str] | None
    point_in: PointInput | None
    status: ReportStatus
    lon: float | None
    lat: float | None
    method: str | None
    confidence: float | None
    flags: dict[str, Any]
    chain: dict[Level, str | None]
    area_version: int | None
    geocoded: GeocodedAddress | None
    candidates: list[dict[str, Any]]
    reported_at: datetime
    created_at: datetime
    updated_at: datetime
    created_by: str | None
    review_due_at: datetime | None
    response_due_at: datetime | None
    sla_due_at: datetime | None
    dispatched_at: datetime | None
    in_progress_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    revision: int

    def overdue(self, now: datetime) -> bool:
        """Whether the deadline of the current status has passed."""
        return self.sla_due_at is not None and self.sla_due_at < now

    def in_scope(self, scope: str | None) -> bool:
        """Whether the report lies inside an area subtree (always, for no scope)."""
        if scope is None:
            return True
        return any(code is not None and code.startswith(scope) for code in self.chain.values())


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """A stored report and whether this call created it (False: an idempotent replay)."""

    report: ReportRecord
    created: bool


@dataclass(frozen=True, slots=True)
class ReportEvent:
    """One change of a report: a transition, a location fix or a reassignment."""

    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    from_grid: str | None
    to_grid: str | None
    note: str | None
    changeset_id: int | None


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """Filters of a report listing; times bound ``reported_at`` as [reported_from, reported_to)."""

    area: str | None = None
    within: str | None = None
    statuses: tuple[ReportStatus, ...] = ()
    overdue: bool | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    source: str | None = None
    category: str | None = None
    now: datetime | None = None
    limit: int = 100
    offset: int = 0
