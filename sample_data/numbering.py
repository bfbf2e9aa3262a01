"""Sequence numbers of grids and micro-grids: west→east, north→south, like reading a page.

The parent's bounding box is cut into ``round(√n)`` horizontal bands of equal height; cells
are numbered band by band from the north, and within a band from the west, by the centroid.
The rule is simple enough for a grid worker to check on a paper map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["reading_order"]


def reading_order(
    cells: Sequence[BaseGeometry], bounds: tuple[float, float, float, float]
) -> NDArray[np.int64]:
    """Indices of ``cells`` in numbering order within a parent whose bbox is ``bounds``.

    Examples
    --------
    >>> from shapely import box
    >>> cells = [box(1, 0, 2, 1), box(0, 0, 1, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)]
    >>> reading_order(cells, (0, 0, 2, 2)).tolist()
    [2, 3, 1, 0]
    """
    if not cells:
        return np.empty(0, dtype=np.int64)
    centres = shapely.get_coordinates(shapely.centroid(np.asarray(cells, dtype=object)))
    _, south, _, north = bounds
    rows = max(1, round(math.sqrt(len(cells))))
    height = (north - south) / rows
    row = np.clip(np.floor((north - centres[:, 1]) / height), 0, rows - 1)
    return np.lexsort((centres[:, 0], row)).astype(np.int64)
