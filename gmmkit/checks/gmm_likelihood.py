"""Public checks of ``gmm_likelihood``: the mixture log-likelihood, the answer
``expected_mean_density``, the NLL gradient, the Adam fit, the posterior logits, the M-step and
the EM fit.

Public checks never see the reference solution. They judge by outside references computed here
(``scipy.stats.norm.logpdf`` with ``scipy.special.logsumexp``; central finite differences of the
NLL written with scipy; weighted moments from ``np.average`` and ``np.cov``; the
maximum-likelihood fit of ``sklearn.mixture.GaussianMixture``) and by properties (a loss that
goes down, a log-likelihood that never decreases). Every check feeds its function inputs it
makes itself, never the output of the student's other functions. The helpers below are shared
with the hidden checks (``autograder/gmm_likelihood/hidden_checks.py``).

``expected_mean_density`` is a graded variable: its public check only makes sure it is a number
(the hidden check judges the value, so the public one does not give the answer away).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import log_softmax, logsumexp, softmax
from scipy.stats import norm

from ..wire.protocol import Rng, Unsupported
from . import figures
from .core import Check
from .expect import (as_array, as_float, as_tuple, expect_close, expect_finite, expect_shape,
                     fail, figure_on_failure, match_components)

# The lecture's ground truth (stated in the notebook, so public knowledge).
GT_LOGITS = np.log([1 / 4, 1 / 4, 1 / 6, 1 / 6, 1 / 6])
GT_MEANS = np.array([1.0, -0.5, -2, .5, 3])
GT_LSIGMAS = np.log([.5, 1.0, .2, .1, .5])

# Time limits: a loop over the data points in Python, as in many first attempts, is correct and
# slow; the fits call it hundreds of times.
TIMEOUT = 30.0
FIT_TIMEOUT = 120.0
SLOW_HINT = ("vectorise over the data points: broadcasting x of shape (N, 1) against the (K,) "
             "parameters gives the (N, K) table of every point against every component in one "
             "numpy expression")
FIT_SLOW_HINT = ("each step evaluates the whole data set, so a Python loop over the points is "
                 "paid steps * N times: " + SLOW_HINT)

LOG_2PI = float(np.log(2 * np.pi))

# Tolerances (loose enough for float32 arithmetic and any order of summation).
LOGLIK_TOL = {"rtol": 1e-5, "atol": 1e-4}
POST_TOL = {"rtol": 0.0, "atol": 1e-5}
MSTEP_TOL = {"rtol": 1e-5, "atol": 1e-6}
_MATCH = {"rtol": 1e-4, "atol": 1e-4}     # how close a wrong answer must be to a known bug
FIT_NLL_TOL = 0.01     # nats per point above the maximum-likelihood fit, for the Adam fit
EM_NLL_TOL = 2e-3      # nats per point above the maximum-likelihood fit, for EM
FIT_PARAM_TOL = {"means": 0.1, "lsigmas": 0.1, "weights": 0.05}

LOGSUMEXP_HINT = ("far from every component each exp(log pi_k + log N(x_i | mu_k, sigma_k^2)) "
                  "underflows to 0 and log(0) = -inf (or 0/0 = nan): never leave log space; "
                  "use scipy.special.logsumexp(log_joint, axis=1), or subtract each row's "
                  "maximum before exponentiating")
LOGLIK_FORMULA = ("log p(x_i) = logsumexp_k [log pi_k + log N(x_i | mu_k, sigma_k^2)] with "
                  "log pi = logits - logsumexp(logits) and log N(x | mu, sigma^2) = -log sigma "
                  "- log(2 pi)/2 - (x - mu)^2 / (2 sigma^2), sigma = exp(lsigmas)")


# --------------------------------------------------------------------------------------------
# Outside references, written with scipy (shared with the hidden checks)
# --------------------------------------------------------------------------------------------
def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


def log_joint_scipy(x, logits, means, lsigmas) -> np.ndarray:
    """log pi_k + log N(x_i | mu_k, sigma_k^2), shape (N, K), with scipy."""
    return log_softmax(_f(logits)) + norm.logpdf(_f(x), loc=_f(means), scale=np.exp(_f(lsigmas)))


def loglik_scipy(x, logits, means, lsigmas) -> np.ndarray:
    """log p(x_i), shape (N,), with scipy."""
    return logsumexp(log_joint_scipy(x, logits, means, lsigmas), axis=1)


def posterior_scipy(x, logits, means, lsigmas) -> np.ndarray:
    """p(z_i = k | x_i), shape (N, K), with scipy."""
    return softmax(log_joint_scipy(x, logits, means, lsigmas), axis=1)


def nll_scipy(x, logits, means, lsigmas) -> float:
    """The negative total log-likelihood -sum_i log p(x_i)."""
    return -float(loglik_scipy(x, logits, means, lsigmas).sum())


def finite_difference_grad(x, logits, means, lsigmas, h: float = 1e-5) -> tuple:
    """Central finite differences of ``nll_scipy`` in every parameter: three (K,) arrays."""
    params = np.stack([_f(logits), _f(means), _f(lsigmas)])
    grad = np.zeros_like(params)
    for j in range(params.shape[0]):
        for k in range(params.shape[1]):
            up, down = params.copy(), params.copy()
            up[j, k] += h
            down[j, k] -= h
            grad[j, k] = (nll_scipy(x, *up) - nll_scipy(x, *down)) / (2 * h)
    return grad[0], grad[1], grad[2]


def draw(n: int, weights, means, sigmas, seed: int) -> np.ndarray:
    """The checks' own data: n points (n, 1) from the mixture."""
    rng = np.random.default_rng(seed)
    z = rng.choice(len(weights), size=n, p=_f(weights))
    return (_f(means)[z] + _f(sigmas)[z] * rng.standard_normal(n))[:, None]


@lru_cache(maxsize=None)
def _sklearn_fit(key: tuple, k: int) -> tuple:
    from sklearn.mixture import GaussianMixture
    x = np.array(key)[:, None]
    gm = GaussianMixture(k, n_init=8, tol=1e-10, max_iter=2000, reg_covar=0.0,
                         random_state=0).fit(x)
    return (float(gm.score(x)), np.log(gm.weights_), gm.means_[:, 0],
            0.5 * np.log(gm.covariances_[:, 0, 0]))


def ml_fit(x, k: int) -> tuple:
    """The maximum-likelihood fit (best of 8 EM runs of scikit-learn):
    (mean log-likelihood per point, logits, means, lsigmas)."""
    return _sklearn_fit(tuple(_f(x)[:, 0]), k)


def fmt(a) -> str:
    return np.array2string(_f(a), precision=4, separator=", ", threshold=8, edgeitems=3)


def call_desc(name: str, x, *params) -> str:
    x = _f(x)
    return f"{name}(x of shape {x.shape}, " + ", ".join(fmt(p) for p in params) + ")"


# --------------------------------------------------------------------------------------------
# mixture_likelihood
# --------------------------------------------------------------------------------------------
def likelihood_hint(x, logits, means, lsigmas, out) -> str:
    """Name the classic bug whose values ``out`` matches, or give the formula."""
    x, logits, means, lsigmas, out = map(_f, (x, logits, means, lsigmas, out))
    sig = np.exp(lsigmas)
    log_pi = log_softmax(logits)
    d2 = (x - means) ** 2
    with np.errstate(all="ignore"):
        wrong = [
            (logsumexp(norm.logpdf(x, means, sig), axis=1),
             "the log weights are missing: add log pi_k = logits_k - logsumexp(logits) to each "
             "component's log density before the logsumexp"),
            (logsumexp(logits + norm.logpdf(x, means, sig), axis=1),
             "the logits were used as log weights without normalising them: log pi = logits - "
             "logsumexp(logits) (logits are only defined up to a constant)"),
            (logsumexp(softmax(logits) + norm.logpdf(x, means, sig), axis=1),
             "pi was added instead of log pi: in log space the weights enter as log pi_k"),
            (logsumexp(log_pi - 2 * lsigmas - 0.5 * LOG_2PI - d2 / (2 * sig ** 2), axis=1),
             "the normaliser uses the variance: a Gaussian's log density has -log sigma = "
             "-lsigmas (from 1 / (sigma sqrt(2 pi))), not -log sigma^2"),
            (logsumexp(log_pi - 0.5 * lsigmas - 0.5 * LOG_2PI - d2 / (2 * sig ** 2), axis=1),
             "the normaliser has -lsigmas / 2, as if lsigmas were log variances: lsigmas is log "
             "sigma, so the log density has -lsigmas"),
            (logsumexp(log_pi - lsigmas - 0.5 * LOG_2PI - d2 / (2 * sig), axis=1),
             "the exponent divides by sigma, not by the variance: -(x - mu)^2 / (2 sigma^2)"),
            (logsumexp(log_pi - lsigmas - 0.5 * LOG_2PI - d2 / 2, axis=1),
             "the exponent ignores sigma: -(x - mu)^2 / (2 sigma^2)"),
            (logsumexp(log_pi - lsigmas - d2 / (2 * sig ** 2), axis=1),
             "the constant -log(2 pi) / 2 of the Gaussian's log density is missing"),
            (logsumexp(log_pi - lsigmas - LOG_2PI - d2 / (2 * sig ** 2), axis=1),
             "the constant is -log(2 pi) / 2, not -log(2 pi)"),
            (np.max(log_pi - lsigmas - 0.5 * LOG_2PI - d2 / (2 * sig ** 2), axis=1),
             "this is the max over components (the best single component): sum the "
             "components' probabilities, i.e. logsumexp over axis=1, not max"),
            (logsumexp(log_pi - lsigmas - 0.5 * LOG_2PI - d2 / (2 * sig ** 2), axis=0)
             if x.shape[0] == means.shape[0] else np.full(out.shape, np.nan),
             "the logsumexp runs over the data points: sum over the components, axis=1"),
        ]
    for value, hint in wrong:
        value = np.asarray(value)
        if value.shape == out.shape and np.all(np.isfinite(value)) and \
                np.allclose(out, value, **_MATCH):
            return f"{hint}; {LOGLIK_FORMULA}"
    return LOGLIK_FORMULA


def expect_loglik(student, x, logits, means, lsigmas, expected=None, tol=None) -> None:
    """Call the student's ``mixture_likelihood`` and compare it with ``expected`` (scipy's by
    default)."""
    what = call_desc("mixture_likelihood", x, logits, means, lsigmas)
    if expected is None:
        expected = loglik_scipy(x, logits, means, lsigmas)
    out = as_array(student.call("mixture_likelihood", x, logits, means, lsigmas), what)
    n = len(x)
    expect_shape(out, (n,), what, "return one log-likelihood per data point, shape (N,): "
                 "a logsumexp over the components, axis=1 (no keepdims), and no sum over the "
                 "points")
    expect_finite(out, what, LOGSUMEXP_HINT)
    expect_close(out, expected, what, **(tol or LOGLIK_TOL),
                 hint=likelihood_hint(x, logits, means, lsigmas, out))


def _likelihood_scipy(student, ref) -> None:
    x_gt = draw(300, softmax(GT_LOGITS), GT_MEANS, np.exp(GT_LSIGMAS), 0)
    expect_loglik(student, x_gt, GT_LOGITS, GT_MEANS, GT_LSIGMAS)
    # Logits that are not log-probabilities, unequal spreads, points on both sides.
    rng = np.random.default_rng(1)
    logits = np.array([2.5, 0.3, 1.0, -0.7])
    means = np.array([-2.0, 0.0, 1.5, 4.0])
    lsigmas = np.log([0.3, 1.5, 0.6, 2.5])
    x = rng.uniform(-6, 9, size=(120, 1))
    expect_loglik(student, x, logits, means, lsigmas)


def _likelihood_far_points(student, ref) -> None:
    # log p(1e4) is about -5e8 here: exp of it is 0 in floating point, log(0) is -inf.
    x = np.array([[-1e4], [-100.0], [-30.0], [0.5], [30.0], [100.0], [1e4]])
    expect_loglik(student, x, GT_LOGITS, GT_MEANS, GT_LSIGMAS, tol={"rtol": 1e-6, "atol": 1e-4})


# --------------------------------------------------------------------------------------------
# expected_mean_density
# --------------------------------------------------------------------------------------------
def get_number(student, name: str) -> float:
    (value,) = student.run([{"get": name, "return": True}])
    if value is None:
        fail(f"{name} is None: store your answer, a number, in it", f"e.g. {name} = 0.5")
    if isinstance(value, str):
        fail(f"{name} is the text {value[:40]!r}: store a number, not a string",
             f"e.g. {name} = 0.5 (without quotes); explain your answer in the text cell below")
    if isinstance(value, Unsupported):
        fail(f"{name} is {value!r}: store a number", f"e.g. {name} = 0.5")
    out = as_float(value, name, f"store one number, e.g. {name} = 0.5")
    if not np.isfinite(out):
        fail(f"{name} is {out}, not a finite number", "store the number you expect")
    return out


def _mean_density_is_number(student, ref) -> None:
    value = get_number(student, "expected_mean_density")
    if value < 0:
        fail(f"expected_mean_density is {value:g}, but a density is never negative, so neither "
             "is its average over a grid")


# --------------------------------------------------------------------------------------------
# nll_grad
# --------------------------------------------------------------------------------------------
GRAD_NAMES = ("d_logits", "d_means", "d_lsigmas")
GRAD_DERIVE = ("write log p(x_i) = logsumexp_k a_ik with a_ik = log pi_k + log N(x_i | mu_k, "
               "sigma_k^2); its derivative is sum_k r_ik * d a_ik, with the responsibilities "
               "r_ik = softmax_k(a_ik); then negate and sum over the points")


def grad_hint(expected: tuple, out: tuple, n: int, logits, lsigmas) -> str:
    """Name the classic gradient bug that ``out`` (three (K,) arrays) matches."""
    e = [_f(a) for a in expected]
    o = [_f(a) for a in out]

    def same(a, b):
        return a.shape == b.shape and np.allclose(a, b, rtol=1e-3,
                                                  atol=1e-3 * (1 + np.abs(b).max()))

    if all(same(oi, -ei) for oi, ei in zip(o, e)):
        return ("every component has the wrong sign: this is the gradient of the log-likelihood; "
                "nll_grad returns the gradient of the NEGATIVE log-likelihood")
    if all(same(oi, ei / n) for oi, ei in zip(o, e)):
        return (f"your gradient is {n} times too small: it is the gradient of the mean NLL; "
                "nll_grad returns the gradient of the TOTAL NLL, -sum_i log p(x_i)")
    if all(same(oi, -ei / n) for oi, ei in zip(o, e)):
        return (f"your gradient is -1/{n} times the expected one: the gradient of the mean "
                "log-likelihood; nll_grad returns that of the total NEGATIVE log-likelihood")
    hints = []
    for i, name in enumerate(GRAD_NAMES):
        if same(o[i], e[i]):
            continue
        if same(o[i], -e[i]):
            hints.append(f"{name} has the wrong sign (the other parts may be right)")
        elif same(o[i], e[i] / n):
            hints.append(f"{name} is {n} times too small: sum over the points, do not average")
        elif i == 0 and same(o[0], e[0] - n * softmax(_f(logits))):
            hints.append("d_logits is -R_k: the term N pi_k is missing; pi = softmax(logits) "
                         "couples the logits, so d log pi_j / d logits_k = [j == k] - pi_k")
        elif i == 0:
            hints.append("d_logits: the logits enter through pi = softmax(logits), which couples "
                         "them: differentiate log pi_j with respect to logits_k (it is "
                         "[j == k] - pi_k), then sum over j with the responsibilities")
        elif i == 1:
            hints.append("d_means: d/dmu_k of log N(x_i | mu_k, sigma_k^2) is "
                         "(x_i - mu_k) / sigma_k^2, weighted by r_ik and negated")
        else:
            sig = np.exp(_f(lsigmas))
            if same(o[i], e[i] / sig):
                hints.append("d_lsigmas looks like the derivative with respect to sigma: the "
                             "parameter is lsigmas = log sigma, so the chain rule multiplies "
                             "it by d sigma / d lsigmas = sigma")
            elif same(o[i], e[i] / 2):
                hints.append("d_lsigmas is half the expected value: with sigma = exp(lsigmas) "
                             "the variance is exp(2 * lsigmas)")
            else:
                hints.append("d_lsigmas: as a function of lsigmas, log N(x | mu, sigma^2) = "
                             "-lsigmas - log(2 pi)/2 - (x - mu)^2 exp(-2 lsigmas) / 2")
    return "; ".join(hints) + f". In general: {GRAD_DERIVE}" if hints else GRAD_DERIVE


def expect_gradient(student, x, logits, means, lsigmas, expected: tuple, source: str) -> None:
    what = call_desc("nll_grad", x, logits, means, lsigmas)
    out = as_tuple(student.call("nll_grad", x, logits, means, lsigmas), 3, what,
                   "d_logits, d_means, d_lsigmas")
    k = len(logits)
    arrays = []
    for name, value in zip(GRAD_NAMES, out):
        arr = as_array(value, f"{name} of {what}")
        expect_shape(arr, (k,), f"{name} of {what}", "one derivative per component, shape (K,)")
        expect_finite(arr, f"{name} of {what}", "compute the responsibilities in log space "
                      "(softmax of the log joint over axis=1), so that far points give no 0/0")
        arrays.append(arr)
    scale = max(1.0, max(float(np.abs(e).max()) for e in expected))
    for name, arr, exp in zip(GRAD_NAMES, arrays, expected):
        expect_close(arr, exp, f"{name} of {what} (compared with {source})", rtol=1e-4,
                     atol=1e-5 * scale, hint=grad_hint(expected, arrays, len(x), logits, lsigmas))


def _grad_finite_differences(student, ref) -> None:
    x = draw(40, [0.3, 0.5, 0.2], [-2.0, 0.5, 3.0], [0.5, 1.0, 0.7], 2)
    logits = np.array([0.4, -0.3, 0.9])
    means = np.array([-1.5, 0.2, 2.2])
    lsigmas = np.log([0.8, 1.3, 0.5])
    expect_gradient(student, x, logits, means, lsigmas,
                    finite_difference_grad(x, logits, means, lsigmas),
                    "central finite differences of the NLL")


# --------------------------------------------------------------------------------------------
# fit_gradient and em_fit: fits judged by what they reach
# --------------------------------------------------------------------------------------------
FIT_DATA = dict(n=800, weights=[0.35, 0.65], means=[-2.0, 1.5], sigmas=[0.5, 0.8], seed=3)
FIT_ARGS = dict(K=2, steps=800, learning_rate=0.05, seeds=(0, 1))
EM_DATA = dict(n=500, weights=[0.4, 0.6], means=[-1.5, 2.0], sigmas=[0.6, 0.9], seed=4)
EM_ARGS = dict(K=2, steps=300, seeds=(0, 1))


def fit_data(spec: dict) -> np.ndarray:
    return draw(spec["n"], spec["weights"], spec["means"], spec["sigmas"], spec["seed"])


def fit_params(value, k: int, what: str, names: str, history_name: str,
               history: bool = True) -> tuple:
    """The returned (logits, means, lsigmas, history) as arrays, shapes judged (the history's
    only when ``history``; otherwise it comes back as None)."""
    logits, means, lsigmas, hist = as_tuple(value, 4, what, names)
    params = []
    for name, v in zip(("logits", "means", "lsigmas"), (logits, means, lsigmas)):
        arr = as_array(v, f"the {name} returned by {what}")
        expect_shape(arr, (k,), f"the {name} returned by {what}", "one entry per component")
        params.append(arr)
    if not history:
        return (*params, None)
    hist = as_array(hist, f"the {history_name} returned by {what}",
                    f"return {history_name} as a list or a 1-D array, one number per step")
    hist = hist.reshape(-1) if hist.ndim == 2 and 1 in hist.shape else hist
    if hist.ndim != 1 or hist.size < 2:
        fail(f"the {history_name} returned by {what} has shape {hist.shape}; expected a 1-D "
             "list or array with one number per step", f"append one number per step to "
             f"{history_name}")
    return (*params, hist)


def describe_fit(x, logits, means, lsigmas) -> str:
    with np.errstate(all="ignore"):
        return (f"weights {fmt(softmax(_f(logits)))}, means {fmt(means)}, sigmas "
                f"{fmt(np.exp(_f(lsigmas)))}")


def fit_figure(x, params, best, title: str):
    """The student's fitted density over the data, against the maximum-likelihood fit (drawn on
    the grader's side from the returned numbers; None if they cannot be drawn)."""
    try:
        from .figures import density
        x = _f(x)[:, 0]
        grid = np.linspace(x.min() - 1, x.max() + 1, 400)[:, None]
        with np.errstate(all="ignore"):
            mine = np.exp(loglik_scipy(grid, *params))
        if not np.all(np.isfinite(mine)):
            mine = None
        return density(grid[:, 0], mine, np.exp(loglik_scipy(grid, *best[1:])), samples=x,
                       bins=40, samples_label="the data x", title=title)
    except Exception:
        return None


def history_figure(hist, ylabel: str, title: str):
    try:
        from .figures import curves
        return curves(hist, ylabel=ylabel, title=title)
    except Exception:
        return None


def mean_loglik(x, logits, means, lsigmas) -> float:
    """The mean log-likelihood per point of a fit, -inf for parameters that give none."""
    with np.errstate(all="ignore"):
        ll = float(loglik_scipy(x, logits, means, lsigmas).mean())
    return ll if np.isfinite(ll) else -np.inf


def fit_diagnosis(x, logits, means, lsigmas, k: int) -> str:
    """A hint for a fit that does not reach the maximum-likelihood fit."""
    best = ml_fit(x, k)[0]
    logits, means, lsigmas = map(_f, (logits, means, lsigmas))
    if np.all(lsigmas > 0) and mean_loglik(x, logits, means, np.log(lsigmas)) > best - 0.05:
        return ("your lsigmas look like the standard deviations themselves: return lsigmas "
                "= log sigma")
    if np.all(logits > 0) and abs(logits.sum() - 1) < 1e-6 and \
            mean_loglik(x, np.log(logits), means, lsigmas) > best - 0.05:
        return "your logits look like the weights pi themselves: return logits = log pi"
    if k > 1 and np.ptp(means) < 1e-6 and np.ptp(lsigmas) < 1e-6:
        return ("all your components are identical: components that start equal get equal "
                "gradients (and equal responsibilities) and stay equal forever, so draw the "
                "initial values from rng so that they differ; if they did start different, a "
                "wrong update merged them: make the mstep and nll_grad checks pass first")
    return ""


def expect_near_ml(x, logits, means, lsigmas, k: int, tol: float, what: str, hint: str,
                   best: tuple | None = None) -> None:
    """The fit's NLL per point is within ``tol`` of the maximum-likelihood fit's, and its
    components (matched by their means) are close to the best fit's."""
    best = best or ml_fit(x, k)
    best_ll, best_logits, best_means, best_lsigmas = best
    ll = mean_loglik(x, logits, means, lsigmas)
    if not ll >= best_ll - tol:
        diag = fit_diagnosis(x, logits, means, lsigmas, k)
        fail(f"{what} ends with an NLL of {-ll:.5g} per point, but the maximum-likelihood fit "
             f"reaches {-best_ll:.5g} (allowed: {tol:g} more). Your fit: "
             f"{describe_fit(x, logits, means, lsigmas)}; the best fit: "
             f"{describe_fit(x, best_logits, best_means, best_lsigmas)}",
             diag or hint, figure=fit_figure(x, (logits, means, lsigmas), best,
                                             "your fitted density vs the maximum-likelihood fit"))
    order = match_components(means, best_means)
    w, bw = softmax(_f(logits))[order], softmax(_f(best_logits))
    for name, got, want in [("means", _f(means)[order], best_means),
                            ("lsigmas", _f(lsigmas)[order], best_lsigmas), ("weights", w, bw)]:
        gap = np.abs(got - want)
        if gap.max() > FIT_PARAM_TOL[name]:
            i = int(np.argmax(gap))
            fail(f"{what}: after matching components by their means, the {name} of "
                 f"component {i} is {got[i]:.4g}, the maximum-likelihood fit's {want[i]:.4g} "
                 f"(allowed difference {FIT_PARAM_TOL[name]:g}). Your fit: "
                 f"{describe_fit(x, logits, means, lsigmas)}; the best fit: "
                 f"{describe_fit(x, best_logits, best_means, best_lsigmas)}", hint,
                 figure=fit_figure(x, (logits, means, lsigmas), best,
                                   "your fitted density vs the maximum-likelihood fit"))


def expect_best_near_ml(x, fits: list, k: int, tol: float, hint: str,
                        best: tuple | None = None) -> None:
    """``fits`` is a list of (what, (logits, means, lsigmas, history)), one per seed: a correct
    fit may stop in a local optimum from an unlucky start, so the best seed is judged."""
    what, params = max(fits, key=lambda f: mean_loglik(x, *f[1][:3]))
    if len(fits) > 1:
        what += f" (the best of {len(fits)} seeds)"
    expect_finite(np.concatenate(params[:3]), f"the parameters returned by {what}",
                  "the fit diverged: " + hint)
    expect_near_ml(x, *params[:3], k, tol, what, hint, best)


ADAM_HINT = ("minimise: params -= learning_rate * m_hat / (sqrt(v_hat) + eps), with "
             "m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2, m_hat = m / "
             "(1 - beta1^t), v_hat = v / (1 - beta2^t), t counted from 1; update all three "
             "parameter arrays every step, and check nll_grad")


def call_fit_gradient(student, x, k, steps, lr, seed, history=True):
    what = (f"fit_gradient(x of shape {x.shape}, K={k}, steps={steps}, learning_rate={lr}, "
            f"rng=np.random.default_rng({seed}))")
    value = student.call("fit_gradient", x, k, steps, lr, Rng(seed))
    return what, fit_params(value, k, what, "logits, means, lsigmas, loss_history",
                            "loss_history", history)


def expect_loss_goes_down(hist: np.ndarray, what: str) -> None:
    expect_finite(hist, f"the loss_history of {what}",
                  "the fit diverged: " + ADAM_HINT)
    first, last = float(hist[0]), float(hist[-1])
    figure = history_figure(hist, "your loss", "your loss_history (it should go down)")
    if np.all(hist < 0) and last > first:
        fail(f"the loss_history of {what} is negative and goes up, from {first:.6g} to "
             f"{last:.6g}: it looks like the log-likelihood",
             "record the loss you minimise, the negative log-likelihood -sum_i log p(x_i)",
             figure=figure)
    if last > first + 10 * abs(first):
        fail(f"the loss_history of {what} explodes, from {first:.6g} to {last:.6g}: the fit "
             "diverged", "the steps are far too large: a plain gradient step learning_rate * g "
             "on the total NLL of N points, or a step in the wrong direction, blows up; Adam's "
             "step is about learning_rate in size whatever the gradient's scale. " + ADAM_HINT,
             figure=figure)
    if not last < first - 0.05 * abs(first):
        fail(f"the loss_history of {what} does not go down substantially: it starts at "
             f"{first:.6g} and ends at {last:.6g} (expected a drop of at least 5%)",
             ADAM_HINT, figure=figure)


def fit_gradient_runs(student, x, k, steps, lr, seeds, history=True) -> list:
    """One fit per seed; with ``history``, each loss history must go down."""
    fits = []
    for seed in seeds:
        what, params = call_fit_gradient(student, x, k, steps, lr, seed, history)
        if history:
            expect_loss_goes_down(params[3], what)
        fits.append((what, params))
    return fits


def _fit_gradient_loss(student, ref) -> None:
    a = FIT_ARGS
    fit_gradient_runs(student, fit_data(FIT_DATA), a["K"], a["steps"], a["learning_rate"],
                      a["seeds"][:1])


def _fit_gradient_optimum(student, ref) -> None:
    x, a = fit_data(FIT_DATA), FIT_ARGS
    fits = fit_gradient_runs(student, x, a["K"], a["steps"], a["learning_rate"], a["seeds"],
                             history=False)
    expect_best_near_ml(x, fits, a["K"], FIT_NLL_TOL, ADAM_HINT)


EM_HINT = ("each step: the E-step gives the responsibilities r = softmax(posterior logits, "
           "axis=1); the M-step maximises given r; record sum_i log p(x_i) (the "
           "log-likelihood) at each step; start from parameters drawn with rng, e.g. K "
           "distinct data points as means")


def call_em_fit(student, x, k, steps, seed, history=True):
    what = f"em_fit(x of shape {x.shape}, K={k}, steps={steps}, rng=np.random.default_rng({seed}))"
    value = student.call("em_fit", x, k, steps, Rng(seed))
    return what, fit_params(value, k, what, "logits, means, lsigmas, loglik_history",
                            "loglik_history", history)


def expect_never_decreasing(hist: np.ndarray, what: str) -> None:
    expect_finite(hist, f"the loglik_history of {what}",
                  "compute the log-likelihood with logsumexp, and check the M-step: a variance "
                  "of 0 gives an infinite density")
    diffs = np.diff(hist)
    tol = 1e-5 * np.maximum(np.abs(hist[1:]), 1.0)
    drops = diffs < -tol
    if drops.any():
        i = int(np.argmax(drops))
        if hist[-1] < hist[0] and np.all(hist > 0):
            hint = ("your history is positive and decreasing: it looks like the negative "
                    "log-likelihood; record the log-likelihood sum_i log p(x_i), which EM never "
                    "decreases")
        else:
            hint = ("EM's log-likelihood can never decrease: check the M-step (variances about "
                    "the NEW means mu_k, weights R_k / N, lsigmas = log sigma = 0.5 * log of "
                    "the variance; its checks say which) and that the responsibilities are "
                    "normalised over the components (axis=1)")
        fail(f"the loglik_history of {what} decreases at step {i + 1}: from {hist[i]:.8g} to "
             f"{hist[i + 1]:.8g}, a drop of {hist[i] - hist[i + 1]:.4g} (allowed: rounding, "
             f"1e-5 of the log-likelihood; {int(drops.sum())} decreases in {len(hist)} steps)",
             hint,
             figure=history_figure(hist, "your log-likelihood",
                                   "your loglik_history (EM's never decreases)"))
    if not hist[-1] > hist[0]:
        fail(f"the loglik_history of {what} never increases: it starts at {hist[0]:.8g} and ends "
             f"at {hist[-1]:.8g}", "EM did not move: if all components start identical, they "
             "get identical responsibilities and stay identical forever; draw the initial means "
             "from rng (e.g. K distinct data points). " + EM_HINT)


def em_fit_runs(student, x, k, steps, seeds, history=True) -> list:
    """One fit per seed; with ``history``, each log-likelihood history must never decrease."""
    fits = []
    for seed in seeds:
        what, params = call_em_fit(student, x, k, steps, seed, history)
        if history:
            expect_never_decreasing(params[3], what)
        fits.append((what, params))
    return fits


def _em_fit_monotone(student, ref) -> None:
    a = EM_ARGS
    em_fit_runs(student, fit_data(EM_DATA), a["K"], a["steps"], a["seeds"][:1])


def _em_fit_optimum(student, ref) -> None:
    x, a = fit_data(EM_DATA), EM_ARGS
    fits = em_fit_runs(student, x, a["K"], a["steps"], a["seeds"], history=False)
    expect_best_near_ml(x, fits, a["K"], EM_NLL_TOL, EM_HINT)


# --------------------------------------------------------------------------------------------
# mixture_posterior_logits
# --------------------------------------------------------------------------------------------
POSTERIOR_FORMULA = ("by Bayes' rule p(z_i = k | x_i) is proportional to pi_k N(x_i | mu_k, "
                     "sigma_k^2), so its logits are log pi_k + log N(x_i | mu_k, sigma_k^2) (any "
                     "constant per row may be added)")


def posterior_hint(x, logits, means, lsigmas, out) -> str:
    x, logits, means, lsigmas, out = map(_f, (x, logits, means, lsigmas, out))
    truth = posterior_scipy(x, logits, means, lsigmas)
    joint = log_joint_scipy(x, logits, means, lsigmas)
    sig = np.exp(lsigmas)
    with np.errstate(all="ignore"):
        finite = np.isfinite(out).all()
        if finite and (out >= 0).all() and np.allclose(out.sum(1), 1, atol=1e-6) and \
                np.allclose(out, truth, atol=1e-4):
            return ("you returned the posterior probabilities themselves; return their LOGITS "
                    "(the checks apply a softmax to each row): log pi_k + log N(x_i | mu_k, "
                    "sigma_k^2), before normalising")
        if finite and (out >= 0).all() and np.allclose(out.sum(0), 1, atol=1e-6):
            return ("each COLUMN of your result sums to 1: you normalised over the data points "
                    "(axis=0). Return logits (the log joint), whose softmax over axis=1, the "
                    "components, gives the posterior")
        sm = softmax_rows_safe(out)
        wrong = [
            (softmax(joint - logsumexp(joint, axis=0), axis=1),
             "you normalised over the data points (axis=0): the posterior of each point is "
             "normalised over the components, axis=1"),
            (softmax(norm.logpdf(x, means, sig), axis=1),
             "the log weights are missing: add log pi_k to each component's log density"),
            (softmax(softmax(logits) + norm.logpdf(x, means, sig), axis=1),
             "pi was added instead of log pi"),
            (softmax(joint - lsigmas, axis=1),
             "the normaliser uses the variance: log N has -log sigma = -lsigmas, not -log "
             "sigma^2"),
            (softmax(joint + 0.5 * lsigmas, axis=1),
             "the normaliser has -lsigmas / 2: lsigmas is log sigma, so log N has -lsigmas"),
            (softmax(joint + lsigmas, axis=1),
             "the normaliser -log sigma is missing: components with different sigmas need it"),
            (softmax(log_softmax(logits) - lsigmas - (x - means) ** 2 / (2 * sig), axis=1),
             "the exponent divides by sigma, not by the variance: -(x - mu)^2 / (2 sigma^2)"),
        ]
        for value, hint in wrong:
            if sm is not None and np.all(np.isfinite(value)) and \
                    np.allclose(sm, value, atol=1e-4):
                return f"{hint}; {POSTERIOR_FORMULA}"
    return POSTERIOR_FORMULA


def softmax_rows_safe(out: np.ndarray):
    """Row-wise softmax of logits that may hold -inf (a log of an underflowed 0); None when a
    row has NaN, +inf, or only -inf."""
    if np.isnan(out).any() or np.isposinf(out).any():
        return None
    if (~np.isfinite(out)).all(axis=1).any():
        return None
    return softmax(out, axis=1)


def expect_posterior(student, x, logits, means, lsigmas, expected=None) -> None:
    what = call_desc("mixture_posterior_logits", x, logits, means, lsigmas)
    out = as_array(student.call("mixture_posterior_logits", x, logits, means, lsigmas), what)
    n, k = len(x), len(logits)
    expect_shape(out, (n, k), what, "one row per data point, one column per component")
    bad = np.isnan(out) | np.isposinf(out) | (~np.isfinite(out)).all(axis=1, keepdims=True)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        fail(f"row {i} of {what} (x = {float(x[i, 0]):g}) holds {out[i, j]} in column {j}: no "
             "posterior can be read from it", LOGSUMEXP_HINT)
    expected = posterior_scipy(x, logits, means, lsigmas) if expected is None else expected
    post = softmax(out, axis=1)
    with figure_on_failure(lambda: figures.responsibilities_1d(
            x, post, expected, title="softmax of your posterior logits vs the posterior "
            "p(z_i = k | x_i), stacked over the components")):
        expect_close(post, expected,
                     f"softmax(axis=1) of {what}, the posterior p(z_i = k | x_i),", **POST_TOL,
                     hint=posterior_hint(x, logits, means, lsigmas, out))


# Well separated components with unequal weights and spreads: most posteriors are nearly
# one-hot, so probabilities returned in place of logits are far from their own softmax.
POST_LOGITS = np.array([2.0, 0.0, -1.0]) + 3.0
POST_MEANS = np.array([-4.0, 0.0, 5.0])
POST_LSIGMAS = np.log([0.3, 0.5, 0.4])


def _posterior_scipy(student, ref) -> None:
    x = np.concatenate([np.linspace(-6, 7, 27), [-40.0, 40.0]])[:, None]
    expect_posterior(student, x, POST_LOGITS, POST_MEANS, POST_LSIGMAS)


# --------------------------------------------------------------------------------------------
# mstep
# --------------------------------------------------------------------------------------------
MSTEP_FORMULA = ("with R_k = sum_i r_ik: pi_k = R_k / N (logits = log pi_k), mu_k = sum_i "
                 "r_ik x_i / R_k, sigma_k^2 = sum_i r_ik (x_i - mu_k)^2 / R_k, lsigmas = "
                 "log sigma_k")


def weighted_moments(x, posterior) -> tuple:
    """(pi, means, variances) from np.average and np.cov with the responsibilities as weights."""
    x = _f(x)[:, 0]
    posterior = _f(posterior)
    pi = posterior.mean(axis=0)
    means = np.array([np.average(x, weights=w) for w in posterior.T])
    variances = np.array([np.cov(x, aweights=w, bias=True) for w in posterior.T])
    return pi, means, variances


def mstep_hint(x, posterior, part: str, out) -> str:
    pi, means, variances = weighted_moments(x, posterior)
    xs, post = _f(x)[:, 0], _f(posterior)
    nk = post.sum(0)
    out = _f(out)
    with np.errstate(all="ignore"):
        about_data_mean = (post * (xs[:, None] - xs.mean()) ** 2).sum(0) / nk
        wrong = {
            "logits": [(np.log(nk / len(xs)), None),
                       (pi, "these are the weights pi themselves: return logits = log pi "
                            "(softmax(log pi) = pi)"),
                       (nk, "these are the counts R_k: return their log, log(R_k / N)")],
            "means": [((post * xs[:, None]).sum(0) / len(xs),
                       "the weighted sum is divided by N: divide by R_k = sum_i r_ik"),
                      (np.full(len(nk), xs.mean()), "every mean is the data mean: weight the "
                       "points by the responsibilities r_ik")],
            "lsigmas": [(0.5 * np.log(about_data_mean),
                         "the variance is taken about the data mean; it must be about the new "
                         "component mean mu_k: sum_i r_ik (x_i - mu_k)^2 / R_k"),
                        (np.log(variances), "these are log variances: lsigmas = log sigma = "
                         "0.5 * log(variance)"),
                        (variances, "these are the variances: return lsigmas = 0.5 * "
                         "log(variance)"),
                        (np.sqrt(variances), "these are the standard deviations: return their "
                         "log, lsigmas = log sigma"),
                        (0.5 * np.log(variances * nk / (nk - 1)),
                         "the variance is divided by R_k - 1: the maximum-likelihood M-step "
                         "divides by R_k"),
                        (0.5 * np.log((post * (xs[:, None] - means) ** 2).sum(0) / len(xs)),
                         "the weighted sum of squares is divided by N: divide by R_k")],
        }[part]
    for value, hint in wrong:
        if hint and value.shape == out.shape and np.all(np.isfinite(value)) and \
                np.allclose(out, value, **_MATCH):
            return f"{hint}; {MSTEP_FORMULA}"
    return MSTEP_FORMULA


def expect_mstep(student, x, posterior, expected=None) -> None:
    """Call the student's mstep and compare with ``expected`` = (pi, means, lsigmas)."""
    what = f"mstep(x of shape {x.shape}, posterior of shape {posterior.shape})"
    out = as_tuple(student.call("mstep", x, posterior), 3, what, "logits, means, lsigmas")
    k = posterior.shape[1]
    arrays = {}
    for name, value in zip(("logits", "means", "lsigmas"), out):
        arr = as_array(value, f"the {name} of {what}")
        expect_shape(arr, (k,), f"the {name} of {what}", "one entry per component, shape (K,)")
        arrays[name] = arr
    if expected is None:
        pi, means, variances = weighted_moments(x, posterior)
        expected = (pi, means, 0.5 * np.log(variances))
    pi, means, lsigmas = expected
    logits = arrays["logits"]
    if np.isnan(logits).any() or np.isposinf(logits).any():
        fail(f"the logits of {what} hold {fmt(logits)}", mstep_hint(x, posterior, "logits", logits))
    with figure_on_failure(lambda: mstep_figure(x, arrays, expected)):
        expect_close(softmax(logits), pi, f"softmax(logits) of {what}, the weights pi,",
                     **MSTEP_TOL, hint=mstep_hint(x, posterior, "logits", logits))
        expect_close(arrays["means"], means, f"the means of {what}", **MSTEP_TOL,
                     hint=mstep_hint(x, posterior, "means", arrays["means"]))
        expect_close(arrays["lsigmas"], lsigmas, f"the lsigmas of {what}", **MSTEP_TOL,
                     hint=mstep_hint(x, posterior, "lsigmas", arrays["lsigmas"]))


def mstep_figure(x, got: dict, expected: tuple):
    """The mixture of your mstep's parameters next to the expected one, over the data."""
    x = _f(x)[:, 0]
    pi, means, lsigmas = (_f(a) for a in expected)
    grid = np.linspace(x.min() - 1, x.max() + 1, 400)[:, None]
    with np.errstate(all="ignore"):
        mine = np.exp(loglik_scipy(grid, got["logits"], got["means"], got["lsigmas"]))
    return figures.density(grid[:, 0], mine if np.all(np.isfinite(mine)) else None,
                           np.exp(loglik_scipy(grid, np.log(pi), means, lsigmas)), samples=x,
                           bins=30, samples_label="the data x", title="the mixture of your "
                           "mstep's parameters vs the expected one")


def mstep_inputs(seed: int, n: int = 30, k: int = 3, sharpness: float = 4.0) -> tuple:
    """Points in k clusters far from the data mean, and soft responsibilities leaning to each
    point's own cluster (rows sum to 1)."""
    rng = np.random.default_rng(seed)
    centres = np.linspace(-4.0, 4.0, k) + 1.5
    label = np.arange(n) % k
    x = (centres[label] + 0.5 * rng.standard_normal(n))[:, None]
    scores = sharpness * np.eye(k)[label] + rng.standard_normal((n, k))
    return x, softmax(scores, axis=1)


def _mstep_weighted_moments(student, ref) -> None:
    x, posterior = mstep_inputs(5)
    expect_mstep(student, x, posterior)


_FIT = dict(timeout=FIT_TIMEOUT, slow_hint=FIT_SLOW_HINT)
_CALL = dict(timeout=TIMEOUT, slow_hint=SLOW_HINT)

CHECKS = [
    Check(name="mixture_likelihood: equals scipy's logsumexp of norm.logpdf + log pi",
          function="mixture_likelihood", points=1, judge=_likelihood_scipy, **_CALL),
    Check(name="mixture_likelihood: finite and right far from every component (x = ±1e4)",
          function="mixture_likelihood", points=1, judge=_likelihood_far_points, **_CALL),
    Check(name="expected_mean_density: a single number", function="expected_mean_density",
          points=0.5, judge=_mean_density_is_number),
    Check(name="nll_grad: equals central finite differences of the NLL", function="nll_grad",
          points=2, judge=_grad_finite_differences, **_CALL),
    Check(name="fit_gradient: the loss goes down", function="fit_gradient", points=1,
          judge=_fit_gradient_loss, **_FIT),
    Check(name="fit_gradient: reaches the maximum-likelihood fit of two clusters",
          function="fit_gradient", points=1, judge=_fit_gradient_optimum, **_FIT),
    Check(name="mixture_posterior_logits: their row softmax is Bayes' posterior (scipy)",
          function="mixture_posterior_logits", points=1, judge=_posterior_scipy, **_CALL),
    Check(name="mstep: weights, weighted means and variances (np.average, np.cov)",
          function="mstep", points=1, judge=_mstep_weighted_moments, **_CALL),
    Check(name="em_fit: the log-likelihood never decreases", function="em_fit", points=1,
          judge=_em_fit_monotone, **_FIT),
    Check(name="em_fit: reaches the maximum-likelihood fit of two clusters", function="em_fit",
          points=1, judge=_em_fit_optimum, **_FIT),
]
