"""Areas as GeoJSON text, built fast.

Geometries are serialised by GEOS in one vectorised ``shapely.to_geojson`` call and stitched
into the feature text, so a page of 100,000 micro-grids does not go through Python dicts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from geo.areas import AreaRecord

__all__ = ["area_properties", "feature_collection_text", "feature_text"]


def area_properties(area: AreaRecord) -> dict[str, Any]:
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level.value,
        "kind": area.kind,
        "parent_code": area.parent_code,
        "team": area.team.as_dict() if area.team else None,
        "attributes": area.attributes,
        "version": area.version,
        "valid_from": area.valid_from.isoformat(),
        "valid_to": area.valid_to.isoformat() if area.valid_to else None,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _features(areas: Sequence[AreaRecord]) -> list[str]:
    if not areas:
        return []
    geometries = shapely.to_geojson(np.array([a.geometry for a in areas], dtype=object))
    return [
        f'{{"type":"Feature","id":{_dumps(a.code)},"geometry":{g},'
        f'"properties":{_dumps(area_properties(a))}}}'
        for a, g in zip(areas, geometries, strict=True)
    ]


def feature_text(area: AreaRecord) -> str:
    return _features([area])[0]


def feature_collection_text(areas: Sequence[AreaRecord], members: dict[str, Any]) -> str:
    """A FeatureCollection with extra top-level members (counts, links) placed before features."""
    head = "".join(f"{_dumps(key)}:{_dumps(value)}," for key, value in members.items())
    return f'{{"type":"FeatureCollection",{head}"features":[{",".join(_features(areas))}]}}'
