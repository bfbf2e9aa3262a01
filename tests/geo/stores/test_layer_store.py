"""Thematic layers on both stores: imports all or nothing, counts, and boundary edits that
re-assign features (the preview counts them per layer, the commit moves them)."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, Point, box
from sqlalchemy import func, select

from geo.areas import Level, NewArea, plan_move_boundary
from geo.layers import FeatureBatch, GeometryKind, LayerDef, assign_chains
from geo.locate import Locator
from geo.stores import Store
from geo.stores.schema import audit_log, layer_features

X0, Y0 = 120.70, 30.70
MID = X0 + 0.03
AREAS = [
    NewArea("330402", Level.DISTRICT, "南湖区", box(X0, Y0, X0 + 0.05, Y0 + 0.05)),
    NewArea(
        "330402007",
        Level.STREET,
        "建设街道",
        box(X0, Y0, X0 + 0.05, Y0 + 0.05),
        parent_code="330402",
    ),
    NewArea(
        "330402007001",
        Level.COMMUNITY,
        "百妙社区",
        box(X0, Y0, X0 + 0.05, Y0 + 0.05),
        parent_code="330402007",
    ),
    NewArea(
        "330402007001001",
        Level.GRID,
        "第1网格",
        box(X0, Y0, MID, Y0 + 0.05),
        parent_code="330402007001",
        kind="basic",
    ),
    NewArea(
        "330402007001002",
        Level.GRID,
        "第2网格",
        box(MID, Y0, X0 + 0.05, Y0 + 0.05),
        parent_code="330402007001",
        kind="basic",
    ),
]
WEST, EAST = "330402007001001", "330402007001002"


def batch(store: Store, geoms: list[object], kind: GeometryKind) -> FeatureBatch:
    array = np.asarray(geoms, dtype=object)
    b = FeatureBatch(
        array,
        [{"name": f"f{i}"} for i in range(len(geoms))],
        [("0118" if kind is GeometryKind.POINT else None)] * len(geoms),
        np.arange(1, len(geoms) + 1),
    )
    b.chains = assign_chains(array, kind, Locator(store.current_areas(), 1))
    return b


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.add_areas(AREAS, author="seed", reason="seed")
    empty_store.register_layer(
        LayerDef("lamps", "路灯", "城管局", GeometryKind.POINT, parts=True), author="t"
    )
    empty_store.register_layer(LayerDef("roads", "道路", "交通局", GeometryKind.LINE), author="t")
    # Lamps at 0.005 and 0.015 west of the shared edge, one east of it.
    lamps = [
        Point(MID - 0.005, Y0 + 0.01),
        Point(MID - 0.015, Y0 + 0.01),
        Point(MID + 0.01, Y0 + 0.01),
    ]
    empty_store.import_layer_features(
        "lamps", batch(empty_store, lamps, GeometryKind.POINT), author="t"
    )
    road = LineString([(MID - 0.008, Y0 + 0.03), (MID + 0.004, Y0 + 0.03)])  # mostly west
    empty_store.import_layer_features(
        "roads", batch(empty_store, [road], GeometryKind.LINE), author="t"
    )
    return empty_store


def grids_of(store: Store, layer: str) -> list[str | None]:
    page = store.layer_features_page(layer, limit=100)
    return [f.chain[Level.GRID] for f in page.items]


def test_imported_features_carry_their_chain_and_counts(store: Store) -> None:
    assert grids_of(store, "lamps") == [WEST, WEST, EAST]
    assert grids_of(store, "roads") == [WEST]
    counts = store.layer_counts(WEST, ["lamps", "roads"])
    assert counts == {
        "lamps": {"total": 2, "classes": {"0118": 2}},
        "roads": {"total": 1, "classes": {}},
    }
    assert store.layer_counts_by_area("lamps", Level.GRID) == {WEST: 2, EAST: 1}
    record = store.get_layer("lamps")
    assert record.feature_count == 3 and record.revision == 2
    assert record.bounds is not None


def test_an_import_that_fails_stores_nothing(store: Store) -> None:
    bad = batch(store, [Point(X0 + 0.01, Y0 + 0.01)], GeometryKind.POINT)
    bad.properties = [{"name": object()}]  # not JSON: the write fails half-way through
    with pytest.raises(Exception):  # noqa: B017 (any driver error will do)
        store.import_layer_features("lamps", bad, author="t")
    assert store.get_layer("lamps").feature_count == 3
    with store.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(layer_features)).scalar_one()
    assert n == 4


def test_replace_drops_the_old_features(store: Store) -> None:
    store.import_layer_features(
        "lamps",
        batch(store, [Point(X0 + 0.01, Y0 + 0.01)], GeometryKind.POINT),
        author="t",
        replace=True,
    )
    assert store.get_layer("lamps").feature_count == 1
    assert grids_of(store, "lamps") == [WEST]


def _move_edge_west(store: Store, to: float) -> object:
    west, east = store.get_area(WEST), store.get_area(EAST)
    return plan_move_boundary(
        west,
        east,
        box(X0, Y0, to, Y0 + 0.05),
        expected_versions={WEST: west.version, EAST: east.version},
    )


def test_a_boundary_move_previews_and_commits_the_features_it_moves(store: Store) -> None:
    plan = _move_edge_west(store, MID - 0.01)  # the lamp 0.005 west and most of the road move
    outcome = store.preview(plan)  # type: ignore[arg-type]
    assert outcome.impact.layers == {"lamps": 1, "roads": 1}
    assert outcome.impact.as_dict()["layers"] == {"lamps": 1, "roads": 1}
    assert grids_of(store, "lamps") == [WEST, WEST, EAST]  # a preview changes nothing
    revision = store.get_layer("lamps").revision
    store.commit(plan, author="editor", reason="move the edge")  # type: ignore[arg-type]
    assert grids_of(store, "lamps") == [EAST, WEST, EAST]
    assert grids_of(store, "roads") == [EAST]
    assert store.get_layer("lamps").revision == revision + 1
    with store.engine.connect() as conn:
        actions = list(
            conn.execute(
                select(audit_log.c.action, audit_log.c.changeset_id).where(
                    audit_log.c.action == "layers.reassign"
                )
            )
        )
    assert len(actions) == 2 and all(cs is not None for _, cs in actions)


def test_an_edit_far_from_the_features_moves_none(store: Store) -> None:
    plan = _move_edge_west(store, MID - 0.001)  # no lamp lies in the strip
    assert store.preview(plan).impact.layers == {}  # type: ignore[arg-type]
