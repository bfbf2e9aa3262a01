"""Open311 GeoReport v2, so that existing 311 clients can submit and follow reports.

Implements the JSON format of ``services``, ``requests`` (POST and GET) and ``requests/{id}``
(https://wiki.open311.org/GeoReport_v2). Differences from the spec's letter, each deliberate:

* every call needs an API key, as an ``api_key`` parameter (the spec's way) or the
  ``X-API-Key`` header; submitting needs a dispatcher key, reading a viewer key;
* ``lat``/``long`` are WGS84 as the spec says; an extra ``crs`` parameter accepts ``gcj02``
  or ``bd09`` from Chinese map SDKs; ``address_id`` is a standard address id of this service;
* ``status`` is ``open`` until a report is resolved, then ``closed``; descriptions are masked;
* errors are the spec's ``[{"code", "description"}]`` with the HTTP status of the main API.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import parse_as_of
from api.errors import STATUS_BY_ERROR
from api.open311.schemas import Open311Request, Open311Service
from api.reports import (
    intake,
    json_response,
    read_json,
    render,
    report_state,
    scoped_idempotency_key,
)
from api.reports.service import city_zone
from geo.access import ApiKey, Role
from geo.clock import utc_now
from geo.errors import ForbiddenError, InvalidInputError, NotFoundError, OnemapError
from geo.reports import ReportQuery, ReportRecord, ReportStatus, mask_text, parse_report
from geo.stores import Store

__all__ = ["router"]

OPEN = (ReportStatus.NEEDS_LOCATION, ReportStatus.NEW, ReportStatus.DISPATCHED,
        ReportStatus.IN_PROGRESS)  # fmt: skip
CLOSED = (ReportStatus.RESOLVED, ReportStatus.CLOSED)
# Our field names → the spec's, so an error names the parameter the client sent.
SPEC_FIELDS = {"point.lon": "long", "point.lat": "lat", "point.crs": "crs",
               "address": "address_string", "category": "service_code"}  # fmt: skip
MAX_LIST = 1000


class Open311Route(APIRoute):
    """Answers errors in the GeoReport v2 shape: ``[{"code": 400, "description": "..."}]``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except OnemapError as exc:
                status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 400)
                field = SPEC_FIELDS.get(exc.field or "", exc.field)
                text = exc.message if field is None else f"{field}: {exc.message}"
                return json_response([{"code": status, "description": text}], status)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                name = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
                text = f"{name}: {first.get('msg', 'invalid')}"
                return json_response([{"code": 422, "description": text}], 422)

        return answer


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)
_viewer, _dispatcher = require(Role.VIEWER), require(Role.DISPATCHER)


def _key(request: Request, given: str | None, check: Callable[..., ApiKey]) -> ApiKey:
    return check(request, given or request.headers.get("x-api-key"))


@router.get("/services.json", response_model=list[Open311Service])
def services(request: Request, api_key: Annotated[str | None, Query()] = None) -> Response:
    """The report categories, as Open311 services."""
    _key(request, api_key, _viewer)
    return json_response([
        {"service_code": s.service_code, "service_name": s.service_name,
         "description": s.description, "metadata": False, "type": "realtime",
         "keywords": s.keywords, "group": s.group}
        for s in report_state(request.app).settings.open311_services
    ])  # fmt: skip


@router.post("/requests.json", status_code=201)
async def create_request(request: Request) -> Response:
    """Submit a report: ``service_code`` and ``lat``/``long``, ``address_string`` or
    ``address_id``; form-encoded (the spec) or JSON. Answers ``[{"service_request_id"}]``."""
    fields = _form(request.headers.get("content-type", ""), await request.body())
    key = await run_in_threadpool(_key, request, fields.pop("api_key", None), _dispatcher)
    raw = await run_in_threadpool(_report_fields, request, fields)
    settings = report_state(request.app).settings
    scoped = scoped_idempotency_key(key, request.headers.get("idempotency-key"))
    report = parse_report(raw, settings.policy, zone=city_zone(request), idempotency_key=scoped)
    result = (await run_in_threadpool(intake, request, key, [report]))[0]
    notice = {
        ReportStatus.NEW: f"accepted; reviewed within {settings.review_hours:g} h",
        ReportStatus.NEEDS_LOCATION: "accepted; the location will be checked by a person",
    }
    stored = result.report
    body = [{"service_request_id": str(stored.id), "account_id": None,
             "service_notice": notice.get(stored.status, "")}]  # fmt: skip
    return json_response(body, 201 if result.created else 200)


@router.get("/requests.json", response_model=list[Open311Request])
def list_requests(
    request: Request,
    api_key: Annotated[str | None, Query()] = None,
    service_request_id: Annotated[str | None, Query(description="comma-separated ids")] = None,
    service_code: Annotated[str | None, Query(max_length=100)] = None,
    start_date: Annotated[str | None, Query(description="ISO 8601")] = None,
    end_date: Annotated[str | None, Query(description="ISO 8601")] = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))?$")] = None,
) -> Response:
    """Reports, newest first: by id, or by service, time (default: the last 90 days), status."""
    key = _key(request, api_key, _viewer)
    store: Store = request.app.state.store
    if service_request_id:
        ids = _ids(service_request_id)
        records = [r for r in (_get(store, i) for i in ids) if r and r.in_scope(key.scope)]
        return json_response(_requests(request, records))
    settings = request.app.state.settings
    start = parse_as_of(start_date, settings, field="start_date")
    end = parse_as_of(end_date, settings, field="end_date")
    if start is None and end is None:
        start = utc_now() - timedelta(days=90)
    wanted = set((status or "open,closed").split(","))
    statuses = (OPEN if "open" in wanted else ()) + (CLOSED if "closed" in wanted else ())
    page = store.list_reports(ReportQuery(
        within=key.scope, statuses=statuses, reported_from=start, reported_to=end,
        category=service_code, limit=MAX_LIST,
    ))  # fmt: skip
    return json_response(_requests(request, page.items))


@router.get("/requests/{request_id}.json", response_model=list[Open311Request])
def get_request(
    request: Request,
    request_id: Annotated[int, Path(ge=1, le=2**62)],
    api_key: Annotated[str | None, Query()] = None,
) -> Response:
    """One report, as a list of one (the spec's shape)."""
    key = _key(request, api_key, _viewer)
    store: Store = request.app.state.store
    record = store.get_report(request_id)
    if not record.in_scope(key.scope):
        raise ForbiddenError(f"request {request_id} lies outside this key's scope", field="id")
    notes = [e.note for e in store.report_events(request_id) if e.note]
    answer = _requests(request, [record])
    answer[0]["status_notes"] = mask_text(notes[-1]) if notes else None
    return json_response(answer)


# -- mapping ---------------------------------------------------------------------------------------
def _form(content_type: str, body: bytes) -> dict[str, Any]:
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json":
        data = read_json(body)
        if not isinstance(data, dict):
            raise InvalidInputError("send the fields as a JSON object", field="body")
        return data
    if media in ("application/x-www-form-urlencoded", ""):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError("the form is not UTF-8", field="body") from None
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    raise InvalidInputError(
        "send application/x-www-form-urlencoded (or JSON); media uploads are not supported",
        field="content-type",
    )


def _report_fields(request: Request, fields: dict[str, Any]) -> dict[str, Any]:
    services = {s.service_code for s in report_state(request.app).settings.open311_services}
    code = fields.get("service_code")
    if not code:
        raise InvalidInputError(
            "service_code is required (see services.json)", field="service_code"
        )
    if code not in services:
        raise InvalidInputError(f"unknown service_code {str(code)[:40]!r}; see services.json",
                                field="service_code")  # fmt: skip
    raw: dict[str, Any] = {"source": "open311", "category": code}
    for ours, theirs in (("description", "description"), ("address", "address_string"),
                         ("reported_at", "requested_datetime")):  # fmt: skip
        if fields.get(theirs) not in (None, ""):
            raw[ours] = fields[theirs]
    if fields.get("lat") not in (None, "") or fields.get("long") not in (None, ""):
        raw["point"] = {"lon": fields.get("long"), "lat": fields.get("lat"),
                        "crs": fields.get("crs") or "wgs84"}  # fmt: skip
    elif fields.get("address_id") not in (None, ""):
        address_id = str(fields["address_id"])
        if not address_id.isdigit():
            raise InvalidInputError("address_id must be a number", field="address_id")
        try:
            found = request.app.state.store.get_address(int(address_id))
        except NotFoundError:
            raise InvalidInputError(
                f"no standard address {address_id}", field="address_id"
            ) from None
        raw["point"] = {"lon": found.lon, "lat": found.lat, "crs": "cgcs2000"}
    name = " ".join(str(fields[k]) for k in ("last_name", "first_name") if fields.get(k))
    contact = {"name": name, "phone": fields.get("phone"), "email": fields.get("email")}
    if any(contact.values()):
        raw["contact"] = {k: str(v)[:100] for k, v in contact.items() if v}
    return raw


def _ids(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or len(parts) > MAX_LIST or not all(p.isdigit() for p in parts):
        raise InvalidInputError("service_request_id must be comma-separated numbers",
                                field="service_request_id")  # fmt: skip
    return [int(p) for p in parts]


def _get(store: Store, report_id: int) -> ReportRecord | None:
    try:
        return store.get_report(report_id)
    except NotFoundError:
        return None


def _requests(request: Request, records: list[ReportRecord]) -> list[dict[str, Any]]:
    names = {s.service_code: s.service_name
             for s in report_state(request.app).settings.open311_services}  # fmt: skip
    answers = []
    for record, body in zip(records, render(request, records), strict=True):
        areas = body["areas"]
        unit = areas["grid"] or areas["community"]
        team = (unit or {}).get("team") or {}
        geocoded = body["location"]["geocoded"]
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
            "zipcode": None, "lat": record.lat, "long": record.lon, "media_url": None,
        })  # fmt: skip
    return answers
