"""Point layers: reports from the table, empty-safe, and a pluggable source for richer ones."""

from __future__ import annotations

from datetime import timedelta

import shapely
from fastapi.testclient import TestClient
from sqlalchemy import insert

from geo.clock import utc_now
from geo.stores import Store
from geo.stores.schema import reports
from tests.tiles.conftest import X0, Y0, properties
from tiles import LonLatBox, PointFeature, PointQuery, ReportsTable, Tile
from tiles.tms import tiles_covering

BOX = LonLatBox(X0, Y0, X0 + 0.1, Y0 + 0.1)


def tile_at(lon: float, lat: float, z: int) -> Tile:
    columns, rows = tiles_covering(LonLatBox(lon, lat, lon, lat), z)
    return Tile(z, columns[0], rows[0])


def add_report(
    store: Store, lon: float, lat: float, status: str, community: str, **extra: object
) -> None:
    now = utc_now()
    row = {
        "source": "12345",
        "request_hash": "h",
        "flags": {},
        "status": status,
        "lon": lon,
        "lat": lat,
        "geom": shapely.Point(lon, lat),
        "category": "垃圾堆放",
        "district": "330402",
        "street": community[:9],
        "community": community,
        "created_at": now,
        "updated_at": now,
        "description": "楼下有人乱扔垃圾，联系人王先生 13800000000",
        **extra,
    }
    with store.engine.begin() as conn:
        conn.execute(insert(reports), [row])


def test_reports_come_from_the_table_without_personal_text(small_store: Store) -> None:
    past_due = {"sla_due_at": utc_now() - timedelta(hours=1)} if "sla_due_at" in reports.c else {}
    add_report(small_store, X0 + 0.01, Y0 + 0.01, "new", "330402007001", **past_due)
    add_report(small_store, X0 + 0.07, Y0 + 0.06, "closed", "330402008001")
    source = ReportsTable()
    with small_store.engine.connect() as conn:
        everything = source.points(conn, PointQuery(BOX))
        open_only = source.points(conn, PointQuery(BOX, open_only=True))
        scoped = source.points(conn, PointQuery(BOX, scope="330402008"))
        elsewhere = source.points(conn, PointQuery(LonLatBox(100, 20, 101, 21)))
    assert [p.kind for p in everything] == ["closed", "new"]
    assert [p.kind for p in open_only] == ["new"] and [p.kind for p in scoped] == ["closed"]
    assert elsewhere == []
    if past_due:
        assert open_only[0].sla == "overdue"


def test_the_report_layer_and_points_follow_new_reports(
    small_store: Store, small_client: TestClient
) -> None:
    tile = tile_at(X0 + 0.01, Y0 + 0.01, 14)
    path = f"/tiles/reports/14/{tile.x}/{tile.y}.mvt"
    assert small_client.get(path).status_code == 204
    assert small_client.get("/map/reports.json").json() == {"items": []}
    add_report(small_store, X0 + 0.01, Y0 + 0.01, "dispatched", "330402007001")
    answer = small_client.get(path)  # not cached: reports change without changesets
    assert answer.status_code == 200
    [feature] = properties(answer.content)["reports"]
    assert feature["level"] == "report" and feature["kind"] == "dispatched"
    assert set(feature) == {"code", "name", "level", "kind"}
    items = small_client.get("/map/reports.json?open=true&area=330402007001").json()["items"]
    assert len(items) == 1 and "description" not in items[0]


class Patrols:
    """A stand-in for a richer source the report service might register."""

    def points(self, conn: object, query: PointQuery) -> list[PointFeature]:
        return [
            PointFeature(X0 + 0.02, Y0 + 0.02, "P1", "巡查", "report", "in_progress", "overdue")
        ]


def test_a_registered_source_replaces_the_table(small_client: TestClient) -> None:
    service = small_client.app.state.tile_service  # type: ignore[attr-defined]
    service.register_points("reports", Patrols())
    tile = tile_at(X0 + 0.02, Y0 + 0.02, 13)
    answer = small_client.get(f"/tiles/reports/13/{tile.x}/{tile.y}.mvt")
    assert [f["code"] for f in properties(answer.content)["reports"]] == ["P1"]
    assert small_client.get("/map/reports.json").json()["items"][0]["sla"] == "overdue"
