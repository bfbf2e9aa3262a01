"""Thematic layers in the domain: reading in any CRS, row checks, assignment, visibility."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from geo.access import ApiKey, Role
from geo.areas import AreaRecord, Level
from geo.crs import wgs84_to_bd09, wgs84_to_gcj02
from geo.errors import InvalidInputError
from geo.layers import (
    FieldSpec,
    GeometryKind,
    LayerDef,
    assign_chains,
    holders,
    part_class,
    prepare_import,
    read_layer_file,
    validate_rows,
)
from geo.locate import Locator

X0, Y0 = 120.70, 30.70
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _area(code: str, level: Level, geom: object, parent: str | None) -> AreaRecord:
    return AreaRecord(
        code,
        level,
        code,
        geom,
        parent,
        "basic" if level is Level.GRID else None,
        None,
        {},
        1,
        T0,
        None,
    )  # type: ignore[arg-type]


def small_city() -> list[AreaRecord]:
    """One community split into a west grid (…001) and an east grid (…002) at X0 + 0.03."""
    whole = box(X0, Y0, X0 + 0.05, Y0 + 0.05)
    return [
        _area("330402", Level.DISTRICT, whole, None),
        _area("330402007", Level.STREET, whole, "330402"),
        _area("330402007001", Level.COMMUNITY, whole, "330402007"),
        _area("330402007001001", Level.GRID, box(X0, Y0, X0 + 0.03, Y0 + 0.05), "330402007001"),
        _area(
            "330402007001002", Level.GRID, box(X0 + 0.03, Y0, X0 + 0.05, Y0 + 0.05), "330402007001"
        ),
    ]


HYDRANTS = LayerDef(
    "hydrants",
    "消火栓",
    "消防救援支队",
    GeometryKind.POINT,
    fields=(FieldSpec("name", required=True), FieldSpec("pressure", "number")),
    parts=True,
)


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_every_bad_row_is_listed_and_nothing_passes_by_default(tmp_path: Path) -> None:
    rows = [
        {"lon": X0 + 0.01, "lat": Y0 + 0.01, "name": "甲", "pressure": "0.3", "class_code": "0117"},
        {"lon": "abc", "lat": Y0, "name": "乙", "pressure": "0.3", "class_code": "0117"},
        {"lon": 2.35, "lat": 48.85, "name": "丙", "pressure": "0.3", "class_code": "0117"},
        {"lon": X0, "lat": Y0, "name": "", "pressure": "high", "class_code": "9999"},
    ]
    raw = read_layer_file(write_csv(tmp_path / "h.csv", rows))
    with pytest.raises(InvalidInputError) as caught:
        prepare_import(HYDRANTS, raw, Locator(small_city(), 1))
    problems = {(p["row"], p["field"]) for p in caught.value.details["problems"]}
    assert problems == {
        (2, "geometry"),
        (3, "geometry"),
        (4, "name"),
        (4, "pressure"),
        (4, "class_code"),
    }
    assert caught.value.details["refused"] == 3
    assert "3 of 4 rows refused" in caught.value.message


def test_skip_bad_rows_keeps_the_good_ones_assigned(tmp_path: Path) -> None:
    rows = [
        {"lon": X0 + 0.01, "lat": Y0 + 0.01, "name": "甲", "pressure": "0.3", "class_code": "0117"},
        {"lon": X0 + 0.04, "lat": Y0 + 0.01, "name": "乙", "pressure": "", "class_code": "0101"},
        {"lon": X0 + 0.04, "lat": Y0 + 0.01, "name": "丙", "pressure": "x", "class_code": "0117"},
    ]
    raw = read_layer_file(write_csv(tmp_path / "h.csv", rows))
    prepared = prepare_import(HYDRANTS, raw, Locator(small_city(), 1), skip_bad_rows=True)
    assert len(prepared.batch) == 2 and prepared.skipped_rows == 1
    assert prepared.batch.properties == [{"name": "甲", "pressure": 0.3}, {"name": "乙"}]
    assert prepared.batch.chains[Level.GRID] == ["330402007001001", "330402007001002"]
    assert prepared.batch.class_codes == ["0117", "0101"]


def test_a_file_with_no_good_row_is_refused_even_when_skipping(tmp_path: Path) -> None:
    raw = read_layer_file(
        write_csv(tmp_path / "h.csv", [{"lon": 1, "lat": 1, "name": "x", "class_code": "0117"}])
    )
    with pytest.raises(InvalidInputError):
        prepare_import(HYDRANTS, raw, Locator(small_city(), 1), skip_bad_rows=True)


@pytest.mark.parametrize("crs, forward", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_chinese_web_map_coordinates_are_converted_exactly(
    tmp_path: Path, crs: str, forward: object
) -> None:
    lon, lat = np.array([120.7555, 120.71]), np.array([30.7467, 30.72])
    shifted = forward(lon, lat)  # type: ignore[operator]
    path = write_csv(tmp_path / "p.csv", [{"x": a, "y": b} for a, b in zip(*shifted, strict=True)])
    raw = read_layer_file(path, crs=crs)
    got = np.array([(g.x, g.y) for g in raw.geoms])
    metres = np.hypot((got[:, 0] - lon) * 95_000, (got[:, 1] - lat) * 111_000)
    assert metres.max() < 0.01


def test_a_projected_geopackage_is_reprojected_to_cgcs2000(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(120.75, 30.75)], crs=4490)
    path = tmp_path / "p.gpkg"
    frame.to_crs(4549).to_file(path, engine="pyogrio")  # CGCS2000 / 3-degree GK CM 120E
    raw = read_layer_file(path)
    assert raw.geoms[0].distance(Point(120.75, 30.75)) < 1e-7


def test_wrong_geometry_kind_and_invalid_polygons_are_refused() -> None:
    buildings = LayerDef("buildings", "建筑", "住建局", GeometryKind.POLYGON)
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 0.01, Y0 + 0.01), (X0 + 0.01, Y0), (X0, Y0 + 0.01)])
    frame = gpd.GeoDataFrame(
        {"name": ["ok", "bow", "pt"]},
        geometry=[box(X0, Y0, X0 + 0.001, Y0 + 0.001), bowtie, Point(X0, Y0)],
        crs=4490,
    )
    from geo.layers import rows_from_frame

    batch, problems = validate_rows(buildings, rows_from_frame(frame))
    assert len(batch) == 1
    assert [(p.row, p.reason.split(":")[0]) for p in problems] == [
        (2, "invalid"),
        (3, "Point in a polygon layer"),
    ]


def test_lines_and_polygons_go_to_the_grid_holding_most_of_them() -> None:
    grids = {a.code: a.geometry for a in small_city() if a.level is Level.GRID}
    # 0.02 in the west grid, 0.005 in the east: the west grid answers for the line.
    line = LineString([(X0 + 0.01, Y0 + 0.02), (X0 + 0.035, Y0 + 0.02)])
    poly = box(X0 + 0.025, Y0 + 0.01, X0 + 0.045, Y0 + 0.02)  # mostly east
    lines = holders(np.asarray([line], dtype=object), grids, GeometryKind.LINE)
    polys = holders(np.asarray([poly], dtype=object), grids, GeometryKind.POLYGON)
    assert lines == ["330402007001001"] and polys == ["330402007001002"]
    chains = assign_chains(
        np.asarray([line, poly], dtype=object), GeometryKind.LINE, Locator(small_city(), 1)
    )
    assert chains[Level.COMMUNITY] == ["330402007001"] * 2


def test_a_point_on_the_shared_edge_goes_to_the_smaller_code() -> None:
    grids = {a.code: a.geometry for a in small_city() if a.level is Level.GRID}
    edge = np.asarray([Point(X0 + 0.03, Y0 + 0.01)], dtype=object)
    assert holders(edge, grids, GeometryKind.POINT) == ["330402007001001"]


def _key(role: Role, scope: str | None = None) -> ApiKey:
    return ApiKey("k", "k", role, scope, T0)


def test_a_sensitive_layer_is_seen_by_its_named_roles_only() -> None:
    people = LayerDef(
        "population", "人口", "民政局", GeometryKind.POINT, sensitive=True, roles=(Role.EDITOR,)
    )
    assert people.visible_to(_key(Role.EDITOR))
    assert people.visible_to(_key(Role.ADMIN))
    assert not people.visible_to(_key(Role.VIEWER))
    assert not people.visible_to(_key(Role.DISPATCHER))
    assert not people.visible_to(None)


def test_a_scoped_layer_is_hidden_from_keys_scoped_elsewhere() -> None:
    local = LayerDef("stalls", "摊位", "城管局", GeometryKind.POINT, scopes=("330402007",))
    assert local.visible_to(_key(Role.VIEWER))
    assert local.visible_to(_key(Role.VIEWER, "330402007001"))
    assert local.visible_to(_key(Role.VIEWER, "330402"))
    assert not local.visible_to(_key(Role.VIEWER, "330402008"))
    with pytest.raises(InvalidInputError):
        LayerDef("people", "人口", "民政局", GeometryKind.POINT, sensitive=True)


def test_part_classes_carry_their_major_class() -> None:
    found = part_class("0101")
    assert found is not None and (found.name, found.major_name) == ("上水井盖", "公用设施")
    assert part_class("0100") is None
