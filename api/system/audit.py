"""The append-only audit log of every write, for administrators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.auth import Admin
from api.deps import PageDep, StoreDep
from api.schemas import ErrorBody

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditPage(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


@router.get(
    "", response_model=AuditPage, responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}}
)
def list_audit(
    key: Admin,
    store: StoreDep,
    page: PageDep,
    target: Annotated[
        str | None, Query(max_length=200, description="an area code or key id")
    ] = None,
) -> AuditPage:
    """Who wrote what and when, newest first; entries can never be changed or deleted."""
    result = store.list_audit(limit=page.limit, offset=page.offset, target=target)
    return AuditPage(
        items=list(result.items), total=result.total, limit=page.limit, offset=page.offset
    )
