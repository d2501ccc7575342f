"""Judging ``GMM1D.estep``: shape, pmf rows, and values against the stored reference, with the
classic bug named from the stored values of the bugs on the same inputs."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from .. import expect, figures
from ..expect import expect_close, expect_finite, expect_shape, figure_on_failure
from . import bugs, inputs
from .calls import ESTEP, run_estep
from .diagnose import nearest_bug, same_non_finite
from .values import GAMMA_TOL

HINT_ESTEP = ("compute gammas[i, j] = priors[j] * norm.pdf(x_i, means[j], np.sqrt(variances[j])) "
              "for every point i and every component j, then divide each row by its sum")
HINT_NAN = ("a NaN usually comes from 0 / 0: divide each row by its sum over the components, "
            "which is positive for well-scaled data")


def shape_hint(got: np.ndarray, n: int, k: int):
    if got.shape == (k, n):
        return "you returned the transpose: rows are points, columns are components"
    if got.ndim == 2 and got.shape[0] == n and got.shape[1] == 2 and k != 2:
        return bugs.TWO_ONLY
    if got.shape == (n,) or got.shape == (n, 1):
        return "return one column per component: gammas has shape (n, k)"
    return "gammas has one row per point and one column per component: shape (n, k)"


def diagnose(got: np.ndarray, expected: np.ndarray, candidates: Mapping[str, np.ndarray]):
    """The classic bug that explains a wrong ``gammas`` (a Bug), or the recipe.

    ``candidates``: {bug id: the gammas that bug gives on these inputs}."""
    bug = nearest_bug(got, expected, candidates)
    if bug is not None:
        return bug
    n, k = expected.shape
    if got.shape == (n, k):
        if (np.allclose(got.sum(axis=0), 1, atol=1e-6)
                and not np.allclose(got.sum(axis=1), 1, atol=1e-6)):
            return bugs.ESTEP_AXIS0
        if k > 2 and np.allclose(got[:, 2:], 0, atol=1e-12):
            return bugs.TWO_ONLY
    return HINT_ESTEP


def gammas_figure(X, got, expected, case: str):
    """Your responsibilities against x, stacked over the components, next to the expected."""
    return figures.responsibilities_1d(X, got, expected, title=f"estep(X) {case}: each point's "
                                       "responsibilities, stacked (they must fill 0 to 1)")


def judge_gammas(got: np.ndarray, expected: np.ndarray, X, case: str,
                 candidates: Mapping[str, np.ndarray]) -> None:
    """Shape, finiteness and values of the responsibilities, with the bug named in the hint.

    ``expected`` (n, k): the reference's gammas; ``candidates``: what each classic bug gives."""
    n, k = expected.shape
    what = f"estep(X) {case}"
    expect_shape(got, (n, k), what, shape_hint(got, n, k))
    with figure_on_failure(lambda: gammas_figure(X, got, expected, case)):
        nan_bug = same_non_finite(got, candidates)
        expect_finite(got, what, nan_bug if nan_bug is not None else HINT_NAN)
        expect_close(got, expected, what, **GAMMA_TOL, hint=diagnose(got, expected, candidates))


def expect_pmf_rows(got: np.ndarray, what: str) -> None:
    """Every entry in [0, 1] and every row summing to 1."""
    expect.expect_pmf_rows(
        got, what, tol=1e-6, meaning="each row is the distribution of one point over the "
        "components", negative_hint="responsibilities are probabilities: densities times "
        "priors are never negative", axis_hint=bugs.ESTEP_AXIS0, normalise_hint="divide each "
        "row by its sum over the components: gammas / gammas.sum(axis=1, keepdims=True)")


def check_estep_pmf(student, ref) -> None:
    for k in inputs.ESTEP_PMF_KS:
        key = inputs.estep_pmf_key(k)
        case = inputs.stored_case(key)
        X = case["X"]
        got = run_estep(student, k, X, case["means"], case["variances"], case["priors"])
        what = f"estep(X) with k = {k}"
        n = len(X)
        expect_shape(got, (n, k), what, shape_hint(got, n, k))
        with figure_on_failure(lambda: gammas_figure(X, got, inputs.STORE.value(key),
                                                     f"with k = {k}")):
            expect_finite(got, what, "a NaN usually comes from 0 / 0: divide each row by its "
                          "sum over the components")
            expect_pmf_rows(got, what)


def check_estep_values(student, ref) -> None:
    for k in inputs.ESTEP_VALUE_KS:
        key = inputs.estep_values_key(k)
        case = inputs.stored_case(key)
        got = run_estep(student, k, case["X"], case["means"], case["variances"], case["priors"])
        judge_gammas(got, inputs.STORE.value(key), case["X"], f"with k = {k}",
                     inputs.STORE.bugs(key))


CHECKS = [
    ESTEP.check("gmm1d.estep.pmf", "estep: shape (n, k), each row a distribution over the "
                "components", 1.0, check_estep_pmf),
    ESTEP.check("gmm1d.estep.values", "estep: Bayes' rule, compared with scipy.stats.norm "
                "(k = 3, 2, 5)", 1.5, check_estep_values),
]
