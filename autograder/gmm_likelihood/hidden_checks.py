"""Hidden checks of ``gmm_likelihood`` (shown after the due date).

Their judges receive ``ref``, the reference solution ``solutions/gmm_likelihood.py``: the
likelihood, gradient, posterior and M-step are compared with it on seeded mixtures the public
checks do not use (K = 1, 2, 5, 8, logits with a +1000 offset, far points, float32 inputs,
hard and single-component responsibilities); the fits are judged on three clusters, the best of
four seeds against the reference's best EM optimum. ``expected_mean_density`` is judged here
only, so that the public check does not give the answer away.
"""
import numpy as np
from scipy.special import softmax

from gmmkit.checks.core import AFTER_DUE, Check
from gmmkit.checks.expect import fail
from gmmkit.checks.gmm_likelihood import (ADAM_HINT, EM_HINT, EM_NLL_TOL, FIT_NLL_TOL,
                                          FIT_SLOW_HINT, FIT_TIMEOUT, GT_LOGITS, GT_LSIGMAS,
                                          GT_MEANS, SLOW_HINT, TIMEOUT, draw, em_fit_runs,
                                          expect_best_near_ml, expect_gradient, expect_loglik,
                                          expect_mstep, expect_posterior, fit_data,
                                          fit_gradient_runs, get_number, loglik_scipy,
                                          mstep_inputs)


def _random_mixture(rng, k, offset=0.0):
    logits = rng.standard_normal(k) + offset
    means = rng.uniform(-4, 4, size=k)
    lsigmas = rng.uniform(np.log(0.15), np.log(2.0), size=k)
    return logits, means, lsigmas


# --------------------------------------------------------------------------------------------
# mixture_likelihood
# --------------------------------------------------------------------------------------------
def _likelihood_random(student, ref):
    rng = np.random.default_rng(101)
    for k, n, offset in [(1, 50, 0.0), (2, 1, 3.0), (5, 200, -2.0), (8, 300, 1000.0)]:
        logits, means, lsigmas = _random_mixture(rng, k, offset)
        x = rng.uniform(-8, 8, size=(n, 1))
        expect_loglik(student, x, logits, means, lsigmas,
                      expected=ref.mixture_likelihood(x, logits, means, lsigmas))
    # float32 inputs: compared with a float32-sized tolerance.
    logits, means, lsigmas = _random_mixture(rng, 4)
    x = rng.uniform(-5, 5, size=(100, 1))
    args = [a.astype(np.float32) for a in (x, logits, means, lsigmas)]
    expect_loglik(student, *args, expected=ref.mixture_likelihood(x, logits, means, lsigmas),
                  tol={"rtol": 1e-4, "atol": 1e-3})


# --------------------------------------------------------------------------------------------
# expected_mean_density
# --------------------------------------------------------------------------------------------
def _mean_density_value(student, ref):
    value = get_number(student, "expected_mean_density")
    grid = np.linspace(-5, 5, 1000)
    exact = float(np.mean(np.exp(loglik_scipy(grid[:, None], GT_LOGITS, GT_MEANS, GT_LSIGMAS))))
    if abs(value - 0.1) <= 2e-3:   # 0.1, or the exact grid mean 0.0999
        return
    if abs(value - 1.0) < 0.05:
        hint = ("p(x) integrates to 1 over x, but a mean over the grid points is that integral "
                "divided by the width of the interval")
    elif abs(value - 1e-3) < 1e-4:
        hint = ("that is one over the number of grid points: the mean of a density over a "
                "uniform grid approximates its integral divided by the width of the interval")
    else:
        hint = ("a mean over a uniform grid on [a, b] approximates (1 / (b - a)) times the "
                "integral of p over [a, b]; how much of the mixture's mass lies in [-5, 5]?")
    fail(f"expected_mean_density is {value:.6g}; the mean of exp(log_px) over "
         f"np.linspace(-5, 5, 1000) is {exact:.4f}, about 1/10", hint)


# --------------------------------------------------------------------------------------------
# nll_grad
# --------------------------------------------------------------------------------------------
def _grad_reference(student, ref):
    rng = np.random.default_rng(202)
    # One component: d_logits is exactly 0.
    x = draw(30, [1.0], [0.5], [1.2], 7)
    cases = [(x, np.array([0.3]), np.array([-0.2]), np.array([0.4]))]
    # The lecture's ground truth on its own data.
    x = draw(200, softmax(GT_LOGITS), GT_MEANS, np.exp(GT_LSIGMAS), 8)
    cases.append((x, GT_LOGITS, GT_MEANS, GT_LSIGMAS))
    # Components far from the data: responsibilities need log space.
    logits, means, lsigmas = _random_mixture(rng, 3, 2.0)
    x = draw(50, [0.5, 0.5], [-1.0, 1.0], [0.5, 0.5], 9)
    cases.append((x, logits, means + 15.0, np.log([0.3, 0.2, 0.25])))
    # float32 inputs.
    logits, means, lsigmas = _random_mixture(rng, 4)
    x = draw(60, [0.5, 0.5], [-2.0, 2.0], [0.7, 0.7], 10)
    cases.append(tuple(a.astype(np.float32) for a in (x, logits, means, lsigmas)))
    for x, logits, means, lsigmas in cases:
        expected = ref.nll_grad(*(np.asarray(a, dtype=float) for a in (x, logits, means, lsigmas)))
        expect_gradient(student, x, logits, means, lsigmas, expected,
                        "the reference solution's gradient")


# --------------------------------------------------------------------------------------------
# Fits: three clusters, the best of four seeds against the reference's best EM optimum
# --------------------------------------------------------------------------------------------
THREE = dict(n=600, weights=[0.3, 0.3, 0.4], means=[-3.0, 0.0, 2.5], sigmas=[0.4, 0.6, 0.5],
             seed=12)
# Three clusters have local optima (two components sharing a cluster, one spanning two): a
# correct fit from an unlucky start may stop in one, so the best of four seeds is judged.
SEEDS = (11, 12, 13, 14)


def _three_clusters():
    return fit_data(THREE)


def _ref_optimum(ref, x, k, starts=5, iterations=300):
    """The best of five EM runs made of the reference's E-step (posterior logits) and M-step,
    from distinct data points as means: (mean log-likelihood, logits, means, lsigmas).
    (Not ``ref.em_fit`` itself, whose progress bar would print on the grader's side.)"""
    best = None
    for seed in range(starts):
        rng = np.random.default_rng(seed)
        logits = np.zeros(k)
        means = rng.choice(x[:, 0], size=k, replace=False)
        lsigmas = np.full(k, np.log(x.std()))
        for _ in range(iterations):
            posterior = softmax(ref.mixture_posterior_logits(x, logits, means, lsigmas), axis=1)
            logits, means, lsigmas = ref.mstep(x, posterior)
        ll = float(ref.mixture_likelihood(x, logits, means, lsigmas).mean())
        if best is None or ll > best[0]:
            best = (ll, logits, means, lsigmas)
    return best


def _fit_gradient_three(student, ref):
    x = _three_clusters()
    fits = fit_gradient_runs(student, x, 3, 800, 0.05, SEEDS, history=False)
    expect_best_near_ml(x, fits, 3, FIT_NLL_TOL, ADAM_HINT, _ref_optimum(ref, x, 3))


def _em_fit_three(student, ref):
    x = _three_clusters()
    fits = em_fit_runs(student, x, 3, 300, SEEDS, history=False)
    expect_best_near_ml(x, fits, 3, EM_NLL_TOL, EM_HINT, _ref_optimum(ref, x, 3))


# --------------------------------------------------------------------------------------------
# mixture_posterior_logits
# --------------------------------------------------------------------------------------------
def _posterior_reference(student, ref):
    rng = np.random.default_rng(303)
    for k, n, offset in [(1, 10, 0.0), (2, 40, 1000.0), (6, 150, -3.0)]:
        logits, means, lsigmas = _random_mixture(rng, k, offset)
        x = np.concatenate([rng.uniform(-6, 6, n), [-1e4, 1e4]])[:, None]
        expected = softmax(ref.mixture_posterior_logits(x, logits, means, lsigmas), axis=1)
        expect_posterior(student, x, logits, means, lsigmas, expected=expected)


# --------------------------------------------------------------------------------------------
# mstep
# --------------------------------------------------------------------------------------------
def _mstep_reference(student, ref):
    cases = []
    x, posterior = mstep_inputs(41, n=50, k=4, sharpness=2.0)
    cases.append((x, posterior))
    # Hard (one-hot) responsibilities.
    x, posterior = mstep_inputs(42, n=24, k=3)
    cases.append((x, np.eye(3)[np.argmax(posterior, axis=1)]))
    # One component: the data's own mean and (biased) standard deviation.
    cases.append((x, np.ones((len(x), 1))))
    # float32 responsibilities.
    x, posterior = mstep_inputs(43, n=40, k=2)
    cases.append((x.astype(np.float32), posterior.astype(np.float32)))
    for x, posterior in cases:
        logits, means, lsigmas = ref.mstep(x.astype(float), posterior.astype(float))
        expect_mstep(student, x, posterior, expected=(softmax(logits), means, lsigmas))


_FIT = dict(timeout=FIT_TIMEOUT, slow_hint=FIT_SLOW_HINT, visibility=AFTER_DUE)
_CALL = dict(timeout=TIMEOUT, slow_hint=SLOW_HINT, visibility=AFTER_DUE)

CHECKS = [
    Check(name="mixture_likelihood: agrees with the reference (K = 1 to 8, N = 1, logits + 1000, "
               "float32)", function="mixture_likelihood", points=1, judge=_likelihood_random,
          **_CALL),
    Check(name="expected_mean_density: about 0.1", function="expected_mean_density", points=1,
          judge=_mean_density_value, visibility=AFTER_DUE),
    Check(name="nll_grad: agrees with the reference (K = 1, the lecture's mixture, far "
               "components, float32)", function="nll_grad", points=1, judge=_grad_reference,
          **_CALL),
    Check(name="fit_gradient: reaches the maximum-likelihood fit of three clusters",
          function="fit_gradient", points=1, judge=_fit_gradient_three, **_FIT),
    Check(name="mixture_posterior_logits: agrees with the reference (K = 1, 2, 6, logits + 1000, "
               "x = ±1e4)", function="mixture_posterior_logits", points=1,
          judge=_posterior_reference, **_CALL),
    Check(name="mstep: agrees with the reference (soft, hard and single-component "
               "responsibilities, float32)", function="mstep", points=1, judge=_mstep_reference,
          **_CALL),
    Check(name="em_fit: reaches the maximum-likelihood fit of three clusters",
          function="em_fit", points=1, judge=_em_fit_three, **_FIT),
]
