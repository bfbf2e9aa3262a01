"""What the address tagger's passes share: the spans labelled so far in one address.

Each pass labels by what came before it (a number after a road is its door number, a name
after a POI is one of its parts), so all passes append to one state instead of returning
spans of their own.
"""

from __future__ import annotations

Span = tuple[str, int, int]
# Once one of these was labelled, the administrative names of the address are over.
PLACE = frozenset(("road", "poi", "subpoi", "roadno", "houseno", "devzone"))


class TagState:
    """What the tagger has seen so far in one address."""

    __slots__ = ("bare", "breaks", "code", "out", "placed", "short")

    def __init__(self, breaks: frozenset[int] = frozenset()) -> None:
        self.breaks = breaks  # positions where the caller typed a separator
        self.out: list[Span] = []
        self.bare: set[int] = set()  # indexes in ``out`` of names without a typed suffix
        self.code = ""  # division code of the last administrative name that had one
        self.short: set[int] = set()  # indexes in ``out`` of admin names in short form
        self.placed = False  # a road, POI or number has been seen: admin names are over

    def has_poi(self) -> bool:
        """A POI was named: later names are its parts (sub-POIs)."""
        return any(label == "poi" for label, _, _ in self.out)

    def last(self) -> str:
        return self.out[-1][0] if self.out else ""

    def emit(self, label: str, start: int, end: int) -> None:
        # Spans stay ordered and disjoint even where two rules claim the same characters.
        if end > start and not (self.out and start < self.out[-1][2]):
            self.out.append((label, start, end))
            if label in PLACE:
                self.placed = True
