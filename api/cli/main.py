"""The ``onemap`` command: run the demo, serve, migrate, build the sample city, import data."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from api.app import create_app
from api.cli.areas import export_app
from api.cli.demo_data import start_demo_population
from api.cli.layers import import_layer, layers_app
from api.cli.progress import progress_bars
from api.cli.reports import reports_app
from api.settings import Settings
from geo.access import Role
from geo.addresses import prepare_addresses, read_address_file
from geo.areas import Level, Rejection, read_area_file
from geo.clock import utc_now
from geo.errors import OnemapError, RejectedRecordsError
from geo.locate import Locator
from geo.stores import Store, open_store

__all__ = ["app", "main"]

app = typer.Typer(
    help="onemap: one authoritative map (一张图) for city grid governance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
sample_app = typer.Typer(help="The sample city (real Jiaxing divisions).", no_args_is_help=True)
import_app = typer.Typer(help="Import areas or addresses from files.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(sample_app, name="sample")
app.add_typer(import_app, name="import")
app.add_typer(reports_app, name="reports")
app.add_typer(export_app, name="export")
app.add_typer(layers_app, name="layers")
import_app.command("layer")(import_layer)

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="embedded store folder (env ONEMAP_DATA_DIR)", show_default=False
    ),
]
Host = Annotated[str | None, typer.Option(help="address to bind (default 127.0.0.1)")]
Port = Annotated[int | None, typer.Option(help="port (default 8000)", min=1, max=65535)]
Seed = Annotated[int, typer.Option(help="random seed: the same seed builds the same city")]
MAX_WARNINGS = 50


def _settings(data_dir: Path | None = None, **overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)  # type: ignore[arg-type]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _open(settings: Settings) -> Store:
    store = open_store(settings.store_url)
    store.upgrade()
    return store


def _print_rejections(rejections: list[Rejection] | list[dict[str, object]], total: int) -> None:
    """One line per problem, so the list can be read in a terminal, grepped and logged."""
    err_console.print(
        f"[bold red]{len(rejections)} problems in {total} records; nothing was stored[/]"
    )
    for r in rejections:
        row = r.as_dict() if isinstance(r, Rejection) else r
        code = f" (code {row['code']})" if row.get("code") else ""
        err_console.print(
            f"  record {row['index']}{code}: {row['field']}: {row['reason']}",
            markup=False,
            soft_wrap=True,
        )


def _build_sample(store: Store, scale: str, seed: int, *, populate: bool = True) -> object:
    """Build the sample city into an empty store; the demo city is also populated (layers,
    reports, edit history) unless the caller does that itself. Returns the city."""
    from sample_data import HISTORY_DAYS, build_city, populate_demo

    counts = store.counts()
    if counts["district"] > 0:
        raise _fail(
            f"the store already holds {counts['district']} districts; build the sample into an "
            "empty store (another --data-dir or database)"
        )
    started = time.perf_counter()
    # The demo city is valid from 90 days back, so its edit history and `as_of` have a past.
    since = utc_now() - timedelta(days=HISTORY_DAYS) if scale == "demo" else None
    with progress_bars(console) as report:
        city = build_city(scale, seed=seed, progress=report)  # type: ignore[arg-type]
        reason = f"sample city, scale {scale}, seed {seed}"
        store.add_areas(city.areas, author="onemap sample", reason=reason, operation="sample",
                        progress=report, effective_at=since)  # fmt: skip
        store.add_addresses(city.addresses, author="onemap sample", reason=reason,
                            progress=report, effective_at=since)  # fmt: skip
        if scale == "demo" and populate:
            populate_demo(store, city, seed=seed, progress=report)
    counts = store.counts()
    summary = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    console.print(f"built the {scale} city in {time.perf_counter() - started:.0f} s: {summary}")
    return city


@app.command()
def demo(
    data_dir: DataDir = None,
    host: Host = None,
    port: Port = None,
    seed: Seed = 2024,
) -> None:
    """Build the demo city into the embedded store (once) and serve the API on 127.0.0.1."""
    settings = _settings(data_dir, host=host, port=port)
    store = _open(settings)
    city = None
    if store.counts()["district"] == 0:
        console.print(f"building the demo city into {settings.store_url} ...")
        city = _build_sample(store, "demo", seed, populate=False)
    if not store.list_layers() and store.report_count() == 0:
        # Layers, reports and edit history come in the background once the API answers, so
        # the first start serves as soon as before; they appear within a minute or so.
        start_demo_population(settings, city, seed, console)
    admin_key = _demo_admin_key(store, settings.data_dir)
    store.dispose()
    _serve(settings, admin_key=admin_key)


def _demo_admin_key(store: Store, data_dir: Path) -> str:
    """The local demo's admin key, kept (mode 600) in the data dir so restarts reuse it."""
    path = data_dir / "demo-admin.key"
    if path.exists():
        kept = path.read_text("utf-8").strip()
        if store.authenticate(kept) is not None:
            return kept
    _, full_key = store.create_key(name="demo admin", role=Role.ADMIN, actor="onemap demo")
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(full_key + "\n", "utf-8")
    path.chmod(0o600)
    return full_key


def _serve(settings: Settings, *, admin_key: str | None = None) -> None:
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"onemap is serving at {base}")
    if admin_key:
        # On a line of its own, so scripts can pick it up: grep '^admin key: '.
        print(f"admin key: {admin_key}", flush=True)
        console.print(
            f"  try: curl -H 'X-API-Key: {admin_key}' '{base}/v1/areas?level=district'",
            soft_wrap=True,
            markup=False,
        )
    console.print(f"  API docs        {base}/docs")
    console.print(f"  districts       {base}/v1/areas?level=district")
    console.print(f"  readiness       {base}/readyz")
    logging.basicConfig(level=logging.INFO)
    if settings.workers > 1:
        uvicorn.run("api.app:app_from_env", factory=True, host=settings.host, port=settings.port,
                    workers=settings.workers, log_level="info",
                    access_log=settings.access_log)  # fmt: skip
    else:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                    log_level="info", access_log=settings.access_log)  # fmt: skip


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Host = None,
    port: Port = None,
    workers: Annotated[int | None, typer.Option(help="worker processes", min=1, max=64)] = None,
) -> None:
    """Serve the API from the configured store (ONEMAP_DATABASE_URL or the embedded file)."""
    _serve(_settings(data_dir, host=host, port=port, workers=workers))


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None) -> None:
    """Apply the Alembic migrations to the configured store (safe to repeat)."""
    settings = _settings(data_dir)
    _open(settings)
    console.print(f"schema is up to date at {settings.store_url}")


@sample_app.command("build")
def sample_build(
    scale: Annotated[
        str, typer.Option(help="demo (南湖区 in detail) or city (all of Jiaxing)")
    ] = "demo",
    seed: Seed = 2024,
    data_dir: DataDir = None,
) -> None:
    """Build the sample city into the configured (empty) store."""
    if scale not in ("demo", "city"):
        raise _fail(f"--scale must be demo or city, not {scale!r}")
    _build_sample(_open(_settings(data_dir)), scale, seed)


@import_app.command("areas")
def import_areas(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or Shapefile")],
    level: Annotated[
        str | None, typer.Option(help="level of every record (else from code)")
    ] = None,
    author: Annotated[str, typer.Option(help="who is importing")] = "onemap import",
    reason: Annotated[str, typer.Option(help="why (kept in the changeset)")] = "import",
    data_dir: DataDir = None,
) -> None:
    """Import areas; every record is checked first and nothing is stored if any is rejected.

    The checks are the editor's: codes, parents, valid geometry, within the parent, and no
    overlap with a sibling (imported or already stored) beyond 1 m²; gaps are warnings.
    """
    try:
        forced = Level.parse(level) if level else None
        areas, rejections = read_area_file(file, level=forced)
    except OnemapError as exc:
        raise _fail(exc.message) from None
    if rejections:
        _print_rejections(rejections, len(areas) + len(rejections))
        raise typer.Exit(1)
    store = _open(_settings(data_dir))
    try:
        with progress_bars(console) as report:
            changeset, warnings = store.import_areas(areas, author=author, reason=reason,
                                                     progress=report)  # fmt: skip
    except RejectedRecordsError as exc:
        _print_rejections(exc.details or [], len(areas))
        raise typer.Exit(1) from None
    for warning in warnings[:MAX_WARNINGS]:
        err_console.print(f"warning: {warning.message}", markup=False, soft_wrap=True)
    if len(warnings) > MAX_WARNINGS:
        err_console.print(f"... and {len(warnings) - MAX_WARNINGS} more warnings", markup=False)
    console.print(f"imported {len(areas):,} areas as changeset {changeset.id}")


@import_app.command("addresses")
def import_addresses(
    file: Annotated[Path, typer.Argument(help="CSV (full_text, lon, lat, ...) or GeoJSON points")],
    author: Annotated[str, typer.Option(help="who is importing")] = "onemap import",
    reason: Annotated[str, typer.Option(help="why (kept in the changeset)")] = "import",
    data_dir: DataDir = None,
) -> None:
    """Import standard addresses; their area chain is derived from the current boundaries."""
    try:
        frame = read_address_file(file)
    except OnemapError as exc:
        raise _fail(exc.message) from None
    store = _open(_settings(data_dir))
    locator = Locator(store.current_areas(), store.current_version())
    table, rejections = prepare_addresses(frame, locator, existing_codes=store.address_codes())
    if rejections:
        _print_rejections(rejections, len(frame))
        raise typer.Exit(1)
    with progress_bars(console) as report:
        changeset = store.add_addresses(table, author=author, reason=reason, progress=report)
    console.print(f"imported {len(table):,} addresses as changeset {changeset.id}")


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="viewer, dispatcher, editor or admin")],
    scope: Annotated[
        str | None, typer.Option(help="area code: the key may only touch that subtree")
    ] = None,
    name: Annotated[str, typer.Option(help="who holds the key")] = "unnamed",
    data_dir: DataDir = None,
) -> None:
    """Create an API key and print it (it is stored hashed and cannot be shown again)."""
    from geo.areas import level_of_code

    try:
        parsed = Role.parse(role)
        if scope is not None:
            level_of_code(scope, field="scope")
    except OnemapError as exc:
        raise _fail(exc.message) from None
    store = _open(_settings(data_dir))
    if scope is not None:
        try:
            store.get_area(scope)
        except OnemapError as exc:
            raise _fail(f"--scope: {exc.message}") from None
    key, full_key = store.create_key(name=name, role=parsed, scope=scope, actor="onemap keys")
    console.print(f"created key {key.id} ({key.role.value}, scope {key.scope or 'whole city'})")
    print(f"api key: {full_key}", flush=True)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="the key id (the part after om_)")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a key; workers stop accepting it within the key cache TTL (5 s by default)."""
    try:
        key = _open(_settings(data_dir)).revoke_key(key_id, actor="onemap keys")
    except OnemapError as exc:
        raise _fail(exc.message) from None
    console.print(f"revoked key {key.id} ({key.name})")


@keys_app.command("list")
def keys_list(data_dir: DataDir = None) -> None:
    """List keys (never their secrets)."""
    for key in _open(_settings(data_dir)).list_keys():
        state = "revoked" if key.revoked_at else "active"
        console.print(
            f"{key.id}  {key.role.value:<10} {key.scope or '-':<18} {state:<8} {key.name}"
        )


def main() -> None:
    app()
