"""One real community of the demo city, for edit tests: 百福弄社区 (330402007024) of 建设街道.

Its district and street carry their real 天地图/NBS boundaries; its eight grids and their
micro-grids, which tile it exactly, and its 881 standard addresses are the generated ones of
the sample city. Edits of grids and micro-grids here meet what mapping staff meet: densified
edges, T-junctions, and children along every grid edge.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geo.areas import AreaRecord
from geo.stores import Store

COMMUNITY = "330402007024"
GRID_1, GRID_6 = f"{COMMUNITY}001", f"{COMMUNITY}006"
# The micro-grids of the stale-neighbour sequence: 1-5 and 1-6 are not adjacent, so
# the editor must never pair them.
MICRO_1_5, MICRO_1_6, MICRO_1_2 = f"{GRID_1}005", f"{GRID_1}006", f"{GRID_1}002"
METRE_LON = 1 / (111_320 * 0.8597)  # degrees of longitude per metre at 30.7° N
METRE_LAT = 1 / 110_900


def seed_community(store: Store, city: Any, community: str = COMMUNITY) -> None:
    """Store the community, its ancestors, grids, micro-grids and addresses."""
    wanted = {community[:6], community[:9]}
    areas = [a for a in city.areas if a.code in wanted or a.code.startswith(community)]
    store.add_areas(areas, author="seed", reason="百福弄社区", operation="sample")
    addresses = city.addresses[city.addresses["community"] == community].reset_index(drop=True)
    store.add_addresses(addresses, author="seed", reason="百福弄社区地址")


def shared_vertices(first: BaseGeometry, second: BaseGeometry) -> list[tuple[float, float]]:
    """Vertices of ``first`` that lie on ``second``'s boundary, ring order."""
    edge = second.boundary
    return [
        (float(x), float(y))
        for x, y in shapely.get_coordinates(first)[:-1]
        if edge.distance(shapely.Point(x, y)) < 1e-9
    ]


def moved_vertex(
    area: AreaRecord | BaseGeometry, vertex: tuple[float, float], east_m: float, north_m: float = 0
) -> Polygon:
    """The area's (single) polygon with one vertex moved by metres east and north."""
    geom = area.geometry if isinstance(area, AreaRecord) else area
    polygon = geom if isinstance(geom, Polygon) else max(geom.geoms, key=lambda g: g.area)
    dx, dy = east_m * METRE_LON, north_m * METRE_LAT

    def move(xy: Any) -> Any:
        out = xy.copy()
        hit = (abs(xy[:, 0] - vertex[0]) < 1e-12) & (abs(xy[:, 1] - vertex[1]) < 1e-12)
        out[hit, 0] += dx
        out[hit, 1] += dy
        return out

    return shapely.transform(polygon, move)


def east_vertex(first: BaseGeometry, second: BaseGeometry) -> tuple[float, float]:
    """The eastmost vertex ``first`` shares with ``second``."""
    return max(shared_vertices(first, second), key=lambda xy: xy[0])
