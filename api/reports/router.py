"""Report intake and handling: every report gets the grid that must handle it.

``POST /v1/reports`` and ``/v1/reports/batch`` (dispatcher) place and store reports; retries
are safe under an ``Idempotency-Key`` header or a (source, external id). ``GET`` lists and
reads them (viewer: free text masked), ``PATCH`` moves a report through its lifecycle and
fixes its location (dispatcher). A scoped key reads and writes only its own subtree.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth import Dispatcher, Viewer, api_key_header, check_dispatcher, require_in_scope
from api.deps import parse_as_of
from api.reports.schemas import BatchIn, BatchOut, ReportIn, ReportList, ReportOut, ReportPatch
from api.reports.service import (
    city_zone,
    intake,
    json_response,
    pipeline,
    read_json,
    render,
    report_state,
    reports_lifespan,
    scoped_idempotency_key,
)
from api.schemas import ErrorBody
from api.settings import Settings
from geo.access import ApiKey, Role
from geo.areas import level_of_code
from geo.clock import utc_now
from geo.crs import Crs, convert_point
from geo.errors import ForbiddenError, InvalidInputError, PayloadTooLargeError
from geo.reports import ReportQuery, ReportStatus, parse_batch, parse_report
from geo.stores import Store
from geo.stores.audit import write_audit

__all__ = ["router"]

router = APIRouter(tags=["reports"], lifespan=reports_lifespan)

ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "the report lies outside the key's scope"},
    409: {"model": ErrorBody, "description": "same key, different body; illegal transition"},
    422: {"model": ErrorBody, "description": "bad input, naming the field; nothing stored"},
    503: {"model": ErrorBody, "description": "the boundaries or address library are loading"},
}
IDEMPOTENCY_DESCRIPTION = ("retries with the same key return the first answer; the same key "
                           "with another body is refused (409)")  # fmt: skip
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY_DESCRIPTION)
]
PATCH_ERRORS: dict[int | str, dict[str, Any]] = {
    412: {"model": ErrorBody, "description": "If-Match names an older revision"},
    **ERRORS,
}
MAX_LIST = 1000


def _body_schema(model: type[Any]) -> dict[str, Any]:
    schema = {"schema": model.model_json_schema(ref_template="#/components/schemas/{model}")}
    return {"requestBody": {"required": True, "content": {"application/json": schema}}}


# The single intake reads its two headers itself: FastAPI's parameter machinery costs more per
# call than the key check. They are documented here as FastAPI would document them.
_IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": IDEMPOTENCY_DESCRIPTION,
    "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Idempotency-Key",
               "description": IDEMPOTENCY_DESCRIPTION},
}  # fmt: skip


@router.post(
    "/v1/reports", status_code=201, response_model=ReportOut,
    openapi_extra={**_body_schema(ReportIn), "parameters": [_IDEMPOTENCY_HEADER],
                   "security": [{api_key_header.scheme_name: []}]},
    responses={200: {"model": ReportOut, "description": "a retry: the stored report"}, **ERRORS},
)  # fmt: skip
async def create_report(request: Request) -> Response:
    """Take one report: address text and/or a point (with its crs); answer the stored report.

    The answer is 201 with the report's `id`, `status` (`new`, or `needs_location` when the
    pipeline would not decide alone), `location` (CGCS2000 point, method, confidence, flags)
    and `areas` (the chain, as locate answers it). A retry answers 200 with the same report.
    """
    body = await request.body()
    headers = request.headers
    return await run_in_threadpool(_create_one, request, headers.get("x-api-key"),
                                   headers.get("idempotency-key"), body)  # fmt: skip


def _create_one(
    request: Request, api_key: str | None, idempotency_key: str | None, body: bytes
) -> Response:
    # One thread-pool hop for the whole request: the key check, placing, storing, answering.
    key = check_dispatcher(request, api_key)
    settings = report_state(request.app).settings
    report = parse_report(read_json(body), settings.policy, zone=city_zone(request),
                          idempotency_key=scoped_idempotency_key(key, idempotency_key))  # fmt: skip
    result = intake(request, key, [report])[0]
    answer = render(request, [result.report])[0]
    headers = {"ETag": f'"{result.report.revision}"', "Location": f"/v1/reports/{answer['id']}"}
    if not result.created:
        headers["Idempotent-Replayed"] = "true"
    return json_response(answer, 201 if result.created else 200, headers)


@router.post(
    "/v1/reports/batch", response_model=BatchOut, openapi_extra=_body_schema(BatchIn),
    responses={413: {"model": ErrorBody, "description": "more reports than the limit"},
               **ERRORS},
)  # fmt: skip
async def create_reports(
    request: Request, key: Dispatcher, idempotency_key: IdempotencyKey = None
) -> Response:
    """Take up to 10,000 reports in one transaction: all are stored, or none.

    Any bad report refuses the batch with a 422 listing every problem (`reports.3.source`).
    With an `Idempotency-Key`, report *i* is stored under `key#i`, so a resent batch returns
    the same reports; each item says whether this call `created` it.
    """
    raw = read_json(await request.body())
    settings = report_state(request.app).settings
    if not isinstance(raw, dict) or set(raw) != {"reports"}:
        raise InvalidInputError('send {"reports": [...]}', field="reports")
    if isinstance(raw["reports"], list) and len(raw["reports"]) > settings.max_batch:
        raise PayloadTooLargeError(
            f"a batch holds at most {settings.max_batch} reports, got {len(raw['reports'])}",
            field="reports", details={"limit": settings.max_batch},
        )  # fmt: skip
    reports = await run_in_threadpool(
        parse_batch, raw["reports"], settings.policy, zone=city_zone(request),
        idempotency_key=scoped_idempotency_key(key, idempotency_key),
    )  # fmt: skip
    results = await run_in_threadpool(intake, request, key, reports)
    bodies = await run_in_threadpool(render, request, [r.report for r in results])
    created = sum(r.created for r in results)
    items = [{"index": i, "created": r.created, "report": body}
             for i, (r, body) in enumerate(zip(results, bodies, strict=True))]  # fmt: skip
    return json_response({"created": created, "existing": len(results) - created, "items": items})


@router.get("/v1/reports", response_model=ReportList, responses=ERRORS)
def list_reports(
    request: Request,
    key: Viewer,
    area: Annotated[str | None, Query(description="an area code: reports in its subtree")] = None,
    status: Annotated[
        str | None, Query(description="comma-separated statuses, e.g. needs_location,new")
    ] = None,
    overdue: Annotated[bool | None, Query(description="past the current deadline")] = None,
    reported_from: Annotated[str | None, Query(alias="from", description="ISO 8601")] = None,
    reported_to: Annotated[str | None, Query(alias="to", description="ISO 8601, exclusive")] = None,
    source: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Reports, newest first; `status=needs_location` is the manual queue."""
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    query = ReportQuery(
        area=area, within=_scope(key, area), statuses=_statuses(status), overdue=overdue,
        reported_from=parse_as_of(reported_from, settings, field="from"),
        reported_to=parse_as_of(reported_to, settings, field="to"),
        source=source, category=category, limit=limit, offset=offset,
    )  # fmt: skip
    page = store.list_reports(query)
    items = render(request, page.items)
    return json_response({"items": items, "total": page.total, "limit": limit, "offset": offset})


@router.get("/v1/reports/{report_id}", response_model=ReportOut, responses=ERRORS)
def get_report(
    request: Request,
    key: Viewer,
    report_id: Annotated[int, Path(ge=1, le=2**62)],
    unmask: Annotated[
        bool, Query(description="dispatchers: the raw text (the read is audited)")
    ] = False,
) -> Response:
    """One report with its history of transitions, fixes and reassignments."""
    store: Store = request.app.state.store
    report = store.get_report(report_id)
    if not report.in_scope(key.scope):
        raise ForbiddenError(f"report {report_id} lies outside this key's scope {key.scope}",
                             field="id")  # fmt: skip
    if unmask:
        if not key.role.allows(Role.DISPATCHER):
            raise ForbiddenError("only dispatchers and above may read the raw text",
                                 field="unmask")  # fmt: skip
        with store.engine.begin() as conn:
            write_audit(conn, actor=key.name, key_id=key.id, action="reports.read_raw",
                        target=f"report {report_id}")  # fmt: skip
    body = render(request, [report], unmask=unmask, events=store.report_events(report_id))[0]
    return json_response(body, headers={"ETag": f'"{report.revision}"'})


@router.patch("/v1/reports/{report_id}", response_model=ReportOut, responses=PATCH_ERRORS)
def patch_report(
    request: Request,
    key: Dispatcher,
    report_id: Annotated[int, Path(ge=1, le=2**62)],
    body: ReportPatch,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response:
    """Move a report on (`status`), fix its location (`location` point or `grid` code), note.

    Legal moves: new → dispatched → in_progress → resolved → closed, and reopen (resolved or
    closed → dispatched); anything else is 409. A location fix of a `needs_location` report
    makes it `new`. Each change is an event with who and when.
    """
    store: Store = request.app.state.store
    placement = None
    if body.location is not None or body.grid is not None:
        lon = lat = None
        if body.location is not None:
            lon, lat = convert_point(body.location.lon, body.location.lat,
                                     src=body.location.crs, dst=Crs.CGCS2000)  # fmt: skip
        placement = pipeline(request, with_geocoder=False).manual(lon=lon, lat=lat, grid=body.grid)
        if key.scope is not None and not any(
            c and c.startswith(key.scope) for c in placement.chain.values()
        ):
            raise ForbiddenError(f"the new location lies outside this key's scope {key.scope}",
                                 field="location")  # fmt: skip
    if body.status is None and placement is None and body.note is None:
        raise InvalidInputError("send a status, a location, a grid or a note", field="body")
    report = store.update_report(
        report_id, actor=key.name, key_id=key.id,
        status=None if body.status is None else ReportStatus(body.status),
        placement=placement, note=body.note, scope=key.scope,
        expected_revision=_revision(if_match),
        policy=report_state(request.app).settings.policy, now=utc_now(),
    )  # fmt: skip
    answer = render(request, [report], events=store.report_events(report_id))[0]
    return json_response(answer, headers={"ETag": f'"{report.revision}"'})


def _revision(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InvalidInputError('If-Match must be a revision such as "3"', field="If-Match")
    return int(text)


def _statuses(text: str | None) -> tuple[ReportStatus, ...]:
    if not text:
        return ()
    try:
        return tuple(ReportStatus(s.strip()) for s in text.split(",") if s.strip())
    except ValueError:
        accepted = ", ".join(s.value for s in ReportStatus)
        raise InvalidInputError(f"unknown status in {text!r}; accepted: {accepted}",
                                field="status") from None  # fmt: skip


def _scope(key: ApiKey, area: str | None) -> str | None:
    """A scoped key lists only its subtree; an area outside it is refused, not emptied."""
    if area is not None:
        level_of_code(area, field="area")
    if key.scope is None:
        return None
    if area is not None and not (area.startswith(key.scope) or key.scope.startswith(area)):
        require_in_scope(key, area, field="area")
    return key.scope
