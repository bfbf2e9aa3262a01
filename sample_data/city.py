"""Putting the sample city together: real divisions, synthetic grids and addresses.

Every random choice comes from a stream derived from the global seed and the code of the area
it concerns (see :func:`sample_data.seeding.derive_rng`), so the output does not depend on
which part of the city is built: the ``demo`` scale is exactly the 南湖区 slice of ``city``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import numpy as np
import pandas as pd

from geo.addresses import AddressTable
from geo.areas import AreaRecord, NewArea
from sample_data.addresses import AddressColumns, town_addresses
from sample_data.divisions import Division, build_divisions
from sample_data.grids import CommunityGrids, plan_facilities, subdivide_community
from sample_data.sources import CommunitySource, load_communities, load_districts, load_towns

__all__ = ["ADDRESS_COLUMNS", "DEMO_DISTRICT", "ProgressFn", "SampleCity", "build_city"]

ProgressFn = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; the CLI drives a progress bar with it."""

DEMO_DISTRICT = "330402"
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
"""When the sample city's areas are valid from, where a store does not say (tests, benchmarks)."""
"""南湖区: the district that gets grids, micro-grids and addresses at the ``demo`` scale."""

ADDRESS_COLUMNS = (
    "code",
    "full_text",
    "components",
    "lon",
    "lat",
    "aliases",
    "status",
    "district",
    "street",
    "community",
    "grid",
    "micro_grid",
)


@dataclass
class SampleCity:
    """The generated city.

    ``areas`` lists parents before children: all districts, then all streets, communities,
    grids and micro-grids, each level in code order. ``addresses`` has one row per standard
    address with the columns of :data:`ADDRESS_COLUMNS`.
    """

    areas: list[NewArea]
    addresses: pd.DataFrame

    def area_records(self, *, version: int = 1, valid_from: datetime = EPOCH) -> list[AreaRecord]:
        """The areas as a store hands them back (one version, still valid), so a locator or
        geocoder can be built from the city without a store round trip (tests, benchmarks)."""
        return [
            AreaRecord(a.code, a.level, a.name, a.geometry, a.parent_code, a.kind, a.team,
                       a.attributes, version, valid_from, None)
            for a in self.areas
        ]  # fmt: skip

    def address_table(self, limit: int | None = None) -> AddressTable:
        """The first ``limit`` addresses (all by default) as the geocoder takes them from a
        store (``store.address_table()``), ids numbered from 1."""
        frame = self.addresses if limit is None else self.addresses.head(limit)
        return AddressTable(
            ids=np.arange(1, len(frame) + 1, dtype=np.int64),
            codes=frame["code"].tolist(),
            full_text=frame["full_text"].tolist(),
            components=frame["components"].tolist(),
            aliases=[tuple(a) for a in frame["aliases"]],
            lon=frame["lon"].to_numpy(np.float64),
            lat=frame["lat"].to_numpy(np.float64),
        )


def _silent(stage: str, done: int, total: int) -> None:
    return None


def _addresses_frame(columns: AddressColumns) -> pd.DataFrame:
    code = pd.Series(columns.code, dtype=str)
    frame = pd.DataFrame(
        {
            "code": code,
            "full_text": pd.Series(columns.full_text, dtype=str),
            "components": pd.Series(columns.components, dtype=object),
            "lon": pd.Series(columns.lon, dtype="float64"),
            "lat": pd.Series(columns.lat, dtype="float64"),
            "aliases": pd.Series(columns.aliases, dtype=object),
            "status": "active",
        }
    )
    for level, length in (
        ("district", 6),
        ("street", 9),
        ("community", 12),
        ("grid", 15),
        ("micro_grid", 18),
    ):
        frame[level] = code.str.slice(0, length)
    return frame


def build_city(
    scale: Literal["demo", "city"] = "demo",
    *,
    seed: int = 2024,
    progress: ProgressFn | None = None,
) -> SampleCity:
    """Build the sample city of Jiaxing (嘉兴市).

    Parameters
    ----------
    scale
        ``"demo"``: every district, street and community of the city, but grids, micro-grids
        and addresses only in 南湖区 (about 11,000 micro-grids and 150,000 addresses, in
        seconds). ``"city"``: all 1,202 communities (about 92,000 micro-grids, as the real
        city has, and 1.2 million addresses, in about a minute).
    seed
        Non-negative; the same seed gives the same city, geometry for geometry.
    progress
        Optional ``progress(stage, done, total)`` callback.

    Examples
    --------
    >>> city = build_city("demo")  # doctest: +SKIP
    >>> city.areas[0].name, len(city.addresses) > 50_000  # doctest: +SKIP
    ('南湖区', True)
    """
    if scale not in ("demo", "city"):
        raise ValueError(f"scale must be 'demo' or 'city', got {scale!r}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    report = progress or _silent

    districts, streets, communities = build_divisions(
        seed, progress=lambda done, total: report("streets and communities", done, total)
    )
    in_scope = [c for c in communities if scale == "city" or c.area.code.startswith(DEMO_DISTRICT)]
    grids = _build_grids(in_scope, seed, report)
    columns = _build_addresses(streets, grids, seed, report)

    areas = [d.area for d in districts] + [s.area for s in streets]
    areas += [c.area for c in communities]
    areas += [g for result in grids.values() for g in result.grids]
    areas += [m for result in grids.values() for m in result.micro_grids]
    return SampleCity(areas=areas, addresses=_addresses_frame(columns))


def _build_grids(
    communities: list[Division], seed: int, report: ProgressFn
) -> dict[str, CommunityGrids]:
    sources = {c.code: c for c in load_communities()}
    by_town: dict[str, list[CommunitySource]] = {}
    for division in communities:
        source = sources[division.area.code]
        by_town.setdefault(source.town_code, []).append(source)
    facilities = {}
    for town in load_towns():
        if town.code in by_town:
            facilities.update(plan_facilities(town, by_town[town.code], seed))
    results: dict[str, CommunityGrids] = {}
    for done, division in enumerate(communities, start=1):
        code = division.area.code
        results[code] = subdivide_community(
            sources[code], division.area.geometry, facilities.get(code, []), seed
        )
        report("grids", done, len(communities))
    return results


def _build_addresses(
    streets: list[Division], grids: dict[str, CommunityGrids], seed: int, report: ProgressFn
) -> AddressColumns:
    sources = {c.code: c for c in load_communities()}
    district_names = {d.code: d.name for d in load_districts()}
    towns = {t.code: t for t in load_towns()}
    by_town: dict[str, list[tuple[CommunitySource, CommunityGrids]]] = {}
    for code, result in grids.items():
        by_town.setdefault(code[:9], []).append((sources[code], result))
    columns = AddressColumns()
    street_geometry = {s.area.code: s.area.geometry for s in streets}
    for done, (town_code, members) in enumerate(sorted(by_town.items()), start=1):
        town = towns[town_code]
        columns.extend(
            town_addresses(
                town,
                district_names[town.district_code],
                street_geometry[town_code],
                members,
                seed,
            )
        )
        report("addresses", done, len(by_town))
    return columns
