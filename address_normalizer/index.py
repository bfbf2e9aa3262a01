"""Find the standard addresses a free-text address most likely means.

Layout: a library address is split into an administrative part (district … community), a
local part (road, door number, compound) and a detail (building, unit, floor, room). Distinct
``(admin, local)`` keys — a few thousand for a city's million rooms — carry a character-bigram
inverted index; the detail is an exact lookup inside the key. A query is scored against the
few keys its rarest bigrams point to with rapidfuzz, then resolved to a record by its detail.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from .calibration import Calibrator
from .errors import check_text
from .gazetteer import Gazetteer, national
from .normalize import normalize_cleaned
from .synth import StandardAddress, noisy
from .tagger import admin_prefix
from .text import clean

_RAW_TAIL = re.compile(
    r"(?:[0-9０-９A-Za-zＡ-Ｚａ-ｚ零〇一二三四五六七八九十百两-]+"
    r"(?:号楼|幢|栋|座|单元|室|层|楼|房|户|F))+[0-9０-９]*$"
)
_DETAIL_PART = re.compile(r"([0-9A-Z-]+)(幢|单元|层|室)")
_EXTRA_WORDS = re.compile(r"(?:斜对面|对面|附近|旁边|隔壁|门口|周边|里面|边上|旁)")
_ADMIN_KEYS = ("district", "town", "street", "community")
# Levels cut off into the admin part. The community stays in the local part: for a village
# house (联丰村5组12号) it is what tells one 5组12号 from the hundreds of others.
_CUT_KEYS = ("district", "town", "street")
_CUT_LABELS = frozenset(("prov", "city", "district", "town"))
_POSTING_BUDGET = 4000
_SHORTLIST = 300
_EMPTY = Gazetteer()
_MAX_KEYS = 24


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
    """

    id: str
    score: float
    confidence: float


@lru_cache(maxsize=65536)
def _detail(raw_tail: str) -> str:
    """Canonical building/unit/floor/room string (``3幢2单元102室``)."""
    if not raw_tail:
        return ""
    text = normalize_cleaned(clean(raw_tail)[0], _EMPTY)
    m = re.search(r"单元([0-9]+)$", text)
    return text + "室" if m else text


def _split_tail(text: str) -> tuple[str, str]:
    m = _RAW_TAIL.search(text)
    if m is None or m.start() == 0:
        return text, ""
    return text[: m.start()], m.group(0)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


_NUMBER_TOKEN = re.compile(r"[0-9A-Z-]+[组号弄巷]")


def _tokens(text: str) -> set[str]:
    """Index terms: character bigrams plus whole numbers with their marker (#12号, #5组).

    Whole-number terms keep 联丰村5组12号 apart from 联丰村12组5号, which share bigrams.
    """
    return _bigrams(text) | {"#" + t for t in _NUMBER_TOKEN.findall(text)}


class AddressIndex:
    """Candidates for free-text addresses from a standard address library.

    Parameters
    ----------
    records : iterable of StandardAddress
        The library. ``components`` (when given) say which leading names are
        administrative; otherwise the gazetteer decides.
    gazetteer : Gazetteer, optional
        Administrative names; the national list by default. The library's own district,
        town and community names are added to it so queries may abbreviate or omit them.
    calibrate : int
        Number of noisy queries generated from the library (see
        :mod:`address_normalizer.synth`) to fit the confidence map; 0 keeps raw scores.

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
    ) -> None:
        self._ids: list[str] = []
        self._keys: list[tuple[str, str]] = []
        self._key_of: dict[tuple[str, str], int] = {}
        self._details: list[dict[str, int]] = []
        self._postings: dict[str, list[int]] = {}
        self._numbers: list[frozenset[str]] = []  # whole-number terms of each key
        self._sample: list[StandardAddress] = []
        admin_names: dict[tuple[str, str], None] = {}
        base = gazetteer or national()
        self._gazetteer = base
        for record in records:
            idx = len(self._ids)
            self._ids.append(record.id)
            comps = record.components
            for level in _ADMIN_KEYS:
                if comps.get(level):
                    admin_names[("town" if level == "street" else level, comps[level])] = None
            for text in (record.full_text, *record.aliases):
                self._add(text, idx, comps)
            if idx % 211 == 0:
                self._sample.append(record)
        self._gazetteer = base.extend((lv, nm, ()) for lv, nm in admin_names)
        self._n_keys = len(self._keys)
        self.calibrator = Calibrator()
        if calibrate:
            self.calibrator = self._fit(calibrate)

    def __len__(self) -> int:
        return len(self._ids)

    def _add(self, text: str, idx: int, comps: Mapping[str, str]) -> None:
        head, tail = _split_tail(text)
        key = self._key(head, comps)
        k = self._key_of.get(key)
        if k is None:
            k = len(self._keys)
            self._key_of[key] = k
            self._keys.append(key)
            self._details.append({})
            terms = _tokens(key[1])
            for gram in terms:
                self._postings.setdefault(gram, []).append(k)
            self._numbers.append(frozenset(t for t in terms if t[0] == "#"))
        self._details[k].setdefault(_detail(tail), idx)

    def _key(self, head: str, comps: Mapping[str, str]) -> tuple[str, str]:
        return _cached_key(head, tuple(comps.get(k, "") for k in _CUT_KEYS), self._gazetteer)

    def match(self, text: str, limit: int = 5) -> list[Candidate]:
        """The ``limit`` most likely standard addresses for ``text``, best first.

        Raises
        ------
        AddressInputError
            If ``text`` is empty, longer than 200 characters or not a string.
        """
        check_text(text)
        scored = self._score(text, limit)
        out = []
        for rank, (score, idx) in enumerate(scored):
            # The top answer is judged by its lead over the runner-up, the others by the top.
            other = (scored[1][0] if len(scored) > 1 else 0.0) if rank == 0 else scored[0][0]
            confidence = self.calibrator(_raw(score, score - other))
            out.append(Candidate(self._ids[idx], round(score, 4), round(confidence, 4)))
        return out

    def _score(self, text: str, limit: int) -> list[tuple[float, int]]:
        head, tail = _split_tail(_EXTRA_WORDS.sub("", clean(text)[0]))
        cleaned = head
        gaz = self._gazetteer
        q_admin, q_local = _split_admin(normalize_cleaned(cleaned, gaz), gaz)
        detail = _detail(tail)
        q_grams = _bigrams(q_local)
        acc: Counter[int] = Counter()
        postings = self._postings
        numbers = {"#" + t for t in _NUMBER_TOKEN.findall(q_local)}
        terms = q_grams | numbers
        lists = sorted((postings[g] for g in terms if g in postings), key=len)
        budget = _POSTING_BUDGET
        for i, keys in enumerate(lists):
            # Rare bigrams first; common ones only while the budget lasts.
            if i >= 2 and len(keys) > budget:
                break
            budget -= len(keys)
            acc.update(keys)
        # Number terms are too common to scan (every village has a 5组) but decide between
        # the keys the rare terms found: add them for a short list, not via the postings.
        shortlist = acc.most_common(_SHORTLIST)
        nums = self._numbers
        best = [
            k
            for _, k in sorted(
                ((n + len(numbers & nums[k]), k) for k, n in shortlist), reverse=True
            )[:_MAX_KEYS]
        ]
        results: list[tuple[float, int]] = []
        for k in best:
            admin, local = self._keys[k]
            sim = fuzz.ratio(q_local, local) / 100.0
            if sim < 0.9:
                # Reordered parts keep their bigrams but lose edit-distance similarity.
                sim = max(sim, _dice(q_grams, local))
            if q_admin:
                agree = fuzz.partial_ratio(q_admin, admin) / 100.0 if admin else 0.5
                sim += 0.05 * agree - 0.15 * (1.0 - agree)
            for factor, idx in _resolve(self._details[k], detail):
                results.append((max(0.0, min(1.0, sim * factor)), idx))
        results.sort(key=lambda r: r[0], reverse=True)
        seen: set[int] = set()
        unique = []
        for score, idx in results:
            if idx not in seen:
                seen.add(idx)
                unique.append((score, idx))
                if len(unique) == limit:
                    break
        return unique

    def _fit(self, n: int) -> Calibrator:
        rng = random.Random(20240607)
        sample = self._sample or []
        raws: list[float] = []
        right: list[bool] = []
        for i in range(min(n, 20 * len(sample))):
            record = sample[i % len(sample)]
            query = noisy(record, rng)[:200]
            scored = self._score(query, 2)
            if not scored:
                continue
            second = scored[1][0] if len(scored) > 1 else 0.0
            raws.append(_raw(scored[0][0], scored[0][0] - second))
            right.append(self._ids[scored[0][1]] == record.id)
        return Calibrator.fit(raws, right)


def _raw(score: float, margin: float) -> float:
    """One number for calibration: a high score counts only with a clear margin."""
    return score * (0.5 + 0.5 * min(1.0, max(0.0, margin) / 0.1))


def _dice(q_grams: set[str], text: str) -> float:
    grams = _bigrams(text)
    return 2.0 * len(q_grams & grams) / (len(q_grams) + len(grams))


def _resolve(details: dict[str, int], detail: str) -> Sequence[tuple[float, int]]:
    """Records of one key that fit the query's detail, with how well they fit."""
    hit = details.get(detail)
    if hit is not None:
        return [(1.0, hit)]
    parts = _DETAIL_PART.findall(detail)
    while parts:
        parts.pop()
        hit = details.get("".join(n + m for n, m in parts))
        if hit is not None:
            return [(0.9, hit)]
    return [(0.8, next(iter(details.values())))]


@lru_cache(maxsize=65536)
def _cached_key(head: str, admin: tuple[str, ...], gazetteer: Gazetteer) -> tuple[str, str]:
    text = normalize_cleaned(clean(head)[0], gazetteer)
    if any(admin):
        cut = 0
        for name in admin:
            name = clean(name)[0]
            if name and text.startswith(name, cut):
                cut += len(name)
        return text[:cut], text[cut:]
    return _split_admin(text, gazetteer)


def _split_admin(text: str, gazetteer: Gazetteer) -> tuple[str, str]:
    cut = 0
    for label, _, end in admin_prefix(text, gazetteer):
        if label not in _CUT_LABELS:
            break
        cut = end
    return text[:cut], text[cut:]
