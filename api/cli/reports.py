"""``onemap reports``: bulk work on reports from the command line.

``onemap reports regeocode INPUT OUTPUT`` re-places historical reports (CSV or Parquet, any
number of rows) on the current boundaries, in this process or on a Dask cluster.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from api.reports import ReportSettings
from api.settings import Settings
from geo.errors import OnemapError
from geo.regeocode import RegeocodeOptions, regeocode

__all__ = ["reports_app"]

reports_app = typer.Typer(help="Reports: bulk re-geocoding.", no_args_is_help=True)
console = Console(stderr=True)


@reports_app.command("regeocode")
def regeocode_command(
    source: Annotated[Path, typer.Argument(help="CSV or Parquet with lon/lat and/or address")],
    target: Annotated[Path, typer.Argument(help="output: .csv or .parquet")],
    engine: Annotated[str, typer.Option(help="local (this process) or dask (a cluster)")] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (tcp://host:8786); default: a LocalCluster"),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="LocalCluster processes")] = 2,
    crs: Annotated[str, typer.Option(help="CRS of lon/lat without a crs column")] = "wgs84",
    addresses: Annotated[
        str, typer.Option(help="missing (rows without a point), all (cross-check) or none")
    ] = "missing",
    lon_column: Annotated[str, typer.Option()] = "lon",
    lat_column: Annotated[str, typer.Option()] = "lat",
    address_column: Annotated[str, typer.Option()] = "address",
    chunk_rows: Annotated[
        int, typer.Option(min=1_000, help="rows per chunk / partition")
    ] = 200_000,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="embedded store folder", show_default=False)
    ] = None,
) -> None:
    """Place every row on the current boundaries; print a JSON summary.

    Output: the input columns plus status, method, confidence, flags, lon_cgcs2000,
    lat_cgcs2000, district, street, community, grid, micro_grid and area_version.
    """
    if engine not in ("local", "dask"):
        raise _fail(f"--engine must be local or dask, not {engine!r}")
    if addresses not in ("missing", "all", "none"):
        raise _fail(f"--addresses must be missing, all or none, not {addresses!r}")
    if not source.exists():
        raise _fail(f"{source} does not exist")
    settings = Settings(**({"data_dir": data_dir} if data_dir else {}))  # type: ignore[arg-type]
    policy = ReportSettings().policy
    options = RegeocodeOptions(
        store_url=settings.store_url, crs=crs, lon_column=lon_column, lat_column=lat_column,
        address_column=address_column, addresses=_mode(addresses), policy=policy,
    )  # fmt: skip
    try:
        summary = regeocode(source, target, options, engine=_engine(engine), scheduler=scheduler,
                            workers=workers, chunk_rows=chunk_rows)  # fmt: skip
    except (OnemapError, ValueError, OSError) as exc:
        raise _fail(str(exc)) from None
    print(json.dumps({
        "rows": summary.rows, "seconds": round(summary.seconds, 2),
        "rows_per_s": round(summary.rows_per_s), "engine": summary.engine,
        "partitions": summary.partitions, "by_status": summary.by_status,
        "by_method": summary.by_method, "output": str(target),
    }, ensure_ascii=False))  # fmt: skip


def _engine(value: str) -> Literal["local", "dask"]:
    return "dask" if value == "dask" else "local"


def _mode(value: str) -> Literal["missing", "all", "none"]:
    return "all" if value == "all" else "none" if value == "none" else "missing"


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(2)
