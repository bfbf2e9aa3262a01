"""Geocoding never resolves to a place the text contradicts, and says the level it resolved at.

On the demo city: texts written the way people write them (a room after the building without
its unit or 室, a building the compound does not have), checked against every component the
text states.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from address_normalizer import contradictions
from geo.geocode import Geocoder
from sample_data.city import SampleCity


@pytest.fixture(scope="module")
def geocoder(demo_city: SampleCity) -> Geocoder:
    return Geocoder(demo_city.address_table(), demo_city.area_records(), 1, calibrate=600)


@pytest.fixture(scope="module")
def rooms(demo_city: SampleCity) -> list[dict[str, Any]]:
    """Rooms of buildings with one unit, whose number tells the room without the unit."""
    frame: pd.DataFrame = demo_city.addresses
    parts = frame["components"]
    picked = frame[parts.map(lambda c: c.get("cellno") == "1单元" and "roomno" in c)]
    return picked.sample(150, random_state=11).to_dict("records")  # type: ignore[return-value]


def _short(c: dict[str, str]) -> str:
    return f"{c['district']}{c['road']}{c['roadno']}{c['poi']}"


def test_a_room_after_its_building_without_unit_resolves_to_that_room(
    geocoder: Geocoder, rooms: list[dict[str, Any]]
) -> None:
    right = 0
    for row in rooms:
        c = row["components"]
        # 南湖区昌盛路142号悦湖嘉园7栋1301: no unit, no 室, 栋 for 幢.
        query = f"{_short(c)}{c['houseno'].replace('幢', '栋')}{c['roomno'].rstrip('室')}"
        result = geocoder.geocode(query)
        if result.resolved:
            assert result.best is not None
            assert contradictions(query, result.best.full_text) == (), query
        right += result.resolved and result.best is not None and result.best.code == row["code"]
    assert right / len(rooms) >= 0.9


def test_a_building_the_compound_lacks_never_resolves_to_another_building(
    geocoder: Geocoder, rooms: list[dict[str, Any]]
) -> None:
    for row in rooms[:60]:
        c = row["components"]
        query = f"{_short(c)}97幢{c['roomno']}"
        result = geocoder.geocode(query)
        top = result.best or result.candidates[0]
        # The compound, or its door when the library lists the door alone: never a building.
        assert top.level in ("poi", "road_number"), query
        if result.resolved:
            assert result.best is not None
            assert result.match_level in ("poi", "road_number")
            assert contradictions(query, result.best.full_text) == (), query
            assert "幢" not in result.best.full_text


def test_every_resolved_answer_states_its_level(
    geocoder: Geocoder, rooms: list[dict[str, Any]]
) -> None:
    for row in rooms[:30]:
        result = geocoder.geocode(row["full_text"])
        assert result.resolved and result.best is not None
        assert result.match_level == "room" == result.best.level
        assert result.best.contradicts == ()
