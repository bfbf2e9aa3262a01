"""Public parsing API: components with spans over the text as given."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from .errors import check_text
from .gazetteer import Gazetteer, national
from .lexicon import BRACKET_CLOSE, BRACKET_OPEN
from .normalize import normalize_cleaned
from .tagging import tag_with_prefix
from .text import clean

LABELS = (
    "prov", "city", "district", "devzone", "town", "community", "village_group", "road",
    "roadno", "poi", "subpoi", "houseno", "cellno", "floorno", "roomno", "detail", "assist",
    "distance", "intersection",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Component:
    """One labelled part of an address.

    Attributes
    ----------
    label : str
        A CCKS 2021 element type (``road``, ``houseno`` …), see :data:`LABELS`.
    text : str
        ``original[start:end]``: the characters as the caller wrote them.
    start, end : int
        Half-open character span over the original text.
    """

    label: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The normalised form of an address and its labelled components."""

    normalized: str
    components: list[Component]

    def first(self, label: str) -> str | None:
        """Text of the first component with ``label``, or ``None``."""
        return next((c.text for c in self.components if c.label == label), None)


# Separators people type between parts (空格, _, 逗号, 顿号). Brackets are not separators but
# hold an aside (a branch, a gate, another name), see :func:`_asides`.
_SEPARATORS = frozenset(" \t_,，、;；/|\u3000")
_BRACKET = re.compile(f"[{re.escape(BRACKET_OPEN + BRACKET_CLOSE)}]")


def _breaks(text: str, offsets: list[int]) -> frozenset[int]:
    """Cleaned-text positions where the caller typed a separator between two characters."""
    if len(offsets) == len(text):
        return frozenset()  # nothing was dropped, so nothing separated
    return frozenset(
        i
        for i in range(1, len(offsets))
        if offsets[i] - offsets[i - 1] > 1
        and any(ch in _SEPARATORS for ch in text[offsets[i - 1] + 1 : offsets[i]])
    )


def _asides(text: str, offsets: list[int]) -> list[tuple[int, int, int]]:
    """Brackets the caller wrote: ``(start, end, after)`` where ``cleaned[start:end]`` is the
    bracketed text and ``text[after - 1]`` its closing bracket.

    Brackets do not nest. A bracket left unpaired (an opening one never closed or followed
    by another, a closing one with none open) is an empty aside: a boundary and nothing else.
    """
    out: list[tuple[int, int, int]] = []
    start = -1
    for m in _BRACKET.finditer(text):
        at = bisect_left(offsets, m.start())  # first cleaned character after the bracket
        if m.group() in BRACKET_CLOSE:
            out.append((at if start < 0 else start, at, m.end()))
            start = -1
            continue
        if start >= 0:
            out.append((start, start, 0))
        start = at
    if start >= 0:
        out.append((start, start, 0))
    return out


def parse(text: str, *, gazetteer: Gazetteer | None = None) -> ParseResult:
    """Split an address into labelled components.

    Parameters
    ----------
    text : str
        Address as given (1–200 characters); full-width forms, radicals and punctuation are
        tolerated.
    gazetteer : Gazetteer, optional
        Administrative names to recognise; defaults to the national division list. Pass
        ``national().extend(...)`` to add a city's own street and community names.

    Returns
    -------
    ParseResult
        ``normalized`` as :func:`normalize` gives it, and components whose spans index
        ``text``.

    Raises
    ------
    AddressInputError
        If ``text`` is empty, longer than 200 characters or not a string.

    Examples
    --------
    >>> r = parse("浙江省杭州市西湖区文三路１２号")
    >>> [(c.label, c.text) for c in r.components][2:]
    [('district', '西湖区'), ('road', '文三路'), ('roadno', '１２号')]
    >>> r.normalized
    '西湖区文三路12号'
    """
    check_text(text)
    gaz = gazetteer or national()
    cleaned, offsets = clean(text)
    # Cleaning drops brackets: where nothing was dropped there were none.
    asides = _asides(text, offsets) if len(offsets) < len(text) and _BRACKET.search(text) else []
    spans, prefix = tag_with_prefix(
        cleaned,
        gaz,
        breaks=_breaks(text, offsets),
        asides=tuple((a, b) for a, b, _ in asides) if asides else (),
    )
    components = [
        Component(label, text[offsets[s] : offsets[e - 1] + 1], offsets[s], offsets[e - 1] + 1)
        for label, s, e in spans
    ]
    for i, (label, s, e) in enumerate(spans if asides else ()):
        for a, b, after in asides:
            if b == e and s < a < b:
                # A name that takes in a whole aside (its branch) ends after the bracket.
                components[i] = Component(label, text[offsets[s] : after], offsets[s], after)
    return ParseResult(normalize_cleaned(cleaned, gaz, prefix=prefix), components)
