"""Checks of ``bic(X, pi, mu, cov) -> float``: equal to scikit-learn's ``GaussianMixture.bic``
for the same parameters, whose values the build stores for these inputs (the package holds no
BIC of its own). A wrong value is compared with what each classic bug gives there, and the hint
names every bug that gives it: different mistakes can give the same number."""
from __future__ import annotations

import numpy as np

from ..expect import as_float, fail
from . import inputs
from .bugs import CATALOGUE, every_cause
from .graded import BIC
from .values import BIC_BUG_TOL, BIC_FORMULA, BIC_RTOL


def bic_hint(got: float, bugs: dict):
    """Every classic bug that gives ``got`` ({id: value} in ``bugs``), or the formula."""
    return every_cause(got, bugs, BIC_BUG_TOL) or BIC_FORMULA


def judge_bic(student, X, pi, mu, cov, label, expected: float, bugs: dict,
              rtol=BIC_RTOL) -> None:
    """The student's BIC against ``expected`` (scikit-learn's for these parameters)."""
    what = f"bic(X, pi, mu, cov) on {label} (N = {len(X)}, K = {len(pi)}, d = {np.shape(X)[1]})"
    value = student.call("bic", X, pi, mu, cov)
    if isinstance(value, (tuple, list)):
        fail(f"{what} returned a {type(value).__name__} of {len(value)} items, expected a "
             f"single number", "return the BIC alone, as a float")
    got = as_float(value, what, "return the BIC as a float")
    expected = float(np.reshape(expected, ()))
    if not np.isfinite(got):
        fail(f"{what} is {got}, expected {expected:.10g} (scikit-learn's GaussianMixture.bic)",
             CATALOGUE["em_2d.bic.underflow"])
    if not np.isclose(got, expected, rtol=rtol, atol=0):
        fail(f"{what} is {got:.10g}, but scikit-learn's GaussianMixture.bic for the same "
             f"parameters is {expected:.10g} (relative difference "
             f"{abs(got - expected) / abs(expected):.2g}, allowed {rtol:g}); the difference is "
             f"{got - expected:.6g}, which is {(got - expected) / np.log(len(X)):.4g} x log N",
             bic_hint(got, bugs))


def _bic_sklearn(student, ref) -> None:
    for key, (label, X, pi, mu, cov) in inputs.bic_cases(inputs.faithful_standardized()).items():
        judge_bic(student, X, pi, mu, cov, label, inputs.STORE.value(key),
                  inputs.STORE.bugs(key))


CHECKS = [
    BIC.check("em_2d.bic.values", "bic: equals scikit-learn's GaussianMixture.bic for the same "
              "parameters", 2, _bic_sklearn),
]
