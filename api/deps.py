"""Request dependencies shared by the routers: the store, the settings, common parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from api.settings import Settings
from geo.areas import Bbox
from geo.errors import InvalidInputError
from geo.stores import Store

__all__ = ["AsOf", "PageParams", "SettingsDep", "StoreDep", "parse_as_of"]


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def parse_as_of(value: str | None, settings: Settings, *, field: str = "as_of") -> datetime | None:
    """An ISO 8601 time; without an offset it is read in the city's zone (Asia/Shanghai)."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(
            f"{field} must be an ISO 8601 time such as 2025-01-01T08:00:00+08:00, got {value!r}",
            field=field,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.zone)
    return moment.astimezone(UTC)


def get_as_of(
    settings: SettingsDep,
    as_of: Annotated[
        str | None,
        Query(description="ISO 8601 time: answer from the versions valid then (default: now)"),
    ] = None,
) -> datetime | None:
    return parse_as_of(as_of, settings)


AsOf = Annotated[datetime | None, Depends(get_as_of)]


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int


def get_page(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, le=100_000, description="page size")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip")] = 0,
) -> PageParams:
    size = settings.default_page_size if limit is None else limit
    if size > settings.max_page_size:
        raise InvalidInputError(f"limit must be <= {settings.max_page_size}", field="limit")
    return PageParams(size, offset)


PageDep = Annotated[PageParams, Depends(get_page)]


def get_bbox(
    bbox: Annotated[
        str | None, Query(description="west,south,east,north in lon/lat degrees (CGCS2000)")
    ] = None,
) -> Bbox | None:
    return None if bbox is None else Bbox.parse(bbox)


BboxDep = Annotated[Bbox | None, Depends(get_bbox)]
