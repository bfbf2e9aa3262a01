"""Reports (事件) from the 12345 hotline, patrol apps and Open311: the records, parsing intake,
placing each report in the grid that must handle it, its lifecycle and deadlines, privacy
masks, and the per-area statistics leaders read.
"""

from geo.reports.intake import CONTACT_KEYS, parse_batch, parse_report, request_hash
from geo.reports.lifecycle import ACTIONS, deadlines, due_for, transition_changes
from geo.reports.location import AddressResolver, LocationPipeline, Placed, points_of
from geo.reports.media import (
    MEDIA_TYPES,
    MediaRecord,
    NewMedia,
    checked_photo,
    sniff_media_type,
)
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
    "MEDIA_TYPES",
    "OPEN_STATUSES",
    "AddressResolver",
    "AreaStats",
    "Candidate",
    "Flag",
    "GeocodedAddress",
    "IntakeResult",
    "LocationPipeline",
    "MediaRecord",
    "Method",
    "NewMedia",
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
    "checked_photo",
    "deadlines",
    "due_for",
    "mask_contact",
    "mask_text",
    "parse_batch",
    "parse_report",
    "points_of",
    "request_hash",
    "sniff_media_type",
    "transition_changes",
]
