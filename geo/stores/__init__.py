"""Opening a store from a database URL: PostGIS for ``postgresql://``, else embedded SQLite."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from geo.errors import InvalidInputError
from geo.stores.base import ADDRESS_COLUMNS, ProgressFn, Store
from geo.stores.postgis import PostgisStore
from geo.stores.sqlite import SqliteStore

__all__ = [
    "ADDRESS_COLUMNS",
    "PostgisStore",
    "ProgressFn",
    "SqliteStore",
    "Store",
    "open_store",
    "sqlite_url",
]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        # WAL lets API readers go on while a writer commits; foreign keys are off by default.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def open_store(url: str, *, pool_size: int = 5) -> Store:
    """Open (but do not migrate) the store behind a SQLAlchemy-style URL."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise InvalidInputError(f"not a database URL: {url!r}", field="database_url") from exc
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        # Disconnects are handled optimistically, not by pinging before every checkout: the
        # ping is a round trip per transaction (a tenth of a report's CPU, and half the wait
        # of intake threads under load) to guard against an event of once a month. After a
        # restart the first statement on a stale connection fails; SQLAlchemy then discards
        # every connection pooled before it, and the API answers that one request 503 with
        # Retry-After (api.errors.store_is_down). pool_recycle retires connections before
        # idle timeouts of a proxy or firewall can cut them. A short connect timeout turns an
        # unreachable server into a quick 503 instead of a request hung for minutes.
        engine = create_engine(parsed, pool_size=pool_size, pool_pre_ping=False,
                               pool_recycle=1800, connect_args={"connect_timeout": 5})  # fmt: skip
        return PostgisStore(engine)
    if parsed.get_backend_name() == "sqlite":
        return SqliteStore(_sqlite_engine(url))
    raise InvalidInputError(
        f"unsupported database {parsed.get_backend_name()!r}; use postgresql:// or sqlite:///",
        field="database_url",
    )
