"""Pieces the benchmarks share: a throwaway PostGIS database and the machine's load."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["bench_database", "load_average"]


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, printed with every figure: a busy machine
    explains a slow one."""
    return [round(v, 2) for v in os.getloadavg()]


@contextmanager
def bench_database(admin_url: str, prefix: str = "onemap_bench") -> Iterator[str]:
    """A fresh database beside ``admin_url``'s for one run, dropped afterwards."""
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
