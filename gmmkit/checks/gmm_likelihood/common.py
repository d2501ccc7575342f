"""Formatting shared by the checks of gmm_likelihood."""
from __future__ import annotations

import numpy as np

from ..bugs import which_bug
from .bugs import CATALOGUE


def f64(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


def fmt(a) -> str:
    return np.array2string(f64(a), precision=4, separator=", ", threshold=8, edgeitems=3)


def call_desc(name: str, x, *params) -> str:
    return f"{name}(x of shape {f64(x).shape}, " + ", ".join(fmt(p) for p in params) + ")"


def diagnose(got, candidates: dict, default, tol=None):
    """The classic bug (a :class:`Bug`) among ``candidates`` that ``got`` matches, else
    ``default``."""
    with np.errstate(all="ignore"):
        return which_bug(got, candidates, CATALOGUE, tol) or default
