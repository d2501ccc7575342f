"""Which classic bug explains a wrong answer: an exact match with a bug's value first, then a
bug whose value is far closer to the answer than the expected value is."""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from ..bugs import Bug, which_bug
from .bugs import CATALOGUE
from .values import NEAR_FACTOR


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        d = np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))
    return float(np.max(d)) if d.size and np.isfinite(d).all() else np.inf


def nearest_bug(got: np.ndarray, expected: np.ndarray,
                candidates: Mapping[str, np.ndarray]) -> Optional[Bug]:
    """The bug whose value ``got`` equals, or else the one it is NEAR_FACTOR times closer to
    than to ``expected`` (the bug with a small extra change, e.g. an epsilon in a density)."""
    exact = which_bug(got, candidates, CATALOGUE)
    if exact is not None:
        return exact
    got = np.asarray(got)
    if got.shape != np.shape(expected):
        return None
    off = _gap(got, expected)
    gaps = {bug_id: _gap(got, value) for bug_id, value in candidates.items()
            if np.shape(value) == got.shape}
    if not gaps or not np.isfinite(off):
        return None
    bug_id = min(gaps, key=gaps.get)
    return CATALOGUE[bug_id] if gaps[bug_id] * NEAR_FACTOR <= off else None


def same_non_finite(got: np.ndarray, candidates: Mapping[str, np.ndarray]) -> Optional[Bug]:
    """The bug whose value is NaN or infinite exactly where ``got`` is (e.g. every density of a
    row underflowing to 0 because the variance was used as the standard deviation)."""
    got = np.asarray(got, dtype=float)
    bad = ~np.isfinite(got)
    for bug_id, value in candidates.items():
        value = np.asarray(value, dtype=float)
        if value.shape == got.shape and bad.any() and np.array_equal(~np.isfinite(value), bad):
            return CATALOGUE[bug_id]
    return None
