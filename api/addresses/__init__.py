"""The address API: parse, compare, geocode, reverse, and the standard address library."""

from api.addresses.geocoder import current_geocoder, start_geocoder

__all__ = [
    "current_geocoder",
    "start_geocoder",
]
