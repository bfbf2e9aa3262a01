"""Rule tagger: cleaned address text → labelled spans.

Three passes, each cheap: (1) administrative names at the front, by longest match in the
gazetteer with the hierarchy checked (:mod:`.tag_admin`); (2) numbered parts (号, 幢, 单元,
层 …) found by one regex and labelled by what precedes them (:mod:`.tag_numbered`); (3) the
named chunks between numbered parts split at typed suffixes (路, 村, 开发区, 大厦 …)
(:mod:`.tag_chunks`), each piece labelled by what was named before it
(:mod:`.tag_pieces`). Passes 2 and 3 run interleaved, left to right, on one shared state
(:mod:`.tag_state`), and labels that depend on both neighbours settle once the whole address
is labelled (:mod:`.tag_settle`); this module runs them in that order. Rules rather than a
learned model keep the behaviour explainable and avoid shipping weights trained on
third-party data.
"""

from __future__ import annotations

from .gazetteer import Gazetteer
from .lexicon import NOISE_HEAD, NOISE_TAIL, NOISE_TAIL_END, NUMBERED
from .tag_admin import admin_chain
from .tag_chunks import split_chunk
from .tag_numbered import in_name, label_numbered
from .tag_settle import settle
from .tag_state import Span, TagState

__all__ = ["Span", "admin_prefix", "tag", "tag_with_prefix"]


def tag(text: str, gazetteer: Gazetteer, *, breaks: frozenset[int] = frozenset()) -> list[Span]:
    """Label the spans of a cleaned address; unlabelled characters are noise.

    See :func:`tag_with_prefix`, which also returns the administrative names at the head.
    """
    return tag_with_prefix(text, gazetteer, breaks=breaks)[0]


def tag_with_prefix(
    text: str, gazetteer: Gazetteer, *, breaks: frozenset[int] = frozenset()
) -> tuple[list[Span], list[Span]]:
    """Label the spans of a cleaned address; unlabelled characters are noise.

    Parameters
    ----------
    text : str
        Output of :func:`address_normalizer.text.clean`.
    gazetteer : Gazetteer
        Administrative names to recognise.
    breaks : frozenset of int, optional
        Positions in ``text`` where the caller typed a separator (a space, ``_``, a comma):
        no name runs across one.

    Returns
    -------
    spans : list of (label, start, end)
        Non-overlapping spans over ``text`` in order.
    prefix : list of (label, start, end)
        What :func:`admin_prefix` answers for ``text`` without a leading 中国: the first
        pass below computes exactly that, and normalising needs it too.
    """
    state = TagState(breaks)
    n = len(text)
    head = NOISE_HEAD.match(text)
    # 中国 is the country only before a division name (中国轻纺城 is a market).
    skip = head.end() if head and next(gazetteer.match(text, head.end()), None) else 0
    pos = admin_chain(text, skip, gazetteer, state)
    # A head that was not skipped starts no division name either: its prefix is empty.
    prefix = [(lb, s - skip, e - skip) for lb, s, e in state.out] if skip or not head else []
    tail = NOISE_TAIL.search(text, pos) if text[-1:] in NOISE_TAIL_END else None
    end_all = tail.start() if tail else n
    last = pos
    for m in NUMBERED.finditer(text, pos, end_all):
        kind = m.lastgroup or ""
        if in_name(kind, m, last, end_all, text):
            continue
        if m.start() > last:
            split_chunk(text, last, m.start(), gazetteer, state)
        before = len(state.out)
        label_numbered(kind, m.start(), m.end(), m.end() == end_all, text, state)
        # An unlabelled number that runs into a name belongs to it (00班, 000病区, 0号库).
        glue = kind == "bare" and len(state.out) == before and m.end() < end_all and m[0].isdigit()
        last = m.start() if glue else m.end()
    if last < end_all:
        split_chunk(text, last, end_all, gazetteer, state)
    settle(text, state)
    return state.out, prefix


def admin_prefix(text: str, gazetteer: Gazetteer) -> list[Span]:
    """Only the administrative names at the start of a cleaned address (cheap)."""
    state = TagState()
    admin_chain(text, 0, gazetteer, state)
    return state.out
