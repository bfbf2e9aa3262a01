"""Area imports run the editor's topology checks: overlaps, outside the parent, gaps, codes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import shapely

from geo.areas import Level, NewArea
from geo.errors import RejectedRecordsError
from geo.stores import Store

STREET = "330402007"  # 建设街道 of the demo city


@pytest.fixture
def street_areas(demo_city: Any) -> list[NewArea]:
    """The demo district, one of its streets and that street's communities (real shapes)."""
    return [
        a
        for a in demo_city.areas
        if a.code == "330402"
        or a.code == STREET
        or (a.level is Level.COMMUNITY and a.parent_code == STREET)
    ]


def neighbours_of(areas: list[NewArea], code: str) -> set[str]:
    target = next(a for a in areas if a.code == code).geometry
    return {
        a.code
        for a in areas
        if a.level is Level.COMMUNITY and a.code != code and a.geometry.intersects(target)
    }


def grown(area: NewArea, street: NewArea, metres: float = 30.0) -> NewArea:
    """The area pushed ``metres`` into its neighbours, still inside its street."""
    bigger = area.geometry.buffer(metres / 111_320).intersection(street.geometry)
    return dataclasses.replace(area, geometry=bigger)


def rejections(caught: pytest.ExceptionInfo[RejectedRecordsError]) -> list[dict[str, Any]]:
    details = caught.value.details
    assert isinstance(details, list)
    return details


def test_overlapping_imported_siblings_are_all_listed_and_nothing_is_stored(
    empty_store: Store, street_areas: list[NewArea]
) -> None:
    street = next(a for a in street_areas if a.code == STREET)
    victim = next(a for a in street_areas if a.level is Level.COMMUNITY)
    neighbours = neighbours_of(street_areas, victim.code)
    assert neighbours
    batch = [grown(a, street) if a.code == victim.code else a for a in street_areas]
    with pytest.raises(RejectedRecordsError) as caught:
        empty_store.import_areas(batch, author="t", reason="overlap")
    found = rejections(caught)
    assert {r["code"] for r in found} == {victim.code} | neighbours
    mine = [r for r in found if r["code"] == victim.code]
    assert len(mine) == len(neighbours) and all("overlaps" in r["reason"] for r in mine)
    assert all(r["field"] == "geometry" and "m²" in r["reason"] for r in found)
    assert "nothing was stored" in caught.value.message
    assert empty_store.current_version() == 0


def test_an_import_overlapping_stored_siblings_is_refused(
    empty_store: Store, street_areas: list[NewArea]
) -> None:
    _, warnings = empty_store.import_areas(street_areas, author="t", reason="street")
    # One street of a district with several: the rest of the district is a gap, not an error.
    assert [w.kind for w in warnings] == ["gap"] and warnings[0].codes == ("330402",)
    stored = empty_store.current_version()
    community = next(a for a in street_areas if a.level is Level.COMMUNITY)
    corner = community.geometry.representative_point().buffer(0.0005)
    newcomer = NewArea(f"{STREET}990", Level.COMMUNITY, "新社区", corner, parent_code=STREET)
    with pytest.raises(RejectedRecordsError) as caught:
        empty_store.import_areas([newcomer], author="t", reason="new community")
    [problem] = rejections(caught)
    assert problem["code"] == newcomer.code and problem["index"] == 0
    assert f"overlaps {community.code} (already stored)" in problem["reason"]
    assert empty_store.current_version() == stored


def test_every_kind_of_problem_is_listed_in_one_answer(
    empty_store: Store, street_areas: list[NewArea]
) -> None:
    street = next(a for a in street_areas if a.code == STREET)
    communities = [a for a in street_areas if a.level is Level.COMMUNITY]
    first, second, third = communities[:3]
    batch = [
        *street_areas[:2],
        grown(first, street),  # overlaps its neighbours
        dataclasses.replace(second, geometry=second.geometry.buffer(0.01)),  # leaves the street
        dataclasses.replace(third, code="33040200799"),  # malformed code
        dataclasses.replace(first, name="重复"),  # the same code twice
        *communities[3:],
    ]
    with pytest.raises(RejectedRecordsError) as caught:
        empty_store.import_areas(batch, author="t", reason="mixed")
    reasons = {(r["code"], r["field"]): r["reason"] for r in rejections(caught)}
    assert "outside its parent" in reasons[(second.code, "geometry")]
    assert "digits" in reasons[("33040200799", "code")]
    assert "appears twice" in reasons[(first.code, "code")]
    assert any(code == first.code and "overlaps" in why for (code, _), why in reasons.items())
    assert empty_store.current_version() == 0


def test_shared_edges_and_slivers_below_a_square_metre_pass(
    empty_store: Store, street_areas: list[NewArea]
) -> None:
    street = next(a for a in street_areas if a.code == STREET)
    victim = next(a for a in street_areas if a.level is Level.COMMUNITY)
    nudged = grown(victim, street, metres=0.0001)  # 0.1 mm along ~2 km of edges: < 1 m²
    batch = [nudged if a.code == victim.code else a for a in street_areas]
    changeset, _ = empty_store.import_areas(batch, author="t", reason="slivers")
    assert changeset.id == empty_store.current_version()
    assert shapely.equals(empty_store.get_area(victim.code).geometry, nudged.geometry)
