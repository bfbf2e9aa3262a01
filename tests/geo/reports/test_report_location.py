"""The location pipeline on a small city: every path from point and/or address to a grid."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from geo.areas import AreaLabel, AreaRecord, Level
from geo.crs import wgs84_to_bd09, wgs84_to_gcj02
from geo.errors import InvalidInputError
from geo.geocode import GeocodeResult, Match
from geo.locate import Locator
from geo.reports import (
    Flag,
    LocationPipeline,
    Method,
    Placement,
    ReportPolicy,
    ReportStatus,
    parse_report,
)
from tests.geo.stores.test_report_store import GAP, GRID_A, GRID_B, IN_A, NEAR_EDGE, SEED, X0, Y0

T0 = datetime(2025, 1, 1, tzinfo=UTC)
POLICY = ReportPolicy()
LOCATOR = Locator(
    [
        AreaRecord(
            a.code, a.level, a.name, a.geometry, a.parent_code, a.kind, None, {}, 1, T0, None
        )
        for a in SEED
    ],
    version=1,
)
IN_B = (X0 + 0.015, Y0 + 0.01)


def match(point: tuple[float, float], grid: str | None, *, id_: int = 7) -> Match:
    areas = {
        "district": AreaLabel("330402", "南湖区", None),
        "community": AreaLabel(GRID_A[:12], "百福弄社区", None),
        "grid": None if grid is None else AreaLabel(grid, "网格", "basic"),
    }
    return Match(id_, f"A{id_}", f"标准地址{id_}", point[0], point[1], 0.98, 1.0, areas)


class FakeGeocoder:
    """Answers from a table: text → (resolved, point, grid)."""

    def __init__(self, answers: dict[str, tuple[bool, tuple[float, float], str | None]]) -> None:
        self.answers = answers

    def geocode(self, text: str, *, limit: int = 5) -> GeocodeResult:
        if text not in self.answers:
            return GeocodeResult(False, text, None, 0.0, [], 1)
        resolved, point, grid = self.answers[text]
        found = match(point, grid)
        if resolved:
            return GeocodeResult(True, text, found, 0.97, [], 1)
        return GeocodeResult(False, text, None, 0.4, [found, match(IN_B, GRID_B, id_=8)], 1)


GEOCODER = FakeGeocoder(
    {
        "上海路1号": (True, IN_A, GRID_A),
        "上海路2号": (True, IN_B, GRID_B),
        "东门": (False, IN_A, GRID_A),
        "边上": (True, (X0 + 0.0101, Y0 + 0.01), GRID_B),
    }
)


def place(policy: ReportPolicy = ReportPolicy(), **raw: object) -> Placement:
    report = parse_report({"source": "app", **raw}, policy)
    return LocationPipeline(LOCATOR, GEOCODER, policy).place([report])[0]


def pt(point: tuple[float, float], crs: str = "cgcs2000") -> dict[str, object]:
    return {"lon": point[0], "lat": point[1], "crs": crs}


@pytest.mark.parametrize(
    "convert, crs",
    [
        (lambda x, y: (x, y), "wgs84"),
        (wgs84_to_gcj02, "gcj02"),
        (wgs84_to_bd09, "bd09"),
    ],
)
def test_a_point_in_any_crs_lands_in_its_grid(convert: Any, crs: str) -> None:
    x, y = convert(np.array([IN_A[0]]), np.array([IN_A[1]]))
    placed = place(point={"lon": float(x[0]), "lat": float(y[0]), "crs": crs})
    assert placed.status is ReportStatus.NEW and placed.method is Method.POINT
    assert placed.chain[Level.GRID] == GRID_A and placed.confidence == 1.0
    assert placed.lon is not None and placed.lat is not None
    assert abs(placed.lon - IN_A[0]) < 1e-8 and abs(placed.lat - IN_A[1]) < 1e-8
    assert placed.version == 1 and placed.flags == ()


def test_near_a_grid_edge_both_grids_are_candidates() -> None:
    placed = place(point=pt(NEAR_EDGE))
    assert placed.status is ReportStatus.NEW and placed.chain[Level.GRID] == GRID_A
    assert placed.flags == (Flag.NEAR_BOUNDARY,)
    assert placed.details["near_boundary"]["grids"] == [GRID_A, GRID_B]
    assert 9 < placed.details["near_boundary"]["distance_m"] < 11
    assert [c.grid for c in placed.candidates] == [GRID_A, GRID_B]
    assert placed.confidence is not None and 0.5 < placed.confidence < 1.0
    queued = place(ReportPolicy(near_boundary_action="queue"), point=pt(NEAR_EDGE))
    assert queued.status is ReportStatus.NEEDS_LOCATION and queued.chain[Level.GRID] is None
    assert queued.chain[Level.COMMUNITY] == GRID_A[:12]


def test_a_point_in_a_community_without_grids_goes_to_the_community() -> None:
    placed = place(point=pt((X0 + 0.025, Y0 + 0.01)))
    assert placed.status is ReportStatus.NEW and placed.flags == (Flag.NO_GRID,)
    assert placed.chain[Level.COMMUNITY] == GAP and placed.chain[Level.GRID] is None


def test_a_point_outside_every_community_waits_for_a_person() -> None:
    placed = place(point=pt((121.5, 31.0)))
    assert placed.status is ReportStatus.NEEDS_LOCATION and placed.method is Method.NONE
    assert placed.flags == (Flag.OUTSIDE_AREAS,) and placed.confidence is None


def test_an_address_alone_lands_where_the_geocoder_says_only_when_resolved() -> None:
    placed = place(address="上海路2号")
    assert placed.method is Method.ADDRESS and placed.chain[Level.GRID] == GRID_B
    assert placed.geocoded is not None and placed.geocoded.address_id == 7
    assert placed.confidence == 0.97 and (placed.lon, placed.lat) == IN_B
    doubtful = place(address="东门")
    assert doubtful.status is ReportStatus.NEEDS_LOCATION
    assert doubtful.flags == (Flag.ADDRESS_UNRESOLVED,)
    assert [c.grid for c in doubtful.candidates] == [GRID_A, GRID_B]
    assert doubtful.chain[Level.DISTRICT] is None


def test_point_and_address_that_agree_are_trusted_together() -> None:
    placed = place(point=pt((IN_A[0] + 0.0005, IN_A[1])), address="上海路1号")
    assert placed.method is Method.BOTH and placed.chain[Level.GRID] == GRID_A
    assert placed.flags == () and placed.geocoded is not None


def test_the_address_breaks_a_tie_near_the_boundary() -> None:
    placed = place(point=pt(NEAR_EDGE), address="边上")
    assert placed.status is ReportStatus.NEW and placed.chain[Level.GRID] == GRID_B
    assert Flag.NEAR_BOUNDARY in placed.flags and placed.method is Method.BOTH


def test_point_and_address_far_apart_in_other_grids_are_kept_and_queued() -> None:
    placed = place(point=pt(IN_A), address="上海路2号")
    assert placed.status is ReportStatus.NEEDS_LOCATION
    assert Flag.LOCATION_MISMATCH in placed.flags
    assert placed.details["location_mismatch"]["distance_m"] > 200
    assert [c.source for c in placed.candidates] == ["point", "address"]
    assert [c.grid for c in placed.candidates] == [GRID_A, GRID_B]
    assert placed.chain[Level.COMMUNITY] == GRID_A[:12] and placed.chain[Level.GRID] is None
    assert (placed.lon, placed.lat) == IN_A and placed.geocoded is not None


def test_an_unresolved_address_beside_a_good_point_keeps_the_point() -> None:
    placed = place(point=pt(IN_A), address="不知道哪里")
    assert placed.status is ReportStatus.NEW and placed.chain[Level.GRID] == GRID_A
    assert placed.flags == (Flag.ADDRESS_UNRESOLVED,) and placed.method is Method.POINT


def test_a_batch_is_placed_in_order() -> None:
    policy = ReportPolicy()
    raws = [
        {"source": "app", "point": pt(IN_B)},
        {"source": "app", "address": "上海路1号"},
        {"source": "app", "point": pt((121.5, 31.0))},
    ]
    reports = [parse_report(r, policy) for r in raws]
    placed = LocationPipeline(LOCATOR, GEOCODER, policy).place(reports)
    assert [p.chain[Level.GRID] for p in placed] == [GRID_B, GRID_A, None]


def test_a_person_may_choose_a_grid_or_a_point() -> None:
    pipeline = LocationPipeline(LOCATOR, None, ReportPolicy())
    by_grid = pipeline.manual(grid=GRID_B)
    assert by_grid.method is Method.MANUAL and by_grid.chain[Level.COMMUNITY] == GRID_B[:12]
    by_point = pipeline.manual(lon=IN_A[0], lat=IN_A[1])
    assert by_point.chain[Level.GRID] == GRID_A and by_point.lon == IN_A[0]
    with pytest.raises(InvalidInputError) as unknown:
        pipeline.manual(grid="330402007001009")
    assert unknown.value.field == "grid"
    with pytest.raises(InvalidInputError):
        pipeline.manual(lon=121.5, lat=31.0)


def test_a_single_report_is_placed_as_it_would_be_in_a_batch() -> None:
    """The one-point paths (locate_one, nearest_other_one) agree with the vectorised ones,
    near edges, in the gap between grids and outside everything; a batch's placements, built
    column by column, equal the one-report ones, geocoded answers and candidates included."""
    rng = np.random.default_rng(3)
    lon = X0 - 0.002 + rng.random(300) * 0.03
    lat = Y0 - 0.002 + rng.random(300) * 0.025
    texts = [None, None, "上海路1号", "上海路2号", "东门", "边上", "不知道哪里"]
    reports = [
        parse_report({"source": "app", "point": pt((a, b)), "address": texts[i % 7]}, POLICY)
        for i, (a, b) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True))
    ]
    reports += [parse_report({"source": "app", "address": t}, POLICY) for t in texts if t]
    pipeline = LocationPipeline(LOCATOR, GEOCODER, ReportPolicy(boundary_m=60.0))
    together = pipeline.place(reports)
    alone = [pipeline.place([r])[0] for r in reports]
    assert alone == together
    assert {Flag.NEAR_BOUNDARY, Flag.OUTSIDE_AREAS} <= {f for p in alone for f in p.flags}
