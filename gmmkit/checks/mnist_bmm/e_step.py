"""Checks of ``e_step``: responsibilities that are pmfs over the clusters, Bayes' rule on
seeded random data, and no NaN for images far from every cluster."""
from __future__ import annotations

import numpy as np

from .. import expect
from ..expect import expect_close, expect_finite, expect_shape, fail
from . import inputs
from .bugs import BUGS, LOGSPACE_HINT, hint_for
from .calls import call_e_step
from .graded import E_STEP
from .stored import STORE
from .values import LOGP_TOL, RESP_TOL

LOGLIK_RULE = "loglik = sum_i logsumexp_k (log pi_k + log p(x_i | mu_k))"


def expect_pmf_rows(r: np.ndarray, what: str, tol: float = 1e-6) -> None:
    """Every entry in [0, 1] and every row summing to 1; the hint names the likely mistake."""
    expect.expect_pmf_rows(
        r, what, tol=tol, meaning="row i is the distribution of image i over the clusters",
        negative_hint=BUGS["mnist_bmm.e_step.log_resp"], axis_hint=BUGS["mnist_bmm.e_step.axis0"],
        normalise_hint="normalise each row over the clusters: subtract logsumexp(log_joint, "
        "axis=1, keepdims=True) from log_joint before exponentiating")


def resp_shape_hint(got: np.ndarray, n: int, k: int) -> str:
    if got.shape == (k, n):
        return "you returned the transpose: one row per image, one column per cluster"
    return "r has one row per image and one column per cluster: shape (n, k)"


def judge_e_step(student, X, pi, mu, expected=None, r_bugs=None, ll_bugs=None,
                 far: bool = False) -> None:
    """Shape, finiteness and pmf rows of r, a finite loglik; then, given ``expected`` =
    (r, loglik), their values (``r_bugs``, ``ll_bugs``: the classic bugs' values)."""
    n, k = len(X), len(mu)
    r, ll, what = call_e_step(student, X, pi, mu)
    expect_shape(r, (n, k), f"the r of {what}", resp_shape_hint(r, n, k))
    expect_finite(r, f"the r of {what}", BUGS["mnist_bmm.e_step.products"] if far else
                  "a NaN usually comes from 0 / 0 or log(0): " + LOGSPACE_HINT)
    expect_pmf_rows(r, f"the r of {what}", tol=1e-5)
    if not np.isfinite(ll):
        fail(f"the loglik of {what} is {ll}, expected a finite number",
             "log p(x_i) = logsumexp over the clusters of (log pi_k + log p(x_i | mu_k)); "
             "computing p(x_i) first underflows to 0 and log(0) = -inf" if far else LOGLIK_RULE)
    if expected is None:
        return
    expected_r, expected_ll = expected
    expect_close(r, expected_r, f"the r of {what}", **RESP_TOL,
                 hint=hint_for(r, r_bugs or {}, "r_ik = pi_k p(x_i | mu_k) / sum_j pi_j "
                               "p(x_i | mu_j), computed in log space: " + LOGSPACE_HINT))
    expect_close(np.asarray(ll), expected_ll, f"the loglik of {what}", **LOGP_TOL,
                 hint=hint_for(ll, ll_bugs or {}, LOGLIK_RULE))


def judge_stored(student, key: str, X, pi, mu, far: bool = False) -> None:
    value = STORE.value(key)
    bugs = STORE.bugs(key)
    judge_e_step(student, X, pi, mu, (value["r"], float(np.reshape(value["loglik"], ()))),
                 {b: v["r"] for b, v in bugs.items() if "r" in v},
                 {b: v["loglik"] for b, v in bugs.items() if "loglik" in v}, far=far)


def _e_step_pmf(student, ref) -> None:
    judge_e_step(student, *inputs.e_step_pmf())


def _e_step_values(student, ref) -> None:
    for i, (X, pi, mu) in enumerate(inputs.e_step_values()):
        judge_stored(student, f"e_step.values{i}", X, pi, mu)


def _e_step_far_images(student, ref) -> None:
    for i, (X, pi, mu) in enumerate(inputs.e_step_far()):
        judge_stored(student, f"e_step.far{i}", X, pi, mu, far=True)


CHECKS = [
    E_STEP.check("mnist_bmm.e_step.pmf", "e_step: r of shape (n, k) with rows summing to 1, "
                 "loglik one number", 1, _e_step_pmf),
    E_STEP.check("mnist_bmm.e_step.values", "e_step: r and loglik equal Bayes' rule computed "
                 "with scipy", 1, _e_step_values),
    E_STEP.check("mnist_bmm.e_step.far_images", "e_step: no NaN for all-zero and all-one images "
                 "(784 pixels)", 1, _e_step_far_images),
]
