"""Checks of ``bernoulli_log_prob``: a worked example, seeded random images, and 784-pixel
images far from every cluster, where a product of probabilities underflows."""
from __future__ import annotations

import numpy as np

from ..expect import expect_close, expect_finite, expect_shape
from . import inputs
from .bugs import BUGS, LOGPROB_FORMULA, hint_for
from .calls import call_log_prob
from .graded import LOG_PROB
from .stored import STORE
from .values import LOG_PROB_EXAMPLE, LOGP_TOL


def log_prob_shape_hint(got: np.ndarray, n: int, k: int) -> str:
    if got.shape == (k, n):
        return "you returned the transpose: one row per image, one column per cluster"
    if got.ndim == 3:
        return ("sum over the pixel axis: the result has one number per (image, cluster) "
                "pair, shape (n, k)")
    return "one row per image and one column per cluster: shape (n, k)"


def judge_log_prob(student, X, mu, expected, bugs: dict, tol=LOGP_TOL) -> None:
    """The student's log p(x_i | mu_k) (n, k) must equal ``expected``; ``bugs`` are the classic
    bugs' values on the same inputs."""
    n, k = len(X), len(mu)
    got, what = call_log_prob(student, X, mu)
    expect_shape(got, (n, k), what, log_prob_shape_hint(got, n, k))
    expect_finite(got, what, BUGS["mnist_bmm.log_prob.product_underflow"] if X.shape[1] > 300
                  else "mu is strictly between 0 and 1 here, so every log is finite: "
                  + LOGPROB_FORMULA)
    expect_close(got, expected, what, **tol, hint=hint_for(got, bugs, LOGPROB_FORMULA))


def _log_prob_known_values(student, ref) -> None:
    X, mu, expected = LOG_PROB_EXAMPLE
    judge_log_prob(student, X, mu, expected, STORE.bugs("log_prob.example"))
    X, mu = inputs.log_prob_random()
    judge_log_prob(student, X, mu, STORE.value("log_prob.random"), STORE.bugs("log_prob.random"))


def _log_prob_no_underflow(student, ref) -> None:
    X, mu = inputs.far_images(), inputs.mnist_class_mu()
    judge_log_prob(student, X, mu, STORE.value("log_prob.far"), STORE.bugs("log_prob.far"))


CHECKS = [
    LOG_PROB.check("mnist_bmm.bernoulli_log_prob.values", "bernoulli_log_prob: shape (n, k) and "
                   "known values", 1, _log_prob_known_values),
    LOG_PROB.check("mnist_bmm.bernoulli_log_prob.no_underflow", "bernoulli_log_prob: finite and "
                   "exact for 784-pixel images far from every cluster (no underflow)", 1,
                   _log_prob_no_underflow),
]
