"""Which database errors mean "the store is down" (503 + Retry-After) and which are bugs (500)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from api.errors import store_is_down


def _cut(cls: type[DBAPIError], *, invalidated: bool = False) -> DBAPIError:
    return cls("SELECT 1", {}, Exception("server closed the connection"),
               connection_invalidated=invalidated)  # fmt: skip


@pytest.mark.parametrize(
    ("error", "down"),
    [
        (_cut(OperationalError), True),  # refused, shutting down, starting up, cut mid-query
        (_cut(InterfaceError), True),  # the connection was found closed
        (_cut(DBAPIError, invalidated=True), True),  # any error after which SQLAlchemy dropped it
        (PoolTimeoutError("no connection free in time"), True),
        (_cut(ProgrammingError), False),  # a bad query is our bug: 500, logged
        (_cut(IntegrityError), False),
    ],
)
def test_connection_failures_are_unavailability(error: Exception, down: bool) -> None:
    assert store_is_down(error) is down
