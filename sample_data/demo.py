"""Bringing the demo city to life: department layers, thirty days of reports, edit history.

``onemap demo`` calls :func:`populate_demo` right after storing the sample city, so a first
start already shows layers, a heat map, a choropleth, leaders' numbers and an ``as_of`` that
differs from today. Everything goes through the store's public writes (the same paths the API
takes): layers are validated and assigned like an upload, reports are filed and moved through
their lifecycle at their own past times, and the edits are ordinary back-dated changesets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import shapely

from geo.areas import AreaRecord, Level, plan_move_boundary, plan_replace
from geo.clock import utc_now
from geo.crs import AREA_SRID, Crs
from geo.errors import OnemapError
from geo.layers import AreaTrees, prepare_import, rows_from_frame
from geo.reports import Method, NewReport, Placement, PointInput, ReportStatus, request_hash
from geo.stores import Store
from sample_data.activity import demo_reports
from sample_data.city import SampleCity
from sample_data.departments import DEPARTMENT_LAYERS, department_layers

__all__ = ["HISTORY_DAYS", "DemoSummary", "populate_demo"]

HISTORY_DAYS = 90
"""How long before the first start the demo city's boundaries are valid from."""
AUTHOR = "onemap demo"
QUEUE_EVERY = 60
"""One report in this many is too vague to place and waits in the manual queue."""
ProgressFn = Callable[[str, int, int], None]


@dataclass
class DemoSummary:
    edits: int
    features: dict[str, int]
    reports: int


def _silent(stage: str, done: int, total: int) -> None:
    return None


def _neighbour_pairs(micro: list[AreaRecord]) -> list[tuple[AreaRecord, AreaRecord]]:
    """Sibling micro-grids sharing more than 100 m of boundary, in code order."""
    by_parent: dict[str | None, list[AreaRecord]] = {}
    for area in micro:
        by_parent.setdefault(area.parent_code, []).append(area)
    pairs = []
    for siblings in by_parent.values():
        for i, first in enumerate(siblings):
            for second in siblings[i + 1 :]:
                shared = first.geometry.boundary.intersection(second.geometry.boundary)
                if shared.length * 100_000 > 100:
                    pairs.append((first, second))
    return pairs


def _edit_history(store: Store, now: datetime, report: ProgressFn) -> int:
    """Three boundary moves between micro-grids and a grid renamed, 60, 30, 14 and 7 days ago."""
    grids = [a for a in store.current_areas(Level.GRID) if a.code.startswith("330402007")]
    micro = [a for a in store.current_areas(Level.MICRO_GRID) if a.code.startswith("330402007")]
    pairs = _neighbour_pairs(micro)
    rng = np.random.default_rng(7)
    done = 0
    for days in (60, 30, 14):
        for index in rng.permutation(len(pairs)).tolist():
            first, second = (store.get_area(a.code) for a in pairs[index])
            grown = first.geometry.union(
                second.geometry.intersection(first.geometry.buffer(0.00025))
            )
            if not isinstance(grown, shapely.Polygon | shapely.MultiPolygon) or not grown.is_valid:
                continue
            try:
                plan = plan_move_boundary(
                    first,
                    second,
                    grown,
                    expected_versions={first.code: first.version, second.code: second.version},
                )
                store.commit(
                    plan,
                    author=AUTHOR,
                    effective_at=now - timedelta(days=days),
                    reason=f"网格调整：{first.name}与{second.name}边界按道路中线修正",
                )
            except OnemapError:
                continue
            done += 1
            break
        report("edit history", done, 4)
    if grids:
        grid = store.get_area(grids[0].code)
        plan = plan_replace(grid, expected_version=grid.version, name=f"{grid.name}(平安片)")
        store.commit(plan, author=AUTHOR, reason="网格更名", effective_at=now - timedelta(days=7))
        done += 1
    report("edit history", done, 4)
    return done


def _layers(
    store: Store, city: SampleCity, locator: AreaTrees, seed: int, report: ProgressFn
) -> dict[str, int]:
    streets = {a.code: a.geometry for a in city.areas if a.level is Level.STREET}
    data = department_layers(streets, city.addresses, seed)
    counts = {}
    for done, definition in enumerate(DEPARTMENT_LAYERS, start=1):
        frame = gpd.GeoDataFrame(data.frames[definition.name], geometry="geometry", crs=AREA_SRID)
        prepared = prepare_import(definition, rows_from_frame(frame), locator, skip_bad_rows=True)
        store.register_layer(definition, author=AUTHOR)
        store.import_layer_features(
            definition.name, prepared.batch, author=AUTHOR, note="demo data"
        )
        counts[definition.name] = len(prepared.batch)
        report("department layers", done, len(DEPARTMENT_LAYERS))
    return counts


def _reports(
    store: Store, city: SampleCity, locator: AreaTrees, seed: int, now: datetime, report: ProgressFn
) -> int:
    generated = demo_reports(city.addresses, seed=seed, now=now)
    version = store.current_version()
    chains = locator.codes([r.lon for r in generated], [r.lat for r in generated])
    new, placements = [], []
    queued = [i % QUEUE_EVERY == QUEUE_EVERY - 1 for i in range(len(generated))]
    for i, r in enumerate(generated):
        body = {
            "source": r.source,
            "category": r.category,
            "description": r.description,
            "address": r.address,
            "lon": r.lon,
            "lat": r.lat,
            "queued": queued[i],
        }
        point = None if queued[i] else PointInput(r.lon, r.lat, Crs.WGS84)
        address = "南湖区附近" if queued[i] else r.address  # a vague text: the manual queue
        new.append(
            NewReport(
                r.source,
                None,
                None,
                r.category,
                r.description,
                address,
                point,
                r.reported_at,
                None,
                request_hash(body),
            )
        )
        if queued[i]:
            placements.append(Placement(ReportStatus.NEEDS_LOCATION, Method.NONE, version=version))
        else:
            chain = {level: chains[level][i] for level in chains}
            placements.append(
                Placement(
                    ReportStatus.NEW,
                    Method.POINT,
                    r.lon,
                    r.lat,
                    1.0,
                    chain=chain,
                    version=version,
                )
            )
    results = store.add_reports(new, placements, actor=AUTHOR, now=now)
    moves = sum(len(r.steps) for r, q in zip(generated, queued, strict=True) if not q)
    done = 0
    for result, r, q in zip(results, generated, queued, strict=True):
        if q:
            continue
        for status, at in r.steps:
            store.update_report(result.report.id, actor="网格员", status=status, now=at)
            done += 1
            if done % 200 == 0:
                report("report history", done, moves)
    report("report history", moves, moves)
    return len(generated)


def populate_demo(
    store: Store,
    city: SampleCity,
    *,
    seed: int = 2024,
    now: datetime | None = None,
    progress: ProgressFn | None = None,
) -> DemoSummary:
    """Add the demo's layers, reports and edit history to a store holding ``city``.

    The city must have been stored valid from :data:`HISTORY_DAYS` days before ``now``.
    """
    moment = now or utc_now()
    report = progress or _silent
    edits = _edit_history(store, moment, report)
    locator = AreaTrees(store.current_areas())  # after the edits
    features = _layers(store, city, locator, seed, report)
    reports = _reports(store, city, locator, seed, moment, report)
    return DemoSummary(edits, features, reports)
