"""Mixed dispatch load on loopback, at a constant arrival rate: one JSON object of figures.

Usage::

    python -m bench.load [--rate 1000] [--seconds 60] [--workers 2] [--clients 2]
                         [--pg postgresql://postgres@127.0.0.1:5432/test | --sqlite]
    python -m bench.load --seconds 10 --rate 200      # a short development run

It builds the demo city (``--scale city`` for all of Jiaxing) into a fresh PostGIS database of
its own (dropped afterwards; ``--sqlite`` uses an embedded file instead), serves it with
uvicorn and ``--workers`` worker processes (the app ``onemap serve --workers N`` runs; access
log off, as behind a real proxy), builds each worker's geocoder before it takes requests, and
drives this mix:

* 80 % ``GET /v1/locate`` of phone points near real buildings (GCJ-02 mostly, some BD-09 and
  WGS84), 15 % ``POST /v1/geocode`` of noisy address text, 5 % ``POST /v1/reports`` (point,
  address, both or neither), all from ``bench/reports_data.accuracy_sample``.

The load is open-loop: request *i* is due at ``start + i / rate`` whatever happened to earlier
ones, and its latency is counted from that due time, so a slow server cannot hide queueing
behind a waiting client (no coordinated omission). ``client_lag_ms`` says how late the
generator itself started requests (before any wait for a free connection, which counts as
latency): when its p99 is more than a few ms the generator, not the
server, was the limit (run with more ``--clients`` or on another machine). Requests are sent
by ``--clients`` processes, each an asyncio loop over a bounded pool of keep-alive
connections (answers parsed by httptools, as in uvicorn).

After ``--warmup`` seconds of the same load (not measured) the server's RSS (supervisor and
workers, by psutil) is taken; again at the end. Targets (issue 6): at 1,000 req/s p99 <= 50 ms,
error rate 0, memory growth <= 10 %.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

import httptools
import httpx
import numpy as np
import orjson
import psutil

from bench.reports_data import accuracy_sample
from geo.access import Role
from geo.stores import Store, open_store, sqlite_url

REPO = Path(__file__).resolve().parents[1]
KINDS = ("locate", "geocode", "report")
MIX = (0.80, 0.15, 0.05)
TARGETS = {"rate": 1000, "p99_ms": 50.0, "error_rate": 0.0, "memory_growth_pct": 10.0}
# One request as the clients send it: kind index, method, path with query, body bytes or None.
Request = tuple[int, str, str, bytes | None]


def requests_for(city: Any, n: int, seed: int = 17) -> list[Request]:
    """``n`` requests in the 80/15/5 mix, in a random but reproducible order."""
    samples = accuracy_sample(city, n=n, seed=seed)
    points = [s.body["point"] for s in samples if "point" in s.body]
    texts = [s.body["address"] for s in samples if "address" in s.body]
    rng = np.random.default_rng(seed)
    out: list[Request] = []
    for i, kind in enumerate(rng.choice(3, size=n, p=MIX).tolist()):
        if kind == 0:
            query = urlencode(points[i % len(points)])
            out.append((0, "GET", f"/v1/locate?{query}", None))
        elif kind == 1:
            body = orjson.dumps({"address": texts[i % len(texts)], "limit": 1})
            out.append((1, "POST", "/v1/geocode", body))
        else:
            out.append((2, "POST", "/v1/reports", orjson.dumps(samples[i].body)))
    return out


# -- the store and the server ----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def bench_store(pg: str | None, work: Path) -> Iterator[Store]:
    """A fresh store: a PostGIS database next to ``pg`` (dropped after), or a SQLite file."""
    if pg is None:
        store = open_store(sqlite_url(work / "onemap.db"))
        store.upgrade()
        yield store
        store.dispose()
        return
    import psycopg
    from psycopg import sql

    name = f"onemap_bench_load_{os.getpid()}"
    with psycopg.connect(pg, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    store = open_store(pg.rsplit("/", 1)[0] + "/" + name)
    try:
        store.upgrade()
        yield store
    finally:
        store.dispose()
        with psycopg.connect(pg, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def serve(store: Store, work: Path, workers: int) -> Iterator[tuple[str, psutil.Process]]:
    """uvicorn with ``workers`` processes over ``store``; each worker's geocoder built first."""
    port = free_port()
    env = {
        **os.environ,
        "ONEMAP_DATABASE_URL": "" if store.backend == "sqlite" else store.url,
        "ONEMAP_DATA_DIR": str(work),
        "ONEMAP_GEOCODE_WAIT_ON_START": "true",
        "ONEMAP_RATE_LIMIT_PER_SECOND": "1000000",
        "ONEMAP_RATE_LIMIT_BURST": "1000000",
        "ONEMAP_DB_POOL_SIZE": "16",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:app_from_env",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, ready = time.monotonic() + 600, 0
        while ready < 4 * workers:  # several answers in a row: every worker is up
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not become ready")
            try:
                ok = httpx.get(f"{base}/readyz", timeout=5).status_code == 200
            except httpx.TransportError:
                ok = False
            ready = ready + 1 if ok else 0
            time.sleep(0.05 if ok else 0.5)
        yield base, psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait(60)


def server_rss_mb(server: psutil.Process) -> float:
    """Resident memory of the supervisor and all its worker processes, in MB."""
    total = 0
    for proc in [server, *server.children(recursive=True)]:
        with suppress(psutil.NoSuchProcess):  # a worker that just exited
            total += proc.memory_info().rss
    return round(total / 2**20, 1)


# -- the load generator --------------------------------------------------------------------------
class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time; responses parsed by httptools.

    httpx's async pool could not keep up: sending 200 req/s to ``/healthz`` it reported
    seconds of latency where ``wrk`` got 580 req/s from the same server. The generator must
    cost far less than the server it measures (it shares its two cores), so requests are
    pre-encoded bytes written to a socket, answers are parsed by the same C parser uvicorn
    uses, and each answer is recorded by a callback: no task, future or ``wait_for`` per
    request.
    """

    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.request: tuple[int, float, float] | None = None  # kind, due, started
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport, but behave as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.close()

    def on_message_complete(self) -> None:  # called by the parser
        self._answer(self.parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._answer(0)
        self.pool.lost(self)

    def send(self, raw: bytes, kind: int, due: float, started: float) -> None:
        assert self.transport is not None
        self.request = (kind, due, started)
        self.timer = self.pool.loop.call_later(TIMEOUT_S, self.close)  # no answer: status 0
        self.transport.write(raw)

    def _answer(self, status: int) -> None:
        if self.request is None:
            return
        if self.timer is not None:
            self.timer.cancel()
        kind, due, started = self.request
        self.request = None
        self.pool.answered(self, kind, status, due, started)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()  # connection_lost answers an open request with 0


TIMEOUT_S = 10.0


class _Pool:
    """Up to ``size`` connections; a request finding none free waits in line (counted as
    latency, from its due time) and goes out on the next connection to come free."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.host, self.port, self.size = host, port, size
        self.idle: list[_Connection] = []
        self.line: deque[tuple[bytes, int, float, float]] = deque()
        self.opened = 0
        self.rows: list[tuple[int, int, float, float]] = []
        self.expected = 0  # requests to answer before the run is over
        self.drained = asyncio.Event()

    def dispatch(self, raw: bytes, kind: int, due: float) -> None:
        started = time.monotonic()
        if self.idle:
            self.idle.pop().send(raw, kind, due, started)
            return
        self.line.append((raw, kind, due, started))
        if self.opened < self.size:
            self.opened += 1
            self.loop.create_task(self._open())

    async def _open(self) -> None:
        try:
            _, conn = await self.loop.create_connection(
                lambda: _Connection(self), self.host, self.port
            )
        except OSError:
            self.opened -= 1
            if self.line:  # no connection for the first in line: an error like a 5xx
                _, kind, due, started = self.line.popleft()
                self._record(kind, 0, due, started)
            return
        if not conn.closed:
            self.ready(conn)

    def ready(self, conn: _Connection) -> None:
        while self.line:
            raw, kind, due, started = self.line.popleft()
            if time.monotonic() - started > TIMEOUT_S:  # waited too long for a connection
                self._record(kind, 0, due, started)
                continue
            conn.send(raw, kind, due, started)
            return
        self.idle.append(conn)

    def answered(
        self, conn: _Connection, kind: int, status: int, due: float, started: float
    ) -> None:
        self._record(kind, status, due, started)
        if status == 0 or conn.closed:
            conn.close()
        else:
            self.ready(conn)

    def lost(self, conn: _Connection) -> None:
        self.opened -= 1
        if conn in self.idle:
            self.idle.remove(conn)
        if self.line and self.opened < self.size:  # someone waits: replace the connection
            self.opened += 1
            self.loop.create_task(self._open())

    def _record(self, kind: int, status: int, due: float, started: float) -> None:
        self.rows.append((kind, status, (time.monotonic() - due) * 1e3, (started - due) * 1e3))
        if len(self.rows) == self.expected:
            self.drained.set()


def encode(request: Request, key: str) -> tuple[int, bytes]:
    kind, method, path, body = request
    length = len(body or b"")
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n")  # fmt: skip
    return kind, head.encode() + (body or b"")


def _client(job: dict[str, Any]) -> np.ndarray:
    """One generator process: sends its share of the arrivals; rows of (kind, status, ms, lag)."""
    with suppress(ImportError):
        import uvloop

        uvloop.install()
    return asyncio.run(_arrivals(**job))


async def _arrivals(
    base: str, key: str, requests: list[Request], start: float, rate: float, seconds: float,
    index: int, clients: int, connections: int,
) -> np.ndarray:  # fmt: skip
    host, port = base.removeprefix("http://").split(":")
    encoded = [encode(r, key) for r in requests]
    pool = _Pool(host, int(port), connections)
    loop = asyncio.get_running_loop()
    # Every arrival is a timer set up front (the loop's clock is time.monotonic): cheaper
    # than a sleep per arrival, and a late timer still records the due time it had.
    arrivals = range(index, int(seconds * rate), clients)
    for i in arrivals:
        kind, raw = encoded[i % len(encoded)]
        due = start + i / rate
        loop.call_at(due, pool.dispatch, raw, kind, due)
    pool.expected = len(arrivals)
    if arrivals:
        await pool.drained.wait()
    for conn in pool.idle:
        conn.close()
    return np.array(pool.rows, dtype=np.float64).reshape(-1, 4)


def drive(
    base: str, key: str, requests: list[Request], *, rate: float, seconds: float,
    clients: int, connections: int,
) -> tuple[np.ndarray, float]:  # fmt: skip
    """Run the open-loop load; all result rows and the wall time until the last answer."""
    start = time.monotonic() + 1.0  # the same moment for every process (system-wide clock)
    jobs = [
        dict(base=base, key=key, requests=requests, start=start, rate=rate, seconds=seconds,
             index=i, clients=clients, connections=connections)
        for i in range(clients)
    ]  # fmt: skip
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        parts = pool.map(_client, jobs)
    return np.concatenate(parts), time.monotonic() - start


def _percentiles(ms: np.ndarray) -> dict[str, float]:
    if ms.size == 0:
        return {"n": 0}
    p50, p99 = np.percentile(ms, [50, 99])
    return {"n": int(ms.size), "p50_ms": round(float(p50), 2), "p99_ms": round(float(p99), 2),
            "max_ms": round(float(ms.max()), 2)}  # fmt: skip


def figures(rows: np.ndarray, wall: float, rate: float, seconds: float) -> dict[str, Any]:
    kind, status, latency, lag = rows.T
    ok = (status >= 200) & (status < 300)
    by_status = {str(int(s)): int(n) for s, n in zip(*np.unique(status, return_counts=True),
                                                      strict=True)}  # fmt: skip
    return {
        "target_rate": rate,
        "achieved_rate": round(len(rows) / wall, 1),
        "seconds": seconds,
        "requests": len(rows),
        "latency_from_due_time": {
            "all": _percentiles(latency),
            **{name: _percentiles(latency[kind == i]) for i, name in enumerate(KINDS)},
        },
        "errors": {
            "rate": round(float((~ok).mean()), 6) if len(rows) else 0.0,
            "non_2xx": int((~ok).sum()),
            "5xx": int(((status >= 500) & (status < 600)).sum()),
            "no_answer": int((status == 0).sum()),
            "by_status": by_status,
        },
        "client_lag_ms": _percentiles(lag),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured duration")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured load first")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=2, help="load generator processes")
    parser.add_argument("--connections", type=int, default=64, help="per generator process")
    parser.add_argument("--scale", choices=["demo", "city"], default="demo")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite", action="store_true", help="the embedded store instead")
    args = parser.parse_args(argv)

    from sample_data import build_city

    city = build_city(args.scale, seed=2024)
    requests = requests_for(city, 20_000)
    with tempfile.TemporaryDirectory(prefix="onemap-load-") as tmp, \
            bench_store(None if args.sqlite else args.pg, Path(tmp)) as store:  # fmt: skip
        store.add_areas(city.areas, author="bench", reason="load", operation="sample")
        store.add_addresses(city.addresses, author="bench", reason="load")
        key = store.create_key(name="load", role=Role.DISPATCHER)[1]
        with serve(store, Path(tmp), args.workers) as (base, server):
            common = dict(rate=args.rate, clients=args.clients, connections=args.connections)
            drive(base, key, requests[::-1], seconds=args.warmup, **common)
            rss_start = server_rss_mb(server)
            rows, wall = drive(base, key, requests, seconds=args.seconds, **common)
            rss_end = server_rss_mb(server)
        result = figures(rows, wall, args.rate, args.seconds)
        result |= {
            "store": store.backend, "scale": args.scale, "workers": args.workers,
            "clients": args.clients, "mix": dict(zip(KINDS, MIX, strict=True)),
            "server_rss_mb": {"start": rss_start, "end": rss_end,
                              "growth_pct": round(100 * (rss_end - rss_start) / rss_start, 1)},
            "load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
            "targets": TARGETS,
        }  # fmt: skip
        # The targets are stated at 1,000 req/s: a slower run says nothing about them.
        result["targets_met"] = args.rate >= TARGETS["rate"] and (
            result["achieved_rate"] >= 0.98 * args.rate
            and result["latency_from_due_time"]["all"].get("p99_ms", 0) <= TARGETS["p99_ms"]
            and result["errors"]["rate"] <= TARGETS["error_rate"]
            and result["server_rss_mb"]["growth_pct"] <= TARGETS["memory_growth_pct"]
        )
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
