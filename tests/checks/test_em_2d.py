"""Tests of the em_2d checks, public and hidden, and of the reference against scikit-learn.

Every check must pass the reference and other correct implementations (Python loops like a
typical student's, differently vectorised code, float32 arithmetic, other sampling schemes), and
each classic bug must fail the check(s) meant to catch it, with a message a student can act on
and the bug's id. Known values come from the assignment text (Old Faithful's first standardised
row), from scikit-learn's GaussianMixture, or from properties; the public checks read theirs
from the values the build stores, and these tests prove the store agrees with the reference. A
submission that borrows any gmmkit callable earns nothing (the public package holds no answer);
the rng check sees numpy's global generator in the kernel and in the isolated grader. The last
tests keep the source notebook in step with the reference module and the checks.
"""
import ast
import json
import math

import numpy as np
import pytest
from scipy.linalg import sqrtm
from scipy.special import logsumexp
from scipy.stats import multivariate_normal, zscore
from sklearn.datasets import make_moons
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

from gmmkit import paths
from gmmkit.checks import InKernelStudent, load_module, public_checks, run_checks
from gmmkit.checks.em_2d import CATALOGUE
from gmmkit.datasets import load_faithful

ASSIGNMENT = "em_2d"
REF = load_module(paths.solutions_file(ASSIGNMENT), "ref_em_2d")
HIDDEN = load_module(paths.hidden_checks_file(ASSIGNMENT), "hidden_em_2d").CHECKS
CHECKS = public_checks(ASSIGNMENT) + HIDDEN
GRADED = ("standardize", "em_step", "sample_gmm", "bic")
# A check is named in these tests by its stable id, e.g. "em_2d.bic.values".
BY_ID = {c.id: c for c in CHECKS}
CHECKS_OF = {f: {k for k, c in BY_ID.items() if c.function == f} for f in GRADED}


class ForkLikeStudent(InKernelStudent):
    """Like the grader's worker: every call starts from the same global numpy random state."""

    def run(self, steps, timeout=None):
        saved = np.random.get_state()
        np.random.seed(12345)
        try:
            return super().run(steps, timeout)
        finally:
            np.random.set_state(saved)


def grade(function, impl, student_cls=InKernelStudent):
    """Run the checks of one graded function on ``impl``; results by check id."""
    checks = [BY_ID[k] for k in sorted(CHECKS_OF[function])]
    results = run_checks(checks, student_cls({function: impl}), REF)
    return {c.id: r for c, r in zip(checks, results)}


def failed(results):
    return {k for k, r in results.items() if not r.passed}


def outputs(results):
    return {k: r.output for k, r in results.items() if not r.passed}


def faithful_std():
    X = load_faithful()
    return (X - X.mean(0)) / X.std(0, ddof=1)


def sk_mixture(pi, mu, cov):
    gm = GaussianMixture(len(pi), covariance_type="full")
    gm.weights_, gm.means_, gm.covariances_ = pi, mu, cov
    gm.precisions_cholesky_ = _compute_precision_cholesky(cov, "full")
    return gm


# ---------------------------------------------------------------------------------------------
# The reference against scikit-learn and the assignment's known values
# ---------------------------------------------------------------------------------------------
def test_reference_standardize_gives_the_known_first_row():
    Z = REF.standardize(load_faithful())
    np.testing.assert_allclose(Z[0], [0.098318, 0.596025], atol=1e-6)
    np.testing.assert_allclose(Z.std(0, ddof=1), 1, rtol=1e-12)


def test_reference_log_gaussian_equals_scipy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    mu = rng.normal(size=(4, 3))
    A = rng.normal(size=(4, 3, 3))
    cov = A @ A.transpose(0, 2, 1) + 0.1 * np.eye(3)
    expected = np.stack([multivariate_normal(mu[k], cov[k]).logpdf(X) for k in range(4)], 1)
    np.testing.assert_allclose(REF.log_gaussian(X, mu, cov), expected, rtol=1e-10)


def test_reference_em_step_is_one_iteration_of_sklearn():
    """GaussianMixture.fit with max_iter=1 from given parameters runs one E-step and one M-step."""
    X = faithful_std()
    pi, mu = np.array([0.35, 0.65]), np.array([[-1.2, -1.1], [0.7, 0.6]])
    cov = np.array([[[0.10, 0.02], [0.02, 0.30]], [[0.20, 0.10], [0.10, 0.30]]])
    gm = GaussianMixture(2, covariance_type="full", max_iter=1, reg_covar=0.0, tol=0.0,
                         weights_init=pi, means_init=mu, precisions_init=np.linalg.inv(cov))
    with pytest.warns(Warning):  # "did not converge" after one iteration
        gm.fit(X)
    new_pi, new_mu, new_cov, r = REF.em_step(X, pi, mu, cov)
    np.testing.assert_allclose(new_pi, gm.weights_, rtol=1e-10)
    np.testing.assert_allclose(new_mu, gm.means_, rtol=1e-10)
    np.testing.assert_allclose(new_cov, gm.covariances_, rtol=1e-9)
    np.testing.assert_allclose(r, sk_mixture(pi, mu, cov).predict_proba(X), rtol=1e-10, atol=1e-14)


def test_reference_em_converges_like_sklearn_on_old_faithful():
    X = faithful_std()
    pi, mu = np.array([.5, .5]), np.array([[-1.5, 1.0], [1.5, -1.5]])
    cov = np.stack([np.eye(2)] * 2)
    for _ in range(100):
        pi, mu, cov, _r = REF.em_step(X, pi, mu, cov)
    gm = GaussianMixture(2, covariance_type="full", reg_covar=0.0, tol=1e-12, max_iter=1000,
                         means_init=[[-1.5, 1.0], [1.5, -1.5]]).fit(X)
    np.testing.assert_allclose(mu, gm.means_, atol=1e-5)
    np.testing.assert_allclose(cov, gm.covariances_, atol=1e-5)
    np.testing.assert_allclose(pi, gm.weights_, atol=1e-5)


@pytest.mark.parametrize("k", [1, 2, 16])
def test_reference_bic_equals_sklearn(k):
    X, _ = make_moons(200, noise=.05, random_state=0)
    gm = GaussianMixture(k, covariance_type="full", random_state=0).fit(X)
    assert math.isclose(REF.bic(X, gm.weights_, gm.means_, gm.covariances_), gm.bic(X),
                        rel_tol=1e-9)


def test_reference_sample_gmm_has_the_mixture_moments():
    pi = np.array([0.2, 0.8])
    mu = np.array([[0.0, 1.0], [3.0, -1.0]])
    cov = np.array([[[1.0, 0.6], [0.6, 0.5]], [[0.2, -0.1], [-0.1, 0.3]]])
    X, labels = REF.sample_gmm(200_000, pi, mu, cov, np.random.default_rng(0))
    assert X.shape == (200_000, 2) and labels.shape == (200_000,)
    assert np.issubdtype(labels.dtype, np.integer)
    np.testing.assert_allclose(np.bincount(labels) / len(labels), pi, atol=0.005)
    for k in range(2):
        np.testing.assert_allclose(X[labels == k].mean(0), mu[k], atol=0.02)
        np.testing.assert_allclose(np.cov(X[labels == k].T), cov[k], atol=0.02)


# ---------------------------------------------------------------------------------------------
# Correct implementations
# ---------------------------------------------------------------------------------------------
def standardize_loop(X):
    n, d = len(X), len(X[0])
    Z = np.zeros((n, d))
    for j in range(d):
        col = [float(X[i][j]) for i in range(n)]
        m = sum(col) / n
        s = math.sqrt(sum((v - m) ** 2 for v in col) / (n - 1))
        for i in range(n):
            Z[i, j] = (col[i] - m) / s
    return Z


def standardize_zscore(X):
    return zscore(X, axis=0, ddof=1)


def standardize_float32(X):
    X = np.asarray(X, dtype=np.float32)
    mean = X.mean(axis=0, keepdims=True)
    var = ((X - mean) ** 2).sum(axis=0, keepdims=True) / np.float32(len(X) - 1)
    return ((X - mean) / np.sqrt(var)).astype(np.float32)


def em_step_loop(X, pi, mu, cov):
    """Like a student following the lecture: loops over points and components, log space."""
    n, d = X.shape
    k = len(pi)
    log_joint = np.zeros((n, k))
    for i in range(n):
        for j in range(k):
            log_joint[i, j] = math.log(pi[j]) + multivariate_normal.logpdf(X[i], mu[j], cov[j])
    r = np.zeros((n, k))
    for i in range(n):
        top = max(log_joint[i])
        total = sum(math.exp(v - top) for v in log_joint[i])
        for j in range(k):
            r[i, j] = math.exp(log_joint[i, j] - top) / total
    new_pi, new_mu, new_cov = np.zeros(k), np.zeros((k, d)), np.zeros((k, d, d))
    for j in range(k):
        nk = sum(r[i, j] for i in range(n))
        new_pi[j] = nk / n
        for i in range(n):
            new_mu[j] += r[i, j] * X[i]
        new_mu[j] /= nk
        for i in range(n):
            diff = (X[i] - new_mu[j]).reshape(d, 1)
            new_cov[j] += r[i, j] * (diff @ diff.T)
        new_cov[j] /= nk
    return new_pi, new_mu, new_cov, r


def em_step_inverse(X, pi, mu, cov):
    """Vectorised with an explicit inverse and slogdet, einsum, float32 results."""
    d = X.shape[1]
    diff = X[:, None, :] - mu[None, :, :]                                      # (N, K, d)
    maha = np.einsum("nki,kij,nkj->nk", diff, np.linalg.inv(cov), diff)
    log_joint = np.log(pi) - 0.5 * (d * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + maha)
    log_joint -= log_joint.max(axis=1, keepdims=True)
    r = np.exp(log_joint)
    r /= r.sum(axis=1, keepdims=True)
    nk = r.sum(0)
    new_mu = np.einsum("nk,nd->kd", r, X) / nk[:, None]
    c = X[:, None, :] - new_mu[None]
    new_cov = np.einsum("nk,nki,nkj->kij", r, c, c) / nk[:, None, None]
    return tuple(a.astype(np.float32) for a in (nk / len(X), new_mu, new_cov, r))


def em_step_per_component(X, pi, mu, cov):
    """A loop over the K components, scipy for the densities, E[x x^T] - mu mu^T for Sigma."""
    logp = np.column_stack([np.log(pi[j]) + multivariate_normal(mu[j], cov[j]).logpdf(X)
                            for j in range(len(pi))])
    r = np.exp(logp - logsumexp(logp, axis=1, keepdims=True))
    new_pi, new_mu, new_cov = [], [], []
    for j in range(len(pi)):
        w = r[:, j]
        m = w @ X / w.sum()
        second = (X * w[:, None]).T @ X / w.sum()
        new_pi.append(w.mean())
        new_mu.append(m)
        new_cov.append(second - np.outer(m, m))
    return np.array(new_pi), np.array(new_mu), np.array(new_cov), r


def em_step_float32(X, pi, mu, cov):
    """Everything in float32, the inverse through Cholesky solves."""
    X, pi, mu, cov = (np.asarray(a, dtype=np.float32) for a in (X, pi, mu, cov))
    L = np.linalg.cholesky(cov)
    diff = (X[None] - mu[:, None]).transpose(0, 2, 1)                         # (K, d, N)
    maha = (np.linalg.solve(L, diff) ** 2).sum(1).T                           # (N, K)
    logdet = 2 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(1)
    log_joint = np.log(pi) - 0.5 * (logdet + maha)        # the constant cancels in r
    r = np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True)).astype(np.float32)
    nk = r.sum(0)
    new_mu = r.T @ X / nk[:, None]
    c = X[None] - new_mu[:, None]
    new_cov = (r.T[:, :, None] * c).transpose(0, 2, 1) @ c / nk[:, None, None]
    return nk / np.float32(len(X)), new_mu, new_cov, r


def sample_gmm_loop(n, pi, mu, cov, rng):
    """One point at a time, like a typical student (the Cholesky factors computed once)."""
    d = len(mu[0])
    factors = [np.linalg.cholesky(c) for c in cov]
    X = np.zeros((n, d))
    labels = np.zeros(n, dtype=int)
    for i in range(n):
        k = rng.choice(len(pi), p=pi)
        labels[i] = k
        X[i] = mu[k] + factors[k] @ rng.standard_normal(d)
    return X, labels


def sample_gmm_multivariate_normal(n, pi, mu, cov, rng):
    """Labels first, then each component's points with rng.multivariate_normal."""
    labels = rng.choice(len(pi), size=n, p=pi)
    X = np.zeros((n, len(mu[0])))
    for k in range(len(pi)):
        X[labels == k] = rng.multivariate_normal(mu[k], cov[k], size=int((labels == k).sum()))
    return X, labels


def sample_gmm_grouped(n, pi, mu, cov, rng):
    """Counts per component, each component's points together with its symmetric square root,
    then one shuffle of points and labels together; float32 points, int32 labels."""
    counts = rng.multinomial(n, pi)
    parts, labels = [], []
    for k, c in enumerate(counts):
        root = np.real(sqrtm(cov[k]))
        parts.append(mu[k] + rng.standard_normal((c, len(mu[k]))) @ root)
        labels.append(np.full(c, k, dtype=np.int32))
    X, labels = np.concatenate(parts), np.concatenate(labels)
    perm = rng.permutation(n)
    return X[perm].astype(np.float32), labels[perm]


def sample_gmm_inverse_cdf(n, pi, mu, cov, rng):
    """Uniforms and searchsorted for the labels, eigendecomposition for the noise."""
    labels = np.minimum(np.searchsorted(np.cumsum(pi), rng.random(n), side="right"), len(pi) - 1)
    w, V = np.linalg.eigh(cov)
    A = V * np.sqrt(w)[:, None, :]                                   # A A^T = Sigma
    eps = rng.standard_normal((n, len(mu[0]), 1))
    return mu[labels] + (A[labels] @ eps)[:, :, 0], labels


def bic_loop(X, pi, mu, cov):
    n, d = X.shape
    k = len(pi)
    total = 0.0
    for i in range(n):
        logs = [math.log(pi[j]) + multivariate_normal.logpdf(X[i], mu[j], cov[j]) for j in range(k)]
        top = max(logs)
        total += top + math.log(sum(math.exp(v - top) for v in logs))
    params = k - 1 + k * d + k * d * (d + 1) // 2
    return -2 * total + params * math.log(n)


def bic_float32(X, pi, mu, cov):
    """float32 log-densities (explicit inverse and slogdet), logsumexp, parameters counted from
    the triangle."""
    X, pi, mu, cov = (np.asarray(a, dtype=np.float32) for a in (X, pi, mu, cov))
    diff = X[:, None, :] - mu[None]
    maha = np.einsum("nki,kij,nkj->nk", diff, np.linalg.inv(cov), diff)
    logp = -0.5 * (X.shape[1] * np.log(np.float32(2 * np.pi)) + np.linalg.slogdet(cov)[1] + maha)
    ll = logsumexp(logp + np.log(pi), axis=1).sum()
    d = X.shape[1]
    per_component = d + len(np.triu_indices(d)[0])
    return np.float32(-2 * ll + (len(pi) - 1 + len(pi) * per_component) * np.log(len(X)))


def bic_sklearn(X, pi, mu, cov):
    return sk_mixture(pi, mu, cov).bic(X)


CORRECT = {
    "standardize": [REF.standardize, standardize_loop, standardize_zscore, standardize_float32],
    "em_step": [REF.em_step, em_step_loop, em_step_inverse, em_step_per_component,
                em_step_float32],
    "sample_gmm": [REF.sample_gmm, sample_gmm_loop, sample_gmm_multivariate_normal,
                   sample_gmm_grouped, sample_gmm_inverse_cdf],
    "bic": [REF.bic, bic_loop, bic_float32, bic_sklearn],
}


@pytest.mark.parametrize("function, impl", [(f, i) for f in GRADED for i in CORRECT[f]],
                         ids=lambda v: getattr(v, "__name__", v))
def test_correct_implementations_pass_every_check(function, impl):
    results = grade(function, impl)
    assert failed(results) == set(), outputs(results)


@pytest.mark.parametrize("impl", CORRECT["sample_gmm"][:1] + CORRECT["sample_gmm"][2:],
                         ids=lambda f: f.__name__)
def test_correct_samplers_pass_in_a_fork_like_worker(impl):
    results = grade("sample_gmm", impl, ForkLikeStudent)
    assert failed(results) == set(), outputs(results)


def test_points_and_visibility():
    public = public_checks(ASSIGNMENT)
    assert all(not c.hidden for c in public) and all(c.hidden for c in HIDDEN)
    assert {c.function for c in public} == {c.function for c in HIDDEN} == set(GRADED)
    points = {f: sum(c.points for c in CHECKS if c.function == f) for f in GRADED}
    assert points == {"standardize": 3, "em_step": 6, "sample_gmm": 5, "bic": 3}
    assert all(c.timeout >= 30 for c in CHECKS if c.function != "standardize")
    assert all(c.timeout >= 60 for c in CHECKS if c.function == "sample_gmm")


def test_public_checks_never_use_the_reference():
    """Public judges get ref=None (in the notebook) and must still pass the reference."""
    results = run_checks(public_checks(ASSIGNMENT),
                         InKernelStudent({f: getattr(REF, f) for f in GRADED}), None)
    assert all(r.passed for r in results), [r.output for r in results if not r.passed]


# ---------------------------------------------------------------------------------------------
# standardize bugs
# ---------------------------------------------------------------------------------------------
def standardize_population_std(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def standardize_rows(X):
    return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, ddof=1, keepdims=True)


def standardize_not_centred(X):
    return X / X.std(axis=0, ddof=1)


def test_population_standard_deviation_fails_every_standardize_check():
    results = grade("standardize", standardize_population_std)
    assert failed(results) == CHECKS_OF["standardize"]
    out = results["em_2d.standardize.known_row"].output
    assert "expected 0.098318, got 0.0984988" in out
    for judge in CHECKS_OF["standardize"]:
        assert "population standard deviation" in results[judge].output
        assert "ddof=1" in results[judge].output
    assert "sample standard deviation (ddof=1) 1.118" in results["em_2d.standardize.random"].output


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("impl, hint", [(standardize_rows, "axis=0"),
                                        (standardize_not_centred, "subtract their mean")],
                         ids=["rows", "not_centred"])
def test_other_standardize_bugs_are_named(impl, hint):
    with np.errstate(all="ignore"):
        results = grade("standardize", impl)
    assert failed(results) == CHECKS_OF["standardize"]
    assert all(hint in r.output for r in results.values())


# ---------------------------------------------------------------------------------------------
# em_step bugs
# ---------------------------------------------------------------------------------------------
def _estep(X, pi, mu, cov):
    log_joint = np.log(pi) + REF.log_gaussian(X, mu, cov)
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def _mstep(X, r, centre=None):
    nk = r.sum(0)
    mu = r.T @ X / nk[:, None]
    c = mu if centre is None else centre
    diff = X[None] - c[:, None]
    cov = np.einsum("nk,kni,knj->kij", r, diff, diff) / nk[:, None, None]
    return nk / len(X), mu, cov


def em_step_cov_not_centred(X, pi, mu, cov):
    r = _estep(X, pi, mu, cov)
    return (*_mstep(X, r, centre=np.zeros_like(mu)), r)


def em_step_cov_about_old_mean(X, pi, mu, cov):
    r = _estep(X, pi, mu, cov)
    return (*_mstep(X, r, centre=mu), r)


def em_step_cov_over_n(X, pi, mu, cov):
    r = _estep(X, pi, mu, cov)
    new_pi, new_mu, new_cov = _mstep(X, r)
    return new_pi, new_mu, new_cov * new_pi[:, None, None], r


def em_step_no_weights_in_estep(X, pi, mu, cov):
    r = _estep(X, np.full(len(pi), 1 / len(pi)), mu, cov)
    return (*_mstep(X, r), r)


def em_step_unnormalised_r(X, pi, mu, cov):
    r = np.exp(np.log(pi) + REF.log_gaussian(X, mu, cov))
    return (*_mstep(X, r), r)


def em_step_naive_estep(X, pi, mu, cov):
    """Mathematically right, but exp underflows for points far from every component."""
    with np.errstate(all="ignore"):
        joint = pi * np.exp(REF.log_gaussian(X, mu, cov))
        r = joint / joint.sum(axis=1, keepdims=True)
        return (*_mstep(X, r), r)


def em_step_r_transposed(X, pi, mu, cov):
    new_pi, new_mu, new_cov, r = REF.em_step(X, pi, mu, cov)
    return new_pi, new_mu, new_cov, r.T


def em_step_returns_three(X, pi, mu, cov):
    return REF.em_step(X, pi, mu, cov)[:3]


def test_uncentred_covariance_fails_the_mstep_checks():
    results = grade("em_step", em_step_cov_not_centred)
    assert failed(results) == {"em_2d.em_step.mstep", "em_2d.em_step.reference", "em_2d.em_step.far_points"}
    for judge in failed(results):
        out = results[judge].output
        assert "the new cov" in out and "not centred" in out and "x_n - mu_k" in out
    assert "compared with the M-step from your responsibilities r" in \
        results["em_2d.em_step.mstep"].output


def test_covariance_about_the_old_mean_is_named():
    results = grade("em_step", em_step_cov_about_old_mean)
    assert failed(results) == {"em_2d.em_step.mstep", "em_2d.em_step.reference", "em_2d.em_step.far_points"}
    assert "about the old mean" in results["em_2d.em_step.mstep"].output


def test_covariance_divided_by_n_is_named():
    results = grade("em_step", em_step_cov_over_n)
    assert failed(results) == {"em_2d.em_step.mstep", "em_2d.em_step.reference", "em_2d.em_step.far_points"}
    assert "divide by N_k = sum_n r_nk, not by N" in results["em_2d.em_step.mstep"].output


def test_estep_without_the_weights_fails_the_estep_checks_only():
    """At the fig. 11.11 start the weights are equal: the half-way state catches the bug."""
    results = grade("em_step", em_step_no_weights_in_estep)
    assert failed(results) == {"em_2d.em_step.estep", "em_2d.em_step.reference", "em_2d.em_step.far_points"}
    out = results["em_2d.em_step.estep"].output
    assert "a state half-way through the fit" in out and "weights pi_k are missing" in out


def test_unnormalised_responsibilities():
    results = grade("em_step", em_step_unnormalised_r)
    assert {"em_2d.em_step.outputs", "em_2d.em_step.estep"} <= failed(results)
    assert "sums to" in results["em_2d.em_step.outputs"].output
    assert "axis=1" in results["em_2d.em_step.outputs"].output
    assert "not normalised" in results["em_2d.em_step.estep"].output


def test_naive_estep_fails_only_the_far_points_check():
    results = grade("em_step", em_step_naive_estep)
    assert failed(results) == {"em_2d.em_step.far_points"}
    out = results["em_2d.em_step.far_points"].output
    assert "not finite" in out and "logsumexp" in out and "underflows" in out


def _tempered_estep(X, pi, mu, cov):
    """A wrong posterior no classic bug gives (a power 0.8 of the joint), still a valid pmf."""
    log_joint = 0.8 * (np.log(pi) + REF.log_gaussian(X, mu, cov))
    return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))


def em_step_tempered(X, pi, mu, cov):
    r = _tempered_estep(X, pi, mu, cov)
    return (*_mstep(X, r), r)


def em_step_tempered_cov_not_centred(X, pi, mu, cov):
    r = _tempered_estep(X, pi, mu, cov)
    return (*_mstep(X, r, centre=np.zeros_like(mu)), r)


def em_step_no_half_cov_about_old_mean(X, pi, mu, cov):
    log_joint = np.log(pi) - 0.5 * np.linalg.slogdet(cov)[1] - \
        np.einsum("kni,kij,knj->nk", X[None] - mu[:, None], np.linalg.inv(cov), X[None] - mu[:, None])
    r = np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))
    return (*_mstep(X, r, centre=mu), r)


def test_an_unknown_estep_bug_costs_the_mstep_nothing():
    """The store cannot know this r, so the fig. and half-way states leave the M-step alone and
    the state of two identical components (r = 1/2 for every valid E-step) judges it."""
    results = grade("em_step", em_step_tempered)
    assert failed(results) == {"em_2d.em_step.estep", "em_2d.em_step.reference",
                               "em_2d.em_step.far_points"}


def em_step_tempered_cov_over_n(X, pi, mu, cov):
    r = _tempered_estep(X, pi, mu, cov)
    return (*_mstep(X, r)[:2], _mstep(X, r)[2] * (r.sum(0) / len(X))[:, None, None], r)


def test_an_unknown_estep_bug_leaves_dividing_by_n_caught_on_twin_components():
    """N_k = N / 2 there, so dividing the scatter by N instead of N_k is still seen."""
    results = grade("em_step", em_step_tempered_cov_over_n)
    assert "em_2d.em_step.mstep" in failed(results)
    out = results["em_2d.em_step.mstep"].output
    assert "two identical components" in out and "not by N" in out
    assert results["em_2d.em_step.mstep"].bug == "em_2d.em_step.cov_over_n"


def test_an_unknown_estep_bug_leaves_mstep_bugs_caught_on_twin_components():
    results = grade("em_step", em_step_tempered_cov_not_centred)
    assert "em_2d.em_step.mstep" in failed(results)
    out = results["em_2d.em_step.mstep"].output
    assert "two identical components" in out and "not centred" in out
    assert results["em_2d.em_step.mstep"].bug == "em_2d.em_step.cov_not_centred"


def test_the_mstep_is_judged_on_a_known_estep_bugs_responsibilities():
    """With the factor 1/2 missing in the E-step, the expected M-step is the correct M-step of
    that wrong (stored) posterior: a wrong M-step on top of it still fails."""
    results = grade("em_step", em_step_no_half_cov_about_old_mean)
    assert {"em_2d.em_step.estep", "em_2d.em_step.mstep"} <= failed(results)
    assert "factor 1/2" in results["em_2d.em_step.estep"].output
    out = results["em_2d.em_step.mstep"].output
    assert "those of an E-step with this bug: quadratic form without the factor 1/2" in out


@pytest.mark.parametrize("impl, message", [
    (em_step_r_transposed, "r of em_step(X, pi, mu, cov) on the fig. 11.11 start (X of shape "
                           "(272, 2), pi=[0.5, 0.5], mu=[[-1.5,  1. ], [ 1.5, -1.5]]) has shape "
                           "(2, 272), expected (272, 2)"),
    (em_step_returns_three, "must return a tuple (pi, mu, cov, r); it returned a tuple of "
                            "length 3"),
], ids=["r_transposed", "three_outputs"])
def test_em_step_layout_bugs_fail_every_em_step_check(impl, message):
    results = grade("em_step", impl)
    assert failed(results) == CHECKS_OF["em_step"]
    assert message in results["em_2d.em_step.outputs"].output


# ---------------------------------------------------------------------------------------------
# sample_gmm bugs
# ---------------------------------------------------------------------------------------------
def sample_gmm_with_cov(n, pi, mu, cov, rng):
    labels = rng.choice(len(pi), size=n, p=pi)
    eps = rng.standard_normal((n, mu.shape[1]))
    return mu[labels] + np.einsum("nij,nj->ni", cov[labels], eps), labels


def sample_gmm_cholesky_transposed(n, pi, mu, cov, rng):
    labels = rng.choice(len(pi), size=n, p=pi)
    eps = rng.standard_normal((n, mu.shape[1]))
    return mu[labels] + np.einsum("nj,nji->ni", eps, np.linalg.cholesky(cov)[labels]), labels


def sample_gmm_shuffled_points(n, pi, mu, cov, rng):
    X, labels = REF.sample_gmm(n, pi, mu, cov, rng)
    return X[rng.permutation(n)], labels


def sample_gmm_labels_drawn_twice(n, pi, mu, cov, rng):
    X, _ = REF.sample_gmm(n, pi, mu, cov, rng)
    return X, rng.choice(len(pi), size=n, p=pi)


def sample_gmm_uniform_labels(n, pi, mu, cov, rng):
    labels = rng.integers(len(pi), size=n)
    L = np.linalg.cholesky(cov)
    eps = rng.standard_normal((n, mu.shape[1]))
    return mu[labels] + np.einsum("nij,nj->ni", L[labels], eps), labels


def sample_gmm_global_rng(n, pi, mu, cov, rng):
    return REF.sample_gmm(n, pi, mu, cov, np.random.default_rng(np.random.randint(2 ** 31)))


def sample_gmm_labels_column(n, pi, mu, cov, rng):
    X, labels = REF.sample_gmm(n, pi, mu, cov, rng)
    return X, labels[:, None]


DISTRIBUTION = {"em_2d.sample_gmm.distribution", "em_2d.sample_gmm.other_mixtures"}


def test_sampling_with_the_covariance_instead_of_its_cholesky_factor():
    results = grade("sample_gmm", sample_gmm_with_cov)
    assert failed(results) == DISTRIBUTION
    for judge in DISTRIBUTION:
        out = results[judge].output
        assert "sample covariance" in out and "standard errors away" in out
        assert "multiplied by the covariance" in out and "np.linalg.cholesky" in out


def test_transposed_cholesky_factor_is_named():
    results = grade("sample_gmm", sample_gmm_cholesky_transposed)
    assert failed(results) == DISTRIBUTION
    assert "applied transposed" in results["em_2d.sample_gmm.distribution"].output


@pytest.mark.parametrize("impl", [sample_gmm_shuffled_points, sample_gmm_labels_drawn_twice],
                         ids=lambda f: f.__name__)
def test_labels_that_do_not_match_the_points(impl):
    results = grade("sample_gmm", impl)
    assert failed(results) == DISTRIBUTION
    for judge in DISTRIBUTION:
        out = results[judge].output
        assert "with label" in out and "do your labels match your points?" in out


def test_labels_ignoring_the_weights():
    results = grade("sample_gmm", sample_gmm_uniform_labels)
    assert failed(results) == DISTRIBUTION
    out = results["em_2d.sample_gmm.distribution"].output
    assert "of the labels of" in out and "but pi[0] = 0.5" in out and "labels look uniform" in out


def sample_gmm_global_noise(n, pi, mu, cov, rng):
    """Labels from rng, the noise from numpy's global generator."""
    labels = rng.choice(len(pi), size=n, p=pi)
    eps = np.random.standard_normal((n, mu.shape[1]))
    return mu[labels] + np.einsum("nij,nj->ni", np.linalg.cholesky(cov)[labels], eps), labels


def sample_gmm_seeds_global(n, pi, mu, cov, rng):
    """Right in every sample, but resets the caller's global generator "for reproducibility"."""
    np.random.seed(0)
    return REF.sample_gmm(n, pi, mu, cov, rng)


def sample_gmm_draws_global(n, pi, mu, cov, rng):
    """Right in every sample, but draws (and throws away) from the global generator."""
    np.random.random()
    return REF.sample_gmm(n, pi, mu, cov, rng)


def sample_gmm_peeks_at_global(n, pi, mu, cov, rng):
    """Reads the global generator's state without moving it, and lets it choose the seed."""
    X, labels = REF.sample_gmm(n, pi, mu, cov, rng)
    return X + 1e-3 * float(np.random.get_state()[1][0] % 7), labels


def sample_gmm_only_global_seeded(n, pi, mu, cov, rng):
    """Deterministic: the global generator, seeded inside, never rng."""
    np.random.seed(1)
    return REF.sample_gmm(n, pi, mu, cov, np.random.default_rng(np.random.randint(2 ** 31)))


def sample_gmm_constant(n, pi, mu, cov, rng):
    """The right shapes and types, and no randomness at all."""
    return np.repeat(np.asarray(mu)[:1], n, axis=0), np.zeros(n, dtype=int)


class WorkerLikeStudent(ForkLikeStudent):
    """Like the grader's worker, whose namespace is the submission's: it holds the notebook's
    ``np``, through which the rng check reads the worker's global generator."""

    def __init__(self, namespace):
        super().__init__({**namespace, "np": np})


class NumpyWorkerLikeStudent(ForkLikeStudent):
    """A worker whose submission wrote ``import numpy`` (no ``np``)."""

    def __init__(self, namespace):
        super().__init__({**namespace, "numpy": np})


MODES = [InKernelStudent, ForkLikeStudent, WorkerLikeStudent]
RNG = "em_2d.sample_gmm.rng"


@pytest.mark.parametrize("impl", CORRECT["sample_gmm"][:1] + CORRECT["sample_gmm"][2:],
                         ids=lambda f: f.__name__)
def test_correct_samplers_pass_the_rng_check_where_the_global_state_is_read(impl):
    results = grade("sample_gmm", impl, WorkerLikeStudent)
    assert failed(results) == set(), outputs(results)


@pytest.mark.parametrize("student_cls", MODES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("impl", [sample_gmm_global_rng, sample_gmm_global_noise],
                         ids=lambda f: f.__name__)
def test_drawing_from_the_global_generator_fails_the_rng_check_in_every_mode(impl, student_cls):
    """Two calls in one program: the global generator moves on between them, in the kernel and
    in the worker alike, so every mode gives the same verdict and the same message."""
    results = grade("sample_gmm", impl, student_cls)
    assert RNG in failed(results)
    assert failed(results) <= {RNG} | DISTRIBUTION
    out = results[RNG].output
    assert "two calls in a row with the same seed" in out and "np.random.*" in out
    assert results[RNG].bug == "em_2d.sample_gmm.global_consulted"


@pytest.mark.parametrize("student_cls", [InKernelStudent, WorkerLikeStudent,
                                         NumpyWorkerLikeStudent], ids=lambda c: c.__name__)
@pytest.mark.parametrize("impl", [sample_gmm_seeds_global, sample_gmm_draws_global],
                         ids=lambda f: f.__name__)
def test_changing_the_global_generator_fails_the_rng_check(impl, student_cls):
    results = grade("sample_gmm", impl, student_cls)
    assert failed(results) == {RNG}
    out = results[RNG].output
    assert "changed the state of numpy's global generator" in out
    assert "does not depend on it" in out and "np.random.seed" in out
    assert results[RNG].bug == "em_2d.sample_gmm.global_changed"


@pytest.mark.parametrize("student_cls", [InKernelStudent, WorkerLikeStudent],
                         ids=lambda c: c.__name__)
def test_consulting_the_global_generator_without_moving_it_is_caught(student_cls):
    results = grade("sample_gmm", sample_gmm_peeks_at_global, student_cls)
    assert failed(results) == {RNG}
    out = results[RNG].output
    assert "seeded with 1 and with 2 before the call" in out and "consults" in out
    assert results[RNG].bug == "em_2d.sample_gmm.global_consulted"


@pytest.mark.parametrize("student_cls", MODES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("impl", [sample_gmm_constant, sample_gmm_only_global_seeded],
                         ids=lambda f: f.__name__)
def test_a_sample_that_ignores_rng_does_not_earn_the_rng_check(impl, student_cls):
    results = grade("sample_gmm", impl, student_cls)
    assert RNG in failed(results)
    out = results[RNG].output
    assert "the seeds 7 and 8 gave the same 500 points" in out and "is not random" in out
    assert results[RNG].bug == "em_2d.sample_gmm.rng_ignored"


def test_the_rng_check_leaves_the_kernels_global_generator_as_it_was():
    """It seeds the global generator around the student's call: a notebook's state is put back."""
    np.random.seed(2024)
    before = np.random.get_state()
    (result,) = run_checks([BY_ID[RNG]], InKernelStudent({"sample_gmm": REF.sample_gmm}), None)
    after = np.random.get_state()
    assert result.passed
    assert np.array_equal(before[1], after[1]) and before[2:] == after[2:]


def test_labels_as_a_column_fail_only_the_shape_checks():
    results = grade("sample_gmm", sample_gmm_labels_column)
    assert failed(results) == {"em_2d.sample_gmm.shapes", "em_2d.sample_gmm.other_mixtures"}
    out = results["em_2d.sample_gmm.shapes"].output
    assert "has shape (1000, 1), expected (1000,)" in out and "flat integer array" in out


# ---------------------------------------------------------------------------------------------
# bic bugs
# ---------------------------------------------------------------------------------------------
def _loglik(X, pi, mu, cov):
    return logsumexp(np.log(pi) + REF.log_gaussian(X, mu, cov), axis=1).sum()


def _params(k, d):
    return k - 1 + k * d + k * d * (d + 1) / 2


def student_bic(formula):
    """A bic whose formula(ll, n, k, d, P) makes one classic mistake (ll the total log-lik)."""
    def bic(X, pi, mu, cov):
        n, d = X.shape
        k = len(pi)
        return float(formula(_loglik(X, pi, mu, cov), n, k, d, _params(k, d)))
    return bic


# (the mistake, the bug whose hint must be shown, the student's formula)
BIC_BUGS = [
    ("weights_missing", "em_2d.bic.weights_missing",
     lambda ll, n, k, d, P: -2 * ll + (k * d + k * d * (d + 1) / 2) * np.log(n)),
    ("k_weights", "em_2d.bic.k_weights",
     lambda ll, n, k, d, P: -2 * ll + (k + k * d + k * d * (d + 1) / 2) * np.log(n)),
    ("cov_d_squared", "em_2d.bic.cov_d_squared",
     lambda ll, n, k, d, P: -2 * ll + (k - 1 + k * d + k * d * d) * np.log(n)),
    ("cov_as_d", "em_2d.bic.cov_diagonal",
     lambda ll, n, k, d, P: -2 * ll + (k - 1 + k * d + k * d) * np.log(n)),
    ("means_missing", "em_2d.bic.kd_short",
     lambda ll, n, k, d, P: -2 * ll + (k - 1 + k * d * (d + 1) / 2) * np.log(n)),
    ("cov_off_diagonal_only", "em_2d.bic.kd_short",
     lambda ll, n, k, d, P: -2 * ll + (k - 1 + k * d + k * d * (d - 1) / 2) * np.log(n)),
    ("sign", "em_2d.bic.sign", lambda ll, n, k, d, P: 2 * ll + P * np.log(n)),
    ("no_factor_2", "em_2d.bic.no_factor_2", lambda ll, n, k, d, P: -ll + P * np.log(n)),
    ("half_penalty", "em_2d.bic.half_penalty",
     lambda ll, n, k, d, P: -2 * ll + P * np.log(n) / 2),
    ("half", "em_2d.bic.half", lambda ll, n, k, d, P: (-2 * ll + P * np.log(n)) / 2),
    ("mean_loglik", "em_2d.bic.mean_loglik", lambda ll, n, k, d, P: -2 * ll / n + P * np.log(n)),
    ("log10", "em_2d.bic.log10", lambda ll, n, k, d, P: -2 * ll + P * np.log10(n)),
    ("log2", "em_2d.bic.log2", lambda ll, n, k, d, P: -2 * ll + P * np.log2(n)),
    ("no_log_n", "em_2d.bic.no_log_n", lambda ll, n, k, d, P: -2 * ll + P),
    ("aic", "em_2d.bic.aic", lambda ll, n, k, d, P: -2 * ll + 2 * P),
]


@pytest.mark.parametrize("mistake, bug_id, formula", BIC_BUGS, ids=[b[0] for b in BIC_BUGS])
def test_each_bic_mistake_fails_both_bic_checks_with_its_hint(mistake, bug_id, formula):
    results = grade("bic", student_bic(formula))
    assert failed(results) == CHECKS_OF["bic"]
    hint = CATALOGUE[bug_id].hint
    public = results["em_2d.bic.values"]
    assert "scikit-learn's GaussianMixture.bic" in public.output and "x log N" in public.output
    assert f"Hint: {hint}" in public.output and public.bug == bug_id
    assert hint in results["em_2d.bic.other"].output


def test_the_k_d_deficit_names_both_causes():
    """Missing means and covariances counted as d (d - 1) / 2 give the same BIC everywhere."""
    hint = CATALOGUE["em_2d.bic.kd_short"].hint
    assert "the K d entries of the means are missing" in hint and "d (d - 1) / 2" in hint
    results = grade("bic", student_bic(BIC_BUGS[0][2]))
    assert "which is -1 x log N" in results["em_2d.bic.values"].output


def test_bugs_that_coincide_on_an_input_are_all_named():
    """With d = 3 (hidden: K = 4), counting each covariance as d entries is K d short too."""
    results = grade("bic", student_bic(dict((m, f) for m, _, f in BIC_BUGS)["cov_as_d"]))
    out = results["em_2d.bic.other"].output
    assert "K = 4, d = 3" in out and "2 mistakes give exactly this value here" in out
    assert CATALOGUE["em_2d.bic.cov_diagonal"].hint in out
    assert CATALOGUE["em_2d.bic.kd_short"].hint in out


def bic_naive_loglik(X, pi, mu, cov):
    n, d = X.shape
    k = len(pi)
    with np.errstate(divide="ignore"):
        ll = np.log((pi * np.exp(REF.log_gaussian(X, mu, cov))).sum(axis=1)).sum()
    return -2 * ll + (k - 1 + k * d + k * d * (d + 1) / 2) * np.log(n)


def test_bic_without_logsumexp_fails_only_on_far_outliers():
    results = grade("bic", bic_naive_loglik)
    assert failed(results) == {"em_2d.bic.other"}
    out = results["em_2d.bic.other"].output
    assert "far outliers" in out and "logsumexp" in out
    assert results["em_2d.bic.other"].bug == "em_2d.bic.underflow"


def test_a_broken_function_costs_only_its_own_points():
    def broken(*args):
        raise NotImplementedError()
    namespace = {f: getattr(REF, f) for f in GRADED}
    namespace["em_step"] = broken
    results = run_checks(CHECKS, InKernelStudent(namespace), REF)
    assert {c.id for c, r in zip(CHECKS, results) if not r.passed} == \
        CHECKS_OF["em_step"]
    assert all("not implemented yet" in r.output for r in results if not r.passed)


# ---------------------------------------------------------------------------------------------
# The source notebook agrees with the reference module and the checks
# ---------------------------------------------------------------------------------------------
NOTEBOOK = paths.kit_root() / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def _cells():
    return json.loads(NOTEBOOK.read_text())["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _functions(source):
    return {n.name: ast.dump(n) for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}




def test_notebook_saves_figures_only_when_asked():
    code = "\n".join(_source(c) for c in _cells() if c["cell_type"] == "code")
    assert "GMMKIT_FIGURES_DIR" in code and "plt.show()" not in code
    assert code.count("savefig(") == 1   # one helper, guarded by the environment variable


# ---------------------------------------------------------------------------------------------
# The public package holds no answer (issue 16)
# ---------------------------------------------------------------------------------------------
# Packages that run processes, build courses or write files: nothing in them computes a
# mixture, and calling them blindly with arrays is not safe.
NOT_TRIED = ("gmmkit.grading", "gmmkit.course", "gmmkit.cli", "gmmkit.__main__")


def _gmmkit_callables():
    """Every function and class defined in an importable gmmkit module, as a red team would
    collect them from site-packages."""
    import importlib
    import inspect
    import pkgutil

    import gmmkit
    found, seen = [], set()
    for info in pkgutil.walk_packages(gmmkit.__path__, "gmmkit."):
        if info.name.startswith(NOT_TRIED):
            continue
        module = importlib.import_module(info.name)
        for name, obj in sorted(vars(module).items()):
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and id(obj) not in seen and \
                    getattr(obj, "__module__", "").startswith("gmmkit"):
                seen.add(id(obj))
                found.append((f"{obj.__module__}.{name}", obj))
    return found


def _fits(function, value, args) -> bool:
    """``value`` has the structure ``function`` must return for ``args``."""
    def arr(v, shape):
        return isinstance(v, np.ndarray) and v.shape == shape and v.dtype.kind in "biuf" \
            and bool(np.all(np.isfinite(v)))
    if function == "standardize":
        return arr(value, np.shape(args[0]))
    if function == "em_step":
        X, pi, mu, cov = args
        n, d, k = len(X), np.shape(X)[1], len(pi)
        return isinstance(value, (tuple, list)) and len(value) == 4 and all(
            arr(v, s) for v, s in zip(value, [(k,), (k, d), (k, d, d), (n, k)]))
    if function == "sample_gmm":
        n, d = args[0], np.shape(args[2])[1]
        return isinstance(value, (tuple, list)) and len(value) == 2 and \
            arr(value[0], (n, d)) and arr(np.asarray(value[1]), (n,))
    return isinstance(value, (float, np.floating)) or arr(value, ())  # bic


def _try(candidates, function, args):
    """The first candidate (called with the arguments, or with none) whose value fits."""
    import warnings
    for name, func in candidates:
        for call_args in (args, ()):
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    value = func(*call_args)
            except BaseException as exc:          # noqa: BLE001 - anything may be tried
                if isinstance(exc, KeyboardInterrupt):
                    raise
                continue
            if _fits(function, value, args):
                return name, value
    return None


PROBES = {"standardize": lambda: (load_faithful(),),
          "em_step": lambda: (faithful_std(), np.array([.5, .5]), np.array([[-1.5, 1.], [1.5, -1.5]]),
                              np.stack([np.eye(2)] * 2)),
          "sample_gmm": lambda: (50, np.array([.5, .5]), np.array([[0., 0.], [3., 3.]]),
                                 np.stack([np.eye(2)] * 2), np.random.default_rng(0)),
          "bic": lambda: (faithful_std(), np.array([.5, .5]), np.array([[-1.5, 1.], [1.5, -1.5]]),
                          np.stack([np.eye(2)] * 2))}


@pytest.mark.parametrize("function", GRADED)
def test_a_submission_that_borrows_from_gmmkit_earns_none_of_the_points(function):
    """Each graded function delegates to whatever gmmkit callable gives a value of the right
    structure (tried first on a probe, then on every call): it earns nothing, public or hidden."""
    import matplotlib
    matplotlib.use("Agg")
    callables = _gmmkit_callables()
    assert len(callables) > 100 and any(n.startswith("gmmkit.checks.em_2d.") for n, _ in callables)
    # the candidates that give the right structure on a probe, as a cheater would shortlist them
    shortlist = [(n, f) for n, f in callables if _try([(n, f)], function, PROBES[function]())]

    def borrowed(*args):
        found = _try(shortlist, function, args)
        if found is None:
            raise NotImplementedError("nothing in gmmkit computes this")
        return found[1]

    checks = [c for c in CHECKS if c.function == function]
    results = run_checks(checks, InKernelStudent({function: borrowed}), REF)
    earned = {c.id: r.score for c, r in zip(checks, results) if r.score}
    assert earned == {}, (earned, [n for n, _ in shortlist])



def test_the_stored_values_are_the_reference_and_scikit_learn_on_the_public_inputs():
    """The store (written by the build from the trusted side) agrees with the reference module."""
    from gmmkit.checks.em_2d import inputs
    store = inputs.STORE
    np.testing.assert_allclose(store.value("faithful_std"), REF.standardize(load_faithful()),
                               rtol=1e-12)
    np.testing.assert_allclose(store.value("faithful_std")[0], [0.098318, 0.596025], atol=1e-6)
    for key, X in inputs.standardize_cases().items():
        np.testing.assert_allclose(store.value(key), REF.standardize(X), rtol=1e-12)
    data = {"std": faithful_std(), "raw": load_faithful()}
    for key, (_, which, pi, mu, cov) in inputs.EM_STATES.items():
        new_pi, new_mu, new_cov, r = REF.em_step(data[which], pi, mu, cov)
        stored = store.value(f"em_step.{key}")
        for name, value in (("pi", new_pi), ("mu", new_mu), ("cov", new_cov), ("r", r)):
            np.testing.assert_allclose(stored[name], value, rtol=1e-8, atol=1e-12)
    for key, (_, X, pi, mu, cov) in inputs.bic_cases(faithful_std()).items():
        assert math.isclose(float(np.reshape(store.value(key), ())), REF.bic(X, pi, mu, cov),
                            rel_tol=1e-9)


def test_every_bug_the_store_names_is_in_the_catalogue():
    from gmmkit.checks.em_2d import inputs
    store = inputs.STORE
    keys = {n.split("/")[1] for n in store._arrays if n.startswith("bug/")}
    ids = {b for key in keys for b in store.bugs(key)}
    assert ids and ids <= set(CATALOGUE)


# ---------------------------------------------------------------------------------------------
# The rng check through the isolated grader, where the global generator lives in the worker
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("line, message, bug", [
    ("np.random.seed(0)", "changed the state of numpy's global generator",
     "em_2d.sample_gmm.global_changed"),
    ("rng = np.random.default_rng(np.random.randint(2 ** 31))",
     "two calls in a row with the same seed", "em_2d.sample_gmm.global_consulted"),
], ids=["seeds_global", "draws_from_global"])
def test_the_grader_sees_the_workers_global_generator(tmp_path, line, message, bug):
    """A reference whose sample_gmm also touches np.random: only the rng check fails."""
    import nbformat

    from gmmkit.grading.grade import grade as isolated_grade
    nb = nbformat.read(NOTEBOOK, as_version=4)
    anchor = "    L = np.linalg.cholesky(np.asarray(cov, dtype=float))          # (K, d, d)\n"
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and anchor in c.source
               and "def sample_gmm" in c.source]
    cell.source = cell.source.replace(anchor, f"    {line}\n{anchor}")
    path = tmp_path / NOTEBOOK.name
    nbformat.write(nb, path)
    report = isolated_grade(ASSIGNMENT, path)
    failures = {r.id: r for r in report.results if not r.passed}
    assert set(failures) == {RNG}, {k: r.output for k, r in failures.items()}
    assert message in failures[RNG].output and failures[RNG].bug == bug


def test_on_the_public_inputs_each_stored_bug_value_has_one_cause():
    """No two classic bugs give the same stored value, so a hint that names the bug it matched
    names every cause the observation allows (where causes do coincide, on hidden inputs, the
    hint names them all: test_bugs_that_coincide_on_an_input_are_all_named)."""
    from gmmkit.checks.bugs import matches
    from gmmkit.checks.em_2d import inputs
    store = inputs.STORE
    for key in sorted({n.split("/")[1] for n in store._arrays if n.startswith("bug/")}):
        values = list(store.bugs(key).items())
        for i, (a, u) in enumerate(values):
            for b, v in values[i + 1:]:
                fields = u.keys() if isinstance(u, dict) else [None]
                same = all(matches(u[f] if f else u, v[f] if f else v, {"rtol": 1e-3, "atol": 1e-5})
                           for f in fields)
                assert not same, f"{a} and {b} give the same value for {key}"
