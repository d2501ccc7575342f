"""Public checks of ``iris_em``: ``E_step``, ``M_step``, ``negativeloglikelihood``,
``init_params`` and ``fit``.

Public checks never see the reference solution. They judge by the known values of the assignment
(ASSIGNMENTS.md, section 4), by properties (rows that sum to 1, a loss that never increases, a
valid start) and by outside references written out here: Bayes' rule with
``scipy.stats.multivariate_normal``, weighted means and covariances with ``numpy.average`` and
``numpy.cov``, and scikit-learn's ``GaussianMixture`` run from the same start.

Every check builds its own inputs (never the output of the student's other functions), so one
broken function costs only its own points. The data is well scaled (Iris, or points drawn from the
mixture itself), so a direct implementation with ``multivariate_normal.pdf`` in a loop over the
points, as in the lecture, earns full marks; the time limits are generous for it.

The helpers below (the outside references, the diagnosis of the classic bugs, the judges of each
function's output) are shared with the hidden checks in ``autograder/iris_em/hidden_checks.py``.
"""
from __future__ import annotations

import functools
import warnings
from typing import Optional

import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from . import expect, figures
from .core import Check, CheckFailed
from .expect import (as_array, as_float, as_tuple, expect_close, expect_finite, expect_shape, fail,
                     figure_on_failure)

# --------------------------------------------------------------------------------------------
# The known values of the assignment (ASSIGNMENTS.md, section 4)
# --------------------------------------------------------------------------------------------
K = 3
UNIFORM_PI = [1 / 3] * 3
UNIFORM_MU_MEAN = [5.84333333, 3.05733333, 3.758, 1.19933333]
UNIFORM_COV_MEAN = 0.60580225
UNIFORM_NLL = 379.914630122269
ONEHOT_COV_MEAN = 0.0897913
ONEHOT_NLL = 182.92086

# The 2-D mixture of the lecture (used by the hidden checks and the benchmark).
LECTURE_MEANS = np.array([[1.0, 1.0], [0.0, 0.0], [-0.5, 1.0], [0.5, 1.5]])
LECTURE_VARIANCES = np.array([0.1, 0.01, 0.05, 0.05])      # isotropic: cov_j = var_j * I
LECTURE_WEIGHTS = np.array([0.4, 0.25, 0.25, 0.1])

# Tolerances: loose enough for float32 arithmetic, any order of summation and a tiny ridge on
# the covariances (up to about 5e-5; 1e-6 is usual), tight enough for every classic bug.
R_TOL = {"rtol": 1e-4, "atol": 1e-6}
PI_TOL = {"rtol": 1e-5, "atol": 1e-6}
MU_TOL = {"rtol": 1e-5, "atol": 1e-5}
COV_TOL = {"rtol": 1e-4, "atol": 5e-5}
MEAN_TOL = 2e-5                        # for mu.mean(0) and cov.mean(), the stated known values
NLL_ATOL = 1e-2                        # the known values are stated to 1e-2
NLL_RTOL = 1e-6
_MATCH = {"rtol": 1e-4, "atol": 1e-6}  # how close a wrong answer must be to a known bug

STEP_TIMEOUT = 60.0
FIT_TIMEOUT = 180.0
STEP_SLOW_HINT = ("compute the density of all n points for one component at once, e.g. "
                  "scipy.stats.multivariate_normal.logpdf(X, mu[j], cov[j]) (shape (n,)), instead "
                  "of one point at a time; loop over the k components only")
MSTEP_SLOW_HINT = ("use matrix products instead of loops over the points: R = r.sum(axis=0), "
                   "mu = r.T @ X / R[:, None], and for each component "
                   "cov[j] = (r[:, j, None] * diff).T @ diff / R[j] with diff = X - mu[j]")
INIT_SLOW_HINT = "k-means on 150 points takes milliseconds: do not loop over the points"
FIT_SLOW_HINT = ("each iteration runs your E-step and M-step (and the loss): vectorise them over "
                 "the points, e.g. multivariate_normal.logpdf(X, mu[j], cov[j]) for all points "
                 "of component j at once")


# --------------------------------------------------------------------------------------------
# Data and outside references
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _iris() -> tuple[np.ndarray, np.ndarray]:
    from ..datasets import load_iris
    X, y = load_iris()
    return np.asarray(X, dtype=float), np.asarray(y)


def iris() -> tuple[np.ndarray, np.ndarray]:
    """Iris: X (150, 4) and the true labels y (150,), fresh copies."""
    X, y = _iris()
    return X.copy(), y.copy()


def sample_lecture_mixture(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points (n, 2) from the lecture's 2-D mixture, and their components (n,)."""
    z = rng.choice(len(LECTURE_WEIGHTS), size=n, p=LECTURE_WEIGHTS)
    X = LECTURE_MEANS[z] + np.sqrt(LECTURE_VARIANCES)[z, None] * rng.standard_normal((n, 2))
    return X, z


def sample_mixture(rng: np.random.Generator, n: int, pi, mu, cov) -> np.ndarray:
    """n points (n, d) drawn from a full-covariance mixture."""
    z = rng.choice(len(pi), size=n, p=np.asarray(pi) / np.sum(pi))
    chol = np.linalg.cholesky(cov)                                   # (k, d, d)
    eps = rng.standard_normal((n, mu.shape[1]))
    return mu[z] + np.einsum("nij,nj->ni", chol[z], eps)


def scipy_log_joint(X, pi, mu, cov) -> np.ndarray:
    """log pi_j + log N(x_i | mu_j, cov_j), (n, k), with scipy.stats.multivariate_normal."""
    X = np.asarray(X, dtype=float)
    cols = [np.log(pi[j])
            + np.atleast_1d(multivariate_normal.logpdf(X, mu[j], cov[j])).reshape(len(X))
            for j in range(len(pi))]
    return np.column_stack(cols)


def scipy_resp(X, pi, mu, cov) -> np.ndarray:
    """The responsibilities (n, k) by Bayes' rule, in log space."""
    a = scipy_log_joint(X, pi, mu, cov)
    return np.exp(a - logsumexp(a, axis=1, keepdims=True))


def scipy_nll(X, pi, mu, cov) -> float:
    """The negative log-likelihood of the mixture."""
    return -float(logsumexp(scipy_log_joint(X, pi, mu, cov), axis=1).sum())


def weighted_params(r, X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The M-step written out with numpy.average and numpy.cov (biased, 1/R_j), no ridge.

    An empty column of ``r`` gives NaN for its mean and covariance (the checks skip it).
    """
    r, X = np.asarray(r, dtype=float), np.asarray(X, dtype=float)
    (n, d), k = X.shape, r.shape[1]
    nk = r.sum(axis=0)
    mu, cov = np.full((k, d), np.nan), np.full((k, d, d), np.nan)
    for j in range(k):
        if nk[j] > 0:
            mu[j] = np.average(X, axis=0, weights=r[:, j])
            cov[j] = np.cov(X.T, aweights=r[:, j], bias=True).reshape(d, d)
    return nk / n, mu, cov


def em_step(X, pi, mu, cov):
    """One EM iteration written out with the references above (no ridge)."""
    return weighted_params(scipy_resp(X, pi, mu, cov), X)


def sklearn_fit(X, pi, mu, cov, iters: int):
    """scikit-learn's GaussianMixture from the same start: ``iters`` EM iterations, no early
    stop, the same ridge (1e-6) as the reference."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture
    gm = GaussianMixture(len(pi), covariance_type="full", tol=0.0, max_iter=iters, reg_covar=1e-6,
                         weights_init=pi, means_init=mu, precisions_init=np.linalg.inv(cov),
                         init_params="random_from_data", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(X)
    return gm.weights_, gm.means_, gm.covariances_


# --------------------------------------------------------------------------------------------
# Readable descriptions of the inputs
# --------------------------------------------------------------------------------------------
def _fmt(a, precision: int = 3) -> str:
    return np.array2string(np.asarray(a, dtype=float), precision=precision, separator=", ",
                           threshold=8, edgeitems=2, suppress_small=True).replace("\n", "")


def _matches(got: np.ndarray, candidate: np.ndarray, tol: Optional[dict] = None) -> bool:
    with np.errstate(all="ignore"):
        return (got.shape == candidate.shape and bool(np.all(np.isfinite(candidate)))
                and bool(np.allclose(got, candidate, **(tol or _MATCH))))


def _first_match(got: np.ndarray, expected: np.ndarray, candidates) -> Optional[str]:
    """The hint of the first candidate bug that ``got`` matches (and the truth does not)."""
    for value, hint in candidates:
        value = np.asarray(value, dtype=float)
        if _matches(got, value) and not _matches(expected, value):
            return hint
    return None


# --------------------------------------------------------------------------------------------
# E_step
# --------------------------------------------------------------------------------------------
ESTEP_FORMULA = ("r[i, j] = pi_j N(x_i | mu_j, cov_j) / sum_l pi_l N(x_i | mu_l, cov_l); in log "
                 "space: a = log(pi) + log N (n, k), r = exp(a - logsumexp(a, axis=1, "
                 "keepdims=True))")
HINT_AXIS = ("each COLUMN of your r sums to 1: you normalised over the points (axis=0). Normalise "
             "each row over the k components: r / r.sum(axis=1, keepdims=True), or subtract "
             "logsumexp(a, axis=1, keepdims=True) in log space")
HINT_UNNORMALISED = ("your rows are pi_j N(x_i | mu_j, cov_j), not divided by their sum p(x_i): "
                     "divide each row by its sum over the components (axis=1)")
HINT_NO_PI = "the weights are missing: multiply each density by pi_j (add log pi_j in log space)"
HINT_LOG_R = ("you returned log r (the log-responsibilities): exponentiate them, "
              "r = np.exp(log_r)")
HINT_PRECISION = ("the densities look computed with the inverse of cov_j: cov[j] is the "
                  "covariance itself; pass it as it is (multivariate_normal.pdf(x, mu[j], cov[j]))")
HINT_NO_DET = ("the factor |cov_j|^(-1/2) of the Gaussian density is missing: it differs from "
               "component to component, so it does not cancel in the normalisation")


def estep_shape_hint(got: np.ndarray, n: int, k: int) -> str:
    if got.shape == (k, n):
        return "you returned the transpose: r has one row per point and one column per component"
    if got.shape in ((n,), (n, 1)):
        return "return one column per component (shape (n, k)), not the labels or one column"
    return "r has one row per point and one column per component: shape (n, k)"


def diagnose_estep(got: np.ndarray, X, pi, mu, cov) -> str:
    a = scipy_log_joint(X, pi, mu, cov)
    expected = np.exp(a - logsumexp(a, axis=1, keepdims=True))
    with np.errstate(all="ignore"):
        joint = np.exp(a)
        dens = a - np.log(pi)
        prec = scipy_log_joint(X, pi, mu, np.linalg.inv(cov))
        logdet = np.linalg.slogdet(cov)[1]
        no_det = a + 0.5 * logdet
        candidates = [
            (joint / joint.sum(axis=0), HINT_AXIS),
            (joint, HINT_UNNORMALISED),
            (np.exp(dens - logsumexp(dens, axis=1, keepdims=True)), HINT_NO_PI),
            (a - logsumexp(a, axis=1, keepdims=True), HINT_LOG_R),
            (np.exp(prec - logsumexp(prec, axis=1, keepdims=True)), HINT_PRECISION),
            (np.exp(no_det - logsumexp(no_det, axis=1, keepdims=True)), HINT_NO_DET),
        ]
    hint = _first_match(got, expected, candidates)
    if hint:
        return hint
    if got.shape == expected.shape and np.allclose(got.sum(axis=0), 1, atol=1e-6) \
            and not np.allclose(got.sum(axis=1), 1, atol=1e-6):
        return HINT_AXIS
    return ESTEP_FORMULA


def expect_pmf_rows(got: np.ndarray, what: str) -> None:
    """Every entry in [0, 1] and every row summing to 1."""
    expect.expect_pmf_rows(
        got, what, tol=1e-5, meaning="each row is the distribution of one point over the "
        "components", negative_hint=HINT_LOG_R if (got <= 0).all() else "responsibilities are "
        "probabilities: weights times densities are never negative", axis_hint=HINT_AXIS,
        normalise_hint="divide each row by its sum over the components: "
        "r / r.sum(axis=1, keepdims=True)")


def run_estep(student, X, pi, mu, cov, what: str) -> np.ndarray:
    value = student.call("E_step", X, pi, mu, cov)
    if isinstance(value, tuple):
        fail(f"{what} returned a tuple of {len(value)} items, expected only r, an array of "
             f"shape {(len(X), len(pi))}", "return r alone")
    return as_array(value, what, "E_step returns the responsibilities, an array of shape (n, k)")


# --------------------------------------------------------------------------------------------
# Figures (drawn on the grader's side from the values returned, only when a check fails)
# --------------------------------------------------------------------------------------------
IRIS_VIEW = [2, 3]     # petal length and petal width: where Iris's species separate


def view(X, *params):
    """The two coordinates a figure shows (Iris's petal length and width; otherwise the first
    two) of the data X and of (pi, mu, cov) tuples."""
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    cols = IRIS_VIEW if _is_iris(X) else list(range(min(d, 2)))
    out = [X[:, cols]]
    for pi, mu, cov in params:
        mu, cov = np.asarray(mu, dtype=float), np.asarray(cov, dtype=float)
        out.append((pi, mu[:, cols], cov[:, cols][:, :, cols]))
    return out


def _is_iris(X) -> bool:
    return np.shape(X) == (150, 4) and np.allclose(X, iris()[0])


def _axes_labels(X) -> tuple:
    d = np.shape(X)[1]
    return (("petal length (cm)", "petal width (cm)") if _is_iris(X) else
            ("x[:, 0]", "x[:, 1]") if d >= 2 else ("x", ""))


def resp_figure(X, got, expected, pi, mu, cov):
    """Points coloured by your responsibilities of component 0 next to the expected ones."""
    Xv, (_, mu_v, cov_v) = view(X, (pi, mu, cov))
    return figures.scatter_by_weight(Xv, got, expected, mu=mu_v, cov=cov_v,
                                     labels=_axes_labels(X),
                                     title="E_step: the responsibilities r[:, 0] (dotted: the "
                                           "given components' 2-sigma ellipses)")


def params_figure(X, got, expected, title: str):
    """The 2-sigma ellipses of your (pi, mu, cov) next to the expected ones, over the data."""
    Xv, g, e = view(X, got, expected)
    return figures.mixture_ellipses(Xv, g, e, title=title, labels=_axes_labels(X))


def judge_resp(got: np.ndarray, X, pi, mu, cov, what: str, expected=None) -> None:
    """Shape, finiteness, rows summing to 1 and values (``expected`` defaults to scipy's)."""
    n, k = len(X), len(pi)
    expect_shape(got, (n, k), what, estep_shape_hint(got, n, k))
    expect_finite(got, what, "a NaN comes from 0 / 0 or inf / inf: in log space, subtract "
                  "logsumexp over the components before exponentiating")
    if expected is None:
        expected = scipy_resp(X, pi, mu, cov)
    hint = None
    if not np.allclose(got, expected, **R_TOL):
        hint = diagnose_estep(got, X, pi, mu, cov)
    with figure_on_failure(lambda: resp_figure(X, got, expected, pi, mu, cov)):
        expect_pmf_rows(got, what)
        expect_close(got, expected, what, **R_TOL, hint=hint)


def random_params(rng: np.random.Generator, X: np.ndarray, k: int):
    """Valid parameters near the data X: weights from a Dirichlet, means near data points,
    covariances a random share of the data's covariance plus a random positive definite part."""
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    S = np.atleast_2d(np.cov(X.T))
    pi = rng.dirichlet(np.full(k, 3.0))
    mu = X[rng.choice(len(X), size=k, replace=False)] + 0.1 * rng.standard_normal((k, d)) \
        * np.sqrt(np.diag(S))
    B = rng.standard_normal((k, d, d)) * np.sqrt(np.diag(S))[None, :, None]
    cov = rng.uniform(0.2, 1.0, size=(k, 1, 1)) * S + 0.2 * B @ B.transpose(0, 2, 1) / d
    return pi, mu, cov


def _iris_cases():
    """(label, pi, mu, cov) on Iris, the order in which a student reads them."""
    X, _ = iris()
    S = np.cov(X.T, bias=True)
    yield ("with pi = [0.2, 0.3, 0.5], mu = X[[0, 60, 120]] (one flower of each species), "
           "cov[j] = 0.5 * the covariance of X",
           np.array([0.2, 0.3, 0.5]), X[[0, 60, 120]], np.stack([0.5 * S] * 3))
    rng = np.random.default_rng(7)
    for k in (3, 2, 4):
        pi, mu, cov = random_params(rng, X, k)
        yield f"with random valid parameters, k = {k} (seeded)", pi, mu, cov


def _e_step_pmf(student, ref) -> None:
    X, _ = iris()
    for label, pi, mu, cov in list(_iris_cases())[:2]:
        what = f"E_step(X_iris, ...) {label}"
        got = run_estep(student, X, pi, mu, cov, what)
        n, k = len(X), len(pi)
        expect_shape(got, (n, k), what, estep_shape_hint(got, n, k))
        expect_finite(got, what, "a NaN comes from 0 / 0: divide each row by its sum over the "
                      "components, or work in log space with logsumexp")
        with figure_on_failure(lambda: resp_figure(X, got, scipy_resp(X, pi, mu, cov), pi, mu,
                                                   cov)):
            expect_pmf_rows(got, what)


def _e_step_values(student, ref) -> None:
    X, _ = iris()
    # Identical components: the densities cancel and every row of r is pi itself.
    pi = np.array([0.2, 0.3, 0.5])
    mu, cov = np.stack([X.mean(axis=0)] * 3), np.stack([np.cov(X.T, bias=True)] * 3)
    what = ("E_step(X_iris, pi=[0.2, 0.3, 0.5], mu, cov) with three identical components "
            "(every row of r must be pi)")
    got = run_estep(student, X, pi, mu, cov, what)
    judge_resp(got, X, pi, mu, cov, what, expected=np.tile(pi, (len(X), 1)))
    for label, pi, mu, cov in _iris_cases():
        what = f"E_step(X_iris, ...) {label}"
        judge_resp(run_estep(student, X, pi, mu, cov, what), X, pi, mu, cov, what)


# --------------------------------------------------------------------------------------------
# M_step
# --------------------------------------------------------------------------------------------
MSTEP_FORMULAS = {
    "pi": "pi[j] = R_j / n with R_j = sum_i r[i, j] (pi sums to 1)",
    "mu": "mu[j] = sum_i r[i, j] x_i / R_j, a weighted mean (R_j = sum_i r[i, j])",
    "cov": "cov[j] = sum_i r[i, j] (x_i - mu[j])(x_i - mu[j])^T / R_j, about the NEW mu[j]",
}
REG_HINT = ("if you add a ridge to the covariances against singular ones, keep it tiny: "
            "1e-6 * np.eye(d)")


def mstep_candidates(name: str, r, X) -> list:
    """Values of ``name`` under the classic M-step bugs, with a hint for each."""
    r, X = np.asarray(r, dtype=float), np.asarray(X, dtype=float)
    (n, d), k = X.shape, r.shape[1]
    nk = r.sum(axis=0)
    with np.errstate(all="ignore"):
        mu = (r.T @ X) / nk[:, None]
        if name == "pi":
            return [(nk, "pi holds the sums R_j of the columns of r: divide them by n, "
                         "pi = R_j / n, so that pi sums to 1"),
                    (np.full(k, 1 / k), "pi is 1/k for every component: compute it from "
                                        "the responsibilities, pi = R_j / n")]
        if name == "mu":
            return [(r.T @ X, "the means are not normalised: divide the weighted sum "
                              "r.T @ X by R_j, i.e. by r.sum(axis=0)[:, None]"),
                    ((r.T @ X) / n, "divide the weighted sum by R_j = sum_i r[i, j], the "
                                    "effective number of points of component j, not by n"),
                    (np.tile(X.mean(axis=0), (k, 1)), "every mean is the plain mean of X: "
                                                      "weight the points by r[:, j]")]
        diffs = X[None, :, :] - mu[:, None, :]                          # (k, n, d)
        centred = np.einsum("nk,kni,knj->kij", r, diffs, diffs)          # unnormalised
        uncentred = np.einsum("nk,ni,nj->kij", r, X, X)
        about_mean = np.einsum("nk,ni,nj->kij", r, X - X.mean(0), X - X.mean(0))
        squared = np.einsum("nk,kni,knj->kij", r ** 2, diffs, diffs)
        return [
            (uncentred / nk[:, None, None], "the covariance is not centred: use the deviations "
             "x_i - mu[j] from the NEW mean of component j, not x_i itself"),
            (about_mean / nk[:, None, None], "the covariance is centred on the mean of all the "
             "data: centre each component on its own new mean, x_i - mu[j]"),
            (centred / n, "divide the weighted sum of outer products by R_j = sum_i r[i, j], "
             "not by n"),
            (centred / (nk - 1)[:, None, None], "this is the unbiased covariance (1 / (R_j - 1), "
             "np.cov's default ddof=1): the M-step's maximum-likelihood covariance divides by "
             "R_j (np.cov(..., aweights=r[:, j], bias=True))"),
            (centred, "the covariance is not normalised: divide by R_j = sum_i r[i, j]"),
            (squared / nk[:, None, None], "each outer product is weighted by r[i, j] squared "
             "(e.g. (r[:, j, None] * diff).T @ (r[:, j, None] * diff)): weight it by r[i, j] "
             "once, (r[:, j, None] * diff).T @ diff"),
            (np.tile(np.cov(X.T, bias=True).reshape(d, d), (k, 1, 1)),
             "every covariance is the plain covariance of X: weight the points by r[:, j]"),
        ]


def _mstep_hint(name: str, got: np.ndarray, expected: np.ndarray, r, X) -> str:
    hint = _first_match(got, expected, mstep_candidates(name, r, X))
    if hint:
        return hint
    if name == "cov" and got.shape == expected.shape and got.ndim == 3:
        with np.errstate(all="ignore"):
            extra = got - expected
        d = got.shape[1]
        diag = np.einsum("kii->ki", extra)
        off = extra - diag[:, :, None] * np.eye(d)
        if np.all(np.isfinite(extra)) and np.allclose(off, 0, atol=COV_TOL["atol"]) \
                and np.allclose(diag, diag.flat[0], rtol=1e-3) and diag.flat[0] > 0:
            return (f"your covariances are the expected ones plus {diag.flat[0]:.3g} * I: the "
                    f"ridge is too large; " + REG_HINT)
    return MSTEP_FORMULAS[name]


def mstep_shape_hint(name: str, got: np.ndarray, k: int, d: int) -> str:
    if name == "mu" and got.shape == (d, k):
        return ("mu has one row per component: shape (k, d) (transpose it); and note the order "
                "of the arguments, M_step(r, X)")
    swapped = {"pi": (d,), "mu": (d, k), "cov": (d, k, k)}[name]
    if got.shape == swapped and k != d:
        return "note the order of the arguments: M_step(r, X), the responsibilities first"
    if name == "pi" and got.shape in ((1, k), (k, 1)):
        return "pi is a flat array of shape (k,): e.g. r.sum(axis=0) / n"
    return {"pi": "pi has shape (k,)", "mu": "mu has shape (k, d), one row per component",
            "cov": "cov has shape (k, d, d), one d x d matrix per component"}[name]


def run_mstep(student, r, X, what: str) -> dict:
    value = as_tuple(student.call("M_step", r, X), 3, what, "pi, mu, cov")
    return {name: as_array(v, f"{name} of {what}", f"return {name} as a numpy array")
            for name, v in zip(("pi", "mu", "cov"), value)}


def judge_mstep(got: dict, expected: tuple, r, X, what: str, components=None) -> None:
    """Shapes, finiteness and values of (pi, mu, cov); one message naming every wrong one.

    ``components`` restricts the comparison of mu and cov to some components (e.g. the
    non-empty ones).
    """
    r, X = np.asarray(r, dtype=float), np.asarray(X, dtype=float)
    (n, d), k = X.shape, r.shape[1]
    shapes = {"pi": (k,), "mu": (k, d), "cov": (k, d, d)}
    for name in ("pi", "mu", "cov"):
        expect_shape(got[name], shapes[name], f"{name} of {what}",
                     mstep_shape_hint(name, got[name], k, d))
    for name in ("pi", "mu", "cov"):
        expect_finite(got[name], f"{name} of {what}",
                      "a NaN comes from 0 / 0: is some R_j = sum_i r[i, j] zero?")
    problems = []
    tols = {"pi": PI_TOL, "mu": MU_TOL, "cov": COV_TOL}
    for name, want in zip(("pi", "mu", "cov"), expected):
        have, want = got[name], np.asarray(want, dtype=float)
        if components is not None and name != "pi":
            have, want = have[components], want[components]
        if np.allclose(have, want, **tols[name]):
            continue
        full = got[name] if components is None or name == "pi" else None
        hint = (_mstep_hint(name, full, np.asarray(expected[("pi", "mu", "cov").index(name)]), r, X)
                if full is not None else MSTEP_FORMULAS[name])
        label = f"{name} of {what}" + ("" if components is None or name == "pi"
                                       else f", components {list(components)}")
        try:
            expect_close(have, want, label, **tols[name], hint=hint)
        except CheckFailed as exc:
            problems.append(str(exc))
    if problems:
        raise CheckFailed("\n\n".join(problems), figure=params_figure(
            X, (got["pi"], got["mu"], got["cov"]), expected,
            "M_step: your (pi, mu, cov) vs the expected ones"))


def _expect_mean(value: np.ndarray, known, what: str, hint: str) -> None:
    expect_close(value, np.asarray(known, dtype=float), what, rtol=0, atol=MEAN_TOL, hint=hint)


def _m_step_uniform(student, ref) -> None:
    X, _ = iris()
    r = np.full((len(X), K), 1 / 3)
    what = "M_step(r, X_iris) with every r[i, j] = 1/3"
    got = run_mstep(student, r, X, what)
    # the known values first: they are what the notebook states
    for name, shape in (("pi", (K,)), ("mu", (K, 4)), ("cov", (K, 4, 4))):
        expect_shape(got[name], shape, f"{name} of {what}", mstep_shape_hint(name, got[name], K, 4))
    expected = weighted_params(r, X)
    hints = {n: _mstep_hint(n, got[n], e, r, X) for n, e in zip(("pi", "mu", "cov"), expected)}
    with figure_on_failure(lambda: params_figure(X, tuple(got[n] for n in ("pi", "mu", "cov")),
                                                 expected, "M_step with uniform r: yours vs "
                                                 "the expected (pi, mu, cov)")):
        expect_close(got["pi"], UNIFORM_PI, f"pi of {what}", **PI_TOL, hint=hints["pi"])
        _expect_mean(got["mu"].mean(axis=0), UNIFORM_MU_MEAN, f"mu.mean(axis=0) of {what}",
                     hints["mu"])
        _expect_mean(got["cov"].mean(), UNIFORM_COV_MEAN, f"cov.mean() of {what}", hints["cov"])
    judge_mstep(got, expected, r, X, what)


def _m_step_true_labels(student, ref) -> None:
    X, y = iris()
    r = np.eye(K)[y]
    what = "M_step(r, X_iris) with r the one-hot matrix of the true labels"
    got = run_mstep(student, r, X, what)
    for name, shape in (("pi", (K,)), ("mu", (K, 4)), ("cov", (K, 4, 4))):
        expect_shape(got[name], shape, f"{name} of {what}", mstep_shape_hint(name, got[name], K, 4))
    expected = weighted_params(r, X)
    if np.allclose(got["pi"], expected[0], **PI_TOL) \
            and np.allclose(got["mu"], expected[1], **MU_TOL):
        # the stated known value, once the means (on which the covariances depend) are right
        with figure_on_failure(lambda: params_figure(
                X, tuple(got[n] for n in ("pi", "mu", "cov")), expected,
                "M_step with the true labels as r: yours vs the species' (pi, mu, cov)")):
            _expect_mean(got["cov"].mean(), ONEHOT_COV_MEAN, f"cov.mean() of {what}",
                         _mstep_hint("cov", got["cov"], expected[2], r, X))
    judge_mstep(got, expected, r, X, what)


EMPTY_HINT = ("component 3 has R_3 = sum_i r[i, 3] = 0, so mu[3] = 0 / 0 = nan: guard the "
              "division, e.g. R = r.sum(axis=0) + 10 * np.finfo(float).eps (scikit-learn's way) "
              "or np.maximum(R, 1e-12); the empty component then gets weight 0 and stays finite")


def _m_step_empty_component(student, ref) -> None:
    X, y = iris()
    r = np.zeros((len(X), 4))
    r[np.arange(len(X)), y] = 1.0                        # column 3 is empty
    what = "M_step(r, X_iris) with r the one-hot true labels and a 4th, empty column"
    value = as_tuple(student.call("M_step", r, X), 3, what, "pi, mu, cov")
    got = {name: as_array(v, f"{name} of {what}") for name, v in zip(("pi", "mu", "cov"), value)}
    for name, shape in (("pi", (4,)), ("mu", (4, 4)), ("cov", (4, 4, 4))):
        expect_shape(got[name], shape, f"{name} of {what}", mstep_shape_hint(name, got[name], 4, 4))
        expect_finite(got[name], f"{name} of {what}", EMPTY_HINT)
    if (got["pi"] < 0).any() or abs(got["pi"].sum() - 1) > 1e-6:
        fail(f"pi of {what} is {_fmt(got['pi'], 6)}: not a distribution (sum "
             f"{got['pi'].sum():.6g})", "pi = R_j / n: non-negative and summing to 1")
    judge_mstep(got, weighted_params(r, X), r, X, what, components=[0, 1, 2])


SINGULAR_HINT = ("a component that owns a single point (or fewer than d + 1 points) has a "
                 "singular covariance, and the next E-step cannot evaluate its density (division "
                 "by a zero determinant): add a small ridge to every covariance, "
                 "cov[j] += 1e-6 * np.eye(d), as scikit-learn's reg_covar does")


def _m_step_singular_component(student, ref) -> None:
    X, y = iris()
    labels = y.copy()
    labels[0] = 3                                        # component 3 owns the first flower only
    r = np.eye(4)[labels]
    what = "M_step(r, X_iris) with one-hot r where component 3 owns only the point X[0]"
    got = run_mstep(student, r, X, what)
    for name, shape in (("pi", (4,)), ("mu", (4, 4)), ("cov", (4, 4, 4))):
        expect_shape(got[name], shape, f"{name} of {what}", mstep_shape_hint(name, got[name], 4, 4))
        expect_finite(got[name], f"{name} of {what}", SINGULAR_HINT)
    expect_close(got["mu"][3], X[0], f"mu[3] of {what} (the mean of one point is the point)",
                 **MU_TOL, hint=MSTEP_FORMULAS["mu"])
    c = got["cov"][3]
    if not np.allclose(c, c.T, rtol=1e-6, atol=1e-12):
        i, j = (int(v) for v in np.argwhere(~np.isclose(c, c.T, rtol=1e-6, atol=1e-12))[0])
        fail(f"cov[3] of {what} is not symmetric: entry ({i}, {j}) is {c[i, j]:.6g} but entry "
             f"({j}, {i}) is {c[j, i]:.6g} (tolerance rtol=1e-6): {_fmt(c, 6)}",
             MSTEP_FORMULAS["cov"])
    if float(np.abs(c).max()) > 1e-2:
        i, j = (int(v) for v in np.unravel_index(np.argmax(np.abs(c)), c.shape))
        fail(f"cov[3] of {what} is {_fmt(c, 6)}, but the covariance of a single point about "
             f"itself is zero (expected: zero plus at most a tiny ridge; allowed: entries up to "
             f"1e-2, and entry ({i}, {j}) is {c[i, j]:.6g})",
             ("the covariance is centred on the mean of all the data: centre each component "
              "on its own new mean, x_i - mu[j]; " + MSTEP_FORMULAS["cov"])
             if np.allclose(c, np.outer(X[0] - X.mean(0), X[0] - X.mean(0)), rtol=1e-3,
                            atol=1e-3 + 1e-5) else MSTEP_FORMULAS["cov"])
    smallest = float(np.linalg.eigvalsh((c + c.T) / 2).min())
    if not smallest > 0:
        fail(f"cov[3] of {what} is singular: its smallest eigenvalue is {smallest:.3g}, "
             f"expected > 0: {_fmt(c, 6)}", SINGULAR_HINT)
    judge_mstep(got, weighted_params(r, X), r, X, what, components=[0, 1, 2])


# --------------------------------------------------------------------------------------------
# negativeloglikelihood
# --------------------------------------------------------------------------------------------
NLL_FORMULA = ("NLL = -sum_i log sum_j pi_j N(x_i | mu_j, cov_j): a sum over the points of the "
               "log of the mixture density; in log space, -logsumexp(log(pi) + log N, "
               "axis=1).sum()")


def nll_hint(got: float, X, pi, mu, cov, expected: float) -> str:
    n = len(X)
    a = scipy_log_joint(X, pi, mu, cov)
    with np.errstate(all="ignore"):
        r = np.exp(a - logsumexp(a, axis=1, keepdims=True))
        candidates = [
            (-expected, "the sign is wrong: return the NEGATIVE log-likelihood, -sum_i log p(x_i)"),
            (expected / n, "this is the mean over the points: return the sum, -sum_i log p(x_i)"),
            (-expected / n, "this is the mean log-likelihood: return the negative SUM, "
                            "-sum_i log p(x_i)"),
            (expected / np.log(10), "use the natural logarithm (np.log), not log10"),
            (-float(logsumexp(a - np.log(pi), axis=1).sum()),
             "the weights are missing: p(x_i) = sum_j pi_j N(x_i | mu_j, cov_j)"),
            (-float(a.sum()), "the log of the sum is not the sum of the logs: take log sum_j "
                              "pi_j N(x_i | mu_j, cov_j) per point (logsumexp over axis=1)"),
            (-float((r * a).sum()), "this is the expected complete-data log-likelihood (weighted "
                                    "by r), not the log-likelihood: -sum_i log sum_j pi_j N"),
            (-float(a.max(axis=1).sum()), "only the best component of each point is counted: "
                                          "sum the weighted densities over all components"),
        ]
    for value, hint in candidates:
        if np.isfinite(value) and np.isclose(got, value, rtol=1e-5, atol=1e-3):
            return hint
    return NLL_FORMULA


def run_nll(student, X, pi, mu, cov, what: str) -> float:
    value = student.call("negativeloglikelihood", X, pi, mu, cov)
    if isinstance(value, np.ndarray) and value.size > 1:
        fail(f"{what} returned an array of shape {value.shape}, expected a single number",
             "sum the log-densities over the points: the NLL is one float")
    return as_float(value, what, "negativeloglikelihood returns one float")


def judge_nll(got: float, expected: float, X, pi, mu, cov, what: str,
              atol: float = NLL_ATOL) -> None:
    if not np.isfinite(got):
        fail(f"{what} returned {got}, expected {expected:.10g}",
             "log(0) = -inf: a density underflowed; compute log N directly (logpdf) and combine "
             "the components with logsumexp")
    if not np.isclose(got, expected, rtol=NLL_RTOL, atol=atol):
        fail(f"{what} returned {got:.10g}, expected {expected:.10g} (tolerance {atol:g}; "
             f"difference {got - expected:.6g})", nll_hint(got, X, pi, mu, cov, expected))


def _nll_known_values(student, ref) -> None:
    X, y = iris()
    for label, r, known in [("every r[i, j] = 1/3", np.full((len(X), K), 1 / 3), UNIFORM_NLL),
                            ("r the one-hot true labels", np.eye(K)[y], ONEHOT_NLL)]:
        pi, mu, cov = weighted_params(r, X)
        what = (f"negativeloglikelihood(X_iris, pi, mu, cov) at the M-step's parameters for "
                f"{label}")
        judge_nll(run_nll(student, X, pi, mu, cov, what), known, X, pi, mu, cov, what)


def _nll_values(student, ref) -> None:
    X, _ = iris()
    for label, pi, mu, cov in _iris_cases():
        what = f"negativeloglikelihood(X_iris, ...) {label}"
        judge_nll(run_nll(student, X, pi, mu, cov, what), scipy_nll(X, pi, mu, cov),
                  X, pi, mu, cov, what)


# --------------------------------------------------------------------------------------------
# init_params
# --------------------------------------------------------------------------------------------
def judge_start(value, X, k: int, what: str) -> tuple:
    """A valid start for EM: shapes, a distribution pi > 0, distinct finite means, symmetric
    positive definite covariances."""
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    pi, mu, cov = as_tuple(value, 3, what, "pi, mu, cov")
    pi = as_array(pi, f"pi of {what}")
    mu = as_array(mu, f"mu of {what}")
    cov = as_array(cov, f"cov of {what}")
    expect_shape(pi, (k,), f"pi of {what}", "pi has one weight per component, shape (k,)")
    expect_shape(mu, (k, d), f"mu of {what}", "mu has one row per component, shape (k, d)")
    expect_shape(cov, (k, d, d), f"cov of {what}", "cov holds one d x d matrix per component")
    for name, arr in (("pi", pi), ("mu", mu), ("cov", cov)):
        expect_finite(arr, f"{name} of {what}")
    if (pi <= 0).any():
        j = int(np.argmax(pi <= 0))
        fail(f"pi of {what} is {_fmt(pi, 4)}: component {j} has weight {pi[j]:.3g}; EM never "
             "revives a component of weight 0 (log 0 = -inf)", "give every component a "
             "positive weight, e.g. the share of the points k-means gives it, or 1/k")
    if abs(pi.sum() - 1) > 1e-6:
        fail(f"pi of {what} sums to {pi.sum():.6g}, not 1: {_fmt(pi, 4)}",
             "normalise the weights: pi / pi.sum()")
    scale = float(np.abs(X - X.mean(0)).max()) or 1.0
    gaps = np.where(np.eye(k, dtype=bool), np.inf,
                    np.linalg.norm(mu[:, None, :] - mu[None, :, :], axis=-1))
    if k > 1 and gaps.min() <= 1e-6 * scale:
        i, j = np.unravel_index(int(np.argmin(gaps)), gaps.shape)
        fail(f"mu of {what} has two equal means, mu[{i}] = mu[{j}] = {_fmt(mu[i])}",
             "components that start identical stay identical under EM (the E-step splits the "
             "points equally between them): start them at different places, e.g. k-means "
             "centres or k distinct data points")
    for j in range(k):
        c = cov[j]
        if not np.allclose(c, c.T, rtol=1e-8, atol=1e-12 * max(1.0, float(np.abs(c).max()))):
            fail(f"cov[{j}] of {what} is not symmetric: {_fmt(c, 4)}",
                 "a covariance is symmetric: build it as diff.T @ diff / m (or np.cov)")
        smallest = float(np.linalg.eigvalsh((c + c.T) / 2).min())
        if not smallest > 0:
            fail(f"cov[{j}] of {what} is not positive definite (its smallest eigenvalue is "
                 f"{smallest:.3g}): {_fmt(c, 4)}",
                 "a cluster with fewer than d + 1 points has a singular covariance: add a "
                 "small ridge, cov[j] + 1e-6 * np.eye(d), or start from the data's covariance")
    return pi, mu, cov


def _init_params_iris(student, ref) -> None:
    X, _ = iris()
    judge_start(student.call("init_params", X, K), X, K, "init_params(X_iris, 3)")
    judge_start(student.call("init_params", X, K, random_state=0), X, K,
                "init_params(X_iris, 3, random_state=0)")


# --------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------
def iris_start():
    """The start of the fit checks on Iris: equal weights, one flower of each species as the
    means, the covariance of all the data for every component."""
    X, _ = iris()
    S = np.cov(X.T, bias=True)
    return np.full(K, 1 / 3), X[[0, 60, 120]], np.stack([S] * K)


IRIS_START = ("from pi = [1/3, 1/3, 1/3], mu = X_iris[[0, 60, 120]], cov[j] = the covariance "
              "of X_iris")


def run_fit(student, X, start, iters: Optional[int], what: str) -> tuple:
    pi, mu, cov = start
    args = (X, pi, mu, cov) if iters is None else (X, pi, mu, cov, iters)
    value = as_tuple(student.call("fit", *args), 4, what, "pi, mu, cov, loss_hist")
    names = ("pi", "mu", "cov", "loss_hist")
    return tuple(as_array(v, f"{name} of {what}", f"return {name} as a numpy array")
                 for name, v in zip(names, value))


def judge_fit_shapes(out: tuple, k: int, d: int, iters: int, what: str) -> None:
    pi, mu, cov, hist = out
    for name, arr, shape in (("pi", pi, (k,)), ("mu", mu, (k, d)), ("cov", cov, (k, d, d))):
        expect_shape(arr, shape, f"{name} of {what}", f"return the fitted {name}, shape {shape}")
        expect_finite(arr, f"{name} of {what}", "is some R_j zero, or a covariance singular? "
                      "Your M_step's guards (R_j + 10 * eps, cov + 1e-6 * I) keep them finite")
    hint = (f"record one loss per iteration: loss_hist[t] for t in range(iters), "
            f"{iters} values in all" if hist.ndim == 1 else "loss_hist is a flat array (iters,)")
    expect_shape(hist, (iters,), f"loss_hist of {what}", hint)
    expect_finite(hist, f"loss_hist of {what}", "log(0) = -inf: combine the components with "
                  "logsumexp in log space")


def judge_monotone(hist: np.ndarray, what: str) -> None:
    """The negative log-likelihood never increases along EM (up to rounding)."""
    steps = np.diff(hist)
    allowed = 1e-5 * np.abs(hist[1:]) + 1e-8
    bad = steps > allowed
    if bad.any():
        t = int(np.argmax(bad))
        if (steps >= -allowed).all() and (hist < 0).all():
            hint = ("your loss increases steadily and is negative: it looks like the "
                    "log-likelihood; record the NEGATIVE log-likelihood")
        else:
            hint = ("EM never increases the negative log-likelihood: compute each loss at the "
                    "parameters of that iteration, run the E-step before the M-step, and check "
                    "the M-step's formulas (weights R_j / n, biased covariances about the new "
                    "means)")
        fail(f"loss_hist of {what} increases from loss_hist[{t}] = {hist[t]:.10g} to "
             f"loss_hist[{t + 1}] = {hist[t + 1]:.10g}, by {steps[t]:.4g} (allowed: rounding, "
             f"1e-5 of the loss; {int(bad.sum())} increases in {len(steps)} steps)", hint,
             figure=figures.curves(hist, ylabel="negative log-likelihood", increasing=False,
                                   title="your loss_hist (EM's never goes up)"))


def judge_first_loss(hist: np.ndarray, candidates: list, n: int, what: str) -> None:
    """loss_hist[0] is the NLL at the start, or after the first iteration (both conventions are
    fine), as a sum over the points or their mean."""
    first = float(hist[0])
    for value in candidates:
        for scale in (1.0, 1.0 / n):
            if np.isclose(first, value * scale, rtol=1e-5, atol=5e-2 * scale):
                return
    shown = " or ".join(f"{v:.8g}" for v in candidates)
    hint = ("loss_hist[t] is the negative log-likelihood, -sum_i log p(x_i), of the parameters "
            "at iteration t (before or after its M-step)")
    if any(np.isclose(first, -v, rtol=1e-5) for v in candidates):
        hint = "the sign is wrong: record the NEGATIVE log-likelihood"
    fail(f"loss_hist[0] of {what} is {first:.10g}, but the negative log-likelihood is {shown} "
         f"at the start or after the first iteration (tolerance rtol=1e-5; the mean over the "
         f"{n} points is accepted too)", hint,
         figure=figures.curves(hist, ylabel="negative log-likelihood", increasing=False,
                               target=candidates[0], target_label="the NLL at the start",
                               title="your loss_hist"))


def _fit_loss_history(student, ref) -> None:
    X, _ = iris()
    start = iris_start()
    what = f"fit(X_iris, pi, mu, cov) {IRIS_START}, default iters"
    out = run_fit(student, X, start, None, what)
    judge_fit_shapes(out, K, 4, 50, what)
    hist = out[3]
    judge_monotone(hist, what)
    judge_first_loss(hist, [scipy_nll(X, *start), scipy_nll(X, *em_step(X, *start))], len(X),
                     what)
    final = scipy_nll(X, *out[:3])
    last = float(hist[-1]) * (1.0 if abs(hist[-1]) > abs(final) / 2 else len(X))
    if not final <= last + 1e-5 * abs(last) + 1e-2:
        fail(f"the negative log-likelihood of the parameters fit returned is {final:.10g}, "
             f"higher than the last entry of loss_hist, {last:.10g}",
             "return the parameters of the last iteration, after its M-step")


def _fit_matches_sklearn(student, ref) -> None:
    X, _ = iris()
    start = iris_start()
    iters = 12
    what = f"fit(X_iris, pi, mu, cov, iters={iters}) {IRIS_START}"
    out = run_fit(student, X, start, iters, what)
    judge_fit_shapes(out, K, 4, iters, what)
    expected = sklearn_fit(X, *start, iters)
    judge_fitted(out[:3], expected, X, start, iters, what,
                 lambda t: sklearn_fit(X, *start, t),
                 "scikit-learn's GaussianMixture(3, covariance_type='full', tol=0, "
                 "reg_covar=1e-6) from the same start")


FIT_TOL = {"pi": {"rtol": 1e-4, "atol": 1e-4}, "mu": {"rtol": 1e-4, "atol": 2e-4},
           "cov": {"rtol": 1e-3, "atol": 2e-4}}


def judge_fitted(got: tuple, expected: tuple, X, start, iters: int, what: str, other_iters,
                 source: str) -> None:
    """Fitted parameters against ``expected`` (same start, so the same component order)."""
    names = ("pi", "mu", "cov")
    ok = [np.allclose(g, e, **FIT_TOL[n]) for n, g, e in zip(names, got, expected)]
    if all(ok):
        return
    hint = ("run `iters` iterations, each an E-step at the current parameters then an M-step, "
            "and return the parameters after the last M-step")
    if all(np.allclose(g, s, **FIT_TOL[n]) for n, g, s in zip(names, got, start)):
        hint = ("fit returned its start unchanged: assign the M-step's results to pi, mu, cov "
                "inside the loop (pi, mu, cov = M_step(r, X))")
    else:
        for t in (iters - 1, iters + 1):
            if t >= 1 and all(np.allclose(g, e, **FIT_TOL[n])
                              for n, g, e in zip(names, got, other_iters(t))):
                hint = (f"your parameters are those after {t} iterations, not {iters}: run "
                        "exactly `iters` E-step/M-step pairs")
                break
    name = names[ok.index(False)]
    with figure_on_failure(lambda: params_figure(X, got, expected, f"fit (iters={iters}): "
                                                 "yours vs the expected, from the same start")):
        expect_close(got[names.index(name)], expected[names.index(name)],
                     f"the fitted {name} of {what}, compared with {source}", **FIT_TOL[name],
                     hint=hint)


# --------------------------------------------------------------------------------------------
_STEP = {"timeout": STEP_TIMEOUT, "slow_hint": STEP_SLOW_HINT}
_MSTEP = {"timeout": STEP_TIMEOUT, "slow_hint": MSTEP_SLOW_HINT}
_FIT = {"timeout": FIT_TIMEOUT, "slow_hint": FIT_SLOW_HINT}

CHECKS = [
    Check(name="E_step: returns r of shape (n, k), each row a distribution over the components",
          function="E_step", points=1, judge=_e_step_pmf, **_STEP),
    Check(name="E_step: Bayes' rule, compared with scipy.stats.multivariate_normal on Iris "
               "(k = 2, 3, 4)", function="E_step", points=1, judge=_e_step_values, **_STEP),
    Check(name="M_step: known values with uniform responsibilities (every r[i, j] = 1/3)",
          function="M_step", points=1, judge=_m_step_uniform, **_MSTEP),
    Check(name="M_step: known values with the true labels as responsibilities",
          function="M_step", points=1, judge=_m_step_true_labels, **_MSTEP),
    Check(name="M_step: an empty component (R_j = 0) gives finite pi, mu, cov",
          function="M_step", points=1, judge=_m_step_empty_component, **_MSTEP),
    Check(name="M_step: a component on a single point gets a positive definite covariance",
          function="M_step", points=1, judge=_m_step_singular_component, **_MSTEP),
    Check(name="negativeloglikelihood: known values (uniform and true-label parameters)",
          function="negativeloglikelihood", points=1, judge=_nll_known_values, **_STEP),
    Check(name="negativeloglikelihood: equals scipy's on Iris (k = 2, 3, 4)",
          function="negativeloglikelihood", points=1, judge=_nll_values, **_STEP),
    Check(name="init_params: a valid start on Iris (k = 3)", function="init_params", points=1,
          judge=_init_params_iris, timeout=STEP_TIMEOUT, slow_hint=INIT_SLOW_HINT),
    Check(name="fit: loss_hist has shape (iters,), starts at the NLL and never increases",
          function="fit", points=1, judge=_fit_loss_history, **_FIT),
    Check(name="fit: matches scikit-learn's GaussianMixture from the same start (12 iterations)",
          function="fit", points=1, judge=_fit_matches_sklearn, **_FIT),
]
