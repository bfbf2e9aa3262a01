"""``onemap export areas``: areas to GeoJSON, GeoPackage or Shapefile, re-importable unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.cli.progress import progress_bars
from api.deps import parse_as_of
from api.settings import Settings
from geo.areas import (
    AreaExport,
    AreaQuery,
    AreaRecord,
    Level,
    export_areas,
    format_of,
    level_of_code,
    parse_crs,
)
from geo.errors import OnemapError
from geo.stores import open_store

__all__ = ["export_app"]

export_app = typer.Typer(help="Export areas to files.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)


@export_app.command("areas")
def export_areas_command(
    out: Annotated[Path, typer.Argument(help="the file to write: .geojson, .gpkg or .shp")],
    level: Annotated[str | None, typer.Option(help="only this level (default: all)")] = None,
    under: Annotated[
        str | None, typer.Option(help="only this area and everything inside it (its code)")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="ISO 8601 time: the versions valid then")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="output CRS: EPSG:4490 (default), CRS84, EPSG:4549 ...")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="geojson, gpkg or shp (default: from the extension)"),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="embedded store folder (env ONEMAP_DATA_DIR)"),
    ] = None,
) -> None:
    """Write areas with their codes, names, parents, teams and attributes to a file.

    The file re-imports unchanged through ``onemap import areas``.
    """
    settings = Settings(**({"data_dir": data_dir} if data_dir is not None else {}))  # type: ignore[arg-type]
    try:
        if under is not None:
            level_of_code(under, field="--under")
        chosen = format_of(out, fmt)
        query = AreaExport(
            level=Level.parse(level) if level else None,
            under=under,
            as_of=parse_as_of(as_of, settings, field="--as-of"),
        )
        target = parse_crs(crs)
    except OnemapError as exc:
        where = f"{exc.field}: " if exc.field and exc.field.startswith("--") else ""
        err_console.print(f"[bold red]error:[/] {where}{exc.message}")
        raise typer.Exit(2) from None
    store = open_store(settings.store_url)
    store.upgrade()

    def page(q: AreaQuery) -> tuple[list[AreaRecord], int]:
        found = store.list_areas(q)
        return found.items, found.total

    try:
        with progress_bars(console) as report:
            written = export_areas(page, out, query=query, fmt=chosen, crs=target,
                                   progress=report)  # fmt: skip
    except OnemapError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}")
        raise typer.Exit(2) from None
    finally:
        store.dispose()
    console.print(f"wrote {written:,} areas to {out} ({chosen}, {target.to_string()})")
