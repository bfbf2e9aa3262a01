"""The location pipeline: from a report's point and/or address text to the grid that handles it.

* **point** → converted to CGCS2000 → located. Within ``boundary_m`` of another grid it is
  flagged ``near_boundary`` with both grids as candidates (and, with the ``queue`` policy,
  sent to the manual queue); in a community but no grid, the community answers (``no_grid``).
* **address** → geocoded; only a *resolved* answer (calibrated grid confidence above the
  geocoder's threshold) places the report, at the standard address's point.
* **both** → cross-checked. They agree when they name one grid, or when the point is near a
  boundary and the address names the grid across it (the address, a building, breaks the tie).
  Otherwise a person decides: the report goes to the queue with both grids as candidates, and
  ``location_mismatch`` is flagged when they are more than ``cross_check_m`` apart.
* **nothing resolvable** → ``needs_location``, with whatever candidates there are.

Every placement records its method, a confidence in [0, 1] and the data version of the
boundaries used. The work is vectorised: a batch of 10,000 points costs one locate call and
one STRtree query; address texts go to the geocoder once per distinct text (answers are
cached per data version), and the points they resolve to are located in one more call.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from geo.areas import LEVELS, Level, level_of_code
from geo.crs import Crs, convert_point, to_cgcs2000
from geo.errors import InvalidInputError
from geo.geocode import GeocodeResult
from geo.locate import Locator
from geo.reports.boundary import boundary_index, distance_m
from geo.reports.model import (
    Candidate,
    Flag,
    GeocodedAddress,
    Method,
    NewReport,
    Placement,
    PointInput,
    ReportPolicy,
    ReportStatus,
)

__all__ = ["AddressResolver", "LocationPipeline", "Placed", "points_of"]

FloatArray = npt.NDArray[np.float64]
GRID, COMMUNITY = Level.GRID.depth, Level.COMMUNITY.depth
STATUSES = (ReportStatus.NEW, ReportStatus.NEEDS_LOCATION)
METHODS = tuple(Method)
_NEW, _QUEUE = 0, 1
_SCALAR_MAX = 8
_M = {m: i for i, m in enumerate(METHODS)}
_One = tuple[float, float, list[int], int, float]  # lon, lat, positions, other grid, metres


class AddressResolver(Protocol):
    """What the pipeline needs of a geocoder (:class:`geo.geocode.geocoder.Geocoder` is one)."""

    def geocode(self, text: str, *, limit: int = 5) -> GeocodeResult: ...


@dataclass
class Placed:
    """Placements of many reports as columns; :meth:`placement` gives one as a record.

    ``positions`` (5 × n) index the locator's areas per level (-1: none); ``status`` and
    ``method`` index :data:`STATUSES` and :data:`METHODS`. Rows needing more than columns
    (geocoded addresses, candidates, details) have an entry in ``extra``.
    """

    locator: Locator
    status: npt.NDArray[np.int8]
    method: npt.NDArray[np.int8]
    lon: FloatArray
    lat: FloatArray
    confidence: FloatArray
    positions: npt.NDArray[np.int32]
    flags: list[tuple[str, ...]]
    extra: dict[int, _Extra] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.status)

    def codes(self, level: Level) -> npt.NDArray[np.object_]:
        """The code of each row's area at ``level`` (None where there is none)."""
        return self.locator.code_table(level)[self.positions[level.depth]]

    def placements(self) -> list[Placement]:
        """Every row as a record, built column by column (one code look-up per level for the
        whole batch, not one per row and level)."""
        chains = zip(*(self.codes(level).tolist() for level in LEVELS), strict=True)
        lon = [None if v != v else v for v in self.lon.tolist()]  # NaN: no point
        lat = [None if v != v else v for v in self.lat.tolist()]
        conf = [None if v != v else round(v, 4) for v in self.confidence.tolist()]
        status = [STATUSES[s] for s in self.status.tolist()]
        method = [METHODS[m] for m in self.method.tolist()]
        version, extras = self.locator.version, self.extra
        out: list[Placement] = []
        for i, codes in enumerate(chains):
            extra = extras.get(i) or _Extra()
            out.append(Placement(
                status=status[i], method=method[i], lon=lon[i], lat=lat[i], confidence=conf[i],
                flags=self.flags[i], chain=dict(zip(LEVELS, codes, strict=True)),
                version=version, geocoded=extra.geocoded, candidates=tuple(extra.candidates),
                details=extra.details,
            ))  # fmt: skip
        return out


@dataclass
class _Extra:
    geocoded: GeocodedAddress | None = None
    candidates: list[Candidate] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def points_of(reports: Sequence[NewReport]) -> tuple[FloatArray, FloatArray]:
    """The reports' points in CGCS2000 (NaN where a report has none), converted per CRS."""
    lon = np.full(len(reports), np.nan)
    lat = np.full(len(reports), np.nan)
    by_crs: dict[Crs, list[int]] = {}
    for i, report in enumerate(reports):
        if report.point is not None:
            by_crs.setdefault(report.point.crs, []).append(i)
    for crs, rows in by_crs.items():
        x = [reports[i].point.lon for i in rows]  # type: ignore[union-attr]
        y = [reports[i].point.lat for i in rows]  # type: ignore[union-attr]
        if len(rows) <= _SCALAR_MAX:  # NumPy's per-call cost dwarfs a few points' arithmetic
            for i, a, b in zip(rows, x, y, strict=True):
                lon[i], lat[i] = convert_point(a, b, src=crs, dst=Crs.CGCS2000)
        else:
            lon[rows], lat[rows] = to_cgcs2000(x, y, crs)
    return lon, lat


class LocationPipeline:
    """Places reports on one locator version, with an optional geocoder for address text.

    Parameters
    ----------
    locator
        The boundaries to place against; its version is recorded with each placement.
    geocoder
        Resolves address text; None places by point only (addresses count as unresolved).
    policy
        Distances (``cross_check_m``, ``boundary_m``) and the near-boundary action.
    """

    def __init__(
        self, locator: Locator, geocoder: AddressResolver | None, policy: ReportPolicy
    ) -> None:
        self.locator = locator
        self.geocoder = geocoder
        self.policy = policy

    def place(self, reports: Sequence[NewReport]) -> list[Placement]:
        """One placement per report, in order."""
        if len(reports) == 1 and reports[0].address is None and reports[0].point is not None:
            return [self._place_point(reports[0].point)]
        lon, lat = points_of(reports)
        return self.place_arrays(lon, lat, [r.address for r in reports]).placements()

    def _place_point(self, point: PointInput) -> Placement:
        """A single point-only report (most single intakes), with scalars only.

        Inside a grid and away from its edges, the placement is written directly; otherwise
        the columns decide, from the same scalar answers. Either way it is the placement
        :meth:`place_arrays` gives, without a dozen NumPy calls on one-element arrays.
        """
        x, y = convert_point(point.lon, point.lat, src=point.crs, dst=Crs.CGCS2000)
        if not (math.isfinite(x) and math.isfinite(y)):
            return self.place_arrays(np.array([x]), np.array([y]), [None]).placements()[0]
        one = self._one(float(x), float(y))
        pos, near = one[2], one[3]
        if pos[COMMUNITY] >= 0 and pos[GRID] >= 0 and near < 0:
            chain = {level: (None if p < 0 else self.locator.areas(level)[p].code)
                     for level, p in zip(LEVELS, pos, strict=True)}  # fmt: skip
            return Placement(ReportStatus.NEW, Method.POINT, one[0], one[1], 1.0, (), chain,
                             self.locator.version)  # fmt: skip
        return self._place_arrays(np.array([x]), np.array([y]), [None], one).placements()[0]

    def _one(self, x: float, y: float) -> _One:
        """One finite CGCS2000 point: its positions per level and the nearest other grid."""
        pos = self.locator.locate_one(x, y)
        other, d = boundary_index(self.locator).nearest_other_one(
            x, y, pos[GRID], self.policy.boundary_m
        )
        return x, y, pos, other, d

    def place_arrays(
        self, lon: FloatArray, lat: FloatArray, addresses: Sequence[str | None]
    ) -> Placed:
        """Place CGCS2000 points (NaN: none) and address texts (None: none), row by row."""
        return self._place_arrays(lon, lat, addresses, None)

    def _place_arrays(
        self,
        lon: FloatArray,
        lat: FloatArray,
        addresses: Sequence[str | None],
        one: _One | None,
    ) -> Placed:
        n = len(lon)
        has_point = np.isfinite(lon) & np.isfinite(lat)
        lon, lat = np.where(has_point, lon, np.nan), np.where(has_point, lat, np.nan)
        if n == 1 and has_point[0]:  # a single intake: the scalar paths, same answers
            if one is None:
                one = self._one(float(lon[0]), float(lat[0]))
            pos = np.array(one[2], dtype=np.int32).reshape(-1, 1)
            near_pos, near_d = np.array([one[3]], dtype=np.int64), np.array([one[4]])
        else:
            pos = self.locator.locate(lon, lat)
            near_pos, near_d = boundary_index(self.locator).nearest_other(
                np.nan_to_num(lon), np.nan_to_num(lat), pos[GRID].astype(np.int64),
                self.policy.boundary_m,
            )  # fmt: skip
            near_pos[~has_point] = -1
        placed_ok = has_point & (pos[COMMUNITY] >= 0)
        placed = Placed(
            locator=self.locator,
            status=np.where(placed_ok, _NEW, _QUEUE).astype(np.int8),
            method=np.where(has_point, _M[Method.POINT], _M[Method.NONE]).astype(np.int8),
            lon=lon, lat=lat, confidence=np.where(placed_ok, 1.0, np.nan),
            positions=pos.copy(), flags=[()] * n,
        )  # fmt: skip
        with_address = np.array([a is not None for a in addresses], dtype=bool)
        simple = placed_ok & (near_pos < 0) & (pos[GRID] >= 0)
        for i in np.flatnonzero(has_point & ~simple & ~with_address).tolist():
            self._point_only(placed, i, int(near_pos[i]), float(near_d[i]))
        rows = np.flatnonzero(with_address)
        if rows.size == 0:
            return placed
        results = self._geocode([str(addresses[i]) for i in rows.tolist()])
        # The resolved answers' points are located in one call and measured against the
        # reports' own points in one call, not one locate per address.
        best = [r.best if r is not None and r.resolved else None for r in results]
        blon = np.array([np.nan if b is None else b.lon for b in best], dtype=np.float64)
        blat = np.array([np.nan if b is None else b.lat for b in best], dtype=np.float64)
        addr_pos = self.locator.locate(blon, blat)
        apart = distance_m(lon[rows], lat[rows], blon, blat)
        for j, i in enumerate(rows.tolist()):
            self._with_address(placed, i, results[j], bool(has_point[i]), int(near_pos[i]),
                               float(near_d[i]), addr_pos[:, j], float(apart[j]))  # fmt: skip
        return placed

    def _geocode(self, texts: list[str]) -> list[GeocodeResult | None]:
        """Answers for address texts, each distinct text matched once (in bulk when the
        geocoder can: :meth:`geo.geocode.geocoder.Geocoder.geocode_many` also caches)."""
        if self.geocoder is None:
            return [None] * len(texts)
        many = getattr(self.geocoder, "geocode_many", None)
        if many is not None:  # a resolved answer's runners-up are never stored with a report
            return list(many(texts, runners_up=False))
        answers: dict[str, GeocodeResult] = {}
        return [answers.get(t) or answers.setdefault(t, self.geocoder.geocode(t)) for t in texts]

    def manual(
        self, *, lon: float | None = None, lat: float | None = None, grid: str | None = None
    ) -> Placement:
        """A person's choice: a CGCS2000 point, a grid code, or both (the grid then decides).

        Raises
        ------
        InvalidInputError
            If ``grid`` is not a current grid, or the point lies outside every community.
        """
        found = None
        chain: dict[Level, str | None]
        if lon is not None and lat is not None:
            found = self.locator.locate([lon], [lat])[:, 0]
        if grid is not None:
            if level_of_code(grid, field="grid") is not Level.GRID:
                raise InvalidInputError(f"{grid} is not a grid code (15 digits)", field="grid")
            codes = [a.code for a in self.locator.areas(Level.GRID)]
            at = bisect.bisect_left(codes, grid)
            if at == len(codes) or codes[at] != grid:
                raise InvalidInputError(f"no current grid with code {grid}", field="grid")
            chain = {level: grid[: 6 + 3 * level.depth] for level in LEVELS[:-1]}
            micro = None if found is None else self._code(Level.MICRO_GRID, int(found[-1]))
            chain[Level.MICRO_GRID] = micro if micro and micro.startswith(grid) else None
        elif found is not None:
            if found[COMMUNITY] < 0:
                raise InvalidInputError("the point lies outside every community",
                                        field="location")  # fmt: skip
            chain = {lv: self._code(lv, int(p)) for lv, p in zip(LEVELS, found, strict=True)}
        else:
            raise InvalidInputError("give a location (lon, lat) or a grid code", field="location")
        flags = (Flag.NO_GRID,) if chain[Level.GRID] is None else ()
        return Placement(ReportStatus.NEW, Method.MANUAL, lon, lat, 1.0, flags, chain,
                         self.locator.version)  # fmt: skip

    def _code(self, level: Level, position: int) -> str | None:
        return None if position < 0 else self.locator.areas(level)[position].code

    # -- one row at a time, for the rows the columns cannot settle ---------------------------------
    def _point_only(self, placed: Placed, i: int, near: int, near_d: float) -> None:
        if placed.positions[COMMUNITY, i] < 0:
            placed.flags[i] = (Flag.OUTSIDE_AREAS,)
            self._to_queue(placed, i)
            return
        flags: list[str] = []
        if placed.positions[GRID, i] < 0:
            flags.append(Flag.NO_GRID)
        if near >= 0:
            flags.append(Flag.NEAR_BOUNDARY)
            own = self._grid_code(int(placed.positions[GRID, i]))
            other = self.locator.areas(Level.GRID)[near].code
            extra = placed.extra.setdefault(i, _Extra())
            extra.details["near_boundary"] = {"grids": [g for g in (own, other) if g],
                                              "distance_m": round(near_d, 2)}  # fmt: skip
            extra.candidates = self._boundary_candidates(placed, i, other, near_d)
            placed.confidence[i] = 0.5 + 0.5 * min(1.0, near_d / self.policy.boundary_m)
            if self.policy.near_boundary_action == "queue":
                self._to_queue(placed, i)
        placed.flags[i] = tuple(flags)

    def _with_address(
        self,
        placed: Placed,
        i: int,
        result: GeocodeResult | None,
        has_point: bool,
        near: int,
        near_d: float,
        addr_pos: npt.NDArray[np.int32],
        apart: float,
    ) -> None:
        point_ok = has_point and placed.positions[COMMUNITY, i] >= 0
        if result is None or result.best is None or not result.resolved:
            if point_ok:
                self._point_only(placed, i, near, near_d)
                placed.flags[i] = (*placed.flags[i], Flag.ADDRESS_UNRESOLVED)
            else:
                self._unresolved(placed, i, result, has_point)
            return
        best, grid_conf = result.best, float(result.grid_confidence)
        extra = placed.extra.setdefault(i, _Extra())
        extra.geocoded = GeocodedAddress(best.lon, best.lat, best.id, best.full_text, grid_conf)
        addr_pos = addr_pos.copy()
        if not point_ok:
            placed.method[i] = _M[Method.ADDRESS]
            outside: tuple[str, ...] = (Flag.OUTSIDE_AREAS,) if has_point else ()
            self._take_address(placed, i, addr_pos, best.lon, best.lat, grid_conf, outside)
            return
        point_grid, addr_grid = int(placed.positions[GRID, i]), int(addr_pos[GRID])
        flags: list[str] = []
        if apart > self.policy.cross_check_m:
            flags.append(Flag.LOCATION_MISMATCH)
            extra.details["location_mismatch"] = {"distance_m": round(apart, 1)}
        point_conf = 1.0 if near < 0 else 0.5 + 0.5 * min(1.0, near_d / self.policy.boundary_m)
        placed.method[i] = _M[Method.BOTH]
        if near >= 0:
            flags.append(Flag.NEAR_BOUNDARY)
            extra.details["near_boundary"] = {
                "grids": [g for g in (self._grid_code(point_grid), self._grid_code(near)) if g],
                "distance_m": round(near_d, 2),
            }
        if point_grid == addr_grid:
            placed.confidence[i] = max(point_conf, grid_conf)
        elif near >= 0 and near == addr_grid and apart <= self.policy.cross_check_m:
            placed.positions[:, i] = addr_pos  # the address, a building, breaks the tie
            placed.confidence[i] = grid_conf
        else:
            extra.candidates = [
                self._candidate("point", placed.positions[:, i], placed.lon[i], placed.lat[i]),
                self._candidate("address", addr_pos, best.lon, best.lat, address=best.full_text,
                                address_id=best.id, confidence=grid_conf),
            ]  # fmt: skip
            agreed = placed.positions[:, i] == addr_pos
            placed.positions[:, i] = np.where(np.cumprod(agreed) > 0, addr_pos, -1)
            self._to_queue(placed, i)
        if placed.status[i] == _NEW and placed.positions[GRID, i] < 0:
            flags.append(Flag.NO_GRID)
        placed.flags[i] = tuple(flags)

    def _take_address(
        self,
        placed: Placed,
        i: int,
        addr_pos: npt.NDArray[np.int32],
        lon: float,
        lat: float,
        confidence: float,
        flags: tuple[str, ...],
    ) -> None:
        placed.positions[:, i] = addr_pos
        placed.lon[i], placed.lat[i], placed.confidence[i] = lon, lat, confidence
        if addr_pos[COMMUNITY] < 0:
            self._to_queue(placed, i)
            flags = (*flags, Flag.OUTSIDE_AREAS)
        else:
            placed.status[i] = _NEW
        if addr_pos[GRID] < 0 and addr_pos[COMMUNITY] >= 0:
            flags = (*flags, Flag.NO_GRID)
        placed.flags[i] = tuple(dict.fromkeys(flags))

    def _unresolved(
        self, placed: Placed, i: int, result: GeocodeResult | None, has_point: bool
    ) -> None:
        extra = placed.extra.setdefault(i, _Extra())
        for match in result.candidates if result is not None else []:
            grid = match.areas.get("grid")
            community = match.areas.get("community")
            extra.candidates.append(Candidate(
                "address", grid.code if grid else None, community.code if community else None,
                match.lon, match.lat, None, match.full_text, match.id, match.confidence,
            ))  # fmt: skip
        if result is not None:
            extra.details["geocode"] = {"grid_confidence": result.grid_confidence}
        flags = [Flag.ADDRESS_UNRESOLVED] + ([Flag.OUTSIDE_AREAS] if has_point else [])
        placed.flags[i] = tuple(flags)
        self._to_queue(placed, i)
        if not has_point:
            placed.positions[:, i] = -1

    def _to_queue(self, placed: Placed, i: int) -> None:
        placed.status[i] = _QUEUE
        placed.method[i] = _M[Method.NONE]
        placed.confidence[i] = np.nan
        placed.positions[GRID:, i] = -1

    def _grid_code(self, position: int) -> str | None:
        return None if position < 0 else self.locator.areas(Level.GRID)[position].code

    def _candidate(
        self, source: str, pos: npt.NDArray[np.int32], lon: float, lat: float, **more: Any
    ) -> Candidate:
        grid, community = int(pos[GRID]), int(pos[COMMUNITY])
        return Candidate(
            source, self._grid_code(grid),
            None if community < 0 else self.locator.areas(Level.COMMUNITY)[community].code,
            float(lon), float(lat), **more,
        )  # fmt: skip

    def _boundary_candidates(
        self, placed: Placed, i: int, other: str, near_d: float
    ) -> list[Candidate]:
        own = self._candidate("point", placed.positions[:, i], placed.lon[i], placed.lat[i],
                              distance_m=0.0)  # fmt: skip
        return [own, Candidate("boundary", other, other[:12], float(placed.lon[i]),
                               float(placed.lat[i]), round(near_d, 2))]  # fmt: skip
