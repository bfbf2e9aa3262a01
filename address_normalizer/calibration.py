"""Isotonic calibration: raw match scores → probability that the match is right."""

from __future__ import annotations

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
        return float(np.interp(raw, self.xs, self.ys))

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
        # Pool adjacent violators: blocks of (mean x, mean y, weight) with non-decreasing y.
        bx: list[float] = []
        by: list[float] = []
        bw: list[float] = []
        for xi, yi in zip(x, y, strict=True):
            bx.append(float(xi))
            by.append(float(yi))
            bw.append(1.0)
            while len(by) > 1 and by[-2] >= by[-1]:
                w = bw[-2] + bw[-1]
                by[-2] = (by[-2] * bw[-2] + by[-1] * bw[-1]) / w
                bx[-2] = (bx[-2] * bw[-2] + bx[-1] * bw[-1]) / w
                bw[-2] = w
                del bx[-1], by[-1], bw[-1]
        # Laplace smoothing: a block of two lucky samples must not read as certainty; pool
        # again afterwards, since smoothing small blocks can break monotonicity.
        sy = [(y * w + 0.5) / (w + 1.0) for y, w in zip(by, bw, strict=True)]
        px: list[float] = []
        py: list[float] = []
        pw: list[float] = []
        for xi, yi, wi in zip(bx, sy, bw, strict=True):
            px.append(xi)
            py.append(yi)
            pw.append(wi)
            while len(py) > 1 and py[-2] > py[-1]:
                w = pw[-2] + pw[-1]
                py[-2] = (py[-2] * pw[-2] + py[-1] * pw[-1]) / w
                px[-2] = (px[-2] * pw[-2] + px[-1] * pw[-1]) / w
                pw[-2] = w
                del px[-1], py[-1], pw[-1]
        bx, by = px, py
        # Anchor the ends: a raw score of 0 is never right; beyond the data the map stays flat.
        if bx[0] > 0.0:
            bx.insert(0, 0.0)
            by.insert(0, 0.0)
        if bx[-1] < 1.0:
            bx.append(1.0)
            by.append(by[-1])
        # Keep only the corners of the step function: flat runs need just their two ends.
        keep = [
            i
            for i in range(len(by))
            if i in (0, len(by) - 1) or by[i] != by[i - 1] or by[i] != by[i + 1]
        ]
        return cls(tuple(bx[i] for i in keep), tuple(min(1.0, max(0.0, by[i])) for i in keep))
