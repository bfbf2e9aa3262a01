"""``onemap layers``: register, import with a refused row (exit 1, nothing stored), skip it."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point
from typer.testing import CliRunner

from api.cli.main import app
from geo.areas import Level
from geo.stores import Store
from tests.geo.stores.test_layer_store import AREAS, EAST, MID, WEST, Y0

runner = CliRunner()


@pytest.fixture
def store(empty_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", empty_store.url)
    empty_store.add_areas(AREAS, author="seed", reason="seed")
    return empty_store


def test_create_import_refuse_then_skip(store: Store, tmp_path: Path) -> None:
    created = runner.invoke(
        app,
        [
            "layers",
            "create",
            "hydrants",
            "--title",
            "消火栓",
            "--department",
            "消防救援支队",
            "--parts",
            "--field",
            "name:text:required",
            "--field",
            "mpa:number",
        ],
    )
    assert created.exit_code == 0, created.output
    path = tmp_path / "h.gpkg"
    gpd.GeoDataFrame(
        {
            "name": ["东", "西", "坏"],
            "mpa": [0.3, 0.2, 0.1],
            "class_code": ["0117", "0117", "0199"],
        },
        geometry=[
            Point(MID + 0.01, Y0 + 0.01),
            Point(MID - 0.01, Y0 + 0.01),
            Point(MID, Y0 + 0.02),
        ],
        crs=4490,
    ).to_file(path)
    refused = runner.invoke(app, ["layers", "import", "hydrants", str(path)])
    assert refused.exit_code == 1
    assert "row 3: class_code" in refused.output
    assert store.get_layer("hydrants").feature_count == 0
    done = runner.invoke(app, ["import", "layer", "hydrants", str(path), "--skip-bad-rows"])
    assert done.exit_code == 0, done.output
    assert "imported 2 features" in done.output and "skipped row 3" in done.output
    grids = [f.chain[Level.GRID] for f in store.layer_features_page("hydrants").items]
    assert sorted(grids) == sorted([EAST, WEST])
    listed = runner.invoke(app, ["layers", "list"])
    assert "hydrants" in listed.output and "2 features" in listed.output


def test_a_line_layer_from_a_gcj02_geojson(store: Store, tmp_path: Path) -> None:
    assert (
        runner.invoke(
            app,
            [
                "layers",
                "create",
                "roads",
                "--title",
                "道路",
                "--department",
                "交通局",
                "--geometry-type",
                "line",
            ],
        ).exit_code
        == 0
    )
    path = tmp_path / "roads.geojson"
    gpd.GeoDataFrame(
        {"name": ["甲路"]},
        geometry=[LineString([(MID - 0.012, Y0 + 0.03), (MID + 0.002, Y0 + 0.03)])],
        crs=4326,
    ).to_file(path)
    done = runner.invoke(app, ["layers", "import", "roads", str(path), "--crs", "gcj02"])
    assert done.exit_code == 0, done.output
    (road,) = store.layer_features_page("roads").items
    assert road.chain[Level.GRID] == WEST  # converted from GCJ-02 (~500 m off) and still west
    assert road.geometry.bounds[0] < MID - 0.012  # GCJ-02 lies east of WGS84 here


def test_bad_definitions_are_refused(store: Store) -> None:
    bad = runner.invoke(app, ["layers", "create", "Bad-Name", "--title", "x", "--department", "y"])
    assert bad.exit_code == 2 and "layer name" in bad.output
    hidden = runner.invoke(
        app,
        [
            "layers",
            "create",
            "people",
            "--title",
            "人口",
            "--department",
            "民政局",
            "--sensitive-for",
            "boss",
        ],
    )
    assert hidden.exit_code != 0
