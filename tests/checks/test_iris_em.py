"""Tests of the iris_em checks, public and hidden, and of the reference solution.

Every check must pass the reference and two other correct implementations: one with Python
loops over the points like the lecture's (``multivariate_normal.pdf`` point by point, a random
start from data points, the loss recorded after each M-step), and one vectorised differently
(``np.linalg.inv`` and ``einsum``, float32 responsibilities, ``np.cov`` with a ridge of 1e-5, a
k-means++ start, the loss as a mean per point). Each classic bug must fail the check(s) meant to
catch it, with a message a student can act on and the bug's id. Checks are found by their stable
ids.

Fair to the last point (issue 18): a correct fit over a buggy step keeps the fit's points, a
working guard (a ridge of 1e-3) passes the guard checks, and an init that draws from numpy's
global generator fails the random_state check. Nothing a student can install computes an
answer (issue 16): a submission that searches gmmkit for answer-shaped functions earns nothing.
The reference is proven equal to scikit-learn's GaussianMixture from the same start, and the
source notebook is kept in step with the reference module and the checks.
"""
import ast
import json
import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gmmkit import paths
from gmmkit.checks import InKernelStudent, load_module, public_checks, run_checks
from gmmkit.checks.iris_em import (LECTURE_MEANS, LECTURE_VARIANCES, LECTURE_WEIGHTS, iris,
                                   sample_lecture_mixture)

ASSIGNMENT = "iris_em"
REF = load_module(paths.solutions_file(ASSIGNMENT), "ref_iris_em")
HIDDEN = load_module(paths.hidden_checks_file(ASSIGNMENT), "hidden_iris_em").CHECKS
CHECKS = public_checks(ASSIGNMENT) + HIDDEN
FUNCTIONS = ("E_step", "M_step", "negativeloglikelihood", "init_params", "fit")
# A check is named in these tests by its stable id, e.g. "iris_em.M_step.uniform".
BY_ID = {c.id: c for c in CHECKS}
OF = {f: {k for k, c in BY_ID.items() if c.function == f} for f in FUNCTIONS}


def reference(**overrides):
    funcs = {name: getattr(REF, name) for name in FUNCTIONS}
    funcs.update(overrides)
    return funcs


def grade(function=None, **funcs):
    """Run the checks (of one function, of several, or all) on the reference with some
    functions replaced."""
    functions = (function,) if isinstance(function, str) else function
    checks = [c for c in CHECKS if function is None or c.function in functions]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        results = run_checks(checks, InKernelStudent(reference(**funcs)), REF)
    return {chk.id: res for chk, res in zip(checks, results)}


def failed(results):
    return {k for k, r in results.items() if not r.passed}


def outputs(results):
    return {k: r.output for k, r in results.items() if not r.passed}


# ---------------------------------------------------------------------------------------------
# Correct implementations: a loop-based one, like the lecture's
# ---------------------------------------------------------------------------------------------
def E_step_loop(X, pi, mu, cov):
    n, k = X.shape[0], len(pi)
    r = np.zeros((n, k))
    for i in range(n):
        for j in range(k):
            r[i, j] = pi[j] * multivariate_normal.pdf(X[i], mu[j], cov[j])
        r[i, :] = r[i, :] / np.sum(r[i, :])
    return r


def M_step_loop(r, X):
    n, d = X.shape
    k = r.shape[1]
    pi, mu, cov = np.zeros(k), np.zeros((k, d)), np.zeros((k, d, d))
    for j in range(k):
        R = 0.0
        for i in range(n):
            R += r[i, j]
        pi[j] = R / n
        if R == 0:                               # an empty component: restart it on the data
            mu[j] = X.mean(axis=0)
            cov[j] = np.cov(X.T, bias=True).reshape(d, d)
            continue
        for i in range(n):
            mu[j] += r[i, j] * X[i] / R
        for i in range(n):
            diff = (X[i] - mu[j]).reshape(d, 1)
            cov[j] += r[i, j] * (diff @ diff.T) / R
        cov[j] += 1e-6 * np.eye(d)
    return pi, mu, cov


def negativeloglikelihood_loop(X, pi, mu, cov):
    total = 0.0
    for i in range(X.shape[0]):
        p = 0.0
        for j in range(len(pi)):
            p += pi[j] * multivariate_normal.pdf(X[i], mu[j], cov[j])
        total += np.log(p)
    return -total


def init_params_loop(X, k, random_state=42):
    """k distinct data points as means, the data's covariance for all, equal weights."""
    rng = np.random.default_rng(random_state)
    n, d = X.shape
    idx = rng.choice(n, size=k, replace=False)
    mu = X[idx].copy()
    cov = np.array([np.cov(X.T).reshape(d, d) + 1e-6 * np.eye(d) for _ in range(k)])
    return np.ones(k) / k, mu, cov


def fit_loop(X, pi, mu, cov, iters=50):
    """A loop over the points with one frozen distribution per component; the loss recorded
    AFTER each M-step, in a list."""
    def weighted_densities(pi, mu, cov):
        dists = [multivariate_normal(mu[j], cov[j]) for j in range(len(pi))]
        return np.array([[pi[j] * dists[j].pdf(x) for j in range(len(pi))] for x in X])

    loss_hist = []
    for _ in range(iters):
        p = weighted_densities(pi, mu, cov)
        pi, mu, cov = M_step_loop(p / p.sum(axis=1, keepdims=True), X)
        loss_hist.append(-np.sum(np.log(weighted_densities(pi, mu, cov).sum(axis=1))))
    return pi, mu, cov, np.array(loss_hist)


LOOP = {"E_step": E_step_loop, "M_step": M_step_loop,
        "negativeloglikelihood": negativeloglikelihood_loop, "init_params": init_params_loop,
        "fit": fit_loop}


# ---------------------------------------------------------------------------------------------
# Correct implementations: vectorised differently
# ---------------------------------------------------------------------------------------------
def _log_dens_inv(X, mu, cov, dtype=np.float64):
    X, mu, cov = (np.asarray(a, dtype=dtype) for a in (X, mu, cov))
    d = X.shape[1]
    prec = np.linalg.inv(cov)                                    # (k, d, d)
    diff = X[:, None, :] - mu[None, :, :]                        # (n, k, d)
    maha = np.einsum("nki,kij,nkj->nk", diff, prec, diff)
    _, logdet = np.linalg.slogdet(cov)
    return -0.5 * (d * np.log(2 * np.pi) + logdet + maha)


def E_step_einsum32(X, pi, mu, cov):
    """float32 arithmetic and a float32 result."""
    a = np.log(np.asarray(pi, dtype=np.float32)) + _log_dens_inv(X, mu, cov, np.float32)
    a = a - a.max(axis=1, keepdims=True)
    r = np.exp(a)
    return (r / r.sum(axis=1, keepdims=True)).astype(np.float32)


def M_step_npcov(r, X):
    n, d = X.shape
    R = np.maximum(r.sum(axis=0), 1e-12)
    pi = R / n
    mu = np.einsum("nk,nd->kd", r, X) / R[:, None]
    cov = np.stack([np.cov(X.T, aweights=r[:, j] + 1e-300, bias=True).reshape(d, d)
                    for j in range(r.shape[1])]) + 1e-5 * np.eye(d)
    return pi, mu, cov


def negativeloglikelihood_einsum(X, pi, mu, cov):
    return float(-np.sum(logsumexp(np.log(pi) + _log_dens_inv(X, mu, cov), axis=1)))


def init_params_kmeanspp(X, k, random_state=42):
    from sklearn.cluster import kmeans_plusplus
    centers, _ = kmeans_plusplus(X, k, random_state=random_state)
    d = X.shape[1]
    labels = np.argmin(((X[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)
    pi = np.bincount(labels, minlength=k) / len(X) + 1e-3
    cov = np.stack([np.cov(X.T, bias=True).reshape(d, d) / k] * k)
    return pi / pi.sum(), centers, cov


def fit_mean_loss(X, pi, mu, cov, iters=50):
    """The loss as a mean per point, recorded before each M-step."""
    loss_hist = np.zeros(iters)
    for t in range(iters):
        loss_hist[t] = negativeloglikelihood_einsum(X, pi, mu, cov) / len(X)
        pi, mu, cov = M_step_npcov(E_step_einsum32(X, pi, mu, cov).astype(float), X)
    return pi, mu, cov, loss_hist


VECTORISED = {"E_step": E_step_einsum32, "M_step": M_step_npcov,
              "negativeloglikelihood": negativeloglikelihood_einsum,
              "init_params": init_params_kmeanspp, "fit": fit_mean_loss}


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("variant", ["reference", "loop", "vectorised"])
def test_correct_implementations_pass_every_check(variant, function):
    funcs = {"reference": reference(), "loop": LOOP, "vectorised": VECTORISED}[variant]
    results = grade(function, **{function: funcs[function]})
    assert failed(results) == set(), outputs(results)
    assert set(results) == OF[function]


def test_public_checks_never_use_the_reference():
    """Public judges get ref=None (in the notebook) and must still pass the reference."""
    results = run_checks(public_checks(ASSIGNMENT), InKernelStudent(reference()), None)
    assert all(r.passed for r in results), [r.output for r in results if not r.passed]


def test_points_and_visibility():
    public = public_checks(ASSIGNMENT)
    assert all(not c.hidden for c in public) and all(c.hidden for c in HIDDEN)
    assert 10 <= sum(c.points for c in CHECKS) <= 20
    assert {c.function for c in public} == {c.function for c in HIDDEN} == set(FUNCTIONS)
    assert len(BY_ID) == len(CHECKS) and all(i.startswith("iris_em.") for i in BY_ID)
    # loop-based code like the lecture's gets generous time, and a hint to vectorise
    assert all(c.timeout >= 60 for c in CHECKS)
    assert all(c.timeout >= 120 and "vectorise" in c.slow_hint
               for c in CHECKS if c.function == "fit")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_crashing_function_costs_only_its_own_points(function):
    def broken(*args, **kwargs):
        raise NotImplementedError()
    results = grade(**{function: broken})
    assert failed(results) == OF[function]
    assert all("not implemented yet" in out for out in outputs(results).values())


# ---------------------------------------------------------------------------------------------
# M_step bugs
# ---------------------------------------------------------------------------------------------
def _mstep(r, X, mean_divisor="R", cov_kind="centred", guard=True, ridge=1e-6):
    """The M-step with one classic bug switched on."""
    n, d = X.shape
    R = r.sum(axis=0) + (10 * np.finfo(float).eps if guard else 0.0)
    pi = R / n
    with np.errstate(all="ignore"):
        if mean_divisor == "R":
            mu = r.T @ X / R[:, None]
        elif mean_divisor == "n":
            mu = r.T @ X / n
        else:
            mu = r.T @ X
        cov = np.empty((r.shape[1], d, d))
        for j in range(r.shape[1]):
            diff = X - mu[j]
            cov[j] = {"centred": (r[:, j] * diff.T) @ diff / R[j],
                      "uncentred": (r[:, j] * X.T) @ X / R[j],
                      "by_n": (r[:, j] * diff.T) @ diff / n,
                      "unbiased": (r[:, j] * diff.T) @ diff / (R[j] - 1),
                      "r_squared": (r[:, j] ** 2 * diff.T) @ diff / R[j]}[cov_kind]
            cov[j] += ridge * np.eye(d)
    return pi, mu, cov


M_CHECKS = OF["M_step"]
PUBLIC_VALUES = {"iris_em.M_step.uniform", "iris_em.M_step.true_labels"}
VALUES = PUBLIC_VALUES | {"iris_em.M_step.reference"}      # the guard checks judge the guards only


def test_covariance_not_centred():
    results = grade("M_step", M_step=lambda r, X: _mstep(r, X, cov_kind="uncentred"))
    assert failed(results) == VALUES
    out = results["iris_em.M_step.uniform"].output
    assert "cov.mean()" in out and "expected 0.60580225" in out
    assert "not centred" in out and "x_i - mu[j]" in out
    assert "not centred" in results["iris_em.M_step.reference"].output
    assert {results[i].bug for i in VALUES} == {"iris_em.M_step.cov_uncentred"}


def test_covariance_centred_on_the_data_mean():
    def M_step(r, X):
        pi, mu, _ = REF.M_step(r, X)
        diff = X - X.mean(axis=0)
        R = r.sum(axis=0) + 10 * np.finfo(float).eps
        cov = np.stack([(r[:, j] * diff.T) @ diff / R[j] + 1e-6 * np.eye(X.shape[1])
                        for j in range(r.shape[1])])
        return pi, mu, cov
    results = grade("M_step", M_step=M_step)
    # with uniform r every component's mean is the data's: there the bug gives the right answer
    assert failed(results) == VALUES - {"iris_em.M_step.uniform"}
    out = results["iris_em.M_step.true_labels"].output
    assert "expected 0.0897913" in out and "centred on the mean of all the data" in out
    assert results["iris_em.M_step.reference"].bug == "iris_em.M_step.cov_data_mean"


def test_m_step_dividing_by_n_instead_of_R_j():
    def M_step(r, X):
        return _mstep(r, X, mean_divisor="n", cov_kind="by_n")
    results = grade("M_step", M_step=M_step)
    assert failed(results) == VALUES
    out = results["iris_em.M_step.uniform"].output
    assert "mu.mean(axis=0)" in out and "expected 5.8433333" in out
    assert "not by n" in out
    assert "not by n" in results["iris_em.M_step.true_labels"].output


def test_means_with_unnormalised_weights():
    results = grade("M_step", M_step=lambda r, X: _mstep(r, X, mean_divisor="none"))
    assert failed(results) == VALUES
    out = results["iris_em.M_step.uniform"].output
    assert "means are not normalised" in out and "R_j" in out
    assert "means are not normalised" in results["iris_em.M_step.reference"].output


def test_an_empty_component_turning_into_nan():
    results = grade("M_step", M_step=lambda r, X: _mstep(r, X, guard=False))
    assert failed(results) == {"iris_em.M_step.empty_component"}
    res = results["iris_em.M_step.empty_component"]
    assert "not finite" in res.output and "R_j = sum_i r[i, j] = 0" in res.output
    assert "guard the division" in res.output and res.bug == "iris_em.M_step.no_empty_guard"


def test_no_ridge_leaves_a_one_point_component_singular():
    results = grade("M_step", M_step=lambda r, X: _mstep(r, X, ridge=0.0))
    assert failed(results) == {"iris_em.M_step.single_point"}
    res = results["iris_em.M_step.single_point"]
    assert "singular" in res.output and "1e-6 * np.eye(d)" in res.output
    assert res.bug == "iris_em.M_step.no_ridge"


def test_unbiased_covariance():
    results = grade("M_step", M_step=lambda r, X: _mstep(r, X, cov_kind="unbiased"))
    assert VALUES <= failed(results)
    for check in PUBLIC_VALUES:
        assert "unbiased" in results[check].output and "bias=True" in results[check].output


def test_responsibilities_squared_in_the_covariance():
    """One-hot responsibilities hide it (r**2 = r); uniform and soft ones do not."""
    results = grade("M_step", M_step=lambda r, X: _mstep(r, X, cov_kind="r_squared"))
    assert failed(results) == {"iris_em.M_step.uniform", "iris_em.M_step.reference"}
    assert "r[i, j] squared" in results["iris_em.M_step.reference"].output


def test_a_large_ridge_is_a_working_guard_and_a_wrong_value():
    """Old scikit-learn's habit, 1e-3 * I on every covariance: the guards work (empty and
    one-point components pass), the value checks name the constant."""
    results = grade("M_step", M_step=lambda r, X: _mstep(r, X, ridge=1e-3))
    assert failed(results) == VALUES
    for check in VALUES:
        assert "* I: the ridge is too large" in results[check].output
        assert results[check].bug == "iris_em.M_step.ridge_large"


def test_a_guard_that_restarts_an_empty_component_on_the_data():
    """A correct variant: the empty component gets the data's mean and covariance, weight 0."""
    results = grade("M_step", M_step=M_step_loop)
    assert failed(results) == set()


def test_m_step_with_its_arguments_swapped():
    def M_step(X, r):                            # the student's own order of the arguments
        return REF.M_step(r, X)
    results = grade("M_step", M_step=M_step)
    assert failed(results) == M_CHECKS
    assert "order of the arguments: M_step(r, X)" in results["iris_em.M_step.uniform"].output
    assert "order of the arguments" in results["iris_em.M_step.empty_component"].output


# ---------------------------------------------------------------------------------------------
# E_step bugs
# ---------------------------------------------------------------------------------------------
def _joint(X, pi, mu, cov):
    return np.exp(np.log(pi) + REF.log_gaussian(X, mu, cov))


def E_step_wrong_axis(X, pi, mu, cov):
    p = _joint(X, pi, mu, cov)
    return p / p.sum(axis=0, keepdims=True)


def E_step_without_pi(X, pi, mu, cov):
    p = np.exp(REF.log_gaussian(X, mu, cov))
    return p / p.sum(axis=1, keepdims=True)


def E_step_log_r(X, pi, mu, cov):
    a = np.log(pi) + REF.log_gaussian(X, mu, cov)
    return a - logsumexp(a, axis=1, keepdims=True)


def E_step_without_determinant(X, pi, mu, cov):
    a = np.log(pi) + REF.log_gaussian(X, mu, cov) + 0.5 * np.linalg.slogdet(cov)[1]
    return np.exp(a - logsumexp(a, axis=1, keepdims=True))


def test_e_step_normalised_over_the_wrong_axis():
    results = grade("E_step", E_step=E_step_wrong_axis)
    assert failed(results) == OF["E_step"]
    for out in outputs(results).values():
        assert "sums to" in out and "normalised over the points (axis=0)" in out


def test_e_step_without_the_weights():
    results = grade("E_step", E_step=E_step_without_pi)
    assert failed(results) == {"iris_em.E_step.values", "iris_em.E_step.reference"}
    out = results["iris_em.E_step.values"].output
    assert "every row of r must be pi" in out and "expected 0.2" in out
    assert "weights are missing" in out


def test_e_step_returning_log_responsibilities():
    results = grade("E_step", E_step=E_step_log_r)
    assert failed(results) == OF["E_step"]
    assert "negative responsibility" in results["iris_em.E_step.pmf"].output
    assert "exponentiate" in results["iris_em.E_step.pmf"].output


def test_e_step_without_the_determinant():
    results = grade("E_step", E_step=E_step_without_determinant)
    assert failed(results) == {"iris_em.E_step.values", "iris_em.E_step.reference"}
    assert "|cov_j|^(-1/2)" in results["iris_em.E_step.values"].output


def test_e_step_transposed():
    results = grade("E_step", E_step=lambda X, pi, mu, cov: REF.E_step(X, pi, mu, cov).T)
    assert failed(results) == OF["E_step"]
    out = results["iris_em.E_step.pmf"].output
    assert "shape (3, 150), expected (150, 3)" in out and "transpose" in out


# ---------------------------------------------------------------------------------------------
# negativeloglikelihood bugs
# ---------------------------------------------------------------------------------------------
def test_the_sign_of_the_nll():
    results = grade("negativeloglikelihood",
                    negativeloglikelihood=lambda *a: -REF.negativeloglikelihood(*a))
    assert failed(results) == OF["negativeloglikelihood"]
    out = results["iris_em.negativeloglikelihood.known_values"].output
    assert "returned -379.91463" in out and "expected 379.9146301" in out
    assert all("sign is wrong" in o for o in outputs(results).values())


def test_the_nll_as_a_mean():
    results = grade("negativeloglikelihood",
                    negativeloglikelihood=lambda X, *a: REF.negativeloglikelihood(X, *a) / len(X))
    assert failed(results) == OF["negativeloglikelihood"]
    assert "mean over the points" in results["iris_em.negativeloglikelihood.known_values"].output


def test_the_nll_as_a_sum_of_logs():
    def nll(X, pi, mu, cov):
        return -float((np.log(pi) + REF.log_gaussian(X, mu, cov)).sum())
    results = grade("negativeloglikelihood", negativeloglikelihood=nll)
    assert failed(results) == OF["negativeloglikelihood"]
    out = results["iris_em.negativeloglikelihood.values"].output
    assert "log of the sum is not the sum of the logs" in out


def test_the_nll_without_the_weights():
    def nll(X, pi, mu, cov):
        return -float(logsumexp(REF.log_gaussian(X, mu, cov), axis=1).sum())
    results = grade("negativeloglikelihood", negativeloglikelihood=nll)
    assert failed(results) == OF["negativeloglikelihood"]
    assert "weights are missing" in results["iris_em.negativeloglikelihood.known_values"].output


def test_the_nll_per_point():
    def nll(X, pi, mu, cov):
        return -logsumexp(np.log(pi) + REF.log_gaussian(X, mu, cov), axis=1)
    results = grade("negativeloglikelihood", negativeloglikelihood=nll)
    assert failed(results) == OF["negativeloglikelihood"]
    out = results["iris_em.negativeloglikelihood.known_values"].output
    assert "shape (150,), expected a single number" in out and "sum" in out


# ---------------------------------------------------------------------------------------------
# init_params bugs
# ---------------------------------------------------------------------------------------------
def test_init_with_identical_means():
    def init_params(X, k, random_state=42):
        d = X.shape[1]
        return np.ones(k) / k, np.tile(X.mean(0), (k, 1)), np.stack([np.cov(X.T).reshape(d, d)] * k)
    results = grade("init_params", init_params=init_params)
    assert failed(results) == OF["init_params"]
    out = results["iris_em.init_params.valid"].output
    assert "two equal means" in out and "stay identical" in out


def test_init_with_singular_covariances():
    def init_params(X, k, random_state=42):
        pi, mu, _ = REF.init_params(X, k, random_state)
        return pi, mu, np.stack([np.outer(m, m) for m in mu])
    results = grade("init_params", init_params=init_params)
    assert failed(results) == OF["init_params"]
    assert "not positive definite" in results["iris_em.init_params.valid"].output


def test_init_with_counts_as_weights():
    def init_params(X, k, random_state=42):
        pi, mu, cov = REF.init_params(X, k, random_state)
        return pi * len(X), mu, cov
    results = grade("init_params", init_params=init_params)
    assert failed(results) == OF["init_params"]
    assert "sums to 150" in results["iris_em.init_params.valid"].output


def test_init_with_variances_instead_of_covariances():
    def init_params(X, k, random_state=42):
        pi, mu, cov = REF.init_params(X, k, random_state)
        return pi, mu, np.stack([np.diag(c) for c in cov])
    results = grade("init_params", init_params=init_params)
    assert failed(results) == OF["init_params"]
    assert "shape (3, 4), expected (3, 4, 4)" in results["iris_em.init_params.valid"].output


# ---------------------------------------------------------------------------------------------
# fit bugs
# ---------------------------------------------------------------------------------------------
def test_fit_recording_the_log_likelihood():
    def fit(X, pi, mu, cov, iters=50):
        pi, mu, cov, hist = REF.fit(X, pi, mu, cov, iters)
        return pi, mu, cov, -hist
    results = grade("fit", fit=fit)
    assert failed(results) == {"iris_em.fit.loss_history", "iris_em.fit.reference"}
    out = results["iris_em.fit.loss_history"].output
    assert "increases" in out and "record the NEGATIVE log-likelihood" in out


def test_fit_returning_its_start():
    def fit(X, pi, mu, cov, iters=50):
        hist = REF.fit(X, pi, mu, cov, iters)[3]
        return pi, mu, cov, hist
    results = grade("fit", fit=fit)
    assert failed(results) == {"iris_em.fit.matches_sklearn", "iris_em.fit.reference"}
    assert "returned its start unchanged" in results["iris_em.fit.matches_sklearn"].output


def test_fit_one_iteration_short():
    def fit(X, pi, mu, cov, iters=50):
        hist = np.empty(iters)
        for t in range(iters):
            hist[t] = REF.negativeloglikelihood(X, pi, mu, cov)
            if t < iters - 1:
                pi, mu, cov = REF.M_step(REF.E_step(X, pi, mu, cov), X)
        return pi, mu, cov, hist
    results = grade("fit", fit=fit)
    assert failed(results) == {"iris_em.fit.matches_sklearn", "iris_em.fit.reference"}
    assert "after 11 iterations, not 12" in results["iris_em.fit.matches_sklearn"].output


def test_fit_recording_one_loss_too_many():
    def fit(X, pi, mu, cov, iters=50):
        pi, mu, cov, hist = REF.fit(X, pi, mu, cov, iters)
        return pi, mu, cov, np.append(hist, REF.negativeloglikelihood(X, pi, mu, cov))
    results = grade("fit", fit=fit)
    assert failed(results) == OF["fit"]
    out = results["iris_em.fit.loss_history"].output
    assert "shape (51,), expected (50,)" in out and "one loss per iteration" in out


# ---------------------------------------------------------------------------------------------
# fit is judged on its own logic: a bug in a step costs only that step's points
# ---------------------------------------------------------------------------------------------
def fit_over(E_step, M_step, nll, after=False, mean=False, short=False):
    """A correct fit over the given steps (the loss before or after each M-step, as a sum or a
    mean); ``short``: one iteration too few, a bug of the fit itself."""
    def fit(X, pi, mu, cov, iters=50):
        hist = []
        for t in range(iters - 1 if short else iters):
            if not after:
                hist.append(nll(X, pi, mu, cov))
            pi, mu, cov = M_step(E_step(X, pi, mu, cov), X)
            if after:
                hist.append(nll(X, pi, mu, cov))
        if short:
            hist.append(hist[-1])
        hist = np.array(hist)
        return pi, mu, cov, hist / len(X) if mean else hist
    return fit


def M_step_data_mean(r, X):
    """The covariance centred on the mean of all the data (issue 18's ported example)."""
    pi, mu, _ = REF.M_step(r, X)
    diff = X - X.mean(axis=0)
    R = r.sum(axis=0) + 10 * np.finfo(float).eps
    cov = np.stack([(r[:, j] * diff.T) @ diff / R[j] + 1e-6 * np.eye(X.shape[1])
                    for j in range(r.shape[1])])
    return pi, mu, cov


def nll_sign(X, pi, mu, cov):
    return -REF.negativeloglikelihood(X, pi, mu, cov)


BUGGY_STEPS = {
    "M_step centred on the data mean": {"M_step": M_step_data_mean},
    "M_step with a ridge of 1e-3": {"M_step": lambda r, X: _mstep(r, X, ridge=1e-3)},
    "E_step normalised over the points": {"E_step": E_step_wrong_axis},
    "E_step without the determinant": {"E_step": E_step_without_determinant},
    "negativeloglikelihood with the wrong sign": {"negativeloglikelihood": nll_sign},
}


@pytest.mark.parametrize("bug", list(BUGGY_STEPS))
def test_a_correct_fit_over_a_buggy_step_keeps_its_points(bug):
    """Whether fit records the loss before each M-step as a sum, or after it as a mean."""
    steps = reference(**BUGGY_STEPS[bug])
    after = list(BUGGY_STEPS).index(bug) % 2 == 1
    fit = fit_over(steps["E_step"], steps["M_step"], steps["negativeloglikelihood"],
                   after=after, mean=after)
    (function,) = BUGGY_STEPS[bug]
    results = grade((function, "fit"), **BUGGY_STEPS[bug], fit=fit)
    assert failed(results) & OF["fit"] == set(), outputs(results)
    assert failed(results) and failed(results) <= OF[function]


def test_a_fit_with_its_own_steps_inline_passes_whatever_the_steps():
    """The reference's fit computes its E-step inline: a broken E_step does not touch it."""
    results = grade(E_step=E_step_wrong_axis)
    assert failed(results) == OF["E_step"]


def test_a_fit_bug_over_a_buggy_step_still_fails():
    steps = reference(M_step=M_step_data_mean)
    fit = fit_over(steps["E_step"], M_step_data_mean, steps["negativeloglikelihood"], short=True)
    results = grade("fit", M_step=M_step_data_mean, fit=fit)
    # (its loss_hist, converged, may pass: the last two losses of 50 are equal to rounding)
    assert {"iris_em.fit.matches_sklearn", "iris_em.fit.reference"} <= failed(results)
    out = results["iris_em.fit.matches_sklearn"].output
    assert "after 11 iterations, not 12" in out
    assert results["iris_em.fit.matches_sklearn"].bug == "iris_em.fit.iters_off_by_one"


def test_a_fit_that_ignores_its_own_steps_and_misses_the_optimum_fails():
    """Steps right, but the E-step always at the start: the fit must reach the optimum."""
    def fit(X, pi, mu, cov, iters=50):
        r = REF.E_step(X, pi, mu, cov)
        hist = []
        for _ in range(iters):
            hist.append(REF.negativeloglikelihood(X, pi, mu, cov))
            pi, mu, cov = REF.M_step(r, X)
        return pi, mu, cov, np.array(hist)
    results = grade("fit", fit=fit)
    assert failed(results) == OF["fit"]
    assert "compared with scikit-learn's" in results["iris_em.fit.matches_sklearn"].output


# ---------------------------------------------------------------------------------------------
# init_params: randomness only from random_state
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def global_rng_seeded():
    """numpy's global generator in a known state, so that the global-state variants below fail
    deterministically; restored afterwards."""
    state = np.random.get_state()
    np.random.seed(12345)
    yield
    np.random.set_state(state)


def init_global_choice(X, k, random_state=42):
    """Ignores random_state: k data points drawn with numpy's global generator."""
    d = X.shape[1]
    mu = X[np.random.choice(len(X), size=k, replace=False)]
    return np.ones(k) / k, mu, np.stack([np.cov(X.T).reshape(d, d)] * k)


def init_kmeans_unseeded(X, k, random_state=42):
    from sklearn.cluster import KMeans
    labels = KMeans(n_clusters=k, n_init=10).fit(X).labels_       # random_state=None: global
    return REF.M_step(np.eye(k)[labels], X)


@pytest.mark.parametrize("init", [init_global_choice, init_kmeans_unseeded])
def test_init_drawing_from_the_global_generator(init, global_rng_seeded):
    results = grade("init_params", init_params=init)
    assert failed(results) == {"iris_em.init_params.random_state", "iris_em.init_params.other_data"}
    res = results["iris_em.init_params.random_state"]
    assert "gave different starts" in res.output and "global generator" in res.output
    assert "the same random_state must give the same start" in res.output
    assert res.bug == "iris_em.init_params.global_rng"


def test_init_ignoring_random_state_deterministically_is_fine():
    """A different random_state may give another start: it need not."""
    def init_params(X, k, random_state=42):
        return REF.init_params(X, k, random_state=0)
    assert failed(grade("init_params", init_params=init_params)) == set()


def test_init_seeding_the_global_generator():
    """Reproducible, yet it changes numpy's global state: the convention says it must not."""
    def init_params(X, k, random_state=42):
        np.random.seed(random_state)
        return init_global_choice(X, k)
    state = np.random.get_state()
    try:
        results = grade("init_params", init_params=init_params)
    finally:
        np.random.set_state(state)
    assert "iris_em.init_params.random_state" in failed(results)
    res = results["iris_em.init_params.random_state"]
    assert "changed the state of numpy's global generator" in res.output
    assert res.bug == "iris_em.init_params.global_rng"


# ---------------------------------------------------------------------------------------------
# The reference itself: known values, scipy, scikit-learn
# ---------------------------------------------------------------------------------------------
def test_reference_known_values():
    """ASSIGNMENTS.md, section 4 (the reference adds a ridge of 1e-6, as the one-hot values do)."""
    X, y = iris()
    pi, mu, cov = REF.M_step(np.full((150, 3), 1 / 3), X)
    np.testing.assert_allclose(pi, [1 / 3] * 3, rtol=1e-12)
    np.testing.assert_allclose(mu.mean(0), [5.84333333, 3.05733333, 3.758, 1.19933333], atol=1e-8)
    assert abs(cov.mean() - 0.60580225) < 1e-6
    assert abs(REF.negativeloglikelihood(X, pi, mu, cov) - 379.914630122269) < 1e-2
    pi, mu, cov = REF.M_step(np.eye(3)[y], X)
    assert abs(cov.mean() - 0.0897913) < 1e-7
    assert abs(REF.negativeloglikelihood(X, pi, mu, cov) - 182.92086) < 1e-4


def test_reference_log_gaussian_equals_scipy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    mu = rng.standard_normal((4, 3))
    A = rng.standard_normal((4, 3, 3))
    cov = A @ A.transpose(0, 2, 1) + 0.1 * np.eye(3)
    expected = np.column_stack([multivariate_normal.logpdf(X, mu[j], cov[j]) for j in range(4)])
    np.testing.assert_allclose(REF.log_gaussian(X, mu, cov), expected, rtol=1e-10, atol=1e-10)


def test_reference_works_in_log_space():
    """Points 1e3 standard deviations away: every density underflows, the reference does not."""
    X, _ = iris()
    pi, mu, cov = REF.M_step(np.eye(3)[iris()[1]], X)
    far = np.vstack([X, X[:3] + 1e3])
    r = REF.E_step(far, pi, mu, cov)
    assert np.isfinite(r).all() and np.allclose(r.sum(axis=1), 1)
    assert np.isfinite(REF.negativeloglikelihood(far, pi, mu, cov))


def _sklearn(X, pi, mu, cov, iters):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture
    gm = GaussianMixture(len(pi), covariance_type="full", tol=0, max_iter=iters, reg_covar=1e-6,
                         weights_init=pi, means_init=mu, precisions_init=np.linalg.inv(cov),
                         init_params="random_from_data", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gm.fit(X)


def _lecture_start():
    cov = np.stack([v * np.eye(2) for v in LECTURE_VARIANCES]) * 2
    return np.full(4, 0.25), LECTURE_MEANS + 0.2, cov


@pytest.mark.parametrize("data", ["iris", "lecture"])
def test_reference_fit_equals_sklearn_from_the_same_start(data):
    """Same start, full covariances, tol=0, the same ridge (1e-6) and number of iterations:
    the log-likelihood per point agrees to 1e-6, and so do the parameters."""
    if data == "iris":
        X, _ = iris()
        pi, mu, cov = REF.init_params(X, 3)
        iters = 100
    else:
        X, _ = sample_lecture_mixture(2000, np.random.default_rng(1))
        pi, mu, cov = _lecture_start()
        iters = 60
    pi_f, mu_f, cov_f, hist = REF.fit(X, pi, mu, cov, iters)
    gm = _sklearn(X, pi, mu, cov, iters)
    assert abs(-REF.negativeloglikelihood(X, pi_f, mu_f, cov_f) / len(X) - gm.score(X)) < 1e-6
    # scikit-learn's lower bound is the log-likelihood at the start of its last iteration
    assert abs(-hist[-1] / len(X) - gm.lower_bound_) < 1e-6
    np.testing.assert_allclose(pi_f, gm.weights_, atol=1e-6)
    np.testing.assert_allclose(mu_f, gm.means_, atol=1e-6)
    np.testing.assert_allclose(cov_f, gm.covariances_, atol=1e-6)
    assert np.all(np.diff(hist) <= 1e-9 * np.abs(hist[1:]))


def test_lecture_mixture_helper():
    X, z = sample_lecture_mixture(20000, np.random.default_rng(0))
    assert X.shape == (20000, 2)
    np.testing.assert_allclose(np.bincount(z) / len(z), LECTURE_WEIGHTS, atol=0.01)
    for j in range(4):
        np.testing.assert_allclose(X[z == j].mean(0), LECTURE_MEANS[j], atol=0.02)
        np.testing.assert_allclose(X[z == j].var(0), LECTURE_VARIANCES[j], rtol=0.1)


# ---------------------------------------------------------------------------------------------
# The source notebook agrees with the reference module and the checks
# ---------------------------------------------------------------------------------------------
NOTEBOOK = paths.kit_root() / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def _cells():
    return json.loads(NOTEBOOK.read_text())["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _functions(tree):
    return {n.name: ast.dump(n) for n in tree.body if isinstance(n, ast.FunctionDef)}




# ---------------------------------------------------------------------------------------------
# Nothing a student can install computes an answer (issue 16)
# ---------------------------------------------------------------------------------------------
def _unconverted_check_modules() -> set:
    """Other assignments' public check modules still written as one module (not yet a package
    under the rule that they hold no answer): their owners' tests cover them, not this one."""
    from gmmkit import assignments
    root = paths.kit_root() / "gmmkit" / "checks"
    return {f"gmmkit.checks.{a}" for a in assignments.ASSIGNMENTS
            if a != ASSIGNMENT and (root / f"{a}.py").exists()}


# The harness and the build (tools that start processes or write files, no numeric code).
TOOLS = ("gmmkit.cli", "gmmkit.__main__", "gmmkit.course", "gmmkit.grading")


def gmmkit_callables() -> list:
    """Every function or class defined under ``gmmkit`` that a student's code could import."""
    import importlib
    import pkgutil

    import gmmkit
    skip = _unconverted_check_modules()
    found = {}
    for info in pkgutil.walk_packages(gmmkit.__path__, "gmmkit."):
        if info.name.startswith(TOOLS) or any(info.name == s or info.name.startswith(s + ".")
                                              for s in skip):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if callable(obj) and getattr(obj, "__module__", "").startswith("gmmkit") \
                    and not any(obj.__module__.startswith(s) for s in skip):
                found.setdefault(f"{obj.__module__}.{getattr(obj, '__qualname__', name)}", obj)
    return [found[k] for k in sorted(found)]


def _looks_like(function: str, value, args) -> bool:
    """The shape of an answer of ``function`` for ``args`` (what a searching submission tests)."""
    try:
        if function == "E_step":
            X, pi = args[0], args[1]
            r = np.asarray(value, dtype=float)
            return r.shape == (len(X), len(pi)) and np.allclose(r.sum(axis=1), 1)
        if function == "negativeloglikelihood":
            return np.ndim(value) == 0 and np.isfinite(float(value))
        n_items = 4 if function == "fit" else 3
        return isinstance(value, (tuple, list)) and len(value) == n_items and all(
            isinstance(v, np.ndarray) for v in value)
    except Exception:
        return False


class _Slow(BaseException):
    pass


def searching(function: str, candidates: list):
    """A submission's ``function`` that writes no EM: it tries everything importable under
    gmmkit and returns the first result shaped like an answer."""
    import signal

    def fire(signum, frame):
        raise _Slow()

    def search(*args, **kwargs):
        for candidate in candidates:
            previous = signal.signal(signal.SIGALRM, fire)
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    value = candidate(*args, **kwargs)
            except (Exception, _Slow):
                continue
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            if _looks_like(function, value, args):
                return value
        raise NotImplementedError("nothing under gmmkit computes it")
    search.__name__ = function
    return search


def test_nothing_importable_under_gmmkit_earns_points(tmp_path, monkeypatch):
    """A submission whose every graded function delegates to whatever under gmmkit returns an
    answer-shaped value earns none of the points, public or hidden (the red team's 13/16)."""
    monkeypatch.chdir(tmp_path)        # whatever a candidate writes lands here
    candidates = gmmkit_callables()
    assert len(candidates) > 50 and any(c.__module__.startswith("gmmkit.checks.iris_em")
                                        for c in candidates)
    submission = {f: searching(f, candidates) for f in FUNCTIONS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = run_checks(CHECKS, InKernelStudent(submission), REF)
    earned = {c.id: r.score for c, r in zip(CHECKS, results) if r.score > 0}
    assert earned == {}


def test_the_public_package_imports_no_model_of_the_answer():
    """The outside references (scipy's densities and logsumexp, scikit-learn's GaussianMixture
    and KMeans) are used in autograder/iris_em/variants.py, never in the student package."""
    import re
    package = paths.kit_root() / "gmmkit" / "checks" / ASSIGNMENT
    for path in sorted(package.glob("*.py")):
        imports = re.findall(r"^\s*(?:from|import)\s+(\S+)", path.read_text(), re.M)
        assert not [m for m in imports if m.startswith(("scipy", "sklearn"))], path.name


def test_the_search_finds_an_answer_where_one_is_importable(tmp_path, monkeypatch):
    """The search above is sharp: given the trusted side's scipy E-step, M-step and NLL (what
    the public module held before), it earns the points of E_step, M_step and the NLL."""
    monkeypatch.chdir(tmp_path)
    variants = load_module(paths.kit_root() / "autograder" / ASSIGNMENT / "variants.py",
                           "_test_variants_iris_em")
    candidates = [variants.resp, variants.weighted_params, variants.nll]
    submission = {f: searching(f, candidates) for f in FUNCTIONS}
    checks = [c for c in CHECKS if c.function in ("E_step", "M_step", "negativeloglikelihood")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = run_checks(checks, InKernelStudent(submission), REF)
    earned = {c.function for c, r in zip(checks, results) if r.score > 0}
    assert earned == {"E_step", "M_step", "negativeloglikelihood"}


def _fit_recording_ll(X, pi, mu, cov, iters=50):
    pi, mu, cov, hist = REF.fit(X, pi, mu, cov, iters)
    return pi, mu, cov, -hist


@pytest.mark.parametrize("function, bug", [
    ("E_step", E_step_wrong_axis),
    ("M_step", lambda r, X: _mstep(r, X, cov_kind="uncentred")),
    ("negativeloglikelihood", lambda *a: -REF.negativeloglikelihood(*a)),
    ("fit", _fit_recording_ll)], ids=["E_step", "M_step", "nll", "fit"])
def test_public_failures_say_expected_got_where_and_what_to_try(function, bug):
    """Judged from stored values, the messages are as helpful as before: what was expected,
    what came, where, a hint naming the classic bug (its id recorded), and a figure."""
    checks = [c for c in public_checks(ASSIGNMENT) if c.function == function]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        results = run_checks(checks, InKernelStudent(reference(**{function: bug})), None)
    bad = [r for r in results if not r.passed]
    assert bad
    for r in bad:
        assert "Hint: " in r.output
        assert any(w in r.output for w in ("expected", " but ", "not 1", "allowed")), r.output
        prefix = "nll" if function == "negativeloglikelihood" else function
        assert r.bug.startswith(f"iris_em.{prefix}.")
    assert any(r.figure for r in bad) or function == "negativeloglikelihood"


def test_the_recorder_too_imports_only_the_declared_api():
    """tests/checks/test_declared_api.py holds the hidden checks and variants to __all__; iris_em's
    recorder (expected.py) rebuilds its inputs through __all__ as well."""
    import gmmkit.checks.iris_em as public
    tree = ast.parse((paths.kit_root() / "autograder" / ASSIGNMENT / "expected.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "gmmkit.checks.iris_em":
            assert {a.name for a in node.names} <= set(public.__all__)
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not node.module.startswith("gmmkit.checks.iris_em."), node.module


def test_in_a_notebook_a_correct_fit_over_a_buggy_m_step_keeps_its_points():
    from gmmkit.checks import check
    notebook = {"check": check, "E_step": REF.E_step, "M_step": M_step_data_mean,
                "negativeloglikelihood": REF.negativeloglikelihood}
    fit = fit_over(REF.E_step, M_step_data_mean, REF.negativeloglikelihood)
    fit.__name__ = "fit"
    notebook["fit"] = fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec('check("iris_em", fit)', notebook)      # raises CheckFailed if a check fails
