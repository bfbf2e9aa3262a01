"""The sample city on its real output: real names and codes, exact topology, addresses.

Facts checked against the source files are read from ``sample_data/jiaxing/`` here, not
copied into the tests. Topology is checked in metres (EPSG:4549, CGCS2000 3-degree
Gauss-Kruger, CM 120°E) with a tolerance of 1e-3 m², vectorised over whole levels.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.geometry
from pyproj import Transformer

from geo.areas import CODE_LENGTH, GridKind, Level, NewArea, validate_code
from sample_data import ADDRESS_COLUMNS, DEMO_DISTRICT, SampleCity, build_city

SEED = 2024
SOURCE = Path(__file__).resolve().parents[2] / "sample_data" / "jiaxing"
TOLERANCE_M2 = 1e-3
CHILD_LEVELS = [Level.STREET, Level.COMMUNITY, Level.GRID, Level.MICRO_GRID]
COMPONENT_ORDER = [
    *("prov", "city", "district", "town", "community", "village_group", "road", "roadno"),
    *("poi", "houseno", "cellno", "floorno", "roomno"),
]
_TO_GK = Transformer.from_crs(4490, 4549, always_xy=True)


# --- helpers ------------------------------------------------------------------------------


def _rows(filename: str) -> list[dict[str, str]]:
    with open(SOURCE / filename, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _parent(level: Level) -> Level:
    assert level.parent is not None
    return level.parent


def _parent_code(area: NewArea) -> str:
    assert area.parent_code is not None
    return area.parent_code


def _project(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(_TO_GK.transform(*xy.T)))


class Levels:
    """The areas of one build grouped by level, with projected geometries, computed once."""

    def __init__(self, city: SampleCity) -> None:
        self.areas = {level: [a for a in city.areas if a.level is level] for level in Level}
        self.code_index = {
            level: {a.code: i for i, a in enumerate(areas)} for level, areas in self.areas.items()
        }
        self.metres = {
            level: _project(np.array([a.geometry for a in areas], dtype=object))
            for level, areas in self.areas.items()
        }

    def parent_index(self, level: Level) -> np.ndarray:
        index = self.code_index[_parent(level)]
        return np.array([index[_parent_code(a)] for a in self.areas[level]])


def _reading_order_ok(geoms: list, bounds: tuple[float, float, float, float]) -> bool:
    """Sequence order = rows of equal height north→south, then west→east (the documented rule)."""
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    rows = max(1, round(math.sqrt(len(geoms))))
    height = (bounds[3] - bounds[1]) / rows
    row = np.clip(np.floor((bounds[3] - centres[:, 1]) / height), 0, rows - 1)
    keys = list(zip(row.tolist(), centres[:, 0].tolist(), strict=True))
    return keys == sorted(keys)


def _check_within(levels: Levels, level: Level) -> None:
    children = levels.metres[level]
    parents = levels.metres[_parent(level)][levels.parent_index(level)]
    outside = shapely.area(shapely.difference(children, parents))
    assert outside.max() < TOLERANCE_M2, levels.areas[level][int(outside.argmax())].code


def _check_no_overlap(levels: Levels, level: Level) -> None:
    geoms = levels.metres[level]
    tree = shapely.STRtree(geoms)
    meeting = tree.query(geoms, predicate="intersects")
    touching = tree.query(geoms, predicate="touches")
    pairs = {(int(i), int(j)) for i, j in meeting.T if i < j}
    pairs -= {(int(i), int(j)) for i, j in touching.T if i < j}
    if pairs:
        left, right = np.array(sorted(pairs)).T
        shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
        assert shared.max() < TOLERANCE_M2


def _check_no_gap(levels: Levels, level: Level) -> None:
    # With children inside their parent and not overlapping, parent area minus the sum of
    # the children's areas is exactly the area of the gaps.
    parent_of = levels.parent_index(level)
    covered = np.bincount(parent_of, weights=shapely.area(levels.metres[level]))
    with_children = np.unique(parent_of)
    parent_area = shapely.area(levels.metres[_parent(level)])[with_children]
    gaps = np.abs(parent_area - covered[with_children])
    assert gaps.max() < TOLERANCE_M2


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> SampleCity:
    return build_city("demo", seed=SEED)


@pytest.fixture(scope="module")
def demo_levels(demo: SampleCity) -> Levels:
    return Levels(demo)


@pytest.fixture(scope="module")
def city() -> SampleCity:
    return build_city("city", seed=SEED)


@pytest.fixture(scope="module")
def city_levels(city: SampleCity) -> Levels:
    return Levels(city)


# --- the real divisions -------------------------------------------------------------------


def test_districts_are_the_seven_real_ones(demo_levels: Levels) -> None:
    features = json.loads((SOURCE / "jiaxing_district_tianditu.geojson").read_text("utf-8"))
    real = {f["properties"]["code"]: f["properties"]["name"] for f in features["features"]}
    assert len(real) == 7
    assert {a.code: a.name for a in demo_levels.areas[Level.DISTRICT]} == real


def test_district_outlines_keep_their_real_area(demo_levels: Levels) -> None:
    features = json.loads((SOURCE / "jiaxing_district_tianditu.geojson").read_text("utf-8"))
    real_km2 = {f["properties"]["code"]: f["properties"]["area_km2"] for f in features["features"]}
    areas_km2 = shapely.area(demo_levels.metres[Level.DISTRICT]) / 1e6
    for area, km2 in zip(demo_levels.areas[Level.DISTRICT], areas_km2, strict=True):
        assert km2 == pytest.approx(real_km2[area.code], rel=5e-3)


def test_districts_add_up_to_the_real_city_outline(demo_levels: Levels) -> None:
    features = json.loads((SOURCE / "jiaxing_city_tianditu.geojson").read_text("utf-8"))
    outline = shapely.geometry.shape(features["features"][0]["geometry"])
    districts = np.array([a.geometry for a in demo_levels.areas[Level.DISTRICT]], dtype=object)
    # Compared in lon/lat: projecting the outline's long straight edges would bend them.
    m_per_deg2 = 111_320 * math.cos(math.radians(30.7)) * 110_860
    differ_m2 = shapely.area(shapely.symmetric_difference(shapely.union_all(districts), outline))
    perimeter_m = shapely.length(outline) * 100_000
    assert differ_m2 * m_per_deg2 / perimeter_m < 0.005  # on average under 5 mm off the line


def test_district_type_follows_the_name(demo_levels: Levels) -> None:
    for area in demo_levels.areas[Level.DISTRICT]:
        assert area.parent_code is None and area.kind is None
        assert area.attributes["type"] == area.name[-1] and area.name[-1] in "区县市"


def test_streets_are_the_72_nbs_towns(demo_levels: Levels) -> None:
    real = {r["nbs2023_code"]: r for r in _rows("jiaxing_towns.csv") if r["in_nbs2023"] == "1"}
    streets = demo_levels.areas[Level.STREET]
    assert len(real) == len(streets) == 72
    for street in streets:
        row = real[street.code]
        assert (street.name, street.parent_code) == (row["name"], row["district_code"])
        assert street.attributes["type"] == row["type"]
        assert street.attributes.get("mca2025_code") == (row["mca2025_code"] or None)


def test_communities_are_the_1202_real_ones(demo_levels: Levels) -> None:
    real = {r["code"]: r for r in _rows("jiaxing_villages_nbs2023.csv")}
    communities = demo_levels.areas[Level.COMMUNITY]
    assert len(real) == len(communities) == 1202
    for community in communities:
        row = real[community.code]
        assert (community.name, community.parent_code) == (row["name"], row["town_code"])
        assert community.attributes["type"] == ("社区" if row["kind"] == "社区" else "村")
        assert community.attributes["short_name"].startswith(row["short_name"])


# --- codes and geometry -------------------------------------------------------------------


def test_codes_fit_their_level_and_parent(demo: SampleCity) -> None:
    for area in demo.areas:
        assert len(area.code) == CODE_LENGTH[area.level]
        validate_code(area.code, area.level, area.parent_code)


def test_codes_are_unique(demo: SampleCity) -> None:
    codes = [a.code for a in demo.areas]
    assert len(set(codes)) == len(codes)


def test_parents_come_before_children(demo: SampleCity) -> None:
    depth = [a.level.depth for a in demo.areas]
    assert depth == sorted(depth)


def test_geometries_are_valid_polygons(demo: SampleCity) -> None:
    geoms = np.array([a.geometry for a in demo.areas], dtype=object)
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(shapely.get_type_id(geoms).tolist()) <= {3, 6}  # Polygon, MultiPolygon


def test_coordinates_are_on_the_1e7_grid(demo: SampleCity) -> None:
    coords = shapely.get_coordinates(np.array([a.geometry for a in demo.areas], dtype=object))
    assert np.array_equal(np.round(coords * 1e7) / 1e7, coords)


@pytest.mark.parametrize("level", CHILD_LEVELS, ids=str)
def test_children_lie_within_their_parent(demo_levels: Levels, level: Level) -> None:
    _check_within(demo_levels, level)


@pytest.mark.parametrize("level", CHILD_LEVELS, ids=str)
def test_siblings_do_not_overlap(demo_levels: Levels, level: Level) -> None:
    _check_no_overlap(demo_levels, level)


@pytest.mark.parametrize("level", CHILD_LEVELS, ids=str)
def test_children_cover_their_parent(demo_levels: Levels, level: Level) -> None:
    _check_no_gap(demo_levels, level)


@pytest.mark.parametrize("level", list(Level), ids=str)
def test_each_level_is_an_exact_coverage(demo_levels: Levels, level: Level) -> None:
    geoms = np.array([a.geometry for a in demo_levels.areas[level]], dtype=object)
    assert shapely.coverage_is_valid(geoms)


# --- grids and micro-grids ----------------------------------------------------------------


def test_demo_has_grids_only_in_nanhu(demo_levels: Levels) -> None:
    micro = demo_levels.areas[Level.MICRO_GRID]
    assert len(micro) >= 8000
    for level in (Level.GRID, Level.MICRO_GRID):
        assert all(a.code.startswith(DEMO_DISTRICT) for a in demo_levels.areas[level])
    nanhu = {a.code for a in demo_levels.areas[Level.COMMUNITY] if a.code[:6] == DEMO_DISTRICT}
    assert {a.parent_code for a in demo_levels.areas[Level.GRID]} == nanhu


def test_grid_numbers_are_basic_then_dedicated(demo_levels: Levels) -> None:
    by_community: dict[str, list] = {}
    for grid in demo_levels.areas[Level.GRID]:
        by_community.setdefault(_parent_code(grid), []).append(grid)
    for grids in by_community.values():
        basic = [g.attributes["seq"] for g in grids if g.kind == GridKind.BASIC]
        dedicated = [g.attributes["seq"] for g in grids if g.kind == GridKind.DEDICATED]
        assert basic == list(range(1, len(basic) + 1))
        assert dedicated == list(range(901, 901 + len(dedicated)))
        for grid in grids:
            assert grid.code[-3:] == f"{grid.attributes['seq']:03d}"


def test_basic_grids_are_numbered_west_to_east_north_to_south(demo_levels: Levels) -> None:
    geometry = {a.code: a.geometry for a in demo_levels.areas[Level.COMMUNITY]}
    basic: dict[str, list] = {}
    for grid in demo_levels.areas[Level.GRID]:
        if grid.kind == GridKind.BASIC:
            basic.setdefault(_parent_code(grid), []).append(grid)
    for code, grids in basic.items():
        ordered = sorted(grids, key=lambda g: g.attributes["seq"])
        assert _reading_order_ok([g.geometry for g in ordered], geometry[code].bounds), code


def test_micro_grids_are_numbered_west_to_east_north_to_south(demo_levels: Levels) -> None:
    grids = {a.code: a for a in demo_levels.areas[Level.GRID]}
    by_grid: dict[str, list] = {}
    for micro in demo_levels.areas[Level.MICRO_GRID]:
        by_grid.setdefault(_parent_code(micro), []).append(micro)
    for code, micros in by_grid.items():
        ordered = sorted(micros, key=lambda m: m.attributes["seq"])
        assert [m.attributes["seq"] for m in ordered] == list(range(1, len(ordered) + 1))
        assert _reading_order_ok([m.geometry for m in ordered], grids[code].geometry.bounds)
        assert {m.kind for m in micros} == {grids[code].kind}


def test_dedicated_grids_are_carved_out_of_about_one_community_in_five(
    demo_levels: Levels,
) -> None:
    grids = demo_levels.areas[Level.GRID]
    dedicated = [g for g in grids if g.kind == GridKind.DEDICATED]
    hosts = {g.parent_code for g in dedicated}
    communities = {g.parent_code for g in grids}
    assert 0.1 < len(hosts) / len(communities) < 0.35
    assert {g.attributes["facility"] for g in dedicated} == {"学校", "医院", "公园", "工业园"}
    assert all(g.name.endswith("专属网格") for g in dedicated)
    # Carved out: dedicated grids share only edges with the basic grids around them, and
    # together they still cover the community (the overlap and gap checks cover both kinds).
    basic = np.array([g.geometry for g in grids if g.kind == GridKind.BASIC], dtype=object)
    tree = shapely.STRtree(basic)
    for grid in dedicated:
        neighbours = basic[tree.query(grid.geometry, predicate="intersects")]
        assert len(neighbours) > 0
        assert shapely.touches(grid.geometry, neighbours).all()


def test_grid_names_and_teams(demo_levels: Levels) -> None:
    short = {a.code: a.attributes["short_name"] for a in demo_levels.areas[Level.COMMUNITY]}
    leader = re.compile(r"^\w\*\w?$")
    phone = re.compile(r"^1\d{2}\*{4}\d{4}$")
    for grid in demo_levels.areas[Level.GRID]:
        if grid.kind == GridKind.BASIC:
            assert grid.name == f"{short[_parent_code(grid)]}第{grid.attributes['seq']}网格"
        assert grid.team is not None and grid.team.name == f"{grid.name}工作站"
        assert leader.match(grid.team.leader or "") and phone.match(grid.team.phone or "")
    for micro in demo_levels.areas[Level.MICRO_GRID]:
        assert micro.name.endswith(f"第{micro.attributes['seq']}微网格")
        assert micro.team is not None and micro.team.name.endswith("微网格员")
        assert leader.match(micro.team.leader or "") and phone.match(micro.team.phone or "")


# --- addresses ----------------------------------------------------------------------------


def test_demo_addresses_are_many_and_all_in_nanhu(demo: SampleCity) -> None:
    addresses = demo.addresses
    assert len(addresses) >= 50_000
    assert (addresses["district"] == DEMO_DISTRICT).all()
    assert list(addresses.columns) == list(ADDRESS_COLUMNS)
    assert addresses["lon"].dtype == np.float64 and addresses["lat"].dtype == np.float64
    assert (addresses["status"] == "active").all()


def test_address_codes_are_unique_and_chained(demo: SampleCity) -> None:
    a = demo.addresses
    assert a["code"].is_unique
    assert (a["code"].str.len() == 24).all()
    for parent, child in itertools.pairwise(ADDRESS_COLUMNS[7:]):
        assert (a[child].str.slice(0, len(a[parent].iloc[0])) == a[parent]).all()
    assert (a["code"].str.slice(0, 18) == a["micro_grid"]).all()
    micro_codes = {x.code for x in demo.areas if x.level is Level.MICRO_GRID}
    assert set(a["micro_grid"]) <= micro_codes


def test_full_texts_are_unique(demo: SampleCity) -> None:
    assert demo.addresses["full_text"].is_unique


def test_full_text_joins_components_in_standard_order(
    demo_levels: Levels, demo: SampleCity
) -> None:
    upper = demo_levels.areas[Level.DISTRICT] + demo_levels.areas[Level.STREET]
    names = {a.code: a.name for a in upper}
    names |= {a.code: a.attributes["short_name"] for a in demo_levels.areas[Level.COMMUNITY]}
    a = demo.addresses
    for text, components, d, s, c in zip(
        a["full_text"], a["components"], a["district"], a["street"], a["community"], strict=True
    ):
        keys = list(components)
        assert keys == [k for k in COMPONENT_ORDER if k in components]
        assert text == "".join(components.values())
        assert text.startswith(f"浙江省嘉兴市{names[d]}{names[s]}{names[c]}")


def test_addresses_mix_door_building_and_room_levels(demo: SampleCity) -> None:
    components = demo.addresses["components"]
    room = components.map(lambda c: "roomno" in c).mean()
    building = components.map(lambda c: "houseno" in c and "roomno" not in c).mean()
    door = components.map(lambda c: "roadno" in c and "houseno" not in c).mean()
    assert room > 0.5 and building > 0.05 and door > 0.05
    numbers = components.map(lambda c: c.get("roadno")).dropna()
    assert numbers.str.fullmatch(r"\d+号").all()
    parity = numbers.str.slice(0, -1).astype(int) % 2
    assert 0.3 < parity.mean() < 0.7  # both sides of the roads are numbered


def test_address_points_lie_strictly_inside_their_micro_grid(demo: SampleCity) -> None:
    micro = {a.code: a.geometry for a in demo.areas if a.level is Level.MICRO_GRID}
    a = demo.addresses
    geoms = np.array([micro[c] for c in a["micro_grid"]], dtype=object)
    shapely.prepare(geoms)
    assert shapely.contains_xy(geoms, a["lon"].to_numpy(), a["lat"].to_numpy()).all()
    points = shapely.points(a["lon"].to_numpy(), a["lat"].to_numpy())
    assert not shapely.dwithin(shapely.boundary(geoms), points, 1e-6).any()


def test_compounds_cluster_in_one_micro_grid(demo: SampleCity) -> None:
    basic = {a.code for a in demo.areas if a.level is Level.MICRO_GRID and a.kind == "basic"}
    a = demo.addresses
    poi = a["components"].map(lambda c: c.get("poi"))
    in_compound = poi.notna() & a["micro_grid"].isin(basic)
    compounds = a[in_compound].assign(poi=poi[in_compound]).groupby(["street", "poi"])
    assert (compounds["micro_grid"].nunique() == 1).all()
    assert compounds.ngroups > 5000


def test_some_addresses_keep_historic_names(demo: SampleCity) -> None:
    aliases = demo.addresses["aliases"]
    assert 0.04 < (aliases.str.len() > 0).mean() < 0.12
    every_alias = {alias for row in aliases for alias in row}
    assert not every_alias & set(demo.addresses["full_text"])
    assert any("新村" in alias for alias in every_alias)


# --- determinism --------------------------------------------------------------------------


def _area_wkbs(city: SampleCity) -> list[tuple[str, bytes]]:
    return [(a.code, shapely.to_wkb(a.geometry)) for a in city.areas]


def test_same_seed_gives_the_same_city(demo: SampleCity) -> None:
    again = build_city("demo", seed=SEED)
    assert _area_wkbs(again) == _area_wkbs(demo)
    assert [(a.name, a.team, a.attributes) for a in again.areas] == [
        (a.name, a.team, a.attributes) for a in demo.areas
    ]
    pd.testing.assert_frame_equal(again.addresses, demo.addresses)


def test_another_seed_gives_another_city(demo: SampleCity) -> None:
    other = build_city("demo", seed=SEED + 1)
    streets = [shapely.to_wkb(a.geometry) for a in other.areas if a.level is Level.STREET]
    assert streets != [shapely.to_wkb(a.geometry) for a in demo.areas if a.level is Level.STREET]
    assert [a.code for a in other.areas[:1279]] == [a.code for a in demo.areas[:1279]]
    assert list(other.addresses["full_text"][:1000]) != list(demo.addresses["full_text"][:1000])


# --- city scale ---------------------------------------------------------------------------


@pytest.mark.slow
def test_city_has_grids_in_every_community(city_levels: Levels) -> None:
    communities = {a.code for a in city_levels.areas[Level.COMMUNITY]}
    basic = {a.parent_code for a in city_levels.areas[Level.GRID] if a.kind == GridKind.BASIC}
    assert len(communities) == 1202 and basic == communities
    assert 85_000 <= len(city_levels.areas[Level.MICRO_GRID]) <= 95_000


@pytest.mark.slow
def test_city_has_a_million_addresses(city: SampleCity) -> None:
    addresses = city.addresses
    assert len(addresses) >= 1_000_000
    assert addresses["code"].is_unique and addresses["full_text"].is_unique
    assert addresses["district"].nunique() == 7


@pytest.mark.slow
@pytest.mark.parametrize("level", [Level.GRID, Level.MICRO_GRID], ids=str)
def test_city_topology(city_levels: Levels, level: Level) -> None:
    _check_within(city_levels, level)
    _check_no_overlap(city_levels, level)
    _check_no_gap(city_levels, level)


@pytest.mark.slow
def test_city_address_points_lie_inside_their_micro_grid(city: SampleCity) -> None:
    micro = {a.code: a.geometry for a in city.areas if a.level is Level.MICRO_GRID}
    a = city.addresses
    geoms = np.array([micro[c] for c in a["micro_grid"]], dtype=object)
    shapely.prepare(geoms)
    assert shapely.contains_xy(geoms, a["lon"].to_numpy(), a["lat"].to_numpy()).all()


@pytest.mark.slow
def test_demo_is_the_nanhu_slice_of_the_city(city: SampleCity, demo: SampleCity) -> None:
    def nanhu(c: SampleCity) -> list[tuple[str, bytes]]:
        return [(code, wkb) for code, wkb in _area_wkbs(c) if code.startswith(DEMO_DISTRICT)]

    assert nanhu(city) == nanhu(demo)
    slice_ = city.addresses[city.addresses["district"] == DEMO_DISTRICT].reset_index(drop=True)
    pd.testing.assert_frame_equal(slice_, demo.addresses)
