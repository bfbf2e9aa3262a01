"""Point-in-grid benchmark at city scale (~92,000 micro-grids): one JSON object of figures.

Usage::

    python -m bench.locate [--pg postgresql://postgres@127.0.0.1:5432/test] [--seconds 10]

Measured in one run, on the same points:

* in-process batch throughput of the locator (all five levels) against a raw Shapely STRtree
  query, ``geopandas.sjoin`` and a PostGIS ``ST_Covers`` join (micro-grid level only, the
  easier question);
* HTTP single-point throughput and p50/p99 latency with ``wrk`` (concurrency 32, uvicorn with
  2 workers on loopback) for ``/v1/locate``, for a FastAPI endpoint that does nothing, and for
  a FastAPI endpoint answering from PostGIS ``ST_Covers`` per request with a connection pool
  (all five levels, and the micro-grid level alone);
  concurrency-1 latency of ``/v1/locate``;
* HTTP batch throughput for 100,000 points (``fields=codes``), body sent to answer received;
* index build time and memory.

It creates (and drops) a PostGIS database of its own next to the one ``--pg`` names.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.harness import bench_database, load_average

REPO = Path(__file__).resolve().parents[1]
PORT = 0  # set to a free loopback port by main()
SECONDS = 10.0
FloatArray = npt.NDArray[np.float64]


# -- the two baseline apps, served by uvicorn --factory -------------------------------------
def noop_app() -> Any:
    """A FastAPI endpoint that does nothing: the framework's ceiling."""
    from fastapi import FastAPI, Response

    app = FastAPI()
    answer = b'{"covered":false,"areas":{},"version":0}'

    @app.get("/v1/locate")
    async def locate(lon: float, lat: float) -> Response:
        return Response(answer, media_type="application/json")

    return app


def postgis_app(levels: str = "") -> Any:
    """The obvious alternative: ST_Covers in PostGIS for every request, pooled connections.

    All five levels by default (the question /v1/locate answers); ``levels`` narrows it.
    """
    from fastapi import FastAPI, Response
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["BENCH_PG_URL"], pool_size=20, max_overflow=0)
    query = text(
        "SELECT level, code, name, kind, team FROM areas WHERE valid_to IS NULL AND "
        "ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4490))"
        f"{levels} ORDER BY level, code"
    )
    app = FastAPI()

    @app.get("/v1/locate")
    def locate(lon: float, lat: float) -> Response:
        with engine.connect() as conn:
            rows = conn.execute(query, {"lon": lon, "lat": lat}).all()
        areas: dict[str, Any] = {}
        for level, code, name, kind, team in rows:
            areas.setdefault(level, {"code": code, "name": name, "kind": kind, "team": team})
        body = {"covered": bool(areas), "areas": areas, "version": 0}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")

    return app


def postgis_micro_app() -> Any:
    """:func:`postgis_app` for the micro-grid level only: one small polygon per point."""
    return postgis_app(" AND level = 'micro_grid'")


# -- helpers ------------------------------------------------------------------------------------
def best_rate(fn: Callable[[], object], n: int, repeat: int = 3) -> float:
    """Items per second of the fastest of ``repeat`` runs of ``fn`` over ``n`` items."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return n / min(times)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def random_points(bounds: tuple[float, float, float, float], n: int, seed: int) -> FloatArray:
    west, south, east, north = bounds
    return np.random.default_rng(seed).uniform([west, south], [east, north], size=(n, 2))


# -- PostGIS ------------------------------------------------------------------------------------


def analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def postgis_join_rate(url: str, points: FloatArray) -> float:
    """Points per second of a PostGIS ST_Covers join of a point table with the micro-grids."""
    import psycopg
    import shapely

    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE pts (id int, geom geometry(Point, 4490))")
        geoms = shapely.set_srid(shapely.points(points), 4490)
        with conn.cursor().copy("COPY pts (id, geom) FROM STDIN") as copy:
            for i, wkb in enumerate(shapely.to_wkb(geoms, hex=True, include_srid=True)):
                copy.write_row((i, wkb))
        conn.execute("CREATE INDEX ON pts USING gist (geom)")
        conn.execute("ANALYZE pts")
        sql = (
            "SELECT p.id, min(a.code) FROM pts p JOIN areas a ON a.level = 'micro_grid' "
            "AND a.valid_to IS NULL AND ST_Covers(a.geom, p.geom) GROUP BY p.id"
        )
        return best_rate(lambda: conn.execute(sql).fetchall(), points.shape[0], repeat=2)


# -- HTTP ----------------------------------------------------------------------------------------
@contextmanager
def serve(target: str, env: dict[str, str]) -> Iterator[None]:
    """uvicorn with 2 workers on loopback, until /healthz answers; stopped on exit."""
    command = [
        sys.executable, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1",
        "--port", str(PORT), "--workers", "2", "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                conn.request("GET", "/v1/locate?lon=120.7&lat=30.7")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(3)  # let the second worker finish its start-up too
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn {target} exited with {process.returncode}")
        yield
    finally:
        process.terminate()
        process.wait(30)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def wrk(path: str, points: FloatArray, *, connections: int, seconds: float,
        headers: dict[str, str]) -> dict[str, float]:  # fmt: skip
    """Requests/s and latency percentiles of GET ``path`` cycling over ``points``."""
    queries = ",".join(f'"lon={x:.7f}&lat={y:.7f}"' for x, y in points)
    script = (
        f"local q = {{{queries}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        f'  return wrk.format("GET", "{path}?" .. q[(i % #q) + 1])\nend\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        f.name,
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{PORT}")
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed: {run.stderr.strip() or run.stdout.strip()}")
    out = run.stdout
    os.unlink(f.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"50%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def http_batch_rate(points: FloatArray, key: str, repeat: int = 5) -> dict[str, float]:
    """Points per second of POST /v1/locate/batch?fields=codes, body sent to answer read."""
    body = json.dumps({"crs": "wgs84", "points": points.round(7).tolist()}).encode()
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    times = []
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    for _ in range(repeat + 1):
        start = time.perf_counter()
        conn.request("POST", "/v1/locate/batch?fields=codes", body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        times.append(time.perf_counter() - start)
        assert response.status == 200, answer[:300]
    conn.close()
    best, median = min(times[1:]), float(np.median(times[1:]))
    return {
        "points": points.shape[0],
        "points_per_s": points.shape[0] / median,
        "best_points_per_s": points.shape[0] / best,
        "median_ms": median * 1e3,
        "response_mb": len(answer) / 1e6,
    }


# -- main ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args()
    global PORT
    with socket.socket() as probe:  # a free port, so another engineer's server is not hit
        probe.bind(("127.0.0.1", 0))
        PORT = probe.getsockname()[1]

    import geopandas as gpd
    import shapely

    from geo.access import Role
    from geo.areas import Level
    from geo.locate import Locator
    from geo.stores import open_store
    from sample_data import build_city

    result: dict[str, Any] = {"benchmark": "locate", "load_average_start": load_average()}
    started = time.perf_counter()
    city = build_city("city", seed=2024)
    result["sample_city_build_s"] = round(time.perf_counter() - started, 1)
    records = city.area_records(valid_from=datetime.now(UTC))
    del city
    micro = [r for r in records if r.level is Level.MICRO_GRID]
    result["areas"] = {level.value: sum(r.level is level for r in records) for level in Level}

    rss0, peak0 = rss_mb(), peak_rss_mb()
    start = time.perf_counter()
    locator = Locator(records, 1, cell_m=20.0)
    result["index"] = {
        "build_s": round(time.perf_counter() - start, 2),
        "array_mb": round(locator.nbytes / 1e6, 1),
        "rss_growth_mb": round(rss_mb() - rss0, 1),
        "peak_rss_growth_during_build_mb": round(peak_rss_mb() - peak0, 1),
        "cells": locator.index.grid.size,
        "boundary_cells": locator.index.n_boundary,
        "cell_m": 20.0,
    }

    geoms = np.array([r.geometry for r in micro], dtype=object)
    bounds = tuple(float(v) for v in shapely.total_bounds(geoms))
    points = random_points(bounds, args.points, seed=1)  # type: ignore[arg-type]
    x, y = np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])
    sub = points[:200_000]
    spts = shapely.points(sub)
    tree = shapely.STRtree(geoms)
    ours = best_rate(lambda: locator.locate(x, y), x.size)
    few = points[:20_000].tolist()
    one_by_one = best_rate(lambda: [locator.locate_one(a, b) for a, b in few], len(few))
    strtree = best_rate(lambda: tree.query(spts, predicate="intersects"), sub.shape[0])
    left = gpd.GeoDataFrame(geometry=spts, crs=4490)
    right = gpd.GeoDataFrame({"code": [r.code for r in micro]}, geometry=geoms, crs=4490)
    sjoin = best_rate(lambda: gpd.sjoin(left, right, predicate="intersects"), sub.shape[0], 2)
    result["in_process_points_per_s"] = {
        "locator_all_5_levels": round(ours),
        "locator_one_point_at_a_time": round(one_by_one),
        "strtree_micro_grid": round(strtree),
        "geopandas_sjoin_micro_grid": round(sjoin),
    }

    with bench_database(args.pg) as url:
        store = open_store(url, pool_size=2)
        store.upgrade()
        store.add_areas(city_areas(records), author="bench", reason="city", operation="sample")
        _, key = store.create_key(name="bench", role=Role.DISPATCHER)
        store.dispose()
        analyze(url)  # planner statistics, as after any bulk load, so the GiST index is used
        result["in_process_points_per_s"]["postgis_join_micro_grid"] = round(
            postgis_join_rate(url, points[:100_000])
        )
        rates = result["in_process_points_per_s"]
        result["in_process_ratios"] = {
            "vs_strtree": round(rates["locator_all_5_levels"] / rates["strtree_micro_grid"], 1),
            "vs_sjoin": round(rates["locator_all_5_levels"] / rates["geopandas_sjoin_micro_grid"]),
            "vs_postgis_join": round(
                rates["locator_all_5_levels"] / rates["postgis_join_micro_grid"]
            ),
        }
        http_points = points[:2_000]
        auth = {"X-API-Key": key}
        env = {"ONEMAP_DATABASE_URL": url, "ONEMAP_MIGRATE_ON_START": "false",
               "BENCH_PG_URL": url.replace("postgresql://", "postgresql+psycopg://", 1),
               "ONEMAP_RATE_LIMIT_PER_SECOND": "1000000000"}  # fmt: skip
        single: dict[str, Any] = {"connections": 32, "seconds": args.seconds, "workers": 2}
        with serve("api.app:app_from_env", env):
            wrk("/v1/locate", http_points, connections=32, seconds=2, headers=auth)  # warm-up
            single["onemap"] = wrk(
                "/v1/locate", http_points, connections=32, seconds=args.seconds, headers=auth
            )
            single["onemap_concurrency_1"] = wrk(
                "/v1/locate", http_points, connections=1, seconds=args.seconds, headers=auth
            )
            result["http_batch"] = http_batch_rate(points[:100_000], key)
        with serve("bench.locate:noop_app", env):
            wrk("/v1/locate", http_points, connections=32, seconds=2, headers={})
            single["do_nothing"] = wrk(
                "/v1/locate", http_points, connections=32, seconds=args.seconds, headers={}
            )
        with serve("bench.locate:postgis_app", env):
            wrk("/v1/locate", http_points, connections=32, seconds=2, headers={})
            single["postgis_per_request"] = wrk(
                "/v1/locate", http_points, connections=32, seconds=args.seconds, headers={}
            )
        with serve("bench.locate:postgis_micro_app", env):
            wrk("/v1/locate", http_points, connections=32, seconds=2, headers={})
            single["postgis_per_request_micro_grid_only"] = wrk(
                "/v1/locate", http_points, connections=32, seconds=args.seconds, headers={}
            )
        result["http_single"] = single
        ours_rps = single["onemap"]["requests_per_s"]
        result["http_ratios"] = {
            "vs_do_nothing": round(ours_rps / single["do_nothing"]["requests_per_s"], 2),
            "vs_postgis_per_request": round(
                ours_rps / single["postgis_per_request"]["requests_per_s"], 2
            ),
            "vs_postgis_per_request_micro_grid_only": round(
                ours_rps / single["postgis_per_request_micro_grid_only"]["requests_per_s"], 2
            ),
        }
    result["load_average_end"] = load_average()
    result["cpus"] = os.cpu_count()
    result["wall_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False))


def city_areas(records: list[Any]) -> list[Any]:
    """The records as NewArea, parents first, for the store."""
    from geo.areas import NewArea

    return [
        NewArea(r.code, r.level, r.name, r.geometry, r.parent_code, r.kind, r.team, r.attributes)
        for r in records
    ]


if __name__ == "__main__":
    if shutil.which("wrk") is None:
        sys.exit("bench/locate.py needs wrk for the HTTP figures: apt-get install wrk")
    main()
