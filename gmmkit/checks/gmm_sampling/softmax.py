"""Judging ``softmax``: a pmf of the right shape, known values, the reference's values stored
by the build, and stability for logits of +-1000. No softmax is computed here: calling one is
the task, so the expected values are stated or stored."""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from ..bugs import which_bug
from ..core import Graded
from ..expect import as_array, expect_close, expect_finite, expect_shape, fail
from . import bugs
from .target import STORE
from .values import (KNOWN_SOFTMAX, KNOWN_STABLE, PMF_LOGITS, SHIFT, SHIFTED_BASE, SOFTMAX_TOL,
                     STABLE_ATOL, STABLE_STORED)

SOFTMAX = Graded("softmax")


def key(logits) -> str:
    """The stored key of a public softmax input: its values, e.g. ``softmax.1,2,3,0.5``."""
    return "softmax." + ",".join(f"{v:g}" for v in np.asarray(logits, dtype=float))


def fmt(a) -> str:
    return np.array2string(np.asarray(a, dtype=float), precision=4, separator=", ",
                           threshold=12, edgeitems=3)


def hint(out, candidates: Mapping[str, np.ndarray]):
    """The classic softmax bug that ``out`` matches (a Bug), or the formula."""
    bug = which_bug(np.asarray(out, dtype=float).reshape(-1), candidates, bugs.CATALOGUE)
    return bug if bug is not None else bugs.SOFTMAX_FORMULA


def expect_softmax(student, logits, expected, candidates: Optional[Mapping] = None,
                   rtol=1e-5, atol=1e-6) -> None:
    """Call the student's softmax on ``logits`` and compare with ``expected`` values;
    ``candidates``: {bug id: what that bug gives on these logits}."""
    logits = np.asarray(logits, dtype=float)
    what = f"softmax({fmt(logits)})"
    out = as_array(student.call("softmax", logits), what)
    expect_shape(out, logits.shape, what, "return one weight per logit, shape (K,)")
    expect_finite(out, what, bugs.SOFTMAX_OVERFLOW)
    expect_close(out, expected, what, rtol=rtol, atol=atol, hint=hint(out, candidates or {}))


def _stored(logits):
    k = key(logits)
    return STORE.value(k), STORE.bugs(k)


def _softmax_is_pmf(student, ref) -> None:
    for logits in PMF_LOGITS:
        what = f"softmax({fmt(logits)})"
        out = as_array(student.call("softmax", logits), what)
        expect_shape(out, logits.shape, what,
                     "softmax returns one weight per logit, shape (K,), like its input")
        expect_finite(out, what, "these logits are small, so exp cannot overflow here: look "
                      f"for a division by zero; {bugs.SOFTMAX_FORMULA}")
        candidates = STORE.bugs(key(logits))
        if (out < 0).any():
            i = int(np.argmax(out < 0))
            fail(f"{what} has a negative weight at index {i}: {out[i]:.6g}; mixture weights "
                 f"are probabilities", hint(out, candidates))
        total = float(out.sum())
        if abs(total - 1) > 1e-6:
            fail(f"the weights of {what} sum to {total:.6g}, not 1: {fmt(out)}",
                 hint(out, candidates))


def _softmax_known_values(student, ref) -> None:
    # The ground truth logits are log-probabilities: softmax gives the probabilities back.
    for logits, expected in KNOWN_SOFTMAX:
        expect_softmax(student, logits, expected, STORE.bugs(key(logits)), **SOFTMAX_TOL)
    for logits in PMF_LOGITS[:2] + [SHIFTED_BASE + SHIFT]:
        expect_softmax(student, logits, *_stored(logits), **SOFTMAX_TOL)


def _softmax_stable(student, ref) -> None:
    for logits, expected in KNOWN_STABLE:
        expect_softmax(student, logits, expected, STORE.bugs(key(logits)), atol=STABLE_ATOL)
    expect_softmax(student, STABLE_STORED, *_stored(STABLE_STORED), atol=STABLE_ATOL)


CHECKS = [
    SOFTMAX.check("gmm_sampling.softmax.pmf", "softmax: returns a pmf of shape (K,)", 1,
                  _softmax_is_pmf),
    SOFTMAX.check("gmm_sampling.softmax.values", "softmax: known values, equal to "
                  "scipy.special.softmax", 1, _softmax_known_values),
    SOFTMAX.check("gmm_sampling.softmax.stable", "softmax: stable for logits of ±1000", 1,
                  _softmax_stable),
]
