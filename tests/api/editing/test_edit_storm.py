"""Faults: a storm of concurrent edits of the same and neighbouring areas over HTTP, on PostGIS.

Four streets lie side by side as strips. Editors in many threads each read two neighbours
(their ETags and shapes), then move the boundary they share, or rename one of them under
If-Match. Most lose the race. Checked afterwards:

* exactly one winner per version: no two successful edits start from the same version;
* no lost update: replaying the winners in changeset order, each found exactly the versions it
  was based on, and the replayed state equals what the store holds;
* the locator agrees with the store once it has caught up: street codes from /v1/locate/batch
  equal PostGIS ``ST_Covers`` over sample points, including points a hair from each boundary.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text

from geo.access import Role
from geo.areas import Level, NewArea
from geo.stores import Store
from tests.live_server import live_server

pytestmark = [pytest.mark.postgis, pytest.mark.faults]

X0, Y0, WIDTH, HEIGHT = 120.70, 30.70, 0.1, 0.05
STREETS = [f"330402{n:03d}" for n in range(1, 5)]
EDITORS = 8
EDITS_EACH = 12
MIN_WIDTH = 0.004  # a strip never gets narrower than this (about 400 m)


@pytest.fixture
def served(empty_store: Store, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A live server over PostGIS holding a district cut into four street strips."""
    step = WIDTH / len(STREETS)
    seed = [NewArea("330402", Level.DISTRICT, "南湖区",
                    shapely.box(X0, Y0, X0 + WIDTH, Y0 + HEIGHT))]  # fmt: skip
    seed += [
        NewArea(code, Level.STREET, f"街道{i}",
                shapely.box(X0 + i * step, Y0, X0 + (i + 1) * step, Y0 + HEIGHT),
                parent_code="330402")
        for i, code in enumerate(STREETS)
    ]  # fmt: skip
    empty_store.add_areas(seed, author="tests", reason="seed")
    key = empty_store.create_key(name="测绘员", role=Role.ADMIN)[1]
    env = {**os.environ, "ONEMAP_DATABASE_URL": empty_store.url, "ONEMAP_DATA_DIR": str(tmp_path)}
    with live_server(env, cwd=tmp_path) as base:
        yield base, key


@dataclass(frozen=True)
class Win:
    """A successful edit: the versions it started from and what it wrote."""

    version: int  # the changeset it made
    based_on: dict[str, int]
    boundary: tuple[str, str, float] | None = None  # left code, right code, new x
    name: tuple[str, str] | None = None  # code, new name


@dataclass
class Storm:
    wins: list[Win]
    statuses: list[int]
    unexpected: list[str]
    lock: threading.Lock


def read(http: httpx.Client, code: str) -> tuple[int, BaseGeometry, str]:
    answer = http.get(f"/v1/areas/{code}")
    answer.raise_for_status()
    feature = answer.json()
    return int(answer.headers["etag"].strip('"')), shape(feature["geometry"]), \
        feature["properties"]["name"]  # fmt: skip


def one_edit(http: httpx.Client, rng: random.Random, who: int, n: int, storm: Storm) -> None:
    i = rng.randrange(len(STREETS) - 1)
    left, right = STREETS[i], STREETS[i + 1]
    (lv, lgeom, _), (rv, rgeom, _) = read(http, left), read(http, right)
    if rng.random() < 0.25:  # a rename of one of the two, under If-Match
        code, version = (left, lv) if rng.random() < 0.5 else (right, rv)
        name = f"街道{code[-1]}-{who}-{n}"
        feature = {"type": "Feature", "geometry": None, "properties": {"name": name}}
        answer = http.put(f"/v1/areas/{code}", headers={"If-Match": f'"{version}"'},
                          json={"feature": feature, "reason": "storm"})  # fmt: skip
        win = Win(0, {code: version}, name=(code, name))
    else:  # move the shared boundary a little, keeping both strips wide enough
        west, east = lgeom.bounds[0], rgeom.bounds[2]
        x = min(max(lgeom.bounds[2] + rng.uniform(-0.003, 0.003), west + MIN_WIDTH),
                east - MIN_WIDTH)  # fmt: skip
        x = round(x, 6)
        body = {"codes": [left, right], "reason": "storm", "versions": {left: lv, right: rv},
                "geometry": mapping(shapely.box(west, Y0, x, Y0 + HEIGHT))}  # fmt: skip
        answer = http.post("/v1/areas/boundary", json=body)
        win = Win(0, {left: lv, right: rv}, boundary=(left, right, x))
    with storm.lock:
        storm.statuses.append(answer.status_code)
        if answer.status_code == 200:
            storm.wins.append(Win(answer.json()["version"], win.based_on, win.boundary, win.name))
        elif answer.status_code != 412:
            storm.unexpected.append(f"{answer.status_code}: {answer.text[:300]}")


def editor(base: str, key: str, who: int, storm: Storm) -> None:
    rng = random.Random(who)
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as http:
        for n in range(EDITS_EACH):
            one_edit(http, rng, who, n, storm)


State = dict[str, tuple[int, float, float, str]]  # code -> (version, west, east, name)


def replay(wins: list[Win], start: State) -> State:
    """The state (version, west, east, name per street) the winners build, in commit order."""
    state = dict(start)
    for win in sorted(wins, key=lambda w: w.version):
        for code, version in win.based_on.items():
            assert state[code][0] == version, f"changeset {win.version} overwrote an unseen edit"
        if win.boundary is not None:
            left, right, x = win.boundary
            _, lw, _, ln = state[left]
            _, _, re, rn = state[right]
            state[left], state[right] = (win.version, lw, x, ln), (win.version, x, re, rn)
        else:
            assert win.name is not None
            code, name = win.name
            _, w, e, _ = state[code]
            state[code] = (win.version, w, e, name)
    return state


def stored_state(http: httpx.Client) -> State:
    state = {}
    for code in STREETS:
        version, geom, name = read(http, code)
        west, _, east, _ = geom.bounds
        assert geom.equals(shapely.box(west, Y0, east, Y0 + HEIGHT)), f"{code} is not a strip"
        state[code] = (version, west, east, name)
    return state


def postgis_streets(store: Store, points: np.ndarray) -> list[str | None]:
    """The street covering each point per PostGIS (smallest code on a shared edge)."""
    sql = text("""
        SELECT min(a.code) FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[]))
            WITH ORDINALITY AS p(lon, lat, i)
        LEFT JOIN areas a ON a.valid_to IS NULL AND a.level = 'street'
            AND ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4490))
        GROUP BY p.i ORDER BY p.i
    """)
    with store.engine.connect() as conn:
        rows = conn.execute(sql, {"lons": points[:, 0].tolist(), "lats": points[:, 1].tolist()})
        return [r[0] for r in rows]


@pytest.mark.parametrize("empty_store", ["postgis"], indirect=True)
def test_a_storm_of_edits_loses_nothing_and_the_locator_agrees(
    served: tuple[str, str], empty_store: Store
) -> None:
    base, key = served
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as http:
        start = stored_state(http)
        storm = Storm([], [], [], threading.Lock())
        threads = [threading.Thread(target=editor, args=(base, key, who, storm))
                   for who in range(EDITORS)]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert storm.unexpected == []
        assert len(storm.statuses) == EDITORS * EDITS_EACH
        assert storm.statuses.count(412) > 0, "no edit lost a race: the storm was no storm"
        # Exactly one winner per version of each area.
        bases = [(code, v) for win in storm.wins for code, v in win.based_on.items()]
        assert len(bases) == len(set(bases)), "two edits won from the same version"
        # No lost update: the winners, replayed in commit order, give the stored state.
        final = stored_state(http)
        expected = replay(storm.wins, start)
        assert {c: s[0] for c, s in final.items()} == {c: s[0] for c, s in expected.items()}
        for code in STREETS:
            assert final[code][3] == expected[code][3]
            assert final[code][1:3] == pytest.approx(expected[code][1:3], abs=1e-9)

        # The locator catches up (each worker polls the store version) and agrees with PostGIS.
        newest = empty_store.current_version()
        deadline = time.monotonic() + 30
        probe = {"lon": X0 + 0.001, "lat": Y0 + 0.001}
        while http.get("/v1/locate", params=probe).json()["version"] != newest:
            assert time.monotonic() < deadline, "the locator never caught up with the store"
            time.sleep(0.2)
        rng = np.random.default_rng(7)
        points = rng.uniform([X0, Y0], [X0 + WIDTH, Y0 + HEIGHT], size=(400, 2))
        edges = [s[2] for s in final.values()][:-1]
        near = [[x + d, Y0 + HEIGHT / 2] for x in edges for d in (-1e-6, 1e-6)]
        points = np.concatenate([points, np.array(near)])
        answer = http.post("/v1/locate/batch?fields=codes", json={"points": points.tolist()})
        assert answer.status_code == 200 and answer.json()["version"] == newest
        located = [row[1] for row in answer.json()["results"]]
        assert located == postgis_streets(empty_store, points)
