"""Tests of the gmm_likelihood checks, public and hidden, and of the reference.

Every check must pass the reference and other correct implementations (Python loops like a
first attempt; vectorised differently: scipy, a (K, N) layout, einsum, mean-NLL Adam, other
initialisations, float32 results), and each classic bug must fail the check(s) meant to catch
it, with a message a student can act on. The reference is compared with scikit-learn and scipy;
the last tests keep the source notebook in step with the reference module and the checks.
"""
import ast
import functools
import json
import math

import numpy as np
import pytest
from scipy.optimize import approx_fprime
from scipy.special import log_softmax, logsumexp, softmax
from scipy.stats import norm
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import (_compute_precision_cholesky,
                                               _estimate_gaussian_parameters)

from gmmkit import paths
from gmmkit.checks import InKernelStudent, check, load_module, public_checks, run_checks
from gmmkit.checks import gmm_likelihood as public

ASSIGNMENT = "gmm_likelihood"
REF = load_module(paths.solutions_file(ASSIGNMENT), "ref_gmm_likelihood")
HIDDEN_MODULE = load_module(paths.hidden_checks_file(ASSIGNMENT), "hidden_gmm_likelihood")
HIDDEN = HIDDEN_MODULE.CHECKS
CHECKS = public_checks(ASSIGNMENT) + HIDDEN
# A check is named in these tests by its judge (unique and stable), e.g. "_likelihood_scipy".
BY_JUDGE = {c.judge.__name__: c for c in CHECKS}
FUNCTIONS = ["mixture_likelihood", "expected_mean_density", "nll_grad", "fit_gradient",
             "mixture_posterior_logits", "mstep", "em_fit"]


def judges_of(function):
    return {k for k, c in BY_JUDGE.items() if c.function == function}


def grade(only=None, **overrides):
    """Run the checks of the functions in ``only`` (default: those overridden) with the
    reference for every name not overridden."""
    namespace = {name: getattr(REF, name) for name in FUNCTIONS}
    namespace.update(overrides)
    only = set(only or overrides)
    checks = [c for c in CHECKS if c.function in only]
    results = run_checks(checks, InKernelStudent(namespace), REF)
    return {c.judge.__name__: r for c, r in zip(checks, results)}


def failed(results):
    return {k for k, r in results.items() if not r.passed}


def output(results, judge):
    return results[judge].output


def assert_all_pass(results):
    assert failed(results) == set(), {k: r.output for k, r in results.items() if not r.passed}


# ---------------------------------------------------------------------------------------------
# Correct implementations: Python loops, like a first attempt
# ---------------------------------------------------------------------------------------------
def mixture_likelihood_loop(x, logits, means, lsigmas):
    K = len(logits)
    top = max(logits)
    log_norm = top + math.log(sum(math.exp(l - top) for l in logits))
    out = np.zeros(len(x))
    for i in range(len(x)):
        terms = []
        for k in range(K):
            s = math.exp(lsigmas[k])
            terms.append(logits[k] - log_norm - math.log(s) - 0.5 * math.log(2 * math.pi)
                         - (x[i, 0] - means[k]) ** 2 / (2 * s * s))
        m = max(terms)
        out[i] = m + math.log(sum(math.exp(t - m) for t in terms))
    return out


def mixture_posterior_logits_loop(x, logits, means, lsigmas):
    """Raw logits and no 2 pi: both a constant per row."""
    N, K = len(x), len(logits)
    out = np.zeros((N, K))
    for i in range(N):
        for k in range(K):
            s = np.exp(lsigmas[k])
            out[i, k] = logits[k] - np.log(s) - (x[i, 0] - means[k]) ** 2 / (2 * s ** 2)
    return out


def nll_grad_loop(x, logits, means, lsigmas):
    N, K = len(x), len(logits)
    pi = np.exp(logits - logits.max())
    pi = pi / pi.sum()
    d_logits, d_means, d_lsigmas = np.zeros(K), np.zeros(K), np.zeros(K)
    for i in range(N):
        a = np.array([np.log(pi[k]) - lsigmas[k] - (x[i, 0] - means[k]) ** 2
                      / (2 * np.exp(2 * lsigmas[k])) for k in range(K)])
        r = np.exp(a - a.max())
        r = r / r.sum()
        for k in range(K):
            s2 = np.exp(2 * lsigmas[k])
            d_logits[k] -= r[k] - pi[k]
            d_means[k] -= r[k] * (x[i, 0] - means[k]) / s2
            d_lsigmas[k] -= r[k] * ((x[i, 0] - means[k]) ** 2 / s2 - 1)
    return d_logits, d_means, d_lsigmas


def mstep_loop(x, posterior):
    N, K = posterior.shape
    logits, means, lsigmas = np.zeros(K), np.zeros(K), np.zeros(K)
    for k in range(K):
        rk = posterior[:, k].sum()
        logits[k] = np.log(rk / N)
        mu = 0.0
        for i in range(N):
            mu += posterior[i, k] * x[i, 0]
        mu /= rk
        var = 0.0
        for i in range(N):
            var += posterior[i, k] * (x[i, 0] - mu) ** 2
        means[k] = mu
        lsigmas[k] = np.log(np.sqrt(var / rk))
    return logits, means, lsigmas


def _loss_and_grad_by_component(x, logits, means, lsigmas):
    """Loops over the components (vectorised over the points, to keep these tests fast)."""
    K = len(logits)
    log_pi = logits - logsumexp(logits)
    a = np.stack([log_pi[k] - lsigmas[k] - 0.5 * np.log(2 * np.pi)
                  - (x[:, 0] - means[k]) ** 2 / (2 * np.exp(2 * lsigmas[k])) for k in range(K)],
                 axis=1)
    lse = logsumexp(a, axis=1)
    r = np.exp(a - lse[:, None])
    g = [np.zeros(K), np.zeros(K), np.zeros(K)]
    for k in range(K):
        s2 = np.exp(2 * lsigmas[k])
        g[0][k] = len(x) * np.exp(log_pi[k]) - r[:, k].sum()
        g[1][k] = -(r[:, k] * (x[:, 0] - means[k])).sum() / s2
        g[2][k] = -(r[:, k] * ((x[:, 0] - means[k]) ** 2 / s2 - 1)).sum()
    return -lse.sum(), g


def fit_gradient_loop(x, K, steps, learning_rate, rng):
    """Adam written per parameter array, in Python lists; the loss history is a list."""
    params = [rng.normal(0, 0.1, K), rng.normal(0, 0.1, K), rng.normal(0, 0.1, K)]
    m = [np.zeros(K) for _ in range(3)]
    v = [np.zeros(K) for _ in range(3)]
    losses = []
    for t in range(1, steps + 1):
        loss, grads = _loss_and_grad_by_component(x, *params)
        losses.append(float(loss))
        for j in range(3):
            m[j] = 0.9 * m[j] + 0.1 * grads[j]
            v[j] = 0.999 * v[j] + 0.001 * grads[j] ** 2
            m_hat = m[j] / (1 - 0.9 ** t)
            v_hat = v[j] / (1 - 0.999 ** t)
            params[j] = params[j] - learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)
    return params[0], params[1], params[2], losses


def em_fit_loop(x, K, steps, rng):
    """Random responsibilities first, then M-step and E-step; history after each M-step."""
    N = len(x)
    posterior = rng.dirichlet(np.ones(K), size=N)
    history = []
    for _ in range(steps):
        logits, means, lsigmas = mstep_loop(x, posterior)
        a = np.zeros((N, K))
        for k in range(K):
            a[:, k] = (logits[k] - lsigmas[k] - 0.5 * np.log(2 * np.pi)
                       - (x[:, 0] - means[k]) ** 2 / (2 * np.exp(2 * lsigmas[k])))
        lse = logsumexp(a, axis=1)
        history.append(lse.sum())
        posterior = np.exp(a - lse[:, None])
    return logits, means, lsigmas, history


# ---------------------------------------------------------------------------------------------
# Correct implementations: vectorised differently
# ---------------------------------------------------------------------------------------------
def mixture_likelihood_scipy32(x, logits, means, lsigmas):
    """scipy's norm.logpdf and log_softmax; a float32 result."""
    lp = log_softmax(logits) + norm.logpdf(x, means, np.exp(lsigmas))
    return logsumexp(lp, axis=1).astype(np.float32)


def mixture_posterior_logits_logpost(x, logits, means, lsigmas):
    """The normalised log posterior, computed in a (K, N) layout and transposed back."""
    a = (log_softmax(logits)[:, None] - lsigmas[:, None]
         - 0.5 * ((x.T - means[:, None]) / np.exp(lsigmas)[:, None]) ** 2)
    return (a - logsumexp(a, axis=0, keepdims=True)).T


def nll_grad_kn(x, logits, means, lsigmas):
    """A (K, N) layout; the sums over the points as matrix products."""
    xs = x[:, 0]
    s = np.exp(lsigmas)[:, None]
    a = log_softmax(logits)[:, None] + norm.logpdf(xs[None, :], means[:, None], s)   # (K, N)
    r = softmax(a, axis=0)
    z = (xs[None, :] - means[:, None]) / s
    ones = np.ones(len(xs))
    nk = r @ ones
    return (len(xs) * softmax(logits) - nk, -((r * z) @ ones) / s[:, 0],
            nk - (r * z ** 2) @ ones)


def mstep_einsum(x, posterior):
    """einsum sums, logits = log R_k (no division by N), E[x^2] - mu^2."""
    nk = np.einsum("nk->k", posterior)
    means = np.einsum("nk,n->k", posterior, x[:, 0]) / nk
    ex2 = np.einsum("nk,n->k", posterior, x[:, 0] ** 2) / nk
    return np.log(nk), means, 0.5 * np.log(ex2 - means ** 2)


def fit_gradient_mean(x, K, steps, learning_rate, rng):
    """Adam on the MEAN NLL in a dict of parameters (logits start at 0); the history holds the
    mean NLL before every step and after the last (steps + 1 values)."""
    theta = {"logits": np.zeros(K), "means": 0.1 * rng.standard_normal(K),
             "lsigmas": 0.1 * rng.standard_normal(K)}
    mom = {k: np.zeros(K) for k in theta}
    sq = {k: np.zeros(K) for k in theta}
    history = []
    for t in range(1, steps + 1):
        history.append(-float(mixture_likelihood_scipy32(x, **theta).mean()))
        grads = dict(zip(("logits", "means", "lsigmas"), nll_grad_kn(x, **theta)))
        for key in theta:
            g = grads[key] / len(x)
            mom[key] = 0.9 * mom[key] + 0.1 * g
            sq[key] = 0.999 * sq[key] + 0.001 * g * g
            step = (mom[key] / (1 - 0.9 ** t)) / (np.sqrt(sq[key] / (1 - 0.999 ** t)) + 1e-8)
            theta[key] = theta[key] - learning_rate * step
    history.append(-float(mixture_likelihood_scipy32(x, **theta).mean()))
    return theta["logits"], theta["means"], theta["lsigmas"], np.array(history)


def em_fit_datainit(x, K, steps, rng):
    """Means at K distinct data points, unit sigmas; the history holds the mean log-likelihood
    from the start (steps + 1 values); float32 parameters."""
    logits, means, lsigmas = np.zeros(K), x[rng.permutation(len(x))[:K], 0], np.zeros(K)
    history = [float(mixture_likelihood_scipy32(x, logits, means, lsigmas).mean())]
    for _ in range(steps):
        post = softmax(mixture_posterior_logits_logpost(x, logits, means, lsigmas), axis=1)
        logits, means, lsigmas = mstep_einsum(x, post)
        history.append(float(np.mean(logsumexp(
            log_softmax(logits) + norm.logpdf(x, means, np.exp(lsigmas)), axis=1))))
    return (logits.astype(np.float32), means.astype(np.float32), lsigmas.astype(np.float32),
            history)


def em_fit_lecture_init(x, K, steps, rng):
    """Every parameter near zero with a 0.1 spread, as the lecture hints for Adam."""
    logits, means, lsigmas = 0.1 * rng.standard_normal((3, K))
    history = []
    for _ in range(steps):
        a = log_softmax(logits) + norm.logpdf(x, means, np.exp(lsigmas))
        lse = logsumexp(a, axis=1, keepdims=True)
        history.append(lse.sum())
        logits, means, lsigmas = mstep_einsum(x, np.exp(a - lse))
    return logits, means, lsigmas, np.array(history)


CORRECT = {
    "mixture_likelihood": [REF.mixture_likelihood, mixture_likelihood_loop,
                           mixture_likelihood_scipy32],
    "expected_mean_density": [REF.expected_mean_density, 0.0999, np.float64(0.1), 1 / 10.01],
    "nll_grad": [REF.nll_grad, nll_grad_loop, nll_grad_kn],
    "fit_gradient": [REF.fit_gradient, fit_gradient_loop, fit_gradient_mean],
    "mixture_posterior_logits": [REF.mixture_posterior_logits, mixture_posterior_logits_loop,
                                 mixture_posterior_logits_logpost],
    "mstep": [REF.mstep, mstep_loop, mstep_einsum],
    "em_fit": [REF.em_fit, em_fit_loop, em_fit_datainit, em_fit_lecture_init],
}
CASES = [(f, v) for f, vs in CORRECT.items() for v in vs]


@pytest.mark.parametrize("function, variant", CASES,
                         ids=[f"{f}-{getattr(v, '__name__', repr(v))}" for f, v in CASES])
def test_correct_implementations_pass_every_check(function, variant):
    results = grade(**{function: variant})
    assert results.keys() == judges_of(function) and len(results) >= 2
    assert_all_pass(results)


def test_points_and_visibility():
    public_list = public_checks(ASSIGNMENT)
    assert all(not c.hidden for c in public_list) and all(c.hidden for c in HIDDEN)
    assert sum(c.points for c in CHECKS) == 17.5
    assert {c.function for c in public_list} == {c.function for c in HIDDEN} == set(FUNCTIONS)
    assert all(c.timeout >= 120 for c in CHECKS if c.function in ("fit_gradient", "em_fit"))
    assert all("vectoris" in c.slow_hint for c in CHECKS if c.function != "expected_mean_density")


def test_public_checks_never_use_the_reference():
    """Public judges get ref=None (in the notebook) and must still pass the reference."""
    namespace = {name: getattr(REF, name) for name in FUNCTIONS}
    results = run_checks(public_checks(ASSIGNMENT), InKernelStudent(namespace), None)
    assert all(r.passed for r in results), [r.output for r in results]


def test_a_missing_function_costs_only_its_own_points():
    namespace = {name: getattr(REF, name) for name in FUNCTIONS if name != "nll_grad"}
    results = run_checks(CHECKS, InKernelStudent(namespace), REF)
    lost = {c.judge.__name__ for c, r in zip(CHECKS, results) if not r.passed}
    assert lost == judges_of("nll_grad")
    first = [c.function for c in CHECKS].index("nll_grad")
    assert "does not define `nll_grad`" in results[first].output


# ---------------------------------------------------------------------------------------------
# mixture_likelihood bugs
# ---------------------------------------------------------------------------------------------
def _log_joint(x, logits, means, lsigmas):
    return REF.mixture_posterior_logits(x, logits, means, lsigmas)


def likelihood_naive(x, logits, means, lsigmas):
    return np.log(np.sum(np.exp(_log_joint(x, logits, means, lsigmas)), axis=1))


def likelihood_pdf(x, logits, means, lsigmas):
    return np.log(np.sum(softmax(logits) * norm.pdf(x, means, np.exp(lsigmas)), axis=1))


def likelihood_no_log_weights(x, logits, means, lsigmas):
    return logsumexp(norm.logpdf(x, means, np.exp(lsigmas)), axis=1)


def likelihood_raw_logits(x, logits, means, lsigmas):
    return logsumexp(logits + norm.logpdf(x, means, np.exp(lsigmas)), axis=1)


def likelihood_variance_normaliser(x, logits, means, lsigmas):
    return logsumexp(_log_joint(x, logits, means, lsigmas) - lsigmas, axis=1)


def likelihood_half_lsigma(x, logits, means, lsigmas):
    return logsumexp(_log_joint(x, logits, means, lsigmas) + 0.5 * lsigmas, axis=1)


def likelihood_keepdims(x, logits, means, lsigmas):
    return logsumexp(_log_joint(x, logits, means, lsigmas), axis=1, keepdims=True)


@pytest.mark.parametrize("bug", [likelihood_naive, likelihood_pdf], ids=lambda f: f.__name__)
def test_naive_log_of_sum_fails_far_from_the_components(bug):
    with np.errstate(all="ignore"):
        results = grade(mixture_likelihood=bug)
    assert "_likelihood_scipy" not in failed(results)   # right where nothing underflows
    assert "_likelihood_far_points" in failed(results)
    out = output(results, "_likelihood_far_points")
    assert "not finite" in out and "-inf" in out and "logsumexp" in out


@pytest.mark.parametrize("bug, keyword", [
    (likelihood_no_log_weights, "log weights are missing"),
    (likelihood_raw_logits, "without normalising them"),
    (likelihood_variance_normaliser, "normaliser uses the variance"),
    (likelihood_half_lsigma, "as if lsigmas were log variances"),
], ids=lambda v: getattr(v, "__name__", "kw"))
def test_likelihood_formula_bugs_are_named(bug, keyword):
    results = grade(mixture_likelihood=bug)
    assert "_likelihood_scipy" in failed(results) and "_likelihood_random" in failed(results)
    out = output(results, "_likelihood_scipy")
    assert keyword in out and "differs from the expected value at index" in out


def test_likelihood_with_an_extra_axis_fails_on_its_shape():
    results = grade(mixture_likelihood=likelihood_keepdims)
    assert failed(results) == judges_of("mixture_likelihood")
    assert "shape (300, 1), expected (300,)" in output(results, "_likelihood_scipy")


# ---------------------------------------------------------------------------------------------
# expected_mean_density
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, keyword", [(1.0, "width of the interval"),
                                            (0.001, "number of grid points"),
                                            (0.25, "how much of the mixture's mass")])
def test_wrong_mean_density_fails_the_hidden_check_only(value, keyword):
    results = grade(expected_mean_density=value)
    assert failed(results) == {"_mean_density_value"}
    out = output(results, "_mean_density_value")
    assert keyword in out and "about 1/10" in out


@pytest.mark.parametrize("value, keyword", [("0.1", "not a string"), (None, "is None"),
                                            (np.array([0.1, 0.2]), "single number"),
                                            (-0.1, "never negative")])
def test_a_non_number_fails_the_public_check(value, keyword):
    results = grade(expected_mean_density=value)
    assert "_mean_density_is_number" in failed(results)
    assert keyword in output(results, "_mean_density_is_number")


expected_mean_density = 0.0999   # read by check() below, as in the notebook's check cell


def test_the_notebook_checks_a_variable_by_its_name(capsys):
    check(ASSIGNMENT, "expected_mean_density")
    check(ASSIGNMENT, "expected_mean_density", hidden=True)
    assert "All 1 hidden checks of expected_mean_density passed." in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# nll_grad bugs
# ---------------------------------------------------------------------------------------------
def grad_of_loglik(x, logits, means, lsigmas):
    return tuple(-g for g in REF.nll_grad(x, logits, means, lsigmas))


def grad_means_sign(x, logits, means, lsigmas):
    d_logits, d_means, d_lsigmas = REF.nll_grad(x, logits, means, lsigmas)
    return d_logits, -d_means, d_lsigmas


def grad_of_mean_nll(x, logits, means, lsigmas):
    return tuple(g / len(x) for g in REF.nll_grad(x, logits, means, lsigmas))


def grad_no_softmax_term(x, logits, means, lsigmas):
    d_logits, d_means, d_lsigmas = REF.nll_grad(x, logits, means, lsigmas)
    return d_logits - len(x) * softmax(logits), d_means, d_lsigmas


def grad_wrt_sigma(x, logits, means, lsigmas):
    d_logits, d_means, d_lsigmas = REF.nll_grad(x, logits, means, lsigmas)
    return d_logits, d_means, d_lsigmas / np.exp(lsigmas)


def grad_naive_responsibilities(x, logits, means, lsigmas):
    joint = softmax(logits) * norm.pdf(x, means, np.exp(lsigmas))
    r = joint / joint.sum(axis=1, keepdims=True)
    z = (x - means) / np.exp(lsigmas)
    nk = r.sum(0)
    return (len(x) * softmax(logits) - nk, -(r * z).sum(0) / np.exp(lsigmas),
            nk - (r * z ** 2).sum(0))


@pytest.mark.parametrize("bug, keyword", [
    (grad_of_loglik, "gradient of the log-likelihood"),
    (grad_means_sign, "d_means has the wrong sign"),
    (grad_of_mean_nll, "gradient of the mean NLL"),
    (grad_no_softmax_term, "the term N pi_k is missing"),
    (grad_wrt_sigma, "derivative with respect to sigma"),
], ids=lambda v: getattr(v, "__name__", "kw"))
def test_gradient_bugs_fail_against_finite_differences(bug, keyword):
    results = grade(nll_grad=bug)
    assert failed(results) == judges_of("nll_grad")
    out = output(results, "_grad_finite_differences")
    assert keyword in out and "compared with central finite differences" in out


def test_responsibilities_outside_log_space_fail_for_far_components():
    with np.errstate(all="ignore"):
        results = grade(nll_grad=grad_naive_responsibilities)
    assert failed(results) == {"_grad_reference"}
    out = output(results, "_grad_reference")
    assert "not finite" in out and "log space" in out


# ---------------------------------------------------------------------------------------------
# fit_gradient bugs
# ---------------------------------------------------------------------------------------------
def _adam(x, K, steps, learning_rate, rng, *, sign=1.0, init=None, adam=True, record=None):
    params = 0.1 * rng.standard_normal((3, K)) if init is None else init(x, K, rng)
    m, v, history = np.zeros_like(params), np.zeros_like(params), []
    for t in range(1, steps + 1):
        nll = -REF.mixture_likelihood(x, *params).sum()
        history.append(nll if record is None else record(nll))
        grad = np.stack(REF.nll_grad(x, *params))
        if adam:
            m = 0.9 * m + 0.1 * grad
            v = 0.999 * v + 0.001 * grad ** 2
            step = (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        else:
            step = grad
        params = params - sign * learning_rate * step
    return params[0], params[1], params[2], history


def fit_gradient_ascent(x, K, steps, learning_rate, rng):
    return _adam(x, K, steps, learning_rate, rng, sign=-1.0)


def fit_gradient_records_loglik(x, K, steps, learning_rate, rng):
    return _adam(x, K, steps, learning_rate, rng, record=lambda nll: -nll)


def fit_gradient_zero_init(x, K, steps, learning_rate, rng):
    return _adam(x, K, steps, learning_rate, rng, init=lambda x, K, rng: np.zeros((3, K)))


def fit_gradient_plain_descent(x, K, steps, learning_rate, rng):
    with np.errstate(all="ignore"):
        return _adam(x, K, steps, learning_rate, rng, adam=False)


def fit_gradient_returns_sigmas(x, K, steps, learning_rate, rng):
    logits, means, lsigmas, history = REF.fit_gradient(x, K, steps, learning_rate, rng)
    return logits, means, np.exp(lsigmas), history


FIT_OPTIMUM = {"_fit_gradient_optimum", "_fit_gradient_three"}


def test_gradient_ascent_fails_every_fit_check():
    results = grade(fit_gradient=fit_gradient_ascent)
    assert failed(results) == judges_of("fit_gradient")
    out = output(results, "_fit_gradient_loss")
    assert "explodes" in out and "wrong direction" in out and "params -= learning_rate" in out


def test_recording_the_log_likelihood_fails_the_loss_check_only():
    results = grade(fit_gradient=fit_gradient_records_loglik)
    assert failed(results) == {"_fit_gradient_loss"}
    out = output(results, "_fit_gradient_loss")
    assert "looks like the log-likelihood" in out and "negative log-likelihood" in out


def test_identical_initial_components_never_separate():
    results = grade(fit_gradient=fit_gradient_zero_init)
    assert failed(results) == FIT_OPTIMUM
    for judge in FIT_OPTIMUM:
        assert "components are identical" in output(results, judge)
        assert "draw the initial values from rng" in output(results, judge)
        assert results[judge].figure               # the fitted density against the best fit


def test_plain_gradient_descent_diverges():
    results = grade(fit_gradient=fit_gradient_plain_descent)
    assert failed(results) == judges_of("fit_gradient")
    out = output(results, "_fit_gradient_loss")
    assert "explodes" in out and "diverged" in out and "plain gradient step" in out


def test_returning_sigmas_instead_of_lsigmas():
    results = grade(fit_gradient=fit_gradient_returns_sigmas)
    assert failed(results) == FIT_OPTIMUM
    assert "return lsigmas = log sigma" in output(results, "_fit_gradient_optimum")


# ---------------------------------------------------------------------------------------------
# mixture_posterior_logits bugs
# ---------------------------------------------------------------------------------------------
def posterior_probabilities(x, logits, means, lsigmas):
    return softmax(REF.mixture_posterior_logits(x, logits, means, lsigmas), axis=1)


def posterior_wrong_axis(x, logits, means, lsigmas):
    a = REF.mixture_posterior_logits(x, logits, means, lsigmas)
    return a - logsumexp(a, axis=0, keepdims=True)


def posterior_probabilities_wrong_axis(x, logits, means, lsigmas):
    return softmax(REF.mixture_posterior_logits(x, logits, means, lsigmas), axis=0)


def posterior_no_log_weights(x, logits, means, lsigmas):
    return norm.logpdf(x, means, np.exp(lsigmas))


def posterior_naive(x, logits, means, lsigmas):
    joint = softmax(logits) * norm.pdf(x, means, np.exp(lsigmas))
    return np.log(joint / joint.sum(axis=1, keepdims=True))


def posterior_variance_normaliser(x, logits, means, lsigmas):
    return REF.mixture_posterior_logits(x, logits, means, lsigmas) - lsigmas


POSTERIOR = judges_of("mixture_posterior_logits")


@pytest.mark.parametrize("bug, keyword", [
    (posterior_probabilities, "returned the posterior probabilities themselves"),
    (posterior_wrong_axis, "normalised over the data points (axis=0)"),
    (posterior_probabilities_wrong_axis, "each COLUMN of your result sums to 1"),
    (posterior_no_log_weights, "log weights are missing"),
    (posterior_variance_normaliser, "normaliser uses the variance"),
], ids=lambda v: getattr(v, "__name__", "kw"))
def test_posterior_bugs_are_named(bug, keyword):
    results = grade(mixture_posterior_logits=bug)
    assert failed(results) == POSTERIOR
    out = output(results, "_posterior_scipy")
    assert keyword in out and "softmax(axis=1) of mixture_posterior_logits" in out


def test_posterior_probabilities_are_far_from_their_own_softmax():
    """The inputs are designed so that returning probabilities fails by a wide margin."""
    x = np.concatenate([np.linspace(-6, 7, 27), [-40.0, 40.0]])[:, None]
    probs = posterior_probabilities(x, public.POST_LOGITS, public.POST_MEANS,
                                    public.POST_LSIGMAS)
    assert np.abs(softmax(probs, axis=1) - probs).max() > 0.4


def test_posterior_outside_log_space_fails_far_away():
    with np.errstate(all="ignore"):
        results = grade(mixture_posterior_logits=posterior_naive)
    assert failed(results) == POSTERIOR
    out = output(results, "_posterior_scipy")
    assert "x = -40" in out and "logsumexp" in out


# ---------------------------------------------------------------------------------------------
# mstep bugs
# ---------------------------------------------------------------------------------------------
def mstep_variance_about_data_mean(x, posterior):
    logits, means, _ = REF.mstep(x, posterior)
    var = (posterior * (x - x.mean()) ** 2).sum(0) / posterior.sum(0)
    return logits, means, 0.5 * np.log(var)


def mstep_log_variance(x, posterior):
    logits, means, lsigmas = REF.mstep(x, posterior)
    return logits, means, 2 * lsigmas


def mstep_weights_as_logits(x, posterior):
    logits, means, lsigmas = REF.mstep(x, posterior)
    return softmax(logits), means, lsigmas


def mstep_means_over_n(x, posterior):
    logits, means, lsigmas = REF.mstep(x, posterior)
    return logits, (posterior * x).sum(0) / len(x), lsigmas


@pytest.mark.parametrize("bug, keyword", [
    (mstep_variance_about_data_mean, "about the data mean"),
    (mstep_log_variance, "these are log variances"),
    (mstep_weights_as_logits, "weights pi themselves"),
    (mstep_means_over_n, "divided by N"),
], ids=lambda v: getattr(v, "__name__", "kw"))
def test_mstep_bugs_are_named(bug, keyword):
    results = grade(mstep=bug)
    assert failed(results) == judges_of("mstep")
    assert keyword in output(results, "_mstep_weighted_moments")


# ---------------------------------------------------------------------------------------------
# em_fit bugs
# ---------------------------------------------------------------------------------------------
def _em(x, K, steps, rng, *, init=None, mstep=REF.mstep, record=lambda ll: ll):
    if init is None:
        logits, means, lsigmas = np.zeros(K), rng.choice(x[:, 0], K, replace=False), np.zeros(K)
    else:
        logits, means, lsigmas = init(x, K)
    history = []
    for _ in range(steps):
        a = REF.mixture_posterior_logits(x, logits, means, lsigmas)
        lse = logsumexp(a, axis=1, keepdims=True)
        history.append(record(lse.sum()))
        logits, means, lsigmas = mstep(x, np.exp(a - lse))
    return logits, means, lsigmas, history


def em_fit_records_nll(x, K, steps, rng):
    return _em(x, K, steps, rng, record=lambda ll: -ll)


def em_fit_variance_about_data_mean(x, K, steps, rng):
    return _em(x, K, steps, rng, mstep=mstep_variance_about_data_mean)


def em_fit_identical_start(x, K, steps, rng):
    return _em(x, K, steps, rng, init=lambda x, K: (np.zeros(K), np.full(K, x.mean()),
                                                   np.full(K, np.log(x.std()))))


def test_recording_the_nll_fails_the_monotonicity_check_only():
    results = grade(em_fit=em_fit_records_nll)
    assert failed(results) == {"_em_fit_monotone"}
    assert "looks like the negative log-likelihood" in output(results, "_em_fit_monotone")


def test_variance_about_the_data_mean_breaks_em():
    results = grade(em_fit=em_fit_variance_about_data_mean)
    assert failed(results) == judges_of("em_fit")
    out = output(results, "_em_fit_monotone")
    assert "decreases at step" in out and "the NEW means" in out
    assert results["_em_fit_monotone"].figure      # the history, drawn on the grader's side


def test_identical_starting_components_never_move():
    results = grade(em_fit=em_fit_identical_start)
    assert failed(results) == judges_of("em_fit")
    assert "components are identical" in output(results, "_em_fit_optimum")
    assert "never increases" in output(results, "_em_fit_monotone")
    assert "draw the initial means from rng" in output(results, "_em_fit_monotone")


# ---------------------------------------------------------------------------------------------
# The reference against scikit-learn and scipy
# ---------------------------------------------------------------------------------------------
def _sklearn_model(logits, means, lsigmas):
    gm = GaussianMixture(len(logits), covariance_type="full")
    gm.weights_ = softmax(logits)
    gm.means_ = np.asarray(means, dtype=float)[:, None]
    gm.covariances_ = np.exp(2 * np.asarray(lsigmas, dtype=float))[:, None, None]
    gm.precisions_cholesky_ = _compute_precision_cholesky(gm.covariances_, "full")
    return gm


def _lecture_data(n, seed):
    return public.draw(n, softmax(public.GT_LOGITS), public.GT_MEANS,
                       np.exp(public.GT_LSIGMAS), seed)


def test_reference_likelihood_and_posterior_equal_sklearn():
    x = _lecture_data(500, 0)
    gm = _sklearn_model(REF.gt_logits, REF.gt_means, REF.gt_lsigmas)
    np.testing.assert_allclose(REF.mixture_likelihood(x, REF.gt_logits, REF.gt_means,
                                                      REF.gt_lsigmas),
                               gm.score_samples(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        softmax(REF.mixture_posterior_logits(x, REF.gt_logits, REF.gt_means, REF.gt_lsigmas),
                axis=1), gm.predict_proba(x), rtol=0, atol=1e-12)


def test_reference_mstep_equals_sklearn():
    x, posterior = public.mstep_inputs(7, n=60, k=4)
    nk, means, covariances = _estimate_gaussian_parameters(x, posterior, 0.0, "full")
    logits, ref_means, lsigmas = REF.mstep(x, posterior)
    np.testing.assert_allclose(softmax(logits), nk / len(x), rtol=1e-12)
    np.testing.assert_allclose(ref_means, means[:, 0], rtol=1e-12)
    np.testing.assert_allclose(np.exp(2 * lsigmas), covariances[:, 0, 0], rtol=1e-10)


def test_reference_gradient_equals_scipy_finite_differences():
    x = _lecture_data(100, 1)
    theta = np.concatenate([REF.gt_logits + 0.3, REF.gt_means - 0.2, REF.gt_lsigmas + 0.1])

    def nll(t):
        return -REF.mixture_likelihood(x, t[:5], t[5:10], t[10:]).sum()

    fd = approx_fprime(theta, nll, 1e-7)
    np.testing.assert_allclose(np.concatenate(REF.nll_grad(x, theta[:5], theta[5:10],
                                                           theta[10:])),
                               fd, rtol=1e-4, atol=1e-3)


LECTURE_X = _lecture_data(2000, 2)


@functools.lru_cache(maxsize=None)
def _lecture_best():
    """scikit-learn's EM on LECTURE_X (two starts find the best of eight here):
    (mean log-likelihood, means, lsigmas)."""
    gm = GaussianMixture(5, n_init=2, tol=1e-10, max_iter=3000, reg_covar=0.0,
                         random_state=0).fit(LECTURE_X)
    return gm.score(LECTURE_X), gm.means_[:, 0], 0.5 * np.log(gm.covariances_[:, 0, 0])


def test_reference_em_reaches_sklearn_on_the_lecture_mixture():
    best, best_means, best_lsigmas = _lecture_best()
    logits, means, lsigmas, history = REF.em_fit(LECTURE_X, 5, 1000, np.random.default_rng(0))
    ll = REF.mixture_likelihood(LECTURE_X, logits, means, lsigmas).mean()
    assert ll == pytest.approx(best, abs=1e-6)
    assert np.all(np.diff(history) >= -1e-9 * np.abs(history[1:]))
    # The likelihood is flat along some directions here: both EMs stop within a few 1e-3.
    order = public.match_components(means, best_means)
    np.testing.assert_allclose(means[order], best_means, atol=5e-3)
    np.testing.assert_allclose(lsigmas[order], best_lsigmas, atol=5e-3)


def test_reference_adam_reaches_sklearn_on_the_lecture_mixture():
    best = _lecture_best()[0]
    logits, means, lsigmas, history = REF.fit_gradient(LECTURE_X, 5, 1000, 0.05,
                                                       np.random.default_rng(1))
    ll = REF.mixture_likelihood(LECTURE_X, logits, means, lsigmas).mean()
    assert ll == pytest.approx(best, abs=1e-4)
    assert history[-1] < history[0]


def test_the_optima_the_fit_checks_use_are_sklearns_and_the_references():
    """The public checks' optimum (scikit-learn) and the hidden checks' (the reference's EM)
    agree, and both fits of the reference reach it."""
    x = HIDDEN_MODULE._three_clusters()
    ll, logits, means, lsigmas = HIDDEN_MODULE._ref_optimum(REF, x, 3)
    best = public.ml_fit(x, 3)
    assert ll == pytest.approx(best[0], abs=1e-8)
    order = public.match_components(means, best[2])
    np.testing.assert_allclose(means[order], best[2], atol=1e-4)
    np.testing.assert_allclose(lsigmas[order], best[3], atol=1e-4)
    np.testing.assert_allclose(softmax(logits)[order], softmax(best[1]), atol=1e-4)


# ---------------------------------------------------------------------------------------------
# The source notebook agrees with the reference module and the checks
# ---------------------------------------------------------------------------------------------
NOTEBOOK = paths.kit_root() / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
GRADED_FUNCTIONS = {"mixture_likelihood", "plot_density", "nll_grad", "fit_gradient",
                    "mixture_posterior_logits", "mstep", "em_fit"}


def _cells():
    return json.loads(NOTEBOOK.read_text())["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _definitions(tree):
    defs = {n.name: ast.dump(n) for n in tree.body if isinstance(n, ast.FunctionDef)}
    defs.update({t.id: ast.dump(n.value) for n in tree.body if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name) and t.id == "expected_mean_density"})
    return defs


def test_notebook_solutions_equal_the_reference_module():
    module = _definitions(ast.parse(paths.solutions_file(ASSIGNMENT).read_text()))
    seen = {}
    for cell in _cells():
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution"):
            seen.update(_definitions(ast.parse(_source(cell))))
    assert set(seen) == GRADED_FUNCTIONS | {"expected_mean_density"}
    for name, dump in seen.items():
        assert dump == module[name], f"{name} differs between the notebook and solutions/"


def test_notebook_check_cells_match_the_checks():
    points = {}
    for c in CHECKS:
        points[c.function] = points.get(c.function, 0) + c.points
    graded = {}
    for cell in _cells():
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("grade"):
            name = meta["grade_id"].removeprefix("check_")
            assert meta["locked"] and not meta["solution"]
            call = (f'check("{ASSIGNMENT}", "{name}"' if name == "expected_mean_density"
                    else f'check("{ASSIGNMENT}", {name}')
            assert _source(cell) == (f"{call})\n### BEGIN HIDDEN TESTS\n{call}, hidden=True)\n"
                                     "### END HIDDEN TESTS")
            graded[name] = meta["points"]
    assert graded == points
    written = [c for c in _cells() if c["cell_type"] == "markdown"
               and c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    assert len(written) == 3 and all(c["metadata"]["nbgrader"]["points"] > 0 for c in written)
