"""Exact geometric predicates for the locator, vectorised with NumPy.

The locator's answers must agree with an exact point-in-polygon test on every point, including
points lying exactly on an edge or a vertex. Floating-point orientation tests are exact except
when the result is tiny compared with the products that make it up, so every orientation here
is computed with Shewchuk's static error filter: values the filter certifies keep their float
sign, and the rare uncertain ones are re-evaluated with exact integer arithmetic (coordinates
scaled by 2**51 are exact integers for every ``|x| >= 2``, i.e. anywhere in China; Python's
integers then make the products exact).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

__all__ = ["CCW_ERRBOUND", "orient", "orient_exact"]

FloatArray = npt.NDArray[np.float64]
_EPS = 2.0**-53
# Shewchuk's ccwerrboundA: |det - exact| is below this times (|left| + |right|).
CCW_ERRBOUND = (3.0 + 16.0 * _EPS) * _EPS
_SCALE = 2.0**51  # x * 2**51 is an integer for every double with |x| >= 2


def orient(
    ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray, cx: FloatArray, cy: FloatArray
) -> npt.NDArray[np.int8]:
    """Sign of the turn a -> b -> c: +1 left (counter-clockwise), -1 right, 0 collinear; exact.

    Parameters
    ----------
    ax, ay, bx, by, cx, cy
        Coordinates of the three points (arrays of one shape, lon/lat degrees).

    Examples
    --------
    >>> import numpy as np
    >>> one = np.ones(1)
    >>> int(orient(0 * one, 0 * one, one, one, 2 * one, 2 * one)[0])
    0
    >>> int(orient(0 * one, 0 * one, one, 0 * one, one, one)[0])
    1
    """
    left = (ax - cx) * (by - cy)
    right = (ay - cy) * (bx - cx)
    det = left - right
    bound = CCW_ERRBOUND * (np.abs(left) + np.abs(right))
    sign = np.sign(det).astype(np.int8)
    unsure = np.flatnonzero(np.abs(det) < bound)
    if unsure.size:
        sign[unsure] = orient_exact(
            ax[unsure], ay[unsure], bx[unsure], by[unsure], cx[unsure], cy[unsure]
        )
    return sign


def orient_exact(
    ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray, cx: FloatArray, cy: FloatArray
) -> npt.NDArray[np.int8]:
    """The exact sign of the orientation determinant, for the few values the filter doubts."""
    coords = np.stack([ax, ay, bx, by, cx, cy]).astype(np.float64)
    scaled = coords * _SCALE
    finite = np.isfinite(scaled).all() and bool(np.all(np.abs(scaled) < 2.0**62))
    if finite and bool(np.all(np.floor(scaled) == scaled)):
        ints = scaled.astype(np.int64)
        iax, iay, ibx, iby, icx, icy = (row.astype(object) for row in ints)
        det = (iax - icx) * (iby - icy) - (iay - icy) * (ibx - icx)
        return np.array([(d > 0) - (d < 0) for d in det], dtype=np.int8)
    return np.array([_orient_fraction(*column) for column in coords.T], dtype=np.int8)


def _orient_fraction(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """Exact orientation with rationals: the slow path for coordinates near zero."""
    if not all(np.isfinite((ax, ay, bx, by, cx, cy))):
        return 0
    fax, fay, fbx, fby, fcx, fcy = (Fraction(v) for v in (ax, ay, bx, by, cx, cy))
    det = (fax - fcx) * (fby - fcy) - (fay - fcy) * (fbx - fcx)
    return (det > 0) - (det < 0)
