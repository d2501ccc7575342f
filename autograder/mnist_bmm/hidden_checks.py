"""Hidden checks of ``mnist_bmm`` (shown after the due date).

Their judges receive ``ref``, the reference solution ``solutions/mnist_bmm.py``, and compare the
student's functions with it, and with the trusted computations of ``variants.py``, on seeded
random data the public checks do not use (200 x 64 binary images, float32 inputs, extreme
weights, other smoothings); fit_bmm along a replay of the student's own steps, every objective
included, then at the optimum; update_clusters along the reference's own hard-EM passes on
MNIST images, with an empty cluster; and larger clusterings with arbitrary cluster names.
"""
from pathlib import Path

import numpy as np

from gmmkit.checks import figures, load_module
from gmmkit.checks.core import AFTER_DUE, CheckFailed, StudentError
from gmmkit.checks.expect import expect_close, fail, figure_on_failure
from gmmkit.checks.mnist_bmm import (ACCURACY, E_STEP, FIT, LOG_PROB, M_STEP, PARAM_TOL, UPDATE,
                                     StepsSeenBy,
                                     call_e_step, digit_means_figure, hint_for, judge_accuracy,
                                     judge_e_step, judge_fit_shapes, judge_log_prob,
                                     judge_m_step_values, judge_monotone, judge_replay,
                                     judge_update, mnist_images, prototype_data,
                                     random_assignments, random_images, random_mu, steps_pass)

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_mnist_bmm")


# --------------------------------------------------------------------------------------------
# bernoulli_log_prob
# --------------------------------------------------------------------------------------------
def _log_prob_reference(student, ref):
    X, mu = random_images(101, 200, 64), random_mu(102, 5, 64, 0.001, 0.999)
    judge_log_prob(student, X, mu, ref.bernoulli_log_prob(X, mu), V.log_prob_bugs(X, mu))
    # float32 images and probabilities, as a student may store them.
    X32 = random_images(103, 50, 784, 0.2).astype(np.float32)
    mu32 = random_mu(104, 4, 784, 0.01, 0.99).astype(np.float32)
    judge_log_prob(student, X32, mu32, ref.bernoulli_log_prob(X32.astype(float),
                                                             mu32.astype(float)),
                   V.log_prob_bugs(X32, mu32), tol={"rtol": 1e-4, "atol": 0.05})
    # One image, one cluster.
    X, mu = random_images(105, 1, 20), random_mu(106, 1, 20)
    judge_log_prob(student, X, mu, ref.bernoulli_log_prob(X, mu), V.log_prob_bugs(X, mu))


# --------------------------------------------------------------------------------------------
# e_step
# --------------------------------------------------------------------------------------------
def _judge_e_step_ref(student, ref, X, pi, mu):
    expected = ref.e_step(np.asarray(X, dtype=float), np.asarray(pi, dtype=float),
                          np.asarray(mu, dtype=float))
    judge_e_step(student, X, pi, mu, expected, V.resp_bugs(X, pi, mu), V.loglik_bugs(X, pi, mu))


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
    X, y = mnist_images(0, 1000)
    r = (y[:, None] == np.arange(10)).astype(float)
    expected_mu = ref.m_step(X, r)[1]
    with figure_on_failure(lambda: digit_means_figure(student, expected_mu)):
        _m_step_reference_cases(student, ref)


def _m_step_reference_cases(student, ref):
    rng = np.random.default_rng(301)
    X = random_images(302, 200, 64, 0.25)
    for smoothing, k in ((None, 5), (0.5, 5), (3.0, 2)):
        r = rng.dirichlet(np.full(k, 0.3), size=200)
        s = 1.0 if smoothing is None else smoothing
        pi, mu = ref.m_step(X, r, s)
        judge_m_step_values(student, X, r, smoothing, pi, mu, V.pi_bugs(X, r),
                            V.mu_bugs(X, r, s))
    # Hard (one-hot) responsibilities in float32, and a cluster that gets no image at all.
    z = rng.integers(3, size=80)
    r = (z[:, None] == np.arange(4)).astype(np.float32)
    X = X[:80].astype(np.float32)
    pi, mu = ref.m_step(X.astype(float), r.astype(float), 1.0)
    judge_m_step_values(student, X, r, None, pi, mu, V.pi_bugs(X, r), V.mu_bugs(X, r, 1.0),
                        tol={"rtol": 1e-5, "atol": 1e-6}, mu_hint="an empty cluster (R = 0) "
                        "gets mu = smoothing / (2 * smoothing) = 0.5 for every pixel; ")


# --------------------------------------------------------------------------------------------
# fit_bmm
# --------------------------------------------------------------------------------------------
FIXED_POINT_GAIN = 0.5    # objective units; the objective is about -9,000 here


def _ref_steps_pass(student, ref, X, k, seed):
    """Are the student's e_step and m_step right on this data (compared with the reference)?"""
    rng = np.random.default_rng(seed)
    r = rng.dirichlet(np.ones(k), size=len(X))
    pi, mu = rng.dirichlet(np.ones(k)), random_mu(seed + 1, k, X.shape[1], 0.05, 0.95)
    r_e, ll_e = ref.e_step(X, pi, mu)
    pi_m, mu_m = ref.m_step(X, r)
    return steps_pass(student, X, r, pi, mu, {"r": r_e, "loglik": ll_e, "pi": pi_m, "mu": mu_m})


def history_judge(student, X, steps_ok: bool):
    """Judges the fit's objectives. With right steps, those after iterations 1 .. iters along
    the replay (loglik + log prior of each replayed iteration); otherwise the last one only,
    from the parameters the fit returns, with the student's e_step's log-likelihood or the
    right one (a fit computing its own correct log-likelihood over a broken e_step is right).
    Either may include the Beta prior's normalising constant."""
    def judge(hist, trajectory, first, final, what):
        pi_t, mu_t = final[:2]
        if steps_ok:
            states = trajectory[:len(trajectory) - 1]        # iterations 1 .. iters
            lls = np.array([ll for (_, _, _, ll) in states])
            priors = np.array([V.log_prior(mu) for (_, mu, _, _) in states])
            targets = [lls + priors]
        else:
            right = V.loglik(X, pi_t, mu_t)
            try:
                _, own_ll, _ = call_e_step(StepsSeenBy(student, "fit_bmm"), X, pi_t, mu_t)
            except (StudentError, CheckFailed):
                own_ll = right
            lls, priors = np.array([own_ll]), np.array([V.log_prior(mu_t)])
            targets = [lls + priors, right + priors]
        got = np.asarray(hist[len(hist) - len(lls):], dtype=float)
        if not len(got):
            return
        const = V.beta_log_normaliser(*np.shape(mu_t))
        tol = 1e-5 * np.abs(targets[0]) + 1e-3
        with np.errstate(invalid="ignore"):
            for target in targets:
                for offset in (0.0, const):
                    if np.all((got == target + offset) | (np.abs(got - target - offset) <= tol)):
                        return
        t = int(np.argmax(~(np.abs(got - targets[0]) <= tol)))
        index = len(hist) - len(got) + t
        fail(f"objective_history[{index}] of {what} is {got[t]:.10g}, but for the parameters "
             f"of that iteration your e_step gives loglik {lls[t]:.10g} and the log prior "
             f"sum(log(mu) + log(1 - mu)) is {priors[t]:.10g}: expected their sum, "
             f"{targets[0][t]:.10g} (tolerance {tol[t]:.3g})",
             hint_for(got[t], V.objective_bugs(lls[t], priors[t], len(X)),
                      "record, after each E-step, loglik + log prior of the parameters of the "
                      "same iteration"),
             figure=figures.curves(hist, ylabel="objective", title="your objective_history"))
    return judge


def _fit_reference(student, ref):
    """Along a replay of the student's own steps, every objective; then, where those steps
    are right, the optimum: exact for k = 1, a fixed point of EM for k = 4 (any start)."""
    X = random_images(401, 150, 40, 0.35)
    steps_ok = _ref_steps_pass(student, ref, X, 1, 410)
    judge_replay(student, X, 1, 3, 402, steps_ok, history_judge(student, X, steps_ok))
    if steps_ok:
        pi, mu, r, hist, what = judge_fit_shapes(student, X, 1, 3, 402)
        expected_pi, expected_mu = ref.m_step(X, np.ones((150, 1)), 1.0)   # (sum x + 1) / (n + 2)
        expect_close(pi, expected_pi, f"the pi of {what}", **PARAM_TOL,
                     hint="with one cluster, pi = [1.0]")
        with figure_on_failure(lambda: figures.images(
                mu, expected_mu, shape=(5, 8), title="fit_bmm with k = 1: your mu vs the "
                "optimum (X.sum(0) + 1) / (n + 2), as 5 x 8 images")):
            expect_close(mu, expected_mu, f"the mu of {what}", **PARAM_TOL,
                         hint="with one cluster every responsibility is 1, so mu = "
                              "(X.sum(0) + 1) / (n + 2) after the first M-step")

    X, _, _ = prototype_data(403, 300, 64, [0.4, 0.3, 0.2, 0.1])
    steps_ok = _ref_steps_pass(student, ref, X, 4, 420)
    pi, mu, r, hist, what = judge_replay(student, X, 4, 12, 404, steps_ok,
                                         history_judge(student, X, steps_ok))
    if not steps_ok:
        return      # a broken step costs its own points; the replay judged the fit's logic
    pi, mu, r, hist, what = judge_fit_shapes(student, X, 4, 50, 404)
    judge_monotone(hist, what, steps_ok)
    ref_r, _ = ref.e_step(X, pi, mu)
    expect_close(r, ref_r, f"the r of {what}", rtol=0, atol=1e-3,
                 hint="r must be the responsibilities of the pi and mu you return (the E-step "
                      "after the last M-step)")
    now = V.objective(X, pi, mu)
    next_pi, next_mu = ref.m_step(X, ref_r, 1.0)
    gain = V.objective(X, next_pi, next_mu) - now
    if gain > FIXED_POINT_GAIN:
        fail(f"{what} did not end at a fixed point of EM: one more E-step and smoothed M-step "
             f"from the parameters it returns raises the objective by {gain:.4g} (from "
             f"{now:.10g}), which 50 iterations of EM on four well-separated clusters leave "
             f"below {FIXED_POINT_GAIN:g}", "inside fit_bmm, alternate your m_step (with "
             "smoothing = 1) and e_step for all iters iterations, each M-step using the "
             "responsibilities of the E-step just before it",
             figure=figures.images(mu, next_mu, shape=(8, 8), title="fit_bmm with k = 4: your "
                                   "mu vs one more EM step from your parameters (8 x 8 images)"))
    last = float(hist[-1])
    objective = V.objective(X, pi, mu)
    tol = 1e-5 * abs(objective) + 1e-3
    if not (abs(last - objective) <= tol
            or abs(last - objective - V.beta_log_normaliser(*mu.shape)) <= tol):
        fail(f"the last objective of {what} is {last:.10g}, but for the pi and mu it returns "
             f"the objective is {objective:.10g}",
             hint_for(last, V.objective_bugs(V.loglik(X, pi, mu), V.log_prior(mu), len(X)),
                      "objective_history[-1] must be the objective of the pi and mu you return"))


# --------------------------------------------------------------------------------------------
# update_clusters
# --------------------------------------------------------------------------------------------
def _judge_update_ref(student, X, assignments, k):
    return judge_update(student, X, assignments, k, V.cluster_log_lik(X, assignments, k),
                        V.update_bugs(X, assignments, k),
                        V.smoothed_cluster_mu(X, assignments, k))


def _update_reference_passes(student, ref):
    """Five passes of hard EM on 400 MNIST images, each from the reference's assignments;
    an empty cluster among ten; then float32 images with int32 assignments."""
    X, _ = mnist_images(4000, 400)
    assignments = random_assignments(501, 400, 10)
    for _ in range(5):
        _judge_update_ref(student, X, assignments, 10)
        assignments = ref.update_clusters(X, assignments, 10)
    # cluster 9 empty, and an all-one image that none of the digits explains: it goes there
    X_empty = np.vstack([X[:120], np.ones((1, 784))])
    start = random_assignments(504, 121, 9)
    _judge_update_ref(student, X_empty, start, 10)
    X32 = random_images(502, 150, 64).astype(np.float32)
    _judge_update_ref(student, X32, random_assignments(503, 150, 6).astype(np.int32), 6)


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
    expected = ref.cluster_accuracy(labels, clusters)
    judge_accuracy(student, labels, clusters, expected, V.accuracy_bugs(labels, clusters))
    # cluster names need not be 0 .. K-1, and renaming them changes nothing
    renamed = np.array([7, 42, 3, 100, 5, 0, 11, 8, 64, 2, 9, 13, 1, 6, 77])[clusters]
    judge_accuracy(student, labels, renamed, expected, V.accuracy_bugs(labels, renamed))
    # labels that are not 0 .. L-1
    judge_accuracy(student, labels * 10 + 1, clusters, expected,
                   V.accuracy_bugs(labels * 10 + 1, clusters))


CHECKS = [
    LOG_PROB.check("mnist_bmm.bernoulli_log_prob.reference", "bernoulli_log_prob: agrees with the "
                   "reference on seeded random data (200 x 64, float32, one image)", 1,
                   _log_prob_reference, AFTER_DUE),
    E_STEP.check("mnist_bmm.e_step.reference", "e_step: agrees with the reference on seeded "
                 "random data (200 x 64, tiny weights, one cluster)", 1, _e_step_reference,
                 AFTER_DUE),
    M_STEP.check("mnist_bmm.m_step.reference", "m_step: agrees with the reference (smoothing 1, "
                 "0.5, 3; one-hot float32 r with an empty cluster)", 1, _m_step_reference,
                 AFTER_DUE),
    FIT.check("mnist_bmm.fit_bmm.reference", "fit_bmm: every objective along a replay of your "
              "own steps; with right steps, the exact optimum for k = 1 and a fixed point of EM "
              "for k = 4 (any start)", 1, _fit_reference, AFTER_DUE),
    UPDATE.check("mnist_bmm.update_clusters.reference", "update_clusters: the most likely "
                 "clusters along five hard-EM passes on MNIST, an empty cluster, float32 "
                 "images", 1, _update_reference_passes, AFTER_DUE),
    ACCURACY.check("mnist_bmm.cluster_accuracy.reference", "cluster_accuracy: agrees with the "
                   "reference on 1,000 labels, any cluster names", 1, _accuracy_reference,
                   AFTER_DUE),
]
