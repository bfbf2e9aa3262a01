"""Vector tile benchmark at city scale on PostGIS: onemap against tipg, as one JSON object.

Usage::

    python -m bench.tiles [--pg postgresql://postgres@127.0.0.1:5432/test] [--seconds 10]
                          [--database onemap_bench_tiles] [--fresh]

It loads the ``city`` sample (92,000 micro-grids, 1.2 M addresses) into its own database (kept
between runs; ``--fresh`` reloads), then serves the same fixed tile list from onemap and from
tipg (``pip install tipg``; its own uvicorn, pointed at views over the same ``areas`` table),
both with 2 workers on loopback: p50/p99 per tile for z10-z16 (one connection, tiles one
after another), then tiles/s at concurrency 8 over 200 micro-grid tiles z14-z16 (wrk).
"Cold" is onemap with its tile cache off, so every tile is rendered by PostGIS; "warm" is
with the cache on after one pass. Last, the time headless Chromium takes to load ``/map``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from geo.access import Role
from geo.areas import Level
from geo.stores import Store, open_store
from tiles import Tile
from tiles.tms import LonLatBox, tiles_covering

REPO = Path(__file__).resolve().parents[1]
ZOOM_LAYERS = {
    10: "communities",
    11: "communities",
    12: "grids",
    13: "micro_grids",
    14: "micro_grids",
    15: "micro_grids",
    16: "micro_grids",
}
TILES_PER_ZOOM = 30
THROUGHPUT_TILES = 200
CONCURRENCY = 8
TARGETS = {"cold_vs_tipg": 1.5, "warm_vs_tipg": 20.0, "map_load_s": 3.0}
CHROMIUM = "/usr/bin/chromium"


# -- data ----------------------------------------------------------------------------------------
def ensure_city(admin_url: str, name: str, *, fresh: bool) -> tuple[str, dict[str, int]]:
    """The URL of a database holding the city sample, loading it if missing or ``fresh``."""
    base = admin_url.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not fresh:
            store = open_store(url)
            counts = store.counts()
            store.dispose()
            if counts["micro_grid"] > 50_000 and counts["addresses"] > 1_000_000:
                return url, counts
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    from sample_data import build_city

    city = build_city("city", seed=2024)
    store = open_store(url)
    store.upgrade()
    store.add_areas(city.areas, author="bench", reason="city sample", operation="sample")
    store.add_addresses(city.addresses, author="bench", reason="city addresses")
    counts = store.counts()
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    store.dispose()
    return url, counts


def create_tipg_views(url: str) -> None:
    """One view per layer over the same table, as a tipg user would publish it."""
    with psycopg.connect(url, autocommit=True) as conn:
        for layer, level in (
            ("communities", "community"),
            ("grids", "grid"),
            ("micro_grids", "micro_grid"),
        ):
            conn.execute(
                f"CREATE OR REPLACE VIEW bench_{layer} AS SELECT row_id, code, name, level, "
                f"kind, geom FROM areas WHERE level = '{level}' AND valid_to IS NULL"
            )


def fixed_tiles(store: Store, seed: int = 7) -> tuple[dict[int, list[Tile]], list[Tile]]:
    """Tiles over where each zoom's layer has features, and the 200-tile throughput list."""
    rng = random.Random(seed)
    centres: dict[str, list[tuple[float, float]]] = {}
    for layer, level in (
        ("communities", Level.COMMUNITY),
        ("grids", Level.GRID),
        ("micro_grids", Level.MICRO_GRID),
    ):
        points = [a.geometry.representative_point() for a in store.current_areas(level)]
        centres[layer] = [(p.x, p.y) for p in points]
    by_zoom: dict[int, list[Tile]] = {}
    for z, layer in ZOOM_LAYERS.items():
        # Drawn with repeats: a z10 view of the city has only a dozen tiles, and weighting by
        # features makes busy tiles count as often as a map viewer meets them.
        drawn = []
        for _ in range(TILES_PER_ZOOM):
            lon, lat = rng.choice(centres[layer])
            columns, rows = tiles_covering(LonLatBox(lon, lat, lon, lat), z)
            drawn.append(Tile(z, columns[0], rows[0]))
        by_zoom[z] = drawn
    throughput: set[Tile] = set()
    while len(throughput) < THROUGHPUT_TILES:
        lon, lat = rng.choice(centres["micro_grids"])
        z = rng.choice((14, 15, 16))
        columns, rows = tiles_covering(LonLatBox(lon, lat, lon, lat), z)
        throughput.add(Tile(z, columns[0], rows[0]))
    return by_zoom, sorted(throughput, key=lambda t: (t.z, t.x, t.y))


# -- serving -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: list[str], env: dict[str, str], probe: str, port: int) -> Iterator[None]:
    """uvicorn with 2 workers on loopback until ``probe`` answers; stopped by pid on exit."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        *app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 600
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {' '.join(app)}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", probe)
                if conn.getresponse().status < 500:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        time.sleep(5)  # the second worker finishes its start-up too
        yield
    finally:
        process.terminate()
        process.wait(60)


def latencies_ms(port: int, paths: list[str], headers: dict[str, str]) -> list[float]:
    """Time of each GET, one after another on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times = []
    for path in paths:
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - start) * 1e3)
        if response.status >= 400:
            raise RuntimeError(f"{path}: HTTP {response.status}")
    conn.close()
    return times


def percentiles(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p99_ms": round(float(np.percentile(times, 99)), 2),
    }


def wrk(port: int, paths: list[str], headers: dict[str, str], seconds: float) -> dict[str, float]:
    """Tiles/s at :data:`CONCURRENCY` connections cycling over ``paths``."""
    listed = ",".join(json.dumps(p) for p in paths)
    script = (
        f"local p = {{{listed}}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n"
        '  return wrk.format("GET", p[(i % #p) + 1])\nend\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    command = ["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{max(1, round(seconds))}s", "-s", f.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    run = subprocess.run(
        [*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=False
    )
    os.unlink(f.name)
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed: {run.stderr.strip() or run.stdout.strip()}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", run.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", run.stdout)
    assert rate is not None, run.stdout
    return {
        "tiles_per_s": round(float(rate.group(1)), 1),
        "errors": int(errors.group(1)) if errors else 0,
    }


def per_zoom(
    port: int, by_zoom: dict[int, list[Tile]], path: Any, headers: dict[str, str]
) -> dict[str, dict[str, float]]:
    return {
        str(z): percentiles(latencies_ms(port, [path(ZOOM_LAYERS[z], t) for t in tiles], headers))
        for z, tiles in by_zoom.items()
    }


def warm_up(
    port: int, busy: list[str], by_zoom: dict[int, list[Tile]], path: Any, headers: dict[str, str]
) -> None:
    """Fill both workers' caches: each keep-alive connection stays with one worker."""
    everything = busy + [path(ZOOM_LAYERS[z], t) for z, tiles in by_zoom.items() for t in tiles]
    for _ in range(12):  # a new connection each time lands on either worker
        latencies_ms(port, everything, headers)


# -- the page ------------------------------------------------------------------------------------
def map_load_seconds(base: str, key: str) -> dict[str, float]:
    """Seconds until the last request of ``/map`` ends, first visit and second, in Chromium."""
    from playwright.sync_api import sync_playwright

    script = "Math.max(...performance.getEntriesByType('resource').map(e => e.responseEnd))"
    out: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith(base) or r.request.url.startswith("data:")
                else r.abort()
            ),
        )
        for visit in ("first_visit_s", "second_visit_s"):
            page = context.new_page()
            page.goto(f"{base}/map?key={key}")
            page.wait_for_selector("body[data-onemap-ready=true]")
            page.wait_for_load_state("networkidle")
            out[visit] = round(float(page.evaluate(script)) / 1e3, 3)
            page.close()
        browser.close()
    return out


# -- main ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default="onemap_bench_tiles")
    parser.add_argument("--fresh", action="store_true", help="reload the city sample")
    parser.add_argument("--seconds", type=float, default=10.0, help="per throughput run")
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = time.monotonic()
    url, counts = ensure_city(args.pg, args.database, fresh=args.fresh)
    create_tipg_views(url)
    store = open_store(url)
    by_zoom, busy = fixed_tiles(store)
    version = store.current_version()
    _, key = store.create_key(name="bench-tiles", role=Role.DISPATCHER)
    store.dispose()

    auth = {"X-API-Key": key}
    ours = ["--factory", "api.app:app_from_env"]
    env = {
        "ONEMAP_DATABASE_URL": url,
        "ONEMAP_MIGRATE_ON_START": "false",
        "ONEMAP_RATE_LIMIT_PER_SECOND": "10000000",
        "ONEMAP_RATE_LIMIT_BURST": "10000000",
        "ONEMAP_DB_POOL_SIZE": "10",
        "ONEMAP_GEOCODE_WARM_ON_START": "false",
        "ONEMAP_GEOCODE_WAIT_ON_START": "false",
    }

    def onemap_path(layer: str, t: Tile) -> str:
        return f"/tiles/{layer}/{t.z}/{t.x}/{t.y}.mvt?v={version}"

    def tipg_path(layer: str, t: Tile) -> str:
        return f"/collections/public.bench_{layer}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}"

    busy_ours = [onemap_path("micro_grids", t) for t in busy]
    busy_tipg = [tipg_path("micro_grids", t) for t in busy]
    result: dict[str, Any] = {}
    port = free_port()
    with serve(ours, {**env, "ONEMAP_TILE_CACHE_MB": "0"}, "/healthz", port):
        per_zoom(port, by_zoom, onemap_path, auth)  # the database's own caches warm up
        result["onemap_cold"] = {
            "latency": per_zoom(port, by_zoom, onemap_path, auth),
            "throughput": wrk(port, busy_ours, auth, args.seconds),
        }
    port = free_port()
    with serve(ours, {**env, "ONEMAP_TILE_CACHE_MB": "512"}, "/healthz", port):
        warm_up(port, busy_ours, by_zoom, onemap_path, auth)
        result["onemap_warm"] = {
            "latency": per_zoom(port, by_zoom, onemap_path, auth),
            "throughput": wrk(port, busy_ours, auth, args.seconds),
        }
    port = free_port()
    tipg_env = {
        "DATABASE_URL": url,
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_TILE_BUFFER": "64",
    }
    with serve(["tipg.main:app"], tipg_env, "/collections", port):
        per_zoom(port, by_zoom, tipg_path, {})
        result["tipg"] = {
            "latency": per_zoom(port, by_zoom, tipg_path, {}),
            "throughput": wrk(port, busy_tipg, {}, args.seconds),
        }
    port = free_port()
    with serve(ours, {**env, "ONEMAP_TILE_CACHE_MB": "512"}, "/healthz", port):
        result["map_load"] = map_load_seconds(f"http://127.0.0.1:{port}", key)

    tipg_rate = result["tipg"]["throughput"]["tiles_per_s"]
    cold = result["onemap_cold"]["throughput"]["tiles_per_s"] / tipg_rate
    warm = result["onemap_warm"]["throughput"]["tiles_per_s"] / tipg_rate
    print(
        json.dumps(
            {
                "benchmark": "vector tiles, city scale, PostGIS",
                "machine": {
                    "cpus": os.cpu_count(),
                    "load_before": [round(x, 2) for x in load_before],
                    "load_after": [round(x, 2) for x in os.getloadavg()],
                },
                "data": counts,
                "tiles": {
                    "latency": f"{TILES_PER_ZOOM} tiles per zoom z10-z16 (drawn with repeats), "
                    f"layers {ZOOM_LAYERS}",
                    "throughput": f"{THROUGHPUT_TILES} micro_grids tiles z14-z16, "
                    f"concurrency {CONCURRENCY}, {args.seconds:g} s, 2 workers each",
                },
                **result,
                "ratios": {"cold_vs_tipg": round(cold, 2), "warm_vs_tipg": round(warm, 2)},
                "targets": {
                    **TARGETS,
                    "met": {
                        "cold_vs_tipg": cold >= TARGETS["cold_vs_tipg"],
                        "warm_vs_tipg": warm >= TARGETS["warm_vs_tipg"],
                        "map_load_s": result["map_load"]["first_visit_s"] <= TARGETS["map_load_s"],
                    },
                },
                "elapsed_s": round(time.monotonic() - started, 1),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
