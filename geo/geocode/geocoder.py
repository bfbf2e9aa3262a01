"""Geocoding: address text → standard address, point and area chain; and back from a point.

A :class:`Geocoder` is an immutable snapshot of one data version: the standard addresses of
the store, a text index over them (:class:`address_normalizer.AddressIndex`), the area chain of
every address derived from the *current* boundaries by a :class:`~geo.locate.locator.Locator` (so a
boundary edit moves addresses to their new grid at the next rebuild), and a nearest-point
index for reverse geocoding. :class:`geo.geocode.holder.GeocoderHolder` rebuilds it when the
store's version moves and swaps it in atomically.

Dispatch needs the right grid more than the right room, and a wrong grid costs more than an
unresolved answer that a person looks at. So the geocoder calibrates, on noisy queries it
generates from its own library, the probability that the top answer's *grid* is right, and
answers ``resolved: false`` with the candidates when that probability is below the threshold.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from address_normalizer import (
    AddressIndex,
    BuildCancelledError,
    Calibrator,
    Candidate,
    Lookup,
    noisy_query,
)
from geo.addresses import AddressTable
from geo.areas import LEVELS, AreaLabel, AreaRecord, Level
from geo.geocode.pool import CHUNK, GeocodePool
from geo.geocode.reverse import NearestIndex
from geo.locate import Locator

__all__ = [
    "DEFAULT_THRESHOLD",
    "BuildCancelledError",
    "Chain",
    "GeocodeResult",
    "Geocoder",
    "Match",
    "ReverseResult",
]

DEFAULT_THRESHOLD = 0.9
DEFAULT_CACHE_SIZE = 20_000
PARALLEL_MIN = 2 * CHUNK
"""Texts a batch must bring (not answered from the cache) before it is spread over the pool:
one chunk's worth is done as soon by the calling thread alone (256 texts on the demo city:
63 ms on one core, 37 ms with one helper)."""
_CHAIN_CACHE_MAX = 100_000
_LOCATOR_CELL_M = 40.0
_GRID = Level.GRID.depth
_CALIBRATION_SEED = 20250601
Chain = dict[str, AreaLabel | None]
# Levels inside one index key (an address without its building, unit, floor and room): a
# contradiction below them leaves the key itself agreed on.
_WITHIN_KEY = frozenset(("poi", "road_number", "building", "unit", "floor"))


@dataclass(frozen=True, slots=True)
class Match:
    """One standard address offered as an answer.

    Attributes
    ----------
    id : int
        The store's address id (``GET /v1/addresses/{id}``).
    code : str
        The address's structured code.
    full_text : str
        The standard full text.
    lon, lat : float
        The address point, CGCS2000 degrees.
    confidence : float
        Calibrated probability in [0, 1] that this is the standard address the text means.
    score : float
        Raw text similarity in [0, 1].
    areas : dict
        The area chain (level → label, or None) under the current boundaries.
    distance_m : float, optional
        For reverse geocoding: metres from the query point.
    level : str
        The deepest level the text and this address agree on (``room``, ``unit``,
        ``building``, ``poi``, ``road_number``, ``road``, ``community``, ``street``,
        ``district``; ``none``). A resolved answer at a level above the address
        (``poi``: the compound) has ``full_text`` cut to that level.
    contradicts : tuple of str
        Levels where the text states something this address states differently.
    """

    id: int
    code: str
    full_text: str
    lon: float
    lat: float
    confidence: float
    score: float
    areas: Chain
    distance_m: float | None = None
    level: str = "none"
    contradicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """The answer to one address text.

    ``resolved`` is true only when the calibrated probability that ``best``'s grid is right
    (``grid_confidence``) reaches the threshold and no component of the text contradicts
    ``best`` at its ``match_level``; otherwise ``best`` is None and the caller gets
    ``candidates`` to choose from: never a silent guess.
    """

    resolved: bool
    normalized: str
    best: Match | None
    grid_confidence: float
    candidates: list[Match]
    version: int
    match_level: str = "none"


@dataclass(frozen=True, slots=True)
class ReverseResult:
    """The nearest standard address to a point and the chain of areas covering the point."""

    address: Match | None
    areas: Chain
    covered: bool
    version: int


class Geocoder:
    """Geocode and reverse-geocode against one version of the standard address library.

    Parameters
    ----------
    table : AddressTable
        The current addresses (``store.address_table()``).
    areas : sequence of AreaRecord
        The current areas of every level (``store.current_areas()``).
    version : int
        The data version both come from.
    threshold : float
        Minimum calibrated grid confidence for ``resolved: true``.
    calibrate : int
        Noisy queries generated from the library to calibrate confidences (0: raw scores).
    cancelled : callable, optional
        Polled between build stages; when it returns True the build stops early
        (:class:`BuildCancelledError`), so a shutting-down worker does not finish a useless build.
    cache_size : int
        Answers kept per text (least recently used dropped first); 0 keeps none. The cache
        lives and dies with this geocoder, so it is keyed by the data version: a new version
        is a new geocoder with an empty cache, never a stale answer.
    """

    def __init__(
        self,
        table: AddressTable,
        areas: Sequence[AreaRecord],
        version: int,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        calibrate: int = 2000,
        cancelled: Callable[[], bool] | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        check = cancelled or (lambda: False)
        self.version = version
        self.threshold = threshold
        self._table = table
        self._cache: OrderedDict[tuple[str, int, bool], GeocodeResult] = OrderedDict()
        self._cache_size = max(0, cache_size)
        self._cache_lock = threading.Lock()
        self._chain_of: dict[int, Chain] = {}
        self._key_grid: npt.NDArray[np.bool_] | None = None
        self.pool: GeocodePool | None = None
        """Helper processes for large batches (:meth:`attach_pool`); None: one core."""
        # Coarse cells: the geocoder asks for a million points once and one point per reverse
        # call, so a quicker build beats quicker lookups (answers are exact at any cell size).
        self.locator = Locator(areas, version, cell_m=_LOCATOR_CELL_M)
        self._labels = _label_table(areas)
        self._label_of = {label.code: label for level in LEVELS for label in self._labels[level]}
        _stop_if(check)
        # Chain positions into ``self._labels[level]`` per address, -1 where no area covers it.
        self._chains = _chains(self.locator, self._labels, table.lon, table.lat)
        _stop_if(check)
        self.index = AddressIndex.from_columns(
            table.full_text, table.components, table.aliases, cancelled=check
        )
        _stop_if(check)
        self.nearest = NearestIndex(table.lon, table.lat)
        self._address_cal = Calibrator()
        self._grid_cal = Calibrator()
        if calibrate and len(table):
            self._calibrate(calibrate, check)

    def __len__(self) -> int:
        return len(self._table)

    # -- answers -------------------------------------------------------------------------------
    def geocode(self, text: str, *, limit: int = 5) -> GeocodeResult:
        """The standard address ``text`` most likely means, or candidates when in doubt.

        Raises
        ------
        address_normalizer.AddressInputError
            If ``text`` is empty, longer than 200 characters or not a string.
        """
        return self._answer(self.index.lookup(text, limit=max(limit, 5)), limit)

    def _answer(self, lookup: Lookup, limit: int, runners_up: bool = True) -> GeocodeResult:
        """The answer to a text from its index look-up (done here or in a helper process);
        without ``runners_up`` a resolved answer lists no other candidates."""
        normalized, found, vague = lookup
        if not found:
            return GeocodeResult(False, normalized, None, 0.0, [], self.version)
        raw_address, raw_grid = self._raw(found)
        confidence = self._address_cal(raw_address)
        # Every address of a community (or of a road) matches its bare name about equally, and
        # the calibration (noisy copies of full addresses) never sees such a text: the scores
        # alone would resolve "百妙社区" to one of its doors, and a report to one of its grids,
        # with full confidence. A silent guess; the text names no grid.
        grid_confidence = 0.0 if vague else round(self._grid_cal(raw_grid), 4)
        top = found[0]
        # A text that contradicts the top answer (building 7 against building 3) resolves
        # only at the level above the contradiction both agree on, and only where that level
        # names one grid: the compound's, when the whole compound lies in it.
        coarse = bool(top.contradicts) and top.level in _WITHIN_KEY
        resolved = grid_confidence >= self.threshold and (
            not top.contradicts or (coarse and self._one_grid(top.position))
        )
        listed = found[:limit] if runners_up or not resolved else found[:1]
        matches = [
            self._match(c, confidence if rank == 0 else self._address_cal(_runner_raw(c, found)))
            for rank, c in enumerate(listed)
        ]
        if resolved:
            best = matches[0]
            if coarse:
                best = replace(best, full_text=self.index.cut(top.position, top.level))
            return GeocodeResult(
                True, normalized, best, grid_confidence, matches[1:], self.version, top.level
            )
        return GeocodeResult(False, normalized, None, grid_confidence, matches, self.version)

    def _one_grid(self, position: int) -> bool:
        """Whether every address of the key (compound, house) at ``position`` is in one grid."""
        if self._key_grid is None:
            keys = self.index.key_at
            grids = self._chains[_GRID]
            low = np.full(self.index.n_keys, np.iinfo(np.int32).max, dtype=np.int64)
            high = np.full(self.index.n_keys, -2, dtype=np.int64)
            np.minimum.at(low, keys, grids)
            np.maximum.at(high, keys, grids)
            self._key_grid = (low == high) & (low >= 0)
        return bool(self._key_grid[self.index.key_at[position]])

    def geocode_many(
        self, texts: Sequence[str], *, limit: int = 5, runners_up: bool = True
    ) -> list[GeocodeResult]:
        """:meth:`geocode` for many texts, in order: each distinct text is matched once.

        ``runners_up=False`` leaves the other candidates out of *resolved* answers (unresolved
        ones list them all): placing a report needs only the answer, and four fewer matches
        per text are a tenth of a large batch's matching.

        A batch of reports repeats texts (one hotline caller's 小区门口, a resent batch), and
        so do consecutive batches: answers are kept in an LRU cache of this geocoder (one data
        version), and a text seen before costs a dictionary look-up instead of a match.
        Results are shared between equal texts: treat them as read-only. With a pool attached
        (:meth:`attach_pool`), a batch bringing at least :data:`PARALLEL_MIN` new texts is
        matched on several cores; the answers are the same.

        Raises
        ------
        address_normalizer.AddressInputError
            If a text is empty, longer than 200 characters or not a string.
        """
        answers: dict[str, GeocodeResult] = {}
        wanted: dict[str, None] = {}
        for text in texts:
            if text not in answers and text not in wanted:
                hit = self._cache_get(text, limit, runners_up)
                if hit is None:
                    wanted[text] = None
                else:
                    answers[text] = hit
        missing = list(wanted)
        pool, depth = self.pool, max(limit, 5)

        def look_up(text: str) -> Lookup:
            return self.index.lookup(text, depth)

        def answer(lookup: Lookup) -> GeocodeResult:
            return self._answer(lookup, limit, runners_up)

        if pool is not None and not pool.broken and len(missing) >= PARALLEL_MIN:
            found = pool.map(missing, depth, look_up, answer)
        else:
            found = [answer(look_up(text)) for text in missing]
        for text, result in zip(missing, found, strict=True):
            answers[text] = self._cache_put(text, limit, runners_up, result)
        return [answers[text] for text in texts]

    def attach_pool(self, processes: int) -> None:
        """Fork ``processes`` helpers that share this geocoder's index, for large batches.

        Call once the geocoder is complete and frozen (:func:`geo.refresh.heap.settle_long_lived`):
        the helpers see its memory as it is at the fork. :meth:`close` stops them.
        """
        self.close()
        self.pool = GeocodePool(self.index, processes)

    def close(self) -> None:
        """Stop the helper processes, if any; the geocoder itself keeps working on one core."""
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.close()

    def _cache_get(self, text: str, limit: int, runners_up: bool) -> GeocodeResult | None:
        if not self._cache_size:
            return None
        key = (text, limit, runners_up)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            return hit

    def _cache_put(
        self, text: str, limit: int, runners_up: bool, result: GeocodeResult
    ) -> GeocodeResult:
        if self._cache_size:
            with self._cache_lock:
                self._cache[(text, limit, runners_up)] = result
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return result

    def reverse(
        self, lon: float, lat: float, *, max_distance_m: float | None = None
    ) -> ReverseResult:
        """The nearest standard address to a CGCS2000 point and the chain covering the point.

        ``max_distance_m`` bounds the search: farther addresses answer ``address: None``.
        """
        codes = self.locator.codes([lon], [lat])
        chain = {
            level.value: (self._label_of.get(codes[level][0] or "") if codes[level][0] else None)
            for level in LEVELS
        }
        covered = any(v is not None for v in chain.values())
        hit = self.nearest.nearest(lon, lat)
        address = None
        if hit is not None and (max_distance_m is None or hit[1] <= max_distance_m):
            address = self._match_at(hit[0], 1.0, 1.0, distance_m=round(hit[1], 2))
        return ReverseResult(address, chain, covered, self.version)

    def chain_of(self, position: int) -> Chain:
        """The area chain of the address at ``position`` in the table (shared: read-only).

        Built once per address and kept (up to a bound): every answer lists five candidates,
        each with its chain, and the same addresses come back again and again.
        """
        chain = self._chain_of.get(position)
        if chain is None:
            chain = {
                level.value: (self._labels[level][p] if p >= 0 else None)
                for level, p in zip(LEVELS, self._chains[:, position].tolist(), strict=True)
            }
            if len(self._chain_of) < _CHAIN_CACHE_MAX:  # bounded: a city has a million addresses
                self._chain_of[position] = chain  # a racing thread builds an equal dict: harmless
        return chain

    def duplicates(self, text: str, *, min_score: float = 0.97) -> list[Match]:
        """Existing addresses whose text matches ``text`` almost exactly: possible duplicates."""
        return [
            self._match(c, c.confidence)
            for c in self.index.match(text, limit=3)
            if c.score >= min_score
        ]

    # -- internals -----------------------------------------------------------------------------
    def _match(self, candidate: Candidate, confidence: float) -> Match:
        return self._match_at(
            candidate.position, confidence, candidate.score,
            level=candidate.level, contradicts=candidate.contradicts,
        )  # fmt: skip

    def _match_at(
        self,
        position: int,
        confidence: float,
        score: float,
        *,
        distance_m: float | None = None,
        level: str = "none",
        contradicts: tuple[str, ...] = (),
    ) -> Match:
        table = self._table
        return Match(
            id=int(table.ids[position]),
            code=table.codes[position],
            full_text=table.full_text[position],
            lon=float(table.lon[position]),
            lat=float(table.lat[position]),
            confidence=round(float(confidence), 4),
            score=round(float(score), 4),
            areas=self.chain_of(position),
            distance_m=distance_m,
            level=level,
            contradicts=contradicts,
        )

    def _raw(self, found: list[Candidate]) -> tuple[float, float]:
        """Raw address and grid values: the top score, discounted by a close runner-up.

        For the grid, only runners-up in *another* grid count: two rooms of one building
        compete for the address but agree on where to dispatch.
        """
        top = found[0]
        grids = self._chains[_GRID]
        top_grid = grids[top.position]
        second = found[1].score if len(found) > 1 else 0.0
        other = max(
            (c.score for c in found[1:] if grids[c.position] != top_grid or top_grid < 0),
            default=0.0,
        )
        return _discount(top.score, top.score - second), _discount(top.score, top.score - other)

    def _calibrate(self, n: int, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Fit both calibrators on noisy queries made from an even sample of the library."""
        rng = random.Random(_CALIBRATION_SEED)
        table = self._table
        step = max(1, len(table) // n)
        raw_a: list[float] = []
        raw_g: list[float] = []
        ok_a: list[bool] = []
        ok_g: list[bool] = []
        grids = self._chains[_GRID]
        for count, position in enumerate(range(rng.randrange(step), len(table), step)):
            if count % 100 == 0:
                _stop_if(cancelled)
            query = noisy_query(
                table.full_text[position], table.components[position],
                table.aliases[position], rng,
            )  # fmt: skip
            found = self.index.match(query, limit=5)
            if not found:
                continue
            ra, rg = self._raw(found)
            raw_a.append(ra)
            raw_g.append(rg)
            ok_a.append(found[0].position == position)
            ok_g.append(grids[found[0].position] == grids[position])
        self._address_cal = Calibrator.fit(raw_a, ok_a)
        self._grid_cal = Calibrator.fit(raw_g, ok_g)


def _stop_if(cancelled: Callable[[], bool]) -> None:
    if cancelled():
        raise BuildCancelledError


def _discount(score: float, margin: float) -> float:
    """A high score counts fully only with a clear lead over the competition."""
    return score * (0.5 + 0.5 * min(1.0, max(0.0, margin) / 0.1))


def _runner_raw(candidate: Candidate, found: list[Candidate]) -> float:
    """Runners-up are judged by how far the top answer leads them."""
    return _discount(candidate.score, candidate.score - found[0].score)


def _label_table(areas: Sequence[AreaRecord]) -> dict[Level, list[AreaLabel]]:
    """Labels per level in code order: the order the locator's positions index."""
    table: dict[Level, list[AreaLabel]] = {level: [] for level in LEVELS}
    for area in sorted(areas, key=lambda a: a.code):
        table[area.level].append(AreaLabel(area.code, area.name, area.kind))
    return table


def _chains(
    locator: Locator,
    labels: dict[Level, list[AreaLabel]],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
) -> npt.NDArray[np.int32]:
    """Positions (5 × n) of every address's covering areas, from the locator's codes."""
    out = np.full((len(LEVELS), lon.shape[0]), -1, dtype=np.int32)
    if lon.shape[0] == 0:
        return out
    codes = locator.codes(lon, lat)
    for level in LEVELS:
        position = {label.code: i for i, label in enumerate(labels[level])}
        out[level.depth] = np.fromiter(
            (position.get(c, -1) if c is not None else -1 for c in codes[level]),
            dtype=np.int32,
            count=lon.shape[0],
        )
    return out
