"""``onemap layers``: register thematic layers and import department files into them.

An import shows one progress bar per stage (reading, checking rows, assigning areas, storing)
with rows done, rows per second and the time left; refused rows are listed one per line with
their row number, field and reason, and nothing is stored unless ``--skip-bad-rows`` is given.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from api.settings import Settings
from geo.access import Role
from geo.errors import OnemapError
from geo.layers import FieldSpec, GeometryKind, LayerDef, prepare_import, read_layer_file
from geo.locate import Locator
from geo.stores import ProgressFn, Store, open_store

__all__ = ["import_layer", "layer_progress", "layers_app"]

layers_app = typer.Typer(help="Thematic layers: register, list, import.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)
MAX_LISTED = 200

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="embedded store folder", show_default=False)
]


def _store(data_dir: Path | None) -> Store:
    settings = Settings(**({"data_dir": data_dir} if data_dir else {}))  # type: ignore[arg-type]
    store = open_store(settings.store_url)
    store.upgrade()
    return store


@contextmanager
def layer_progress(target: Console) -> Iterator[ProgressFn]:
    """Progress bars with rows/s and time left, one per stage, fed by ``(stage, done, total)``."""
    with Progress(
        TextColumn("[bold]{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>12}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=target,
        transient=False,
    ) as progress:
        tasks: dict[str, TaskID] = {}
        started: dict[str, float] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total, rate="")
                started[stage] = time.perf_counter()
            elapsed = time.perf_counter() - started[stage]
            rate = f"{done / elapsed:,.0f} rows/s" if elapsed > 0 and done and total > 1 else ""
            progress.update(tasks[stage], completed=done, total=total, rate=rate)

        yield report


@layers_app.command("create")
def create_layer(
    name: Annotated[str, typer.Argument(help="URL name: a-z, 0-9, _ (e.g. hydrants)")],
    title: Annotated[str, typer.Option(help="shown on the map, e.g. 消火栓")],
    department: Annotated[str, typer.Option(help="the department that owns the data")],
    geometry_type: Annotated[str, typer.Option(help="point, line or polygon")] = "point",
    field: Annotated[
        list[str] | None,
        typer.Option(
            help="an attribute NAME[:TYPE[:required]] (text, integer, number, boolean); repeat"
        ),
    ] = None,
    parts: Annotated[bool, typer.Option(help="a 部件 layer with GB/T 30428.2 class_code")] = False,
    min_role: Annotated[str, typer.Option(help="lowest role that sees it")] = "viewer",
    sensitive_for: Annotated[
        str | None,
        typer.Option(help="a sensitive layer: only these roles see it (comma-separated)"),
    ] = None,
    scope: Annotated[
        list[str] | None, typer.Option(help="area code whose keys see it; repeat")
    ] = None,
    colour: Annotated[str, typer.Option(help="drawing colour")] = "#1f78b4",
    data_dir: DataDir = None,
) -> None:
    """Register a thematic layer."""
    try:
        fields = []
        for text in field or []:
            parts_of = text.split(":")
            fields.append(
                FieldSpec(
                    parts_of[0],
                    parts_of[1] if len(parts_of) > 1 else "text",
                    len(parts_of) > 2 and parts_of[2] == "required",
                )
            )
        roles = tuple(Role.parse(r.strip()) for r in (sensitive_for or "").split(",") if r.strip())
        definition = LayerDef(
            name,
            title,
            department,
            GeometryKind.parse(geometry_type),
            tuple(fields),
            {"color": colour},
            Role.parse(min_role),
            bool(roles),
            roles,
            tuple(scope or ()),
            parts,
        )
        record = _store(data_dir).register_layer(definition, author="onemap layers")
    except OnemapError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}")
        raise typer.Exit(2) from None
    console.print(f"layer {record.name} ({record.definition.title}) registered")


@layers_app.command("list")
def list_layers(data_dir: DataDir = None) -> None:
    """Every registered layer with its department and size."""
    for r in _store(data_dir).list_layers():
        d = r.definition
        console.print(
            f"{r.name:<20} {d.title:<12} {d.department:<14} "
            f"{d.geometry_type.value:<8} {r.feature_count:>10,} features  rev {r.revision}",
            markup=False,
            soft_wrap=True,
        )


def import_layer(
    name: Annotated[str, typer.Argument(help="the registered layer")],
    file: Annotated[Path, typer.Argument(help="GeoPackage, Shapefile, GeoJSON or CSV")],
    crs: Annotated[
        str | None,
        typer.Option(help="wgs84, cgcs2000, gcj02, bd09 or EPSG:<code> when the file does not say"),
    ] = None,
    skip_bad_rows: Annotated[
        bool, typer.Option(help="store the good rows and list the refused ones")
    ] = False,
    replace: Annotated[bool, typer.Option(help="drop the layer's features first")] = False,
    lon_column: Annotated[str | None, typer.Option(help="CSV longitude column")] = None,
    lat_column: Annotated[str | None, typer.Option(help="CSV latitude column")] = None,
    author: Annotated[str, typer.Option(help="who is importing")] = "onemap import",
    data_dir: DataDir = None,
) -> None:
    """Import a file into a layer: every row is checked, then tied to its areas."""
    store = _store(data_dir)
    started = time.perf_counter()
    try:
        record = store.get_layer(name)
        with layer_progress(console) as report:
            report("reading", 0, 1)
            raw = read_layer_file(file, crs=crs, lon_column=lon_column, lat_column=lat_column)
            report("reading", 1, 1)
            locator = Locator(store.current_areas(), store.current_version())
            prepared = prepare_import(
                record.definition, raw, locator, skip_bad_rows=skip_bad_rows, progress=report
            )
            stored = store.import_layer_features(
                name, prepared.batch, author=author, replace=replace, progress=report
            )
    except OnemapError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}", soft_wrap=True)
        details = exc.details if isinstance(exc.details, dict) else {}
        for p in details.get("problems", [])[:MAX_LISTED]:
            err_console.print(
                f"  row {p['row']}: {p['field']}: {p['reason']}", markup=False, soft_wrap=True
            )
        raise typer.Exit(1) from None
    for p in prepared.problems[:MAX_LISTED]:
        err_console.print(
            f"  skipped row {p.row}: {p.field}: {p.reason}", markup=False, soft_wrap=True
        )
    seconds = time.perf_counter() - started
    console.print(
        f"imported {len(prepared.batch):,} features into {name} in {seconds:.1f} s "
        f"({len(prepared.batch) / max(seconds, 1e-9):,.0f} rows/s); "
        f"{prepared.skipped_rows:,} refused rows skipped; the layer holds "
        f"{stored.feature_count:,}"
    )


layers_app.command("import")(import_layer)
