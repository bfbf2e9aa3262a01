"""Boundary editing over HTTP: versioned edits, previews, split, merge, boundary moves, and the
``/editor`` page.
"""

from api.editing.schemas import (
    FeatureIn,
    geometry_from,
    new_area_from,
    team_from,
    version_from_etag,
)

__all__ = [
    "FeatureIn",
    "geometry_from",
    "new_area_from",
    "team_from",
    "version_from_etag",
]
