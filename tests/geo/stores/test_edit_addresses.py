"""Addresses follow edits: out of a shrunk area into the gap, and back when it grows again."""

from __future__ import annotations

import pandas as pd
import shapely
from sqlalchemy import select

from geo.areas import Level, NewArea, plan_replace
from geo.stores import Store
from geo.stores.schema import addresses

X0, Y0 = 120.70, 30.70
AREAS = [
    NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(X0, Y0, X0 + 0.1, Y0 + 0.1)),
    NewArea("330402007", Level.STREET, "建设街道", shapely.box(X0, Y0, X0 + 0.1, Y0 + 0.1),
            parent_code="330402"),
    NewArea("330402007001", Level.COMMUNITY, "甲社区", shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.1),
            parent_code="330402007"),
    NewArea("330402007002", Level.COMMUNITY, "乙社区",
            shapely.box(X0 + 0.05, Y0, X0 + 0.1, Y0 + 0.1), parent_code="330402007"),
]  # fmt: skip
# Three addresses in the west community, two of them in its eastern strip.
POINTS = [(X0 + 0.01, Y0 + 0.05), (X0 + 0.045, Y0 + 0.02), (X0 + 0.046, Y0 + 0.08)]


def seeded(store: Store) -> Store:
    store.add_areas(AREAS, author="seed", reason="seed")
    rows = [{"code": f"A{i}", "full_text": f"建设路{i}号", "components": {}, "lon": lon,
             "lat": lat, "aliases": [], "status": "active", "district": "330402",
             "street": "330402007", "community": "330402007001", "grid": None,
             "micro_grid": None} for i, (lon, lat) in enumerate(POINTS)]  # fmt: skip
    store.add_addresses(pd.DataFrame(rows), author="seed", reason="addresses")
    return store


def communities(store: Store) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(addresses.c.code, addresses.c.community)).all()
    return dict(sorted((code, community) for code, community in rows))


def test_addresses_left_in_a_gap_rejoin_the_area_that_grows_back(empty_store: Store) -> None:
    store = seeded(empty_store)
    west = store.get_area("330402007001")
    narrow = shapely.box(X0, Y0, X0 + 0.04, Y0 + 0.1)
    shrink = plan_replace(west, expected_version=west.version, geometry=narrow)
    preview = store.preview(shrink)
    assert sorted((a["full_text"], a["to"]) for a in preview.impact.addresses) == [
        ("建设路1号", None),
        ("建设路2号", None),
    ]
    store.commit(shrink, author="t", reason="estate handed back")
    assert communities(store) == {"A0": "330402007001", "A1": None, "A2": None}
    west = store.get_area("330402007001")
    grow = plan_replace(west, expected_version=west.version, geometry=AREAS[2].geometry)
    moved = store.preview(grow).impact.addresses
    assert sorted((a["from"], a["to"]) for a in moved) == [(None, "330402007001")] * 2
    store.commit(grow, author="t", reason="estate taken over again")
    assert communities(store) == {"A0": "330402007001", "A1": "330402007001", "A2": "330402007001"}
