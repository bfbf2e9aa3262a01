"""Chinese address text: normalise, parse, compare and match. Imports nothing from geo or api.

Public API
----------
normalize(text) -> str
    Canonical text: width, radicals, numerals, synonyms, redundant prefixes.
parse(text) -> ParseResult
    Labelled components (CCKS 2021 element types) with spans over the text as given.
compare(a, b) -> Comparison
    ``exact`` / ``partial`` / ``none`` with a score, and what kind of partial.
contradictions(text, answer) -> tuple[str, ...]
    Levels (building, road …) where a text states something an answer states differently.
AddressIndex(records).match(text, limit) -> list[Candidate]
    Candidates from a standard address library with a calibrated confidence
    (``lookup`` also returns the canonical form the query was matched in).
Calibrator
    Isotonic map from raw scores to probabilities, fitted on labelled outcomes.
noisy_query(full_text, components, aliases, rng) -> str
    A query as a caller might type it, for calibration and evaluation.
AddressInputError
    Raised (a ``ValueError``) for empty, over-long (> 200 characters) or non-text input.
BuildCancelledError
    Raised by a build whose ``cancelled`` callback returned True.
"""

from .agreement import LEVELS as MATCH_LEVELS
from .agreement import contradictions
from .calibration import Calibrator
from .compare import Comparison, compare
from .errors import MAX_LENGTH, AddressInputError, BuildCancelledError, check_typed_text, is_binary
from .gazetteer import Gazetteer, national
from .index import AddressIndex, Candidate, Lookup
from .normalize import normalize
from .parser import LABELS, Component, ParseResult, parse
from .synth import StandardAddress, noisy_query

__all__ = [
    "LABELS",
    "MATCH_LEVELS",
    "MAX_LENGTH",
    "AddressIndex",
    "AddressInputError",
    "BuildCancelledError",
    "Calibrator",
    "Candidate",
    "Comparison",
    "Component",
    "Gazetteer",
    "Lookup",
    "ParseResult",
    "StandardAddress",
    "check_typed_text",
    "compare",
    "contradictions",
    "is_binary",
    "national",
    "noisy_query",
    "normalize",
    "parse",
]
