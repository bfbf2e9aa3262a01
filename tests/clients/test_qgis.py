"""QGIS 3.40 LTR (Debian bookworm-backports), headless, as mapping staff use it: the PyQGIS
script ``qgis_session.py`` runs under Debian's ``python3`` and these tests check what it saw
against the server's own API. Each fails on the bugs of issue 15: no Basic/API-header login,
no OPTIONS (read-only layers), no PATCH, errors QGIS cannot read, blank keyless tiles."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from base64 import b64encode
from typing import Any

import httpx
import pytest

from tests.clients.conftest import COLLECTIONS, City, need

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = os.path.join(os.path.dirname(__file__), "qgis_session.py")
EDITING = ["AddFeatures", "ChangeAttributeValues", "ChangeGeometries", "DeleteFeatures"]


def _qgis_installed() -> bool:
    try:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        probe = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True,
                               timeout=60, env=env)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.fixture(scope="module")
def qgis() -> None:
    need(_qgis_installed(), "QGIS (apt-get install -t bookworm-backports qgis python3-qgis)")


def run_qgis(city: City, step: str, *args: str) -> dict[str, Any]:
    home = tempfile.mkdtemp(prefix="qgis-home-")  # a fresh profile, auth db and network cache
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": home,
           "XDG_CACHE_HOME": os.path.join(home, "cache"), "XDG_RUNTIME_DIR": home}  # fmt: skip
    env.pop("PYTHONPATH", None)
    done = subprocess.run([SYSTEM_PYTHON, SCRIPT, city.base, city.editor, step, *args],
                          capture_output=True, text=True, timeout=600, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["qgis_version"].startswith("3.40"), result["qgis_version"]
    return result


def _pair(city: City) -> tuple[str, str]:
    """Two micro-grids of one grid that share an edge."""
    grid = city.get("/v1/areas", level="grid", limit=1)["features"][0]["id"]
    children = city.get("/v1/areas", level="micro_grid", parent=grid, limit=50)["features"]
    from shapely.geometry import shape

    first = shape(children[0]["geometry"])
    sibling = next(c for c in children[1:] if shape(c["geometry"]).touches(first))
    return children[0]["id"], sibling["id"]


def test_qgis_logs_in_both_ways_and_loads_every_collection(qgis: None, served_city: City) -> None:
    expected = served_city.counts()
    seen = run_qgis(served_city, "read")
    for method in ("APIHeader", "Basic"):
        for collection in COLLECTIONS:
            layer = seen[method][collection]
            assert layer["feature_count"] == expected[collection], (method, collection)
            assert layer["fetched"] == expected[collection], (method, collection)
            assert layer["capabilities"] == EDITING, (method, collection)


def test_qgis_edits_a_micro_grid_and_is_refused_an_overlap(qgis: None, served_city: City) -> None:
    code, sibling = _pair(served_city)
    before = served_city.get(f"/v1/areas/{code}/history")["numberMatched"]
    seen = run_qgis(served_city, "edit", code, sibling)
    assert seen["commit_ok"], seen["commit_errors"]
    history = served_city.get(f"/v1/areas/{code}/history")
    assert history["numberMatched"] == before + 2  # a PATCH of the name, one of the geometry
    latest = history["features"][-1]
    assert latest["properties"]["name"] == "测试微网格(QGIS改名)"
    assert [round(v, 9) for v in seen["moved_vertex"]] in [
        [round(x, 9), round(y, 9)] for x, y in latest["geometry"]["coordinates"][0][0]
    ] or any(
        [round(x, 9), round(y, 9)] == [round(v, 9) for v in seen["moved_vertex"]]
        for polygon in latest["geometry"]["coordinates"] for ring in polygon for x, y in ring
    )  # fmt: skip
    audit = served_city.get("/v1/audit", target=code)["items"]
    assert audit[0]["action"] == "areas.replace" and audit[0]["actor"] == "测绘员"
    changeset = served_city.get("/v1/changesets", limit=5)["items"]
    assert any(c["reason"].startswith("QGIS/") for c in changeset), changeset
    # The overlap: QGIS 3.40 puts only "Cannot modify feature" in commitErrors() for a changed
    # geometry, and the server's message (from the exception report) in its message log; for
    # a new feature the server's message is in commitErrors() itself.
    assert not seen["overlap_commit_ok"]
    assert any("Cannot modify feature" in e for e in seen["overlap_commit_errors"])
    assert any("topology_error" in m and "overlap" in m and sibling in m for m in seen["log"])
    assert not seen["add_commit_ok"]
    errors = " ".join(seen["add_commit_errors"])
    assert "topology_error" in errors and f"{sibling} and {code[:15]}901 overlap" in errors
    assert served_city.http.get(f"/v1/areas/{code[:15]}901").status_code == 404


def test_qgis_renders_the_micro_grid_tiles_only_with_the_key(qgis: None, served_city: City) -> None:
    code, _ = _pair(served_city)
    seen = run_qgis(served_city, "tiles", code)
    assert seen["with_key_valid"] and seen["with_key_painted"] > 10_000
    assert seen["without_key_painted"] == 0


def _basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(f"qgis:{key}".encode()).decode()}


def test_qgis_322_request_pattern_reads_every_collection_with_basic(served_city: City) -> None:
    """QGIS 3.22 (Debian stable) cannot be installed beside 3.40: its OAPIF reads are replayed.

    3.22 asks the landing page, the API document, the collection, one page of 10 for the
    layer's fields, then pages of the size the API document's ``limit`` advertises (its
    default, at least 1,000, at most the maximum) following ``next`` links, with Basic auth.
    """
    expected = served_city.counts()
    with httpx.Client(base_url=served_city.base, headers=_basic(served_city.editor),
                      timeout=60) as http:  # fmt: skip
        landing = http.get("/ogc").json()
        api = http.get(next(x["href"] for x in landing["links"] if x["rel"] == "service-desc"))
        parameters = api.json()["paths"]["/ogc/collections/{collection_id}/items"]["get"][
            "parameters"
        ]
        limit = next(p for p in parameters if p["name"] == "limit")["schema"]
        page = min(max(1000, limit["default"]), limit["maximum"])
        for collection in COLLECTIONS:
            assert http.get(f"/ogc/collections/{collection}").status_code == 200
            first = http.get(f"/ogc/collections/{collection}/items?limit=10").json()
            assert first["numberMatched"] == expected[collection]
            url: str | None = f"/ogc/collections/{collection}/items?limit={page}"
            fetched = 0
            while url:
                answer = http.get(url).json()
                fetched += answer["numberReturned"]
                url = next((x["href"] for x in answer["links"] if x["rel"] == "next"), None)
            assert fetched == expected[collection], collection
