"""Response models every capability shares: errors and teams.

They document the API in OpenAPI and tests validate bodies against them; each capability
keeps its own models beside its router.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ErrorBody", "ErrorDetail", "TeamModel"]


class TeamModel(BaseModel):
    name: str
    leader: str | None = None
    phone: str | None = Field(default=None, description="masked, e.g. 138****1234")


class ErrorDetail(BaseModel):
    code: str = Field(description="the class of error, stable (e.g. invalid_input, forbidden)")
    kind: str | None = Field(
        default=None,
        description="the exact situation, stable (e.g. split_line_misses); see the README",
    )
    message: str = Field(description="in English, for logs and developers")
    params: dict[str, Any] = Field(
        default_factory=dict, description="the values a translated message needs"
    )
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail
