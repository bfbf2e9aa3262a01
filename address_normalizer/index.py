"""Find the standard addresses a free-text address most likely means.

Library addresses become ``(admin, local)`` keys plus a detail (:mod:`.keys`). The keys'
character bigrams and whole numbers (``#12号``, ``#5组``) go into a compact NumPy inverted
index (:mod:`.postings`). A query's rarest terms vote for a short list of keys, the best few
are scored with rapidfuzz against the query's local part, and each is resolved to a record by
the query's detail (building, unit, floor, room).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from .agreement import Agreement, cut_to_level
from .calibration import Calibrator
from .errors import BuildCancelledError, check_text
from .gazetteer import Gazetteer, national
from .keys import KeyMaker, admin_cut, detail_of, spell_dashed, split_tail
from .lexicon import FILLER, WHOLE, WHOLE_END
from .normalize import normalize_cleaned, normalize_split
from .postings import NUMBER_BASE, Postings, bigram_codes
from .readings import LibraryReadings
from .synth import StandardAddress, noisy
from .text import clean

__all__ = ["AddressIndex", "Candidate", "Lookup"]

_NUMBER_TOKEN = re.compile(r"[0-9A-Z-]+[组号弄巷]")
_DETAIL_PART = re.compile(r"([0-9A-Z-]+)(幢|单元|层|室)")
_POSTING_BUDGET = 6000
_MAX_KEYS = 12
_CHECK_EVERY = 211 * 100
_MASK_MIN_KEYS = 2000
_MASK_MAX = 64
_NUMBER_CONFLICT = 0.8
_NUMBER_GAP = 0.93
# Candidates scored beyond the ``limit`` asked for, so that one the query does not contradict
# can overtake one it does.
_RERANK_EXTRA = 7
_UNITS_TRIED = 6
# A short division name read into the place's name instead of as a division scores a little
# below the same text read the other way (set by hand).
_HEAD_READ = 0.02


class Lookup(NamedTuple):
    """What :meth:`AddressIndex.lookup` found for one query."""

    normalized: str
    """The canonical form the query was matched in."""
    candidates: list[Candidate]
    """The most likely standard addresses, best first."""
    vague: bool
    """The query names only administrative areas, perhaps followed by a road without a number
    (百妙社区, 城南街道百妙社区附近, 市泾弄附近): every address there matches it about equally,
    so no one of them, nor one grid, is meant."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A standard address a query may mean.

    Attributes
    ----------
    id : str
        The library id.
    score : float
        Raw similarity in [0, 1].
    confidence : float
        Calibrated probability in [0, 1] that this candidate is the intended address.
    position : int
        Position of the record in the sequence the index was built from, so callers can keep
        their own columns (points, area chains) beside the index.
    level : str
        The deepest level (:data:`address_normalizer.agreement.LEVELS`) the query and this
        address agree on above any contradiction; ``"none"`` if they agree on nothing.
    contradicts : tuple of str
        Levels where the query states something this address states differently (another
        building, door number, road or compound): such a candidate is never the answer at
        or below those levels.
    """

    id: str
    score: float
    confidence: float
    position: int = -1
    level: str = "none"
    contradicts: tuple[str, ...] = ()


class AddressIndex:
    """Candidates for free-text addresses from a standard address library.

    Parameters
    ----------
    records : iterable of StandardAddress
        The library. ``components`` (when they spell ``full_text``) make indexing cheap and
        say which leading names are administrative; otherwise the gazetteer decides.
    gazetteer : Gazetteer, optional
        Administrative names; the national list by default. The library's own district,
        town and community names are added to it so queries may abbreviate or omit them.
    calibrate : int
        Number of noisy queries generated from the library (see
        :mod:`address_normalizer.synth`) to fit the confidence map; 0 keeps raw scores.
    cancelled : callable, optional
        Polled every few ten thousand records; when it returns True the build stops with
        :class:`~address_normalizer.errors.BuildCancelledError` (a server shutting down
        should not spend seconds finishing an index nobody will use).

    Notes
    -----
    Confidence is an isotonic (pool-adjacent-violators) fit of "top answer was right" on a
    raw value combining the top score and its margin over the runner-up, measured on noisy
    queries generated from this very library, so it reflects the library's own ambiguity.

    Examples
    --------
    >>> lib = [StandardAddress("1", "南湖区解放街道中山路12号阳光小区3幢2单元301室")]
    >>> index = AddressIndex(lib, calibrate=0)
    >>> index.match("中山路十二号阳光小区三栋2单元301")[0].id
    '1'
    """

    def __init__(
        self,
        records: Iterable[StandardAddress],
        *,
        gazetteer: Gazetteer | None = None,
        calibrate: int = 1000,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        ids: list[str] = []
        texts: list[str] = []
        comps: list[Mapping[str, str]] = []
        aliases: list[Sequence[str]] = []
        for record in records:
            ids.append(record.id)
            texts.append(record.full_text)
            comps.append(record.components)
            aliases.append(record.aliases)
        self._build(texts, comps, aliases, ids, gazetteer or national(), cancelled)
        self.calibrator = self._fit(calibrate) if calibrate else Calibrator()

    @classmethod
    def from_columns(
        cls,
        full_text: Sequence[str],
        components: Sequence[Mapping[str, str]],
        aliases: Sequence[Sequence[str]],
        *,
        ids: Sequence[str] | None = None,
        gazetteer: Gazetteer | None = None,
        calibrate: int = 0,
        cancelled: Callable[[], bool] | None = None,
    ) -> AddressIndex:
        """An index over parallel columns, without a record object per address.

        At a million addresses, building :class:`StandardAddress` objects only to unpack
        them again costs seconds. Without ``ids`` a candidate's id is its position.
        """
        index = cls.__new__(cls)
        index._build(full_text, components, aliases, ids, gazetteer or national(), cancelled)
        index.calibrator = index._fit(calibrate) if calibrate else Calibrator()
        return index

    def _build(
        self,
        texts: Sequence[str],
        comps_column: Sequence[Mapping[str, str]],
        aliases_column: Sequence[Sequence[str]],
        ids: Sequence[str] | None,
        base: Gazetteer,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        maker = KeyMaker(base)
        self._ids = ids
        self._n = len(texts)
        self._texts = texts  # a reference: candidates are read (parsed) only when asked
        key_of: dict[tuple[str, str], int] = {}
        self._admin: list[str] = []
        self._local: list[str] = []
        self._first: list[int] = []  # first record of each key: the answer without detail
        self._detail: dict[tuple[int, str], int] = {}
        self._sample: list[StandardAddress] = []
        admin_seen: dict[tuple[str | None, str | None, str | None], None] = {}
        roads: set[str] = set()
        self._roads = roads  # names only: a road without a number names no door
        detail_of_key = self._detail
        key_at: list[int] = []
        for pos, (text, comps, aliases) in enumerate(
            zip(texts, comps_column, aliases_column, strict=True)
        ):
            get = comps.get
            admin_seen[(get("district"), get("town") or get("street"), get("community"))] = None
            road = get("road")
            if road:
                roads.add(road)
            keys = [maker.key(text, comps)]
            key_at.append(key_of.get(keys[0][:2], len(self._local)))
            if aliases:
                keys.extend(maker.from_text(alias, admin_cut(comps)) for alias in aliases)
            for admin, local, detail in keys:
                k = key_of.get((admin, local))
                if k is None:
                    k = key_of[(admin, local)] = len(self._local)
                    self._admin.append(admin)
                    self._local.append(local)
                    self._first.append(pos)
                detail_of_key.setdefault((k, detail), pos)
                for prefix in _prefixes(detail):
                    # A query may stop at the building or unit (悦湖嘉园7幢) that the
                    # library only lists rooms of: the building's first room stands for it.
                    detail_of_key.setdefault((k, prefix), pos)
            if pos % 211 == 0:
                self._sample.append(
                    StandardAddress(self._id(pos), text, dict(comps), tuple(aliases))
                )
                if cancelled is not None and pos % _CHECK_EVERY == 0 and cancelled():
                    raise BuildCancelledError("address index build cancelled")
        admin_names = {
            (level, name): None
            for names in admin_seen
            for level, name in zip(("district", "town", "community"), names, strict=True)
            if name
        }
        self._gazetteer = base.extend((lv, nm, ()) for lv, nm in admin_names)
        self._library = LibraryReadings(texts, comps_column, aliases_column, self._gazetteer, roads)
        self.key_at = np.asarray(key_at, dtype=np.int32)
        """The key (compound, house or road door: the address without its building, unit,
        floor and room) of each record, by position."""
        self._numbers: dict[str, int] = {}
        self._key_numbers = [frozenset(_NUMBER_TOKEN.findall(local)) for local in self._local]
        extra = [
            [NUMBER_BASE + self._numbers.setdefault(t, len(self._numbers)) for t in tokens]
            for tokens in self._key_numbers
        ]
        self._postings = Postings(self._local, extra)
        self._number_masks = self._masks()

    def _masks(self) -> dict[int, npt.NDArray[np.bool_]]:
        """Membership arrays over all keys for the most common whole numbers (5组, 12号).

        Every village has a 5组: such a posting list holds tens of thousands of keys, and
        binary-searching a query's thousands of candidate keys in it cost more than the rest
        of the shortlist. A boolean array answers the same question with one gather; only
        the largest lists get one, so memory stays bounded (one byte per key each).
        """
        sizes = []
        for number in self._numbers.values():
            found = self._postings.lists(np.asarray([NUMBER_BASE + number], dtype=np.int64))
            if found and found[0].shape[0] >= _MASK_MIN_KEYS:
                sizes.append((found[0].shape[0], number, found[0]))
        masks = {}
        for _, number, keys in sorted(sizes, key=lambda s: -s[0])[:_MASK_MAX]:
            mask = np.zeros(len(self._local), dtype=np.bool_)
            mask[keys] = True
            masks[number] = mask
        return masks

    def _id(self, pos: int) -> str:
        return self._ids[pos] if self._ids is not None else str(pos)

    def __len__(self) -> int:
        return self._n

    @property
    def n_keys(self) -> int:
        """Distinct (admin, local) keys: what a query is matched against."""
        return len(self._local)

    def agreement(self, text: str, position: int) -> Agreement:
        """How the library address at ``position`` (or one of its former names) agrees with
        ``text``, read with this library's own names."""
        check_text(text)
        return self._library.relate(self._library.query(text), position)

    def cut(self, position: int, level: str) -> str:
        """The text of the record at ``position`` cut to ``level`` (its compound, its road
        and door): what an answer at that level names."""
        return cut_to_level(self._texts[position], level, self._gazetteer)

    def normalize(self, text: str) -> str:
        """:func:`address_normalizer.normalize` with this library's own names known."""
        check_text(text)
        return normalize_cleaned(clean(text)[0], self._gazetteer)

    def match(self, text: str, limit: int = 5) -> list[Candidate]:
        """The ``limit`` most likely standard addresses for ``text``, best first.

        Raises
        ------
        AddressInputError
            If ``text`` is empty, longer than 200 characters or not a string.
        """
        return self.lookup(text, limit).candidates

    def lookup(self, text: str, limit: int = 5) -> Lookup:
        """:meth:`match` plus the canonical form the query was matched in.

        The canonical form is the normalised query without filler words (附近, 对面), its
        building/unit/room part in standard spelling (3幢2单元102室).
        """
        check_text(text)
        normalized, raw, vague = self._score(text, limit)
        scored = self._library.rerank(text, raw, limit)
        out = []
        for rank, (score, pos, agreement) in enumerate(scored):
            # The top answer is judged by its lead over the runner-up, the others by the top.
            other = (scored[1][0] if len(scored) > 1 else 0.0) if rank == 0 else scored[0][0]
            confidence = self.calibrator(_raw(score, score - other))
            out.append(
                Candidate(
                    self._id(pos), round(score, 4), round(confidence, 4), pos,
                    agreement.level, agreement.contradicts,
                )
            )  # fmt: skip
        return Lookup(normalized, out, vague)

    # -- scoring -------------------------------------------------------------------------------
    def _score(self, text: str, limit: int) -> tuple[str, list[tuple[float, int]], bool]:
        head, tail = split_tail(spell_dashed(_query_text(clean(text)[0])))
        gaz = self._gazetteer
        q_admin, q_local = normalize_split(head, gaz)
        normalized = q_admin + q_local
        detail = detail_of(tail)
        results: list[tuple[float, int]] = []
        # 横岭四区, 民乐老村: a lone short division name opening the text may head the
        # place's own name; the local part is then read with it too.
        whole = q_admin + q_local if self._lone_short(q_admin) else ""
        q_grams = _bigrams(q_local)
        q_numbers = _NUMBER_TOKEN.findall(q_local)
        fallbacks = _fallbacks(detail)
        agrees: dict[str, float] = {}
        for k in self._shortlist(whole or q_local):
            local = self._local[k]
            sim = fuzz.ratio(q_local, local) / 100.0
            if sim < 0.9:
                # Reordered parts keep their bigrams but lose edit-distance similarity.
                sim = max(sim, _dice(q_grams, local))
            if whole:
                sim = max(sim, fuzz.ratio(whole, local) / 100.0 - _HEAD_READ)
            if q_numbers:
                sim *= _number_fit(q_numbers, self._key_numbers[k])
            if q_admin:
                admin = self._admin[k]
                agree = agrees.get(admin)
                if agree is None:
                    # Candidates mostly share a few admin parts: compare each once.
                    agree = agrees[admin] = (
                        fuzz.partial_ratio(q_admin, admin) / 100.0 if admin else 0.5
                    )
                sim += 0.05 * agree - 0.15 * (1.0 - agree)
            factor, pos = self._resolve(k, detail, fallbacks)
            results.append((max(0.0, min(1.0, sim * factor)), pos))
        results.sort(key=lambda r: r[0], reverse=True)
        seen: set[int] = set()
        unique = []
        for score, pos in results:
            if pos not in seen:
                seen.add(pos)
                unique.append((score, pos))
                if len(unique) == limit + _RERANK_EXTRA:
                    break  # the rest are read only if contradictions push these down
        return normalized + detail, unique, not detail and self._vague(q_local)

    def _lone_short(self, q_admin: str) -> bool:
        """Whether the admin part is one division name in short form and nothing else."""
        places = self._gazetteer.get(q_admin) if 2 <= len(q_admin) <= 4 else []
        return bool(places) and all(p.short for p in places)

    def _vague(self, q_local: str) -> bool:
        """Whether the local part is administrative names of this library, then at most a road."""
        groups = self._gazetteer.groups
        pos = 0
        while pos < len(q_local):
            if q_local[pos:] in self._roads:
                return True
            for end, _ in groups(q_local, pos):  # the longest name starting here
                pos = end
                break
            else:
                return False
        return True

    def _shortlist(self, q_local: str) -> list[int]:
        """Keys sharing the most rare terms with the query, whole numbers breaking ties."""
        if not q_local:
            return []
        lists = sorted(self._postings.lists(bigram_codes(q_local)), key=len)
        taken = []
        budget = _POSTING_BUDGET
        for i, keys in enumerate(lists):
            # Rare bigrams first; common ones only while the budget lasts.
            if i >= 2 and keys.shape[0] > budget:
                break
            budget -= keys.shape[0]
            taken.append(keys)
        if not taken:
            return []
        found, votes = _counted(taken[0] if len(taken) == 1 else np.concatenate(taken))
        # Number terms are too common to scan (every village has a 5组) but decide between
        # the keys the rare terms found: look those keys up in the numbers' postings.
        numbers = [self._numbers[t] for t in set(_NUMBER_TOKEN.findall(q_local))
                   if t in self._numbers]  # fmt: skip
        masks = self._number_masks
        for number in numbers:
            mask = masks.get(number)
            if mask is not None:
                votes = votes + mask[found]
                continue
            code = np.asarray([NUMBER_BASE + number], dtype=np.int64)
            for keys in self._postings.lists(code):
                where = np.minimum(np.searchsorted(keys, found), keys.shape[0] - 1)
                votes = votes + (keys[where] == found)
        if found.shape[0] > _MAX_KEYS:
            top = np.argpartition(-votes, _MAX_KEYS)[:_MAX_KEYS]
            top.sort()
            found, votes = found[top], votes[top]
        order = np.argsort(-votes, kind="stable")[:_MAX_KEYS]
        return list(found[order].tolist())

    def _resolve(self, k: int, detail: str, fallbacks: tuple[str, ...]) -> tuple[float, int]:
        """The record of key ``k`` that fits the query's detail, and how well it fits.

        ``fallbacks`` is :func:`_fallbacks` of ``detail``: coarser details to try in turn.
        """
        get = self._detail.get
        hit = get((k, detail))
        if hit is not None:
            return 1.0, hit
        if "单元" not in detail and "室" in detail and "幢" in detail:
            # 7幢1301室: a room given after its building without the unit, which the
            # library lists (7幢1单元1301室); taken only when one unit has that room.
            building, _, room = detail.partition("幢")
            hits = {
                h for u in range(1, _UNITS_TRIED + 1)
                if (h := get((k, f"{building}幢{u}单元{room}"))) is not None
            }  # fmt: skip
            if len(hits) == 1:
                return 1.0, hits.pop()
        for coarser in fallbacks:
            hit = get((k, coarser))
            if hit is not None:
                return 0.9, hit
        return 0.8, self._first[k]

    def _fit(self, n: int) -> Calibrator:
        rng = random.Random(20240607)
        sample = self._sample or []
        raws: list[float] = []
        right: list[bool] = []
        for i in range(min(n, 20 * len(sample))):
            record = sample[i % len(sample)]
            query = noisy(record, rng)[:200]
            scored = self._library.rerank(query, self._score(query, 2)[1], 2)
            if not scored:
                continue
            second = scored[1][0] if len(scored) > 1 else 0.0
            raws.append(_raw(scored[0][0], scored[0][0] - second))
            right.append(self._id(scored[0][1]) == record.id)
        return Calibrator.fit(raws, right)


def _query_text(cleaned: str) -> str:
    """A cleaned query without filler words (附近, 对面) and letting words (整套)."""
    out = FILLER.sub("", cleaned)
    return WHOLE.sub("", out) if out[-1:] in WHOLE_END else out


def _counted(keys: npt.NDArray[np.int32]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.intp]]:
    """``np.unique(keys, return_counts=True)`` without its generic machinery (a fifth of it).

    The posting lists are sorted runs, which a stable (merge) sort joins quickly.
    """
    keys = np.sort(keys, kind="stable")
    n = keys.shape[0]
    fresh = np.empty(n, dtype=bool)
    fresh[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=fresh[1:])
    starts = np.flatnonzero(fresh)
    counts = np.empty(starts.shape[0], dtype=np.intp)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1])
    counts[-1:] = n - starts[-1:]
    return keys[starts], counts


@lru_cache(maxsize=4096)
def _fallbacks(detail: str) -> tuple[str, ...]:
    """Coarser forms of a detail, finest first, down to none (3幢2单元 → 3幢, "").

    Computed once per query rather than once per candidate key.
    """
    parts = [n + m for n, m in _DETAIL_PART.findall(detail)]
    coarser = tuple("".join(parts[:i]) for i in range(len(parts) - 1, -1, -1))
    joined = "".join(parts)
    # What the parts leave out (a trailing number) makes the whole of them a coarser form.
    return coarser if joined == detail else (joined, *coarser)


@lru_cache(maxsize=4096)
def _prefixes(detail: str) -> tuple[str, ...]:
    """The building and building-and-unit a detail starts with (3幢, 3幢2单元), if shorter."""
    parts = [n + m for n, m in _DETAIL_PART.findall(detail)]
    if not parts or not parts[0].endswith("幢"):
        return ()
    joined = ["".join(parts[:i]) for i in range(1, min(len(parts), 3))]
    return tuple(p for p in joined if p != detail)


def _number_fit(query: list[str], key: frozenset[str]) -> float:
    """How well the query's door, group and lane numbers agree with a key's.

    Edit distance sees 4组23号 and 14组23号 as nearly equal; for an address they are two
    houses. A number the key has with another value is a conflict; one it lacks, a gap.
    """
    fit = 1.0
    markers: set[str] | None = None
    for token in query:
        if token in key:
            continue
        if markers is None:
            markers = {t[-1] for t in key}
        fit *= _NUMBER_CONFLICT if token[-1] in markers else _NUMBER_GAP
    return fit


def _raw(score: float, margin: float) -> float:
    """One number for calibration: a high score counts only with a clear margin."""
    return score * (0.5 + 0.5 * min(1.0, max(0.0, margin) / 0.1))


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _dice(q_grams: set[str], text: str) -> float:
    grams = _bigrams(text)
    return 2.0 * len(q_grams & grams) / (len(q_grams) + len(grams))
