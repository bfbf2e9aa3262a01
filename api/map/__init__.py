"""The one-map page (一张图) ``/map`` for leaders, its access rules and settings."""

from api.map.access import check_key, map_access, map_settings
from api.map.settings import MapSettings

__all__ = [
    "MapSettings",
    "check_key",
    "map_access",
    "map_settings",
]
