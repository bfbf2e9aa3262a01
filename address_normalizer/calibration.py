"""Isotonic calibration: raw match scores → probability that the match is right."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Calibrator:
    """A monotone, piecewise-linear map from a raw score to a probability in [0, 1].

    Fitted by pool-adjacent-violators (isotonic regression) on labelled pairs; evaluated by
    linear interpolation between the pooled blocks. The identity map is used until fitted.
    """

    xs: tuple[float, ...] = (0.0, 1.0)
    ys: tuple[float, ...] = (0.0, 1.0)

    def __call__(self, raw: float) -> float:
        # np.interp's arithmetic, without turning both tuples into arrays on every call
        # (a geocode calls this six times, and that conversion was 4 % of its time).
        xs, ys = self.xs, self.ys
        if raw < xs[0]:
            return float(ys[0])
        j = bisect_right(xs, raw) - 1
        if j >= len(xs) - 1 or raw != raw:
            return float(ys[-1]) if raw == raw else raw
        if xs[j] == raw:
            return float(ys[j])
        slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
        return float(slope * (raw - xs[j]) + ys[j])

    @classmethod
    def fit(cls, raw: Sequence[float], correct: Sequence[bool]) -> Calibrator:
        """Fit on raw scores and whether each top answer was right.

        Examples
        --------
        >>> c = Calibrator.fit([0.1, 0.2, 0.8, 0.9], [False, False, True, True])
        >>> c(0.15) < c(0.85)
        True
        """
        if len(raw) == 0:
            return cls()
        order = np.argsort(np.asarray(raw, dtype=float), kind="stable")
        x = np.asarray(raw, dtype=float)[order]
        y = np.asarray(correct, dtype=float)[order]
        # Pool adjacent violators: blocks of (first x, last x, mean y, weight), y non-decreasing.
        lo: list[float] = []
        hi: list[float] = []
        by: list[float] = []
        bw: list[float] = []
        for xi, yi in zip(x, y, strict=True):
            lo.append(float(xi))
            hi.append(float(xi))
            by.append(float(yi))
            bw.append(1.0)
            _pool(lo, hi, by, bw, strict=False)
        # Laplace smoothing: a block of two lucky samples must not read as certainty; pool
        # again afterwards, since smoothing small blocks can break monotonicity.
        sy = [(y * w + 0.5) / (w + 1.0) for y, w in zip(by, bw, strict=True)]
        plo: list[float] = []
        phi: list[float] = []
        py: list[float] = []
        pw: list[float] = []
        for a, b, yi, wi in zip(lo, hi, sy, bw, strict=True):
            plo.append(a)
            phi.append(b)
            py.append(yi)
            pw.append(wi)
            _pool(plo, phi, py, pw, strict=True)
        # Each block holds its value from its first to its last raw score (as scikit-learn's
        # isotonic regression does); between blocks the map is linear. Interpolating between
        # block *means* instead would pull a big block of right answers down towards the
        # failures below it and turn confident answers into doubtful ones.
        xs: list[float] = []
        ys: list[float] = []
        for a, b, yi in zip(plo, phi, py, strict=True):
            for edge in (a, b) if b > a else (a,):
                if xs and edge <= xs[-1]:
                    edge = xs[-1] + 1e-9
                xs.append(edge)
                ys.append(yi)
        # Anchor the ends: a raw score of 0 is never right; beyond the data the map stays flat.
        if xs[0] > 0.0:
            xs.insert(0, 0.0)
            ys.insert(0, 0.0)
        if xs[-1] < 1.0:
            xs.append(1.0)
            ys.append(ys[-1])
        return cls(tuple(xs), tuple(min(1.0, max(0.0, v)) for v in ys))


def _pool(
    lo: list[float], hi: list[float], y: list[float], w: list[float], *, strict: bool
) -> None:
    """Merge the last block into its predecessor while they violate monotonicity."""
    while len(y) > 1 and (y[-2] > y[-1] if strict else y[-2] >= y[-1]):
        total = w[-2] + w[-1]
        y[-2] = (y[-2] * w[-2] + y[-1] * w[-1]) / total
        hi[-2] = hi[-1]
        w[-2] = total
        del lo[-1], hi[-1], y[-1], w[-1]
