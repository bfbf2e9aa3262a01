"""Report intake and lifecycle over HTTP, and the state and answers the statistics and Open311
APIs share with it.
"""

from api.reports.service import (
    intake,
    json_response,
    read_json,
    render,
    report_state,
    scoped_idempotency_key,
)
from api.reports.settings import ReportSettings

__all__ = [
    "ReportSettings",
    "intake",
    "json_response",
    "read_json",
    "render",
    "report_state",
    "scoped_idempotency_key",
]
