"""Hidden checks of ``mnist_bmm`` (shown after the due date).

Their judges receive ``ref``, the reference solution ``solutions/mnist_bmm.py``, and compare the
student's functions with it on seeded random data the public checks do not use (200 x 64 binary
images, float32 inputs, extreme weights, other smoothings), on a fit of well-separated data with
unequal cluster sizes, along the reference's own hard-assignment passes on MNIST images, and on
larger clusterings with arbitrary cluster names.
"""
import numpy as np

from gmmkit.checks import figures
from gmmkit.checks.core import AFTER_DUE, Check
from gmmkit.checks.expect import (expect_close, expect_finite, expect_shape, fail,
                                  figure_on_failure)
from gmmkit.checks.mnist_bmm import (FAST_TIMEOUT, FIT_SLOW_HINT, FIT_TIMEOUT, HARD_SLOW_HINT,
                                     HARD_TIMEOUT, LOGP_TOL, PARAM_TOL, RESP_TOL, VECTORISE_HINT,
                                     call_e_step, diagnose_loglik, digit_means_figure, diagnose_log_prob, diagnose_mu,
                                     diagnose_pi, diagnose_resp, expect_pmf_rows,
                                     judge_accuracy, judge_fit_shapes, judge_last_objective,
                                     judge_log_prob, judge_m_step_shapes, judge_monotone,
                                     judge_update, log_prob_shape_hint, call_log_prob,
                                     log_prior, loglik, mnist_images, prototype_data, random_assignments,
                                     random_images, random_mu, resp_shape_hint)


# --------------------------------------------------------------------------------------------
# bernoulli_log_prob
# --------------------------------------------------------------------------------------------
def _log_prob_reference(student, ref):
    X, mu = random_images(101, 200, 64), random_mu(102, 5, 64, 0.001, 0.999)
    got, what = call_log_prob(student, X, mu)
    expect_shape(got, (200, 5), what, log_prob_shape_hint(got, 200, 5))
    expect_finite(got, what, "mu is strictly between 0 and 1 here, so every log is finite")
    expect_close(got, ref.bernoulli_log_prob(X, mu), what, **LOGP_TOL,
                 hint=diagnose_log_prob(got, X, mu))
    # float32 images and probabilities, as a student may store them.
    X32, mu32 = random_images(103, 50, 784, 0.2).astype(np.float32), \
        random_mu(104, 4, 784, 0.01, 0.99).astype(np.float32)
    got, what = call_log_prob(student, X32, mu32)
    expect_shape(got, (50, 4), what, log_prob_shape_hint(got, 50, 4))
    expect_close(got, ref.bernoulli_log_prob(X32.astype(float), mu32.astype(float)), what,
                 rtol=1e-4, atol=0.05, hint=diagnose_log_prob(got, X32, mu32))
    # One image, one cluster.
    judge_log_prob(student, random_images(105, 1, 20), random_mu(106, 1, 20))


# --------------------------------------------------------------------------------------------
# e_step
# --------------------------------------------------------------------------------------------
def _judge_e_step_ref(student, ref, X, pi, mu):
    n, k = len(X), len(mu)
    r, ll, what = call_e_step(student, X, pi, mu)
    expect_shape(r, (n, k), f"the r of {what}", resp_shape_hint(r, n, k))
    expect_finite(r, f"the r of {what}", "stay in log space and normalise with logsumexp")
    expect_pmf_rows(r, f"the r of {what}", tol=1e-5)
    expected_r, expected_ll = ref.e_step(np.asarray(X, dtype=float), np.asarray(pi, dtype=float),
                                         np.asarray(mu, dtype=float))
    expect_close(r, expected_r, f"the r of {what}", **RESP_TOL, hint=diagnose_resp(r, X, pi, mu))
    expect_close(np.asarray(ll), expected_ll, f"the loglik of {what}", **LOGP_TOL,
                 hint=diagnose_loglik(ll, X, pi, mu))


def _e_step_reference(student, ref):
    rng = np.random.default_rng(201)
    X, mu = random_images(202, 200, 64), random_mu(203, 5, 64)
    _judge_e_step_ref(student, ref, X, rng.dirichlet(np.ones(5)), mu)
    # A weight of 1e-12 and one of 0.5: the log of a tiny weight is fine in log space.
    _judge_e_step_ref(student, ref, X[:60], np.array([0.5, 1e-12, 0.25, 0.25 - 2e-12, 1e-12]), mu)
    # One cluster: every responsibility is 1.
    _judge_e_step_ref(student, ref, X[:20], np.array([1.0]), mu[:1])


# --------------------------------------------------------------------------------------------
# m_step
# --------------------------------------------------------------------------------------------
def _m_step_reference(student, ref):
    with figure_on_failure(lambda: digit_means_figure(student)):
        _m_step_reference_cases(student, ref)


def _m_step_reference_cases(student, ref):
    rng = np.random.default_rng(301)
    X = random_images(302, 200, 64, 0.25)
    for smoothing, k in ((None, 5), (0.5, 5), (3.0, 2)):
        r = rng.dirichlet(np.full(k, 0.3), size=200)
        pi, mu, what = judge_m_step_shapes(student, X, r, smoothing)
        s = 1.0 if smoothing is None else smoothing
        expected_pi, expected_mu = ref.m_step(X, r, s)
        expect_close(pi, expected_pi, f"the pi of {what}", **PARAM_TOL, hint=diagnose_pi(pi, X, r))
        expect_close(mu, expected_mu, f"the mu of {what}", **PARAM_TOL,
                     hint=diagnose_mu(mu, X, r, s))
    # Hard (one-hot) responsibilities in float32, and a cluster that gets no image at all.
    z = rng.integers(3, size=80)
    r = (z[:, None] == np.arange(4)).astype(np.float32)
    X = X[:80].astype(np.float32)
    pi, mu, what = judge_m_step_shapes(student, X, r, None)
    expected_pi, expected_mu = ref.m_step(X.astype(float), r.astype(float), 1.0)
    tol = {"rtol": 1e-5, "atol": 1e-6}
    expect_close(pi, expected_pi, f"the pi of {what}", **tol, hint=diagnose_pi(pi, X, r))
    expect_close(mu, expected_mu, f"the mu of {what}", **tol,
                 hint="an empty cluster (R = 0) gets mu = smoothing / (2 * smoothing) = 0.5 for "
                      "every pixel; " + diagnose_mu(mu, X, r, 1.0))


# --------------------------------------------------------------------------------------------
# fit_bmm
# --------------------------------------------------------------------------------------------
def _fit_reference(student, ref):
    """Judged whatever the start: for k = 1 the optimum is unique and known; for k = 4 the
    fit must end at a fixed point of the reference's EM step (any local optimum is one), with r
    the responsibilities of the parameters returned."""
    X = random_images(401, 150, 40, 0.35)
    pi, mu, r, hist, what = judge_fit_shapes(student, X, 1, 3, 402)
    judge_last_objective(X, pi, mu, hist, what)
    expected_pi, expected_mu = ref.m_step(X, np.ones((150, 1)), 1.0)   # (sum x + 1) / (n + 2)
    expect_close(pi, expected_pi, f"the pi of {what}", **PARAM_TOL,
                 hint="with one cluster, pi = [1.0]")
    # these 40-pixel images are drawn as 5 x 8 pictures, yours above the expected one
    with figure_on_failure(lambda: figures.images(
            mu, expected_mu, shape=(5, 8), title="fit_bmm with k = 1: your mu vs the optimum "
            "(X.sum(0) + 1) / (n + 2), as 5 x 8 images")):
        expect_close(mu, expected_mu, f"the mu of {what}", **PARAM_TOL,
                     hint="with one cluster every responsibility is 1, so mu = (X.sum(0) + 1) / "
                          "(n + 2) after the first M-step: "
                          + diagnose_mu(mu, X, np.ones((150, 1)), 1.0))

    X, _, _ = prototype_data(403, 300, 64, [0.4, 0.3, 0.2, 0.1])
    pi, mu, r, hist, what = judge_fit_shapes(student, X, 4, 50, 404)
    judge_monotone(hist, what)
    judge_last_objective(X, pi, mu, hist, what)
    ref_r, _ = ref.e_step(X, pi, mu)
    expect_close(r, ref_r, f"the r of {what}", rtol=0, atol=1e-3,
                 hint="r must be the responsibilities of the pi and mu you return (the E-step "
                      "after the last M-step)")
    now = loglik(X, pi, mu) + log_prior(mu)
    next_pi, next_mu = ref.m_step(X, ref_r, 1.0)
    gain = loglik(X, next_pi, next_mu) + log_prior(next_mu) - now
    if gain > FIXED_POINT_GAIN:
        fail(f"{what} did not end at a fixed point of EM: one more E-step and smoothed M-step "
             f"from the parameters it returns raises the objective by {gain:.4g} (from "
             f"{now:.10g}), which 50 iterations of EM on four well-separated clusters leave "
             f"below {FIXED_POINT_GAIN:g}", "inside fit_bmm, alternate your m_step (with "
             "smoothing = 1) and e_step for all iters iterations, each M-step using the "
             "responsibilities of the E-step just before it",
             figure=figures.images(mu, next_mu, shape=(8, 8), title="fit_bmm with k = 4: your "
                                   "mu vs one more EM step from your parameters (8 x 8 images)"))


FIXED_POINT_GAIN = 0.5    # objective units; the objective is about -9,000 here


# --------------------------------------------------------------------------------------------
# update_clusters
# --------------------------------------------------------------------------------------------
def _update_reference_passes(student, ref):
    """Five passes of the hard-assignment loop on 400 MNIST images, each from the reference's
    assignments, then float32 images with int32 assignments."""
    X, _ = mnist_images(4000, 400)
    assignments = random_assignments(501, 400, 10)
    for _ in range(5):
        judge_update(student, X, assignments, 10)
        assignments = ref.update_clusters(X, assignments, 10)
    X32 = random_images(502, 150, 64).astype(np.float32)
    judge_update(student, X32, random_assignments(503, 150, 6).astype(np.int32), 6)


# --------------------------------------------------------------------------------------------
# cluster_accuracy
# --------------------------------------------------------------------------------------------
def _accuracy_reference(student, ref):
    rng = np.random.default_rng(601)
    labels = rng.integers(10, size=1000)
    # clusters that mostly follow the labels, with noise, two digits split and two merged
    clusters = np.where(rng.random(1000) < 0.7, labels, rng.integers(15, size=1000))
    clusters = np.where((labels == 3) & (rng.random(1000) < 0.5), 12, clusters)
    clusters = np.where(labels == 9, 4, clusters)
    judge_accuracy(student, labels, clusters, ref.cluster_accuracy(labels, clusters))
    # cluster names need not be 0 .. K-1, and renaming them changes nothing
    renamed = np.array([7, 42, 3, 100, 5, 0, 11, 8, 64, 2, 9, 13, 1, 6, 77])[clusters]
    judge_accuracy(student, labels, renamed, ref.cluster_accuracy(labels, clusters))
    # labels that are not 0 .. L-1
    judge_accuracy(student, labels * 10 + 1, clusters, ref.cluster_accuracy(labels, clusters))


CHECKS = [
    Check(name="bernoulli_log_prob: agrees with the reference on seeded random data (200 x 64, "
               "float32, one image)", function="bernoulli_log_prob", points=1,
          judge=_log_prob_reference, visibility=AFTER_DUE, timeout=FAST_TIMEOUT,
          slow_hint=VECTORISE_HINT),
    Check(name="e_step: agrees with the reference on seeded random data (200 x 64, tiny "
               "weights, one cluster)", function="e_step", points=1, judge=_e_step_reference,
          visibility=AFTER_DUE, timeout=FAST_TIMEOUT, slow_hint=VECTORISE_HINT),
    Check(name="m_step: agrees with the reference (smoothing 1, 0.5, 3; one-hot float32 r with "
               "an empty cluster)", function="m_step", points=1, judge=_m_step_reference,
          visibility=AFTER_DUE, timeout=FAST_TIMEOUT, slow_hint=VECTORISE_HINT),
    Check(name="fit_bmm: the exact optimum for k = 1, and a fixed point of EM for k = 4 "
               "(any start)", function="fit_bmm", points=1, judge=_fit_reference,
          visibility=AFTER_DUE, timeout=FIT_TIMEOUT, slow_hint=FIT_SLOW_HINT),
    Check(name="update_clusters: nearest means along five hard-assignment passes on MNIST, "
               "float32 images", function="update_clusters", points=1,
          judge=_update_reference_passes, visibility=AFTER_DUE, timeout=HARD_TIMEOUT,
          slow_hint=HARD_SLOW_HINT),
    Check(name="cluster_accuracy: agrees with the reference on 1,000 labels, any cluster names",
          function="cluster_accuracy", points=1, judge=_accuracy_reference,
          visibility=AFTER_DUE, timeout=FAST_TIMEOUT,
          slow_hint="count labels per cluster with np.bincount or np.add.at"),
]
