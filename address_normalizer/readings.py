"""A library's addresses read into components on demand, and candidates ranked again by what a
query contradicts in them.

Reading (parsing) a million library addresses up front would cost the geocoder's start-up half
a minute; a query meets only a few of them, so each is read when first met and kept (up to a
bound). A library row whose components spell its text is read from them, without parsing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .agreement import Agreement, Reading, canon, read, read_components, relate, states
from .gazetteer import Gazetteer
from .lexicon import FILLER

__all__ = ["LibraryReadings"]

# Score factors for what a query contradicts in a candidate (set by hand, checked on the tune
# half of the Shenzhen register): another road, door number or compound is another place;
# another room is the same building.
_CONTRADICTION = {"district": 0.8, "street": 0.85, "road": 0.75, "road_number": 0.75,
                  "poi": 0.75, "building": 0.8}  # fmt: skip
_CONTRADICTION_DETAIL = 0.9
_READINGS_MAX = 200_000


class LibraryReadings:
    """The components of a library's addresses, read when a query first meets them.

    Parameters
    ----------
    texts, components, aliases : sequences
        The library's columns, by position (kept by reference, not copied).
    gazetteer : Gazetteer
        Administrative names, the library's own included.
    roads : iterable of str
        The library's road names: a road one character away from another is a typo of it
        only when the library has no road of that name.
    """

    def __init__(
        self,
        texts: Sequence[str],
        components: Sequence[Mapping[str, str]],
        aliases: Sequence[Sequence[str]],
        gazetteer: Gazetteer,
        roads: Iterable[str],
    ) -> None:
        self._texts = texts
        self._comps = components
        self._aliases = aliases
        self._gazetteer = gazetteer
        self._known_roads = frozenset(canon(road) for road in roads)
        self._readings: dict[int, Reading] = {}
        self._alias_readings: dict[str, Reading] = {}

    def query(self, text: str) -> Reading:
        """A query read with the library's names, without filler words (附近, 对面)."""
        return read(FILLER.sub("", text) or text, self._gazetteer)

    def rerank(
        self, text: str, scored: list[tuple[float, int]], limit: int
    ) -> list[tuple[float, int, Agreement]]:
        """The scored candidates, each discounted by what the query contradicts in it and
        ordered again, best first: 长水路191号 is not 东进路191号, however alike they read."""
        if not scored:
            return []
        query = self.query(text)
        out: list[tuple[float, int, Agreement]] = []
        for score, pos in scored:
            if len(out) >= limit and max(r[0] for r in out) >= score:
                # Discounts only lower a score: no candidate left can be the answer. (The
                # runners-up are those read: confidence is calibrated on this same rule.)
                break
            agreement = self.relate(query, pos)
            factor = 1.0
            for level in agreement.contradicts:
                factor *= _CONTRADICTION.get(level, _CONTRADICTION_DETAIL)
            out.append((round(score * factor, 6), pos, agreement))
        out.sort(key=lambda r: r[0], reverse=True)
        return out[:limit]

    def relate(self, query: Reading, pos: int) -> Agreement:
        """How the address at ``pos``, or one of its former names, agrees with ``query``."""
        agreement = relate(query, self._reading(pos), self._known_roads)
        if agreement.contradicts and self._aliases[pos]:
            # A former name (the road before its renaming) the query may use instead: what
            # it states, and states as the query does, is no contradiction. What it leaves
            # out stays contradicted by the current name.
            for alias in self._aliases[pos]:
                reading = self._alias_reading(alias)
                other = relate(query, reading, self._known_roads)
                left = tuple(
                    level for level in agreement.contradicts
                    if level in other.contradicts or not states(reading, level)
                )  # fmt: skip
                if len(left) < len(agreement.contradicts):
                    agreement = Agreement(other.level if not left else agreement.level, left)
        return agreement

    def _alias_reading(self, alias: str) -> Reading:
        found = self._alias_readings.get(alias)
        if found is None:
            if len(self._alias_readings) >= _READINGS_MAX:
                self._alias_readings.clear()
            found = self._alias_readings[alias] = read(alias, self._gazetteer)
        return found

    def _reading(self, pos: int) -> Reading:
        found = self._readings.get(pos)
        if found is None:
            if len(self._readings) >= _READINGS_MAX:
                self._readings.clear()  # bounded: a city has a million addresses
            comps = self._comps[pos]
            text = self._texts[pos]
            if comps and len(text) == sum(map(len, comps.values())):
                found = read_components(comps.items())  # the row's own parts spell it
            else:
                found = read(text, self._gazetteer)
            self._readings[pos] = found
        return found
