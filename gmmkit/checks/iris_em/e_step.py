"""E_step: responsibilities (n, k), each row a distribution over the components.

Public checks compare with the known value of identical components (every row is pi) and with
the reference's responsibilities stored by the build; a wrong answer is matched against the
stored values of the classic bugs.
"""
from __future__ import annotations

import numpy as np

from .. import expect
from ..bugs import which_bug
from ..expect import as_array, expect_close, expect_finite, expect_shape, fail, figure_on_failure
from . import bugs as B
from .graded import E_STEP, STORE
from .inputs import identical_components, iris, iris_cases
from .values import PMF_TOL, R_TOL
from .views import resp_figure

FORMULA = ("r[i, j] = pi_j N(x_i | mu_j, cov_j) / sum_l pi_l N(x_i | mu_l, cov_l); in log "
           "space: a = log(pi) + log N (n, k), r = exp(a - logsumexp(a, axis=1, keepdims=True))")


def shape_hint(got: np.ndarray, n: int, k: int):
    if got.shape == (k, n):
        return B.ESTEP_TRANSPOSED
    if got.shape in ((n,), (n, 1)):
        return "return one column per component (shape (n, k)), not the labels or one column"
    return "r has one row per point and one column per component: shape (n, k)"


def diagnose(got: np.ndarray, expected: np.ndarray, bugs: dict):
    """The classic bug ``got`` matches (``bugs``: {bug id: its value on these inputs}), else
    the formula."""
    bug = which_bug(got, bugs, B.CATALOGUE)
    if bug:
        return bug
    if got.shape == expected.shape and np.allclose(got.sum(axis=0), 1, atol=1e-6) \
            and not np.allclose(got.sum(axis=1), 1, atol=1e-6):
        return B.ESTEP_AXIS0
    return FORMULA


def expect_pmf_rows(got: np.ndarray, what: str) -> None:
    """Every entry in [0, 1] and every row summing to 1."""
    expect.expect_pmf_rows(
        got, what, tol=PMF_TOL, meaning="each row is the distribution of one point over the "
        "components", negative_hint=B.ESTEP_LOG_R if (got <= 0).all() else "responsibilities "
        "are probabilities: weights times densities are never negative",
        axis_hint=B.ESTEP_AXIS0, normalise_hint="divide each row by its sum over the "
        "components: r / r.sum(axis=1, keepdims=True)")


def run_estep(student, X, pi, mu, cov, what: str) -> np.ndarray:
    value = student.call("E_step", X, pi, mu, cov)
    if isinstance(value, tuple):
        fail(f"{what} returned a tuple of {len(value)} items, expected only r, an array of "
             f"shape {(len(X), len(pi))}", "return r alone")
    return as_array(value, what, "E_step returns the responsibilities, an array of shape (n, k)")


def judge_resp(got: np.ndarray, X, pi, mu, cov, what: str, expected, bugs: dict) -> None:
    """Shape, finiteness, rows summing to 1, and the values ``expected`` (n, k); ``bugs`` are the
    classic bugs' values on the same inputs, for the hint."""
    n, k = len(X), len(pi)
    expected = np.asarray(expected, dtype=float)
    expect_shape(got, (n, k), what, shape_hint(got, n, k))
    expect_finite(got, what, "a NaN comes from 0 / 0 or inf / inf: in log space, subtract "
                  "logsumexp over the components before exponentiating")
    hint = None if np.allclose(got, expected, **R_TOL) else diagnose(got, expected, bugs)
    with figure_on_failure(lambda: resp_figure(X, got, expected, pi, mu, cov)):
        expect_pmf_rows(got, what)
        expect_close(got, expected, what, **R_TOL, hint=hint)


def _e_step_pmf(student, ref) -> None:
    X, _ = iris()
    for key, label, pi, mu, cov in iris_cases()[:2]:
        what = f"E_step(X_iris, ...) {label}"
        got = run_estep(student, X, pi, mu, cov, what)
        n, k = len(X), len(pi)
        expect_shape(got, (n, k), what, shape_hint(got, n, k))
        expect_finite(got, what, "a NaN comes from 0 / 0: divide each row by its sum over the "
                      "components, or work in log space with logsumexp")
        with figure_on_failure(lambda: resp_figure(X, got, STORE.value(f"E_step.{key}"), pi, mu,
                                                   cov)):
            expect_pmf_rows(got, what)


def _e_step_values(student, ref) -> None:
    X, _ = iris()
    pi, mu, cov = identical_components()
    what = ("E_step(X_iris, pi=[0.2, 0.3, 0.5], mu, cov) with three identical components "
            "(every row of r must be pi)")
    judge_resp(run_estep(student, X, pi, mu, cov, what), X, pi, mu, cov, what,
               expected=np.tile(pi, (len(X), 1)), bugs=STORE.bugs("E_step.identical"))
    for key, label, pi, mu, cov in iris_cases():
        what = f"E_step(X_iris, ...) {label}"
        judge_resp(run_estep(student, X, pi, mu, cov, what), X, pi, mu, cov, what,
                   expected=STORE.value(f"E_step.{key}"), bugs=STORE.bugs(f"E_step.{key}"))


CHECKS = [
    E_STEP.check("iris_em.E_step.pmf", "E_step: returns r of shape (n, k), each row a "
                 "distribution over the components", 1, _e_step_pmf),
    E_STEP.check("iris_em.E_step.values", "E_step: Bayes' rule, compared with "
                 "scipy.stats.multivariate_normal on Iris (k = 2, 3, 4)", 1, _e_step_values),
]
