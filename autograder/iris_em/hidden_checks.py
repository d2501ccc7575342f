"""Hidden checks of ``iris_em`` (shown after the due date).

Their judges receive ``ref``, the reference solution ``solutions/iris_em.py``. They judge each
function on inputs the public checks do not use: other dimensions (d = 1 to 5) and numbers of
components (k = 1 to 5), the lecture's 2-D mixture, uneven weights, strongly correlated
covariances, soft random responsibilities (also in float32), and a whole fit compared with the
reference's parameters and loss history. The data is always drawn near the parameters, so a
direct, loop-based implementation with ``multivariate_normal.pdf`` still earns full marks.
"""
import numpy as np

from gmmkit.checks import figures
from gmmkit.checks.core import AFTER_DUE, Check
from gmmkit.checks.expect import fail
from gmmkit.checks.iris_em import (FIT_SLOW_HINT, FIT_TIMEOUT, INIT_SLOW_HINT, MSTEP_SLOW_HINT,
                                   STEP_SLOW_HINT, STEP_TIMEOUT, iris, iris_start, IRIS_START,
                                   judge_fit_shapes, judge_fitted, judge_monotone, judge_mstep,
                                   judge_nll, judge_resp, judge_start, random_params, run_estep,
                                   run_fit, run_mstep, run_nll, sample_lecture_mixture,
                                   sample_mixture)

# (d, k): Iris's shape first, so that its diagnosis is the one a student reads
SHAPES = [(4, 3), (1, 2), (2, 4), (5, 5), (3, 1)]


def _mixture(rng, d, k):
    """A random full-covariance mixture (pi, mu, cov) and 120 points drawn from it."""
    pi = rng.dirichlet(np.full(k, 3.0))
    mu = rng.uniform(-3, 3, size=(k, d))
    A = rng.standard_normal((k, d, d))
    cov = A @ A.transpose(0, 2, 1) / d + 0.3 * np.eye(d)
    return sample_mixture(rng, 120, pi, mu, cov), (pi, mu, cov)


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
                  sample_mixture(rng, 150, pi, mu, cov), pi, mu, cov))
    for label, X, pi, mu, cov in cases:
        what = f"E_step(X, pi, mu, cov) {label}"
        judge_resp(run_estep(student, X, pi, mu, cov, what), X, pi, mu, cov, what,
                   expected=ref.E_step(X, pi, mu, cov))


def _m_step_reference(student, ref):
    rng = np.random.default_rng(4202)
    for i, (d, k) in enumerate(SHAPES):
        X, _ = _mixture(rng, d, k)
        r = rng.dirichlet(np.full(k, 0.7), size=len(X))          # soft, uneven
        label = _shape_label(d, k) + ", random soft responsibilities"
        if i == 2:
            r, label = r.astype(np.float32), label + " given as float32"
        what = f"M_step(r, X) {label}"
        judge_mstep(run_mstep(student, r, X, what), ref.M_step(r.astype(float), X), r, X, what)


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
                  X, pi, mu, cov, what)


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


def _history_matches(hist, ref_hist, final_nll, n):
    """loss_hist equals the reference's, recorded before each M-step (as the reference does) or
    after it, as a sum over the points or as their mean."""
    after = np.append(ref_hist[1:], final_nll)
    for target in (ref_hist, after):
        for scale in (1.0, 1.0 / n):
            if np.allclose(hist, target * scale, rtol=1e-5, atol=5e-2 * scale):
                return True
    return False


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
        judge_monotone(out[3], what)
        expected = ref.fit(data, *st, iters)
        judge_fitted(out[:3], expected[:3], data, st, iters, what,
                     lambda t, data=data, st=st: ref.fit(data, *st, t)[:3],
                     "the reference from the same start")
        final = ref.negativeloglikelihood(data, *expected[:3])
        if not _history_matches(out[3], expected[3], final, len(data)):
            fail(f"loss_hist of {what} is {np.array2string(out[3], precision=5, threshold=6)}, "
                 f"expected {np.array2string(expected[3], precision=5, threshold=6)} (the "
                 f"negative log-likelihood of the parameters each iteration starts from; the "
                 f"values after each M-step are accepted too)",
                 "loss_hist[t] = negativeloglikelihood(X, pi, mu, cov) at iteration t, for the "
                 "parameters of that iteration",
                 figure=figures.curves(out[3], expected[3], ylabel="negative log-likelihood",
                                       increasing=False, title="your loss_hist vs the "
                                       "reference's"))


_HIDDEN = {"visibility": AFTER_DUE}

CHECKS = [
    Check(name="E_step: agrees with the reference on other mixtures (d = 1 to 5, k = 1 to 5, "
               "uneven weights, correlated covariances)", function="E_step", points=1,
          judge=_e_step_reference, timeout=STEP_TIMEOUT, slow_hint=STEP_SLOW_HINT, **_HIDDEN),
    Check(name="M_step: agrees with the reference on random soft responsibilities (d = 1 to 5, "
               "k = 1 to 5, float32)", function="M_step", points=1, judge=_m_step_reference,
          timeout=STEP_TIMEOUT, slow_hint=MSTEP_SLOW_HINT, **_HIDDEN),
    Check(name="negativeloglikelihood: agrees with the reference on other data (d = 1 to 5)",
          function="negativeloglikelihood", points=1, judge=_nll_reference,
          timeout=STEP_TIMEOUT, slow_hint=STEP_SLOW_HINT, **_HIDDEN),
    Check(name="init_params: a valid start on other data and other k (1, 2, 4)",
          function="init_params", points=1, judge=_init_params_other_data,
          timeout=STEP_TIMEOUT, slow_hint=INIT_SLOW_HINT, **_HIDDEN),
    Check(name="fit: agrees with the reference (parameters and loss_hist) on the lecture's "
               "2-D mixture and for iters=1", function="fit", points=1, judge=_fit_reference,
          timeout=FIT_TIMEOUT, slow_hint=FIT_SLOW_HINT, **_HIDDEN),
]
