"""Tests of the mnist_bmm checks, public and hidden, and of the reference against outside models.

Every check must pass the reference and other correct implementations (Python loops like the
lecture's, other vectorisations, float32, other starts of EM, an objective with the Beta
prior's constant), and each classic bug must fail the check(s) meant to catch it, with its
hint and its bug id. The reference itself is compared with scipy and scikit-learn: the E- and
M-step of a Bernoulli mixture are those of scikit-learn's BernoulliNB with soft labels, the
hard-assignment pass is BernoulliNB's prediction after fitting the hard labels (Laplace's rule,
no class prior), the accuracy comes from its contingency matrix. Checks are found by id.
"""
import collections
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from scipy.special import betaln, logsumexp
from sklearn.metrics import pairwise_distances_argmin
from sklearn.metrics.cluster import contingency_matrix
from sklearn.naive_bayes import BernoulliNB

from gmmkit import paths
from gmmkit.checks import InKernelStudent, load_module, public_checks, run_checks
from gmmkit.checks.mnist_bmm import BUGS, inputs

ASSIGNMENT = "mnist_bmm"
REF = load_module(paths.solutions_file(ASSIGNMENT), "ref_mnist_bmm")
HIDDEN = load_module(paths.hidden_checks_file(ASSIGNMENT), "hidden_mnist_bmm").CHECKS
V = load_module(Path(paths.hidden_checks_file(ASSIGNMENT)).with_name("variants.py"),
                "variants_mnist_bmm")
PUBLIC = public_checks(ASSIGNMENT)
CHECKS = PUBLIC + HIDDEN
NAMES = ["bernoulli_log_prob", "e_step", "m_step", "fit_bmm", "update_clusters",
         "cluster_accuracy"]
BY_ID = {c.id: c for c in CHECKS}
OF = {name: {i for i, c in BY_ID.items() if c.function == name} for name in NAMES}

P = "mnist_bmm."
LOG_PROB_VALUES, LOG_PROB_FAR, LOG_PROB_REF = (P + "bernoulli_log_prob." + s
                                              for s in ("values", "no_underflow", "reference"))
E_PMF, E_VALUES, E_FAR, E_REF = (P + "e_step." + s for s in ("pmf", "values", "far_images",
                                                             "reference"))
M_VALID, M_VALUES, M_REF = (P + "m_step." + s for s in ("valid", "values", "reference"))
FIT_SHAPES, FIT_REPLAY, FIT_OPTIMUM, FIT_REF = (P + "fit_bmm." + s for s in
                                                ("shapes", "replay", "optimum", "reference"))
U_EXAMPLES, U_VALUES, U_REF = (P + "update_clusters." + s for s in ("examples", "values",
                                                                   "reference"))
ACC_EXAMPLES, ACC_REF = P + "cluster_accuracy.examples", P + "cluster_accuracy.reference"


def grade(**functions):
    """Run every check on the reference with some functions replaced; results by check id."""
    namespace = {n: getattr(REF, n) for n in NAMES}
    namespace.update(functions)
    with np.errstate(all="ignore"):
        results = run_checks(CHECKS, InKernelStudent(namespace), REF)
    return {chk.id: res for chk, res in zip(CHECKS, results)}


def failed(results):
    return {k for k, r in results.items() if not r.passed}


def assert_all_pass(results):
    assert failed(results) == set(), {k: r.output for k, r in results.items() if not r.passed}


def out(results, check_id):
    return results[check_id].output


def assert_bug(results, check_id, bug_id):
    """The failure of ``check_id`` names the classic bug ``bug_id``: its hint and its id."""
    assert results[check_id].bug == bug_id, (results[check_id].bug, out(results, check_id))
    assert BUGS[bug_id].hint in out(results, check_id)


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
    X = inputs.random_images(1, 300, 40)
    r = rng.dirichlet(np.ones(4), size=300)
    for smoothing in (1.0, 0.5, 3.0):
        nb = soft_bernoulli_nb(X, r, smoothing)
        pi, mu = REF.m_step(X, r, smoothing)
        np.testing.assert_allclose(pi, np.exp(nb.class_log_prior_), rtol=1e-10)
        np.testing.assert_allclose(mu, np.exp(nb.feature_log_prob_), rtol=1e-10)


def test_reference_e_step_is_bernoulli_naive_bayes_posterior():
    rng = np.random.default_rng(2)
    X = inputs.random_images(3, 300, 40)
    nb = soft_bernoulli_nb(X, rng.dirichlet(np.ones(4), size=300), 1.0)
    pi, mu = np.exp(nb.class_log_prior_), np.exp(nb.feature_log_prob_)
    r, loglik = REF.e_step(X, pi, mu)
    np.testing.assert_allclose(r, nb.predict_proba(X), rtol=1e-9, atol=1e-12)
    joint = nb.predict_joint_log_proba(X)
    np.testing.assert_allclose(REF.bernoulli_log_prob(X, mu), joint - np.log(pi), rtol=1e-10)
    assert loglik == pytest.approx(logsumexp(joint, axis=1).sum(), rel=1e-12)


def test_reference_log_prob_is_scipy_bernoulli_and_finite_on_mnist():
    X, mu = inputs.far_images(), inputs.mnist_class_mu()
    got = REF.bernoulli_log_prob(X, mu)
    expected = stats.bernoulli.logpmf(X[:, None, :], mu[None]).sum(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    assert np.all(np.isfinite(got)) and got[1].max() < -745  # exp() of it underflows


def test_reference_update_clusters_is_hard_em_of_bernoulli_naive_bayes():
    """Laplace's rule on the hard labels (alpha = 1) and the most likely class without a
    class prior: BernoulliNB's prediction. K-means sends many images elsewhere."""
    X, _ = inputs.mnist_images(0, 500)
    a = inputs.random_assignments(4, 500, 10)
    nb = BernoulliNB(alpha=1.0, binarize=None, fit_prior=False).fit(X, a)
    new = REF.update_clusters(X, a, 10)
    np.testing.assert_array_equal(new, nb.predict(X))
    means = np.stack([X[a == j].mean(0) for j in range(10)])
    assert np.mean(new != pairwise_distances_argmin(X, means)) > 0.05


def test_reference_update_clusters_keeps_an_empty_cluster_at_one_half():
    """The documented choice: an empty cluster has probabilities 1/2 and competes."""
    X, _ = inputs.mnist_images(0, 50)
    X = np.vstack([X, np.ones(784)])
    a = np.arange(51) % 3                                   # clusters 0, 1, 2; 3 is empty
    log_lik = REF.bernoulli_log_prob(X, np.vstack([(np.eye(4)[a].T @ X)[:3] + 1, np.ones(784)])
                                     / np.append(np.bincount(a, minlength=3) + 2, 2)[:, None])
    new = REF.update_clusters(X, a, 4)
    np.testing.assert_array_equal(new, log_lik.argmax(1))
    assert new[-1] == 3 and np.sum(new == 3) >= 1          # the all-one image goes there


def test_reference_cluster_accuracy_is_the_contingency_row_maxima():
    rng = np.random.default_rng(5)
    labels = rng.integers(10, size=2000)
    clusters = np.where(rng.random(2000) < 0.6, labels, rng.integers(13, size=2000)) * 3 + 1
    table = contingency_matrix(labels, clusters)      # (labels, clusters)
    assert REF.cluster_accuracy(labels, clusters) == pytest.approx(
        table.max(axis=0).sum() / 2000, abs=1e-12)


def test_reference_fit_never_decreases_and_reports_its_own_objective():
    X, _ = inputs.mnist_images(0, 1000)
    pi, mu, r, hist = REF.fit_bmm(X, 10, 15, np.random.default_rng(0))
    assert hist.shape == (15,) and np.all(np.diff(hist) >= -1e-9 * np.abs(hist[1:]))
    assert hist[-1] == pytest.approx(V.objective(X, pi, mu), rel=1e-12)
    np.testing.assert_allclose(r, REF.e_step(X, pi, mu)[0], atol=1e-12)


def test_reference_fit_draws_from_its_rng_only():
    X = inputs.fit_data()
    np.random.seed(3)
    before = np.random.get_state()[1].copy()
    a = REF.fit_bmm(X, 3, 5, np.random.default_rng(1))
    assert np.array_equal(np.random.get_state()[1], before)
    b = REF.fit_bmm(X, 3, 5, np.random.default_rng(1))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


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


def prior(mu):
    return np.sum(np.log(mu) + np.log1p(-mu))


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
        history.append(ll + prior(mu) + const)
        pi, mu = m_step_einsum(X, r.astype(float))
    r, ll = e_step_logaddexp(X, pi, mu)
    history.append(ll + prior(mu) + const)
    return pi, mu, r, np.array(history)


def fit_bmm_kmeanspp_start(X, k, iters, rng):
    """Start from hard responsibilities of k random images (nearest by Hamming distance)."""
    centres = X[rng.choice(len(X), size=k, replace=False)]
    r = np.eye(k)[np.argmin(np.abs(X[:, None, :] - centres[None]).sum(-1), axis=1)]
    history = []
    for _ in range(iters):
        pi, mu = REF.m_step(X, r)
        r, ll = REF.e_step(X, pi, mu)
        history.append(ll + prior(mu))
    return pi, mu, r, np.asarray(history)


def fit_bmm_own_generator(X, k, iters, rng):
    """Makes a generator of its own from rng (a seed drawn from it): still rng alone."""
    return REF.fit_bmm(X, k, iters, np.random.default_rng(rng.integers(2 ** 32)))


def update_clusters_lecture(X, assignments, n_clusters):
    """The lecture's rule with loops: per cluster its smoothed pixel probabilities, per image
    the log-likelihood under every cluster, then the most likely."""
    mus = []
    for j in range(n_clusters):
        members = [X[i] for i in range(len(X)) if assignments[i] == j]
        on = np.sum(members, axis=0) if members else np.zeros(X.shape[1])
        mus.append((on + 1) / (len(members) + 2))
    new = []
    for i in range(len(X)):
        scores = [np.sum(X[i] * np.log(m) + (1 - X[i]) * np.log(1 - m)) for m in mus]
        new.append(int(np.argmax(scores)))
    return np.array(new)


def update_clusters_log_odds(X, assignments, n_clusters):
    """np.add.at counts, then the log-likelihood as log-odds times X plus a constant."""
    on = np.zeros((n_clusters, X.shape[1]))
    np.add.at(on, assignments, X)
    sizes = np.bincount(assignments, minlength=n_clusters)
    mu = (on + 1) / (sizes[:, None] + 2)
    scores = X @ np.log(mu / (1 - mu)).T + np.log(1 - mu).sum(axis=1)
    return scores.argmax(axis=1).astype(np.int32)


def update_clusters_float32(X, assignments, n_clusters):
    one_hot = np.eye(n_clusters, dtype=np.float32)[assignments]
    X = X.astype(np.float32)
    mu = (one_hot.T @ X + 1) / (one_hot.sum(0)[:, None] + 2)
    return np.argmax(X @ np.log(mu).T + (1 - X) @ np.log1p(-mu).T, axis=1)


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
    "fit_bmm": [fit_bmm_loops, fit_bmm_estep_first, fit_bmm_kmeanspp_start,
                fit_bmm_own_generator],
    "update_clusters": [update_clusters_lecture, update_clusters_log_odds,
                        update_clusters_float32],
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


@pytest.mark.parametrize("seed", range(6))
def test_the_fit_checks_accept_any_start_whatever_the_seed(seed):
    """Other seeds than the checks': local optima included, every correct fit passes."""
    checks = [BY_ID[i] for i in (FIT_OPTIMUM, FIT_REF)]
    for fit in (REF.fit_bmm, fit_bmm_estep_first, fit_bmm_kmeanspp_start, fit_bmm_loops):
        def other_seed(X, k, iters, rng, fit=fit):
            return fit(X, k, iters, np.random.default_rng(rng.integers(1000) + 1000 * seed))
        namespace = {n: getattr(REF, n) for n in NAMES} | {"fit_bmm": other_seed}
        with np.errstate(all="ignore"):
            results = run_checks(checks, InKernelStudent(namespace), REF)
        assert all(r.passed for r in results), (fit.__name__, [r.output for r in results])


def test_ids_points_visibility_and_time_limits():
    assert len(BY_ID) == len(CHECKS) and all(c.id.startswith(P + c.function + ".")
                                             for c in CHECKS)
    assert all(not c.hidden for c in PUBLIC) and all(c.hidden for c in HIDDEN)
    assert {c.function for c in PUBLIC} == {c.function for c in HIDDEN} == set(NAMES)
    points = {n: sum(c.points for c in CHECKS if c.function == n) for n in NAMES}
    assert points == {"bernoulli_log_prob": 3, "e_step": 4, "m_step": 3, "fit_bmm": 4,
                      "update_clusters": 3, "cluster_accuracy": 2}   # the notebook's cells
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


def log_prob_negated(X, mu):
    return -REF.bernoulli_log_prob(X, mu)


def log_prob_probabilities(X, mu):
    return np.exp(REF.bernoulli_log_prob(X, mu))


def log_prob_transposed(X, mu):
    return REF.bernoulli_log_prob(X, mu).T


def test_products_of_probabilities_underflow():
    results = grade(bernoulli_log_prob=log_prob_products)
    assert failed(results) == {LOG_PROB_FAR, LOG_PROB_REF}
    text = out(results, LOG_PROB_FAR)
    assert "not finite" in text
    assert_bug(results, LOG_PROB_FAR, "mnist_bmm.log_prob.product_underflow")


@pytest.mark.parametrize("func, bug", [
    (log_prob_on_pixels_only, "on_pixels_only"),
    (log_prob_swapped, "swapped"),
    (log_prob_mean, "mean"),
    (log_prob_negated, "negated"),
], ids=lambda v: getattr(v, "__name__", v))
def test_log_prob_bugs_fail_every_log_prob_check(func, bug):
    results = grade(bernoulli_log_prob=func)
    assert failed(results) == OF["bernoulli_log_prob"]
    for check_id in OF["bernoulli_log_prob"]:
        assert_bug(results, check_id, "mnist_bmm.log_prob." + bug)


def test_probabilities_instead_of_logs():
    results = grade(bernoulli_log_prob=log_prob_probabilities)
    assert failed(results) == OF["bernoulli_log_prob"]
    assert_bug(results, LOG_PROB_VALUES, "mnist_bmm.log_prob.probabilities")


def test_log_prob_transposed():
    results = grade(bernoulli_log_prob=log_prob_transposed)
    assert failed(results) == OF["bernoulli_log_prob"]
    assert "transpose" in out(results, LOG_PROB_VALUES)


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
    assert failed(results) == {E_FAR}
    assert "not finite" in out(results, E_FAR) and "0 / 0 = nan" in out(results, E_FAR)
    assert_bug(results, E_FAR, "mnist_bmm.e_step.products")


def test_responsibilities_normalised_over_images():
    results = grade(e_step=e_step_over_images)
    assert failed(results) == OF["e_step"]
    assert "sums to" in out(results, E_PMF)
    assert_bug(results, E_PMF, "mnist_bmm.e_step.axis0")


def test_mixture_weights_left_out_of_the_e_step():
    results = grade(e_step=e_step_no_weights)
    assert {E_VALUES, E_REF} <= failed(results) <= OF["e_step"] - {E_PMF}
    assert_bug(results, E_VALUES, "mnist_bmm.e_step.no_weights")


def test_mean_log_likelihood_instead_of_the_total():
    results = grade(e_step=e_step_mean_loglik)
    assert failed(results) == {E_VALUES, E_REF, E_FAR}
    assert_bug(results, E_VALUES, "mnist_bmm.e_step.mean_loglik")


def test_per_image_log_likelihoods_instead_of_one_number():
    results = grade(e_step=e_step_per_image_loglik)
    assert failed(results) == OF["e_step"]
    text = out(results, E_PMF)
    assert "expected a single number" in text and "sum the per-image values" in text


def test_log_responsibilities_returned():
    results = grade(e_step=e_step_log_resp)
    assert failed(results) == OF["e_step"]
    assert_bug(results, E_PMF, "mnist_bmm.e_step.log_resp")


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


def m_step_divide_by_n(X, r, smoothing=1.0):
    R = r.sum(0)
    return R / len(X), (r.T @ X + smoothing) / (len(X) + 2 * smoothing)


def m_step_unnormalised_pi(X, r, smoothing=1.0):
    R = r.sum(0)
    return R, (r.T @ X + smoothing) / (R[:, None] + 2 * smoothing)


def m_step_swapped_outputs(X, r, smoothing=1.0):
    return REF.m_step(X, r, smoothing)[::-1]


def test_m_step_without_smoothing_gives_zero_probabilities():
    results = grade(m_step=m_step_no_smoothing)
    assert failed(results) == OF["m_step"]
    text = out(results, M_VALID)
    assert "never on" in text and "log(0) = -inf" in text
    for check_id in (M_VALID, M_VALUES):
        assert_bug(results, check_id, "mnist_bmm.m_step.no_smoothing")
    assert results[M_VALID].figure      # the digit means, yours above the stored expected


def test_m_step_ignoring_its_smoothing_argument():
    results = grade(m_step=m_step_fixed_smoothing)
    assert failed(results) == {M_VALUES, M_REF}
    assert "smoothing=0" in out(results, M_VALUES)
    assert_bug(results, M_VALUES, "mnist_bmm.m_step.fixed_smoothing")


def test_m_step_with_one_pseudo_count_in_the_denominator():
    results = grade(m_step=m_step_one_pseudo_count)
    assert failed(results) == OF["m_step"]
    assert_bug(results, M_VALUES, "mnist_bmm.m_step.one_pseudo_count")
    assert "always on" in out(results, M_VALID)   # mu = 1 for the pixel that is always on
    assert_bug(results, M_VALID, "mnist_bmm.m_step.one_pseudo_count")


def test_m_step_dividing_by_n():
    results = grade(m_step=m_step_divide_by_n)
    assert failed(results) == {M_VALUES, M_REF}
    assert_bug(results, M_VALUES, "mnist_bmm.m_step.divide_by_n")
    assert_bug(results, M_REF, "mnist_bmm.m_step.divide_by_n")


def test_m_step_with_unnormalised_weights():
    results = grade(m_step=m_step_unnormalised_pi)
    assert failed(results) == OF["m_step"]
    assert_bug(results, M_VALID, "mnist_bmm.m_step.unnormalised_pi")


def test_m_step_returning_mu_then_pi():
    results = grade(m_step=m_step_swapped_outputs)
    assert failed(results) == OF["m_step"]
    assert "order (pi, mu)" in out(results, M_VALID)


# ---------------------------------------------------------------------------------------------
# fit_bmm: a composite, judged on its own logic
# ---------------------------------------------------------------------------------------------
def make_fit(objective=None, m_step=REF.m_step, e_step=REF.e_step):
    """The reference's loop over the given steps, with the objective optionally replaced."""
    def fit_bmm(X, k, iters, rng):
        mu = (X[rng.choice(len(X), size=k, replace=False)] + 1) / 3
        r, _ = e_step(X, np.full(k, 1 / k), mu)
        history = []
        for _ in range(iters):
            pi, mu = m_step(X, r)
            r, ll = e_step(X, pi, mu)
            history.append(objective(X, ll, pi, mu) if objective else ll + prior(mu))
        return pi, mu, r, history
    return fit_bmm


@pytest.mark.parametrize("e_step, m_step", [
    (e_step_over_images, REF.m_step), (e_step_no_weights, REF.m_step),
    (e_step_mean_loglik, REF.m_step), (REF.e_step, m_step_no_smoothing),
    (REF.e_step, m_step_divide_by_n), (REF.e_step, m_step_one_pseudo_count),
    (REF.e_step, m_step_fixed_smoothing),
], ids=lambda f: f.__name__)
def test_a_broken_step_costs_only_its_own_points_not_the_fits(e_step, m_step):
    """The student's fit calls the student's (broken) steps: only the steps' checks fail."""
    results = grade(e_step=e_step, m_step=m_step, fit_bmm=make_fit(m_step=m_step, e_step=e_step))
    broken = (OF["e_step"] if e_step is not REF.e_step else set()) | (
        OF["m_step"] if m_step is not REF.m_step else set())
    assert failed(results) <= broken, {i: out(results, i) for i in failed(results) - broken}


def test_objective_without_the_prior():
    results = grade(fit_bmm=make_fit(objective=lambda X, ll, pi, mu: ll))
    assert failed(results) == {FIT_OPTIMUM, FIT_REF}
    assert_bug(results, FIT_OPTIMUM, "mnist_bmm.fit_bmm.no_prior")
    assert_bug(results, FIT_REF, "mnist_bmm.fit_bmm.no_prior")


def test_mean_log_likelihood_as_the_objective():
    results = grade(fit_bmm=make_fit(objective=lambda X, ll, pi, mu: ll / len(X)))
    assert failed(results) == {FIT_OPTIMUM, FIT_REF}
    assert_bug(results, FIT_OPTIMUM, "mnist_bmm.fit_bmm.mean_loglik")


def test_negative_objective_recorded():
    results = grade(fit_bmm=make_fit(objective=lambda X, ll, pi, mu: -(ll + prior(mu))))
    assert failed(results) == {FIT_REPLAY, FIT_OPTIMUM, FIT_REF}
    for check_id in (FIT_REPLAY, FIT_OPTIMUM):
        assert_bug(results, check_id, "mnist_bmm.fit_bmm.negative")


def test_fit_with_its_own_unsmoothed_m_step():
    """The student's m_step is right, but fit_bmm does not use it."""
    with np.errstate(all="ignore"):
        results = grade(fit_bmm=make_fit(m_step=m_step_no_smoothing))
    assert {FIT_REPLAY, FIT_REF} <= failed(results) <= OF["fit_bmm"] - {FIT_SHAPES}
    assert "does not follow your own m_step and e_step" in out(results, FIT_REPLAY)


def test_fit_with_its_own_responsibilities_normalised_over_images():
    results = grade(fit_bmm=make_fit(e_step=e_step_over_images))
    assert FIT_REPLAY in failed(results) and failed(results) <= OF["fit_bmm"] - {FIT_SHAPES}
    assert "does not follow your own m_step and e_step" in out(results, FIT_REPLAY)


def test_fit_returning_the_responsibilities_of_the_previous_iteration():
    def fit_bmm(X, k, iters, rng):
        mu = (X[rng.choice(len(X), size=k, replace=False)] + 1) / 3
        r, _ = REF.e_step(X, np.full(k, 1 / k), mu)
        history = []
        for _ in range(iters):
            previous = r
            pi, mu = REF.m_step(X, r)
            r, ll = REF.e_step(X, pi, mu)
            history.append(ll + prior(mu))
        return pi, mu, previous, history
    results = grade(fit_bmm=fit_bmm)     # invisible at convergence: the replay sees it
    assert FIT_REPLAY in failed(results) and failed(results) <= {FIT_REPLAY, FIT_REF}
    assert "r is that of the previous iteration" in out(results, FIT_REPLAY)


def test_fit_with_one_pseudo_count_in_its_own_m_step():
    results = grade(fit_bmm=make_fit(m_step=m_step_one_pseudo_count))
    assert {FIT_REPLAY, FIT_REF} <= failed(results) <= OF["fit_bmm"] - {FIT_SHAPES}


def test_fit_that_runs_one_iteration_fewer():
    def fit_bmm(X, k, iters, rng):
        pi, mu, r, hist = REF.fit_bmm(X, k, max(iters - 1, 1), rng)
        return pi, mu, r, np.append(hist, hist[-1])[:iters]
    results = grade(fit_bmm=fit_bmm)
    assert FIT_REPLAY in failed(results) and FIT_SHAPES not in failed(results)
    assert "one iteration FEWER" in out(results, FIT_REPLAY)


def test_fit_that_stops_too_early():
    """Only 3 of the iterations asked for are run, then the history is padded."""
    def fit_bmm(X, k, iters, rng):
        pi, mu, r, hist = REF.fit_bmm(X, k, min(iters, 3), rng)
        return pi, mu, r, np.concatenate([hist, np.full(iters - len(hist), hist[-1])])
    results = grade(fit_bmm=fit_bmm)
    assert {FIT_REPLAY, FIT_REF} <= failed(results) <= OF["fit_bmm"] - {FIT_SHAPES}


# randomness conventions: each bug costs the shapes-and-rng check only
def fit_global_generator(X, k, iters, rng):
    """Draws the start from numpy's global generator instead of rng."""
    return make_fit()(X, k, iters, np.random.mtrand._rand)


def fit_reseeding_global(X, k, iters, rng):
    """Deterministic, but resets numpy's global generator for everyone."""
    np.random.seed(0)
    return REF.fit_bmm(X, k, iters, rng)


REPLAY_CHECK = "mnist_bmm.fit_bmm.replay"


def fit_unseeded_generator(X, k, iters, rng):
    return REF.fit_bmm(X, k, iters, np.random.default_rng())


@pytest.mark.parametrize("func, bug, words", [
    (fit_global_generator, "global_rng", "draws from numpy's global generator"),
    (fit_reseeding_global, "global_state_changed", "changed numpy's global generator"),
    (fit_unseeded_generator, "global_rng", "with the same rng gave different fits"),
], ids=lambda v: getattr(v, "__name__", v))
def test_fit_randomness_conventions(func, bug, words):
    results = grade(fit_bmm=func)
    # An unseeded generator starts each call somewhere new: whether the replay (which compares
    # two calls) also fails depends on where those starts land; the rng check must always fail.
    may_also_fail = {REPLAY_CHECK} if func is fit_unseeded_generator else set()
    assert FIT_SHAPES in failed(results)
    assert failed(results) - may_also_fail == {FIT_SHAPES}, \
        {i: out(results, i) for i in failed(results)}
    assert words in out(results, FIT_SHAPES)
    assert_bug(results, FIT_SHAPES, "mnist_bmm.fit_bmm." + bug)


def test_the_randomness_check_leaves_numpys_global_generator_unpredictable():
    np.random.seed(5)
    grade()
    assert np.random.random_sample() != np.random.RandomState(5).random_sample()


# ---------------------------------------------------------------------------------------------
# update_clusters bugs
# ---------------------------------------------------------------------------------------------
def update_kmeans(X, assignments, n_clusters):
    """The old graded rule: nearest mean in squared Euclidean distance."""
    one_hot = np.eye(n_clusters)[assignments]
    counts = one_hot.sum(axis=0)
    means = (one_hot.T @ X) / np.maximum(counts, 1)[:, None]
    sq_dist = (means ** 2).sum(axis=1) - 2 * X @ means.T
    sq_dist[:, counts == 0] = np.inf
    return np.argmin(sq_dist, axis=1)


def _smoothed(X, assignments, n_clusters, plus=1.0, denominator=2.0):
    one_hot = np.eye(n_clusters)[assignments]
    return (one_hot.T @ X + plus) / (one_hot.sum(0)[:, None] + denominator)


def _log_lik(X, mu):
    return X @ np.log(mu).T + (1 - X) @ np.log1p(-mu).T


def update_least_likely(X, assignments, n_clusters):
    return _log_lik(X, _smoothed(X, assignments, n_clusters)).argmin(1)


def update_unsmoothed(X, assignments, n_clusters):
    with np.errstate(all="ignore"):
        return np.nan_to_num(_log_lik(X, _smoothed(X, assignments, n_clusters, 0, 0)),
                             nan=-np.inf).argmax(1)


def update_one_pseudo_count(X, assignments, n_clusters):
    with np.errstate(all="ignore"):
        return np.nan_to_num(_log_lik(X, _smoothed(X, assignments, n_clusters, 1, 1)),
                             nan=-np.inf).argmax(1)


def update_on_pixels_only(X, assignments, n_clusters):
    return (X @ np.log(_smoothed(X, assignments, n_clusters)).T).argmax(1)


def update_with_weights(X, assignments, n_clusters):
    sizes = np.bincount(assignments, minlength=n_clusters)
    with np.errstate(divide="ignore"):
        return (_log_lik(X, _smoothed(X, assignments, n_clusters))
                + np.log(sizes / len(X))).argmax(1)


def update_skip_empty(X, assignments, n_clusters):
    ll = _log_lik(X, _smoothed(X, assignments, n_clusters))
    ll[:, np.bincount(assignments, minlength=n_clusters) == 0] = -np.inf
    return ll.argmax(1)


def update_returns_probabilities(X, assignments, n_clusters):
    return _smoothed(X, assignments, n_clusters)


def update_unchanged(X, assignments, n_clusters):
    return assignments.copy()


def test_k_means_is_not_the_lectures_rule():
    """Every update_clusters check fails K-means and says that it is K-means."""
    results = grade(update_clusters=update_kmeans)
    assert failed(results) == OF["update_clusters"]
    for check_id in OF["update_clusters"]:
        assert_bug(results, check_id, "mnist_bmm.update_clusters.kmeans")
        assert "this is K-means" in out(results, check_id)
    assert "most likely cluster" in out(results, U_VALUES)
    assert results[U_VALUES].figure          # the image and the two clusters' probabilities


@pytest.mark.parametrize("func, bug", [
    (update_least_likely, "least_likely"),
    (update_unsmoothed, "no_smoothing"),
    (update_one_pseudo_count, "one_pseudo_count"),
    (update_on_pixels_only, "on_pixels_only"),
    (update_with_weights, "with_weights"),
    (update_unchanged, "unchanged"),
], ids=lambda v: getattr(v, "__name__", v))
def test_update_clusters_bugs(func, bug):
    results = grade(update_clusters=func)
    assert failed(results) == OF["update_clusters"]
    assert_bug(results, U_VALUES, "mnist_bmm.update_clusters." + bug)
    assert_bug(results, U_REF, "mnist_bmm.update_clusters." + bug)


def test_an_empty_cluster_that_takes_no_image():
    """The documented choice: an empty cluster keeps probabilities 1/2 and competes."""
    results = grade(update_clusters=update_skip_empty)
    assert failed(results) == {U_EXAMPLES, U_REF}
    for check_id in (U_EXAMPLES, U_REF):
        assert_bug(results, check_id, "mnist_bmm.update_clusters.skip_empty")


def test_update_clusters_returning_probabilities():
    results = grade(update_clusters=update_returns_probabilities)
    assert failed(results) == OF["update_clusters"]
    assert "not the clusters' probabilities" in out(results, U_VALUES)


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


@pytest.mark.parametrize("func, bug", [
    (accuracy_hungarian, "one_to_one"),
    (accuracy_count, "count"),
    (accuracy_direct, "direct"),
    (accuracy_label_majority, "label_majority"),
], ids=lambda v: getattr(v, "__name__", v))
def test_cluster_accuracy_bugs(func, bug):
    results = grade(cluster_accuracy=func)
    assert failed(results) == OF["cluster_accuracy"]
    for check_id in OF["cluster_accuracy"]:
        assert_bug(results, check_id, "mnist_bmm.cluster_accuracy." + bug)


# ---------------------------------------------------------------------------------------------
# Helpful messages
# ---------------------------------------------------------------------------------------------
def test_a_value_failure_says_expected_got_where_and_why():
    results = grade(m_step=m_step_divide_by_n)
    text = out(results, M_VALUES)
    assert "expected" in text and "got" in text and "at index (0, 0)" in text
    assert "Hint: divide by each cluster's soft count R_k" in text
    assert results[M_VALUES].figure and results[M_REF].figure


def test_the_update_clusters_example_says_what_k_means_gets_wrong():
    text = out(grade(update_clusters=update_kmeans), U_EXAMPLES)
    assert "expected [1, 1, 0, 0, 1]" in text and "16/125" in text and "9/64" in text


# ---------------------------------------------------------------------------------------------
# In a notebook, check() hands the checks only the function checked: the fit's checks still
# find the e_step and m_step the fit calls (its module's globals), so both modes agree
# ---------------------------------------------------------------------------------------------
def notebook_namespace(m_step_body: str = "", returns: str = "pi, mu, r") -> dict:
    """The reference's functions exec'd into one namespace, as a notebook's cells are; the
    m_step's body and fit_bmm's returned values may be replaced."""
    source = paths.solutions_file(ASSIGNMENT).read_text()
    if m_step_body:
        source = source.replace("    mu = (r.T @ X + smoothing) / (nk[:, None] + 2 * smoothing)",
                                m_step_body)
    if returns != "pi, mu, r":
        source = source.replace("    for _ in tqdm(range(iters), desc=\"EM\", disable=not progress):",
                                "    for _ in tqdm(range(iters), desc=\"EM\", disable=not progress):\n"
                                "        previous = r")
        source = source.replace("return pi, mu, r, np.array(objective_history)",
                                f"return {returns}, np.array(objective_history)")
    namespace: dict = {}
    exec(compile(source, "notebook", "exec"), namespace)
    return namespace


def fit_results(namespace):
    checks = [c for c in CHECKS if c.function == "fit_bmm"]
    with np.errstate(all="ignore"):
        results = run_checks(checks, InKernelStudent({"fit_bmm": namespace["fit_bmm"]}), REF)
    return {c.id: r for c, r in zip(checks, results)}


def test_in_a_notebook_a_broken_m_step_costs_the_fit_nothing():
    namespace = notebook_namespace("    mu = (r.T @ X + smoothing) / (len(X) + 2 * smoothing)")
    assert all(r.passed for r in fit_results(namespace).values())


def test_in_a_notebook_the_replay_uses_the_steps_the_fit_calls():
    results = fit_results(notebook_namespace(returns="pi, mu, previous"))
    assert not results[FIT_REPLAY].passed
    assert "r is that of the previous iteration" in results[FIT_REPLAY].output
