"""Between GeoReport v2's fields and the report domain: a submitted request's fields to a
report's raw fields, photos to store, and stored reports to the spec's request documents."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from starlette.datastructures import UploadFile

from api.open311.settings import open311_settings
from api.reports import read_json, render, report_state
from geo.errors import InvalidInputError, NotFoundError
from geo.reports import (
    CONTACT_KEYS,
    MediaRecord,
    NewMedia,
    ReportRecord,
    ReportStatus,
    checked_photo,
)

__all__ = ["CLOSED", "OPEN", "read_fields", "report_fields", "request_documents"]

OPEN = (ReportStatus.NEEDS_LOCATION, ReportStatus.NEW, ReportStatus.DISPATCHED,
        ReportStatus.IN_PROGRESS)  # fmt: skip
CLOSED = (ReportStatus.RESOLVED, ReportStatus.CLOSED)
MAX_URL = 2000


async def read_fields(request: Request) -> tuple[dict[str, Any], list[NewMedia]]:
    """The submitted fields and photos: a form (the spec), multipart with ``media``, or JSON."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    settings = open311_settings(request.app)
    photos: list[NewMedia] = []
    if media_type == "multipart/form-data":
        form = await request.form(max_files=settings.media_max_count + 1,
                                  max_part_size=settings.media_max_bytes + 1)  # fmt: skip
        fields: dict[str, Any] = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != "media":
                    raise InvalidInputError(f"unexpected file field {name!r}; send media",
                                            field=name)  # fmt: skip
                data = await value.read(settings.media_max_bytes + 1)
                photos.append(checked_photo(data, max_bytes=settings.media_max_bytes))
            else:
                fields.setdefault(name, value)
    elif media_type == "application/json":
        data = read_json(await request.body())
        if not isinstance(data, dict):
            raise InvalidInputError("send the fields as a JSON object", field="body")
        fields = data
    elif media_type in ("application/x-www-form-urlencoded", ""):
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError("the form is not UTF-8", field="body") from None
        fields = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    else:
        raise InvalidInputError("send application/x-www-form-urlencoded, multipart/form-data "
                                "(with photos as media) or JSON", field="content-type")  # fmt: skip
    if fields.get("media_url"):
        photos.append(_linked(str(fields["media_url"])))
    if len(photos) > settings.media_max_count:
        raise InvalidInputError(f"at most {settings.media_max_count} photos per request",
                                field="media")  # fmt: skip
    return fields, photos


def _linked(url: str) -> NewMedia:
    """A photo the reporter links to: kept as given, never fetched by the service (no
    requests to addresses a caller chooses; the intranet may not reach them anyway)."""
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInputError("media_url must be an http(s) URL of at most 2,000 characters",
                                field="media_url")  # fmt: skip
    return NewMedia(content_type=None, url=url)


def report_fields(request: Request, fields: dict[str, Any]) -> dict[str, Any]:
    """A request's fields as a report's raw fields (``parse_report`` checks them)."""
    services = {s.service_code: s for s in report_state(request.app).settings.open311_services}
    code = fields.get("service_code")
    if not code:
        raise InvalidInputError("service_code is required (see services.json)",
                                field="service_code")  # fmt: skip
    if code not in services:
        raise InvalidInputError(f"unknown service_code {str(code)[:40]!r}; see services.json",
                                field="service_code")  # fmt: skip
    raw: dict[str, Any] = {"source": "open311", "category": code}
    for ours, theirs in (("description", "description"), ("address", "address_string"),
                         ("reported_at", "requested_datetime")):  # fmt: skip
        if fields.get(theirs) not in (None, ""):
            raw[ours] = fields[theirs]
    answers = _attributes(services[code].attributes, fields)
    if answers:
        raw["description"] = "\n".join([str(raw.get("description") or ""), answers]).strip()
    if fields.get("lat") not in (None, "") or fields.get("long") not in (None, ""):
        raw["point"] = {"lon": fields.get("long"), "lat": fields.get("lat"),
                        "crs": fields.get("crs") or "wgs84"}  # fmt: skip
    elif fields.get("address_id") not in (None, ""):
        raw["point"] = _address_point(request, str(fields["address_id"]))
    name = " ".join(str(fields[k]) for k in ("last_name", "first_name") if fields.get(k))
    contact = {"name": name, "phone": fields.get("phone"), "email": fields.get("email")}
    if any(contact.values()):
        raw["contact"] = {k: str(v)[:100] for k, v in contact.items() if v and k in CONTACT_KEYS}
    return raw


def _attributes(attributes: list[Any], fields: dict[str, Any]) -> str:
    """Answers to the service's questions (``attribute[code]``), checked, as one text line."""
    lines = []
    for attribute in attributes:
        value = fields.get(f"attribute[{attribute.code}]")
        if value in (None, ""):
            if attribute.required:
                field = f"attribute[{attribute.code}]"
                raise InvalidInputError(f"{field} is required ({attribute.description})",
                                        field=field)  # fmt: skip
            continue
        names = {v.key: v.name for v in attribute.values}
        if names and str(value) not in names:
            field = f"attribute[{attribute.code}]"
            raise InvalidInputError(f"{field} must be one of {', '.join(names)}", field=field)
        lines.append(f"{attribute.description}: {names.get(str(value), str(value)[:200])}")
    return "；".join(lines)


def _address_point(request: Request, address_id: str) -> dict[str, Any]:
    if not address_id.isdigit():
        raise InvalidInputError("address_id must be a number", field="address_id")
    try:
        found = request.app.state.store.get_address(int(address_id))
    except NotFoundError:
        raise InvalidInputError(f"no standard address {address_id}", field="address_id") from None
    return {"lon": found.lon, "lat": found.lat, "crs": "cgcs2000"}


def media_href(request: Request, media: MediaRecord) -> str:
    if media.url is not None:
        return media.url
    base = str(request.base_url).rstrip("/")
    return f"{base}/open311/v2/requests/{media.report_id}/media/{media.id}"


def request_documents(request: Request, records: list[ReportRecord]) -> list[dict[str, Any]]:
    """Stored reports as GeoReport v2 requests; descriptions masked, no contact fields."""
    names = {s.service_code: s.service_name
             for s in report_state(request.app).settings.open311_services}  # fmt: skip
    media = request.app.state.store.list_report_media([r.id for r in records])
    answers = []
    for record, body in zip(records, render(request, records), strict=True):
        areas = body["areas"]
        unit = areas["grid"] or areas["community"]
        team = (unit or {}).get("team") or {}
        geocoded = body["location"]["geocoded"]
        photos = [media_href(request, m) for m in media.get(record.id, [])]
        answers.append({
            "service_request_id": str(record.id),
            "status": "closed" if record.status in CLOSED else "open",
            "status_notes": None,
            "service_name": names.get(record.category or ""), "service_code": record.category,
            "description": body["description"],
            "agency_responsible": team.get("name") or (unit or {}).get("name"),
            "service_notice": None,
            "requested_datetime": body["reported_at"], "updated_datetime": body["updated_at"],
            "expected_datetime": body["sla"]["response_due_at"],
            "address": geocoded["address"] if geocoded else body["address"],
            "address_id": str(geocoded["address_id"]) if geocoded else None,
            "zipcode": None, "lat": record.lat, "long": record.lon,
            "media_url": photos[0] if photos else None,
        })  # fmt: skip
    return answers
