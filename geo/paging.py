"""One page of a long list, as every listing of the store returns it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Page"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the number of matches over all pages."""

    items: list[T]
    total: int
    limit: int
    offset: int
