"""Point-in-grid: the in-memory index that answers which areas hold a point, and the holder
that keeps each worker's index at the store's newest version.
"""

from geo.locate.holder import AreaSource, LocatorHolder, LocatorNotReadyError
from geo.locate.locator import NO_AREA, Locator

__all__ = [
    "NO_AREA",
    "AreaSource",
    "Locator",
    "LocatorHolder",
    "LocatorNotReadyError",
]
