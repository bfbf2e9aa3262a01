"""Checking what a caller sends before anything is located or stored.

One function serves the JSON API, Open311 forms and bulk files, so each answers a bad report
the same way: a 422 whose field names the input at fault (``reports.3.source`` inside a batch)
and whose details list every problem, with nothing stored. The checked report carries a
fingerprint of its content; a retry under the same idempotency key or external id must carry
the same fingerprint or it is refused (409).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import orjson

from address_normalizer import is_binary
from geo.areas import CHINA_BOUNDS
from geo.crs import Crs
from geo.errors import InvalidInputError
from geo.reports.model import NewReport, PointInput, ReportPolicy

__all__ = ["CONTACT_KEYS", "parse_batch", "parse_report", "request_hash"]

CONTACT_KEYS = ("name", "phone", "email")
_FIELDS = {"source", "external_id", "category", "description", "address", "point", "reported_at",
           "contact"}  # fmt: skip
_MAX_SHORT = 100
# Characters of typed text (ASCII, Latin-1, punctuation, CJK, full-width forms), each checked
# with is_binary itself: a text made only of these is not binary, found without looking up
# the Unicode category of each of its characters (the slow part of intake for a batch).
_TYPED = frozenset(
    c
    for first, last in ((0x09, 0x0D), (0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F),
                        (0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF))
    for c in map(chr, range(first, last + 1))
    if not is_binary(c)
)  # fmt: skip


class _Problems:
    """Problems found in one input, each with the path of its field."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": self.prefix + field, "message": message})


def parse_report(
    raw: Any,
    policy: ReportPolicy,
    *,
    zone: tzinfo = UTC,
    now: datetime | None = None,
    idempotency_key: str | None = None,
    prefix: str = "",
) -> NewReport:
    """Check one report given as a mapping (parsed JSON or form fields).

    Parameters
    ----------
    raw
        ``source``, ``external_id``, ``category``, ``description``, ``address``, ``point``
        (``{"lon", "lat", "crs"}``), ``reported_at`` (ISO 8601; without an offset it is read in
        ``zone``) and ``contact`` (``{"name", "phone", "email"}``).
    policy
        The known sources and the limits.
    idempotency_key
        The stored form of the caller's key, already scoped to the caller.
    prefix
        Prepended to field names in errors (``"reports.3."`` in a batch).

    Raises
    ------
    InvalidInputError
        Naming the first bad field; ``details["problems"]`` lists every one.
    """
    problems = _Problems(prefix)
    report = _parse(raw, policy, zone, now or datetime.now(UTC), idempotency_key, problems)
    if problems.items or report is None:
        first = problems.items[0]
        raise InvalidInputError(f"{first['field']}: {first['message']}", field=first["field"],
                                details={"problems": problems.items})  # fmt: skip
    return report


def parse_batch(
    items: Any,
    policy: ReportPolicy,
    *,
    zone: tzinfo = UTC,
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> list[NewReport]:
    """Check a batch; every bad report is listed and none is accepted if any is bad.

    With a batch ``idempotency_key``, report ``i`` is stored under ``key#i``, so resending the
    batch returns the same reports. Two reports of one batch with the same source and external
    id must be identical (then they are one report); otherwise the batch is refused.
    """
    if not isinstance(items, list) or not items:
        raise InvalidInputError("reports must be a non-empty list of reports", field="reports")
    moment = now or datetime.now(UTC)
    problems: list[dict[str, str]] = []
    parsed: list[NewReport] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(items):
        key = None if idempotency_key is None else f"{idempotency_key}#{index}"
        found = _Problems(f"reports.{index}.")
        report = _parse(raw, policy, zone, moment, key, found)
        problems += found.items
        if report is None or found.items:
            continue
        if report.external_id is not None:
            pair = (report.source, report.external_id)
            first = seen.setdefault(pair, index)
            if first != index and parsed[first].request_hash != report.request_hash:
                message = f"repeats reports.{first} with a different body"
                problems.append({"field": f"reports.{index}.external_id", "message": message})
        parsed.append(report)
    if problems:
        first_problem = problems[0]
        raise InvalidInputError(
            f"{len(problems)} problems in the batch; nothing was stored. "
            f"{first_problem['field']}: {first_problem['message']}",
            field=first_problem["field"], details={"problems": problems},
        )  # fmt: skip
    return parsed


def request_hash(fields: Mapping[str, Any]) -> str:
    """A SHA-256 fingerprint of a report's content, independent of key order.

    The fingerprinted text is compact JSON with sorted keys, as ``json.dumps`` writes it;
    orjson writes the same bytes for a report's values (text, numbers in China's bounds,
    None) several times faster, so fingerprints stored before stay valid (a test checks).
    """
    try:
        data = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # what orjson refuses (lone surrogates)
        text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        data = text.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


# -- the checks ----------------------------------------------------------------------------------
def _parse(
    raw: Any,
    policy: ReportPolicy,
    zone: tzinfo,
    now: datetime,
    idempotency_key: str | None,
    problems: _Problems,
) -> NewReport | None:
    if not isinstance(raw, Mapping):
        problems.add("", "a report must be a JSON object")
        return None
    for name in sorted(set(raw) - _FIELDS):
        problems.add(name, f"unknown field; accepted: {', '.join(sorted(_FIELDS))}")
    source = _text(raw, "source", problems, limit=20)
    if raw.get("source") is None:
        problems.add("source", f"is required; one of {', '.join(policy.sources)}")
    elif source is not None and source not in policy.sources:
        problems.add("source", f"unknown source {source!r}; accepted: {', '.join(policy.sources)}")
    description = _text(raw, "description", problems, limit=policy.max_description)
    address = _text(raw, "address", problems, limit=policy.max_address)
    point = _point(raw.get("point"), problems)
    if address is None and point is None and "point" not in raw:
        problems.add("address", "give an address text, a point (lon, lat) or both")
    reported_at = _time(raw.get("reported_at"), zone, now, policy, problems)
    contact = _contact(raw.get("contact"), problems)
    external_id = _text(raw, "external_id", problems, limit=_MAX_SHORT)
    category = _text(raw, "category", problems, limit=_MAX_SHORT)
    report: dict[str, Any] = {
        "source": source,
        "external_id": external_id,
        "category": category,
        "description": description,
        "address": address,
        "point": None if point is None else [point.lon, point.lat, point.crs.value],
        "reported_at": None if reported_at is None else reported_at.isoformat(),
        "contact": contact,
    }
    if problems.items or source is None:
        return None
    return NewReport(
        source=source, external_id=external_id, idempotency_key=idempotency_key,
        category=category, description=description, address=address, point=point,
        reported_at=reported_at, contact=contact, request_hash=request_hash(report),
    )  # fmt: skip


def _text(raw: Mapping[str, Any], name: str, problems: _Problems, *, limit: int) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        problems.add(name, "must be a string")
        return None
    text = str(value).strip()
    if len(text) > limit:
        problems.add(name, f"must be at most {limit} characters, got {len(text)}")
        return None
    if not _TYPED.issuperset(text) and is_binary(text):
        problems.add(name, "must be text, not control or binary characters")
        return None
    return text or None


def _number(value: Any, name: str, problems: _Problems) -> float | None:
    if isinstance(value, bool):
        problems.add(name, "must be a number")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.add(name, "must be a number" if value is not None else "is required")
        return None
    if not math.isfinite(number):
        problems.add(name, "must be a finite number")
        return None
    return number


def _point(value: Any, problems: _Problems) -> PointInput | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.add("point", 'must be an object {"lon", "lat", "crs"}')
        return None
    for name in sorted(set(value) - {"lon", "lat", "crs"}):
        problems.add(f"point.{name}", "unknown field; accepted: lon, lat, crs")
    lon = _number(value.get("lon"), "point.lon", problems)
    lat = _number(value.get("lat"), "point.lat", problems)
    if lon is not None and not -180 <= lon <= 180:
        problems.add("point.lon", f"must be between -180 and 180, got {lon}")
        lon = None
    if lat is not None and not -90 <= lat <= 90:
        problems.add("point.lat", f"must be between -90 and 90, got {lat}")
        lat = None
    try:
        crs = Crs.parse(str(value.get("crs") or "wgs84"), field="point.crs")
    except InvalidInputError as exc:
        problems.add("point.crs", exc.message)
        return None
    if lon is None or lat is None:
        return None
    # Swapped or foreign coordinates are the sender's bug, not a report for the manual queue.
    west, south, east, north = CHINA_BOUNDS
    if not west <= lon <= east:
        problems.add("point.lon", f"{lon} lies outside China (longitude {west}–{east})")
        return None
    if not south <= lat <= north:
        problems.add("point.lat", f"{lat} lies outside China (latitude {south}–{north})")
        return None
    return PointInput(lon, lat, crs)


def _time(
    value: Any, zone: tzinfo, now: datetime, policy: ReportPolicy, problems: _Problems
) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            problems.add("reported_at", "must be ISO 8601, such as 2025-01-01T08:00:00+08:00")
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    moment = moment.astimezone(UTC)
    if moment > now + timedelta(seconds=policy.future_skew_s):
        problems.add("reported_at", f"lies in the future ({moment.isoformat()})")
        return None
    return moment


def _contact(value: Any, problems: _Problems) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.add("contact", 'must be an object {"name", "phone", "email"}')
        return None
    contact: dict[str, str] = {}
    for name in value:
        if name not in CONTACT_KEYS:
            problems.add(f"contact.{name}", f"unknown field; accepted: {', '.join(CONTACT_KEYS)}")
            continue
        text = _text(value, name, _Prefixed(problems, "contact."), limit=_MAX_SHORT)
        if text is not None:
            contact[name] = text
    return contact or None


class _Prefixed(_Problems):
    """Adds to another problem list under a sub-path (``contact.phone``)."""

    def __init__(self, parent: _Problems, sub: str) -> None:
        super().__init__(parent.prefix + sub)
        self.items = parent.items
