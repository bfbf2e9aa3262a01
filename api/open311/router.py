"""Open311 GeoReport v2, so that existing 311 clients can submit and follow reports.

Implements the spec (https://wiki.open311.org/GeoReport_v2) in JSON and XML: ``discovery``,
``services``, ``services/{service_code}`` (the definition: the questions a service asks),
``requests`` (GET with its filters, POST), ``requests/{id}`` and ``tokens/{token}``; photos as
multipart ``media`` uploads or a ``media_url``, and each stored photo at
``requests/{id}/media/{media_id}``. Differences from the spec's letter, each deliberate:

* the key may be the spec's ``api_key`` (query or form field) or any way the rest of the API
  takes one (``X-API-Key``, Bearer, Basic); submitting needs a dispatcher key, reading a viewer
  key, unless ``ONEMAP_OPEN311_PUBLIC_READS=true`` opens reads (off: citizen reports are not
  public here); a photo's bytes always need a key;
* ``lat``/``long`` are WGS84 as the spec says; an extra ``crs`` parameter accepts ``gcj02``
  or ``bd09`` from Chinese map SDKs; ``address_id`` is a standard address id of this service;
* ``status`` is ``open`` until a report is resolved, then ``closed``; descriptions are masked
  and contact fields are never returned; answers to a service's attributes join the text;
* a request is stored at once, so its token (``onemap-<id>``) names it immediately;
* errors are the spec's ``[{"code", "description"}]`` with the HTTP status of the main API.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.auth import presented_key, require
from api.deps import parse_as_of
from api.errors import CHALLENGE, STATUS_BY_ERROR
from api.open311.mapping import CLOSED, OPEN, read_fields, report_fields, request_documents
from api.open311.settings import open311_settings
from api.open311.xml import xml_response
from api.reports import intake, json_response, report_state, scoped_idempotency_key
from api.reports.service import city_zone
from geo.access import ApiKey, Role
from geo.clock import utc_now
from geo.errors import ForbiddenError, InvalidInputError, NotFoundError, OnemapError
from geo.reports import ReportQuery, ReportRecord, ReportStatus, mask_text, parse_report
from geo.stores import Store

__all__ = ["router"]

# Our field names → the spec's, so an error names the parameter the client sent.
SPEC_FIELDS = {"point.lon": "long", "point.lat": "lat", "point.crs": "crs",
               "address": "address_string", "category": "service_code"}  # fmt: skip
MAX_LIST = 1000
TOKEN_PREFIX = "onemap-"
Format = Annotated[Literal["json", "xml"], Path(description="json or xml")]
ApiKeyParam = Annotated[str | None, Query(description="the spec's key parameter")]


def answer(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    return xml_response(root, value, status) if fmt == "xml" else json_response(value, status)


class Open311Route(APIRoute):
    """Answers errors in the GeoReport v2 shape, in the format the path asks for."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer_errors(request: Request) -> Response:
            fmt = "xml" if request.url.path.endswith(".xml") else "json"
            try:
                return await handler(request)
            except OnemapError as exc:
                status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 400)
                field = SPEC_FIELDS.get(exc.field or "", exc.field)
                text = exc.message if field is None else f"{field}: {exc.message}"
                errors = [{"code": status, "description": text}]
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                name = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
                status, errors = 422, [{"code": 422, "description": f"{name}: "
                                        f"{first.get('msg', 'invalid')}"}]  # fmt: skip
            response = answer(fmt, "errors", errors, status)
            if status == 401:
                response.headers["WWW-Authenticate"] = CHALLENGE
            return response

        return answer_errors


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)
_viewer, _dispatcher = require(Role.VIEWER), require(Role.DISPATCHER)


def _key(request: Request, given: str | None, check: Callable[..., ApiKey]) -> ApiKey:
    return check(request, given or presented_key(request.headers))


def _reader(request: Request, given: str | None) -> ApiKey | None:
    """The reading key, or None for an anonymous reader when public reads are on."""
    if not (given or presented_key(request.headers)) and open311_settings(request.app).public_reads:
        return None
    return _key(request, given, _viewer)


def _scope(key: ApiKey | None) -> str | None:
    return key.scope if key is not None else None


def _services(request: Request) -> list[Any]:
    return list(report_state(request.app).settings.open311_services)


@router.get("/discovery.{fmt}")
def discovery(request: Request, fmt: Format) -> Response:
    """Where the endpoint is and what it speaks (open: it describes, it holds no reports)."""
    base = str(request.base_url).rstrip("/")
    document = {
        "changeset": "2026-12-07T00:00:00Z",
        "contact": "onemap 一张图 Open311 endpoint",
        "key_service": "API keys come from the city's onemap administrators "
        "(onemap keys create --role dispatcher)",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
                       "url": f"{base}/open311/v2", "changeset": "2026-12-07T00:00:00Z",
                       "type": "production", "formats": ["application/json", "text/xml"]}],
    }  # fmt: skip
    return answer(fmt, "discovery", document)


@router.get("/services.{fmt}")
def services(request: Request, fmt: Format, api_key: ApiKeyParam = None) -> Response:
    """The report categories, as Open311 services."""
    _reader(request, api_key)
    return answer(fmt, "services", [
        {"service_code": s.service_code, "service_name": s.service_name,
         "description": s.description, "metadata": bool(s.attributes), "type": "realtime",
         "keywords": s.keywords, "group": s.group}
        for s in _services(request)
    ])  # fmt: skip


@router.get("/services/{service_code}.{fmt}")
def service_definition(
    request: Request, service_code: str, fmt: Format, api_key: ApiKeyParam = None
) -> Response:
    """The questions a service asks: its attributes, as ``attribute[code]`` fields to send."""
    _reader(request, api_key)
    found = next((s for s in _services(request) if s.service_code == service_code), None)
    if found is None:
        raise NotFoundError(f"no service {service_code[:40]!r}; see services.json",
                            field="service_code")  # fmt: skip
    attributes = [
        {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": a.datatype_description, "order": a.order,
         "description": a.description,
         "values": [{"key": v.key, "name": v.name} for v in a.values]}
        for a in found.attributes
    ]  # fmt: skip
    return answer(fmt, "service_definition",
                  {"service_code": found.service_code, "attributes": attributes})  # fmt: skip


@router.post("/requests.{fmt}", status_code=201)
async def create_request(request: Request, fmt: Format) -> Response:
    """Submit a report: ``service_code`` and ``lat``/``long``, ``address_string`` or
    ``address_id``; form-encoded (the spec), multipart with ``media`` photos, or JSON.
    Answers ``[{"service_request_id", "token", "service_notice"}]``."""
    fields, photos = await read_fields(request)
    given = fields.pop("api_key", None) or request.query_params.get("api_key")
    key = await run_in_threadpool(_key, request, given, _dispatcher)
    raw = await run_in_threadpool(report_fields, request, fields)
    settings = report_state(request.app).settings
    scoped = scoped_idempotency_key(key, request.headers.get("idempotency-key"))
    report = parse_report(raw, settings.policy, zone=city_zone(request), idempotency_key=scoped)
    result = (await run_in_threadpool(intake, request, key, [report]))[0]
    stored = result.report
    if result.created and photos:
        store: Store = request.app.state.store
        await run_in_threadpool(store.add_report_media, stored.id, photos, actor=key.name,
                                key_id=key.id)  # fmt: skip
    notice = {
        ReportStatus.NEW: f"accepted; reviewed within {settings.review_hours:g} h",
        ReportStatus.NEEDS_LOCATION: "accepted; the location will be checked by a person",
    }
    body = [{"service_request_id": str(stored.id), "token": f"{TOKEN_PREFIX}{stored.id}",
             "account_id": None, "service_notice": notice.get(stored.status, "")}]  # fmt: skip
    return answer(fmt, "service_requests", body, 201 if result.created else 200)


@router.get("/requests.{fmt}")
def list_requests(
    request: Request,
    fmt: Format,
    api_key: ApiKeyParam = None,
    service_request_id: Annotated[str | None, Query(description="comma-separated ids")] = None,
    service_code: Annotated[str | None, Query(max_length=1000)] = None,
    start_date: Annotated[str | None, Query(description="ISO 8601")] = None,
    end_date: Annotated[str | None, Query(description="ISO 8601")] = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))?$")] = None,
) -> Response:
    """Reports, newest first: by id, or by service(s), time (default: the last 90 days), status."""
    key = _reader(request, api_key)
    store: Store = request.app.state.store
    if service_request_id:
        ids = _ids(service_request_id)
        records = [r for r in (_get(store, i) for i in ids) if r and r.in_scope(_scope(key))]
        return answer(fmt, "service_requests", request_documents(request, records))
    settings = request.app.state.settings
    start = parse_as_of(start_date, settings, field="start_date")
    end = parse_as_of(end_date, settings, field="end_date")
    if start is None and end is None:
        start = utc_now() - timedelta(days=90)
    wanted = set((status or "open,closed").split(","))
    statuses = (OPEN if "open" in wanted else ()) + (CLOSED if "closed" in wanted else ())
    found: list[ReportRecord] = []
    for code in service_code.split(",") if service_code else [None]:
        found += store.list_reports(ReportQuery(
            within=_scope(key), statuses=statuses, reported_from=start, reported_to=end,
            category=code.strip() if code else None, limit=MAX_LIST,
        )).items  # fmt: skip
    found.sort(key=lambda r: (r.reported_at or r.created_at, r.id), reverse=True)
    return answer(fmt, "service_requests", request_documents(request, found[:MAX_LIST]))


def _one(request: Request, request_id: int, key: ApiKey | None) -> ReportRecord:
    record = request.app.state.store.get_report(request_id)
    if not record.in_scope(_scope(key)):
        raise ForbiddenError(f"request {request_id} lies outside this key's scope", field="id")
    return record


@router.get("/requests/{request_id}.{fmt}")
def get_request(
    request: Request,
    request_id: Annotated[int, Path(ge=1, le=2**62)],
    fmt: Format,
    api_key: ApiKeyParam = None,
) -> Response:
    """One report, as a list of one (the spec's shape)."""
    key = _reader(request, api_key)
    record = _one(request, request_id, key)
    store: Store = request.app.state.store
    notes = [e.note for e in store.report_events(request_id) if e.note]
    documents = request_documents(request, [record])
    documents[0]["status_notes"] = mask_text(notes[-1]) if notes else None
    return answer(fmt, "service_requests", documents)


@router.get("/tokens/{token}.{fmt}")
def get_token(request: Request, token: str, fmt: Format, api_key: ApiKeyParam = None) -> Response:
    """The request a token names (requests are stored at once, so it always names one)."""
    key = _reader(request, api_key)
    number = token.removeprefix(TOKEN_PREFIX)
    if not token.startswith(TOKEN_PREFIX) or not number.isdigit() or len(number) > 18:
        raise NotFoundError(f"no token {token[:40]!r}", field="token")
    record = _one(request, int(number), key)
    return answer(fmt, "service_requests",
                  [{"service_request_id": str(record.id), "token": token}])  # fmt: skip


PHOTO: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}
}


@router.get("/requests/{request_id}/media/{media_id}", responses=PHOTO)
def get_media(
    request: Request,
    request_id: Annotated[int, Path(ge=1, le=2**62)],
    media_id: Annotated[int, Path(ge=1, le=2**62)],
    api_key: ApiKeyParam = None,
) -> Response:
    """A photo sent with a request; always needs a viewer key whose scope holds the report."""
    key = _key(request, api_key, _viewer)
    _one(request, request_id, key)
    store: Store = request.app.state.store
    media = store.get_report_media(request_id, media_id)
    if media.data is None or media.content_type is None:
        raise NotFoundError(f"media {media_id} is a link: {media.url}", field="media_id")
    return Response(media.data, media_type=media.content_type,
                    headers={"Cache-Control": "private, max-age=86400",
                             "X-Content-Type-Options": "nosniff"})  # fmt: skip


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
