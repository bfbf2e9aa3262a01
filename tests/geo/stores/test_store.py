"""The repository contract, run against both backends (embedded SQLite and PostGIS)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import shapely
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from geo.areas import AreaQuery, Bbox, Level, NewArea, Team
from geo.errors import InvalidInputError, NotFoundError, RejectedRecordsError
from geo.stores import Store
from geo.stores.schema import metadata
from tests import awkward

DISTRICT = NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(120.70, 30.70, 120.80, 30.80))
STREETS = [
    NewArea("330402007", Level.STREET, "建设街道", shapely.box(120.70, 30.70, 120.75, 30.80),
            parent_code="330402"),
    NewArea("330402008", Level.STREET, "解放街道", shapely.box(120.75, 30.70, 120.80, 30.80),
            parent_code="330402", team=Team("解放街道网格中心", "李*", "138****0000")),
]  # fmt: skip


def seed(store: Store) -> int:
    return store.add_areas([DISTRICT, *STREETS], author="tester", reason="seed").id


def snapshot(store: Store) -> tuple[int, dict[str, int]]:
    return store.current_version(), store.counts()


def test_upgrade_is_idempotent_and_matches_the_schema(empty_store: Store) -> None:
    empty_store.upgrade()
    with empty_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # PostGIS adds its own tables (spatial_ref_sys) and the migrations add GiST indexes.
    relevant = [
        d for d in diff
        if not (d[0] == "remove_table" and d[1].name == "spatial_ref_sys")
        and not (d[0] == "remove_index" and d[1].name.startswith("gix_"))
    ]  # fmt: skip
    assert relevant == []


def test_a_write_is_one_changeset_and_raises_the_version(empty_store: Store) -> None:
    assert empty_store.current_version() == 0
    changeset_id = seed(empty_store)
    assert empty_store.current_version() == changeset_id
    assert empty_store.counts()["street"] == 2
    page = empty_store.list_changesets()
    assert page.total == 1 and page.items[0].author == "tester"


def test_get_area_returns_what_was_written(empty_store: Store) -> None:
    seed(empty_store)
    area = empty_store.get_area("330402008")
    assert area.name == "解放街道" and area.parent_code == "330402"
    assert area.team == Team("解放街道网格中心", "李*", "138****0000")
    assert area.geometry.equals(STREETS[1].geometry)
    assert area.geometry.geom_type == "MultiPolygon"
    assert area.is_current and area.version == empty_store.current_version()


def test_as_of_before_the_first_write_finds_nothing(empty_store: Store) -> None:
    seed(empty_store)
    created = empty_store.get_area("330402").valid_from
    with pytest.raises(NotFoundError):
        empty_store.get_area("330402", as_of=created - timedelta(seconds=1))
    assert empty_store.get_area("330402", as_of=created).code == "330402"
    before = empty_store.list_areas(AreaQuery(as_of=created - timedelta(seconds=1)))
    assert before.total == 0


def test_history_lists_every_version(empty_store: Store) -> None:
    seed(empty_store)
    history = empty_store.area_history("330402007")
    assert [h.version for h in history] == [empty_store.current_version()]
    with pytest.raises(NotFoundError):
        empty_store.area_history("330402999")


def test_list_filters_by_level_and_subtree(empty_store: Store) -> None:
    seed(empty_store)
    streets = empty_store.list_areas(AreaQuery(level=Level.STREET))
    assert [a.code for a in streets.items] == ["330402007", "330402008"]
    subtree = empty_store.list_areas(AreaQuery(parent="330402"))
    assert subtree.total == 2
    assert empty_store.list_areas(AreaQuery(parent="330411")).total == 0


def test_bbox_keeps_exact_intersections_only(empty_store: Store) -> None:
    seed(empty_store)
    # Inside the east street only: the west one's bounding box does not reach it either.
    east_only = empty_store.list_areas(
        AreaQuery(level=Level.STREET, bbox=Bbox(120.76, 30.71, 120.77, 30.72))
    )
    assert [a.code for a in east_only.items] == ["330402008"]
    # Touching the west street's east edge counts as intersecting it.
    on_edge = empty_store.list_areas(
        AreaQuery(level=Level.STREET, bbox=Bbox(120.75, 30.71, 120.76, 30.72))
    )
    assert on_edge.total == 2


def test_pagination_counts_every_match(empty_store: Store) -> None:
    seed(empty_store)
    first = empty_store.list_areas(AreaQuery(limit=2, offset=0))
    rest = empty_store.list_areas(AreaQuery(limit=2, offset=2))
    assert first.total == rest.total == 3
    assert [a.code for a in first.items + rest.items] == ["330402", "330402007", "330402008"]


@pytest.mark.parametrize("name", sorted(awkward.INVALID))
def test_invalid_geometry_is_refused_and_nothing_is_stored(empty_store: Store, name: str) -> None:
    seed(empty_store)
    before = snapshot(empty_store)
    bad = NewArea(
        "330402009", Level.STREET, "新嘉街道", awkward.INVALID[name], parent_code="330402"
    )
    with pytest.raises(RejectedRecordsError) as caught:
        empty_store.add_areas([bad], author="t", reason="bad geometry")
    assert caught.value.details[0]["field"] == "geometry"
    assert snapshot(empty_store) == before


@pytest.mark.parametrize("name", sorted(awkward.VALID))
def test_awkward_but_valid_geometries_are_stored(empty_store: Store, name: str) -> None:
    geometry = awkward.VALID[name]
    district = NewArea("330402", Level.DISTRICT, "南湖区", geometry)
    empty_store.add_areas([district], author="t", reason="awkward")
    assert empty_store.get_area("330402").geometry.equals(geometry)


def test_one_bad_record_rejects_the_whole_batch(empty_store: Store) -> None:
    seed(empty_store)
    before = snapshot(empty_store)
    corner = shapely.box(120.7, 30.7, 120.71, 30.71)
    good = NewArea("330402009", Level.STREET, "新嘉街道", corner, parent_code="330402")
    wrong_prefix = NewArea("330411001", Level.STREET, "错街道", corner, parent_code="330402")
    with pytest.raises(RejectedRecordsError) as caught:
        empty_store.add_areas([good, wrong_prefix], author="t", reason="mixed")
    [problem] = caught.value.details
    assert problem["index"] == 1 and problem["field"] == "code"
    assert "does not start with its parent's code" in problem["reason"]
    assert snapshot(empty_store) == before


def test_refuses_duplicates_missing_parents_and_strays(empty_store: Store) -> None:
    seed(empty_store)
    before = snapshot(empty_store)
    again = NewArea(
        "330402007", Level.STREET, "建设街道", STREETS[0].geometry, parent_code="330402"
    )
    corner = shapely.box(120.7, 30.7, 120.71, 30.71)
    across = shapely.box(120.74, 30.7, 120.76, 30.71)
    orphan = NewArea("330411001001", Level.COMMUNITY, "某社区", corner, parent_code="330411001")
    stray = NewArea("330402007001", Level.COMMUNITY, "越界社区", across, parent_code="330402007")
    with pytest.raises(RejectedRecordsError) as caught:
        empty_store.add_areas([again, orphan], author="t", reason="bad")
    reasons = {(p["index"], p["field"]) for p in caught.value.details}
    assert reasons == {(0, "code"), (1, "parent_code")}
    with pytest.raises(RejectedRecordsError) as caught:
        empty_store.add_areas([stray], author="t", reason="sticks out")
    assert "outside its parent" in caught.value.details[0]["reason"]
    assert snapshot(empty_store) == before


def test_unknown_and_malformed_codes(empty_store: Store) -> None:
    seed(empty_store)
    with pytest.raises(NotFoundError):
        empty_store.get_area("330402099")
    with pytest.raises(InvalidInputError) as caught:
        empty_store.get_area("33040")
    assert caught.value.field == "code"
