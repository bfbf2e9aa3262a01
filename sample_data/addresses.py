"""The standard address library (标准地址) of one town.

Addresses follow GB/T 39609 order, division > road > door number > compound/building > unit >
room, with the CCKS 2021 element tags as component keys. What a micro-grid holds depends on
where it is:

* in a 社区, usually one compound (小区) whose few buildings stand together around one point,
  listed building by building (5幢) and room by room (5幢2单元301室, towers by floor), behind
  the compound's gate number on the nearest road; plus a few shops with door numbers;
* in a 村, either a compound (a resettlement estate) or a hamlet of houses numbered within
  their villagers' group (联丰村5组12号);
* in a dedicated grid, the facility: its gate on the road and its buildings, and for an
  industrial park the enterprises' doors.

Some roads and compounds were renamed: their addresses keep the old spelling as an alias.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from sample_data.grids import CommunityGrids, MicroGrid
from sample_data.names import COMPOUND_OLD_SUFFIXES, compound_names, stem
from sample_data.points import points_near, random_points_in
from sample_data.roads import RoadNetwork, town_roads
from sample_data.seeding import derive_rng
from sample_data.sources import CITY_NAME, PROVINCE_NAME, CommunitySource, TownSource

__all__ = ["COMPONENT_ORDER", "AddressColumns", "town_addresses"]

COMPONENT_ORDER = (
    "prov",
    "city",
    "district",
    "town",
    "community",
    "village_group",
    "road",
    "roadno",
    "poi",
    "houseno",
    "cellno",
    "floorno",
    "roomno",
)
"""Component keys in GB/T 39609 order; ``full_text`` is their values joined in this order."""

_COMPOUND_SHARE = {"社区": 0.85, "村": 0.35}
_SHOPS_MEAN = {"社区": 1.2, "村": 0.5}
_RENAMED_COMPOUND_SHARE = 0.08
_COMMERCIAL = ("大厦", "广场")
_OLD_STYLE = ("新村", "小区")
_BUILDING_RADIUS_M = 35.0
_HAMLET_RADIUS_M = 45.0


@dataclass
class AddressColumns:
    """Addresses as parallel column lists (cheap to append, one DataFrame at the end)."""

    code: list[str] = field(default_factory=list)
    full_text: list[str] = field(default_factory=list)
    components: list[dict[str, str]] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    aliases: list[list[str]] = field(default_factory=list)

    def extend(self, other: AddressColumns) -> None:
        for name in ("code", "full_text", "components", "lon", "lat", "aliases"):
            getattr(self, name).extend(getattr(other, name))


@dataclass(frozen=True, slots=True)
class _Compound:
    name: str
    old_name: str | None
    commercial: bool
    old_style: bool


@dataclass
class _Door:
    """A point that needs a door number on the nearest road."""

    point: NDArray[np.float64]
    road: int = -1
    number: int = 0


def _compound(rng: np.random.Generator, prefix: str, suffix: str) -> _Compound:
    old = None
    if suffix not in _OLD_STYLE + _COMMERCIAL and rng.random() < _RENAMED_COMPOUND_SHARE:
        old = prefix + COMPOUND_OLD_SUFFIXES[int(rng.integers(len(COMPOUND_OLD_SUFFIXES)))]
    return _Compound(prefix + suffix, old, suffix in _COMMERCIAL, suffix in _OLD_STYLE)


def _rooms(rng: np.random.Generator, compound: _Compound) -> list[dict[str, str]]:
    """A sample of the rooms of one building: old walk-ups, modern blocks or office towers."""
    if compound.commercial:
        units, floors, per_floor = 1, int(rng.integers(8, 26)), 6
    elif compound.old_style:
        units, floors, per_floor = int(rng.integers(2, 5)), int(rng.integers(4, 7)), 2
    else:
        units, floors, per_floor = int(rng.integers(1, 4)), int(rng.integers(6, 19)), 2
    total = units * floors * per_floor
    picked = np.sort(rng.choice(total, size=min(int(rng.integers(3, 8)), total), replace=False))
    rooms = []
    for i in picked.tolist():
        unit, rest = divmod(i, floors * per_floor)
        floor, room = divmod(rest, per_floor)
        number = f"{floor + 1}{room + 1:02d}室"
        if compound.commercial:
            rooms.append({"floorno": f"{floor + 1}层", "roomno": number})
        else:
            rooms.append({"cellno": f"{unit + 1}单元", "roomno": number})
    return rooms


def _assign_doors(doors: list[_Door], roads: RoadNetwork) -> None:
    """Door numbers from position, bumped by 2 until unique on their road within the town."""
    if not doors:
        return
    road, number = roads.locate(np.array([d.point for d in doors]))
    used: dict[int, set[int]] = {}
    for door, r, n in zip(doors, road.tolist(), number.tolist(), strict=True):
        taken = used.setdefault(r, set())
        while n in taken:
            n += 2
        taken.add(n)
        door.road, door.number = r, n


class _Emitter:
    """Turns component tails into address rows with codes, texts, aliases and points."""

    def __init__(self, prefix: dict[str, str], roads: RoadNetwork) -> None:
        self.prefix = prefix
        self.roads = roads
        self.out = AddressColumns()

    def emit(
        self,
        micro_code: str,
        seq: int,
        point: NDArray[np.float64],
        tail: dict[str, str],
        *,
        door: _Door | None = None,
        compound: _Compound | None = None,
    ) -> None:
        components = dict(self.prefix)
        old_road = None
        if door is not None:
            components["road"] = self.roads.names[door.road]
            components["roadno"] = f"{door.number}号"
            old_road = self.roads.old_names[door.road]
        components.update(tail)
        ordered = {k: components[k] for k in COMPONENT_ORDER if k in components}
        aliases = []
        if old_road is not None:
            aliases.append(_text({**ordered, "road": old_road}))
        if compound is not None and compound.old_name is not None:
            aliases.append(_text({**ordered, "poi": compound.old_name}))
        self.out.code.append(f"{micro_code}{seq:06d}")
        self.out.full_text.append(_text(ordered))
        self.out.components.append(ordered)
        self.out.lon.append(float(point[0]))
        self.out.lat.append(float(point[1]))
        self.out.aliases.append(aliases)


def _text(components: dict[str, str]) -> str:
    return "".join(components[k] for k in COMPONENT_ORDER if k in components)


@dataclass
class _Plan:
    """What one micro-grid holds, before points and door numbers are known."""

    cell: MicroGrid
    community: CommunitySource
    centre: NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))
    compound: _Compound | None = None
    buildings: list[int] = field(default_factory=list)  # building numbers (幢)
    shops: int = 0
    houses: int = 0
    group: int = 0
    group_slot: int = 0
    doors: list[_Door] = field(default_factory=list)


def _plan(cells: list[tuple[CommunitySource, MicroGrid]], rng: np.random.Generator) -> list[_Plan]:
    plans = []
    group_of: dict[str, int] = {}
    for community, cell in cells:
        plan = _Plan(cell, community)
        if cell.facility is not None:
            plan.buildings = [0] * int(rng.integers(0 if cell.facility.type == "公园" else 1, 4))
            plan.shops = int(rng.integers(2, 5)) if cell.facility.type == "工业园" else 0
        elif rng.random() < _COMPOUND_SHARE[community.type]:
            size = int(rng.choice([1, 2, 3, 4], p=[0.2, 0.35, 0.3, 0.15]))
            plan.buildings = sorted(
                (rng.choice(size + int(rng.integers(0, 9)), size=size, replace=False) + 1).tolist()
            )
            plan.shops = int(rng.poisson(_SHOPS_MEAN[community.type]))
        elif community.type == "社区":
            # Old streets and lanes: houses and shops with door numbers only.
            plan.shops = int(rng.integers(4, 11))
        else:
            plan.houses = int(rng.integers(6, 15))
            plan.shops = int(rng.poisson(_SHOPS_MEAN[community.type]))
            # Villagers' groups (村民小组): about three micro-grids each, in numbering order.
            index = group_of.get(community.code, 0)
            group_of[community.code] = index + 1
            plan.group, plan.group_slot = index // 3 + 1, index % 3
        plans.append(plan)
    return plans


def _place(plans: list[_Plan], rng: np.random.Generator) -> list[NDArray[np.float64]]:
    """Centres, building/house points and door points, all drawn in a few vectorised rounds."""
    polygons = np.array([p.cell.geometry for p in plans], dtype=object)
    shapely.prepare(polygons)
    boundaries = shapely.boundary(polygons)
    idx = np.arange(len(plans))
    centres = random_points_in(polygons, boundaries, idx, rng)
    for plan, centre in zip(plans, centres, strict=True):
        plan.centre = centre
    counts = np.array([len(p.buildings) + p.houses for p in plans])
    owner = np.repeat(idx, counts)
    radius = np.where([p.houses > 0 for p in plans], _HAMLET_RADIUS_M, _BUILDING_RADIUS_M)
    sites = points_near(polygons, boundaries, owner, centres[owner], radius[owner], rng)
    shop_owner = np.repeat(idx, [p.shops for p in plans])
    shops = random_points_in(polygons, boundaries, shop_owner, rng)
    for i, point in zip(shop_owner.tolist(), shops, strict=True):
        plans[i].doors.append(_Door(point))
    return np.split(sites, np.cumsum(counts)[:-1])


def town_addresses(
    town: TownSource,
    district_name: str,
    town_geometry: BaseGeometry,
    communities: list[tuple[CommunitySource, CommunityGrids]],
    seed: int,
) -> AddressColumns:
    """All addresses of one town's micro-grids, in micro-grid code order."""
    rng = derive_rng(seed, "addresses", town.code)
    local = [stem(town.name)] + [stem(c.place_name) for c, _ in communities]
    roads = town_roads(town_geometry, local, rng)
    plans = _plan([(c, cell) for c, grids in communities for cell in grids.cells], rng)
    with_compound = [p for p in plans if p.cell.facility is None and p.buildings]
    for plan, (head, tail) in zip(
        with_compound, compound_names(rng, len(with_compound)), strict=True
    ):
        plan.compound = _compound(rng, head, tail)
    sites = _place(plans, rng)

    # Gates: a compound's on its centre, a facility's in its first micro-grid.
    gates: dict[int, _Door] = {}
    for i, plan in enumerate(plans):
        first_of_facility = plan.cell.facility is not None and plan.cell.seq == 1
        if plan.compound is not None or first_of_facility:
            gates[i] = _Door(plan.centre)
    _assign_doors([*gates.values(), *(d for p in plans for d in p.doors)], roads)

    out = AddressColumns()
    emitters: dict[str, _Emitter] = {}
    for i, (plan, points) in enumerate(zip(plans, sites, strict=True)):
        community = plan.community
        emitter = emitters.get(community.code)
        if emitter is None:
            prefix = {
                "prov": PROVINCE_NAME,
                "city": CITY_NAME,
                "district": district_name,
                "town": town.name,
                "community": community.place_name,
            }
            emitter = emitters[community.code] = _Emitter(prefix, roads)
        seq = _emit_micro(emitter, plan, points, gates.get(i), rng)
        assert seq < 1_000_000
    for emitter in emitters.values():
        out.extend(emitter.out)
    return out


def _emit_micro(
    emitter: _Emitter,
    plan: _Plan,
    points: NDArray[np.float64],
    gate: _Door | None,
    rng: np.random.Generator,
) -> int:
    """Emit one micro-grid's addresses; returns the last sequence number used."""
    code = plan.cell.code
    seq = 0
    facility = plan.cell.facility
    if facility is not None:
        if gate is not None:
            seq += 1
            emitter.emit(code, seq, gate.point, {"poi": facility.name}, door=gate)
        first = 1 + 4 * (plan.cell.seq - 1)  # buildings numbered across the facility
        for k, point in enumerate(points):
            seq += 1
            emitter.emit(code, seq, point, {"poi": facility.name, "houseno": f"{first + k}幢"})
    elif plan.compound is not None:
        compound = plan.compound
        for number, point in zip(plan.buildings, points, strict=True):
            building = {"poi": compound.name, "houseno": f"{number}幢"}
            seq += 1
            emitter.emit(code, seq, point, building, door=gate, compound=compound)
            for room in _rooms(rng, compound):
                seq += 1
                emitter.emit(code, seq, point, {**building, **room}, door=gate, compound=compound)
    else:
        for k, point in enumerate(points):
            seq += 1
            house = {"village_group": f"{plan.group}组", "houseno": f"{_house_number(plan, k)}号"}
            emitter.emit(code, seq, point, house)
    for door in plan.doors:
        seq += 1
        emitter.emit(code, seq, door.point, {}, door=door)
    return seq


def _house_number(plan: _Plan, k: int) -> int:
    # A group spans up to three micro-grids of at most 14 houses; each starts a score on.
    return 1 + k + 20 * plan.group_slot
