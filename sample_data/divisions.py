"""The administrative levels with real names and codes: districts, streets and communities.

Districts keep their real Tianditu outline (snapped to the 1e-7 grid and densified, which
moves nothing by more than a centimetre). Streets and communities have no public boundaries,
so each parent is partitioned among its real children (see :mod:`sample_data.tiling`):

* a street is seeded at the centre of its real bounding box when sizhi knows it, and kept
  near it; the others start well apart, urban 街道 near the district's urban core;
* a community is seeded at random in its street, 社区 nearest the street's centre where
  the sampling is denser, so urban communities come out smaller than villages;
* a few density-weighted Lloyd steps then even out the shapes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo.areas import Level, NewArea
from sample_data.seeding import (
    DensityFn,
    derive_rng,
    gaussian_density,
    lloyd,
    sample_points,
    spread,
)
from sample_data.sources import (
    CommunitySource,
    DistrictSource,
    TownSource,
    load_communities,
    load_districts,
    load_towns,
)
from sample_data.tiling import (
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    densify_polygon,
    partition_with_retries,
)

__all__ = ["BOUNDARY_SPACING_M", "Division", "build_divisions"]

BOUNDARY_SPACING_M = 10.0
"""Vertex spacing of every boundary that finer cells may end on (see :mod:`sample_data.tiling`)."""

_SAMPLES_PER_TOWN = 600
_SAMPLES_PER_COMMUNITY = 80
_LLOYD_STEPS = 8
_URBAN_PEAK = 40.0


@dataclass(frozen=True, slots=True)
class Division:
    """A generated area of the real hierarchy, with the seed its cell grew from (lon, lat)."""

    area: NewArea
    seed: tuple[float, float]


def _district_type(name: str) -> str:
    return name[-1]  # 区, 县 or 市 (县级市)


def _inside_or_nearest(
    geom: BaseGeometry, point: NDArray[np.float64], pool: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``point`` if it is inside ``geom``, else the nearest of ``pool`` (points inside)."""
    if shapely.contains_xy(geom, point[0], point[1]):
        return point
    d = ((pool - point) * [M_PER_DEG_LON, M_PER_DEG_LAT]) ** 2
    return pool[int(np.argmin(d.sum(axis=1)))]


def _metres(geom: BaseGeometry) -> float:
    """Square root of the area in m² (a length scale)."""
    return math.sqrt(geom.area * M_PER_DEG_LON * M_PER_DEG_LAT)


def _town_seeds(
    district: BaseGeometry, towns: list[TownSource], rng: np.random.Generator
) -> NDArray[np.float64]:
    """One seed per town (lon/lat, in the order of ``towns``), inside ``district``."""
    pool = sample_points(district, 4000, rng)
    anchors = np.full((len(towns), 2), np.nan)
    shift = np.zeros(len(towns))
    for i, town in enumerate(towns):
        if town.bbox is not None:
            west, south, east, north = town.bbox
            centre = np.array([(west + east) / 2, (south + north) / 2])
            anchors[i] = _inside_or_nearest(district, centre, pool)
            # A bbox centre is only roughly the town's centre: let the cell settle within a
            # quarter of the box.
            shift[i] = 0.25 * math.hypot(
                (east - west) * M_PER_DEG_LON, (north - south) * M_PER_DEG_LAT
            )
    known = ~np.isnan(anchors[:, 0])
    urban = np.array([t.type == "街道" for t in towns])
    core_points = anchors[known & urban] if (known & urban).any() else anchors[known]
    core = core_points.mean(axis=0) if len(core_points) else pool[0]
    scale = _metres(district)
    # The old town is dense: its streets are a few km², rural towns 50-100 km². Streets with
    # no known box are placed around the core and kept there; towns with none go anywhere.
    density = gaussian_density(core, 0.12 * scale, _URBAN_PEAK)
    cloud = core + rng.normal(0.0, 0.06 * scale, size=(400, 2)) / [M_PER_DEG_LON, M_PER_DEG_LAT]
    near_core = cloud[shapely.contains_xy(district, cloud[:, 0], cloud[:, 1])]
    if len(near_core) < len(towns):  # a core outside a crescent-shaped district
        near_core = pool
    seeds = anchors.copy()
    for group, candidates in ((urban & ~known, near_core), (~urban & ~known, pool)):
        seeds[group] = spread(candidates, int(group.sum()), seeds[~np.isnan(seeds[:, 0])])
    anchors[urban & ~known] = seeds[urban & ~known]
    shift[urban & ~known] = 0.05 * scale
    samples = sample_points(district, _SAMPLES_PER_TOWN * len(towns), rng)
    seeds = lloyd(
        district,
        samples,
        seeds,
        steps=_LLOYD_STEPS,
        anchors=anchors,
        max_shift_m=shift,
        weights=density(samples),
    )
    # The innermost, smallest cells go to the streets with the fewest communities (建设街道
    # and 解放街道 are the old town).
    free = np.flatnonzero(urban & ~known)
    distance = (((seeds[free] - core) * [M_PER_DEG_LON, M_PER_DEG_LAT]) ** 2).sum(axis=1)
    by_size = free[np.argsort([towns[i].n_communities for i in free], kind="stable")]
    result = seeds.copy()
    result[by_size] = seeds[free[np.argsort(distance, kind="stable")]]
    return result


def _community_density(town: BaseGeometry, core: NDArray[np.float64], share: float) -> DensityFn:
    if share in (0.0, 1.0):
        return gaussian_density(core, _metres(town), 1.0)
    # The 社区 of a 镇 sit in its built-up centre (镇区), villages around it.
    sigma = 0.8 * math.sqrt(share * town.area * M_PER_DEG_LON * M_PER_DEG_LAT / math.pi)
    return gaussian_density(core, sigma, _URBAN_PEAK)


def _community_seeds(
    town: BaseGeometry,
    core: NDArray[np.float64],
    communities: list[CommunitySource],
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """One seed per community (in the order of ``communities``), inside ``town``."""
    urban = np.array([c.type == "社区" for c in communities])
    density = _community_density(town, core, float(urban.mean()))
    samples = sample_points(town, _SAMPLES_PER_COMMUNITY * len(communities), rng)
    weights = density(samples)
    start = rng.random(len(samples)) < weights / weights.max()
    seeds = spread(samples[start], len(communities), np.empty((0, 2)))
    seeds = lloyd(town, samples, seeds, steps=_LLOYD_STEPS, weights=weights)
    # 社区 take the seeds nearest the town's centre, villages the rest.
    distance = (((seeds - core) * [M_PER_DEG_LON, M_PER_DEG_LAT]) ** 2).sum(axis=1)
    by_distance = np.argsort(distance, kind="stable")
    ordered = np.concatenate([np.flatnonzero(urban), np.flatnonzero(~urban)])
    result = np.empty_like(seeds)
    result[ordered] = seeds[by_distance]
    return result


def _district_area(source: DistrictSource, geometry: BaseGeometry) -> NewArea:
    return NewArea(
        code=source.code,
        level=Level.DISTRICT,
        name=source.name,
        geometry=geometry,
        attributes={"type": _district_type(source.name)},
    )


def _town_area(town: TownSource, geometry: BaseGeometry) -> NewArea:
    attributes: dict[str, str] = {"type": town.type}
    if town.mca2025_code:
        attributes["mca2025_code"] = town.mca2025_code
    return NewArea(
        code=town.code,
        level=Level.STREET,
        name=town.name,
        geometry=geometry,
        parent_code=town.district_code,
        attributes=attributes,
    )


def _community_area(community: CommunitySource, geometry: BaseGeometry) -> NewArea:
    return NewArea(
        code=community.code,
        level=Level.COMMUNITY,
        name=community.name,
        geometry=geometry,
        parent_code=community.town_code,
        attributes={"short_name": community.place_name, "type": community.type},
    )


def build_divisions(
    seed: int, *, progress: Callable[[int, int], None] | None = None
) -> tuple[list[Division], list[Division], list[Division]]:
    """Districts, streets and communities of the whole city, each list ordered by code.

    ``progress(done, total)`` is called after each district.
    """
    districts: list[Division] = []
    streets: list[Division] = []
    communities: list[Division] = []
    towns_by_district: dict[str, list[TownSource]] = {}
    for town in load_towns():
        towns_by_district.setdefault(town.district_code, []).append(town)
    villages_by_town: dict[str, list[CommunitySource]] = {}
    for community in load_communities():
        villages_by_town.setdefault(community.town_code, []).append(community)

    sources = load_districts()
    for done, source in enumerate(sources, start=1):
        geometry = densify_polygon(source.geometry, BOUNDARY_SPACING_M)
        point = shapely.get_coordinates(geometry.point_on_surface())[0]
        districts.append(Division(_district_area(source, geometry), (point[0], point[1])))
        towns = towns_by_district[source.code]
        rng = derive_rng(seed, "streets", source.code)
        town_seeds = _town_seeds(geometry, towns, rng)
        cells = partition_with_retries(geometry, town_seeds, rng, spacing_m=BOUNDARY_SPACING_M)
        for town, cell, town_seed in zip(towns, cells, town_seeds, strict=True):
            streets.append(Division(_town_area(town, cell), (town_seed[0], town_seed[1])))
            members = villages_by_town[town.code]
            rng = derive_rng(seed, "communities", town.code)
            seeds = _community_seeds(cell, town_seed, members, rng)
            parts = partition_with_retries(cell, seeds, rng, spacing_m=BOUNDARY_SPACING_M)
            for community, part, c_seed in zip(members, parts, seeds, strict=True):
                division = Division(_community_area(community, part), (c_seed[0], c_seed[1]))
                communities.append(division)
        if progress is not None:
            progress(done, len(sources))
    return districts, streets, communities
