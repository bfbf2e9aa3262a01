"""Canonical address text: the form addresses are compared and indexed in."""

from __future__ import annotations

import re

from .errors import check_text
from .gazetteer import Gazetteer, national
from .lexicon import WHOLE, WHOLE_END
from .numerals import convert_numbered
from .tagging import Span, admin_prefix
from .text import clean

# Synonyms, applied after numerals became digits so that each rule needs one spelling.
_BUILDING = re.compile(r"(?<=[0-9A-Z])(?:号楼|栋|座|撞|懂|搂)")
_ROOM = re.compile(r"(?<=[0-9])(?:房间|房|户)")
_FLOOR = re.compile(r"(?<=[0-9])(?:楼|F)(?![0-9A-Z])")
_HEAD_NOISE = re.compile(r"^(?:中华人民共和国|中国)")
# Administrative levels an index cuts off the front of an address (the community stays).
_ADMIN_PART = frozenset(("prov", "city", "district", "town"))


def normalize(text: str, *, gazetteer: Gazetteer | None = None) -> str:
    """The canonical form of an address.

    Steps, each chosen so that two spellings of one place compare equal:

    - NFKC (full-width → half-width), radical look-alikes (⻄ → 西), upper-case Latin letters,
      whitespace and punctuation dropped;
    - Chinese numerals → digits before numbering markers (三号楼 → 3号楼, 一零二室 → 102室),
      never inside names (三墩镇, 七星街道, 十八里桥);
    - synonyms: 栋/号楼/座 → 幢, 房/户 → 室, a numbered 楼 or F → 层;
    - a province or city prefix is dropped when a district follows (浙江省杭州市西湖区 →
      西湖区): the district already says where, and queries often omit the prefix.

    The function is idempotent: ``normalize(normalize(x)) == normalize(x)``.

    Parameters
    ----------
    text : str
        Address as given (1–200 characters).
    gazetteer : Gazetteer, optional
        Administrative names used to find the prefix; the national list by default.

    Raises
    ------
    AddressInputError
        If ``text`` is empty, longer than 200 characters or not a string.

    Examples
    --------
    >>> normalize("浙江省杭州市西湖区文三路１２号三号楼二单元一零二房")
    '西湖区文三路12号3幢2单元102室'
    >>> normalize("三墩镇七星街道第三网格五楼")
    '三墩镇七星街道第三网格5层'
    """
    check_text(text)
    cleaned, _ = clean(text)
    return normalize_cleaned(cleaned, gazetteer or national())


def normalize_cleaned(
    cleaned: str, gazetteer: Gazetteer, *, prefix: list[Span] | None = None
) -> str:
    """:func:`normalize` for text that :func:`~address_normalizer.text.clean` already folded.

    ``prefix`` is :func:`~address_normalizer.tagging.admin_prefix` of ``cleaned`` without its
    country head (中国), when the caller already has it: :func:`~address_normalizer.parse`
    gets it from the tagger's first pass, and looking the names up twice was a fifth of a
    parse. The prefix is read before numerals and synonyms are rewritten, as the tagger
    reads it, so both see the same administrative names.
    """
    out = _HEAD_NOISE.sub("", cleaned)
    out = out[_prefix_cut(admin_prefix(out, gazetteer) if prefix is None else prefix) :]
    return canonical_numbers(out)


def normalize_split(cleaned: str, gazetteer: Gazetteer) -> tuple[str, str]:
    """:func:`normalize_cleaned` cut into ``(admin, local)``: the leading province, city,
    district and town names, and the rest.

    One look-up of the administrative names serves both the prefix dropping and the cut.
    """
    out = _HEAD_NOISE.sub("", cleaned)
    spans = admin_prefix(out, gazetteer)
    cut = _prefix_cut(spans)
    split = cut
    for label, _, end in spans:
        if end <= cut:
            continue
        if label not in _ADMIN_PART:
            break
        split = end
    return canonical_numbers(out[cut:split]), canonical_numbers(out[split:])


def canonical_numbers(text: str) -> str:
    """Numerals to digits before numbering markers, then the synonyms (幢, 室, 层); a
    letting word after a number (整套, 整栋: the whole flat or building) says nothing about
    where, and goes."""
    out = convert_numbered(text)
    if out[-1:] in WHOLE_END:
        out = WHOLE.sub("", out)
    out = _BUILDING.sub("幢", out)
    out = _ROOM.sub("室", out)
    return _FLOOR.sub("层", out)


def _prefix_cut(spans: list[Span]) -> int:
    """Where leading province/city names end when a district follows them directly, else 0."""
    cut = 0
    for label, _, end in spans:
        if label in ("prov", "city"):
            cut = end
            continue
        if label == "district" and cut:
            return cut
        break
    return 0
