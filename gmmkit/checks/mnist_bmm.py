"""Public checks of ``mnist_bmm``: a Bernoulli mixture fitted to binarised MNIST by EM.

Public checks never see the reference solution. They judge

- ``bernoulli_log_prob`` and ``e_step`` against ``scipy.stats.bernoulli`` and
  ``scipy.special.logsumexp``, on small random data and on 784-pixel images (all-zero, all-one,
  MNIST digits) that are far from every cluster, where a product of probabilities underflows;
- ``m_step`` by its properties and by values worked out by hand from the assignment's formula
  mu = (r.T @ X + smoothing) / (R + 2 * smoothing), pi = R / n;
- ``fit_bmm`` by its shapes, an objective that never decreases, and a last objective equal to
  the log-likelihood plus the log Beta prior of the parameters it returns, both computed here;
- ``update_clusters`` by a worked example and by the nearest-mean property (any tie-breaking);
- ``cluster_accuracy`` by worked examples.

Every check calls one graded function on inputs made here, never on the output of the student's
other functions. The helpers below are shared with ``autograder/mnist_bmm/hidden_checks.py``.
"""
from __future__ import annotations

import functools
from typing import Optional

import numpy as np
from scipy import stats
from scipy.special import betaln, logsumexp

from ..wire.protocol import Rng, Unsupported
from . import expect, figures
from .core import Check
from .expect import (as_array, as_float, as_tuple, expect_close, expect_finite, expect_shape, fail,
                     figure_on_failure)

SMOOTHING = 1.0          # fit_bmm's smoothing, fixed by the assignment

# Tolerances, loose enough for float32 arithmetic and any order of summation.
LOGP_TOL = {"rtol": 1e-5, "atol": 1e-3}      # log-probabilities of whole images
RESP_TOL = {"rtol": 1e-5, "atol": 1e-5}      # responsibilities
PARAM_TOL = {"rtol": 1e-5, "atol": 1e-7}     # pi and mu
_MATCH = {"rtol": 1e-4, "atol": 1e-6}        # how close a wrong answer must be to a known bug

# Time limits: loops over images (like the lecture's) are slow but correct, so they pass.
FAST_TIMEOUT = 30.0
FIT_TIMEOUT = 120.0
HARD_TIMEOUT = 60.0
VECTORISE_HINT = ("vectorise: one matrix product computes every image against every cluster, "
                  "X @ np.log(mu).T + (1 - X) @ np.log(1 - mu).T, with no Python loop over "
                  "images or pixels")
FIT_SLOW_HINT = ("each EM iteration should be a few matrix products: vectorise bernoulli_log_prob, "
                 "e_step and m_step (r.T @ X gives every cluster's weighted pixel counts at once) "
                 "instead of looping over images or pixels in Python")
HARD_SLOW_HINT = ("vectorise: the cluster means are one matrix product, np.eye(n_clusters)"
                  "[assignments].T @ X divided by the counts, and the squared distances of every "
                  "image to every mean are (means**2).sum(1) - 2 * X @ means.T (+ ||x||^2), then "
                  "argmin over axis 1, with no Python loop over images")

PRODUCT_HINT = ("a product of 784 pixel probabilities underflows: float64 cannot hold a positive "
                "number below about 5e-324, so the product becomes 0.0 and log(0) = -inf. Sum "
                "logarithms instead of multiplying probabilities: X @ np.log(mu).T + (1 - X) @ "
                "np.log(1 - mu).T")
LOGSPACE_HINT = ("stay in log space: log_joint = bernoulli_log_prob(X, mu) + np.log(pi), then "
                 "log r = log_joint - logsumexp(log_joint, axis=1, keepdims=True) (from "
                 "scipy.special) and r = np.exp(log r). Exponentiating log p(x_i | mu_k) of a "
                 "784-pixel image gives 0.0 for every cluster, and 0 / 0 = nan")
AXIS_HINT = ("each COLUMN of your r sums to 1: you normalised over the images (axis=0). "
             "Normalise each row over the k clusters: logsumexp(log_joint, axis=1, keepdims=True)")
NO_SMOOTHING_HINT = ("add the smoothing: mu = (r.T @ X + smoothing) / (R + 2 * smoothing) with "
                     "R = r.sum(0)[:, None]. Without it a pixel that is never on in a cluster "
                     "gets mu = 0, and log(0) = -inf for every image that has that pixel on")


# --------------------------------------------------------------------------------------------
# Data the checks use (seeded, small) and computations written out with scipy
# --------------------------------------------------------------------------------------------
def random_images(seed: int, n: int, d: int, p: float = 0.3) -> np.ndarray:
    """n binary images (n, d) with pixels on with probability p."""
    return (np.random.default_rng(seed).random((n, d)) < p).astype(float)


def random_mu(seed: int, k: int, d: int, low: float = 0.03, high: float = 0.97) -> np.ndarray:
    """Pixel probabilities (k, d), uniform in [low, high]."""
    return np.random.default_rng(seed).uniform(low, high, size=(k, d))


def prototype_data(seed: int, n: int, d: int, weights, on: float = 0.85, blank: int = 0):
    """Well-separated clusters: X (n, d), true labels z (n,), pixel probabilities (k, d).

    Each cluster has its own random set of "on" pixels (probability ``on``, else 1 - on). The
    first ``blank`` pixels are never on, like the border of an MNIST digit.
    """
    rng = np.random.default_rng(seed)
    weights = np.asarray(weights, dtype=float)
    masks = rng.random((len(weights), d)) < 0.5
    probs = np.where(masks, on, 1 - on)
    probs[:, :blank] = 0.0
    z = rng.choice(len(weights), size=n, p=weights / weights.sum())
    X = (rng.random((n, d)) < probs[z]).astype(float)
    return X, z, probs


@functools.lru_cache(maxsize=1)
def _mnist_test():
    from ..datasets import load_mnist
    X, y = load_mnist("test")
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def mnist_images(start: int, n: int):
    """n binarised MNIST test images (n, 784) and their labels (n,), from index ``start``."""
    X, y = _mnist_test()
    return X[start:start + n].copy(), y[start:start + n].copy()


@functools.lru_cache(maxsize=1)
def _mnist_class_mu():
    X, y = _mnist_test()
    X, y = X[5000:7000], y[5000:7000]
    onehot = (y[:, None] == np.arange(10)).astype(float)
    mu = (onehot.T @ X + 1.0) / (onehot.sum(0)[:, None] + 2.0)
    mu.setflags(write=False)
    return mu


def mnist_class_mu() -> np.ndarray:
    """Realistic cluster pixel probabilities (10, 784): the smoothed mean image of each digit
    in 2,000 test images (corner pixels have mu of about 0.005)."""
    return _mnist_class_mu().copy()


def far_images(n_digits: int = 6) -> np.ndarray:
    """An all-zero and an all-one image followed by MNIST digits: (2 + n_digits, 784)."""
    digits, _ = mnist_images(0, n_digits)
    return np.vstack([np.zeros(784), np.ones(784), digits])


def log_prob_scipy(X, mu) -> np.ndarray:
    """log p(x_i | mu_k) (n, k), pixel by pixel with scipy.stats.bernoulli."""
    X, mu = np.asarray(X, dtype=float), np.asarray(mu, dtype=float)
    return stats.bernoulli.logpmf(X[:, None, :], mu[None, :, :]).sum(axis=-1)


def posterior_scipy(X, pi, mu):
    """Responsibilities (n, k) and total log-likelihood by Bayes' rule, with scipy."""
    with np.errstate(divide="ignore"):
        log_joint = log_prob_scipy(X, mu) + np.log(np.asarray(pi, dtype=float))
    log_px = logsumexp(log_joint, axis=1, keepdims=True)
    return np.exp(log_joint - log_px), float(log_px.sum())


def log_prior(mu, smoothing: float = SMOOTHING) -> float:
    """log Beta(smoothing + 1, smoothing + 1) density of every mu_kd, summed, up to a constant."""
    mu = np.asarray(mu, dtype=float)
    return float(smoothing * np.sum(np.log(mu) + np.log1p(-mu)))


def beta_log_normaliser(k: int, d: int, smoothing: float = SMOOTHING) -> float:
    """The constant left out of ``log_prior``: k * d * -log B(smoothing + 1, smoothing + 1)."""
    return float(-k * d * betaln(smoothing + 1, smoothing + 1))


def loglik(X, pi, mu) -> float:
    """sum_i log p(x_i | pi, mu) (mu strictly inside (0, 1))."""
    X, pi, mu = (np.asarray(a, dtype=float) for a in (X, pi, mu))
    with np.errstate(divide="ignore"):
        log_joint = X @ np.log(mu).T + (1 - X) @ np.log1p(-mu).T + np.log(pi)
    return float(logsumexp(log_joint, axis=1).sum())


def _fmt(a) -> str:
    return np.array2string(np.asarray(a, dtype=float), precision=4, separator=", ",
                           threshold=8, edgeitems=2)


def _shape(a) -> str:
    return "x".join(str(s) for s in np.shape(a))


def _matches(got: np.ndarray, candidate) -> bool:
    candidate = np.asarray(candidate, dtype=float)
    with np.errstate(all="ignore"):
        return (got.shape == candidate.shape and bool(np.all(np.isfinite(candidate)))
                and bool(np.allclose(got, candidate, **_MATCH)))


def _first_match(got: np.ndarray, candidates, default: str) -> str:
    for candidate, hint in candidates:
        if _matches(got, candidate):
            return hint
    return default


# --------------------------------------------------------------------------------------------
# bernoulli_log_prob
# --------------------------------------------------------------------------------------------
LOGPROB_FORMULA = ("log p(x_i | mu_k) = sum_d x_id log(mu_kd) + (1 - x_id) log(1 - mu_kd), i.e. "
                   "X @ np.log(mu).T + (1 - X) @ np.log(1 - mu).T")


def diagnose_log_prob(got: np.ndarray, X, mu) -> str:
    X, mu = np.asarray(X, dtype=float), np.asarray(mu, dtype=float)
    expected = log_prob_scipy(X, mu)
    with np.errstate(all="ignore"):
        candidates = [
            (np.exp(expected), "you returned the probabilities p(x_i | mu_k), not their "
             "logarithms: return log p, which stays finite for 784 pixels"),
            (X @ np.log(mu).T, "the pixels that are off count too: add (1 - X) @ "
             "np.log(1 - mu).T"),
            (X @ np.log1p(-mu).T + (1 - X) @ np.log(mu).T, "log(mu) and log(1 - mu) are "
             "swapped: mu is the probability that a pixel is ON (x = 1), so log(mu) goes with "
             "X and log(1 - mu) with 1 - X"),
            (expected / X.shape[1], "sum over the pixels, not the mean: the pixels are "
             "independent given the cluster, so their log-probabilities add up"),
            (-expected, "the sign is flipped: log-probabilities are negative"),
            (X @ np.log(1 - mu).T + (1 - X) @ np.log(1 - mu).T, "use log(mu) for the pixels "
             "that are on: " + LOGPROB_FORMULA),
        ]
    return _first_match(got, candidates, LOGPROB_FORMULA)


def log_prob_shape_hint(got: np.ndarray, n: int, k: int) -> str:
    if got.shape == (k, n):
        return "you returned the transpose: one row per image, one column per cluster"
    if got.ndim == 3:
        return ("sum over the pixel axis: the result has one number per (image, cluster) "
                "pair, shape (n, k)")
    return "one row per image and one column per cluster: shape (n, k)"


def call_log_prob(student, X, mu) -> np.ndarray:
    what = f"bernoulli_log_prob(X of shape ({_shape(X)}), mu of shape ({_shape(mu)}))"
    out = as_array(student.call("bernoulli_log_prob", np.asarray(X), np.asarray(mu)), what,
                   "return the (n, k) array of log-probabilities")
    return out, what


def judge_log_prob(student, X, mu, tol=LOGP_TOL) -> None:
    n, k = len(X), len(mu)
    got, what = call_log_prob(student, X, mu)
    expect_shape(got, (n, k), what, log_prob_shape_hint(got, n, k))
    expect_finite(got, what, PRODUCT_HINT if X.shape[1] > 300 else
                  "mu is strictly between 0 and 1 here, so every log is finite: " + LOGPROB_FORMULA)
    expect_close(got, log_prob_scipy(X, mu), what, **tol, hint=diagnose_log_prob(got, X, mu))


def _log_prob_known_values(student, ref) -> None:
    # A worked example: row 0 under cluster 0 is log(0.5 ** 4) = -2.7726, under cluster 1
    # log(0.9 * 0.8 * 0.7 * 0.6) = -1.1961.
    X = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    mu = np.array([[0.5, 0.5, 0.5, 0.5], [0.9, 0.2, 0.7, 0.6]])
    got, what = call_log_prob(student, X, mu)
    expect_shape(got, (3, 2), what, log_prob_shape_hint(got, 3, 2))
    expected = np.log([[0.5 ** 4, 0.9 * 0.8 * 0.7 * 0.6],
                       [0.5 ** 4, 0.1 * 0.8 * 0.3 * 0.4],
                       [0.5 ** 4, 0.9 * 0.2 * 0.7 * 0.6]])
    expect_close(got, expected, what, **LOGP_TOL, hint=diagnose_log_prob(got, X, mu))
    judge_log_prob(student, random_images(1, 30, 16), random_mu(2, 3, 16))


def _log_prob_no_underflow(student, ref) -> None:
    judge_log_prob(student, far_images(), mnist_class_mu())


# --------------------------------------------------------------------------------------------
# e_step
# --------------------------------------------------------------------------------------------
def call_e_step(student, X, pi, mu):
    what = (f"e_step(X of shape ({_shape(X)}), pi={_fmt(pi)}, mu of shape ({_shape(mu)}))")
    value = student.call("e_step", np.asarray(X), np.asarray(pi), np.asarray(mu))
    r, ll = as_tuple(value, 2, what, "r, loglik")
    r = as_array(r, f"the r of {what}", "r is the (n, k) array of responsibilities")
    ll = as_float(ll, f"the loglik of {what}", "loglik is ONE number, the total "
                  "log-likelihood sum_i log p(x_i): sum the per-image values")
    return r, ll, what


def expect_pmf_rows(r: np.ndarray, what: str, tol: float = 1e-6) -> None:
    """Every entry in [0, 1] and every row summing to 1; the hint names the likely mistake."""
    expect.expect_pmf_rows(
        r, what, tol=tol, meaning="row i is the distribution of image i over the clusters",
        negative_hint="these look like log-responsibilities: return r = np.exp(log_r), "
        "probabilities in [0, 1]", axis_hint=AXIS_HINT, normalise_hint="normalise each row "
        "over the clusters: subtract logsumexp(log_joint, axis=1, keepdims=True) from "
        "log_joint before exponentiating")


def resp_shape_hint(got: np.ndarray, n: int, k: int) -> str:
    if got.shape == (k, n):
        return "you returned the transpose: one row per image, one column per cluster"
    return "r has one row per image and one column per cluster: shape (n, k)"


def diagnose_resp(got: np.ndarray, X, pi, mu) -> str:
    log_p = log_prob_scipy(X, mu)
    with np.errstate(all="ignore"):
        uniform = np.exp(log_p - logsumexp(log_p, axis=1, keepdims=True))
        log_joint = log_p + np.log(pi)
        log_r = log_joint - logsumexp(log_joint, axis=1, keepdims=True)
    candidates = [
        (uniform, "the mixture weights are missing: add np.log(pi) to the log-probabilities "
         "before normalising, log r_ik = log pi_k + log p(x_i | mu_k) - log p(x_i)"),
        (log_r, "these are the log-responsibilities: return r = np.exp(log_r)"),
    ]
    return _first_match(got, candidates, "r_ik = pi_k p(x_i | mu_k) / sum_j pi_j p(x_i | mu_j), "
                        "computed in log space: " + LOGSPACE_HINT)


def diagnose_loglik(got: float, X, pi, mu) -> str:
    log_p = log_prob_scipy(X, mu)
    with np.errstate(all="ignore"):
        per_image = logsumexp(log_p + np.log(pi), axis=1)
        candidates = [
            (per_image.mean(), "loglik is the TOTAL over the images, sum_i log p(x_i), not "
             "the mean"),
            (-per_image.sum(), "loglik is the log-likelihood, not its negative"),
            (logsumexp(log_p, axis=1).sum(), "the mixture weights are missing: log p(x_i) = "
             "logsumexp over k of (log pi_k + log p(x_i | mu_k))"),
            (np.max(log_p + np.log(pi), axis=1).sum(), "log p(x_i) sums over the clusters: "
             "take logsumexp over axis 1, not the max"),
            ((log_p + np.log(pi)).sum(), "log p(x_i) = logsumexp over the clusters of "
             "log pi_k + log p(x_i | mu_k); do not sum the log-joint over the clusters"),
        ]
    got_arr = np.asarray(got, dtype=float)
    return _first_match(got_arr, candidates, "loglik = sum_i logsumexp_k (log pi_k + "
                        "log p(x_i | mu_k))")


def judge_e_step(student, X, pi, mu, values: bool = True, far: bool = False) -> None:
    n, k = len(X), len(mu)
    r, ll, what = call_e_step(student, X, pi, mu)
    expect_shape(r, (n, k), f"the r of {what}", resp_shape_hint(r, n, k))
    expect_finite(r, f"the r of {what}", LOGSPACE_HINT if far else
                  "a NaN usually comes from 0 / 0 or log(0): " + LOGSPACE_HINT)
    expect_pmf_rows(r, f"the r of {what}", tol=1e-5)
    if not np.isfinite(ll):
        fail(f"the loglik of {what} is {ll}, expected a finite number",
             "log p(x_i) = logsumexp over the clusters of (log pi_k + log p(x_i | mu_k)); "
             "computing p(x_i) first underflows to 0 and log(0) = -inf" if far else
             "loglik = sum_i logsumexp_k (log pi_k + log p(x_i | mu_k))")
    if not values:
        return
    expected_r, expected_ll = posterior_scipy(X, pi, mu)
    expect_close(r, expected_r, f"the r of {what}", **RESP_TOL,
                 hint=diagnose_resp(r, X, pi, mu))
    expect_close(np.asarray(ll), expected_ll, f"the loglik of {what}", **LOGP_TOL,
                 hint=diagnose_loglik(ll, X, pi, mu))


def _e_step_pmf(student, ref) -> None:
    judge_e_step(student, random_images(3, 40, 16), np.array([0.5, 0.3, 0.2]),
                 random_mu(4, 3, 16), values=False)


def _e_step_values(student, ref) -> None:
    judge_e_step(student, random_images(5, 40, 16), np.array([0.5, 0.3, 0.2]),
                 random_mu(6, 3, 16))
    judge_e_step(student, random_images(7, 25, 10, p=0.6), np.array([0.1, 0.6, 0.05, 0.25]),
                 random_mu(8, 4, 10, 0.2, 0.8))


def _e_step_far_images(student, ref) -> None:
    mu = mnist_class_mu()
    judge_e_step(student, far_images(), np.full(10, 0.1), mu, far=True)
    pi = np.random.default_rng(9).dirichlet(np.ones(10))
    judge_e_step(student, far_images()[:3], pi, mu, far=True)


# --------------------------------------------------------------------------------------------
# m_step
# --------------------------------------------------------------------------------------------
M_FORMULA = ("R = r.sum(0) (soft counts), pi = R / n, mu = (r.T @ X + smoothing) / "
             "(R[:, None] + 2 * smoothing)")


def call_m_step(student, X, r, smoothing: Optional[float] = None):
    kwargs = {} if smoothing is None else {"smoothing": float(smoothing)}
    args = f"X of shape ({_shape(X)}), r of shape ({_shape(r)})" + (
        "" if smoothing is None else f", smoothing={smoothing:g}")
    what = f"m_step({args})"
    value = student.call("m_step", np.asarray(X), np.asarray(r), **kwargs)
    pi, mu = as_tuple(value, 2, what, "pi, mu")
    pi = as_array(pi, f"the pi of {what}", "pi is the (k,) array of mixture weights")
    mu = as_array(mu, f"the mu of {what}", "mu is the (k, d) array of pixel probabilities")
    return pi, mu, what


def diagnose_mu(got: np.ndarray, X, r, smoothing: float) -> str:
    X, r = np.asarray(X, dtype=float), np.asarray(r, dtype=float)
    nk = r.sum(axis=0)[:, None]
    counts = r.T @ X
    with np.errstate(all="ignore"):
        return _diagnose_mu(got, X, r, smoothing, nk, counts)


def _diagnose_mu(got, X, r, smoothing, nk, counts) -> str:
    candidates = []
    if smoothing != 1.0:
        candidates.append(((counts + 1) / (nk + 2), "this is mu for smoothing = 1: use the "
                           "smoothing argument you are given, not a fixed 1"))
    if smoothing != 0.0:
        candidates.append((counts / nk, NO_SMOOTHING_HINT))
    candidates += [
        ((counts + smoothing) / (nk + smoothing), "the denominator adds 2 * smoothing: one "
         "pseudo-count for 'on' and one for 'off', so that mu and 1 - mu get the same prior"),
        ((counts + smoothing) / (len(X) + 2 * smoothing), "divide by each cluster's soft count "
         "R_k = r[:, k].sum(), not by the number of images n"),
        (counts / len(X), "divide by each cluster's soft count R_k = r[:, k].sum() (plus "
         "2 * smoothing), not by n"),
        ((counts + 2 * smoothing) / (nk + 2 * smoothing), "add smoothing (not 2 * smoothing) "
         "to the numerator: mu = (r.T @ X + smoothing) / (R + 2 * smoothing)"),
    ]
    return _first_match(got, candidates, M_FORMULA)


def diagnose_pi(got: np.ndarray, X, r) -> str:
    r = np.asarray(r, dtype=float)
    nk = r.sum(axis=0)
    candidates = [(nk, "divide the soft counts by the number of images: pi = R / n"),
                  (np.full(len(nk), 1 / len(nk)), "pi must be updated from r too: pi = R / n")]
    return _first_match(got, candidates, M_FORMULA)


def judge_m_step_shapes(student, X, r, smoothing: Optional[float]) -> tuple:
    n, k = r.shape
    d = X.shape[1]
    pi, mu, what = call_m_step(student, X, r, smoothing)
    if pi.shape == (k, d) and mu.shape == (k,):
        fail(f"{what} returned pi of shape {pi.shape} and mu of shape {mu.shape}",
             "return them in the order (pi, mu)")
    expect_shape(pi, (k,), f"the pi of {what}", "one weight per cluster: shape (k,)")
    expect_shape(mu, (k, d), f"the mu of {what}",
                 "you returned the transpose: one row per cluster, shape (k, d)"
                 if mu.shape == (d, k) else "one row of pixel probabilities per cluster: (k, d)")
    expect_finite(pi, f"the pi of {what}")
    expect_finite(mu, f"the mu of {what}", "with smoothing > 0 the denominator R + 2 * "
                  "smoothing is positive even for an empty cluster")
    total = float(pi.sum())
    if abs(total - 1) > 1e-6:
        fail(f"the pi of {what} sums to {total:.6g}, not 1: {_fmt(pi)}", diagnose_pi(pi, X, r))
    return pi, mu, what


def _m_step_valid(student, ref) -> None:
    rng = np.random.default_rng(10)
    X = random_images(11, 30, 8, p=0.4)
    X[:, 2] = 0.0          # a pixel never on
    X[:, 5] = 1.0          # a pixel always on
    r = rng.dirichlet(np.full(3, 0.5), size=30)
    with figure_on_failure(lambda: digit_means_figure(student)):
        _m_step_valid_range(student, X, r)


def _m_step_valid_range(student, X, r) -> None:
    _, mu, what = judge_m_step_shapes(student, X, r, None)
    for bad in (mu <= 0, mu >= 1):
        if bad.any():
            k, d = (int(a) for a in np.argwhere(bad)[0])
            fail(f"the mu of {what} (default smoothing = 1) is {mu[k, d]:.6g} at cluster {k}, "
                 f"pixel {d}, a pixel that is {'never' if d == 2 else 'always'} on; mu must "
                 f"stay strictly between 0 and 1, or log(mu) or log(1 - mu) is -inf",
                 diagnose_mu(mu, X, r, SMOOTHING))


# Worked examples of the assignment's formula (soft counts R and r.T @ X in the comments).
M_EXAMPLE_1 = (np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]),
               np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]))
#  R = [1.5, 1.5], r.T @ X = [[1.5, 0.5], [0.5, 0.5]], n = 3
M_EXAMPLE_1_VALUES = {
    None: ([0.5, 0.5], [[2.5 / 3.5, 1.5 / 3.5], [1.5 / 3.5, 1.5 / 3.5]]),  # default, 1
    0.0: ([0.5, 0.5], [[1.0, 1 / 3], [1 / 3, 1 / 3]]),
    2.5: ([0.5, 0.5], [[4.0 / 6.5, 3.0 / 6.5], [3.0 / 6.5, 3.0 / 6.5]]),
}
M_EXAMPLE_2 = (np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
               np.array([[0.8, 0.2], [0.4, 0.6], [1.0, 0.0], [0.3, 0.7]]))
#  R = [2.5, 1.5], r.T @ X = [[2.1, 1.5, 0.3], [0.9, 1.5, 0.7]], n = 4
M_EXAMPLE_2_VALUES = {
    1.0: ([2.5 / 4, 1.5 / 4], [[3.1 / 4.5, 2.5 / 4.5, 1.3 / 4.5], [1.9 / 3.5, 2.5 / 3.5, 1.7 / 3.5]]),
    0.5: ([2.5 / 4, 1.5 / 4], [[2.6 / 3.5, 2.0 / 3.5, 0.8 / 3.5], [1.4 / 2.5, 2.0 / 2.5, 1.2 / 2.5]]),
}


def judge_m_step_values(student, X, r, smoothing, expected_pi, expected_mu, tol=PARAM_TOL):
    pi, mu, what = judge_m_step_shapes(student, X, r, smoothing)
    s = SMOOTHING if smoothing is None else smoothing
    expect_close(pi, expected_pi, f"the pi of {what}", **tol, hint=diagnose_pi(pi, X, r))
    expect_close(mu, expected_mu, f"the mu of {what}", **tol, hint=diagnose_mu(mu, X, r, s))


DIGITS_N = 1000


def digit_means_figure(student):
    """Your m_step on 1,000 MNIST digits with the true labels as one-hot responsibilities, so
    that mu is each digit's smoothed mean image: yours next to the formula's.

    Drawn only when an m_step check fails, from one more call of the student's m_step on
    public data (the shipped MNIST test images), never from student plotting code.
    """
    X, y = mnist_images(0, DIGITS_N)
    r = (y[:, None] == np.arange(10)).astype(float)
    pi, mu = as_tuple(student.call("m_step", X, r), 2, "m_step", "pi, mu")
    expected = (r.T @ X + SMOOTHING) / (r.sum(axis=0)[:, None] + 2 * SMOOTHING)
    return figures.images(as_array(mu, "mu"), expected, title=f"m_step(X, r) on {DIGITS_N:,} "
                          "MNIST digits, r = the one-hot true labels: mu is each digit's "
                          "mean image (smoothing = 1)")


def _m_step_known_values(student, ref) -> None:
    with figure_on_failure(lambda: digit_means_figure(student)):
        for smoothing, (pi, mu) in M_EXAMPLE_1_VALUES.items():
            judge_m_step_values(student, *M_EXAMPLE_1, smoothing, pi, mu)
        for smoothing, (pi, mu) in M_EXAMPLE_2_VALUES.items():
            judge_m_step_values(student, *M_EXAMPLE_2, smoothing, pi, mu)


# --------------------------------------------------------------------------------------------
# fit_bmm
# --------------------------------------------------------------------------------------------
OBJECTIVE_FORMULA = ("objective = loglik + smoothing * sum(log(mu) + log(1 - mu)) with "
                     "smoothing = 1: the total log-likelihood of the data under (pi, mu) plus the "
                     "log Beta(2, 2) prior of every pixel probability")


def call_fit(student, X, k: int, iters: int, seed: int):
    what = f"fit_bmm(X of shape ({_shape(X)}), k={k}, iters={iters}, rng=np.random.default_rng({seed}))"
    value = student.call("fit_bmm", np.asarray(X), k, iters, Rng(seed))
    pi, mu, r, hist = as_tuple(value, 4, what, "pi, mu, r, objective_history")
    pi = as_array(pi, f"the pi of {what}")
    mu = as_array(mu, f"the mu of {what}")
    r = as_array(r, f"the r of {what}")
    if isinstance(hist, Unsupported) or hist is None:
        fail(f"the objective_history of {what} is {hist!r}, expected a list or array of numbers")
    hist = as_array(hist, f"the objective_history of {what}",
                    "objective_history is a list (or 1-D array) of numbers, one per iteration")
    return pi, mu, r, hist, what


def judge_fit_shapes(student, X, k: int, iters: int, seed: int):
    """Call fit_bmm and check every output's shape, range and finiteness; return them."""
    n, d = X.shape
    pi, mu, r, hist, what = call_fit(student, X, k, iters, seed)
    expect_shape(pi, (k,), f"the pi of {what}", "one weight per cluster: shape (k,)")
    expect_shape(mu, (k, d), f"the mu of {what}", "one row of pixel probabilities per cluster")
    expect_shape(r, (n, k), f"the r of {what}", resp_shape_hint(r, n, k))
    hist = hist.reshape(-1) if hist.ndim == 2 and 1 in hist.shape else hist
    if hist.ndim != 1 or len(hist) not in (iters, iters + 1):
        fail(f"the objective_history of {what} has shape {hist.shape}, expected ({iters},): "
             "one objective per iteration", "append one number, the objective after the "
             "iteration, at the end of each of the iters iterations")
    expect_finite(mu, f"the mu of {what}", NO_SMOOTHING_HINT)
    if (mu <= 0).any() or (mu >= 1).any():
        k_, d_ = (int(a) for a in np.argwhere((mu <= 0) | (mu >= 1))[0])
        fail(f"the mu of {what} is {mu[k_, d_]:.6g} at cluster {k_}, pixel {d_}; it must stay "
             "strictly between 0 and 1", "use your m_step, with its default smoothing = 1: "
             + NO_SMOOTHING_HINT)
    expect_finite(pi, f"the pi of {what}", "pi = R / n with R = r.sum(0); a NaN in r (see "
                  "e_step) makes pi NaN too")
    expect_finite(r, f"the r of {what}", LOGSPACE_HINT)
    expect_finite(hist, f"the objective_history of {what}",
                  "a -inf or nan objective comes from log(0): mu must stay strictly inside "
                  "(0, 1) (use the smoothed m_step) and log p(x_i) must be computed with "
                  "logsumexp")
    expect_pmf_rows(r, f"the r of {what}", tol=1e-5)
    if abs(float(pi.sum()) - 1) > 1e-6 or (pi < 0).any():
        fail(f"the pi of {what} is {_fmt(pi)}, not a pmf (non-negative, summing to 1)",
             "pi = R / n with R = r.sum(0)")
    return pi, mu, r, hist, what


def fit_data():
    """The public fit_bmm checks' well-separated data: 3 clusters, X (200, 64), whose first 4
    pixels are never on."""
    return prototype_data(12, 200, 64, [0.5, 0.3, 0.2], blank=4)


def _fit_shapes(student, ref) -> None:
    X, _, _ = fit_data()
    judge_fit_shapes(student, X, 3, 20, 0)


def judge_monotone(hist: np.ndarray, what: str) -> None:
    tol = 1e-5 * np.maximum(np.abs(hist[:-1]), 1.0)
    drops = hist[1:] < hist[:-1] - tol
    if drops.any():
        t = int(np.argmax(drops))
        falling = np.mean(np.diff(hist) < 0)
        hint = ("your objective falls at almost every iteration: record the objective EM "
                "maximises (log-likelihood + log prior), not its negative" if falling > 0.8 else
                "EM never decreases log-likelihood + log prior when the M-step is the smoothed "
                "one: first make the m_step and e_step checks pass (an M-step that is not the "
                "formula's, e.g. dividing by n instead of R_k, breaks that guarantee); then "
                "check that e_step normalises each row over the clusters, that m_step uses "
                "the responsibilities of the E-step just before it, and that the objective is "
                "computed for the parameters of the same iteration. " + OBJECTIVE_FORMULA)
        fail(f"the objective_history of {what} decreases from iteration {t} to {t + 1}: "
             f"{hist[t]:.10g} then {hist[t + 1]:.10g}, a drop of {hist[t] - hist[t + 1]:.4g} "
             f"(allowed: rounding, 1e-5 of the objective; {int(drops.sum())} of {len(drops)} "
             f"steps go down)\nobjective_history: {_fmt(hist)}", hint,
             figure=figures.curves(hist, ylabel="objective", title="your objective_history "
                                   "(EM's never goes down)"))


def _fit_monotone(student, ref) -> None:
    X, _ = mnist_images(2000, 500)
    _, _, _, hist, what = judge_fit_shapes(student, X, 5, 10, 1)
    judge_monotone(hist, what)


def judge_last_objective(X, pi, mu, hist, what) -> None:
    k, d = mu.shape
    ll = loglik(X, pi, mu)
    prior = log_prior(mu)
    expected = ll + prior
    last = float(hist[-1])
    tol = 1e-5 * abs(expected) + 1e-3
    if abs(last - expected) <= tol:
        return
    if abs(last - (expected + beta_log_normaliser(k, d))) <= tol:
        return  # the Beta prior's normalising constant included: also correct
    n = len(X)
    candidates = [
        (ll, "this is the log-likelihood alone: with the smoothed M-step EM maximises the "
         "log-likelihood PLUS the log prior, smoothing * sum(log(mu) + log(1 - mu))"),
        (ll / n, "this is the mean log-likelihood per image, without the prior: " +
         OBJECTIVE_FORMULA),
        (expected / n, "divide nothing by n: " + OBJECTIVE_FORMULA),
        (-expected, "this is minus the objective: record loglik + log prior itself"),
        (-ll, "this is minus the log-likelihood: " + OBJECTIVE_FORMULA),
        (ll + 2 * prior, "the log prior of Beta(smoothing + 1, smoothing + 1) is smoothing * "
         "sum(log(mu) + log(1 - mu)), i.e. once sum(log(mu) + log(1 - mu)) for smoothing = 1"),
    ]
    hint = _first_match(np.asarray(last), [(np.asarray(v), h) for v, h in candidates],
                        "objective_history[-1] must be the objective of the pi and mu you "
                        "return: compute it after the last M-step (with the E-step that "
                        "follows it). " + OBJECTIVE_FORMULA)
    fail(f"the last objective of {what} is {last:.10g}, but for the pi and mu it returns the "
         f"log-likelihood is {ll:.10g} and the log prior sum(log(mu) + log(1 - mu)) is "
         f"{prior:.10g}: expected their sum, {expected:.10g} (tolerance {tol:.3g}; off by "
         f"{last - expected:.6g})", hint,
         figure=figures.curves(hist, ylabel="objective", target=expected,
                               target_label="expected last value (loglik + log prior)",
                               title="your objective_history"))


def _fit_last_objective(student, ref) -> None:
    X, _, _ = fit_data()
    pi, mu, _, hist, what = judge_fit_shapes(student, X, 3, 30, 2)
    judge_last_objective(X, pi, mu, hist, what)


# --------------------------------------------------------------------------------------------
# update_clusters
# --------------------------------------------------------------------------------------------
def cluster_means(X, assignments, n_clusters: int):
    """The means (K, d) and the sizes (K,) of the clusters."""
    X = np.asarray(X, dtype=float)
    onehot = (np.asarray(assignments)[:, None] == np.arange(n_clusters)).astype(float)
    counts = onehot.sum(axis=0)
    return onehot.T @ X / np.maximum(counts, 1)[:, None], counts


def sq_distances(X, means) -> np.ndarray:
    """Squared Euclidean distances (n, K), computed exactly pixel by pixel."""
    X, means = np.asarray(X, dtype=float), np.asarray(means, dtype=float)
    return ((X[:, None, :] - means[None, :, :]) ** 2).sum(axis=-1)


def call_update(student, X, assignments, n_clusters: int):
    what = (f"update_clusters(X of shape ({_shape(X)}), assignments of shape "
            f"({_shape(assignments)}), n_clusters={n_clusters})")
    got = as_array(student.call("update_clusters", np.asarray(X), np.asarray(assignments),
                                n_clusters), what, "return the new assignments, an int array (n,)")
    return got, what


def expect_assignment_shape(got: np.ndarray, X, n_clusters: int, what: str) -> None:
    if got.shape == (n_clusters, np.shape(X)[1]):
        fail(f"{what} returned an array of shape {got.shape}, the shape of the means",
             "return the new assignment of every image (shape (n,)), not the cluster means")
    expect_shape(got, (len(X),), what, "one cluster index per image: shape (n,), e.g. "
                 "np.argmin(distances, axis=1)")
    expect_finite(got, what)


def diagnose_update(got: np.ndarray, X, assignments, n_clusters: int) -> str:
    means, counts = cluster_means(X, assignments, n_clusters)
    dist = sq_distances(X, means)
    sums = np.asarray(assignments)[:, None] == np.arange(n_clusters)
    candidates = [
        (np.argmax(dist, axis=1), "each image went to its FARTHEST mean: take the argmin of "
         "the distances, not the argmax"),
        (np.asarray(assignments), "your assignments did not change: recompute the cluster "
         "means from the assignments you are given, then send every image to its nearest mean"),
        (np.argmin(sq_distances(X, sums.T.astype(float) @ np.asarray(X, dtype=float)), axis=1),
         "the cluster means are sums: divide each cluster's sum of images by its number of "
         "images"),
        (np.argmin(dist, axis=1) + 1, "cluster indices start at 0: return argmin(...) itself"),
        (np.argmax(np.asarray(X, dtype=float) @ means.T, axis=1), "the largest dot product "
         "x . m is not the nearest mean: ||x - m||^2 = ||x||^2 - 2 x . m + ||m||^2, so the "
         "||m||^2 term matters"),
    ]
    return _first_match(got, candidates, "means[k] = mean of the images assigned to k; new "
                        "assignment of image i = argmin_k ||x_i - means[k]||^2")


def judge_update(student, X, assignments, n_clusters: int) -> np.ndarray:
    """The student's new assignments must send every image to one of its nearest means (within
    rounding: ties may be broken either way)."""
    X = np.asarray(X)
    n = len(X)
    got, what = call_update(student, X, assignments, n_clusters)
    expect_assignment_shape(got, X, n_clusters, what)
    if not np.array_equal(got, np.round(got)):
        i = int(np.argmax(got != np.round(got)))
        fail(f"{what} returned a non-integer cluster index at image {i}: {got[i]:.6g}",
             "return integer indices, e.g. np.argmin(distances, axis=1)")
    if got.min() < 0 or got.max() >= n_clusters:
        i = int(np.argmax((got < 0) | (got >= n_clusters)))
        fail(f"{what} returned cluster {int(got[i])} for image {i}; clusters are numbered "
             f"0 to {n_clusters - 1}", diagnose_update(got, X, assignments, n_clusters))
    means, counts = cluster_means(X, assignments, n_clusters)
    dist = sq_distances(X, means)
    dist[:, counts == 0] = np.inf
    got = got.astype(int)
    best = dist.min(axis=1)
    chosen = dist[np.arange(n), got]
    wrong = chosen > best + 1e-9 * np.maximum(best, 1.0)
    if wrong.any():
        i = int(np.argmax(wrong))
        fail(f"{what} sent image {i} to cluster {got[i]}, at squared distance {chosen[i]:.6g} "
             f"from that cluster's mean, but the nearest mean is cluster "
             f"{int(np.argmin(dist[i]))}'s, at {best[i]:.6g} ({int(wrong.sum())} of {n} images "
             f"are not sent to their nearest mean)",
             diagnose_update(got, X, assignments, n_clusters))
    return got


# A worked example: with assignments [1, 0, 0, 1, 1, 0] the means are (2/3, 1/3, 1/3) and
# (1/3, 2/3, 2/3); the squared distances of the six images to them are (6/9, 9/9), (3/9, 12/9),
# (9/9, 6/9), (9/9, 6/9), (12/9, 3/9), (6/9, 9/9), so images 0 and 2 change cluster.
UPDATE_EXAMPLE = (np.array([[1.0, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 1], [0, 1, 1], [0, 0, 0]]),
                  np.array([1, 0, 0, 1, 1, 0]), 2, np.array([0, 0, 1, 1, 1, 0]))


def _update_known_values(student, ref) -> None:
    X, start, k, expected = UPDATE_EXAMPLE
    got, what = call_update(student, X, start, k)
    expect_assignment_shape(got, X, k, what)
    if not np.array_equal(got, expected):
        i = int(np.argmax(got != expected))
        fail(f"{what} returned {_fmt(got)} for the images {X.astype(int).tolist()} and "
             f"assignments {start.tolist()}; expected {expected.tolist()} (the cluster means "
             f"are (2/3, 1/3, 1/3) and (1/3, 2/3, 2/3)); first difference at image {i}",
             diagnose_update(got, X, start, k))
    # The result of a pass is a fixed point: a second pass changes nothing.
    got, what = call_update(student, X, expected, k)
    if not np.array_equal(got, expected):
        fail(f"{what} returned {_fmt(got)} for assignments {expected.tolist()}, which already "
             f"send every image to its nearest mean (expected them unchanged)",
             diagnose_update(got, X, expected, k))


def random_assignments(seed: int, n: int, n_clusters: int) -> np.ndarray:
    """Random assignments (n,) in which every cluster has at least one image."""
    rng = np.random.default_rng(seed)
    a = rng.integers(n_clusters, size=n)
    a[rng.permutation(n)[:n_clusters]] = np.arange(n_clusters)
    return a


def _update_nearest_mean(student, ref) -> None:
    X, _ = mnist_images(3000, 300)
    judge_update(student, X, random_assignments(13, 300, 10), 10)


# --------------------------------------------------------------------------------------------
# cluster_accuracy
# --------------------------------------------------------------------------------------------
ACCURACY_RULE = ("name each cluster after the most common label among its images (several "
                 "clusters may get the same label), then accuracy = the fraction of images whose "
                 "label is their cluster's name = sum over clusters of the largest label count, "
                 "divided by n")

ACCURACY_EXAMPLES = [
    # clusters 5: labels (0, 0, 1) -> 2 right; 1: (1, 1) -> 2; 0: (2,) -> 1; 5 of 6
    (np.array([0, 0, 1, 1, 1, 2]), np.array([5, 5, 5, 1, 1, 0]), 5 / 6),
    # cluster 1 mixes three digits and is named 1: 2 + 2 of 6 (naming each LABEL after its
    # majority cluster would count 2 + 2 + 1)
    (np.array([0, 0, 0, 1, 1, 2]), np.array([0, 0, 1, 1, 1, 1]), 4 / 6),
    # two clusters named 3 (a digit split in two): 2 + 2 + 1 of 6; a one-to-one matching gives 3/6
    (np.array([3, 3, 3, 3, 7, 7]), np.array([0, 0, 1, 1, 1, 2]), 5 / 6),
    # a perfect clustering with other cluster names
    (np.array([0, 1, 2, 0, 1, 2]), np.array([2, 0, 1, 2, 0, 1]), 1.0),
    # one cluster for everything: the majority label 2 is right 3 times in 5
    (np.array([1, 2, 2, 3, 2]), np.array([0, 0, 0, 0, 0]), 3 / 5),
]


def diagnose_accuracy(got: float, labels, assignments) -> str:
    from scipy.optimize import linear_sum_assignment
    labels, assignments = np.asarray(labels), np.asarray(assignments)
    _, li = np.unique(labels, return_inverse=True)
    _, ci = np.unique(assignments, return_inverse=True)
    table = np.zeros((ci.max() + 1, li.max() + 1))
    np.add.at(table, (ci, li), 1)
    rows, cols = linear_sum_assignment(-table)
    n = len(labels)
    candidates = [
        (table.max(axis=1).sum(), "return the fraction of images, not their number: divide "
         "by n"),
        (table[rows, cols].sum() / n, "several clusters may share a label (a digit split over "
         "two clusters is still right): name each cluster after its own majority label, not a "
         "one-to-one matching"),
        (table.max(axis=0).sum() / n, "name each CLUSTER after its majority label (not each "
         "label after its majority cluster)"),
        (np.mean(labels == assignments), "cluster numbers are not labels: map each cluster to "
         "its majority label first"),
        (1 - table.max(axis=1).sum() / n, "this is the error rate: return the accuracy"),
    ]
    return _first_match(np.asarray(float(got)), [(np.asarray(v), h) for v, h in candidates],
                        ACCURACY_RULE)


def judge_accuracy(student, labels, assignments, expected: float) -> None:
    what = (f"cluster_accuracy(labels={_fmt(labels)}, assignments={_fmt(assignments)})"
            if len(labels) <= 12 else
            f"cluster_accuracy(labels of shape ({_shape(labels)}), assignments of shape "
            f"({_shape(assignments)}))")
    got = as_float(student.call("cluster_accuracy", np.asarray(labels), np.asarray(assignments)),
                   what, "return one number, the accuracy in [0, 1]")
    expect_close(np.asarray(got), expected, what, rtol=1e-6, atol=1e-7,
                 hint=diagnose_accuracy(got, labels, assignments))


def _accuracy_known_values(student, ref) -> None:
    for labels, assignments, expected in ACCURACY_EXAMPLES:
        judge_accuracy(student, labels, assignments, expected)


def _fast(**kw):
    return dict(timeout=FAST_TIMEOUT, slow_hint=VECTORISE_HINT, **kw)


CHECKS = [
    Check(name="bernoulli_log_prob: shape (n, k) and known values", function="bernoulli_log_prob",
          points=1, judge=_log_prob_known_values, **_fast()),
    Check(name="bernoulli_log_prob: finite and exact for 784-pixel images far from every "
               "cluster (no underflow)", function="bernoulli_log_prob", points=1,
          judge=_log_prob_no_underflow, **_fast()),
    Check(name="e_step: r of shape (n, k) with rows summing to 1, loglik one number",
          function="e_step", points=1, judge=_e_step_pmf, **_fast()),
    Check(name="e_step: r and loglik equal Bayes' rule computed with scipy", function="e_step",
          points=1, judge=_e_step_values, **_fast()),
    Check(name="e_step: no NaN for all-zero and all-one images (784 pixels)", function="e_step",
          points=1, judge=_e_step_far_images, **_fast()),
    Check(name="m_step: pi sums to 1 and 0 < mu < 1, even for a pixel never on",
          function="m_step", points=1, judge=_m_step_valid, **_fast()),
    Check(name="m_step: known values for smoothing = 1 (default), 0, 0.5 and 2.5",
          function="m_step", points=1, judge=_m_step_known_values, **_fast()),
    Check(name="fit_bmm: returns pi (k,), mu (k, d), r (n, k) and one objective per iteration",
          function="fit_bmm", points=1, judge=_fit_shapes, timeout=FIT_TIMEOUT,
          slow_hint=FIT_SLOW_HINT),
    Check(name="fit_bmm: the objective never decreases (500 MNIST images, k = 5)",
          function="fit_bmm", points=1, judge=_fit_monotone, timeout=FIT_TIMEOUT,
          slow_hint=FIT_SLOW_HINT),
    Check(name="fit_bmm: the last objective is log-likelihood + log prior of the returned "
               "parameters", function="fit_bmm", points=1, judge=_fit_last_objective,
          timeout=FIT_TIMEOUT, slow_hint=FIT_SLOW_HINT),
    Check(name="update_clusters: a worked example", function="update_clusters", points=1,
          judge=_update_known_values, timeout=HARD_TIMEOUT, slow_hint=HARD_SLOW_HINT),
    Check(name="update_clusters: every image goes to its nearest cluster mean (300 MNIST "
               "images, 10 clusters)", function="update_clusters", points=1,
          judge=_update_nearest_mean, timeout=HARD_TIMEOUT, slow_hint=HARD_SLOW_HINT),
    Check(name="cluster_accuracy: worked examples (renamed, split and mixed clusters)",
          function="cluster_accuracy", points=1, judge=_accuracy_known_values,
          timeout=FAST_TIMEOUT, slow_hint="count labels per cluster with np.bincount or "
          "np.add.at instead of looping over images"),
]
