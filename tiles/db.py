"""The connections tiles are read through: one round trip per tile on PostGIS.

The store's engine is built for writes: every checkout pings the server and every
transaction is opened and rolled back, three round trips around each query. A tile is one
read-only statement, so on PostGIS the tile service keeps its own small pool in autocommit
without the ping; it answers a dropped connection (a restarted server) by retrying once on
a fresh one. The embedded SQLite store needs no such thing and is used as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, func, select
from sqlalchemy.exc import DBAPIError

from geo.stores import Store
from geo.stores.schema import changesets

__all__ = ["newest_version", "read_engine", "reading"]

T = TypeVar("T")


def read_engine(store: Store, *, pool_size: int = 8) -> Engine:
    """An engine for tile reads: autocommit and no pre-ping on PostGIS, the store's elsewhere."""
    if store.backend != "postgis":
        return store.engine
    return create_engine(
        store.engine.url,
        isolation_level="AUTOCOMMIT",
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=3600,
    )


def reading(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run ``work`` on a pooled connection, once more on a fresh one if the old one died."""
    try:
        with engine.connect() as conn:
            return work(conn)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as conn:
        return work(conn)


def newest_version(conn: Connection) -> int:
    """The store's data version (as ``Store.current_version``), on the given connection."""
    return int(conn.execute(select(func.max(changesets.c.id))).scalar() or 0)
