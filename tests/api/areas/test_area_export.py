"""Exporting areas (CLI and HTTP) to GeoJSON, GeoPackage and Shapefile, and importing them back."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli.main import app
from geo.access import Role
from geo.areas import AreaRecord, Level
from geo.stores import Store
from tests.api.conftest import settings_for
from tests.conftest import fresh_store

runner = CliRunner()
STREET = "330402007"  # 建设街道 of the demo city, with its communities, grids and micro-grids
COMMUNITY = "330402007024"


@pytest.fixture
def source(empty_store: Store, demo_city: Any) -> Store:
    """The demo district and one of its streets with everything inside it."""
    subset = [a for a in demo_city.areas if a.code == "330402" or a.code.startswith(STREET)]
    empty_store.add_areas(subset, author="seed", reason="demo subset", operation="sample")
    return empty_store


@pytest.fixture
def target(empty_store: Store, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A second empty store on the same backend as ``source``."""
    folder = tmp_path / "target"
    folder.mkdir()
    with fresh_store(empty_store.backend, folder, request) as store:
        yield store


def run(store: Store, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "ONEMAP_DATABASE_URL": store.url})


def essence(area: AreaRecord) -> tuple[object, ...]:
    team = area.team.as_dict() if area.team else None
    return (area.code, area.level, area.name, area.parent_code, area.kind, team, area.attributes)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"])
def test_an_export_reimports_unchanged(
    source: Store, target: Store, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"areas{suffix}"
    exported = run(source, "export", "areas", str(out))
    assert exported.exit_code == 0, exported.output
    before = source.current_areas()
    assert f"wrote {len(before):,} areas" in exported.output
    imported = run(target, "import", "areas", str(out), "--reason", "round trip")
    assert imported.exit_code == 0, imported.output
    after = {a.code: a for a in target.current_areas()}
    assert [essence(a) for a in before] == [essence(after[a.code]) for a in before]
    assert len(after) == len(before)
    for area in before:
        assert shapely.equals(area.geometry, after[area.code].geometry), area.code
        assert after[area.code].geometry.geom_type == "MultiPolygon"


def test_a_shapefile_has_short_field_names_and_says_utf8(source: Store, tmp_path: Path) -> None:
    out = tmp_path / "grids.shp"
    result = run(source, "export", "areas", str(out), "--level", "grid", "--under", COMMUNITY)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "grids.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    info = pyogrio.read_info(out)
    assert all(len(name) <= 10 for name in info["fields"])
    assert {"parent", "team_lead", "attributes"} <= set(info["fields"])
    frame = pyogrio.read_dataframe(out)
    wanted = [a for a in source.current_areas(Level.GRID) if a.parent_code == COMMUNITY]
    assert sorted(frame["code"]) == [a.code for a in wanted] and len(wanted) > 1
    assert set(frame["name"]) == {a.name for a in wanted}  # Chinese names survive


def test_export_filters_by_time_and_reprojects(source: Store, tmp_path: Path) -> None:
    street = source.get_area(STREET)
    out = tmp_path / "street.geojson"
    result = run(source, "export", "areas", str(out), "--under", STREET, "--level", "street",
                 "--crs", "EPSG:4549", "--as-of", street.valid_from.isoformat())  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pyogrio.read_dataframe(out)
    assert list(frame["code"]) == [STREET] and frame.crs.to_epsg() == 4549
    assert frame.geometry.iloc[0].bounds[0] > 100_000  # metres, not degrees
    early = run(source, "export", "areas", str(out), "--as-of", "2000-01-01T00:00:00")
    assert early.exit_code == 0 and "wrote 0 areas" in early.output
    assert len(pyogrio.read_dataframe(out)) == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["areas.txt"], "cannot tell the format"),
        (["areas.gpkg", "--format", "kml"], "unknown format"),
        (["areas.gpkg", "--level", "block"], "unknown level"),
        (["areas.gpkg", "--crs", "EPSG:999999"], "unknown CRS"),
        (["areas.gpkg", "--crs", "EPSG:5773"], "not a horizontal"),
        (["areas.shp", "--crs", "+proj=ortho +lat_0=-90 +lon_0=0"], "no finite coordinates"),
        (["areas.gpkg", "--under", "33040"], "under"),
        (["areas.gpkg", "--as-of", "yesterday"], "--as-of"),
    ],
)
def test_export_refuses_bad_options(
    source: Store, tmp_path: Path, args: list[str], words: str
) -> None:
    result = run(source, "export", "areas", str(tmp_path / args[0]), *args[1:])
    assert result.exit_code == 2 and words in result.output, result.output
    assert list(tmp_path.glob("areas.*")) == []  # nothing half-written is left


@pytest.fixture
def http(source: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(source, tmp_path))) as client:
        yield client


def key(store: Store, role: Role, scope: str | None = None) -> dict[str, str]:
    return {"X-API-Key": store.create_key(name="t", role=role, scope=scope)[1]}


def test_editors_download_each_format(http: TestClient, source: Store, tmp_path: Path) -> None:
    editor = key(source, Role.EDITOR)
    query = {"level": "grid", "under": COMMUNITY}
    wanted = sorted(a.code for a in source.current_areas(Level.GRID) if a.parent_code == COMMUNITY)
    gpkg = http.get("/v1/areas/export", params={**query, "format": "gpkg"}, headers=editor)
    assert gpkg.status_code == 200 and gpkg.headers["content-type"].startswith(
        "application/geopackage+sqlite3"
    )
    assert "attachment" in gpkg.headers["content-disposition"]
    (tmp_path / "dl.gpkg").write_bytes(gpkg.content)
    assert sorted(pyogrio.read_dataframe(tmp_path / "dl.gpkg")["code"]) == wanted
    geojson = http.get("/v1/areas/export", params={**query, "format": "geojson"}, headers=editor)
    assert geojson.status_code == 200
    assert sorted(f["properties"]["code"] for f in geojson.json()["features"]) == wanted
    shp = http.get("/v1/areas/export", params={**query, "format": "shp"}, headers=editor)
    assert shp.status_code == 200 and shp.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(shp.content)).namelist()
    assert {n.rsplit(".", 1)[1] for n in names} >= {"shp", "shx", "dbf", "prj", "cpg"}


def test_export_keeps_to_roles_and_scopes(http: TestClient, source: Store) -> None:
    viewer = http.get("/v1/areas/export", headers=key(source, Role.VIEWER))
    assert viewer.status_code == 403
    assert http.get("/v1/areas/export").status_code == 401
    scoped = key(source, Role.EDITOR, scope=COMMUNITY)
    outside = http.get("/v1/areas/export", params={"under": "330402007001"}, headers=scoped)
    assert outside.status_code == 403 and outside.json()["error"]["details"]["field"] == "under"
    mine = http.get("/v1/areas/export", params={"format": "geojson"}, headers=scoped)
    codes = {f["properties"]["code"] for f in mine.json()["features"]}
    assert codes and all(c.startswith(COMMUNITY) for c in codes)
    bad = http.get("/v1/areas/export", params={"format": "kml"}, headers=scoped)
    assert bad.status_code == 422


def test_import_areas_lists_overlaps_and_warns_of_gaps(
    empty_store: Store, demo_city: Any, tmp_path: Path
) -> None:
    chosen = [a for a in demo_city.areas if a.code == "330402" or a.code == STREET
              or (a.level is Level.COMMUNITY and a.parent_code == STREET)]  # fmt: skip
    frame = gpd.GeoDataFrame(
        {"code": [a.code for a in chosen], "name": [a.name for a in chosen]},
        geometry=[a.geometry for a in chosen],
        crs=4490,
    )
    victim = chosen[2].code
    street = chosen[1].geometry
    frame.loc[2, "geometry"] = chosen[2].geometry.buffer(0.0003).intersection(street)
    frame.to_file(tmp_path / "bad.gpkg", engine="pyogrio")
    refused = run(empty_store, "import", "areas", str(tmp_path / "bad.gpkg"))
    assert refused.exit_code == 1 and "nothing was stored" in refused.output
    assert f"(code {victim}): geometry: overlaps" in refused.output
    assert empty_store.current_version() == 0
    frame.loc[2, "geometry"] = chosen[2].geometry
    frame.to_file(tmp_path / "good.gpkg", engine="pyogrio")
    accepted = run(empty_store, "import", "areas", str(tmp_path / "good.gpkg"))
    assert accepted.exit_code == 0, accepted.output
    assert "warning: " in accepted.output and "covered by none of its children" in accepted.output
    assert empty_store.counts()["community"] == len(chosen) - 2
