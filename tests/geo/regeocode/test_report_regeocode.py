"""Bulk re-geocoding: the same rows in, grids out, locally and on a Dask LocalCluster."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli.main import app
from geo.crs import wgs84_to_gcj02
from geo.regeocode import RESULT_COLUMNS, RegeocodeOptions, regeocode
from geo.stores import Store, open_store, sqlite_url
from tests.geo.stores.test_report_store import GAP, GRID_A, GRID_B, SEED, X0, Y0


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_store(sqlite_url(tmp_path_factory.mktemp("regeocode") / "onemap.db"))
    store.upgrade()
    store.add_areas(SEED, author="seed", reason="seed")
    return store


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 3000
    lon = X0 + rng.uniform(0.0002, 0.0298, n)
    lat = Y0 + rng.uniform(0.0002, 0.0198, n)
    truth = [GRID_A if x < X0 + 0.01 else GRID_B if x < X0 + 0.02 else None for x in lon]
    x, y = wgs84_to_gcj02(lon, lat)
    frame = pd.DataFrame({"report": np.arange(n), "lon": x, "lat": y, "truth": truth})
    frame.loc[0, ["lon", "lat"]] = [999.0, 30.0]  # a bad point: queued, not a crash
    return frame


def test_local_engine_places_every_row(city: Store, rows: pd.DataFrame, tmp_path: Path) -> None:
    rows.to_csv(tmp_path / "in.csv", index=False)
    options = RegeocodeOptions(store_url=city.url, crs="gcj02")
    summary = regeocode(tmp_path / "in.csv", tmp_path / "out.csv", options, chunk_rows=1000)
    out = pd.read_csv(tmp_path / "out.csv", dtype={"grid": str, "community": str, "truth": str})
    assert summary.rows == len(rows) == len(out) and summary.partitions == 3
    assert list(out.columns) == [*rows.columns, *RESULT_COLUMNS]
    assert (out.grid.iloc[1:].fillna("-") == out.truth.iloc[1:].fillna("-")).all()
    assert (out.community[out.truth.isna()] == GAP).all()
    assert out.status.iloc[0] == "needs_location" and summary.by_status["needs_location"] == 1
    assert summary.by_method["point"] == len(rows) - 1


def test_dask_on_a_local_cluster_gives_the_same_rows(
    city: Store, rows: pd.DataFrame, tmp_path: Path
) -> None:
    pytest.importorskip("dask.distributed")
    rows.to_parquet(tmp_path / "in.parquet", index=False)
    options = RegeocodeOptions(store_url=city.url, crs="gcj02")
    local = regeocode(tmp_path / "in.parquet", tmp_path / "local.parquet", options)
    summary = regeocode(
        tmp_path / "in.parquet",
        tmp_path / "dask.parquet",
        options,
        engine="dask",
        workers=2,
        chunk_rows=1000,
    )
    assert summary.engine == "dask" and summary.partitions == 3
    assert summary.by_status == local.by_status and summary.rows == len(rows)
    expected = pd.read_parquet(tmp_path / "local.parquet")
    got = pd.read_parquet(tmp_path / "dask.parquet").sort_values("report", ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_the_command_prints_a_summary(
    city: Store, rows: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", city.url)
    rows.head(50).to_csv(tmp_path / "in.csv", index=False)
    done = CliRunner().invoke(
        app,
        [
            "reports",
            "regeocode",
            str(tmp_path / "in.csv"),
            str(tmp_path / "out.csv"),
            "--crs",
            "gcj02",
        ],
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout.strip().splitlines()[-1])["rows"] == 50
    bad = CliRunner().invoke(
        app,
        [
            "reports",
            "regeocode",
            str(tmp_path / "in.csv"),
            str(tmp_path / "x.csv"),
            "--engine",
            "spark",
        ],
    )
    assert bad.exit_code == 2 and "--engine" in bad.output
