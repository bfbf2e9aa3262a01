"""Faults: a writer killed with SIGKILL half-way leaves the store exactly as it was."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shapely
from shapely.geometry import mapping

from geo.areas import Level, NewArea
from geo.stores import Store

X0, Y0, SIDE = 120.70, 30.70, 0.1


def grid_of_boxes(
    west: float, south: float, width: float, height: float, n: int
) -> list[shapely.Polygon]:
    dx, dy = width / n, height / n
    return [shapely.box(west + c * dx, south + r * dy, west + (c + 1) * dx, south + (r + 1) * dy)
            for r in range(n) for c in range(n)]  # fmt: skip


def write_import_file(path: Path) -> Path:
    """A district, 4 streets and 4 × 900 communities: big enough to kill while it writes."""
    rows = [
        {"code": "330402", "name": "南湖区", "geometry": shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)}
    ]
    streets = grid_of_boxes(X0, Y0, SIDE, SIDE, 2)
    for s, street in enumerate(streets, start=7):
        code = f"330402{s:03d}"
        rows.append({"code": code, "name": f"街道{s}", "geometry": street})
        west, south, east, north = street.bounds
        for i, box in enumerate(
            grid_of_boxes(west, south, east - west, north - south, 30), start=1
        ):
            rows.append({"code": f"{code}{i:03d}", "name": f"社区{s}-{i}", "geometry": box})
    features = [{"type": "Feature", "geometry": mapping(r.pop("geometry")), "properties": r}
                for r in rows]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def writing(store: Store) -> bool:
    """Whether another connection holds an open write transaction on the store right now."""
    if store.backend == "postgis":
        with store.engine.connect() as conn:
            return bool(conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            ).scalar())  # fmt: skip
    database = store.engine.url.database
    probe = sqlite3.connect(database, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")  # refused while a writer holds the reserved lock
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def kill_while_writing(command: list[str], env: dict[str, str], store: Store) -> None:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and not writing(store):
        time.sleep(0.02)
    if process.poll() is not None:
        pytest.fail("the writer finished before it was seen writing")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def snapshot(store: Store) -> tuple[int, dict[str, int], int]:
    return store.current_version(), store.counts(), store.list_audit(limit=1).total


def test_an_import_killed_while_writing_stores_nothing(empty_store: Store, tmp_path: Path) -> None:
    source = write_import_file(tmp_path / "areas.geojson")
    env = {**os.environ, "ONEMAP_DATABASE_URL": empty_store.url}
    before = snapshot(empty_store)
    kill_while_writing(
        [sys.executable, "-m", "api", "import", "areas", str(source)], env, empty_store
    )
    assert snapshot(empty_store) == before
    # And the store is usable: the same import now goes through whole.
    subprocess.run([sys.executable, "-m", "api", "import", "areas", str(source)], env=env,
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    assert empty_store.counts()["community"] == 3600


EDIT = """
import sys
from geo.areas.edit_plans import plan_merge
from geo.stores import open_store
store = open_store(sys.argv[1])
a, b = store.get_area("330402007"), store.get_area("330402008")
plan = plan_merge([a, b], expected_versions={"330402007": a.version, "330402008": b.version})
store.commit(plan, author="killed", reason="merge that never lands")
"""


def test_an_edit_killed_half_way_changes_nothing(empty_store: Store, tmp_path: Path) -> None:
    half = SIDE / 2
    west, east = (
        shapely.box(X0, Y0, X0 + half, Y0 + SIDE),
        shapely.box(X0 + half, Y0, X0 + SIDE, Y0 + SIDE),
    )
    areas = [
        NewArea("330402", Level.DISTRICT, "南湖区", west.union(east)),
        NewArea("330402007", Level.STREET, "西", west, parent_code="330402"),
        NewArea("330402008", Level.STREET, "东", east, parent_code="330402"),
    ]
    # Many communities in the east street: merging re-codes every one of them.
    for i in range(400):
        row, col = divmod(i, 20)
        step = half / 20
        box = shapely.box(X0 + half + col * step, Y0 + row * SIDE / 20,
                          X0 + half + (col + 1) * step, Y0 + (row + 1) * SIDE / 20)  # fmt: skip
        areas.append(NewArea(f"330402008{i + 1:03d}", Level.COMMUNITY, f"社区{i}", box,
                             parent_code="330402008"))  # fmt: skip
    empty_store.add_areas(areas, author="seed", reason="seed")
    script = tmp_path / "edit.py"
    script.write_text(EDIT, "utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    before = snapshot(empty_store)
    kill_while_writing([sys.executable, str(script), empty_store.url], env, empty_store)
    assert snapshot(empty_store) == before
    assert [a.code for a in empty_store.current_areas(Level.STREET)] == ["330402007", "330402008"]
