"""Hidden checks of ``em_2d`` (shown after the due date).

Their judges receive ``ref``, the reference solution ``solutions/em_2d.py``: ``standardize`` and
``em_step`` are compared with it on data and mixtures the public checks do not use (d = 1, 3, 4;
K = 1 to 5; a float32 input; points far from every component, where an E-step outside log space
divides 0 by 0); ``sample_gmm`` is judged by its distribution on other mixtures (K = 1 in one
dimension, K = 4 in three); ``bic`` against scikit-learn on them. The classic bugs' values on
these inputs come from the trusted ``variants.py`` beside this file.
"""
from pathlib import Path

import numpy as np

from gmmkit.checks import load_module
from gmmkit.checks.em_2d import (BIC, CATALOGUE, EM_STEP, FIELDS, FIG_COV, FIG_MU, FIG_PI,
                                 MID_COV, MID_MU, MID_PI, SAMPLE_GMM, STANDARDIZE, call_em_step,
                                 call_sample, call_standardize, describe_em, describe_sample,
                                 judge_bic, judge_estep, judge_mstep, judge_sample,
                                 parameters_figure, responsibilities_figure, standardize_hint)
from gmmkit.checks.core import AFTER_DUE
from gmmkit.checks.expect import expect_close, expect_finite, figure_on_failure

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_em_2d")


def random_mixture(rng, k, d):
    """Weights, means and well-conditioned random covariances of a K-component mixture."""
    pi = rng.dirichlet(np.full(k, 3.0))
    mu = rng.normal(scale=2.0, size=(k, d))
    A = rng.normal(size=(k, d, d)) * rng.uniform(0.3, 1.0, size=(k, 1, 1))
    cov = A @ A.transpose(0, 2, 1) + 0.2 * np.eye(d)
    return pi, mu, cov


def random_data(rng, n, d):
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(scale=2.0, size=d)


def faithful_standardized(ref):
    from gmmkit.datasets import load_faithful
    return np.asarray(ref.standardize(load_faithful()), dtype=float)


# --------------------------------------------------------------------------------------------
# standardize
# --------------------------------------------------------------------------------------------
def _standardize_reference(student, ref):
    rng = np.random.default_rng(404)
    cases = [random_data(rng, 30, 1), random_data(rng, 3, 4), random_data(rng, 200, 3) * 10 + 50,
             random_data(rng, 50, 2).astype(np.float32)]
    for X in cases:
        what = f"standardize(X) on X of shape {X.shape} and dtype {X.dtype}"
        Z = call_standardize(student, X, what)
        expect_close(Z, ref.standardize(X), what, rtol=1e-4, atol=1e-5,
                     hint=standardize_hint(Z, V.standardize_bugs(X)))


# --------------------------------------------------------------------------------------------
# em_step
# --------------------------------------------------------------------------------------------
def expect_em_step_like_ref(student, ref, X, pi, mu, cov, label):
    what = describe_em(X, pi, mu, cov, label)
    got = call_em_step(student, X, pi, mu, cov, what)
    exp_pi, exp_mu, exp_cov, exp_r = ref.em_step(X, pi, mu, cov)
    r = got[3]
    # the figures show this hidden check's inputs and the reference's values: they stay in
    # this check, whose whole output is shown only after the due date
    with figure_on_failure(lambda: responsibilities_figure(X, r, exp_r, pi, mu, cov, label)):
        expect_finite(r, f"the responsibilities r of {what}", CATALOGUE["em_2d.em_step.underflow"])
        judge_estep(r, exp_r, V.estep_bugs(X, pi, mu, cov), what)
    expected = dict(zip(FIELDS, (exp_pi, exp_mu, exp_cov)))
    with figure_on_failure(lambda: parameters_figure(X, got[:3], (exp_pi, exp_mu, exp_cov),
                                                     label)):
        judge_mstep(got[:3], expected, V.mstep_bugs(X, exp_r, mu, pi), what,
                    "the expected responsibilities")


def _em_step_reference(student, ref):
    rng = np.random.default_rng(2718)
    for k, d, n in [(1, 2, 100), (3, 2, 300), (5, 3, 400), (2, 1, 150)]:
        pi, mu, cov = random_mixture(rng, k, d)
        X = random_data(rng, n, d)
        expect_em_step_like_ref(student, ref, X, pi, mu, cov, f"a random mixture with K = {k}, "
                                f"d = {d}")
    X = faithful_standardized(ref).astype(np.float32)
    expect_em_step_like_ref(student, ref, X, MID_PI, MID_MU, MID_COV,
                            "Old Faithful as float32, half-way through the fit")


FAR = np.array([[30.0, -30.0], [-40.0, 45.0], [60.0, 60.0]])


def _em_step_far_points(student, ref):
    X = np.vstack([faithful_standardized(ref), FAR])
    for pi, mu, cov, label in [(FIG_PI, FIG_MU, FIG_COV, "the fig. 11.11 start"),
                               (MID_PI, MID_MU, MID_COV, "a state half-way through the fit")]:
        expect_em_step_like_ref(student, ref, X, pi, mu, cov,
                                f"Old Faithful with 3 far outliers, from {label}")


# --------------------------------------------------------------------------------------------
# sample_gmm
# --------------------------------------------------------------------------------------------
def _sample_gmm_other_mixtures(student, ref):
    rng = np.random.default_rng(99)
    pi4, mu4, cov4 = random_mixture(rng, 4, 3)
    what = describe_sample(1, pi4, mu4, cov4, 30)
    call_sample(student, 1, pi4, mu4, cov4, 30, what, strict=True)
    judge_sample(student, 40_000, pi4, mu4, cov4, 31, V.sample_cov_bugs(cov4),
                 ref.sample_gmm(1500, pi4, mu4, cov4, np.random.default_rng(0)))
    cov1 = np.array([[[0.09]]])
    pi1, mu1 = np.array([1.0]), np.array([[2.0]])
    judge_sample(student, 10_000, pi1, mu1, cov1, 32, V.sample_cov_bugs(cov1),
                 ref.sample_gmm(1500, pi1, mu1, cov1, np.random.default_rng(0)))


# --------------------------------------------------------------------------------------------
# bic
# --------------------------------------------------------------------------------------------
def _judge_bic(student, X, pi, mu, cov, label):
    judge_bic(student, X, pi, mu, cov, label, V.sklearn_bic(X, pi, mu, cov),
              V.bic_bugs(X, pi, mu, cov))


def _bic_other(student, ref):
    rng = np.random.default_rng(161)
    for k, d, n in [(1, 1, 80), (4, 3, 250), (2, 4, 120)]:
        pi, mu, cov = random_mixture(rng, k, d)
        _judge_bic(student, random_data(rng, n, d), pi, mu, cov,
                   f"a random mixture with K = {k}, d = {d}")
    X = np.vstack([faithful_standardized(ref), FAR])
    _judge_bic(student, X, MID_PI, MID_MU, MID_COV,
               "Old Faithful with 3 far outliers (their densities underflow to 0)")


CHECKS = [
    STANDARDIZE.check("em_2d.standardize.reference", "standardize: agrees with the reference on "
                      "other data (d = 1, 3, 4; float32)", 1, _standardize_reference, AFTER_DUE),
    EM_STEP.check("em_2d.em_step.reference", "em_step: agrees with the reference on random "
                  "mixtures (K = 1 to 5, d = 1 to 3) and float32 data", 1, _em_step_reference,
                  AFTER_DUE),
    EM_STEP.check("em_2d.em_step.far_points", "em_step: points far from every component (a "
                  "log-space E-step)", 1, _em_step_far_points, AFTER_DUE),
    SAMPLE_GMM.check("em_2d.sample_gmm.other_mixtures", "sample_gmm: other mixtures (K = 4 in "
                     "3-D, K = 1 in 1-D, n = 1) follow the right distribution", 1,
                     _sample_gmm_other_mixtures, AFTER_DUE),
    BIC.check("em_2d.bic.other", "bic: equals scikit-learn's on other mixtures (d = 1, 3, 4) and "
              "with far outliers", 1, _bic_other, AFTER_DUE),
]
