"""negativeloglikelihood: -sum_i log sum_j pi_j N(x_i | mu_j, cov_j), one float.

Public checks compare with the known values of ASSIGNMENTS.md and with scipy's values stored by
the build; a wrong value is matched against the stored values of the classic bugs.
"""
from __future__ import annotations

import numpy as np

from ..bugs import which_bug
from ..expect import as_float, fail
from . import bugs as B
from .graded import NLL, STORE
from .inputs import iris, iris_cases
from .values import NLL_ATOL, NLL_RTOL, ONEHOT_NLL, UNIFORM_NLL

FORMULA = ("NLL = -sum_i log sum_j pi_j N(x_i | mu_j, cov_j): a sum over the points of the log "
           "of the mixture density; in log space, -logsumexp(log(pi) + log N, axis=1).sum()")
BUG_TOL = {"rtol": 1e-5, "atol": 1e-3}


def run_nll(student, X, pi, mu, cov, what: str) -> float:
    value = student.call("negativeloglikelihood", X, pi, mu, cov)
    if isinstance(value, np.ndarray) and value.size > 1:
        fail(f"{what} returned an array of shape {value.shape}, expected a single number",
             "sum the log-densities over the points: the NLL is one float")
    return as_float(value, what, "negativeloglikelihood returns one float")


def judge_nll(got: float, expected: float, bugs: dict, what: str, atol: float = NLL_ATOL) -> None:
    """``got`` against ``expected``; ``bugs``: {bug id: its value on the same inputs}."""
    expected = np.asarray(expected, dtype=float).item()
    if not np.isfinite(got):
        fail(f"{what} returned {got}, expected {expected:.10g}",
             "log(0) = -inf: a density underflowed; compute log N directly (logpdf) and combine "
             "the components with logsumexp")
    if not np.isclose(got, expected, rtol=NLL_RTOL, atol=atol):
        fail(f"{what} returned {got:.10g}, expected {expected:.10g} (tolerance {atol:g}; "
             f"difference {got - expected:.6g})",
             which_bug(np.reshape(got, 1), {i: np.reshape(v, 1) for i, v in bugs.items()},
                       B.CATALOGUE, BUG_TOL) or FORMULA)


def _nll_known_values(student, ref) -> None:
    X, _ = iris()
    for key, label, known in [("uniform", "every r[i, j] = 1/3", UNIFORM_NLL),
                              ("onehot", "r the one-hot true labels", ONEHOT_NLL)]:
        p = STORE.value(f"M_step.{key}")      # the M-step's parameters: inputs here
        what = (f"negativeloglikelihood(X_iris, pi, mu, cov) at the M-step's parameters for "
                f"{label}")
        judge_nll(run_nll(student, X, p["pi"], p["mu"], p["cov"], what), known,
                  STORE.bugs(f"negativeloglikelihood.{key}"), what)


def _nll_values(student, ref) -> None:
    X, _ = iris()
    for key, label, pi, mu, cov in iris_cases():
        what = f"negativeloglikelihood(X_iris, ...) {label}"
        judge_nll(run_nll(student, X, pi, mu, cov, what),
                  STORE.value(f"negativeloglikelihood.{key}"),
                  STORE.bugs(f"negativeloglikelihood.{key}"), what)


CHECKS = [
    NLL.check("iris_em.negativeloglikelihood.known_values", "negativeloglikelihood: known "
              "values (uniform and true-label parameters)", 1, _nll_known_values),
    NLL.check("iris_em.negativeloglikelihood.values", "negativeloglikelihood: equals scipy's on "
              "Iris (k = 2, 3, 4)", 1, _nll_values),
]
