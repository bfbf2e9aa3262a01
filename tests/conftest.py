"""Shared fixtures: stores on both backends (SQLite file and a real PostGIS), the demo city.

PostGIS tests use throw-away databases cloned from a migrated template. Locally they skip when
no server answers; in CI (``CI=true``) an unreachable PostGIS fails the run instead.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from geo.stores import Store, open_store, sqlite_url

PG_ADMIN_URL = os.environ.get("ONEMAP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgis"]
_counter = itertools.count()


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)


def _db_url(name: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def postgis_template() -> Iterator[str]:
    """A migrated, empty PostGIS database to clone; its name."""
    try:
        admin = _pg_admin()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostGIS unreachable in CI: {exc}")
        pytest.skip(f"PostGIS unreachable: {exc}")
    name = f"onemap_tmpl_{os.getpid()}"
    with admin:
        _sweep_orphans(admin)
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    store = open_store(_db_url(name))
    store.upgrade()
    store.dispose()
    yield name
    _drop(name)


def _sweep_orphans(admin: psycopg.Connection) -> None:
    """Drop databases that killed runs left behind, so they don't pile up across sessions.

    Names carry the creating pid; a database whose process is gone on this machine is an
    orphan. Only a local server is swept: a remote one may serve other machines' runs.
    """
    host = admin.info.host
    if not (host.startswith("/") or host in {"127.0.0.1", "localhost", "::1"}):
        return
    rows = admin.execute(
        "SELECT datname FROM pg_database WHERE datname ~ '^onemap_(t|tmpl)_[0-9]+'"
    ).fetchall()
    for (datname,) in rows:
        pid = int(datname.split("_")[2])
        if not _pid_alive(pid):
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(datname))
            )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop(name: str) -> None:
    with _pg_admin() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _clone(template: str) -> str:
    # The random part keeps names apart when this module is loaded twice (as pytest's
    # conftest and as tests.conftest, each with its own counter).
    name = f"onemap_t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    with _pg_admin() as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return name


def store_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[str, str | None]:
    """A URL of a new, migrated, empty store and the PostGIS database to drop afterwards."""
    if backend == "sqlite":
        return sqlite_url(tmp_path / "onemap.db"), None
    template = request.getfixturevalue("postgis_template")
    name = _clone(template)
    return _db_url(name), name


@contextmanager
def fresh_store(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A new, migrated, empty store on ``backend``, disposed of (and dropped) afterwards."""
    url, database = store_url(backend, folder, request)
    store = open_store(url)
    store.upgrade()
    try:
        yield store
    finally:
        store.dispose()
        if database:
            _drop(database)


@pytest.fixture(params=BACKENDS)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with fresh_store(request.param, tmp_path, request) as store:
        yield store


@pytest.fixture(scope="session")
def demo_city():  # type: ignore[no-untyped-def]
    """The demo-scale sample city, built once per test session."""
    from sample_data import build_city

    return build_city("demo", seed=2024)


@pytest.fixture(scope="session", params=BACKENDS)
def city_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_city
) -> Iterator[Store]:
    """A store holding the demo city, shared read-only by the tests of a session."""
    url, database = store_url(request.param, tmp_path_factory.mktemp("city"), request)
    store = open_store(url)
    store.upgrade()
    store.add_areas(demo_city.areas, author="tests", reason="demo city", operation="sample")
    store.add_addresses(demo_city.addresses, author="tests", reason="demo addresses")
    yield store
    store.dispose()
    if database:
        _drop(database)


@pytest.fixture(scope="session")
def populated_store(tmp_path_factory: pytest.TempPathFactory, demo_city) -> Iterator[Store]:
    """The demo city as ``onemap demo`` leaves it (embedded store): valid from 90 days back,
    with its edit history, department layers and thirty days of reports."""
    from datetime import timedelta

    from geo.clock import utc_now
    from sample_data import HISTORY_DAYS, populate_demo

    store = open_store(sqlite_url(tmp_path_factory.mktemp("populated") / "onemap.db"))
    store.upgrade()
    since = utc_now() - timedelta(days=HISTORY_DAYS)
    store.add_areas(demo_city.areas, author="tests", reason="demo city", operation="sample",
                    effective_at=since)  # fmt: skip
    store.add_addresses(demo_city.addresses, author="tests", reason="demo addresses",
                        effective_at=since)  # fmt: skip
    populate_demo(store, demo_city, seed=2024)
    yield store
    store.dispose()
