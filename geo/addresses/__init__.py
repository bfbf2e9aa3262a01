"""The standard address library (标准地址库): its records and the reading of address files.

Matching text to the library is :mod:`geo.geocode`; parsing Chinese address text is the
separate ``address_normalizer`` package.
"""

from geo.addresses.imports import (
    COMPONENT_TAGS,
    MAX_ADDRESS_LENGTH,
    prepare_addresses,
    read_address_file,
)
from geo.addresses.records import AddressQuery, AddressRecord, AddressTable

__all__ = [
    "COMPONENT_TAGS",
    "MAX_ADDRESS_LENGTH",
    "AddressQuery",
    "AddressRecord",
    "AddressTable",
    "prepare_addresses",
    "read_address_file",
]
