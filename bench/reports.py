"""Report intake, placement accuracy, statistics and bulk re-geocoding: one JSON object.

Usage (the lead's full run on a quiet machine; needs ``wrk``: ``apt-get install wrk``)::

    python -m bench.reports --pg postgresql://postgres@127.0.0.1:5432/test \
        --seconds 10 --stats-rows 1000000 --regeocode-rows 1000000

A quick check of the intake targets only (a few minutes)::

    python -m bench.reports --seconds 5 --stats-rows 0 --regeocode-rows 0

In one run, on a PostGIS database of its own holding the demo city (1,314 grids):

* single intake: ``wrk`` POSTing point reports (GCJ-02) with a fresh Idempotency-Key each, to
  uvicorn with 2 workers on loopback; then a check that every answered request is stored once;
* batch intake, one request at a time: two batches of 10,000 point reports, then two batches
  of 10,000 *mixed* reports (the accuracy sample below, then a fresh one drawn with another
  seed, so no text is answered from the geocoder's cache of the first); and two clients each
  sending a fresh mixed batch at once (both workers busy: the service's throughput);
* accuracy: the first mixed batch is 10,000 generated reports (GCJ-02/BD-09/WGS84 points, noisy
  addresses, both, and vague text with no point) with ground truth from the sample city. A
  report whose truth is "no grid" (vague text; a point in no grid) is right when it gets no
  grid (queued, or the community answers) and wrong when it gets one;
* statistics (``--stats-rows`` > 0): ``GET /v1/stats/areas?level=grid`` over that many reports
  (bulk-loaded with COPY), against the obvious SQL ``GROUP BY`` with ``percentile_cont``;
* re-geocoding (``--regeocode-rows`` > 0) that many reports (Parquet) with the local engine and
  on a Dask LocalCluster of 2 worker processes.

Progress goes to stderr; the JSON object (with ``targets``: each target, the figure and
whether it was met) to stdout.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness import bench_database, load_average

REPO = Path(__file__).resolve().parents[1]
PORT = 8767


def call(method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    conn.request(
        method, path, body=data, headers={"X-API-Key": key, "Content-Type": "application/json"}
    )
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, json.loads(payload) if payload else None


@contextmanager
def serve(url: str, key: str) -> Iterator[None]:
    """uvicorn, 2 workers, each with its address library built before it takes requests."""
    env = {
        **os.environ,
        "ONEMAP_DATABASE_URL": url,
        "ONEMAP_GEOCODE_WAIT_ON_START": "true",
        "ONEMAP_RATE_LIMIT_PER_SECOND": "1000000",
        "ONEMAP_RATE_LIMIT_BURST": "1000000",
        "ONEMAP_DB_POOL_SIZE": "16",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.app:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(PORT),
        "--workers",
        "2",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, cwd=REPO, env=env)
    try:
        deadline, good = time.monotonic() + 600, 0
        while good < 20 and time.monotonic() < deadline:  # both workers answer an address
            try:
                status, _ = call(
                    "POST", "/v1/reports", key, {"source": "12345", "address": "南湖区建设街道"}
                )
                good = good + 1 if status in (200, 201) else 0
            except OSError:
                good = 0
            time.sleep(0.2 if good else 1.0)
        yield
    finally:
        process.terminate()
        process.wait(60)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def wrk_intake(
    bodies: list[dict[str, Any]], key: str, seconds: float, prefix: str
) -> dict[str, Any]:
    """Single-report intake under 16 connections, a new Idempotency-Key per request."""
    texts = ",\n".join(f"[==[{json.dumps(b, ensure_ascii=False)}]==]" for b in bodies)
    script = (
        f"local bodies = {{{texts}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        f'  local h = {{["X-API-Key"] = "{key}", ["Content-Type"] = "application/json", '
        f'["Idempotency-Key"] = "{prefix}-" .. i}}\n'
        '  return wrk.format("POST", "/v1/reports", h, bodies[(i % #bodies) + 1])\nend\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as f:
        f.write(script)
    command = [
        "wrk",
        "-t1",
        "-c16",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        f.name,
        f"http://127.0.0.1:{PORT}",
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "reports_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"50%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def batch_rate(bodies: list[dict[str, Any]], key: str) -> tuple[float, Any]:
    """Reports per second of one batch: body sent to the whole answer received."""
    data = json.dumps({"reports": bodies}, ensure_ascii=False).encode()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    started = time.perf_counter()
    conn.request(
        "POST",
        "/v1/reports/batch",
        body=data,
        headers={"X-API-Key": key, "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"batch answered {response.status}: {payload[:300]!r}")
    return len(bodies) / elapsed, json.loads(payload)


def outcome(truth: str | None, status: str, grid: str | None) -> str:
    """How one placement compares with the truth.

    ``truth`` None means there is no grid to find (vague text; a point in a gap between grids
    or outside every community): no grid is right (the queue, or the community answering),
    a grid is wrong. Otherwise the true grid is right, another grid wrong, and no grid is
    ``queued`` (a person decides) or ``community_only`` (placed, but only to the community).
    """
    if grid is not None:
        return "right" if grid == truth else "wrong"
    if truth is None:
        return "right"
    return "queued" if status == "needs_location" else "community_only"


def accuracy(samples: list[Any], answer: dict[str, Any]) -> dict[str, Any]:
    """Right grid, wrong grid, queued: per kind and over the reports that carry a location."""
    tally: dict[str, Counter[str]] = {}
    methods: Counter[str] = Counter()
    for sample, item in zip(samples, answer["items"], strict=True):
        report = item["report"]
        grid = (report["areas"]["grid"] or {}).get("code")
        methods[report["location"]["method"]] += 1
        result = outcome(sample.truth, report["status"], grid)
        tally.setdefault(sample.kind, Counter())[result] += 1
    located = sum((c for k, c in tally.items() if k != "neither"), Counter())
    n_located, n_all = sum(located.values()), len(samples)
    every = sum(tally.values(), Counter())
    return {
        "reports": n_all,
        "by_kind": {k: dict(c) for k, c in sorted(tally.items())},
        "right_grid_share_of_located": round(located["right"] / n_located, 4),
        "wrong_grid_share_of_located": round(located["wrong"] / n_located, 4),
        "queued_share_of_located": round(located["queued"] / n_located, 4),
        "wrong_grid_share_of_all": round(every["wrong"] / n_all, 4),
        "right_outcome_share_of_all": round(every["right"] / n_all, 4),
        "resolved_by_method": {m: round(n / n_all, 4) for m, n in methods.most_common()},
    }


def concurrent_batches(batches: list[list[dict[str, Any]]], key: str) -> float:
    """Reports per second of several batches sent at once, one client each."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    with ThreadPoolExecutor(len(batches)) as pool:
        list(pool.map(lambda b: batch_rate(b, key), batches))
    return sum(len(b) for b in batches) / (time.perf_counter() - started)


def say(message: str) -> None:
    print(f"[bench.reports {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def targets(figures: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets next to the figures of this run."""
    single = figures["single_intake"]["reports_per_s"]
    points = min(figures["batch_intake"]["points_reports_per_s"])
    mixed = min(figures["batch_intake"]["mixed_reports_per_s"])
    acc = figures["accuracy"]
    right, wrong = acc["right_grid_share_of_located"], acc["wrong_grid_share_of_located"]
    return {
        "single_intake_ge_500_per_s": {"figure": single, "met": single >= 500},
        "batch_points_ge_5000_per_s": {"figure": points, "met": points >= 5000},
        "batch_mixed_ge_5000_per_s": {"figure": mixed, "met": mixed >= 5000},
        "right_grid_ge_98_percent": {"figure": right, "met": right >= 0.98},
        "wrong_grid_le_0.5_percent": {"figure": wrong, "met": wrong <= 0.005},
    }


def copy_reports(url: str, frame: Any) -> float:
    import psycopg

    started = time.perf_counter()
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)
    columns = ", ".join(frame.columns)
    with psycopg.connect(url) as conn:
        with conn.cursor().copy(f"COPY reports ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
        conn.execute("ANALYZE reports")
    return time.perf_counter() - started


STATS_SQL = """
SELECT grid, count(*) FILTER (WHERE status = 'new'), count(*) FILTER (WHERE status = 'closed'),
       count(*) FILTER (WHERE sla_due_at < now()), count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - reported_at))
         FILTER (WHERE status = 'closed')
FROM reports WHERE grid IS NOT NULL GROUP BY grid
"""


def stats_figures(url: str, key: str, expected: int) -> dict[str, Any]:
    import psycopg

    started = time.perf_counter()
    settled = 0
    while settled < 10 and time.perf_counter() - started < 600:  # both workers refreshed
        _, body = call("GET", "/v1/stats/areas?level=district", key)
        settled = settled + 1 if body["totals"]["total"] >= expected else 0
        time.sleep(0.2)
    refreshed = time.perf_counter() - started
    timings: dict[str, list[float]] = {"grid": [], "grid_last_90_days": [], "community": []}
    paths = {
        "grid": "/v1/stats/areas?level=grid",
        "community": "/v1/stats/areas?level=community",
        "grid_last_90_days": "/v1/stats/areas?level=grid&from="
        + time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 90 * 86400)),
    }
    for _ in range(40):
        for name, path in paths.items():
            begun = time.perf_counter()
            status, body = call("GET", path, key)
            timings[name].append((time.perf_counter() - begun) * 1000)
            assert status == 200, body
    n_grids = len(call("GET", paths["grid"], key)[1]["areas"])
    with psycopg.connect(url) as conn:
        sql_ms = []
        for _ in range(2):
            begun = time.perf_counter()
            conn.execute(STATS_SQL).fetchall()
            sql_ms.append((time.perf_counter() - begun) * 1000)
    result: dict[str, Any] = {
        "reports": expected,
        "grids": n_grids,
        "index_refresh_seconds": round(refreshed, 1),
    }
    for name, values in timings.items():
        values.sort()
        result[f"{name}_p50_ms"] = round(statistics.median(values), 1)
        result[f"{name}_p95_ms"] = round(values[int(0.95 * len(values)) - 1], 1)
    result["sql_group_by_ms"] = round(min(sql_ms), 1)
    result["speedup_vs_sql"] = round(min(sql_ms) / result["grid_p50_ms"], 1)
    return result


def regeocode_figures(url: str, city: Any, rows: int, work: Path) -> dict[str, Any]:
    import pandas as pd

    from bench.reports_data import regeocode_frame
    from geo.regeocode import RegeocodeOptions, regeocode

    source = work / "reports.parquet"
    regeocode_frame(city, rows).to_parquet(source, index=False, row_group_size=100_000)
    options = RegeocodeOptions(store_url=url, crs="gcj02")
    local = regeocode(source, work / "local.parquet", options, chunk_rows=200_000)
    dask = regeocode(
        source, work / "dask.parquet", options, engine="dask", workers=2, chunk_rows=100_000
    )
    a = pd.read_parquet(work / "local.parquet", columns=["report_id", "grid"])
    b = pd.read_parquet(work / "dask.parquet", columns=["report_id", "grid"])
    b = b.sort_values("report_id", ignore_index=True)
    same = float((a.grid.fillna("-") == b.grid.fillna("-")).mean())
    return {
        "rows": rows,
        "address_only_share": 0.02,
        "local_rows_per_s": round(local.rows_per_s),
        "local_seconds": round(local.seconds, 1),
        "dask_local_cluster_rows_per_s": round(dask.rows_per_s),
        "dask_seconds": round(dask.seconds, 1),
        "dask_partitions": dask.partitions,
        "dask_workers": 2,
        "same_grid_share": round(same, 6),
        "by_status": local.by_status,
        "by_method": local.by_method,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg",
        default=os.environ.get("ONEMAP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--stats-rows", type=int, default=1_000_000)
    parser.add_argument("--regeocode-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/reports.py needs wrk: apt-get install wrk")
    from sqlalchemy import text

    from bench.reports_data import accuracy_sample, intake_bodies, stat_rows
    from geo.access import Role
    from geo.stores import open_store
    from sample_data import build_city

    figures: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_at_start": load_average()}}
    city = build_city("demo", seed=2024)
    database = bench_database(args.pg, "onemap_bench_reports")
    with database as url, tempfile.TemporaryDirectory() as tmp:
        store = open_store(url)
        store.upgrade()
        store.add_areas(city.areas, author="bench", reason="demo city", operation="sample")
        store.add_addresses(city.addresses, author="bench", reason="demo addresses")
        key = store.create_key(name="bench", role=Role.ADMIN)[1]
        with serve(url, key):
            figures["machine"]["load_serving"] = load_average()
            say("serving; single intake with wrk")
            points = intake_bodies(city, 20_000)
            wrk_intake(points[:2000], key, 3, "warm")
            single = wrk_intake(points[:2000], key, args.seconds, "run")
            with store.engine.connect() as conn:
                stored = conn.execute(
                    text("SELECT count(*) FROM reports WHERE idempotency_key LIKE :p"),
                    {"p": "%:run-%"},
                ).scalar_one()
            single["stored"] = int(stored)
            figures["single_intake"] = single
            say(f"single: {single}; batches of points")
            rates = [batch_rate(points[i * 10_000 : (i + 1) * 10_000], key)[0] for i in (0, 1)]
            say(f"points: {rates}; mixed batches")
            samples = accuracy_sample(city, 10_000)
            rate, answer = batch_rate([s.body for s in samples], key)
            fresh = [[s.body for s in accuracy_sample(city, 10_000, seed=seed)]
                     for seed in (8, 9, 10)]  # fmt: skip
            mixed = [rate, batch_rate(fresh[0], key)[0]]
            say(f"mixed: {mixed}; two clients at once")
            both = concurrent_batches(fresh[1:], key)
            figures["batch_intake"] = {
                "reports_per_batch": 10_000,
                "points_reports_per_s": [round(r) for r in rates],
                "mixed_reports_per_s": [round(r) for r in mixed],
                "mixed_two_clients_reports_per_s": round(both),
                "mixed_kinds": {"point": 0.3, "address": 0.3, "both": 0.3, "neither": 0.1},
            }
            figures["accuracy"] = accuracy(samples, answer)
            figures["targets"] = targets(figures)
            figures["machine"]["load_after_intake"] = load_average()
            say(f"intake done: {json.dumps(figures, ensure_ascii=False)}")
            if args.stats_rows:
                existing = int(call("GET", "/v1/reports?limit=1", key)[1]["total"])
                copied = copy_reports(url, stat_rows(city, args.stats_rows))
                figures["stats"] = {
                    "copy_seconds": round(copied, 1),
                    **stats_figures(url, key, existing + args.stats_rows),
                }
                figures["machine"]["load_after_stats"] = load_average()
                say(f"stats: {figures['stats']}")
        if args.regeocode_rows:
            figures["regeocode"] = regeocode_figures(url, city, args.regeocode_rows, Path(tmp))
            figures["machine"]["load_after_regeocode"] = load_average()
        store.dispose()
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
