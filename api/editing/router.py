"""Versioned edits of areas: create, replace, retire, split, merge, move a shared boundary,
preview any of them, list changesets and revert one. Every write needs If-Match or versions."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse

from api.auth import Editor, Viewer, require_in_scope
from api.deps import PageDep, StoreDep
from api.editing.schemas import (
    AreaCreate,
    AreaWrite,
    BoundaryRequest,
    EditAnswer,
    EditOptions,
    EditorSession,
    MergeRequest,
    PreviewAnswer,
    RevertRequest,
    SplitRequest,
    geometry_from,
    new_area_from,
    team_from,
    version_from_etag,
)
from api.schemas import ErrorBody
from geo.access import ApiKey, Role
from geo.areas import (
    AreaRecord,
    EditOutcome,
    EditPlan,
    NewArea,
    level_of_code,
    next_codes,
    plan_create,
    plan_merge,
    plan_move_boundary,
    plan_replace,
    plan_retire,
    plan_split,
)
from geo.errors import InvalidInputError, PreconditionRequiredError, VersionMismatchError
from geo.stores import Store

router = APIRouter(tags=["editing"])
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody} for s in (401, 403, 404, 409, 412, 422, 428)
}
CodePath = Annotated[str, Path(description="area code", max_length=18)]
IfMatch = Annotated[str | None, Header(description='ETag of the version you edit, e.g. "12"')]


def _new_feature(area: NewArea) -> dict[str, Any]:
    from shapely.geometry import mapping

    return {
        "type": "Feature",
        "id": area.code,
        "geometry": mapping(area.geometry),
        "properties": {"code": area.code, "name": area.name, "level": area.level.value,
                       "kind": area.kind, "parent_code": area.parent_code,
                       "team": area.team.as_dict() if area.team else None,
                       "attributes": area.attributes},
    }  # fmt: skip


def _preview_body(outcome: EditOutcome) -> dict[str, Any]:
    return {
        "ok": outcome.ok,
        "problems": outcome.problem_features(),
        "impact": outcome.impact.as_dict(),
        "areas": [_new_feature(a) for a in outcome.plan.upserts],
        "retired": list(outcome.plan.retires),
        "changes": outcome.changes(),
    }


def _check_scope(key: ApiKey, plan: EditPlan) -> None:
    for code in plan.touched:
        require_in_scope(key, code)


def _expected_versions(
    current: list[AreaRecord], sent: dict[str, int], *, preview: bool
) -> dict[str, int]:
    """The versions a multi-area write is based on: every area's, as If-Match is for one.

    A preview may leave them out (it reads the current versions); a commit may not, or an
    edit of a neighbour saved in between would be silently overwritten.
    """
    missing = [a.code for a in current if a.code not in sent]
    if missing and not preview:
        raise PreconditionRequiredError(
            f"send the version of every area you edit; missing: {', '.join(missing)}",
            field="versions",
            details={"missing": missing},
            kind="versions_missing",
            params={"missing": missing},
        )
    return {a.code: sent.get(a.code, a.version) for a in current}


def _confirmed(plan: EditPlan, options: EditOptions, *, preview: bool) -> EditPlan:
    """The plan with every version the editor sent, exact when it confirmed the whole set.

    Versions of areas the request does not name (children, clipped neighbours) are checked
    too; the ones the plan names keep the value already checked against If-Match or
    ``versions``. A preview is never exact: it is how the editor learns the set.
    """
    expected = {**options.versions, **plan.expected}
    return replace(plan, expected=expected, exact=options.exact_areas and not preview)


def _run(store: Store, key: ApiKey, plan: EditPlan, options: EditOptions, *, preview: bool,
         status: int = 200) -> JSONResponse:  # fmt: skip
    plan = _confirmed(plan, options, preview=preview)
    _check_scope(key, plan)
    if preview:
        outcome = store.preview(
            plan, adjust_neighbours=options.adjust_neighbours,
            follow_children=options.follow_children,
        )  # fmt: skip
        return JSONResponse(_preview_body(outcome))
    outcome = store.commit(
        plan, author=key.name, key_id=key.id, reason=options.reason,
        effective_at=options.effective_at, adjust_neighbours=options.adjust_neighbours,
        follow_children=options.follow_children,
    )  # fmt: skip
    assert outcome.changeset is not None
    changeset = outcome.changeset
    body = _preview_body(outcome) | {
        "changeset": {"id": changeset.id, "author": changeset.author, "reason": changeset.reason,
                      "created_at": changeset.created_at.isoformat(),
                      "effective_at": changeset.effective_at.isoformat()},
        "version": changeset.id,
    }  # fmt: skip
    headers = {"ETag": f'"{changeset.id}"'} if len(plan.upserts) == 1 else {}
    return JSONResponse(body, status_code=status, headers=headers)


@router.post("/v1/areas", status_code=201, response_model=EditAnswer, responses=ERRORS)
def create_area(body: AreaCreate, key: Editor, store: StoreDep) -> JSONResponse:
    """Create an area (validated against its parent and siblings) as one changeset.

    Without ``properties.code`` the area gets the next code its parent
    (``properties.parent_code``) never had. ``"preview": true`` checks only (200).
    """
    area = new_area_from(body.feature, code=_next_code(store, body.feature.properties))
    if area.parent_code:
        require_in_scope(key, area.code, field="feature.properties.code")
    return _run(store, key, plan_create(area), body, preview=body.preview,
                status=200 if body.preview else 201)  # fmt: skip


def _next_code(store: Store, props: dict[str, Any]) -> str | None:
    """The next code under ``parent_code`` when the feature names no code of its own."""
    parent = props.get("parent_code")
    if "code" in props or not isinstance(parent, str):
        return None
    level = level_of_code(parent, field="feature.properties.parent_code").child
    if level is None:
        raise InvalidInputError(
            "a micro-grid has no children", field="feature.properties.parent_code",
            kind="no_child_level", params={"parent": parent},
        )  # fmt: skip
    store.get_area(parent)  # 404 for a parent that does not exist
    used = store.codes_ever_used(parent)
    return next_codes(parent, level, used, 1)[0]


def _replace_plan(store: Store, code: str, body: AreaWrite, version: int | None) -> EditPlan:
    level_of_code(code)
    current = store.get_area(code)
    if version is not None and version != current.version:
        raise VersionMismatchError(
            f"area {code} has changed: you edited version {version}, the current one is "
            f"{current.version}",
            field="If-Match",
            details={"code": code, "current_version": current.version},
            kind="version_stale",
            params={"code": code, "sent": version, "current": current.version},
        )
    props = body.feature.properties
    if "code" in props and props["code"] != code:
        raise InvalidInputError("properties.code cannot change; split or create instead",
                                field="feature.properties.code", kind="code_immutable",
                                params={"code": code})  # fmt: skip
    geometry = (
        geometry_from(body.feature.geometry, field="feature.geometry")
        if body.feature.geometry is not None else None
    )  # fmt: skip
    return plan_replace(
        current, expected_version=current.version, name=props.get("name"), geometry=geometry,
        kind=props.get("kind"), attributes=props.get("attributes"),
        **({"team": team_from(props["team"])} if "team" in props else {}),
    )  # fmt: skip


@router.put("/v1/areas/{code}", response_model=EditAnswer, responses=ERRORS)
def replace_area(code: CodePath, body: AreaWrite, key: Editor, store: StoreDep,
                 if_match: IfMatch = None) -> JSONResponse:  # fmt: skip
    """Replace an area's geometry and/or attributes; needs If-Match (412 when stale)."""
    require_in_scope(key, code)
    version = version_from_etag(if_match, required=True)
    return _run(store, key, _replace_plan(store, code, body, version), body, preview=False)


@router.post("/v1/areas/{code}/preview", response_model=PreviewAnswer, responses=ERRORS)
def preview_area(code: CodePath, body: AreaWrite, key: Editor, store: StoreDep) -> JSONResponse:
    """What a replace would do: topology problems to draw and what it moves. Stores nothing."""
    require_in_scope(key, code)
    return _run(store, key, _replace_plan(store, code, body, None), body, preview=True)


@router.delete("/v1/areas/{code}", response_model=EditAnswer, responses=ERRORS)
def retire_area(
    code: CodePath,
    key: Editor,
    store: StoreDep,
    reason: Annotated[str, Query(min_length=1, max_length=2000)],
    if_match: IfMatch = None,
) -> JSONResponse:
    """Retire an area (it stays in history); refused while it has children."""
    level_of_code(code)
    require_in_scope(key, code)
    version = version_from_etag(if_match, required=True)
    plan = plan_retire(store.get_area(code), expected_version=version)
    return _run(store, key, plan, EditOptions(reason=reason), preview=False)


@router.post("/v1/areas/split", response_model=EditAnswer, responses=ERRORS)
def split_area(body: SplitRequest, key: Editor, store: StoreDep) -> JSONResponse:
    """Cut an area by a line into parts with fresh codes; children follow their part."""
    level_of_code(body.code)
    current = store.get_area(body.code)
    line = geometry_from(body.line, field="line")
    used = store.codes_ever_used(current.parent_code or "")
    if body.version is None and not body.preview:
        raise PreconditionRequiredError(
            "send the version you split (the ETag of GET /v1/areas/{code})",
            field="version",
            kind="version_missing",
            params={"code": body.code},
        )
    plan = plan_split(current, line, expected_version=body.version or current.version,
                      used_codes=used)  # fmt: skip
    return _run(store, key, plan, body, preview=body.preview)


@router.post("/v1/areas/merge", response_model=EditAnswer, responses=ERRORS)
def merge_areas(body: MergeRequest, key: Editor, store: StoreDep) -> JSONResponse:
    """Merge siblings into the one with the smallest code; the others' children move into it."""
    for index, code in enumerate(body.codes):
        level_of_code(code, field=f"codes[{index}]")
    current = [store.get_area(c) for c in body.codes]
    versions = _expected_versions(current, body.versions, preview=body.preview)
    plan = plan_merge(current, expected_versions=versions, name=body.name)
    return _run(store, key, plan, body, preview=body.preview)


@router.post("/v1/areas/boundary", response_model=EditAnswer, responses=ERRORS)
def move_boundary(body: BoundaryRequest, key: Editor, store: StoreDep) -> JSONResponse:
    """Move the boundary two siblings share: the first takes the new shape, the second the rest."""
    for index, code in enumerate(body.codes):
        level_of_code(code, field=f"codes[{index}]")
    first, second = (store.get_area(c) for c in body.codes)
    versions = _expected_versions([first, second], body.versions, preview=body.preview)
    geometry = geometry_from(body.geometry, field="geometry")
    plan = plan_move_boundary(first, second, geometry, expected_versions=versions)
    return _run(store, key, plan, body, preview=body.preview)


@router.get("/v1/editor/session", response_model=EditorSession, responses=ERRORS)
def editor_session(key: Viewer) -> dict[str, Any]:
    """Who the key is and whether it may edit: the editor says so at login, not at a save."""
    return {"name": key.name, "role": key.role.value, "scope": key.scope,
            "can_edit": key.role.allows(Role.EDITOR)}  # fmt: skip


@router.get("/v1/changesets", responses=ERRORS)
def list_changesets(key: Viewer, store: StoreDep, page: PageDep) -> dict[str, Any]:
    """Every changeset (who, when, why), newest first."""
    result = store.list_changesets(limit=page.limit, offset=page.offset)
    items = [{"id": c.id, "author": c.author, "reason": c.reason,
              "created_at": c.created_at.isoformat(), "effective_at": c.effective_at.isoformat()}
             for c in result.items]  # fmt: skip
    return {"items": items, "total": result.total, "limit": page.limit, "offset": page.offset}


@router.post("/v1/changesets/{changeset_id}/revert", response_model=EditAnswer, responses=ERRORS)
def revert_changeset(
    changeset_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: RevertRequest,
    key: Editor,
    store: StoreDep,
) -> JSONResponse:
    """Undo a changeset with a new changeset restoring the earlier state (409 if changed since)."""
    plan = store.plan_revert(changeset_id)
    return _run(store, key, plan, EditOptions(reason=body.reason), preview=False)
