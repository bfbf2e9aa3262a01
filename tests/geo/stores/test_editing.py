"""Boundary edits on both stores: versions, topology, history, impact, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString

from geo.areas import (
    Level,
    NewArea,
    plan_create,
    plan_merge,
    plan_move_boundary,
    plan_replace,
    plan_retire,
    plan_split,
)
from geo.errors import ConflictError, TopologyError, VersionMismatchError
from geo.stores import Store
from tests import awkward

X0, Y0 = 120.70, 30.70
DISTRICT = NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(X0, Y0, X0 + 0.1, Y0 + 0.1))


def street(seq: int, west: float, east: float) -> NewArea:
    return NewArea(f"330402{seq:03d}", Level.STREET, f"街道{seq}",
                   shapely.box(west, Y0, east, Y0 + 0.1), parent_code="330402")  # fmt: skip


def community(
    parent: str, seq: int, south: float, north: float, west: float, east: float
) -> NewArea:
    return NewArea(f"{parent}{seq:03d}", Level.COMMUNITY, f"社区{seq}",
                   shapely.box(west, south, east, north), parent_code=parent)  # fmt: skip


WEST, EAST = street(7, X0, X0 + 0.05), street(8, X0 + 0.05, X0 + 0.1)
COMMUNITIES = [
    community("330402007", 1, Y0, Y0 + 0.05, X0, X0 + 0.05),
    community("330402007", 2, Y0 + 0.05, Y0 + 0.1, X0, X0 + 0.05),
    community("330402008", 1, Y0, Y0 + 0.1, X0 + 0.05, X0 + 0.1),
]
ADDRESS_POINTS = [
    (X0 + 0.045, Y0 + 0.02),
    (X0 + 0.055, Y0 + 0.02),
    (X0 + 0.01, Y0 + 0.09),
    (X0 + 0.02, Y0 + 0.07),
]


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.add_areas([DISTRICT, WEST, EAST, *COMMUNITIES], author="seed", reason="seed")
    rows = []
    for i, (lon, lat) in enumerate(ADDRESS_POINTS):
        codes = {lv.value: None for lv in Level}
        rows.append({"code": f"A{i}", "full_text": f"地址{i}", "components": {}, "lon": lon,
                     "lat": lat, "aliases": [], "status": "active", **codes})  # fmt: skip
    frame = pd.DataFrame(rows)
    for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        areas = [a for a in [DISTRICT, WEST, EAST, *COMMUNITIES] if a.level is level]
        frame[level.value] = [
            next(a.code for a in areas if a.geometry.covers(shapely.Point(lon, lat)))
            for lon, lat in ADDRESS_POINTS
        ]
    empty_store.add_addresses(frame, author="seed", reason="addresses")
    return empty_store


def grid_of_address(store: Store, code: str, level: Level) -> str | None:
    with store.engine.connect() as conn:
        from sqlalchemy import select

        from geo.stores.schema import addresses

        return conn.execute(
            select(addresses.c[level.value]).where(addresses.c.code == code)
        ).scalar_one()


def test_replace_closes_the_old_version_and_keeps_history(store: Store) -> None:
    old = store.get_area("330402008")
    plan = plan_replace(old, expected_version=old.version, name="解放街道")
    outcome = store.commit(plan, author="王工", reason="rename")
    new = store.get_area("330402008")
    assert new.name == "解放街道" and new.version == outcome.changeset.id > old.version
    history = store.area_history("330402008")
    assert [h.name for h in history] == ["街道8", "解放街道"]
    assert history[0].valid_to == history[1].valid_from
    assert (
        store.get_area("330402008", as_of=new.valid_from - timedelta(microseconds=1)).name
        == "街道8"
    )


def test_a_stale_version_is_refused_and_nothing_changes(store: Store) -> None:
    old = store.get_area("330402008")
    store.commit(
        plan_replace(old, expected_version=old.version, name="新名"), author="a", reason="r"
    )
    before = store.current_version()
    with pytest.raises(VersionMismatchError) as caught:
        store.commit(
            plan_replace(old, expected_version=old.version, name="旧版"), author="b", reason="r"
        )
    assert caught.value.details["current_version"] == before
    assert store.current_version() == before and store.get_area("330402008").name == "新名"


def test_overlap_with_a_sibling_is_refused_with_drawable_problems(store: Store) -> None:
    old = store.get_area("330402008")
    grown = shapely.box(X0 + 0.04, Y0, X0 + 0.1, Y0 + 0.1)
    before = store.current_version()
    with pytest.raises(TopologyError) as caught:
        store.commit(
            plan_replace(old, expected_version=old.version, geometry=grown), author="a", reason="r"
        )
    kinds = {f["properties"]["kind"] for f in caught.value.details["features"]}
    assert "overlap" in kinds
    overlap = next(
        f for f in caught.value.details["features"] if f["properties"]["kind"] == "overlap"
    )
    assert overlap["properties"]["codes"] == ["330402007", "330402008"]
    assert overlap["properties"]["area_m2"] > 1_000_000
    assert store.current_version() == before


def test_outside_the_parent_and_children_left_outside_are_refused(store: Store) -> None:
    old = store.get_area("330402008")
    shifted = shapely.box(X0 + 0.05, Y0, X0 + 0.11, Y0 + 0.1)
    outcome = store.preview(plan_replace(old, expected_version=old.version, geometry=shifted))
    assert {"outside_parent"} <= {p.kind for p in outcome.problems}
    shrunk = shapely.box(X0 + 0.05, Y0, X0 + 0.09, Y0 + 0.1)
    outcome = store.preview(plan_replace(old, expected_version=old.version, geometry=shrunk))
    kinds = {p.kind for p in outcome.problems}
    assert "child_outside" in kinds and "gap" in kinds and not outcome.ok


def test_an_invalid_geometry_gets_its_location_and_a_repair(store: Store) -> None:
    old = store.get_area("330402007001")
    outcome = store.preview(
        plan_replace(old, expected_version=old.version, geometry=awkward.bow_tie)
    )
    invalid = next(p for p in outcome.problems if p.kind == "invalid_geometry")
    assert invalid.geometry is not None and invalid.geometry.geom_type == "Point"
    repair = next(p for p in outcome.problems if p.kind == "repair_suggestion")
    assert repair.geometry is not None and repair.geometry.is_valid and repair.severity == "warning"


def test_moving_a_shared_boundary_changes_both_and_moves_addresses(store: Store) -> None:
    west, east = store.get_area("330402007"), store.get_area("330402008")
    narrower = shapely.box(X0, Y0, X0 + 0.04, Y0 + 0.1)
    streets = {"330402007": west.version, "330402008": east.version}
    with pytest.raises(TopologyError):  # the communities of the west street would stick out
        plan = plan_move_boundary(west, east, narrower, expected_versions=streets)
        store.commit(plan, author="a", reason="r")
    south, north = store.get_area("330402007001"), store.get_area("330402007002")
    versions = {"330402007001": south.version, "330402007002": north.version}
    taller = shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.08)
    preview = store.preview(plan_move_boundary(south, north, taller, expected_versions=versions))
    assert preview.ok and [a["id"] for a in preview.impact.addresses if a["to"]] != []
    moved = {a["full_text"]: (a["from"], a["to"]) for a in preview.impact.addresses}
    assert moved == {"地址3": ("330402007002", "330402007001")}
    store.commit(plan_move_boundary(south, north, taller, expected_versions=versions),
                 author="a", reason="estate moved")  # fmt: skip
    assert store.get_area("330402007001").geometry.equals(taller)
    new_north = store.get_area("330402007002").geometry
    assert (
        new_north.union(taller).equals(WEST.geometry) and new_north.intersection(taller).area == 0
    )
    assert grid_of_address(store, "A3", Level.COMMUNITY) == "330402007001"


def test_split_gives_fresh_codes_and_recodes_children(store: Store) -> None:
    west = store.get_area("330402007")
    line = LineString([(X0 - 0.01, Y0 + 0.05), (X0 + 0.06, Y0 + 0.05)])
    plan = plan_split(west, line, expected_version=west.version,
                      used_codes=store.codes_ever_used("330402"))  # fmt: skip
    outcome = store.commit(plan, author="a", reason="split")
    assert [a.code for a in store.current_areas(Level.STREET)] == [
        "330402008",
        "330402009",
        "330402010",
    ]
    north, south = store.get_area("330402009"), store.get_area("330402010")
    assert north.geometry.bounds[1] >= south.geometry.bounds[1]  # numbered north to south
    children = {a.code: a.attributes["previous_code"] for a in store.current_areas(Level.COMMUNITY)
                if "previous_code" in a.attributes}  # fmt: skip
    assert sorted(children.values()) == ["330402007001", "330402007002"]
    assert all(code[:9] in ("330402009", "330402010") for code in children)
    assert grid_of_address(store, "A2", Level.STREET) == "330402009"
    assert outcome.impact.area_change_m2


def test_merge_keeps_the_smallest_code_and_recodes_the_rest(store: Store) -> None:
    west, east = store.get_area("330402007"), store.get_area("330402008")
    plan = plan_merge([west, east], expected_versions={"330402007": west.version,
                                                       "330402008": east.version})  # fmt: skip
    store.commit(plan, author="a", reason="merge")
    [merged] = store.current_areas(Level.STREET)
    assert merged.code == "330402007" and merged.geometry.equals(DISTRICT.geometry)
    codes = sorted(a.code for a in store.current_areas(Level.COMMUNITY))
    assert codes == ["330402007001", "330402007002", "330402007003"]
    assert grid_of_address(store, "A1", Level.COMMUNITY) == "330402007003"


def test_retire_refuses_a_parent_with_children(store: Store) -> None:
    with pytest.raises(TopologyError):
        street_ = store.get_area("330402008")
        store.commit(plan_retire(street_, expected_version=street_.version), author="a", reason="r")
    leaf = store.get_area("330402008001")
    store.commit(plan_retire(leaf, expected_version=leaf.version), author="a", reason="gone")
    assert [a.code for a in store.current_areas(Level.COMMUNITY)] == [
        "330402007001",
        "330402007002",
    ]


def test_create_inside_a_tiled_parent_overlaps_unless_neighbours_adjust(store: Store) -> None:
    square = shapely.box(X0 + 0.06, Y0 + 0.06, X0 + 0.07, Y0 + 0.07)
    school = NewArea("330402008002", Level.COMMUNITY, "学校社区", square, parent_code="330402008")
    assert "overlap" in {p.kind for p in store.preview(plan_create(school)).problems}
    outcome = store.commit(plan_create(school), author="a", reason="carve", adjust_neighbours=True)
    assert outcome.ok
    neighbour = store.get_area("330402008001")
    assert neighbour.geometry.intersection(school.geometry).area < 1e-12
    assert abs(neighbour.geometry.area + school.geometry.area - EAST.geometry.area) < 1e-12


def test_revert_restores_the_earlier_state_as_a_new_changeset(store: Store) -> None:
    old = store.get_area("330402008")
    done = store.commit(
        plan_replace(old, expected_version=old.version, name="改名"), author="a", reason="r"
    )
    store.commit(store.plan_revert(done.changeset.id), author="a", reason="undo")
    assert store.get_area("330402008").name == "街道8"
    assert len(store.area_history("330402008")) == 3
    with pytest.raises(ConflictError):
        store.plan_revert(done.changeset.id)


def test_concurrent_editors_lose_no_update(store: Store) -> None:
    old = store.get_area("330402008")
    results: list[str] = []

    def edit(name: str) -> None:
        try:
            store.commit(
                plan_replace(old, expected_version=old.version, name=name), author=name, reason="r"
            )
            results.append("ok")
        except VersionMismatchError:
            results.append("stale")

    threads = [threading.Thread(target=edit, args=(f"编辑{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok"] + ["stale"] * 5
    assert len(store.area_history("330402008")) == 2
