"""The onemap command: imports that validate everything first, sample build, migrations."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner

from api.cli.main import app
from geo.stores import Store
from tests import awkward

runner = CliRunner()
DISTRICT = shapely.box(120.70, 30.70, 120.80, 30.80)
WEST, EAST = shapely.box(120.70, 30.70, 120.75, 30.80), shapely.box(120.75, 30.70, 120.80, 30.80)


@pytest.fixture
def store(empty_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", empty_store.url)
    return empty_store


def write_geojson(path: Path, rows: list[dict[str, object]]) -> Path:
    features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(r.pop("geometry")),
            "properties": r,
        }
        for r in rows
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def areas_file(
    tmp_path: Path, street_geometry: shapely.Geometry = EAST, street_code: str = "330402008"
) -> Path:
    return write_geojson(
        tmp_path / "areas.geojson",
        [
            {"code": "330402", "name": "南湖区", "geometry": DISTRICT},
            {
                "code": "330402007",
                "name": "建设街道",
                "geometry": WEST,
                "team_name": "建设街道中心",
            },
            {
                "code": street_code,
                "name": "解放街道",
                "geometry": street_geometry,
                "parent_code": "330402",
                "note": "x",
            },
        ],
    )


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_import_areas_stores_every_record(store: Store, tmp_path: Path) -> None:
    result = run("import", "areas", str(areas_file(tmp_path)), "--author", "王工")
    assert result.exit_code == 0, result.output
    assert store.counts()["street"] == 2
    street = store.get_area("330402008")
    assert street.parent_code == "330402" and street.attributes == {"note": "x"}
    assert store.get_area("330402007").team is not None
    assert store.list_changesets().items[0].author == "王工"


@pytest.mark.parametrize(
    ("geometry", "code", "field", "words"),
    [
        (awkward.bow_tie, "330402008", "geometry", "invalid"),
        (awkward.outside_china, "330402008", "geometry", "outside China"),
        (EAST, "330411008", "code", "does not start with its parent's code"),
        (shapely.box(120.79, 30.7, 120.9, 30.8), "330402008", "geometry", "outside its parent"),
    ],
)
def test_import_refuses_a_bad_record_and_stores_nothing(
    store: Store, tmp_path: Path, geometry: shapely.Geometry, code: str, field: str, words: str
) -> None:
    result = run("import", "areas", str(areas_file(tmp_path, geometry, code)))
    assert result.exit_code == 1, result.output
    assert "nothing was stored" in result.output
    assert f"{field}: " in result.output and words in result.output
    assert store.current_version() == 0


def test_import_reads_geopackage_and_reprojects(store: Store, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["330402"], "name": ["南湖区"]}, geometry=[DISTRICT], crs=4490
    ).to_crs(4549)  # CGCS2000 / 3-degree Gauss-Kruger CM 120E, metres
    frame.to_file(tmp_path / "d.gpkg", engine="pyogrio")
    result = run("import", "areas", str(tmp_path / "d.gpkg"))
    assert result.exit_code == 0, result.output
    assert store.get_area("330402").geometry.symmetric_difference(DISTRICT).area < 1e-10


def test_import_reads_a_shapefile(store: Store, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["330402", "330402007"], "name": ["南湖区", "建设街道"]},
        geometry=[DISTRICT, WEST],
        crs=4490,
    )
    frame.to_file(tmp_path / "areas.shp", engine="pyogrio", encoding="utf-8")
    result = run("import", "areas", str(tmp_path / "areas.shp"))
    assert result.exit_code == 0, result.output
    assert store.get_area("330402007").name == "建设街道"
    assert store.get_area("330402007").parent_code == "330402"


def test_import_of_unreadable_files_names_the_problem(store: Store, tmp_path: Path) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    result = run("import", "areas", str(broken))
    assert result.exit_code == 2 and "cannot read broken.geojson" in result.output
    missing = run("import", "areas", str(tmp_path / "nope.geojson"))
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert store.current_version() == 0


def test_import_addresses_derives_the_chain_and_refuses_strays(
    store: Store, tmp_path: Path
) -> None:
    assert run("import", "areas", str(areas_file(tmp_path))).exit_code == 0
    csv = tmp_path / "addresses.csv"
    csv.write_text(
        "full_text,lon,lat,road,roadno\n"
        "南湖区解放街道中山路1号,120.76,30.75,中山路,1号\n"
        "南湖区建设街道禾兴路2号,120.71,30.71,禾兴路,2号\n"
        "远方某路3号,121.5,31.2,,\n"
        ",120.76,30.75,,\n",
        "utf-8",
    )
    result = run("import", "addresses", str(csv))
    assert result.exit_code == 1
    assert "record 2: lon: point lies outside every district" in result.output
    assert "record 3: full_text: full_text is empty" in result.output
    assert store.counts()["addresses"] == 0
    csv.write_text(
        csv.read_text("utf-8").splitlines()[0]
        + "\n"
        + "\n".join(csv.read_text("utf-8").splitlines()[1:3])
        + "\n",
        "utf-8",
    )
    result = run("import", "addresses", str(csv))
    assert result.exit_code == 0, result.output
    assert store.counts()["addresses"] == 2


def test_sample_build_rejects_an_unknown_scale(store: Store) -> None:
    result = run("sample", "build", "--scale", "huge")
    assert result.exit_code == 2 and "--scale must be demo or city" in result.output


def test_db_upgrade_is_repeatable(store: Store) -> None:
    assert run("db", "upgrade").exit_code == 0
    assert run("db", "upgrade").exit_code == 0


def test_keys_are_created_listed_and_revoked(store: Store, tmp_path: Path) -> None:
    assert run("import", "areas", str(areas_file(tmp_path))).exit_code == 0
    created = run(
        "keys", "create", "--role", "editor", "--scope", "330402007", "--name", "建设街道"
    )
    assert created.exit_code == 0, created.output
    full_key = next(line for line in created.output.splitlines() if line.startswith("api key: "))
    key = store.authenticate(full_key.removeprefix("api key: "))
    assert key is not None and key.scope == "330402007" and key.role.value == "editor"
    assert key.id in run("keys", "list").output
    assert run("keys", "revoke", key.id).exit_code == 0
    assert store.authenticate(full_key.removeprefix("api key: ")) is None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--role", "superuser"], "unknown role 'superuser'"),
        (["--role", "viewer", "--scope", "33x"], "code must be a string of digits"),
        (["--role", "viewer", "--scope", "330499"], "--scope: no area with code '330499'"),
    ],
)
def test_keys_create_refuses_bad_options(store: Store, args: list[str], words: str) -> None:
    result = run("keys", "create", *args)
    assert result.exit_code == 2 and words in result.output
    assert store.list_keys() == []


def test_revoking_an_unknown_key_is_an_error(store: Store) -> None:
    result = run("keys", "revoke", "nosuchkey")
    assert result.exit_code == 2 and "no API key" in result.output
