"""Point-in-grid for dispatch: ``/v1/locate`` and its batch form, with the fast path ahead of
FastAPI's routing.
"""

from api.locate.schemas import LocateAreas, LocateResult

__all__ = [
    "LocateAreas",
    "LocateResult",
]
