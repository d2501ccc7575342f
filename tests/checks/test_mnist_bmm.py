"""Tests of the mnist_bmm checks, public and hidden, and of the reference against outside models.

Every check must pass the reference and other correct implementations (Python loops like the
lecture's, other vectorisations, float32, other starts of EM, an objective with the Beta
prior's constant), and each classic bug must fail the check(s) meant to catch it, with a message
a student can act on. The reference itself is compared with scipy and scikit-learn: the E- and
M-step of a Bernoulli mixture are those of scikit-learn's BernoulliNB with soft labels, the hard
assignment pass is scikit-learn's nearest-centre search, the accuracy comes from its
contingency matrix.
"""
import collections
import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import betaln, logsumexp
from sklearn.metrics import pairwise_distances_argmin
from sklearn.metrics.cluster import contingency_matrix
from sklearn.naive_bayes import BernoulliNB

from gmmkit import paths
from gmmkit.checks import InKernelStudent, load_module, public_checks, run_checks
from gmmkit.checks import mnist_bmm as pub

ASSIGNMENT = "mnist_bmm"
REF = load_module(paths.solutions_file(ASSIGNMENT), "ref_mnist_bmm")
HIDDEN = load_module(paths.hidden_checks_file(ASSIGNMENT), "hidden_mnist_bmm").CHECKS
PUBLIC = public_checks(ASSIGNMENT)
CHECKS = PUBLIC + HIDDEN
NAMES = ["bernoulli_log_prob", "e_step", "m_step", "fit_bmm", "update_clusters",
         "cluster_accuracy"]
# A check is named in these tests by its judge (unique and stable), e.g. "_e_step_pmf".
BY_JUDGE = {c.judge.__name__: c for c in CHECKS}
OF = {name: {k for k, c in BY_JUDGE.items() if c.function == name} for name in NAMES}


def grade(**functions):
    """Run every check on the reference with some functions replaced; results by judge name."""
    namespace = {n: getattr(REF, n) for n in NAMES}
    namespace.update(functions)
    with np.errstate(all="ignore"):
        results = run_checks(CHECKS, InKernelStudent(namespace), REF)
    return {chk.judge.__name__: res for chk, res in zip(CHECKS, results)}


def failed(results):
    return {k for k, r in results.items() if not r.passed}


def assert_all_pass(results):
    assert failed(results) == set(), {k: r.output for k, r in results.items() if not r.passed}


def out(results, judge):
    return results[judge].output


# ---------------------------------------------------------------------------------------------
# The reference against outside models (explicit tolerances)
# ---------------------------------------------------------------------------------------------
def soft_bernoulli_nb(X, r, smoothing):
    """scikit-learn's BernoulliNB fitted with soft labels: each image once per cluster,
    weighted by its responsibility. Its alpha is our smoothing."""
    n, k = r.shape
    nb = BernoulliNB(alpha=smoothing, binarize=None, force_alpha=True)
    nb.fit(np.tile(X, (k, 1)), np.repeat(np.arange(k), n), sample_weight=r.T.reshape(-1))
    return nb


def test_reference_m_step_is_bernoulli_naive_bayes_with_soft_labels():
    rng = np.random.default_rng(0)
    X = pub.random_images(1, 300, 40)
    r = rng.dirichlet(np.ones(4), size=300)
    for smoothing in (1.0, 0.5, 3.0):
        nb = soft_bernoulli_nb(X, r, smoothing)
        pi, mu = REF.m_step(X, r, smoothing)
        np.testing.assert_allclose(pi, np.exp(nb.class_log_prior_), rtol=1e-10)
        np.testing.assert_allclose(mu, np.exp(nb.feature_log_prob_), rtol=1e-10)


def test_reference_e_step_is_bernoulli_naive_bayes_posterior():
    rng = np.random.default_rng(2)
    X = pub.random_images(3, 300, 40)
    nb = soft_bernoulli_nb(X, rng.dirichlet(np.ones(4), size=300), 1.0)
    pi, mu = np.exp(nb.class_log_prior_), np.exp(nb.feature_log_prob_)
    r, loglik = REF.e_step(X, pi, mu)
    np.testing.assert_allclose(r, nb.predict_proba(X), rtol=1e-9, atol=1e-12)
    joint = nb.predict_joint_log_proba(X)
    np.testing.assert_allclose(REF.bernoulli_log_prob(X, mu), joint - np.log(pi), rtol=1e-10)
    assert loglik == pytest.approx(logsumexp(joint, axis=1).sum(), rel=1e-12)


def test_reference_log_prob_is_scipy_bernoulli_and_finite_on_mnist():
    X, mu = pub.far_images(), pub.mnist_class_mu()
    got = REF.bernoulli_log_prob(X, mu)
    expected = stats.bernoulli.logpmf(X[:, None, :], mu[None]).sum(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    assert np.all(np.isfinite(got)) and got[1].max() < -745  # exp() of it underflows


def test_reference_update_clusters_is_a_nearest_centre_search():
    X, _ = pub.mnist_images(0, 500)
    a = pub.random_assignments(4, 500, 10)
    means = np.stack([X[a == j].mean(0) for j in range(10)])
    np.testing.assert_array_equal(REF.update_clusters(X, a, 10),
                                  pairwise_distances_argmin(X, means))


def test_reference_cluster_accuracy_is_the_contingency_row_maxima():
    rng = np.random.default_rng(5)
    labels = rng.integers(10, size=2000)
    clusters = np.where(rng.random(2000) < 0.6, labels, rng.integers(13, size=2000)) * 3 + 1
    table = contingency_matrix(labels, clusters)      # (labels, clusters)
    assert REF.cluster_accuracy(labels, clusters) == pytest.approx(
        table.max(axis=0).sum() / 2000, abs=1e-12)


def test_reference_fit_never_decreases_and_reports_its_own_objective():
    X, _ = pub.mnist_images(0, 1000)
    pi, mu, r, hist = REF.fit_bmm(X, 10, 15, np.random.default_rng(0))
    assert hist.shape == (15,) and np.all(np.diff(hist) >= -1e-9 * np.abs(hist[1:]))
    assert hist[-1] == pytest.approx(pub.loglik(X, pi, mu) + pub.log_prior(mu), rel=1e-12)
    np.testing.assert_allclose(r, REF.e_step(X, pi, mu)[0], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Correct implementations: every check passes them
# ---------------------------------------------------------------------------------------------
def log_prob_loops(X, mu):
    """The lecture's way: loops over images and clusters, one log per pixel."""
    n, k = len(X), len(mu)
    out = np.zeros((n, k))
    for i in range(n):
        for j in range(k):
            out[i, j] = np.sum(X[i] * np.log(mu[j]) + (1 - X[i]) * np.log(1 - mu[j]))
    return out


def log_prob_two_products(X, mu):
    return X @ np.log(mu).T + (1 - X) @ np.log(1 - mu).T


def log_prob_float32_einsum(X, mu):
    X, mu = X.astype(np.float32), mu.astype(np.float32)
    return (np.einsum("nd,kd->nk", X, np.log(mu)) + np.einsum("nd,kd->nk", 1 - X, np.log1p(-mu)))


def e_step_loops(X, pi, mu):
    """Per image: log joint by a loop, then a hand-written log-sum-exp."""
    n, k = len(X), len(pi)
    r = np.zeros((n, k))
    total = 0.0
    for i in range(n):
        log_joint = [np.log(pi[j]) + float(np.sum(X[i] * np.log(mu[j])
                                                    + (1 - X[i]) * np.log(1 - mu[j])))
                     for j in range(k)]
        top = max(log_joint)
        log_px = top + math.log(sum(math.exp(v - top) for v in log_joint))
        r[i] = [math.exp(v - log_px) for v in log_joint]
        total += log_px
    return r, total


def e_step_max_shift_float32(X, pi, mu):
    log_joint = log_prob_two_products(X, mu) + np.log(pi)
    shifted = log_joint - log_joint.max(axis=1, keepdims=True)
    w = np.exp(shifted)
    r = (w / w.sum(axis=1, keepdims=True)).astype(np.float32)
    loglik = np.sum(np.log(w.sum(axis=1)) + log_joint.max(axis=1))
    return r, np.float32(loglik)


def e_step_logaddexp(X, pi, mu):
    log_joint = log_prob_float32_einsum(X, mu).astype(float) + np.log(pi)
    log_px = np.logaddexp.reduce(log_joint, axis=1)
    return np.exp(log_joint - log_px[:, None]), [log_px.sum()][0]


def m_step_loops(X, r, smoothing=1.0):
    n, k = r.shape
    d = X.shape[1]
    pi, mu = np.zeros(k), np.zeros((k, d))
    for j in range(k):
        Rj = sum(r[i, j] for i in range(n))
        pi[j] = Rj / n
        weighted = np.zeros(d)
        for i in range(n):
            weighted += r[i, j] * X[i]
        mu[j] = (weighted + smoothing) / (Rj + 2 * smoothing)
    return pi, mu


def m_step_einsum(X, r, smoothing=1.0):
    R = np.einsum("nk->k", r)
    mu = (np.einsum("nk,nd->kd", r, X) + smoothing) / (R[:, None] + 2 * smoothing)
    return (R / R.sum()).astype(np.float32), mu.astype(np.float32)


def fit_bmm_loops(X, k, iters, rng):
    """A student's loop: random soft start, M-step then E-step with loop-based steps."""
    r = rng.dirichlet(np.ones(k), size=len(X))
    history = []
    for _ in range(iters):
        pi, mu = m_step_loops(X, r)
        r, ll = e_step_loops(X, pi, mu)
        history.append(ll + np.sum(np.log(mu) + np.log(1 - mu)))
    return pi, mu, r, history


def fit_bmm_estep_first(X, k, iters, rng):
    """Random pixel probabilities and equal weights; E-step then M-step, the objective of the
    current parameters recorded before each M-step and once more at the end (iters + 1
    entries), with the Beta(2, 2) prior's normalising constant included."""
    pi, mu = np.full(k, 1 / k), rng.uniform(0.25, 0.75, size=(k, X.shape[1]))
    const = -mu.size * betaln(2, 2)
    history = []
    for _ in range(iters):
        r, ll = e_step_max_shift_float32(X, pi, mu)
        history.append(ll + np.sum(np.log(mu) + np.log1p(-mu)) + const)
        pi, mu = m_step_einsum(X, r.astype(float))
    r, ll = e_step_logaddexp(X, pi, mu)
    history.append(ll + np.sum(np.log(mu) + np.log1p(-mu)) + const)
    return pi, mu, r, np.array(history)


def fit_bmm_kmeanspp_start(X, k, iters, rng):
    """Start from hard responsibilities of k random images (nearest by Hamming distance)."""
    centres = X[rng.choice(len(X), size=k, replace=False)]
    r = np.eye(k)[np.argmin(np.abs(X[:, None, :] - centres[None]).sum(-1), axis=1)]
    history = []
    for _ in range(iters):
        pi, mu = REF.m_step(X, r)
        r, ll = REF.e_step(X, pi, mu)
        history.append(ll + pub.log_prior(mu))
    return pi, mu, r, np.asarray(history)


def update_clusters_lecture(X, assignments, n_clusters):
    """The lecture's hard assignment: loops over clusters for the means and over images."""
    means = []
    for j in range(n_clusters):
        members = [X[i] for i in range(len(X)) if assignments[i] == j]
        means.append(np.mean(members, axis=0))
    new = []
    for i in range(len(X)):
        distances = [np.sum((X[i] - m) ** 2) for m in means]
        new.append(int(np.argmin(distances)))
    return np.array(new)


def update_clusters_sklearn(X, assignments, n_clusters):
    means = np.stack([X[assignments == j].mean(axis=0) for j in range(n_clusters)])
    return pairwise_distances_argmin(X, means).astype(np.int32)


def update_clusters_bincount(X, assignments, n_clusters):
    sums = np.zeros((n_clusters, X.shape[1]))
    np.add.at(sums, assignments, X)
    means = sums / np.bincount(assignments, minlength=n_clusters)[:, None]
    d2 = ((X[:, None, :] - means[None]) ** 2).sum(-1)
    return d2.argmin(1)


def accuracy_counter(labels, assignments):
    clusters = collections.defaultdict(list)
    for label, cluster in zip(labels, assignments):
        clusters[cluster].append(label)
    right = sum(collections.Counter(v).most_common(1)[0][1] for v in clusters.values())
    return right / len(labels)


def accuracy_sklearn(labels, assignments):
    return np.float32(contingency_matrix(labels, assignments).max(axis=0).sum() / len(labels))


CORRECT = {
    "bernoulli_log_prob": [log_prob_loops, log_prob_two_products, log_prob_float32_einsum],
    "e_step": [e_step_loops, e_step_max_shift_float32, e_step_logaddexp],
    "m_step": [m_step_loops, m_step_einsum],
    "fit_bmm": [fit_bmm_loops, fit_bmm_estep_first, fit_bmm_kmeanspp_start],
    "update_clusters": [update_clusters_lecture, update_clusters_sklearn, update_clusters_bincount],
    "cluster_accuracy": [accuracy_counter, accuracy_sklearn],
}


def test_the_reference_passes_every_check():
    results = grade()
    assert_all_pass(results)
    assert sum(r.score for r in results.values()) == sum(c.points for c in CHECKS)


@pytest.mark.parametrize("name, func", [(n, f) for n, fs in CORRECT.items() for f in fs],
                         ids=lambda v: getattr(v, "__name__", v))
def test_correct_variant_passes_every_check(name, func):
    results = grade(**{name: func})
    assert_all_pass(results)


@pytest.mark.parametrize("seed", range(8))
def test_the_hidden_fit_check_accepts_any_start_whatever_the_seed(seed):
    """Other seeds than the check's: local optima included, every correct fit passes."""
    check = BY_JUDGE["_fit_reference"]
    for fit in (REF.fit_bmm, fit_bmm_estep_first, fit_bmm_kmeanspp_start):
        def fixed_seed(X, k, iters, rng, fit=fit):
            return fit(X, k, iters, np.random.default_rng(seed))
        with np.errstate(all="ignore"):
            (result,) = run_checks([check], InKernelStudent({"fit_bmm": fixed_seed}), REF)
        assert result.passed, (fit.__name__, result.output)


def test_points_visibility_and_time_limits():
    assert all(not c.hidden for c in PUBLIC) and all(c.hidden for c in HIDDEN)
    assert {c.function for c in PUBLIC} == {c.function for c in HIDDEN} == set(NAMES)
    assert sum(c.points for c in CHECKS) == 19
    assert all(c.timeout >= 30 for c in CHECKS)
    assert all(c.timeout >= 60 for c in CHECKS if c.function in ("fit_bmm", "update_clusters"))
    assert all("vectoris" in c.slow_hint for c in CHECKS if c.function != "cluster_accuracy")


def test_public_checks_never_use_the_reference():
    namespace = {n: getattr(REF, n) for n in NAMES}
    with np.errstate(all="ignore"):
        results = run_checks(PUBLIC, InKernelStudent(namespace), None)
    assert all(r.passed for r in results), [r.output for r in results]


def test_a_crashing_function_costs_only_its_own_points():
    for name in NAMES:
        def broken(*args, **kwargs):
            raise NotImplementedError()
        results = grade(**{name: broken})
        assert failed(results) == OF[name]
        assert all("not implemented yet" in out(results, j) for j in OF[name])


# ---------------------------------------------------------------------------------------------
# bernoulli_log_prob bugs
# ---------------------------------------------------------------------------------------------
def log_prob_products(X, mu):
    """Multiplies 784 probabilities, then takes the log: underflow."""
    p = np.prod(mu[None] ** X[:, None] * (1 - mu[None]) ** (1 - X[:, None]), axis=-1)
    return np.log(p)


def log_prob_on_pixels_only(X, mu):
    return X @ np.log(mu).T


def log_prob_swapped(X, mu):
    return X @ np.log(1 - mu).T + (1 - X) @ np.log(mu).T


def log_prob_mean(X, mu):
    return (X @ np.log(mu).T + (1 - X) @ np.log(1 - mu).T) / X.shape[1]


def log_prob_transposed(X, mu):
    return REF.bernoulli_log_prob(X, mu).T


def test_products_of_probabilities_underflow():
    results = grade(bernoulli_log_prob=log_prob_products)
    assert failed(results) == {"_log_prob_no_underflow", "_log_prob_reference"}
    text = out(results, "_log_prob_no_underflow")
    assert "not finite" in text and "underflows" in text and "Sum logarithms" in text


@pytest.mark.parametrize("func, hint", [
    (log_prob_on_pixels_only, "pixels that are off count too"),
    (log_prob_swapped, "are swapped"),
    (log_prob_mean, "not the mean"),
    (log_prob_transposed, "transpose"),
], ids=lambda v: getattr(v, "__name__", "hint"))
def test_log_prob_bugs_fail_every_log_prob_check(func, hint):
    results = grade(bernoulli_log_prob=func)
    assert failed(results) == OF["bernoulli_log_prob"]
    assert hint in out(results, "_log_prob_known_values")


# ---------------------------------------------------------------------------------------------
# e_step bugs
# ---------------------------------------------------------------------------------------------
def e_step_products(X, pi, mu):
    """Probabilities instead of logs: every joint underflows to 0 for 784 pixels."""
    joint = np.exp(REF.bernoulli_log_prob(X, mu)) * pi
    px = joint.sum(axis=1, keepdims=True)
    return joint / px, float(np.log(px).sum())


def e_step_over_images(X, pi, mu):
    log_joint = REF.bernoulli_log_prob(X, mu) + np.log(pi)
    r = np.exp(log_joint - logsumexp(log_joint, axis=0, keepdims=True))
    return r, float(logsumexp(log_joint, axis=1).sum())


def e_step_no_weights(X, pi, mu):
    log_p = REF.bernoulli_log_prob(X, mu)
    r = np.exp(log_p - logsumexp(log_p, axis=1, keepdims=True))
    return r, float(logsumexp(log_p + np.log(pi), axis=1).sum())


def e_step_mean_loglik(X, pi, mu):
    r, ll = REF.e_step(X, pi, mu)
    return r, ll / len(X)


def e_step_per_image_loglik(X, pi, mu):
    log_joint = REF.bernoulli_log_prob(X, mu) + np.log(pi)
    return REF.e_step(X, pi, mu)[0], logsumexp(log_joint, axis=1)


def e_step_log_resp(X, pi, mu):
    log_joint = REF.bernoulli_log_prob(X, mu) + np.log(pi)
    log_px = logsumexp(log_joint, axis=1, keepdims=True)
    return log_joint - log_px, float(log_px.sum())


def test_products_in_the_e_step_give_nan_for_far_images():
    results = grade(e_step=e_step_products)
    assert failed(results) == {"_e_step_far_images"}
    text = out(results, "_e_step_far_images")
    assert "not finite" in text and "log space" in text and "0 / 0 = nan" in text


def test_responsibilities_normalised_over_images():
    results = grade(e_step=e_step_over_images)
    assert failed(results) == OF["e_step"]
    text = out(results, "_e_step_pmf")
    assert "sums to" in text and "COLUMN" in text and "axis=1" in text


def test_mixture_weights_left_out_of_the_e_step():
    results = grade(e_step=e_step_no_weights)
    assert {"_e_step_values", "_e_step_reference"} <= failed(results) <= OF["e_step"] - {"_e_step_pmf"}
    assert "mixture weights are missing" in out(results, "_e_step_values")


def test_mean_log_likelihood_instead_of_the_total():
    results = grade(e_step=e_step_mean_loglik)
    assert failed(results) == {"_e_step_values", "_e_step_reference", "_e_step_far_images"}
    assert "TOTAL over the images" in out(results, "_e_step_values")


def test_per_image_log_likelihoods_instead_of_one_number():
    results = grade(e_step=e_step_per_image_loglik)
    assert failed(results) == OF["e_step"]
    text = out(results, "_e_step_pmf")
    assert "expected a single number" in text and "sum the per-image values" in text


def test_log_responsibilities_returned():
    results = grade(e_step=e_step_log_resp)
    assert failed(results) == OF["e_step"]
    assert "np.exp(log_r)" in out(results, "_e_step_pmf")


# ---------------------------------------------------------------------------------------------
# m_step bugs
# ---------------------------------------------------------------------------------------------
def m_step_no_smoothing(X, r, smoothing=1.0):
    R = r.sum(0)
    return R / len(X), (r.T @ X) / R[:, None]


def m_step_fixed_smoothing(X, r, smoothing=1.0):
    R = r.sum(0)
    return R / len(X), (r.T @ X + 1) / (R[:, None] + 2)


def m_step_one_pseudo_count(X, r, smoothing=1.0):
    R = r.sum(0)
    return R / len(X), (r.T @ X + smoothing) / (R[:, None] + smoothing)


def m_step_unnormalised_pi(X, r, smoothing=1.0):
    R = r.sum(0)
    return R, (r.T @ X + smoothing) / (R[:, None] + 2 * smoothing)


def m_step_swapped_outputs(X, r, smoothing=1.0):
    return REF.m_step(X, r, smoothing)[::-1]


def test_m_step_without_smoothing_gives_zero_probabilities():
    results = grade(m_step=m_step_no_smoothing)
    assert failed(results) == OF["m_step"]
    text = out(results, "_m_step_valid")
    assert "never on" in text and "log(0) = -inf" in text and "add the smoothing" in text
    assert "add the smoothing" in out(results, "_m_step_known_values")


def test_m_step_ignoring_its_smoothing_argument():
    results = grade(m_step=m_step_fixed_smoothing)
    assert failed(results) == {"_m_step_known_values", "_m_step_reference"}
    text = out(results, "_m_step_known_values")
    assert "smoothing=0" in text and "not a fixed 1" in text


def test_m_step_with_one_pseudo_count_in_the_denominator():
    results = grade(m_step=m_step_one_pseudo_count)
    assert failed(results) == OF["m_step"]
    assert "adds 2 * smoothing" in out(results, "_m_step_known_values")
    text = out(results, "_m_step_valid")   # mu = 1 for the pixel that is always on
    assert "always on" in text and "adds 2 * smoothing" in text


def test_m_step_with_unnormalised_weights():
    results = grade(m_step=m_step_unnormalised_pi)
    assert failed(results) == OF["m_step"]
    assert "pi = R / n" in out(results, "_m_step_valid")


def test_m_step_returning_mu_then_pi():
    results = grade(m_step=m_step_swapped_outputs)
    assert failed(results) == OF["m_step"]
    assert "order (pi, mu)" in out(results, "_m_step_valid")


# ---------------------------------------------------------------------------------------------
# fit_bmm bugs
# ---------------------------------------------------------------------------------------------
def make_fit(objective=None, m_step=REF.m_step, e_step=REF.e_step):
    """The reference's loop with one part replaced."""
    def fit_bmm(X, k, iters, rng):
        mu = (X[rng.choice(len(X), size=k, replace=False)] + 1) / 3
        r, _ = e_step(X, np.full(k, 1 / k), mu)
        history = []
        for _ in range(iters):
            pi, mu = m_step(X, r)
            r, ll = e_step(X, pi, mu)
            history.append(objective(X, ll, pi, mu) if objective else ll + pub.log_prior(mu))
        return pi, mu, r, history
    return fit_bmm


def test_objective_without_the_prior():
    results = grade(fit_bmm=make_fit(objective=lambda X, ll, pi, mu: ll))
    assert failed(results) == {"_fit_last_objective", "_fit_reference"}
    text = out(results, "_fit_last_objective")
    assert "log-likelihood alone" in text and "PLUS the log prior" in text


def test_mean_log_likelihood_as_the_objective():
    results = grade(fit_bmm=make_fit(objective=lambda X, ll, pi, mu: ll / len(X)))
    assert failed(results) == {"_fit_last_objective", "_fit_reference"}
    assert "mean log-likelihood per image" in out(results, "_fit_last_objective")


def test_negative_objective_recorded():
    results = grade(fit_bmm=make_fit(
        objective=lambda X, ll, pi, mu: -(ll + pub.log_prior(mu))))
    assert failed(results) == {"_fit_monotone", "_fit_last_objective", "_fit_reference"}
    assert "not its negative" in out(results, "_fit_monotone")
    assert "minus the objective" in out(results, "_fit_last_objective")


def test_fit_with_an_unsmoothed_m_step():
    with np.errstate(all="ignore"):
        results = grade(fit_bmm=make_fit(m_step=m_step_no_smoothing))
    assert failed(results) == OF["fit_bmm"]
    text = out(results, "_fit_shapes")     # the first 4 pixels are never on
    assert "the mu of fit_bmm" in text and "add the smoothing" in text and "never on" in text


def test_fit_with_responsibilities_normalised_over_images():
    results = grade(fit_bmm=make_fit(e_step=e_step_over_images))
    assert failed(results) == OF["fit_bmm"]
    assert "COLUMN" in out(results, "_fit_shapes")


def test_fit_returning_the_responsibilities_of_the_start():
    def fit_bmm(X, k, iters, rng):
        state = rng.bit_generator.state
        _, _, r, _ = REF.fit_bmm(X, k, 1, rng)
        rng.bit_generator.state = state
        pi, mu, _, hist = REF.fit_bmm(X, k, iters, rng)
        return pi, mu, r, hist
    results = grade(fit_bmm=fit_bmm)
    assert failed(results) == {"_fit_reference"}
    assert "responsibilities of the pi and mu you return" in out(results, "_fit_reference")


def test_fit_with_one_pseudo_count_in_the_m_step():
    results = grade(fit_bmm=make_fit(m_step=m_step_one_pseudo_count))
    assert failed(results) == {"_fit_reference"}
    assert "(n + 2)" in out(results, "_fit_reference")


def test_fit_that_stops_too_early():
    """Only 3 of the iterations asked for are run, then the history is padded."""
    def fit_bmm(X, k, iters, rng):
        pi, mu, r, hist = REF.fit_bmm(X, k, min(iters, 3), rng)
        return pi, mu, r, np.concatenate([hist, np.full(iters - len(hist), hist[-1])])
    results = grade(fit_bmm=fit_bmm)
    assert failed(results) == {"_fit_reference"}
    assert "fixed point of EM" in out(results, "_fit_reference")


# ---------------------------------------------------------------------------------------------
# update_clusters bugs
# ---------------------------------------------------------------------------------------------
def update_argmax(X, assignments, n_clusters):
    means = np.stack([X[assignments == j].mean(0) for j in range(n_clusters)])
    return (((X[:, None] - means[None]) ** 2).sum(-1)).argmax(1)


def update_with_sums(X, assignments, n_clusters):
    sums = np.eye(n_clusters)[assignments].T @ X
    return (((X[:, None] - sums[None]) ** 2).sum(-1)).argmin(1)


def update_dot_product(X, assignments, n_clusters):
    onehot = np.eye(n_clusters)[assignments]
    means = onehot.T @ X / onehot.sum(0)[:, None]
    return np.argmax(X @ means.T, axis=1)


def update_returns_means(X, assignments, n_clusters):
    onehot = np.eye(n_clusters)[assignments]
    return onehot.T @ X / onehot.sum(0)[:, None]


def update_unchanged(X, assignments, n_clusters):
    return assignments.copy()


@pytest.mark.parametrize("func, hint", [
    (update_argmax, "FARTHEST"),
    (update_with_sums, "means are sums"),
    (update_returns_means, "not the cluster means"),
    (update_unchanged, "did not change"),
], ids=lambda v: getattr(v, "__name__", "hint"))
def test_update_clusters_bugs(func, hint):
    results = grade(update_clusters=func)
    assert failed(results) == OF["update_clusters"]
    assert hint in out(results, "_update_known_values")
    assert hint in out(results, "_update_nearest_mean")


def test_update_clusters_by_the_largest_dot_product():
    """Right on the worked example (its means have equal norms up to a tie), wrong on MNIST."""
    results = grade(update_clusters=update_dot_product)
    assert failed(results) == {"_update_nearest_mean", "_update_reference_passes"}
    text = out(results, "_update_nearest_mean")
    assert "nearest mean is cluster" in text and "||m||^2 term matters" in text


# ---------------------------------------------------------------------------------------------
# cluster_accuracy bugs
# ---------------------------------------------------------------------------------------------
def accuracy_hungarian(labels, assignments):
    from scipy.optimize import linear_sum_assignment
    table = contingency_matrix(assignments, labels)
    rows, cols = linear_sum_assignment(-table)
    return table[rows, cols].sum() / len(labels)


def accuracy_count(labels, assignments):
    return contingency_matrix(assignments, labels).max(axis=1).sum()


def accuracy_direct(labels, assignments):
    return float(np.mean(labels == assignments))


def accuracy_label_majority(labels, assignments):
    return contingency_matrix(assignments, labels).max(axis=0).sum() / len(labels)


@pytest.mark.parametrize("func, hint", [
    (accuracy_hungarian, "not a one-to-one matching"),
    (accuracy_count, "not their number"),
    (accuracy_direct, "cluster numbers are not labels"),
    (accuracy_label_majority, "name each CLUSTER"),
], ids=lambda v: getattr(v, "__name__", "hint"))
def test_cluster_accuracy_bugs(func, hint):
    results = grade(cluster_accuracy=func)
    assert failed(results) == OF["cluster_accuracy"]
    assert hint in out(results, "_accuracy_known_values")
