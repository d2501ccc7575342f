"""Checks of ``m_step``: valid parameters (pi a pmf, 0 < mu < 1 even for a pixel never on)
and the worked examples of the assignment's formula for several smoothings."""
from __future__ import annotations

from typing import Optional

import numpy as np

from .. import figures
from ..expect import as_array, as_tuple, expect_close, expect_finite, expect_shape, fail, \
    figure_on_failure
from . import inputs
from .bugs import M_FORMULA, hint_for
from .calls import call_m_step, fmt
from .graded import M_STEP
from .stored import STORE
from .values import M_EXAMPLES, PARAM_TOL


def smoothing_key(smoothing: Optional[float]) -> str:
    return "default" if smoothing is None else f"{smoothing:g}"


def judge_m_step_shapes(student, X, r, smoothing: Optional[float], pi_bugs=None) -> tuple:
    n, k = r.shape
    d = X.shape[1]
    pi, mu, what = call_m_step(student, X, r, smoothing)
    if pi.shape == (k, d) and mu.shape == (k,):
        fail(f"{what} returned pi of shape {pi.shape} and mu of shape {mu.shape}",
             "return them in the order (pi, mu)")
    expect_shape(pi, (k,), f"the pi of {what}", "one weight per cluster: shape (k,)")
    expect_shape(mu, (k, d), f"the mu of {what}",
                 "you returned the transpose: one row per cluster, shape (k, d)"
                 if mu.shape == (d, k) else "one row of pixel probabilities per cluster: (k, d)")
    expect_finite(pi, f"the pi of {what}")
    expect_finite(mu, f"the mu of {what}", "with smoothing > 0 the denominator R + 2 * "
                  "smoothing is positive even for an empty cluster")
    total = float(pi.sum())
    if abs(total - 1) > 1e-6:
        fail(f"the pi of {what} sums to {total:.6g}, not 1: {fmt(pi)}",
             hint_for(pi, pi_bugs or {}, M_FORMULA))
    return pi, mu, what


def judge_m_step_values(student, X, r, smoothing, expected_pi, expected_mu, pi_bugs, mu_bugs,
                        tol=PARAM_TOL, mu_hint: str = ""):
    pi, mu, what = judge_m_step_shapes(student, X, r, smoothing, pi_bugs)
    expect_close(pi, expected_pi, f"the pi of {what}", **tol,
                 hint=hint_for(pi, pi_bugs, M_FORMULA))
    expect_close(mu, expected_mu, f"the mu of {what}", **tol,
                 hint=hint_for(mu, mu_bugs, mu_hint + M_FORMULA))


def split_bugs(key: str):
    """The stored bugs of ``key`` as ({bug: pi}, {bug: mu})."""
    bugs = STORE.bugs(key)
    return ({b: v["pi"] for b, v in bugs.items() if "pi" in v},
            {b: v["mu"] for b, v in bugs.items() if "mu" in v})


def digit_means_figure(student, expected_mu=None):
    """Your m_step on 1,000 MNIST digits with the true labels as one-hot responsibilities, so
    that mu is each digit's smoothed mean image: yours next to the stored expected images.

    Drawn only when an m_step check fails, from one more call of the student's m_step on
    public data (the shipped MNIST test images), never from student plotting code.
    """
    X, r = inputs.digit_responsibilities()
    pi, mu = as_tuple(student.call("m_step", X, r), 2, "m_step", "pi, mu")
    expected = STORE.value("m_step.digit_means") if expected_mu is None else expected_mu
    return figures.images(as_array(mu, "mu"), expected, title=f"m_step(X, r) on "
                          f"{inputs.DIGITS_N:,} MNIST digits, r = the one-hot true labels: mu is "
                          "each digit's mean image (smoothing = 1)")


def _m_step_valid(student, ref) -> None:
    X, r = inputs.m_step_valid()
    pi_bugs, mu_bugs = split_bugs("m_step.valid")
    with figure_on_failure(lambda: digit_means_figure(student)):
        _, mu, what = judge_m_step_shapes(student, X, r, None, pi_bugs)
        for bad in (mu <= 0, mu >= 1):
            if bad.any():
                k, d = (int(a) for a in np.argwhere(bad)[0])
                fail(f"the mu of {what} (default smoothing = 1) is {mu[k, d]:.6g} at cluster "
                     f"{k}, pixel {d}, a pixel that is {'never' if d == 2 else 'always'} on; mu "
                     f"must stay strictly between 0 and 1, or log(mu) or log(1 - mu) is -inf",
                     hint_for(mu, mu_bugs, M_FORMULA))


def _m_step_known_values(student, ref) -> None:
    with figure_on_failure(lambda: digit_means_figure(student)):
        for e, ((X, r), cases) in enumerate(M_EXAMPLES):
            for smoothing, (pi, mu) in cases.items():
                pi_bugs, mu_bugs = split_bugs(f"m_step.example{e}.{smoothing_key(smoothing)}")
                judge_m_step_values(student, X, r, smoothing, pi, mu, pi_bugs, mu_bugs)


CHECKS = [
    M_STEP.check("mnist_bmm.m_step.valid", "m_step: pi sums to 1 and 0 < mu < 1, even for a "
                 "pixel never on", 1, _m_step_valid),
    M_STEP.check("mnist_bmm.m_step.values", "m_step: known values for smoothing = 1 (default), "
                 "0, 0.5 and 2.5", 1, _m_step_known_values),
]
