"""M_step: weights (k,), means (k, d) and biased covariances (k, d, d) from the responsibilities,
with guards against an empty component and a singular covariance.

The value checks compare with the known values of ASSIGNMENTS.md and the weighted means and
covariances stored by the build; the guard checks judge only the guarded component (finite,
positive definite, weights summing to one), so that a working guard such as a constant ridge
costs only the value checks' points.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..bugs import which_bug
from ..core import CheckFailed
from ..expect import as_array, as_tuple, expect_close, expect_finite, expect_shape, fail, \
    figure_on_failure
from . import bugs as B
from .graded import M_STEP, STORE
from .inputs import empty_component_r, iris, onehot_r, single_point_r, uniform_r
from .values import (COV_TOL, K, MEAN_TOL, MU_TOL, ONEHOT_COV_MEAN, PI_TOL, UNIFORM_COV_MEAN,
                     UNIFORM_MU_MEAN, UNIFORM_PI)
from .views import fmt, params_figure

NAMES = ("pi", "mu", "cov")
TOLS = {"pi": PI_TOL, "mu": MU_TOL, "cov": COV_TOL}
FORMULAS = {
    "pi": "pi[j] = R_j / n with R_j = sum_i r[i, j] (pi sums to 1)",
    "mu": "mu[j] = sum_i r[i, j] x_i / R_j, a weighted mean (R_j = sum_i r[i, j])",
    "cov": "cov[j] = sum_i r[i, j] (x_i - mu[j])(x_i - mu[j])^T / R_j, about the NEW mu[j]",
}


def hint(name: str, got: np.ndarray, expected: np.ndarray, bugs: dict):
    """The classic bug ``got`` (the ``name`` part) matches, a too large ridge, or the formula.
    ``bugs``: {bug id: the value of that part under the bug, on the same inputs}."""
    bug = which_bug(got, bugs, B.CATALOGUE)
    if bug:
        return bug
    if name == "cov" and got.shape == expected.shape and got.ndim == 3:
        with np.errstate(all="ignore"):
            extra = got - expected
        d = got.shape[1]
        diag = np.einsum("kii->ki", extra)
        off = extra - diag[:, :, None] * np.eye(d)
        if np.all(np.isfinite(extra)) and np.allclose(off, 0, atol=COV_TOL["atol"]) \
                and np.allclose(diag, diag.flat[0], rtol=1e-3) and diag.flat[0] > 0:
            return dataclasses.replace(
                B.COV_RIDGE, hint=f"your covariances are the expected ones plus "
                f"{diag.flat[0]:.3g} * I: the ridge is too large; " + B.REG_HINT)
    return FORMULAS[name]


def shape_hint(name: str, got: np.ndarray, k: int, d: int):
    if name == "mu" and got.shape == (d, k):
        return ("mu has one row per component: shape (k, d) (transpose it); and note the order "
                "of the arguments, M_step(r, X)")
    swapped = {"pi": (d,), "mu": (d, k), "cov": (d, k, k)}[name]
    if got.shape == swapped and k != d:
        return B.ARGS_SWAPPED
    if name == "pi" and got.shape in ((1, k), (k, 1)):
        return "pi is a flat array of shape (k,): e.g. r.sum(axis=0) / n"
    return {"pi": "pi has shape (k,)", "mu": "mu has shape (k, d), one row per component",
            "cov": "cov has shape (k, d, d), one d x d matrix per component"}[name]


def run_mstep(student, r, X, what: str) -> dict:
    value = as_tuple(student.call("M_step", r, X), 3, what, "pi, mu, cov")
    return {name: as_array(v, f"{name} of {what}", f"return {name} as a numpy array")
            for name, v in zip(NAMES, value)}


def expect_shapes(got: dict, k: int, d: int, what: str) -> None:
    shapes = {"pi": (k,), "mu": (k, d), "cov": (k, d, d)}
    for name in NAMES:
        expect_shape(got[name], shapes[name], f"{name} of {what}",
                     shape_hint(name, got[name], k, d))


def judge_mstep(got: dict, expected: dict, bugs: dict, X, what: str) -> None:
    """Shapes, finiteness and values of (pi, mu, cov) against ``expected`` ({name: array});
    ``bugs``: {name: {bug id: value}}. One message naming every wrong part."""
    X = np.asarray(X, dtype=float)
    k, d = np.shape(expected["mu"])
    expect_shapes(got, k, d, what)
    for name in NAMES:
        expect_finite(got[name], f"{name} of {what}",
                      "a NaN comes from 0 / 0: is some R_j = sum_i r[i, j] zero?")
    problems = []
    for name in NAMES:
        have, want = got[name], np.asarray(expected[name], dtype=float)
        if np.allclose(have, want, **TOLS[name]):
            continue
        try:
            expect_close(have, want, f"{name} of {what}", **TOLS[name],
                         hint=hint(name, have, want, bugs.get(name, {})))
        except CheckFailed as exc:
            problems.append(exc)
    if problems:
        raise CheckFailed("\n\n".join(str(p) for p in problems), bug=problems[0].bug,
                          figure=params_figure(X, tuple(got[n] for n in NAMES),
                                               tuple(expected[n] for n in NAMES),
                                               "M_step: your (pi, mu, cov) vs the expected ones"))


def _stored(key: str) -> tuple[dict, dict]:
    """The expected (pi, mu, cov) of a public case and the classic bugs' values there."""
    value = STORE.value(f"M_step.{key}")
    return value, {name: STORE.bugs(f"M_step.{key}.{name}") for name in NAMES}


def _expect_mean(value: np.ndarray, known, what: str, hint) -> None:
    expect_close(value, np.asarray(known, dtype=float), what, rtol=0, atol=MEAN_TOL, hint=hint)


def _m_step_uniform(student, ref) -> None:
    X, _ = iris()
    r = uniform_r()
    what = "M_step(r, X_iris) with every r[i, j] = 1/3"
    got = run_mstep(student, r, X, what)
    expect_shapes(got, K, 4, what)
    expected, bugs = _stored("uniform")
    hints = {n: hint(n, got[n], expected[n], bugs[n]) for n in NAMES}
    # the known values first: they are what the notebook states
    with figure_on_failure(lambda: params_figure(X, tuple(got[n] for n in NAMES),
                                                 tuple(expected[n] for n in NAMES),
                                                 "M_step with uniform r: yours vs the expected "
                                                 "(pi, mu, cov)")):
        expect_close(got["pi"], UNIFORM_PI, f"pi of {what}", **PI_TOL, hint=hints["pi"])
        _expect_mean(got["mu"].mean(axis=0), UNIFORM_MU_MEAN, f"mu.mean(axis=0) of {what}",
                     hints["mu"])
        _expect_mean(got["cov"].mean(), UNIFORM_COV_MEAN, f"cov.mean() of {what}", hints["cov"])
    judge_mstep(got, expected, bugs, X, what)


def _m_step_true_labels(student, ref) -> None:
    X, _ = iris()
    r = onehot_r()
    what = "M_step(r, X_iris) with r the one-hot matrix of the true labels"
    got = run_mstep(student, r, X, what)
    expect_shapes(got, K, 4, what)
    expected, bugs = _stored("onehot")
    if np.allclose(got["pi"], expected["pi"], **PI_TOL) \
            and np.allclose(got["mu"], expected["mu"], **MU_TOL):
        # the stated known value, once the means (on which the covariances depend) are right
        with figure_on_failure(lambda: params_figure(
                X, tuple(got[n] for n in NAMES), tuple(expected[n] for n in NAMES),
                "M_step with the true labels as r: yours vs the species' (pi, mu, cov)")):
            _expect_mean(got["cov"].mean(), ONEHOT_COV_MEAN, f"cov.mean() of {what}",
                         hint("cov", got["cov"], expected["cov"], bugs["cov"]))
    judge_mstep(got, expected, bugs, X, what)


# --------------------------------------------------------------------------------------------
# Guards: judged on what the guard protects only (the empty or one-point component finite and
# positive definite, the weights a distribution). The exact values of every component are the
# value checks' business, so a working guard such as a constant ridge (old scikit-learn's
# 1e-3 * I) passes here and is named by the value checks.
# --------------------------------------------------------------------------------------------
def expect_distribution(pi: np.ndarray, what: str) -> None:
    if (pi < 0).any() or abs(pi.sum() - 1) > 1e-6:
        fail(f"pi of {what} is {fmt(pi, 6)}: not a distribution (sum {pi.sum():.6g})",
             "pi = R_j / n: non-negative and summing to 1")


def expect_positive_definite(c: np.ndarray, what: str) -> None:
    if not np.allclose(c, c.T, rtol=1e-6, atol=1e-12):
        i, j = (int(v) for v in np.argwhere(~np.isclose(c, c.T, rtol=1e-6, atol=1e-12))[0])
        fail(f"{what} is not symmetric: entry ({i}, {j}) is {c[i, j]:.6g} but entry ({j}, {i}) "
             f"is {c[j, i]:.6g} (tolerance rtol=1e-6): {fmt(c, 6)}", FORMULAS["cov"])
    smallest = float(np.linalg.eigvalsh((c + c.T) / 2).min())
    if not smallest > 0:
        fail(f"{what} is singular: its smallest eigenvalue is {smallest:.3g}, expected > 0: "
             f"{fmt(c, 6)}", B.NO_RIDGE)


def _m_step_empty_component(student, ref) -> None:
    X, _ = iris()
    r = empty_component_r()
    what = ("M_step(r, X_iris) with r the one-hot true labels and two empty columns "
            "(components 3 and 4)")
    got = run_mstep(student, r, X, what)
    expect_shapes(got, 5, 4, what)
    for name in NAMES:
        expect_finite(got[name], f"{name} of {what}", B.NO_EMPTY_GUARD)
    expect_distribution(got["pi"], what)


def _m_step_single_point(student, ref) -> None:
    X, _ = iris()
    r = single_point_r()
    what = ("M_step(r, X_iris) with one-hot r where component 3 owns only the point X[0] and "
            "component 4 only X[50]")
    got = run_mstep(student, r, X, what)
    expect_shapes(got, 5, 4, what)
    for name in NAMES:
        expect_finite(got[name], f"{name} of {what}", B.NO_RIDGE)
    expect_distribution(got["pi"], what)
    for j in (3, 4):
        expect_positive_definite(got["cov"][j], f"cov[{j}] of {what}")


CHECKS = [
    M_STEP.check("iris_em.M_step.uniform", "M_step: known values with uniform responsibilities "
                 "(every r[i, j] = 1/3)", 1, _m_step_uniform),
    M_STEP.check("iris_em.M_step.true_labels", "M_step: known values with the true labels as "
                 "responsibilities", 1, _m_step_true_labels),
    M_STEP.check("iris_em.M_step.empty_component", "M_step: an empty component (R_j = 0) gives "
                 "finite pi, mu, cov", 1, _m_step_empty_component),
    M_STEP.check("iris_em.M_step.single_point", "M_step: a component on a single point gets a "
                 "positive definite covariance", 1, _m_step_single_point),
]
