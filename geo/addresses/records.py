"""The standard address (标准地址) as the library holds it, and the forms it is read in.

Timestamps are timezone-aware UTC; points are CGCS2000 lon/lat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

__all__ = ["AddressQuery", "AddressRecord", "AddressTable"]


@dataclass(frozen=True, slots=True)
class AddressRecord:
    """A standard address (标准地址) of the library.

    ``components`` maps GB/T 39609 / CCKS element tags (district, town, community, road,
    roadno, poi, houseno, cellno, floorno, roomno, ...) to their text. ``areas`` maps each
    level to the code of the area holding the point, derived from the boundaries.
    """

    id: int | None
    code: str
    full_text: str
    components: dict[str, str]
    lon: float
    lat: float
    aliases: tuple[str, ...] = ()
    status: str = "active"
    areas: dict[str, str | None] = field(default_factory=dict)
    valid_from: datetime | None = None
    valid_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class AddressQuery:
    """Filters for listing addresses.

    Attributes
    ----------
    area : str, optional
        An area code of any level: the addresses whose chain passes through it (its subtree).
    within : str, optional
        The caller's scope, another area code; both filters apply together.
    limit, offset : int
        The page.
    """

    area: str | None = None
    within: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class AddressTable:
    """All current addresses as columns, the form the geocoder is built from.

    Columns rather than records: at a million addresses a list of dataclasses costs seconds
    to build and hundreds of megabytes, parallel lists and arrays much less.
    """

    ids: npt.NDArray[np.int64]
    codes: list[str]
    full_text: list[str]
    components: list[dict[str, str]]
    aliases: list[tuple[str, ...]]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.codes)
