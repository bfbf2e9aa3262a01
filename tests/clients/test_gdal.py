"""GDAL's OAPIF driver (Debian's gdal-bin, 3.6): ogr2ogr of every collection (counts as
/v1/areas has them), a bbox given in EPSG:4490 (latitude-first), a datetime interval, and the
key sent as HTTP Basic, as Bearer and as the header."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pyogrio
import pytest

from tests.clients.conftest import COLLECTIONS, City, need

EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"


@pytest.fixture(scope="module")
def gdal() -> str:
    need(shutil.which("ogr2ogr") is not None, "GDAL (apt-get install gdal-bin)")
    version = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True).stdout
    return version.split(",")[0]


def ogr2ogr(city: City, out: Path, *args: str, auth: dict[str, str] | None = None) -> None:
    env = {**os.environ, **(auth or {"GDAL_HTTP_AUTH": "BASIC",
                                      "GDAL_HTTP_USERPWD": f"gdal:{city.editor}"})}  # fmt: skip
    done = subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), *args], env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_ogr2ogr_copies_every_collection(gdal: str, served_city: City, tmp_path: Path) -> None:
    expected = served_city.counts()
    out = tmp_path / "city.gpkg"
    # GDAL 3.6 asks 10 features a page unless told (its PAGE_SIZE open option), whatever
    # the server's default: the README gives this option.
    ogr2ogr(served_city, out, "-oo", "PAGE_SIZE=1000", f"OAPIF:{served_city.base}/ogc",
            *COLLECTIONS)  # fmt: skip
    layers = {name: pyogrio.read_info(out, layer=name)["features"] for name in COLLECTIONS}
    assert layers == expected, (gdal, layers)


@pytest.mark.parametrize("scheme", ["bearer", "header"])
def test_ogr2ogr_with_a_bbox_in_epsg_4490_and_other_key_schemes(
    gdal: str, served_city: City, tmp_path: Path, scheme: str
) -> None:
    some = served_city.get("/v1/areas", level="grid", limit=1)["features"][0]
    west, south, east, north = some["bbox"] if "bbox" in some else _bounds(some["geometry"])
    box = f"{west},{south},{east},{north}"
    expected = served_city.get("/v1/areas", level="grid", bbox=box, limit=1)["numberMatched"]
    header = {"bearer": f"Authorization: Bearer {served_city.editor}",
              "header": f"X-API-Key: {served_city.editor}"}[scheme]  # fmt: skip
    # GDAL appends the query of the dataset URL to each request it makes
    url = f"{served_city.base}/ogc?bbox={south},{west},{north},{east}&bbox-crs={EPSG4490}"
    out = tmp_path / "bbox.gpkg"
    ogr2ogr(served_city, out, f"OAPIF:{url}", "grids", auth={"GDAL_HTTP_HEADERS": header})
    assert pyogrio.read_info(out)["features"] == expected >= 1


def _bounds(geometry: dict[str, object]) -> tuple[float, float, float, float]:
    from shapely.geometry import shape

    return shape(geometry).bounds  # type: ignore[arg-type, no-any-return]


def test_ogr2ogr_with_a_datetime_interval(gdal: str, served_city: City, tmp_path: Path) -> None:
    expected = served_city.counts()["streets"]
    stamp = served_city.get("/ogc/collections/streets/items", limit=1)["timeStamp"]
    now = stamp.replace("+00:00", "Z")  # a '+' in a URL query would be read as a space
    for interval, count in ((f"{now}/..", expected), ("../2001-01-01T00:00:00Z", 0)):
        out = tmp_path / f"streets{count}.gpkg"
        url = f"{served_city.base}/ogc?datetime={interval}"
        ogr2ogr(served_city, out, f"OAPIF:{url}", "streets")
        assert pyogrio.read_info(out)["features"] == count, interval
