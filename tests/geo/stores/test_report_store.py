"""Reports in the store, on both backends: idempotent intake under concurrent retries, the
lifecycle with its events and audit, listing filters, and reassignment after a boundary edit."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from geo.areas import Level, NewArea, plan_move_boundary
from geo.clock import utc_now
from geo.errors import ConflictError, ForbiddenError, VersionMismatchError
from geo.locate import Locator
from geo.reports import (
    Flag,
    LocationPipeline,
    NewReport,
    ReportPolicy,
    ReportQuery,
    ReportStatus,
    parse_batch,
    parse_report,
)
from geo.stores import Store
from geo.stores.schema import reports

X0, Y0 = 120.70, 30.70
GRID_A, GRID_B, GAP = "330402007001001", "330402007001002", "330402007002"
SEED = [
    NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(X0, Y0, X0 + 0.03, Y0 + 0.02)),
    NewArea(
        "330402007",
        Level.STREET,
        "建设街道",
        shapely.box(X0, Y0, X0 + 0.03, Y0 + 0.02),
        parent_code="330402",
    ),
    NewArea(
        "330402007001",
        Level.COMMUNITY,
        "百福弄社区",
        shapely.box(X0, Y0, X0 + 0.02, Y0 + 0.02),
        parent_code="330402007",
    ),
    NewArea(
        GAP,
        Level.COMMUNITY,
        "无网格社区",
        shapely.box(X0 + 0.02, Y0, X0 + 0.03, Y0 + 0.02),
        parent_code="330402007",
    ),
    NewArea(
        GRID_A,
        Level.GRID,
        "第1网格",
        shapely.box(X0, Y0, X0 + 0.01, Y0 + 0.02),
        parent_code="330402007001",
        kind="basic",
    ),
    NewArea(
        GRID_B,
        Level.GRID,
        "第2网格",
        shapely.box(X0 + 0.01, Y0, X0 + 0.02, Y0 + 0.02),
        parent_code="330402007001",
        kind="basic",
    ),
]
IN_A = (X0 + 0.005, Y0 + 0.01)  # ~480 m from the A|B edge
NEAR_EDGE = (X0 + 0.0099, Y0 + 0.01)  # ~10 m west of the A|B edge
POLICY = ReportPolicy()


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.add_areas(SEED, author="seed", reason="seed")
    return empty_store


def pipeline(store: Store) -> LocationPipeline:
    return LocationPipeline(Locator(store.current_areas(), store.current_version()), None, POLICY)


def report(point: tuple[float, float], **fields: object) -> NewReport:
    key = fields.pop("key", None)
    raw = {"source": "app", "point": {"lon": point[0], "lat": point[1], "crs": "cgcs2000"}}
    return parse_report(raw | fields, POLICY, idempotency_key=key)  # type: ignore[arg-type]


def submit(store: Store, *new: NewReport) -> list[int]:
    results = store.add_reports(new, pipeline(store).place(new), actor="tester", key_id="k1")
    return [r.report.id for r in results]


def count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def test_a_report_is_stored_with_its_placement_and_deadlines(store: Store) -> None:
    [report_id] = submit(store, report(IN_A, description="路灯不亮"))
    stored = store.get_report(report_id)
    assert stored.status is ReportStatus.NEW and stored.chain[Level.GRID] == GRID_A
    assert stored.method == "point" and stored.confidence == 1.0 and stored.area_version == 1
    assert stored.review_due_at == stored.reported_at + timedelta(hours=6)
    assert stored.sla_due_at == stored.review_due_at
    assert stored.response_due_at == stored.reported_at + timedelta(hours=15)


def test_the_same_key_returns_the_first_report_and_another_body_is_refused(store: Store) -> None:
    first = submit(store, report(IN_A, key="k1:abc", description="一"))
    again = store.add_reports(
        [report(IN_A, key="k1:abc", description="一")],
        pipeline(store).place([report(IN_A)]),
        actor="tester",
    )
    assert again[0].report.id == first[0] and not again[0].created
    with pytest.raises(ConflictError) as refused:
        submit(store, report(IN_A, key="k1:abc", description="二"))
    assert refused.value.field == "Idempotency-Key"
    with pytest.raises(ConflictError):
        submit(
            store, report(IN_A, external_id="GD-1"), report(IN_A, external_id="GD-1", category="x")
        )
    assert count(store) == 1


def test_source_and_external_id_make_a_retry_safe(store: Store) -> None:
    [first] = submit(store, report(IN_A, external_id="GD-7"))
    [again] = submit(store, report(IN_A, external_id="GD-7"))
    assert again == first
    [other_source] = submit(store, report(IN_A, external_id="GD-7", source="patrol"))
    assert other_source != first
    with pytest.raises(ConflictError) as refused:
        submit(store, report(IN_A, external_id="GD-7", description="changed"))
    assert refused.value.field == "external_id"


def test_a_batch_is_stored_whole_or_not_at_all(store: Store) -> None:
    submit(store, report(IN_A, external_id="GD-1", description="old"))
    batch = [report(IN_A, external_id=f"GD-{i}") for i in range(2, 6)]
    batch.append(report(IN_A, external_id="GD-1", description="new"))
    with pytest.raises(ConflictError):
        submit(store, *batch)
    assert count(store) == 1
    ids = submit(store, *batch[:-1], report(IN_A, external_id="GD-1", description="old"))
    assert len(set(ids)) == 5 and count(store) == 5


def test_a_large_batch_resent_with_new_reports_stores_only_the_new_ones(store: Store) -> None:
    """Batches above a handful of reports are copied in bulk on PostgreSQL; a resent batch
    collides with its stored rows and must still answer them and store only the new ones."""
    points = [(IN_A[0] + i * 1e-5, IN_A[1] - i * 1e-5) for i in range(60)]
    first = [report(p, external_id=f"L-{i}") for i, p in enumerate(points[:40])]
    ids = submit(store, *first)
    assert len(set(ids)) == 40 and count(store) == 40
    again = first[10:] + [report(p, external_id=f"L-{i + 40}") for i, p in enumerate(points[40:])]
    results = store.add_reports(again, pipeline(store).place(again), actor="tester")
    assert [r.report.id for r in results[:30]] == ids[10:]
    assert [r.created for r in results] == [False] * 30 + [True] * 20
    assert count(store) == 60
    with store.engine.connect() as conn:
        stored = dict(conn.execute(select(reports.c.external_id, reports.c.geom)).all())
    for i, (lon, lat) in enumerate(points):
        assert (stored[f"L-{i}"].x, stored[f"L-{i}"].y) == (lon, lat)


def test_a_bulk_copied_batch_reads_back_exactly_as_answered(store: Store) -> None:
    """On PostgreSQL a large batch goes in by binary ``COPY``: every column (text, JSON,
    timestamps, numbers, the point) must read back as the intake answered it."""
    new = [
        report(NEAR_EDGE if i % 3 == 0 else (IN_A[0] + i * 1e-5, IN_A[1]),
               external_id=f"B-{i}", category="环境卫生", description=f"第{i}号路灯不亮（夜间）\t",
               contact={"name": "张三", "phone": "13812345678"} if i % 2 else None,
               reported_at=(utc_now() - timedelta(hours=i)).isoformat())
        for i in range(30)
    ]  # fmt: skip
    results = store.add_reports(new, pipeline(store).place(new), actor="tester", key_id="k1")
    assert all(r.created for r in results)
    assert any(r.report.flags for r in results) and any(r.report.contact for r in results)
    for result in results:
        assert store.get_report(result.report.id) == result.report
    with store.engine.connect() as conn:
        points = dict(conn.execute(select(reports.c.id, reports.c.geom)).all())
    for result in results:
        point = points[result.report.id]
        assert (point.x, point.y) == (result.report.lon, result.report.lat)


def test_concurrent_retries_store_one_report(store: Store) -> None:
    new = report(IN_A, key="k1:retry", description="并发重试")
    placement = pipeline(store).place([new])
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        barrier.wait()
        try:
            done = store.add_reports([new], placement, actor="tester")[0]
            results.append((done.report.id, done.created))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({id_ for id_, _ in results}) == 1 and sum(c for _, c in results) == 1
    assert count(store) == 1


def test_concurrent_batch_retries_store_each_report_once(store: Store) -> None:
    raw = [
        {"source": "12345", "external_id": f"B-{i}", "point": {"lon": IN_A[0], "lat": IN_A[1]}}
        for i in range(40)
    ]
    batch = parse_batch(raw, POLICY)
    placements = pipeline(store).place(batch)
    answers: list[list[int]] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        barrier.wait()
        answers.append([r.report.id for r in store.add_reports(batch, placements, actor="t")])

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4 and all(a == answers[0] for a in answers)
    assert count(store) == 40


def test_a_failure_before_commit_stores_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import geo.stores.reports as module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit log is full")

    monkeypatch.setattr(module, "write_audit", broken)
    with pytest.raises(RuntimeError):
        submit(store, report(IN_A, key="k1:once"), report(IN_A, key="k1:twice"))
    assert count(store) == 0
    monkeypatch.undo()
    assert len(submit(store, report(IN_A, key="k1:once"))) == 1 and count(store) == 1


def test_a_single_report_and_its_audit_entry_are_stored_together_or_not_at_all(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = report(IN_A, key="k1:alone")
    placement = pipeline(store).place([new])
    if store.engine.dialect.name == "postgresql":
        # One statement writes both rows: an audit row the database refuses (its actor
        # column holds 200 characters) must take the report row with it.
        with pytest.raises(DBAPIError):
            store.add_reports([new], placement, actor="x" * 201, key_id="k1")
    else:
        import geo.stores.reports as module

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the audit log is full")

        monkeypatch.setattr(module, "write_audit", broken)
        with pytest.raises(RuntimeError):
            store.add_reports([new], placement, actor="tester", key_id="k1")
        monkeypatch.undo()
    assert count(store) == 0
    [result] = store.add_reports([new], placement, actor="tester", key_id="k1")
    assert result.created and count(store) == 1
    [entry] = store.list_audit(target=f"report {result.report.id}").items
    assert (entry["action"], entry["actor"], entry["key_id"]) == ("reports.create", "tester", "k1")
    assert entry["after"] == {"ids": [result.report.id], "count": 1}


def test_the_one_statement_insert_writes_every_column_of_a_report_row() -> None:
    from datetime import UTC, datetime

    from geo.reports import Method, Placement
    from geo.stores.report_rows import insert_one_columns, report_values

    placement = Placement(ReportStatus.NEW, Method.POINT)
    now = datetime.now(UTC)
    values = report_values(report(IN_A), placement, actor="a", key_id=None, policy=POLICY, now=now)
    assert insert_one_columns() == list(values)


def test_the_lifecycle_records_who_and_when(store: Store) -> None:
    [report_id] = submit(store, report(IN_A))
    for step in ("dispatched", "in_progress", "resolved", "closed", "dispatched"):
        store.update_report(report_id, actor="调度员", status=ReportStatus(step), note=step)
    final = store.get_report(report_id)
    assert final.status is ReportStatus.DISPATCHED and final.reopen_count == 1
    assert final.closed_at is None and final.sla_due_at == final.response_due_at
    events = store.report_events(report_id)
    assert [e.action for e in events] == ["dispatch", "start", "resolve", "close", "reopen"]
    assert all(e.actor == "调度员" for e in events) and events[0].note == "dispatched"
    with pytest.raises(ConflictError):
        store.update_report(report_id, actor="调度员", status=ReportStatus.CLOSED)
    with pytest.raises(VersionMismatchError):
        store.update_report(
            report_id,
            actor="x",
            status=ReportStatus.IN_PROGRESS,
            expected_revision=final.revision - 1,
        )
    audit = store.list_audit(target=f"report {report_id}")
    assert [e["action"] for e in audit.items] == ["reports.update"] * 5 + ["reports.create"]


def test_a_queued_report_becomes_new_when_a_person_fixes_its_location(store: Store) -> None:
    [report_id] = submit(store, report((121.5, 31.0)))
    queued = store.get_report(report_id)
    assert queued.status is ReportStatus.NEEDS_LOCATION and Flag.OUTSIDE_AREAS in queued.flags
    with pytest.raises(ConflictError):
        store.update_report(report_id, actor="x", status=ReportStatus.DISPATCHED)
    with pytest.raises(ForbiddenError):
        store.update_report(
            report_id,
            actor="x",
            placement=pipeline(store).manual(grid=GRID_A),
            scope="330402007001",
        )
    fixed = store.update_report(
        report_id, actor="x", placement=pipeline(store).manual(grid=GRID_B), status=ReportStatus.NEW
    )
    assert fixed.status is ReportStatus.NEW and fixed.chain[Level.GRID] == GRID_B
    assert fixed.method == "manual" and fixed.lon is None
    [event] = store.report_events(report_id)
    assert (event.action, event.from_status, event.to_grid) == (
        "relocate",
        "needs_location",
        GRID_B,
    )


def test_listing_filters_by_area_status_overdue_and_time(store: Store) -> None:
    old = (utc_now() - timedelta(days=2)).isoformat()
    ids = submit(
        store,
        report(IN_A, reported_at=old),
        report((X0 + 0.015, Y0 + 0.01)),
        report((X0 + 0.025, Y0 + 0.01)),
        report((121.5, 31.0)),
    )
    assert store.get_report(ids[2]).chain[Level.COMMUNITY] == GAP
    assert store.list_reports(ReportQuery(area=GRID_A)).total == 1
    assert store.list_reports(ReportQuery(area="330402007")).total == 3
    queue = store.list_reports(ReportQuery(statuses=(ReportStatus.NEEDS_LOCATION,)))
    assert [r.id for r in queue.items] == [ids[3]]
    overdue = store.list_reports(ReportQuery(overdue=True))
    assert [r.id for r in overdue.items] == [ids[0]]
    recent = store.list_reports(ReportQuery(reported_from=utc_now() - timedelta(hours=1)))
    assert recent.total == 3 and [r.id for r in recent.items] == sorted(ids[1:], reverse=True)
    assert store.list_reports(ReportQuery(within=GRID_B)).total == 1


def test_open_reports_follow_a_moved_boundary(store: Store) -> None:
    moved, closed, stays = submit(
        store, report(IN_A), report(IN_A), report((X0 + 0.001, Y0 + 0.01))
    )
    for step in ("dispatched", "in_progress", "resolved", "closed"):
        store.update_report(closed, actor="x", status=ReportStatus(step))
    store.update_report(moved, actor="x", status=ReportStatus.DISPATCHED)
    a, b = store.get_area(GRID_A), store.get_area(GRID_B)
    narrower = shapely.box(X0, Y0, X0 + 0.004, Y0 + 0.02)
    plan = plan_move_boundary(
        a, b, narrower, expected_versions={a.code: a.version, b.code: b.version}
    )
    outcome = store.commit(plan, author="测绘员", reason="道路改线")
    assert outcome.changeset is not None
    after = store.get_report(moved)
    assert after.chain[Level.GRID] == GRID_B and after.status is ReportStatus.DISPATCHED
    assert after.area_version == outcome.changeset.id
    assert after.flags[Flag.REASSIGNED] == {
        "from": GRID_A,
        "to": GRID_B,
        "changeset": outcome.changeset.id,
    }
    event = store.report_events(moved)[-1]
    assert (event.action, event.from_grid, event.to_grid) == ("reassign", GRID_A, GRID_B)
    assert event.changeset_id == outcome.changeset.id and event.actor == "测绘员"
    [audit] = [
        e
        for e in store.list_audit(target=f"report {moved}").items
        if e["action"] == "reports.reassign"
    ]
    assert audit["before"]["grid"] == GRID_A and audit["after"]["grid"] == GRID_B
    assert audit["changeset_id"] == outcome.changeset.id
    assert store.get_report(closed).chain[Level.GRID] == GRID_A
    assert store.get_report(stays).chain[Level.GRID] == GRID_A
