"""Address text to a standard address, a point and its area chain, and a point back to the
nearest standard address; the holder keeps each worker's geocoder current.
"""

from geo.geocode.geocoder import DEFAULT_THRESHOLD, Geocoder, GeocodeResult, Match, ReverseResult
from geo.geocode.holder import GeocoderHolder, GeocoderNotReadyError, LibrarySource

__all__ = [
    "DEFAULT_THRESHOLD",
    "GeocodeResult",
    "Geocoder",
    "GeocoderHolder",
    "GeocoderNotReadyError",
    "LibrarySource",
    "Match",
    "ReverseResult",
]
