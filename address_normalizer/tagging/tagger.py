"""Rule tagger: cleaned address text → labelled spans.

Three passes, each cheap: (1) administrative names at the front, by longest match in the
gazetteer with the hierarchy checked (:mod:`.admin`); (2) numbered parts (号, 幢, 单元,
层 …) found by one regex and labelled by what precedes them (:mod:`.numbered`); (3) the
named chunks between numbered parts split at typed suffixes (路, 村, 开发区, 大厦 …)
(:mod:`.chunks`), each piece labelled by what was named before it
(:mod:`.pieces`). Passes 2 and 3 run interleaved, left to right, on one shared state
(:mod:`.state`), and labels that depend on both neighbours settle once the whole address
is labelled (:mod:`.settle`); this module runs them in that order. Brackets the caller
wrote cut the address into runs that the passes label one after the other, each bracketed
aside as what it holds (:mod:`.asides`). Rules rather than a learned model keep the
behaviour explainable and avoid shipping weights trained on third-party data.
"""

from __future__ import annotations

from ..gazetteer import Gazetteer
from ..lexicon import NOISE_HEAD, NOISE_TAIL, NOISE_TAIL_END, NOTE, NUMBERED, WHOLE, WHOLE_END
from .admin import admin_chain
from .asides import aside, cut, in_legal_name, runs
from .chunks import split_chunk
from .numbered import in_name, label_numbered
from .settle import settle
from .state import Span, TagState

__all__ = ["Span", "admin_prefix", "tag", "tag_with_prefix"]


def tag(
    text: str,
    gazetteer: Gazetteer,
    *,
    breaks: frozenset[int] = frozenset(),
    asides: tuple[tuple[int, int], ...] = (),
) -> list[Span]:
    """Label the spans of a cleaned address; unlabelled characters are noise.

    See :func:`tag_with_prefix`, which also returns the administrative names at the head.
    """
    return tag_with_prefix(text, gazetteer, breaks=breaks, asides=asides)[0]


def tag_with_prefix(
    text: str,
    gazetteer: Gazetteer,
    *,
    breaks: frozenset[int] = frozenset(),
    asides: tuple[tuple[int, int], ...] = (),
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
    asides : tuple of (start, end), optional
        Ranges of ``text`` the caller wrote in brackets, sorted and disjoint: no part runs
        across a bracket, and each aside is labelled as what it holds (:mod:`.asides`).

    Returns
    -------
    spans : list of (label, start, end)
        Non-overlapping spans over ``text`` in order.
    prefix : list of (label, start, end)
        What :func:`admin_prefix` answers for ``text`` without a leading 中国: the first
        pass below computes exactly that, and normalising needs it too.
    """
    state = TagState(breaks)
    head = NOISE_HEAD.match(text)
    # 中国 is the country only before a division name (中国轻纺城 is a market).
    skip = head.end() if head and next(gazetteer.match(text, head.end()), None) else 0
    # A head that was not skipped starts no division name either: its prefix is empty.
    keep_prefix = skip or not head
    if asides:
        # The prefix is what the text says without its brackets, as normalize() reads it.
        prefix = admin_prefix(text[skip:], gazetteer) if keep_prefix else []
        _tag_bracketed(text, skip, asides, gazetteer, state)
    else:
        pos = admin_chain(text, skip, gazetteer, state)
        prefix = [(lb, s - skip, e - skip) for lb, s, e in state.out] if keep_prefix else []
        end_all = _noise_start(text, pos)
        if pos < end_all:
            _tag_run(text, pos, end_all, end_all, gazetteer, state)
    settle(text, state)
    if asides:
        cut(state.out, asides)
    return state.out, prefix


def _noise_start(text: str, pos: int) -> int:
    """Where the address ends before a note to the courier or trailing noise (contact
    words, names), searched from ``pos``."""
    end = _tail_start(text, pos)
    note = NOTE.search(text, pos, end)
    return note.start() if note else end


def _tail_start(text: str, pos: int) -> int:
    """Where trailing contact words, names or letting words (整套) start, searched from
    ``pos``."""
    end = len(text)
    if text[-1:] in WHOLE_END:
        whole = WHOLE.search(text, pos)
        end = whole.start() if whole else end
    tail = NOISE_TAIL.search(text, pos, end) if text[end - 1 : end] in NOISE_TAIL_END else None
    return tail.start() if tail else end


def _tag_bracketed(
    text: str,
    skip: int,
    asides: tuple[tuple[int, int], ...],
    gazetteer: Gazetteer,
    state: TagState,
) -> None:
    """All passes over a text with brackets: each run between brackets on its own, in
    order, and each aside as what it holds. A note to the courier outside brackets ends
    the address; inside brackets it ends the aside."""
    n = len(text)
    asides = tuple(x for x in asides if not in_legal_name(text, *x, gazetteer))
    parts = runs(n, asides)
    if not parts:
        return
    first, first_end, first_bracketed = parts[0]
    if first_bracketed and aside(text, first, first_end, state):
        parts, pos = parts[1:], first_end
    else:
        # No administrative name runs across a bracket either.
        pos = admin_chain(text if first_end == n else text[:first_end], skip, gazetteer, state)
    end_all = _tail_start(text, pos)
    for a, run_end, bracketed in parts:
        a = max(a, pos)
        if a >= end_all:
            break
        b = min(run_end, end_all)
        note = NOTE.search(text, a, b)
        if note:
            b = note.start()
            end_all = end_all if bracketed else b
        # Only a name written outside brackets takes in a branch: ``a`` ends no aside.
        if (
            bracketed
            and a < b
            and aside(text, a, b, state, after_name=all(e != a for _, e in asides))
        ):
            continue
        if a < b:
            # Each run sees the text up to its own bracket only.
            _tag_run(text if run_end == n else text[:run_end], a, b, end_all, gazetteer, state)


def _tag_run(
    text: str, pos: int, end: int, end_all: int, gazetteer: Gazetteer, state: TagState
) -> None:
    """Passes 2 and 3 over ``text[pos:end]``, a run no bracket cuts; ``end_all`` is where
    the address ends before any trailing noise."""
    last = pos
    for m in NUMBERED.finditer(text, pos, end):
        kind = m.lastgroup or ""
        if in_name(kind, m, last, end, text):
            continue
        if m.start() > last:
            split_chunk(text, last, m.start(), gazetteer, state)
        before = len(state.out)
        label_numbered(kind, m.start(), m.end(), m.end() == end_all, text, state)
        # An unlabelled number that runs into a name belongs to it (00班, 000病区, 0号库).
        glue = kind == "bare" and len(state.out) == before and m.end() < end and m[0].isdigit()
        last = m.start() if glue else m.end()
    if last < end:
        split_chunk(text, last, end, gazetteer, state)


def admin_prefix(text: str, gazetteer: Gazetteer) -> list[Span]:
    """Only the administrative names at the start of a cleaned address (cheap)."""
    state = TagState()
    admin_chain(text, 0, gazetteer, state)
    return state.out
