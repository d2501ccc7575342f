"""Checks of ``standardize(X)``: the known first row of Old Faithful, then columns of mean 0 and
sample standard deviation 1, equal to the stored expected values on random data."""
from __future__ import annotations

import numpy as np

from ..expect import as_array, expect_close, expect_finite, expect_shape, fail
from . import inputs
from .bugs import every_cause
from .graded import STANDARDIZE
from .values import (FAITHFUL_FIRST_ROW, FIRST_ROW_ATOL, STANDARDIZE_ATOL, STANDARDIZE_FORMULA,
                     STANDARDIZE_RTOL)


def call_standardize(student, X, what) -> np.ndarray:
    """The student's Z (N, d), finite."""
    Z = as_array(student.call("standardize", X), what, "return one array Z, of X's shape")
    expect_shape(Z, X.shape, what, "return an array of the same shape as X, (N, d)")
    expect_finite(Z, what, "a column with zero spread divides by zero; these columns all vary, "
                  "so check the axis of mean and std (axis=0)")
    return Z


def standardize_hint(Z, bugs: dict):
    """Every classic bug whose value (in ``bugs``, {id: value}) Z matches, or the formula."""
    return every_cause(Z, bugs, {"rtol": 1e-4, "atol": 1e-7}) or STANDARDIZE_FORMULA


def judge_standardize(student, X, expected, bugs: dict, what: str) -> None:
    """Columns of mean 0 and sample std 1 (properties), then the values."""
    Z = call_standardize(student, X, what)
    hint = standardize_hint(Z, bugs)
    means = Z.mean(axis=0)
    if not np.allclose(means, 0, atol=1e-5):
        j = int(np.argmax(np.abs(means) > 1e-5))
        fail(f"column {j} of {what} has mean {means[j]:.6g}, expected 0", hint)
    if len(Z) > 1:
        stds = Z.std(axis=0, ddof=1)
        if not np.allclose(stds, 1, rtol=1e-5):
            j = int(np.argmax(np.abs(stds - 1) > 1e-5))
            fail(f"column {j} of {what} has sample standard deviation (ddof=1) {stds[j]:.6g}, "
                 f"expected 1", hint)
    expect_close(Z, expected, what, rtol=STANDARDIZE_RTOL, atol=STANDARDIZE_ATOL, hint=hint)


def _standardize_known_row(student, ref) -> None:
    X = inputs.faithful()
    bugs = inputs.STORE.bugs("standardize.faithful_row0")   # what each classic bug makes of it
    # Standardising treats every row alike, so the stated row, put last, stays the same: an
    # answer that ignores X (a stored array, say) fails the second call.
    for data, what, row, where in [
            (X, "standardize(load_faithful())", 0, "the first row"),
            (X[::-1], "standardize(load_faithful()[::-1])", -1,
             "the last row (Old Faithful's first row, put last)")]:
        Z = call_standardize(student, data, what)
        expect_close(Z[row], FAITHFUL_FIRST_ROW, f"{where} of {what}", rtol=0,
                     atol=FIRST_ROW_ATOL, hint=standardize_hint(Z[row], bugs))


def _standardize_random(student, ref) -> None:
    for key, X in inputs.standardize_cases().items():
        judge_standardize(student, X, inputs.STORE.value(key), inputs.STORE.bugs(key),
                          f"standardize(X) on random X of shape {X.shape}")


CHECKS = [
    STANDARDIZE.check("em_2d.standardize.known_row",
                      "standardize: Old Faithful's first row becomes (0.098318, 0.596025)", 1,
                      _standardize_known_row),
    STANDARDIZE.check("em_2d.standardize.random",
                      "standardize: columns of mean 0 and sample standard deviation 1 on random "
                      "data", 1, _standardize_random),
]
