"""Thematic layer benchmark on PostGIS: a million-point import against ogr2ogr, and its tiles.

Usage::

    python -m bench.layers [--pg postgresql://postgres@127.0.0.1:5432/test]
                           [--points 1000000] [--scale city|demo] [--tiles 60]

In a throwaway database it stores the sample city's areas (``city``: all of Jiaxing, 104,000
areas; ``demo`` for a quick check), writes ``--points`` random points inside the city with a
name and a GB/T 30428.2 class code to a GeoPackage, then, in the same run:

- onemap: ``read_layer_file`` + ``prepare_import`` (every row checked, every point located to
  its five-level chain) + ``Store.import_layer_features`` (one COPY), the path of
  ``onemap layers import``, with its progress bars on stderr; time and rows/s per stage;
- ogr2ogr into the same database (``PG_USE_COPY``, GiST index, one transaction per 65,536
  rows): the obvious way to load a file into PostGIS, which neither checks rows nor assigns
  them to grids;
- tiles of the imported layer at z14 through the tile service (PostGIS ``ST_AsMVT``): cold
  (each tile rendered) and warm (from the cache), p50/p95 and tiles/s.

Prints one JSON object; what was measured is printed even if a later step fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy.engine import make_url

from bench.harness import bench_database, load_average
from geo.areas import Level
from geo.layers import GeometryKind, LayerDef, prepare_import, read_layer_file
from geo.locate import Locator
from geo.stores import Store, open_store
from tiles import ThematicSpec, Tile, TileService
from tiles.tms import LonLatBox, tiles_covering

CLASSES = ("0101", "0102", "0103", "0105", "0117", "0118")
LAYER = LayerDef("bench_points", "基准点", "bench", GeometryKind.POINT, parts=True)
ZOOM = 14


def _stderr_progress() -> Callable[[str, int, int], None]:
    started: dict[str, float] = {}

    def report(stage: str, done: int, total: int) -> None:
        t = started.setdefault(stage, time.perf_counter())
        elapsed = time.perf_counter() - t
        rate = f"{done / elapsed:,.0f} rows/s" if elapsed > 0 and done else ""
        print(f"\r{stage:<16} {done:>10,}/{total:<10,} {rate:>16}", end="", file=sys.stderr)
        if done >= total:
            print(file=sys.stderr)

    return report


def load_areas(store: Store, scale: str) -> int:
    from sample_data import build_city

    city = build_city(scale, seed=2024)  # type: ignore[arg-type]
    store.add_areas(city.areas, author="bench", reason="bench", operation="sample")
    return len(city.areas)


def write_points(store: Store, n: int, folder: Path) -> Path:
    """``n`` points inside the city's grids (the dense part a department's data covers)."""
    locator = Locator(store.current_areas(), store.current_version())
    grids = locator.areas(Level.GRID)
    west, south, east, north = shapely.total_bounds(np.asarray([g.geometry for g in grids]))
    rng = np.random.default_rng(17)
    lon, lat = np.empty(0), np.empty(0)
    while len(lon) < n:
        x = rng.uniform(west, east, 2 * n)
        y = rng.uniform(south, north, 2 * n)
        inside = np.asarray([c is not None for c in locator.codes(x, y)[Level.GRID]])
        lon, lat = np.concatenate([lon, x[inside]]), np.concatenate([lat, y[inside]])
    lon, lat = lon[:n], lat[:n]
    frame = gpd.GeoDataFrame(
        {"name": [f"部件{i}" for i in range(n)], "class_code": rng.choice(CLASSES, n)},
        geometry=shapely.points(lon, lat),
        crs=4490,
    )
    path = folder / "points.gpkg"
    frame.to_file(path, engine="pyogrio", layer="points")
    return path


def onemap_import(store: Store, path: Path) -> dict[str, Any]:
    report = _stderr_progress()
    stages: dict[str, float] = {}
    started = time.perf_counter()
    raw = read_layer_file(path)
    stages["read_s"] = time.perf_counter() - started
    t = time.perf_counter()
    locator = Locator(store.current_areas(), store.current_version())
    stages["locator_build_s"] = time.perf_counter() - t
    t = time.perf_counter()
    prepared = prepare_import(LAYER, raw, locator, progress=report)
    stages["check_and_assign_s"] = time.perf_counter() - t
    t = time.perf_counter()
    record = store.import_layer_features(
        LAYER.name, prepared.batch, author="bench", progress=report
    )
    stages["store_s"] = time.perf_counter() - t
    seconds = time.perf_counter() - started
    return {
        "rows": record.feature_count,
        "seconds": round(seconds, 2),
        "rows_per_s": round(record.feature_count / seconds),
        "stages": {k: round(v, 2) for k, v in stages.items()},
        "in_a_grid": sum(c is not None for c in prepared.batch.chains[Level.GRID]),
    }


def ogr2ogr_import(url: str, path: Path, rows: int) -> dict[str, Any]:
    parsed = make_url(url)
    target = (
        f"PG:dbname={parsed.database} host={parsed.host or '127.0.0.1'} "
        f"port={parsed.port or 5432} user={parsed.username or 'postgres'}"
    )
    command = [
        "ogr2ogr",
        "-f",
        "PostgreSQL",
        target,
        str(path),
        "-nln",
        "ogr_points",
        "-lco",
        "GEOMETRY_NAME=geom",
        "-lco",
        "SPATIAL_INDEX=GIST",
        "-gt",
        "65536",
        "--config",
        "PG_USE_COPY",
        "YES",
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "command": " ".join([*command[:3], "PG:…", *command[4:]]),
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    ms = np.asarray(values) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "tiles_per_s": round(len(values) / float(np.sum(values)), 1),
    }


def layer_tiles(store: Store, count: int) -> dict[str, Any]:
    record = store.get_layer(LAYER.name)
    assert record.bounds is not None
    box = LonLatBox(*record.bounds)
    columns, rows = tiles_covering(box, ZOOM)
    rng = np.random.default_rng(3)
    picked = [
        Tile(ZOOM, int(x), int(y))
        for x, y in zip(
            rng.choice(list(columns), 4 * count), rng.choice(list(rows), 4 * count), strict=True
        )
    ]
    spec = ThematicSpec(record.name, GeometryKind.POINT, record.revision)
    service = TileService(store, poll_interval=0, cache_bytes=512 * 1024 * 1024)
    service.start()
    try:
        chosen: list[Tile] = []
        cold: list[float] = []
        sizes: list[int] = []
        for tile in dict.fromkeys(picked):
            t = time.perf_counter()
            answer = service.thematic(spec, tile, scope=None)
            elapsed = time.perf_counter() - t
            if answer.data:
                chosen.append(tile)
                cold.append(elapsed)
                sizes.append(len(answer.data))
            if len(chosen) >= count:
                break
        warm = []
        for tile in chosen:
            t = time.perf_counter()
            service.thematic(spec, tile, scope=None)
            warm.append(time.perf_counter() - t)
    finally:
        service.stop()
    return {
        "zoom": ZOOM,
        "tiles": len(chosen),
        "mean_bytes": round(float(np.mean(sizes))),
        "cold": _percentiles(cold),
        "warm": _percentiles(warm),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--scale", choices=("city", "demo"), default="city")
    parser.add_argument("--tiles", type=int, default=60)
    args = parser.parse_args(argv)
    result: dict[str, Any] = {
        "bench": "layers",
        "points": args.points,
        "scale": args.scale,
        "load_average_start": load_average(),
    }
    try:
        with (
            bench_database(args.pg, "onemap_bench_layers") as url,
            tempfile.TemporaryDirectory() as folder,
        ):
            store = open_store(url)
            store.upgrade()
            t = time.perf_counter()
            result["areas"] = load_areas(store, args.scale)
            result["areas_load_s"] = round(time.perf_counter() - t, 1)
            path = write_points(store, args.points, Path(folder))
            result["file_mb"] = round(path.stat().st_size / 1e6, 1)
            store.register_layer(LAYER, author="bench")
            result["onemap"] = onemap_import(store, path)
            result["ogr2ogr"] = ogr2ogr_import(url, path, args.points)
            onemap, ogr = result["onemap"], result["ogr2ogr"]
            result["onemap_vs_ogr2ogr_time"] = round(onemap["seconds"] / ogr["seconds"], 2)
            # A running service already holds the locator; the CLI builds it once per import.
            result["onemap_vs_ogr2ogr_time_locator_ready"] = round(
                (onemap["seconds"] - onemap["stages"]["locator_build_s"]) / ogr["seconds"], 2
            )
            result["tiles"] = layer_tiles(store, args.tiles)
            store.dispose()
    except Exception:  # print what was measured, then the failure
        result["error"] = traceback.format_exc(limit=3)
    result["load_average_end"] = load_average()
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
