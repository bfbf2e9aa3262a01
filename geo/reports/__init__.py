"""Reports (事件) from the 12345 hotline, patrol apps and Open311: the records, parsing intake,
placing each report in the grid that must handle it, its lifecycle and deadlines, privacy
masks, and the per-area statistics leaders read.
"""

from geo.reports.intake import CONTACT_KEYS, parse_batch, parse_report, request_hash
from geo.reports.lifecycle import ACTIONS, deadlines, due_for, transition_changes
from geo.reports.location import AddressResolver, LocationPipeline, Placed, points_of
from geo.reports.model import (
    DEFAULT_SOURCES,
    OPEN_STATUSES,
    Candidate,
    Flag,
    GeocodedAddress,
    IntakeResult,
    Method,
    NewReport,
    Placement,
    PointInput,
    ReportEvent,
    ReportPolicy,
    ReportQuery,
    ReportRecord,
    ReportStatus,
)
from geo.reports.privacy import mask_contact, mask_text
from geo.reports.stats import AreaStats, ReportStatsHolder, StatsIndex

__all__ = [
    "ACTIONS",
    "CONTACT_KEYS",
    "DEFAULT_SOURCES",
    "OPEN_STATUSES",
    "AddressResolver",
    "AreaStats",
    "Candidate",
    "Flag",
    "GeocodedAddress",
    "IntakeResult",
    "LocationPipeline",
    "Method",
    "NewReport",
    "Placed",
    "Placement",
    "PointInput",
    "ReportEvent",
    "ReportPolicy",
    "ReportQuery",
    "ReportRecord",
    "ReportStatsHolder",
    "ReportStatus",
    "StatsIndex",
    "deadlines",
    "due_for",
    "mask_contact",
    "mask_text",
    "parse_batch",
    "parse_report",
    "points_of",
    "request_hash",
    "transition_changes",
]
