"""Hidden checks of ``iris_em`` (shown after the due date).

Their judges receive ``ref``, the reference solution ``solutions/iris_em.py``, and compute on the
trusted side with it and with the outside references of ``variants.py`` (a trusted sibling of
this file). They judge each function on inputs the public checks do not use: other dimensions
(d = 1 to 5) and numbers of components (k = 1 to 5), the lecture's 2-D mixture, uneven weights,
strongly correlated covariances, soft random responsibilities (also in float32), and a whole fit
compared with the reference's parameters and loss history (or, where the student's own steps
differ from the reference, with those steps replayed). The data is always drawn near the
parameters, so a direct, loop-based implementation with ``multivariate_normal.pdf`` still earns
full marks.
"""
from pathlib import Path

import numpy as np

from gmmkit.checks import AFTER_DUE, load_module
from gmmkit.checks.iris_em import (E_STEP, FIT, INIT_PARAMS, IRIS_START, M_STEP, NLL, OwnSteps,
                                   Target, iris, iris_start, judge_fit_history, judge_fit_params,
                                   judge_fit_shapes, judge_mstep, judge_nll, judge_random_state,
                                   judge_resp, judge_start, random_params, run_estep, run_fit,
                                   run_mstep, run_nll, sample_lecture_mixture)

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_iris_em")
NAMES = ("pi", "mu", "cov")

# (d, k): Iris's shape first, so that its diagnosis is the one a student reads
SHAPES = [(4, 3), (1, 2), (2, 4), (5, 5), (3, 1)]


def _mixture(rng, d, k):
    """A random full-covariance mixture (pi, mu, cov) and 120 points drawn from it."""
    pi = rng.dirichlet(np.full(k, 3.0))
    mu = rng.uniform(-3, 3, size=(k, d))
    A = rng.standard_normal((k, d, d))
    cov = A @ A.transpose(0, 2, 1) / d + 0.3 * np.eye(d)
    return V.sample_mixture(rng, 120, pi, mu, cov), (pi, mu, cov)


def _shape_label(d, k):
    return f"on 120 points with d = {d}, k = {k} (seeded)"


# --------------------------------------------------------------------------------------------
def _e_step_reference(student, ref):
    rng = np.random.default_rng(4101)
    cases = []
    for d, k in SHAPES:
        X, _ = _mixture(rng, d, k)
        cases.append((_shape_label(d, k), X, *random_params(rng, X, k)))
    # uneven weights and strongly correlated, elongated covariances
    rho = 0.99
    cov = np.array([[[1.0, rho], [rho, 1.0]], [[0.2, -0.15], [-0.15, 0.2]],
                    [[2.0, 0.0], [0.0, 0.05]]])
    pi, mu = np.array([0.98, 0.015, 0.005]), np.array([[0.0, 0.0], [1.0, -1.0], [-1.0, 1.0]])
    cases.append(("with weights [0.98, 0.015, 0.005] and a correlation of 0.99 (d = 2, k = 3)",
                  V.sample_mixture(rng, 150, pi, mu, cov), pi, mu, cov))
    for label, X, pi, mu, cov in cases:
        what = f"E_step(X, pi, mu, cov) {label}"
        got = run_estep(student, X, pi, mu, cov, what)
        judge_resp(got, X, pi, mu, cov, what, expected=ref.E_step(X, pi, mu, cov),
                   bugs=V.estep_bugs(X, pi, mu, cov))


def _m_step_reference(student, ref):
    rng = np.random.default_rng(4202)
    for i, (d, k) in enumerate(SHAPES):
        X, _ = _mixture(rng, d, k)
        r = rng.dirichlet(np.full(k, 0.7), size=len(X))          # soft, uneven
        label = _shape_label(d, k) + ", random soft responsibilities"
        if i == 2:
            r, label = r.astype(np.float32), label + " given as float32"
        what = f"M_step(r, X) {label}"
        expected = dict(zip(NAMES, ref.M_step(r.astype(float), X)))
        judge_mstep(run_mstep(student, r, X, what), expected, V.mstep_bugs(r, X), X, what)


def _nll_reference(student, ref):
    rng = np.random.default_rng(4303)
    X, _ = sample_lecture_mixture(500, rng)
    cases = [("on 500 points of the lecture's 2-D mixture, k = 4, random valid parameters",
              X, *random_params(rng, X, 4))]
    for d, k in SHAPES[1:]:
        X, _ = _mixture(rng, d, k)
        cases.append((_shape_label(d, k), X, *random_params(rng, X, k)))
    for label, X, pi, mu, cov in cases:
        what = f"negativeloglikelihood(X, pi, mu, cov) {label}"
        judge_nll(run_nll(student, X, pi, mu, cov, what), ref.negativeloglikelihood(X, pi, mu, cov),
                  V.nll_bugs(X, pi, mu, cov), what)


def _init_params_other_data(student, ref):
    from gmmkit.datasets import load_faithful
    X2, _ = sample_lecture_mixture(500, np.random.default_rng(4404))
    Xi, _ = iris()
    for label, X, k, kwargs in [
            ("the lecture's 2-D mixture (500 points), 4", X2, 4, {"random_state": 0}),
            ("X_iris, 2", Xi, 2, {"random_state": 7}),
            ("X_iris, 1", Xi, 1, {}),
            ("Old Faithful (272 points, 2-D), 2", load_faithful(), 2, {"random_state": 3})]:
        extra = "".join(f", {key}={val}" for key, val in kwargs.items())
        what = f"init_params({label}{extra})"
        judge_start(student.call("init_params", X, k, **kwargs), X, k, what)
    judge_random_state(student, X2, 4, "the lecture's 2-D mixture (500 points)")


def reference_target(ref, X, start, iters: int) -> Target:
    traj = V.reference_trajectory(ref, X, start, iters)
    theta = {t: tuple(traj[n][t] for n in NAMES) for t in (iters - 1, iters, iters + 1)}
    return Target(theta=theta[iters], nll=traj["nll"][:iters + 1],
                  neighbours={t: theta[t] for t in (iters - 1, iters + 1)},
                  steps=V.first_steps(ref, X, start), source="the reference from the same start")


def _fit_reference(student, ref):
    X, _ = sample_lecture_mixture(400, np.random.default_rng(4505))
    start = (np.full(4, 0.25), np.array([[0.8, 0.7], [0.3, -0.2], [-0.3, 1.2], [0.7, 1.7]]),
             np.stack([0.05 * np.eye(2)] * 4))
    iris_x, _ = iris()
    for label, data, st, iters in [
            ("on 400 points of the lecture's 2-D mixture, k = 4, from means near the true ones "
             "and cov[j] = 0.05 * I", X, start, 15),
            (f"on Iris {IRIS_START}", iris_x, iris_start(), 1)]:
        what = f"fit(X, pi, mu, cov, iters={iters}) {label}"
        k, d = st[1].shape
        out = run_fit(student, data, st, iters, what)
        judge_fit_shapes(out, k, d, iters, what)
        target = reference_target(ref, data, st, iters)
        own = OwnSteps(student, data, st, iters, target)
        judge_fit_params(out, target, own, data, st, iters, what)
        judge_fit_history(out, target, own, what)


_HIDDEN = {"visibility": AFTER_DUE}

CHECKS = [
    E_STEP.check("iris_em.E_step.reference", "E_step: agrees with the reference on other "
                 "mixtures (d = 1 to 5, k = 1 to 5, uneven weights, correlated covariances)", 1,
                 _e_step_reference, **_HIDDEN),
    M_STEP.check("iris_em.M_step.reference", "M_step: agrees with the reference on random soft "
                 "responsibilities (d = 1 to 5, k = 1 to 5, float32)", 1, _m_step_reference,
                 **_HIDDEN),
    NLL.check("iris_em.negativeloglikelihood.reference", "negativeloglikelihood: agrees with "
              "the reference on other data (d = 1 to 5)", 1, _nll_reference, **_HIDDEN),
    INIT_PARAMS.check("iris_em.init_params.other_data", "init_params: a valid start on other "
                      "data and other k (1, 2, 4), the same for the same random_state", 0.5,
                      _init_params_other_data, **_HIDDEN),
    FIT.check("iris_em.fit.reference", "fit: agrees with the reference (parameters and "
              "loss_hist) on the lecture's 2-D mixture and for iters=1", 1, _fit_reference,
              **_HIDDEN),
]
