"""Compact inverted index: term codes → sorted key ids, in three NumPy arrays.

A million-address library has a few hundred thousand distinct keys and millions of
(term, key) pairs. Python dicts of lists cost seconds to build and hundreds of megabytes to
hold; here the pairs are computed with vectorised NumPy over all key texts at once, sorted
once, and stored in CSR form (``terms`` sorted, ``starts`` into one ``keys`` array).

Terms are int64 codes: a character bigram is ``(cp1 << 21) | cp2`` (code points fit in 21
bits); any other term (a whole number such as ``#12号``) gets ``NUMBER_BASE + its id``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["NUMBER_BASE", "Postings", "bigram_codes"]

NUMBER_BASE = 1 << 42
_SHIFT = 21

Int64Array = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]


def _code_points(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def bigram_codes(text: str) -> Int64Array:
    """Distinct bigram codes of one text (a one-character text is its own term).

    Examples
    --------
    >>> bigram_codes("南湖").tolist() == [(ord("南") << 21) | ord("湖")]
    True
    """
    cps = _code_points(text).astype(np.int64)
    if cps.shape[0] < 2:
        return cps << _SHIFT
    return np.unique((cps[:-1] << _SHIFT) | cps[1:])


class Postings:
    """Which keys contain which terms.

    Parameters
    ----------
    texts : sequence of str
        Key texts; key ``k`` is ``texts[k]``. Their bigrams are indexed.
    extra : sequence of sequence of int
        Further term codes per key (whole numbers), already encoded.
    """

    def __init__(self, texts: Sequence[str], extra: Sequence[Sequence[int]] = ()) -> None:
        n = len(texts)
        # All key texts in one code-point array, each followed by a 0 separator, so that every
        # bigram of every key is one vectorised shift-and-or; pairs across a separator drop.
        joined: Int64Array = _code_points("\0".join(texts) + "\0").astype(np.int64)
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=n)
        owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
        if joined.shape[0] > 1:
            left, right = joined[:-1], joined[1:]
            ok = (left != 0) & (right != 0)
            codes = ((left << _SHIFT) | right)[ok]
            keys = owner[:-1][ok]
        else:
            codes = np.zeros(0, dtype=np.int64)
            keys = np.zeros(0, dtype=np.int64)
        # One-character keys are their own term, as in :func:`bigram_codes`.
        single = np.flatnonzero(lengths == 2)
        if single.size:
            starts = np.cumsum(lengths) - lengths
            codes = np.concatenate([codes, joined[starts[single]] << _SHIFT])
            keys = np.concatenate([keys, single])
        if extra:
            counts = np.fromiter((len(e) for e in extra), dtype=np.int64, count=len(extra))
            flat = np.fromiter((c for e in extra for c in e), dtype=np.int64, count=counts.sum())
            codes = np.concatenate([codes, flat])
            keys = np.concatenate([keys, np.repeat(np.arange(len(extra)), counts)])
        # Sort by (term, key) and drop repeats; key ids stay below 2**31.
        order = np.lexsort((keys, codes))
        codes, keys = codes[order], keys[order]
        if codes.shape[0]:
            fresh = np.ones(codes.shape[0], dtype=bool)
            fresh[1:] = (codes[1:] != codes[:-1]) | (keys[1:] != keys[:-1])
            codes, keys = codes[fresh], keys[fresh]
        self.terms, first = np.unique(codes, return_index=True)
        self.starts = np.append(first, codes.shape[0]).astype(np.int64)
        self.keys: Int32Array = keys.astype(np.int32)
        self.n_keys = n
        # Plain ints for slicing: a NumPy scalar index costs twice as much per posting list.
        self._bounds: list[int] = self.starts.tolist()

    def __len__(self) -> int:
        return int(self.terms.shape[0])

    @property
    def nbytes(self) -> int:
        return int(self.terms.nbytes + self.starts.nbytes + self.keys.nbytes)

    def lists(self, codes: Int64Array) -> list[Int32Array]:
        """The posting list of each code that occurs (absent codes are skipped)."""
        if not len(self) or not codes.shape[0]:
            return []
        where = np.searchsorted(self.terms, codes)
        where = np.minimum(where, len(self) - 1)
        hit = where[self.terms[where] == codes]
        bounds, keys = self._bounds, self.keys
        return [keys[bounds[i] : bounds[i + 1]] for i in hit.tolist()]
