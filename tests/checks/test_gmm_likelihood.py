"""Tests of the gmm_likelihood checks, public and hidden, and of the reference.

Every check must pass the reference and other correct implementations (Python loops like a
first attempt; vectorised differently: scipy, a (K, N) layout, einsum, mean-NLL Adam, other
initialisations and history conventions, float32 results), and each classic bug must fail the
check(s) meant to catch it, with its hint and its bug id. The composites are judged on their
own logic: a correct em_fit or fit_gradient over a broken step keeps its points. The public
modules hold no answer: delegating a graded function to anything importable under gmmkit earns
nothing. The reference is compared with scikit-learn and scipy; the last tests keep the source
notebook in step with the reference module and the checks.
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
from gmmkit.checks.expect import match_components

ASSIGNMENT = "gmm_likelihood"
REF = load_module(paths.solutions_file(ASSIGNMENT), "ref_gmm_likelihood")
HIDDEN_MODULE = load_module(paths.hidden_checks_file(ASSIGNMENT), "hidden_gmm_likelihood")
V = HIDDEN_MODULE.V
HIDDEN = HIDDEN_MODULE.CHECKS
CHECKS = public_checks(ASSIGNMENT) + HIDDEN
# A check is named in these tests by its stable id without the assignment, e.g. "mstep.values".
BY_ID = {c.id.removeprefix(ASSIGNMENT + "."): c for c in CHECKS}
FUNCTIONS = ["mixture_likelihood", "expected_mean_density", "nll_grad", "fit_gradient",
             "mixture_posterior_logits", "mstep", "em_fit"]
SOURCE = paths.solutions_file(ASSIGNMENT).read_text()


def ids_of(function):
    return {k for k, c in BY_ID.items() if c.function == function}


def wired(**overrides) -> dict:
    """A fresh copy of the reference's namespace with some names replaced: its em_fit and
    fit_gradient then call the replaced steps, as a student's composite calls the student's
    own steps."""
    namespace = {"__name__": "student_gmm_likelihood"}
    exec(compile(SOURCE, "student_gmm_likelihood.py", "exec"), namespace)
    namespace.update(overrides)
    return namespace


def grade_namespace(namespace, only):
    checks = [c for c in CHECKS if c.function in set(only)]
    results = run_checks(checks, InKernelStudent(namespace), REF)
    return {c.id.removeprefix(ASSIGNMENT + "."): r for c, r in zip(checks, results)}


def grade(only=None, **overrides):
    """Run the checks of the functions in ``only`` (default: those overridden) with the
    reference for every name not overridden."""
    namespace = {name: getattr(REF, name) for name in FUNCTIONS}
    namespace.update(overrides)
    return grade_namespace(namespace, only or overrides)


def failed(results):
    return {k for k, r in results.items() if not r.passed}


def output(results, check_id):
    return results[check_id].output


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


def em_fit_quantiles(x, K, steps, rng):
    """No randomness at all (rng unused): means at the data's quantiles; the history records
    the log-likelihood after each step, with the student's own mixture_likelihood."""
    logits = np.zeros(K)
    means = np.quantile(x[:, 0], (np.arange(K) + 0.5) / K)
    lsigmas = np.full(K, np.log(x.std() / K))
    history = []
    for _ in range(steps):
        post = softmax(REF.mixture_posterior_logits(x, logits, means, lsigmas), axis=1)
        logits, means, lsigmas = REF.mstep(x, post)
        history.append(REF.mixture_likelihood(x, logits, means, lsigmas).sum())
    return logits, means, lsigmas, history


def fit_gradient_after_each_step(x, K, steps, learning_rate, rng):
    """Records the NLL after each update, without the constant log(2 pi) / 2 per point."""
    logits, means, lsigmas, _ = _adam_plain(x, K, 0, learning_rate, rng)
    params = np.stack([logits, means, lsigmas])
    m, v, history = np.zeros_like(params), np.zeros_like(params), []
    for t in range(1, steps + 1):
        g = np.stack(REF.nll_grad(x, *params))
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        params = params - learning_rate * (m / (1 - 0.9 ** t)) / (
            np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        history.append(-REF.mixture_likelihood(x, *params).sum() - 0.5 * len(x) * np.log(2 * np.pi))
    return params[0], params[1], params[2], history


def _adam_plain(x, K, steps, learning_rate, rng):
    params = rng.normal(0.0, 0.1, size=(3, K))
    return params[0], params[1], params[2], []


CORRECT = {
    "mixture_likelihood": [REF.mixture_likelihood, mixture_likelihood_loop,
                           mixture_likelihood_scipy32],
    "expected_mean_density": [REF.expected_mean_density, 0.0999, np.float64(0.1), 1 / 10.01],
    "nll_grad": [REF.nll_grad, nll_grad_loop, nll_grad_kn],
    "fit_gradient": [REF.fit_gradient, fit_gradient_loop, fit_gradient_mean,
                     fit_gradient_after_each_step],
    "mixture_posterior_logits": [REF.mixture_posterior_logits, mixture_posterior_logits_loop,
                                 mixture_posterior_logits_logpost],
    "mstep": [REF.mstep, mstep_loop, mstep_einsum],
    "em_fit": [REF.em_fit, em_fit_loop, em_fit_datainit, em_fit_lecture_init, em_fit_quantiles],
}
CASES = [(f, v) for f, vs in CORRECT.items() for v in vs]


@pytest.mark.parametrize("function, variant", CASES,
                         ids=[f"{f}-{getattr(v, '__name__', repr(v))}" for f, v in CASES])
def test_correct_implementations_pass_every_check(function, variant):
    results = grade(**{function: variant})
    assert results.keys() == ids_of(function) and len(results) >= 2
    assert_all_pass(results)


def test_points_and_visibility():
    public_list = public_checks(ASSIGNMENT)
    assert all(not c.hidden for c in public_list) and all(c.hidden for c in HIDDEN)
    assert sum(c.points for c in CHECKS) == 17.5
    assert {c.function for c in public_list} == {c.function for c in HIDDEN} == set(FUNCTIONS)
    assert all(c.timeout >= 120 for c in CHECKS if c.function in ("fit_gradient", "em_fit"))
    assert all("vectoris" in c.slow_hint for c in CHECKS if c.function != "expected_mean_density")
    assert len(BY_ID) == len(CHECKS) and all(c.id.startswith(f"{ASSIGNMENT}.{c.function}.")
                                             for c in CHECKS)


def test_public_checks_never_use_the_reference():
    """Public judges get ref=None (in the notebook) and must still pass the reference."""
    namespace = {name: getattr(REF, name) for name in FUNCTIONS}
    results = run_checks(public_checks(ASSIGNMENT), InKernelStudent(namespace), None)
    assert all(r.passed for r in results), [r.output for r in results]


def test_a_missing_function_costs_only_its_own_points():
    namespace = {name: getattr(REF, name) for name in FUNCTIONS if name != "nll_grad"}
    results = run_checks(CHECKS, InKernelStudent(namespace), REF)
    lost = {c.id.removeprefix(ASSIGNMENT + ".") for c, r in zip(CHECKS, results) if not r.passed}
    assert lost == ids_of("nll_grad")
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
    assert "mixture_likelihood.values" not in failed(results)   # right where nothing underflows
    assert "mixture_likelihood.far_points" in failed(results)
    out = output(results, "mixture_likelihood.far_points")
    assert "not finite" in out and "-inf" in out and "logsumexp" in out


@pytest.mark.parametrize("bug, keyword", [
    (likelihood_no_log_weights, "log weights are missing"),
    (likelihood_raw_logits, "without normalising them"),
    (likelihood_variance_normaliser, "normaliser uses the variance"),
    (likelihood_half_lsigma, "as if lsigmas were log variances"),
], ids=lambda v: getattr(v, "__name__", "kw"))
def test_likelihood_formula_bugs_are_named(bug, keyword):
    results = grade(mixture_likelihood=bug)
    assert "mixture_likelihood.values" in failed(results) and "mixture_likelihood.reference" in failed(results)
    out = output(results, "mixture_likelihood.values")
    assert keyword in out and "differs from the expected value at index" in out


def test_likelihood_with_an_extra_axis_fails_on_its_shape():
    results = grade(mixture_likelihood=likelihood_keepdims)
    assert failed(results) == ids_of("mixture_likelihood")
    assert "shape (300, 1), expected (300,)" in output(results, "mixture_likelihood.values")


# ---------------------------------------------------------------------------------------------
# expected_mean_density
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, keyword", [(1.0, "width of the interval"),
                                            (0.001, "number of grid points"),
                                            (0.25, "how much of the mixture's mass")])
def test_wrong_mean_density_fails_the_hidden_check_only(value, keyword):
    results = grade(expected_mean_density=value)
    assert failed(results) == {"expected_mean_density.value"}
    out = output(results, "expected_mean_density.value")
    assert keyword in out and "about 1/10" in out


@pytest.mark.parametrize("value, keyword", [("0.1", "not a string"), (None, "is None"),
                                            (np.array([0.1, 0.2]), "single number"),
                                            (-0.1, "never negative")])
def test_a_non_number_fails_the_public_check(value, keyword):
    results = grade(expected_mean_density=value)
    assert "expected_mean_density.number" in failed(results)
    assert keyword in output(results, "expected_mean_density.number")


expected_mean_density = 0.0999   # read by check() below, as in the notebook's check cell


def test_the_notebook_checks_a_variable_by_its_name(capsys):
    check(ASSIGNMENT, "expected_mean_density")
    check(ASSIGNMENT, "expected_mean_density", hidden=True)
    assert "The hidden check of expected_mean_density passed." in capsys.readouterr().out


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
    assert failed(results) == ids_of("nll_grad")
    out = output(results, "nll_grad.values")
    assert keyword in out and "agrees with central finite differences" in out


def test_responsibilities_outside_log_space_fail_for_far_components():
    with np.errstate(all="ignore"):
        results = grade(nll_grad=grad_naive_responsibilities)
    assert failed(results) == {"nll_grad.reference"}
    out = output(results, "nll_grad.reference")
    assert "not finite" in out and "log space" in out


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


POSTERIOR = ids_of("mixture_posterior_logits")


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
    out = output(results, "mixture_posterior_logits.values")
    assert keyword in out and "softmax(axis=1) of mixture_posterior_logits" in out


def test_posterior_probabilities_are_far_from_their_own_softmax():
    """The inputs are designed so that returning probabilities fails by a wide margin."""
    x = np.concatenate([np.linspace(-6, 7, 27), [-40.0, 40.0]])[:, None]
    probs = posterior_probabilities(x, *public.inputs.POST)
    assert np.abs(softmax(probs, axis=1) - probs).max() > 0.4


def test_posterior_outside_log_space_fails_far_away():
    with np.errstate(all="ignore"):
        results = grade(mixture_posterior_logits=posterior_naive)
    assert failed(results) == POSTERIOR
    out = output(results, "mixture_posterior_logits.values")
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
    assert failed(results) == ids_of("mstep")
    assert keyword in output(results, "mstep.values")


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


def fit_gradient_global_rng(x, K, steps, learning_rate, rng):
    """Starts from numpy's global generator instead of rng."""
    return _adam(x, K, steps, learning_rate, rng,
                 init=lambda x, K, rng: 0.1 * np.random.standard_normal((3, K)))


def fit_gradient_fresh_generator(x, K, steps, learning_rate, rng):
    """Starts from a generator made inside the function, without a seed."""
    return _adam(x, K, steps, learning_rate, rng,
                 init=lambda x, K, rng: 0.1 * np.random.default_rng().standard_normal((3, K)))


def fit_gradient_merges(x, K, steps, learning_rate, rng):
    """Adam, then every component set to their average after each step."""
    logits, means, lsigmas, history = _adam(x, K, 1, learning_rate, rng)
    params = np.stack([logits, means, lsigmas]).mean(axis=1, keepdims=True).repeat(K, axis=1)
    for _ in range(steps - 1):
        out = _adam(x, K, 1, learning_rate, rng, init=lambda x, K, rng: params)
        params = np.stack(out[:3]).mean(axis=1, keepdims=True).repeat(K, axis=1)
        history += out[3]
    return params[0], params[1], params[2], history


FIT_OPTIMUM = {"fit_gradient.optimum", "fit_gradient.three"}


def test_gradient_ascent_fails_the_fit_and_the_replay():
    results = grade(fit_gradient=fit_gradient_ascent)
    assert failed(results) == {"fit_gradient.optimum", "fit_gradient.replay",
                               "fit_gradient.three"}
    assert results["fit_gradient.replay"].bug == "gmm_likelihood.fit_gradient.not_adam"


def test_recording_the_log_likelihood_fails_the_loss_and_the_replay():
    results = grade(fit_gradient=fit_gradient_records_loglik)
    assert failed(results) == {"fit_gradient.optimum", "fit_gradient.replay"}
    out = output(results, "fit_gradient.optimum")
    assert "looks like the log-likelihood" in out and "negative log-likelihood" in out
    assert results["fit_gradient.replay"].bug == "gmm_likelihood.fit_gradient.records_loglik"


def test_identical_initial_components_never_separate():
    results = grade(fit_gradient=fit_gradient_zero_init)
    assert failed(results) == FIT_OPTIMUM
    for check_id in FIT_OPTIMUM:
        out = output(results, check_id)
        assert "components are identical" in out and "draw the initial values from rng" in out
        assert "nll_grad" in out and "Adam" in out       # the other causes it allows
    assert results["fit_gradient.optimum"].figure        # the fitted density against the best


def test_updates_that_merge_the_components_are_the_other_cause_the_hint_names():
    results = grade(fit_gradient=fit_gradient_merges)
    assert failed(results) == FIT_OPTIMUM | {"fit_gradient.replay"}
    out = output(results, "fit_gradient.optimum")
    assert "components are identical" in out and "or the updates made them equal" in out
    assert results["fit_gradient.replay"].bug == "gmm_likelihood.fit_gradient.not_adam"


def test_plain_gradient_descent_diverges():
    results = grade(fit_gradient=fit_gradient_plain_descent)
    assert failed(results) >= {"fit_gradient.optimum", "fit_gradient.replay"}
    assert "diverged" in output(results, "fit_gradient.optimum")
    assert results["fit_gradient.replay"].bug == "gmm_likelihood.fit_gradient.not_adam"


def test_returning_sigmas_instead_of_lsigmas():
    results = grade(fit_gradient=fit_gradient_returns_sigmas)
    assert failed(results) == FIT_OPTIMUM | {"fit_gradient.replay"}
    assert "return lsigmas = log sigma" in output(results, "fit_gradient.optimum")


@pytest.mark.parametrize("bug, keyword", [
    (fit_gradient_global_rng, "changed the state of numpy's global generator"),
    (fit_gradient_fresh_generator, "another source of randomness than rng"),
], ids=lambda v: getattr(v, "__name__", "kw"))
def test_randomness_not_from_rng_fails_the_rng_check(bug, keyword):
    results = grade(fit_gradient=bug)
    assert {"fit_gradient.rng", "fit_gradient.replay"} <= failed(results)
    assert "fit_gradient.optimum" not in failed(results)
    out = output(results, "fit_gradient.rng")
    assert keyword in out and "rng.standard_normal" in out
    assert results["fit_gradient.rng"].bug == "gmm_likelihood.fit_gradient.global_rng"


def test_the_global_generator_is_left_as_it_was():
    state = np.random.get_state()
    grade(only=["fit_gradient", "em_fit"])
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(state[1:], after[1:]))


@pytest.mark.parametrize("bug", [grad_means_sign, grad_of_mean_nll, grad_wrt_sigma],
                         ids=lambda f: f.__name__)
def test_a_correct_fit_gradient_over_a_wrong_nll_grad_keeps_its_points(bug):
    """fit_gradient is judged on its own logic: Adam with the student's own gradient."""
    results = grade_namespace(wired(nll_grad=bug), ["fit_gradient", "nll_grad"])
    assert failed(results) == ids_of("nll_grad")


def test_a_fit_gradient_with_its_own_correct_gradient_keeps_its_points():
    """A fit_gradient that computes its gradient itself (correctly) beside a wrong nll_grad:
    the replay accepts the Adam steps of the right gradient too."""
    results = grade(only=["fit_gradient", "nll_grad"], fit_gradient=fit_gradient_loop,
                    nll_grad=grad_means_sign)
    assert failed(results) == ids_of("nll_grad")


# ---------------------------------------------------------------------------------------------
# em_fit: judged on its own logic, by replaying the student's steps
# ---------------------------------------------------------------------------------------------
def _em(x, K, steps, rng, *, init=None, mstep=REF.mstep, record=lambda ll: ll,
        responsibilities=lambda a, lse: np.exp(a - lse)):
    if init is None:
        logits, means, lsigmas = np.zeros(K), rng.choice(x[:, 0], K, replace=False), np.zeros(K)
    else:
        logits, means, lsigmas = init(x, K)
    history = []
    for _ in range(steps):
        a = REF.mixture_posterior_logits(x, logits, means, lsigmas)
        lse = logsumexp(a, axis=1, keepdims=True)
        history.append(record(lse.sum()))
        logits, means, lsigmas = mstep(x, responsibilities(a, lse))
    return logits, means, lsigmas, history


def em_fit_records_nll(x, K, steps, rng):
    return _em(x, K, steps, rng, record=lambda ll: -ll)


def em_fit_identical_start(x, K, steps, rng):
    return _em(x, K, steps, rng, init=lambda x, K: (np.zeros(K), np.full(K, x.mean()),
                                                   np.full(K, np.log(x.std()))))


def em_fit_unnormalised(x, K, steps, rng):
    """Passes exp(posterior logits) to the M-step, not their softmax."""
    return _em(x, K, steps, rng, responsibilities=lambda a, lse: np.exp(a))


def em_fit_keeps_the_weights(x, K, steps, rng):
    """Takes the means and lsigmas of the M-step but keeps the initial weights."""
    logits, means, lsigmas = np.zeros(K), rng.choice(x[:, 0], K, replace=False), np.zeros(K)
    history = []
    for _ in range(steps):
        a = REF.mixture_posterior_logits(x, logits, means, lsigmas)
        history.append(logsumexp(a, axis=1).sum())
        _, means, lsigmas = REF.mstep(x, softmax(a, axis=1))
    return logits, means, lsigmas, history


def em_fit_global_rng(x, K, steps, rng):
    return _em(x, K, steps, rng, init=lambda x, K: (
        np.zeros(K), np.random.choice(x[:, 0], K, replace=False), np.zeros(K)))


def em_fit_uniform_responsibilities(x, K, steps, rng):
    """Forgets the E-step: every point belongs to every component equally."""
    return _em(x, K, steps, rng, responsibilities=lambda a, lse: np.full(a.shape, 1 / K))


def posterior_forgets_x(x, logits, means, lsigmas):
    """Only the log weights: every point gets the prior."""
    return np.zeros((len(x), len(logits))) + (logits - logsumexp(logits))


def test_recording_the_nll_fails_the_history_judgements_only():
    results = grade(em_fit=em_fit_records_nll)
    assert failed(results) == {"em_fit.replay", "em_fit.optimum"}
    for check_id in ("em_fit.replay", "em_fit.optimum"):
        assert "looks like the negative log-likelihood" in output(results, check_id)
        assert results[check_id].bug == "gmm_likelihood.em_fit.records_nll"


def test_identical_starting_components_never_move():
    results = grade(em_fit=em_fit_identical_start)
    assert failed(results) == {"em_fit.optimum", "em_fit.three"}
    out = output(results, "em_fit.optimum")
    assert "components are identical" in out and "draw the initial means from rng" in out
    # The hint names what em_fit calls, and only that.
    assert "mixture_posterior_logits" in out and "mstep" in out and "nll_grad" not in out
    assert results["em_fit.optimum"].bug == "gmm_likelihood.em_fit.identical"
    assert results["em_fit.optimum"].figure


def test_forgetting_the_e_step_collapses_and_the_hint_names_every_cause():
    """After its first step every component is the same, a fixed point of the student's own
    steps, so only the fit shows it; the hint names each cause that allows."""
    results = grade(em_fit=em_fit_uniform_responsibilities)
    assert {"em_fit.optimum", "em_fit.three"} <= failed(results)
    assert "how em_fit chains them" in output(results, "em_fit.optimum")   # its first step
    out = output(results, "em_fit.three")
    assert "components are identical" in out and "softmax(mixture_posterior_logits" in out
    assert "draw the initial means from rng" in out and "nll_grad" not in out


@pytest.mark.parametrize("bug", [em_fit_unnormalised, em_fit_keeps_the_weights],
                         ids=lambda f: f.__name__)
def test_an_em_step_that_is_not_the_students_steps_fails_the_replay(bug):
    results = grade(em_fit=bug)
    assert "em_fit.replay" in failed(results)
    out = output(results, "em_fit.replay")
    assert "one step of your own functions" in out and "softmax" in out


def test_em_fit_randomness_not_from_rng():
    results = grade(em_fit=em_fit_global_rng)
    assert {"em_fit.rng", "em_fit.replay"} <= failed(results)
    assert "changed the state of numpy's global generator" in output(results, "em_fit.rng")


@pytest.mark.parametrize("step, bug", [
    ("mstep", mstep_variance_about_data_mean),
    ("mstep", mstep_log_variance),
    ("mixture_posterior_logits", posterior_wrong_axis),
    ("mixture_posterior_logits", posterior_forgets_x),     # its components collapse
], ids=lambda v: getattr(v, "__name__", v))
def test_a_correct_em_fit_over_a_wrong_step_keeps_its_points(step, bug):
    """Issue 18: a correct em_fit over an mstep that centres on the data mean lost both
    em_fit checks; now the step loses its own points only."""
    with np.errstate(all="ignore"):
        results = grade_namespace(wired(**{step: bug}), ["em_fit", step])
    assert failed(results) == ids_of(step)


def test_an_em_fit_with_its_own_steps_beside_a_wrong_step_function():
    """An em_fit that computes its E-step itself (correctly) beside a wrong
    mixture_posterior_logits: the public replay follows the student's functions, as the
    notebook asks, and says so; the hidden check accepts the reference's steps too."""
    results = grade(only=["em_fit", "mixture_posterior_logits"], em_fit=em_fit_datainit,
                    mixture_posterior_logits=posterior_wrong_axis)
    assert failed(results) == ids_of("mixture_posterior_logits") | {"em_fit.replay",
                                                                   "em_fit.optimum"}
    assert "call your own mixture_posterior_logits and mstep" in output(results, "em_fit.replay")


def test_the_notebook_check_replays_the_steps_of_the_notebook(capsys):
    """check() hands the checks em_fit alone: the replay takes the steps em_fit calls from its
    own namespace, so the notebook gives the grader's verdict."""
    namespace = wired(mstep=mstep_variance_about_data_mean)
    check(ASSIGNMENT, namespace["em_fit"])
    check(ASSIGNMENT, namespace["fit_gradient"])
    buggy = SOURCE.replace("posterior = np.exp(log_joint - log_px)", "posterior = np.exp(log_joint)")
    assert buggy != SOURCE
    namespace = {}
    exec(compile(buggy, "student_gmm_likelihood.py", "exec"), namespace)
    capsys.readouterr()
    with pytest.raises(AssertionError, match="public checks of em_fit failed"):
        check(ASSIGNMENT, namespace["em_fit"])
    assert "one step of your own functions" in capsys.readouterr().out


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
    return V.draw(n, softmax(public.GT_LOGITS), public.GT_MEANS, np.exp(public.GT_LSIGMAS),
                  seed)


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
    x, posterior = V.mstep_inputs(7, n=60, k=4)
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
    order = match_components(means, best_means)
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
    ours = V.ref_optimum(REF, x, 3)
    best = V.ml_fit(x, 3)
    assert ours["ll"] == pytest.approx(best["ll"], abs=1e-8)
    order = match_components(ours["means"], best["means"])
    for name in ("means", "lsigmas"):
        np.testing.assert_allclose(ours[name][order], best[name], atol=1e-4)
    np.testing.assert_allclose(softmax(ours["logits"])[order], softmax(best["logits"]),
                               atol=1e-4)
    # The stored optima of the public fits are the reference EM's too.
    for key, x in (("fit", public.inputs.data("fit")), ("em", public.inputs.data("em"))):
        stored, ours = public.STORED.value(f"{key}.optimum"), V.ref_optimum(REF, x, 2)
        assert ours["ll"] == pytest.approx(float(np.ravel(stored["ll"])[0]), abs=1e-8)


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




# ---------------------------------------------------------------------------------------------
# Nothing a student can install computes an answer
# ---------------------------------------------------------------------------------------------
# Modules that act on files, processes or the network (the course build, the grader, the
# CLI, data loaders) are left out of the search: calling them with arrays is not safe here,
# and they hold no mixture arithmetic.
ACTING = ("gmmkit.cli", "gmmkit.__main__", "gmmkit.course", "gmmkit.grading",
          "gmmkit.answers", "gmmkit.datasets")


def _gmmkit_functions() -> dict:
    import importlib
    import inspect
    import pkgutil

    import gmmkit
    found = {}
    for info in pkgutil.walk_packages(gmmkit.__path__, "gmmkit."):
        if info.name.startswith(ACTING):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__.startswith("gmmkit"):
                found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return found


_PX = V.draw(60, [0.4, 0.6], [-1.5, 2.0], [0.6, 0.9], 31)
_PARAMS = (np.array([0.3, -0.2]), np.array([-1.0, 1.5]), np.log([0.7, 1.1]))
_POST = softmax(np.random.default_rng(32).standard_normal((60, 2)), axis=1)


def _adapters(function, candidate):
    """Ways a student could delegate ``function`` to ``candidate``: the graded signature
    as it is, and for the (x, parameters) functions, weights and sigmas for logits and
    lsigmas."""
    yield candidate
    if function in ("mixture_likelihood", "nll_grad", "mixture_posterior_logits"):
        def with_weights(x, logits, means, lsigmas):
            return candidate(x, softmax(logits), means, np.exp(lsigmas))
        yield with_weights


def _probe_args(function):
    return {"mixture_likelihood": (_PX, *_PARAMS), "nll_grad": (_PX, *_PARAMS),
            "mixture_posterior_logits": (_PX, *_PARAMS), "mstep": (_PX, _POST),
            "fit_gradient": (_PX, 2, 3, 0.05, np.random.default_rng(0)),
            "em_fit": (_PX, 2, 3, np.random.default_rng(0))}[function]


def _shaped_right(function, value) -> bool:
    try:
        if function == "mixture_likelihood":
            return np.shape(value) == (60,)
        if function == "mixture_posterior_logits":
            return np.shape(value) == (60, 2)
        if function in ("nll_grad", "mstep"):
            return len(value) == 3 and all(np.shape(v) == (2,) for v in value)
        return len(value) == 4 and all(np.shape(v) == (2,) for v in value[:3])
    except Exception:
        return False


def _call_briefly(func, args, seconds=2.0):
    import signal

    def stop(signum, frame):
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with np.errstate(all="ignore"):
            return func(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _scavengers(function, functions: dict) -> list:
    """The delegations of ``function`` whose result has the right shapes on a probe."""
    out = []
    for name, candidate in functions.items():
        for adapter in _adapters(function, candidate):
            try:
                value = _call_briefly(adapter, _probe_args(function))
            except BaseException:
                continue
            if _shaped_right(function, value):
                out.append((name, adapter))
    return out


SCAVENGED = [f for f in FUNCTIONS if f != "expected_mean_density"]


@pytest.mark.parametrize("function", SCAVENGED)
def test_delegating_to_anything_in_gmmkit_earns_none_of_the_points(function):
    """The red team's submission: each graded function handed to whatever importable under
    gmmkit returns the right shapes; graded with every check, it earns none of that
    function's points."""
    functions = _gmmkit_functions()
    assert len(functions) > 100       # the search does reach the package
    for name, delegate in _scavengers(function, functions):
        results = grade(**{function: delegate})
        earned = sum(r.score for r in results.values())
        assert earned == 0, f"{function} delegated to {name} earns {earned}: " + str(
            {k: r.status for k, r in results.items()})


def test_the_scavenger_would_find_an_implementation():
    """The search is sharp: a working implementation among the candidates is found and
    earns its points."""
    found = _scavengers("mstep", {"planted.mstep": REF.mstep})
    assert [name for name, _ in found] == ["planted.mstep"]
    results = grade(mstep=found[0][1])
    assert_all_pass(results)


def test_the_public_package_holds_no_mixture_arithmetic():
    """No density, likelihood, sampler or fit in the public modules of gmm_likelihood: they
    import no scipy.stats, no scikit-learn, and draw no random numbers."""
    from pathlib import Path
    folder = Path(public.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text()
        for word in ("scipy.stats", "sklearn", "norm.logpdf", "standard_normal(", "choice(",
                     "np.random.default_rng(seed", "np.log(2 * np.pi)", "LOG_2PI"):
            assert word not in text, f"{path.name} holds {word!r}"
    stored = np.load(public.STORED.path, allow_pickle=False)
    assert all(stored[name].dtype.kind in "biuf" for name in stored.files)


# ---------------------------------------------------------------------------------------------
# Every classic bug of the catalogue is named by the check that sees it
# ---------------------------------------------------------------------------------------------
_NOWHERE = np.nan    # an "expected" value no bug value equals, so that none is filtered out


def _likelihood_bug(bug_id):
    def buggy(x, logits, means, lsigmas):
        x = np.asarray(x, dtype=float)
        return V.likelihood_bugs(x, logits, means, lsigmas, np.full(len(x), _NOWHERE))[bug_id]
    return buggy


def _posterior_bug(bug_id):
    def buggy(x, logits, means, lsigmas):
        shape = (len(x), len(logits))
        raw, soft = V.posterior_bugs(x, logits, means, lsigmas, np.full(shape, _NOWHERE))
        return raw[bug_id] if bug_id in raw else np.log(soft[bug_id])
    return buggy


def _gradient_bug(bug_id):
    def buggy(x, logits, means, lsigmas):
        right = tuple(np.asarray(g, dtype=float) for g in REF.nll_grad(x, logits, means, lsigmas))
        whole, parts = V.gradient_bugs(x, logits, lsigmas, right)
        if bug_id in whole:
            return tuple(np.split(whole[bug_id], 3))
        out = list(right)
        for i, name in enumerate(("d_logits", "d_means", "d_lsigmas")):
            if bug_id in parts[name]:
                out[i] = parts[name][bug_id]
        return tuple(out)
    return buggy


def _mstep_bug(bug_id):
    def buggy(x, posterior):
        right = list(REF.mstep(x, posterior))
        bugs = V.mstep_bugs(x, posterior, (np.full(posterior.shape[1], _NOWHERE),) * 3)
        for i, part in enumerate(("logits", "means", "lsigmas")):
            if bug_id in bugs[part]:
                right[i] = bugs[part][bug_id]
        return tuple(right)
    return buggy


_VALUE_BUGS = [
    ("mixture_likelihood", "mixture_likelihood.values", _likelihood_bug,
     ["no_log_weights", "raw_logits", "pi_not_log_pi", "variance_normaliser", "half_lsigma",
      "exponent_sigma", "exponent_no_sigma", "no_2pi", "full_2pi", "max"]),
    ("mixture_posterior_logits", "mixture_posterior_logits.values", _posterior_bug,
     ["probabilities", "columns", "axis0", "no_log_weights", "pi_not_log_pi",
      "variance_normaliser", "half_lsigma", "no_normaliser", "exponent_sigma"]),
    ("nll_grad", "nll_grad.values", _gradient_bug,
     ["loglik", "mean", "mean_loglik", "logits_sign", "means_sign", "lsigmas_sign",
      "no_softmax_term", "wrt_sigma", "half_lsigmas"]),
    ("mstep", "mstep.values", _mstep_bug,
     ["weights_as_logits", "counts_as_logits", "means_over_n", "means_data_mean",
      "variance_about_data_mean", "log_variance", "variance", "std", "unbiased",
      "variance_over_n"]),
]
VALUE_BUGS = [(f, c, make, b) for f, c, make, bugs in _VALUE_BUGS for b in bugs]


@pytest.mark.parametrize("function, check_id, make, bug", VALUE_BUGS,
                         ids=[f"{f}.{b}" for f, _, _, b in VALUE_BUGS])
def test_each_catalogued_bug_is_named_by_its_public_and_hidden_checks(function, check_id, make,
                                                                      bug):
    bug_id = f"{ASSIGNMENT}.{function}.{bug}"
    assert bug_id in public.CATALOGUE
    with np.errstate(all="ignore"):
        results = grade(**{function: make(bug_id)})
    hidden_id = check_id.replace(".values", ".reference")
    assert {check_id, hidden_id} <= failed(results) <= ids_of(function)
    result = results[check_id]
    assert result.bug == bug_id, result.output
    assert results[hidden_id].bug == bug_id, results[hidden_id].output
    assert "Hint: " + public.CATALOGUE[bug_id].hint.split(";")[0] in result.output
    assert "expected" in result.output and "got" in result.output


def test_every_catalogued_bug_is_tested():
    tested = {f"{ASSIGNMENT}.{f}.{b}" for f, _, _, b in VALUE_BUGS}
    # The others are named by shape, finiteness and the fits' judgements, tested above.
    others = {"mixture_likelihood.underflow", "mixture_likelihood.keepdims",
              "mixture_posterior_logits.underflow", "fit_gradient.records_loglik",
              "fit_gradient.not_adam", "fit_gradient.returns_sigmas",
              "fit_gradient.returns_weights", "fit_gradient.identical",
              "fit_gradient.global_rng", "em_fit.records_nll", "em_fit.returns_sigmas",
              "em_fit.returns_weights", "em_fit.identical", "em_fit.global_rng"}
    assert set(public.CATALOGUE) == tested | {f"{ASSIGNMENT}.{o}" for o in others}
