"""Grids and micro-grids of one community, and the dedicated grids carved out of them.

The micro-grids are built first, as one exact partition of the community: the seeds of each
grid's micro-grids are spread over that grid's share of the community, and a grid is then the
union of its micro-grids. That way grids tile the community and micro-grids tile their grid by
construction, with shared edges identical vertex for vertex. A dedicated grid (a school, a
hospital, a park, an industrial park) takes a few adjacent micro-grids out of the basic grids
around one point, so basic ∪ dedicated still tiles the community with no overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo.areas import GridKind, Level, NewArea, Team
from sample_data.names import FACILITY_TYPES, facility_name, masked_person, masked_phone
from sample_data.numbering import reading_order
from sample_data.seeding import derive_rng, lloyd, nearest, sample_points, spread
from sample_data.sources import CommunitySource, TownSource
from sample_data.tiling import partition_with_retries

__all__ = [
    "DEDICATED_FIRST_SEQ",
    "CommunityGrids",
    "Facility",
    "MicroGrid",
    "plan_facilities",
    "subdivide_community",
]

DEDICATED_FIRST_SEQ = 901
"""Dedicated grids are numbered from 901 so they never collide with basic grids."""

_BASIC_GRIDS = (7, 11)  # inclusive range of basic grids per community
_MICRO_PER_GRID = (7, 10)  # inclusive range of micro-grids per basic grid
_FACILITY_CELLS = {"学校": (2, 2), "医院": (1, 2), "公园": (2, 3), "工业园": (3, 4)}
_FACILITY_WEIGHTS = {
    "社区": np.array([0.40, 0.25, 0.30, 0.05]),
    "村": np.array([0.30, 0.15, 0.10, 0.45]),
}
_SAMPLES_PER_CELL = 24
_MIN_BASIC_LEFT = 3


@dataclass(frozen=True, slots=True)
class Facility:
    """A place that gets its own dedicated grid (专属网格)."""

    type: str  # one of FACILITY_TYPES
    name: str


@dataclass(frozen=True, slots=True)
class MicroGrid:
    """What the address generator needs to know about one micro-grid."""

    code: str
    geometry: BaseGeometry
    kind: str
    grid_seq: int
    seq: int
    facility: Facility | None


@dataclass(frozen=True, slots=True)
class CommunityGrids:
    """The grids (basic first, then dedicated) and micro-grids of one community."""

    grids: list[NewArea]
    micro_grids: list[NewArea]
    cells: list[MicroGrid]


def plan_facilities(
    town: TownSource, communities: list[CommunitySource], seed: int
) -> dict[str, list[Facility]]:
    """Which communities of a town host a dedicated grid, and what it is called.

    Decided per town so that names never repeat within it (one 卫生院 per 镇); roughly one
    community in five gets one.
    """
    rng = derive_rng(seed, "facilities", town.code)
    used: set[str] = set()
    plan: dict[str, list[Facility]] = {}
    for community in communities:
        roll = rng.random()
        count = 0 if roll >= 0.2 else (2 if roll < 0.02 else 1)
        for _ in range(count):
            kind = FACILITY_TYPES[
                int(rng.choice(len(FACILITY_TYPES), p=_FACILITY_WEIGHTS[community.type]))
            ]
            for _attempt in range(8):
                name = facility_name(
                    rng, kind, town=town.name, town_type=town.type, community=community.place_name
                )
                if name not in used:
                    break
            else:
                name = f"{name}{community.place_name}分部"
            used.add(name)
            plan.setdefault(community.code, []).append(Facility(kind, name))
    return plan


def _team(rng: np.random.Generator, name: str) -> Team:
    return Team(name=name, leader=masked_person(rng), phone=masked_phone(rng))


def _micro_seeds(
    community: BaseGeometry, sizes: NDArray[np.int64], rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Seeds of all micro-grids, and the basic grid each belongs to."""
    samples = sample_points(community, _SAMPLES_PER_CELL * int(sizes.sum()), rng)
    grid_seeds = lloyd(community, samples, spread(samples, len(sizes), np.empty((0, 2))), steps=6)
    label = nearest(samples, grid_seeds)
    seeds, groups = [], []
    for g, size in enumerate(sizes):
        mine = samples[label == g]
        if len(mine) < size:  # a grid squeezed to almost nothing: borrow the nearest samples
            order = np.argsort(((samples - grid_seeds[g]) ** 2).sum(axis=1))
            mine = samples[order[: size * 4]]
        seeds.append(spread(mine, int(size), np.empty((0, 2))))
        groups.append(np.full(int(size), g))
    seed_group = np.concatenate(groups)
    relaxed = lloyd(
        community,
        samples,
        np.vstack(seeds),
        steps=5,
        sample_group=label,
        seed_group=seed_group,
    )
    return relaxed, seed_group


def _carve(
    seeds: NDArray[np.float64],
    group: NDArray[np.int64],
    facilities: list[Facility],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Reassign a few adjacent micro-grid seeds to each facility; facility i becomes group -1-i."""
    owner = group.copy()
    n_basic = int(group.max()) + 1
    for i, facility in enumerate(facilities):
        low, high = _FACILITY_CELLS[facility.type]
        size = int(rng.integers(low, high + 1))
        centre = seeds[int(rng.integers(len(seeds)))]
        order = np.argsort(((seeds - centre) ** 2).sum(axis=1), kind="stable")
        taken = 0
        for j in order:
            g = owner[j]
            if g < 0 or np.count_nonzero(owner == g) <= _MIN_BASIC_LEFT:
                continue
            owner[j] = -1 - i
            taken += 1
            if taken == size:
                break
    assert set(range(n_basic)) <= set(owner.tolist())
    return owner


def _union(cells: list[BaseGeometry]) -> BaseGeometry:
    return cells[0] if len(cells) == 1 else shapely.coverage_union_all(cells)


def subdivide_community(
    community: CommunitySource,
    geometry: BaseGeometry,
    facilities: list[Facility],
    seed: int,
) -> CommunityGrids:
    """Grids and micro-grids of one community, from its own random stream."""
    rng = derive_rng(seed, "grids", community.code)
    n_basic = int(rng.integers(_BASIC_GRIDS[0], _BASIC_GRIDS[1] + 1))
    sizes = rng.integers(_MICRO_PER_GRID[0], _MICRO_PER_GRID[1] + 1, size=n_basic)
    seeds, group = _micro_seeds(geometry, sizes, rng)
    owner = _carve(seeds, group, facilities, rng)
    cells = partition_with_retries(geometry, seeds, rng, jitter_m=2.0)

    place = community.place_name
    groups = [g for g in range(n_basic)] + [-1 - i for i in range(len(facilities))]
    members = {g: [c for c, o in zip(cells, owner, strict=True) if o == g] for g in groups}
    shapes = {g: _union(members[g]) for g in groups}
    basic_order = reading_order([shapes[g] for g in range(n_basic)], geometry.bounds)
    dedicated = [-1 - i for i in range(len(facilities))]
    dedicated_order = reading_order([shapes[g] for g in dedicated], geometry.bounds)
    numbered = [(int(n) + 1, int(i)) for n, i in enumerate(basic_order)]
    numbered += [
        (DEDICATED_FIRST_SEQ + n, dedicated[int(i)]) for n, i in enumerate(dedicated_order)
    ]

    result = CommunityGrids(grids=[], micro_grids=[], cells=[])
    for seq, g in numbered:
        facility = facilities[-1 - g] if g < 0 else None
        kind = GridKind.DEDICATED if facility else GridKind.BASIC
        grid_code = f"{community.code}{seq:03d}"
        grid_name = f"{facility.name}专属网格" if facility else f"{place}第{seq}网格"
        attributes: dict[str, object] = {"seq": seq}
        if facility:
            attributes["facility"] = facility.type
        result.grids.append(
            NewArea(
                code=grid_code,
                level=Level.GRID,
                name=grid_name,
                geometry=shapes[g],
                parent_code=community.code,
                kind=kind.value,
                team=_team(rng, f"{grid_name}工作站"),
                attributes=attributes,
            )
        )
        for m, i in enumerate(reading_order(members[g], shapes[g].bounds), start=1):
            micro_name = f"{grid_name}第{m}微网格"
            result.micro_grids.append(
                NewArea(
                    code=f"{grid_code}{m:03d}",
                    level=Level.MICRO_GRID,
                    name=micro_name,
                    geometry=members[g][int(i)],
                    parent_code=grid_code,
                    kind=kind.value,
                    team=_team(rng, f"{micro_name}微网格员"),
                    attributes={"seq": m},
                )
            )
            result.cells.append(
                MicroGrid(f"{grid_code}{m:03d}", members[g][int(i)], kind.value, seq, m, facility)
            )
    return result
