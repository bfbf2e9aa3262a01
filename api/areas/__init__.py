"""The area API: areas as GeoJSON (pages, bbox, ``as_of``), history and exports."""

from api.areas.geojson import area_properties, feature_collection_text, feature_text

__all__ = [
    "area_properties",
    "feature_collection_text",
    "feature_text",
]
