"""The demo shows everything on first start: layers, reports in every status, edit history."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from geo.areas import Level
from geo.clock import utc_now
from geo.reports import ReportQuery, ReportStatus
from geo.stores import Store
from geo.stores.schema import layer_features, reports
from sample_data.departments import DEPARTMENT_LAYERS


def test_every_department_layer_is_there_and_tied_to_grids(populated_store: Store) -> None:
    records = {r.name: r for r in populated_store.list_layers()}
    assert set(records) == {d.name for d in DEPARTMENT_LAYERS}
    assert all(r.feature_count > 1000 for r in records.values())
    with populated_store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(layer_features)).scalar_one()
        in_grid = conn.execute(
            select(func.count())
            .select_from(layer_features)
            .where(layer_features.c.grid.is_not(None))
        ).scalar_one()
    assert in_grid / total > 0.95
    counts = populated_store.layer_counts("330402007", ["manholes"])["manholes"]
    assert len(counts["classes"]) >= 5  # several kinds of 井盖


def test_reports_cover_thirty_days_and_every_status(populated_store: Store) -> None:
    with populated_store.engine.connect() as conn:
        statuses = dict(
            conn.execute(select(reports.c.status, func.count()).group_by(reports.c.status)).all()
        )
        oldest = conn.execute(select(func.min(reports.c.reported_at))).scalar_one()
    assert set(statuses) == {s.value for s in ReportStatus}
    assert oldest.replace(tzinfo=None) < (utc_now() - timedelta(days=28)).replace(tzinfo=None)
    overdue = populated_store.list_reports(ReportQuery(overdue=True, limit=1))
    assert overdue.total > 5


def test_the_history_holds_back_dated_edits_as_of_shows(populated_store: Store) -> None:
    changesets = populated_store.list_changesets(limit=20).items
    edits = [c for c in changesets if c.author == "onemap demo"]
    assert len(edits) == 4
    moved = [c for c in edits if "边界" in c.reason]
    assert len(moved) == 3
    before = moved[-1].effective_at - timedelta(days=1)
    changed = [
        a
        for a in populated_store.current_areas(Level.MICRO_GRID)
        if a.version in {c.id for c in moved}
    ]
    assert changed
    old = populated_store.get_area(changed[0].code, as_of=before)
    assert not old.geometry.equals(changed[0].geometry)
