"""GET /v1/stats/areas over the demo city: counts by status, overdue, closure, median, scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.stats.schemas import StatsOut
from geo.access import Role
from geo.clock import utc_now
from geo.stores import Store
from tests.api.reports.test_reports import assert_error, gcj, http, key, leave_no_reports, places

__all__ = ["http", "leave_no_reports", "places"]  # fixtures shared with the report tests


@pytest.fixture(scope="module")
def filed(http: TestClient, places: Any) -> dict[str, Any]:
    """Three reports in one grid, reported 10 h ago: one closed, one dispatched, one new."""
    row = places.iloc[20]
    since = utc_now()
    reported = (utc_now() - timedelta(hours=10)).isoformat()
    ids = [
        http.post(
            "/v1/reports",
            json={"source": "app", "point": gcj(row.lon, row.lat), "reported_at": reported},
        ).json()["id"]
        for _ in range(3)
    ]
    for step in ("dispatched", "in_progress", "resolved", "closed"):
        http.patch(f"/v1/reports/{ids[0]}", json={"status": step})
    http.patch(f"/v1/reports/{ids[1]}", json={"status": "dispatched"})
    http.app.state.reports.stats.refresh()  # type: ignore[attr-defined]
    return {"row": row, "ids": ids, "since": since, "reported": reported}


def stats(http: TestClient, **params: str) -> StatsOut:
    answer = http.get("/v1/stats/areas", params=params)
    assert answer.status_code == 200, answer.text
    return StatsOut.model_validate(answer.json())


def test_every_grid_is_listed_with_its_counts(http: TestClient, filed: dict[str, Any]) -> None:
    row = filed["row"]
    window = (utc_now() - timedelta(hours=11)).isoformat()
    answer = stats(http, level="grid", **{"from": window})
    grids = {a.code: a for a in answer.areas}
    assert len(grids) >= 1314 and grids[row.grid].name
    mine = grids[row.grid]
    assert mine.total >= 3 and mine.by_status["closed"] >= 1 and mine.by_status["dispatched"] >= 1
    assert mine.overdue >= 1  # the new one is 10 h old: past its 6 h review deadline
    assert mine.closure_rate is not None and 0 < mine.closure_rate < 1
    assert mine.median_close_hours is not None and 9.9 < mine.median_close_hours < 10.1
    assert answer.as_of is not None and answer.totals.total >= 3


def test_a_time_range_excludes_older_reports(http: TestClient, filed: dict[str, Any]) -> None:
    later = stats(http, level="grid", **{"from": (utc_now() - timedelta(hours=1)).isoformat()})
    [mine] = [a for a in later.areas if a.code == filed["row"].grid]
    assert mine.total == 0 and mine.closure_rate is None and mine.median_close_hours is None


def test_a_scoped_key_sees_its_own_subtree(
    http: TestClient, city_store: Store, filed: dict[str, Any]
) -> None:
    row = filed["row"]
    viewer = key(city_store, Role.VIEWER, row.community)
    answer = StatsOut.model_validate(
        http.get("/v1/stats/areas", params={"level": "grid"}, headers=viewer).json()
    )
    assert answer.areas and all(a.code.startswith(row.community) for a in answer.areas)
    streets = http.get("/v1/stats/areas", params={"level": "street"}, headers=viewer).json()
    assert [a["code"] for a in streets["areas"]] == [row.street]
    assert_error(
        http.get("/v1/stats/areas", params={"level": "grid", "area": "330411"}, headers=viewer),
        403,
        "area",
    )


@pytest.mark.parametrize(
    "params, field",
    [
        ({"level": "town"}, "level"),
        ({"level": "grid", "from": "soon"}, "from"),
        ({"level": "grid", "area": "12"}, "area"),
        ({}, "level"),
    ],
)
def test_bad_parameters_name_the_field(
    http: TestClient, params: dict[str, str], field: str
) -> None:
    assert_error(http.get("/v1/stats/areas", params=params), 422, field)
