"""Public checks of ``em_2d``: ``standardize``, ``em_step``, ``sample_gmm`` and ``bic``.

Public checks never see the reference solution. ``standardize`` is judged by the known first row
of standardised Old Faithful and by numpy's own formula; ``em_step`` against scikit-learn's
``GaussianMixture``, whose E-step (``predict_proba``) and M-step (``_estimate_gaussian_parameters``)
implement the same full-covariance model; ``sample_gmm`` by the distribution of a large seeded
sample (label frequencies, then the mean and covariance of every label's points, with tolerances
from the sampling error) and by how it depends on its ``rng``; ``bic`` against scikit-learn's
``GaussianMixture.bic`` for the same parameters. The helpers are shared with the hidden checks
(``autograder/em_2d/hidden_checks.py``).
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.special import logsumexp

from ..wire.protocol import Rng
from . import figures
from .core import Check
from .expect import (as_array, as_float, as_tuple, expect_close, expect_finite, expect_shape, fail,
                     figure_on_failure)

# --------------------------------------------------------------------------------------------
# Public knowledge: stated in the notebook
# --------------------------------------------------------------------------------------------
FAITHFUL_FIRST_ROW = np.array([0.098318, 0.596025])   # Old Faithful's first row, standardised

# The start of MLaPP fig. 11.11 (as in the notebook): K = 2, identity covariances.
FIG_PI = np.array([0.5, 0.5])
FIG_MU = np.array([[-1.5, 1.0], [1.5, -1.5]])
FIG_COV = np.stack([np.eye(2), np.eye(2)])

# A state half-way through a fit: unequal weights, correlated covariances of different sizes.
MID_PI = np.array([0.35, 0.65])
MID_MU = np.array([[-1.2, -1.1], [0.7, 0.6]])
MID_COV = np.array([[[0.10, 0.02], [0.02, 0.30]],
                    [[0.20, 0.10], [0.10, 0.30]]])

# A mixture to sample from: correlated covariances, far from the identity, of different sizes.
SAMPLE_PI = np.array([0.5, 0.3, 0.2])
SAMPLE_MU = np.array([[0.0, 0.0], [4.0, 1.0], [-3.0, 3.0]])
SAMPLE_COV = np.array([[[2.0, -0.9], [-0.9, 1.0]],
                       [[0.3, 0.25], [0.25, 0.5]],
                       [[0.05, 0.0], [0.0, 0.6]]])

RTOL, ATOL = 1e-4, 1e-6           # em_step: float32 work passes, every classic bug is far off
BIC_RTOL = 1e-6
N_LARGE = 40_000                  # points for judging a sampler's distribution
Z_MAX = 7.0                       # standard errors allowed for a sampled statistic

EM_TIMEOUT = 30.0
EM_SLOW_HINT = ("vectorise: compute all N x K log-densities at once (or loop over the K "
                "components, never over the N points), and the M-step with matrix products "
                "such as r.T @ X")
SAMPLING_TIMEOUT = 60.0
SAMPLING_SLOW_HINT = ("draw all n labels at once with rng.choice(K, size=n, p=pi) and all the "
                      "noise with rng.standard_normal((n, d)), then transform it with the "
                      "Cholesky factors of all components (e.g. np.einsum('nij,nj->ni', "
                      "L[labels], eps)) instead of looping over the points")
BIC_TIMEOUT = 30.0


def _fmt(a, precision=4) -> str:
    """An array on one line (a message names its inputs without breaking the sentence)."""
    return np.array2string(np.asarray(a, dtype=float), precision=precision, separator=", ",
                           threshold=12, edgeitems=3, suppress_small=True,
                           max_line_width=10_000).replace("\n", "")


def load_faithful_standardized() -> np.ndarray:
    """Old Faithful standardised with the sample standard deviation (numpy, not the reference)."""
    from ..datasets import load_faithful
    X = load_faithful()
    return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)


def _match(value: np.ndarray, candidates, rtol=1e-4, atol=1e-6):
    """The hint of the first candidate (value, hint) that ``value`` equals, or None."""
    for cand, hint in candidates:
        cand = np.asarray(cand, dtype=float)
        if cand.shape == value.shape and np.all(np.isfinite(cand)) and \
                np.allclose(value, cand, rtol=rtol, atol=atol):
            return hint
    return None


# --------------------------------------------------------------------------------------------
# The outside reference: scikit-learn's GaussianMixture for the same parameters
# --------------------------------------------------------------------------------------------
def sklearn_mixture(pi, mu, cov):
    """A GaussianMixture(covariance_type="full") holding exactly these parameters."""
    from sklearn.mixture import GaussianMixture
    from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky
    cov = np.asarray(cov, dtype=float)
    gm = GaussianMixture(n_components=len(pi), covariance_type="full")
    gm.weights_ = np.asarray(pi, dtype=float)
    gm.means_ = np.asarray(mu, dtype=float)
    gm.covariances_ = cov
    gm.precisions_cholesky_ = _compute_precision_cholesky(cov, "full")
    return gm


def sklearn_posterior(X, pi, mu, cov) -> np.ndarray:
    """The E-step: responsibilities (N, K) by scikit-learn."""
    return sklearn_mixture(pi, mu, cov).predict_proba(np.asarray(X, dtype=float))


def sklearn_mstep(X, r):
    """The M-step: (pi, mu, cov) by scikit-learn from responsibilities r (N, K), no regulariser."""
    from sklearn.mixture._gaussian_mixture import _estimate_gaussian_parameters
    X = np.asarray(X, dtype=float)
    nk, mu, cov = _estimate_gaussian_parameters(X, np.asarray(r, dtype=float), 0.0, "full")
    return nk / len(X), mu, cov


def sklearn_loglik(X, pi, mu, cov) -> float:
    X = np.asarray(X, dtype=float)
    return float(sklearn_mixture(pi, mu, cov).score(X) * len(X))


def sklearn_bic(X, pi, mu, cov) -> float:
    return float(sklearn_mixture(pi, mu, cov).bic(np.asarray(X, dtype=float)))


def n_parameters(k: int, d: int) -> float:
    """Free parameters of a full-covariance mixture: weights, means, symmetric covariances."""
    return (k - 1) + k * d + k * d * (d + 1) / 2


# --------------------------------------------------------------------------------------------
# standardize
# --------------------------------------------------------------------------------------------
STANDARDIZE_FORMULA = ("z_nj = (x_nj - mean_j) / s_j for every column j, with s_j the sample "
                       "standard deviation: (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)")


def standardize_hint(X: np.ndarray, Z: np.ndarray) -> str:
    """Name the classic standardize bug that ``Z`` matches, or give the formula."""
    X = np.asarray(X, dtype=float)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a row of one entry has no sample std: that is fine here
        m, s1 = X.mean(axis=0), X.std(axis=0, ddof=1)
        candidates = [
            ((X - m) / X.std(axis=0), "you divided by the population standard deviation "
             "(np.std's default ddof=0 divides by N); the sample standard deviation divides by "
             "N - 1: X.std(axis=0, ddof=1)"),
            ((X - m) / X.var(axis=0, ddof=1), "you divided by the variance: divide by the "
             "standard deviation, its square root"),
            (X - m, "the columns are centred but not scaled: divide by their standard deviation"),
            (X / s1, "the columns are scaled but not centred: subtract their mean first"),
            ((X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, ddof=1, keepdims=True),
             "you standardised each row (axis=1): standardise each column, axis=0"),
            ((X - X.mean()) / X.std(ddof=1), "you used one mean and one standard deviation for "
             "the whole array: standardise each column separately, axis=0"),
        ]
    return _match(np.asarray(Z, dtype=float), candidates, rtol=1e-4, atol=1e-7) or \
        STANDARDIZE_FORMULA


def call_standardize(student, X, what):
    Z = as_array(student.call("standardize", X), what, "return one array Z, of X's shape")
    expect_shape(Z, X.shape, what, "return an array of the same shape as X, (N, d)")
    expect_finite(Z, what, "a column with zero spread divides by zero; these columns all vary, "
                  "so check the axis of mean and std (axis=0)")
    return Z


def _standardize_known_row(student, ref) -> None:
    from ..datasets import load_faithful
    X = load_faithful()
    what = "standardize(load_faithful())"
    Z = call_standardize(student, X, what)
    expect_close(Z[0], FAITHFUL_FIRST_ROW, f"the first row of {what}", rtol=0, atol=2e-6,
                 hint=standardize_hint(X, Z))


def _standardize_random(student, ref) -> None:
    rng = np.random.default_rng(1)
    for n, d in [(5, 2), (40, 3), (2, 2)]:
        X = rng.normal(size=(n, d)) * rng.uniform(0.5, 10, size=d) + rng.uniform(-20, 20, size=d)
        what = f"standardize(X) on random X of shape {X.shape}"
        Z = call_standardize(student, X, what)
        hint = standardize_hint(X, Z)
        means = Z.mean(axis=0)
        if not np.allclose(means, 0, atol=1e-5):
            j = int(np.argmax(np.abs(means) > 1e-5))
            fail(f"column {j} of {what} has mean {means[j]:.6g}, expected 0", hint)
        stds = Z.std(axis=0, ddof=1)
        if not np.allclose(stds, 1, rtol=1e-5):
            j = int(np.argmax(np.abs(stds - 1) > 1e-5))
            fail(f"column {j} of {what} has sample standard deviation (ddof=1) {stds[j]:.6g}, "
                 f"expected 1", hint)
        expected = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
        expect_close(Z, expected, what, rtol=1e-5, atol=1e-6, hint=hint)


# --------------------------------------------------------------------------------------------
# em_step
# --------------------------------------------------------------------------------------------
ESTEP_FORMULA = ("r_nk = pi_k N(x_n | mu_k, Sigma_k) / sum_j pi_j N(x_n | mu_j, Sigma_j), "
                 "computed in log space: log r = log_joint - logsumexp(log_joint, axis=1, "
                 "keepdims=True)")
MSTEP_FORMULA = ("with N_k = r[:, k].sum(): pi_k = N_k / N, mu_k = sum_n r_nk x_n / N_k, "
                 "Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k about the NEW mu_k")


def describe_em(X, pi, mu, cov, label) -> str:
    return (f"em_step(X, pi, mu, cov) on {label} (X of shape {np.shape(X)}, "
            f"pi={_fmt(pi)}, mu={_fmt(mu)})")


def call_em_step(student, X, pi, mu, cov, what):
    """The student's (pi, mu, cov, r) as float arrays of the right shapes."""
    n, d = np.shape(X)
    k = len(pi)
    out = as_tuple(student.call("em_step", X, pi, mu, cov), 4, what, "pi, mu, cov, r")
    hints = ["pi holds one weight per component", "mu holds one mean per row",
             "cov stacks the K covariance matrices: cov[k] is (d, d)",
             "r holds one row of responsibilities per point, one column per component"]
    shapes = [(k,), (k, d), (k, d, d), (n, k)]
    arrays = []
    for name, value, shape, hint in zip(("pi", "mu", "cov", "r"), out, shapes, hints):
        arr = as_array(value, f"the {name} of {what}", hint)
        expect_shape(arr, shape, f"the {name} of {what}", hint)
        arrays.append(arr)
    return tuple(arrays)


def log_density_variants(X, mu, cov):
    """log N(x_n | mu_k, Sigma_k) (N, K) and the pieces the classic E-step bugs recombine."""
    X, mu, cov = (np.asarray(a, dtype=float) for a in (X, mu, cov))
    diff = X[None, :, :] - mu[:, None, :]                                    # (K, N, d)
    maha = np.einsum("kni,kij,knj->nk", diff, np.linalg.inv(cov), diff)      # (N, K)
    maha_cov = np.einsum("kni,kij,knj->nk", diff, cov, diff)      # with Sigma, not its inverse
    logdet = np.linalg.slogdet(cov)[1]                                       # (K,)
    const = X.shape[1] * np.log(2 * np.pi)
    return maha, maha_cov, logdet, const


def estep_hint(r: np.ndarray, X, pi, mu, cov) -> str:
    maha, maha_cov, logdet, const = log_density_variants(X, mu, cov)
    log_pi = np.log(np.asarray(pi, dtype=float))
    correct = log_pi - 0.5 * (const + logdet + maha)

    def post(log_joint):
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    with np.errstate(all="ignore"):
        joint = np.exp(correct)
        candidates = [
            (joint, "your rows are not normalised: divide each row of pi_k N(x_n | mu_k, "
             "Sigma_k) by its sum over the components (axis=1)"),
            (joint / joint.sum(axis=0, keepdims=True), "you normalised over the points "
             "(axis=0): responsibilities sum to one over the components, axis=1"),
            (post(correct - log_pi), "the weights pi_k are missing: r_nk is proportional to "
             "pi_k N(x_n | mu_k, Sigma_k)"),
            (post(log_pi - 0.5 * maha), "the normalising constant |2 pi Sigma_k|^(-1/2) is "
             "missing: it differs between components, so keep the log-determinant term"),
            (post(log_pi - 0.5 * (logdet + maha_cov)), "the quadratic form uses Sigma_k: it "
             "needs the inverse, (x - mu_k)^T Sigma_k^{-1} (x - mu_k)"),
            (post(log_pi - 0.5 * logdet - maha), "the quadratic form needs a factor 1/2: "
             "log N = -0.5 * (d log 2 pi + log|Sigma_k| + (x - mu_k)^T Sigma_k^{-1} (x - mu_k))"),
            (post(log_pi + 0.5 * (logdet + maha)), "the sign of the log-density is flipped: "
             "log N = -0.5 * (...)"),
        ]
    return _match(r, candidates, rtol=1e-3, atol=1e-5) or ESTEP_FORMULA


def mstep_candidates(X, r, pi_old, mu_old):
    """The classic M-step bugs, from the responsibilities r (N, K) the student used."""
    X, r = np.asarray(X, dtype=float), np.asarray(r, dtype=float)
    n = len(X)
    with np.errstate(all="ignore"):
        nk = r.sum(axis=0)
        mu = r.T @ X / nk[:, None]

        def scatter(centre, weights):
            diff = X[None, :, :] - centre[:, None, :]
            return np.einsum("nk,kni,knj->kij", weights, diff, diff)

        pi = [(nk, "pi_k = N_k / N: divide the soft counts N_k by the number of points N"),
              (np.asarray(pi_old, dtype=float), "pi was returned unchanged: update it, "
               "pi_k = N_k / N")]
        means = [(r.T @ X / n, "divide the weighted sum by N_k = sum_n r_nk, not by N"),
                 (r.T @ X, "divide the weighted sum sum_n r_nk x_n by N_k = sum_n r_nk"),
                 (np.broadcast_to(X.mean(axis=0), mu.shape), "the mean is not weighted: "
                  "mu_k = sum_n r_nk x_n / N_k"),
                 (np.asarray(mu_old, dtype=float), "mu was returned unchanged: update it")]
        S = scatter(mu, r)
        covs = [
            (scatter(np.zeros_like(mu), r) / nk[:, None, None],
             "the covariance is not centred: use the deviations x_n - mu_k, "
             "Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k"),
            (scatter(np.asarray(mu_old, dtype=float), r) / nk[:, None, None],
             "the deviations are taken about the old mean (the mu you were given): compute the "
             "new mu_k first and centre on it"),
            (S / n, "divide by N_k = sum_n r_nk, not by N"),
            (S, "divide the weighted scatter by N_k = sum_n r_nk"),
            (S / (nk - 1)[:, None, None], "the maximum-likelihood covariance divides by N_k, "
             "not N_k - 1"),
            (scatter(mu, np.ones_like(r)) / n, "the covariance is not weighted by r_nk"),
            (scatter(mu, np.ones_like(r)) / nk[:, None, None], "weight every deviation by "
             "r_nk: Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k"),
            (S * np.eye(X.shape[1]) / nk[:, None, None], "only the diagonal (the variances) "
             "was computed: a full covariance has the off-diagonal covariances too, use the "
             "outer products (x_n - mu_k)(x_n - mu_k)^T"),
        ]
    return pi, means, covs


def responsibilities_figure(X, r, expected_r, pi, mu, cov, label):
    """The points coloured by your responsibilities next to the expected ones, with the
    ellipses of the parameters they were computed from."""
    return figures.scatter_by_weight(X, r, expected_r, mu=mu, cov=cov,
                                     title=f"em_step on {label}: your E-step vs the expected "
                                           "posterior (dotted: the given components)")


def parameters_figure(X, got, expected, label, source="the expected responsibilities"):
    """The ellipses of your new (pi, mu, cov) next to the expected ones, over the data."""
    return figures.mixture_ellipses(X, got, expected, title=f"em_step on {label}: your new "
                                    f"parameters vs the M-step from {source}")


def judge_em_step(student, X, pi, mu, cov, label, *, estep=True, mstep=True) -> None:
    """r against scikit-learn's E-step; (pi, mu, cov) against its M-step of the student's r."""
    what = describe_em(X, pi, mu, cov, label)
    new_pi, new_mu, new_cov, r = call_em_step(student, X, pi, mu, cov, what)
    expected_r = sklearn_posterior(X, pi, mu, cov)
    if estep:
        with figure_on_failure(lambda: responsibilities_figure(X, r, expected_r, pi, mu, cov,
                                                               label)):
            expect_finite(r, f"the responsibilities r of {what}",
                          "compute r in log space with logsumexp (see the docstring)")
            expect_close(r, expected_r, f"the responsibilities r of {what}", rtol=RTOL,
                         atol=ATOL, hint=estep_hint(r, X, pi, mu, cov))
    if mstep:
        # Judge the M-step on the student's own r (when usable), so an E-step bug costs
        # only the E-step check.
        usable = np.all(np.isfinite(r)) and np.allclose(r.sum(axis=1), 1, atol=1e-6) \
            and (r >= -1e-12).all() and (r.sum(axis=0) > 1e-8).all()
        used = r if usable else expected_r
        exp_pi, exp_mu, exp_cov = sklearn_mstep(X, used)
        pis, means, covs = mstep_candidates(X, used, pi, mu)
        source = ("your responsibilities r" if usable else
                  "the correct responsibilities (yours are not a valid posterior)")
        with figure_on_failure(lambda: parameters_figure(
                X, (new_pi, new_mu, new_cov), (exp_pi, exp_mu, exp_cov), label,
                "your r" if usable else "the expected r")):
            for name, got, expected, cands in (("pi", new_pi, exp_pi, pis),
                                               ("mu", new_mu, exp_mu, means),
                                               ("cov", new_cov, exp_cov, covs)):
                w = f"the new {name} of {what}, compared with the M-step from {source}"
                expect_finite(got, w, MSTEP_FORMULA)
                expect_close(got, expected, w, rtol=RTOL, atol=ATOL,
                             hint=_match(got, cands) or MSTEP_FORMULA)


def _em_step_outputs(student, ref) -> None:
    X = load_faithful_standardized()
    what = describe_em(X, FIG_PI, FIG_MU, FIG_COV, "the fig. 11.11 start")
    new_pi, new_mu, new_cov, r = call_em_step(student, X, FIG_PI, FIG_MU, FIG_COV, what)
    expected_r = sklearn_posterior(X, FIG_PI, FIG_MU, FIG_COV)
    label = "the fig. 11.11 start"
    with figure_on_failure(lambda: responsibilities_figure(X, r, expected_r, FIG_PI, FIG_MU,
                                                           FIG_COV, label)):
        expect_finite(r, f"the r of {what}", "compute r in log space: log r = log_joint - "
                      "logsumexp(log_joint, axis=1, keepdims=True), then r = np.exp(log r)")
        if (r < -1e-12).any() or (r > 1 + 1e-9).any():
            i, k = (int(v) for v in np.argwhere((r < -1e-12) | (r > 1 + 1e-9))[0])
            fail(f"r[{i}, {k}] of {what} is {r[i, k]:.6g}, expected a probability between 0 "
                 f"and 1 (the expected r[{i}, {k}] is {expected_r[i, k]:.6g})",
                 "these look like log-responsibilities: return r = np.exp(log r)"
                 if (r <= 0).all() else ESTEP_FORMULA)
        sums = r.sum(axis=1)
        if not np.allclose(sums, 1, atol=1e-6):
            i = int(np.argmax(np.abs(sums - 1) > 1e-6))
            n_bad = int((np.abs(sums - 1) > 1e-6).sum())
            fail(f"row {i} of the responsibilities r of {what} sums to {sums[i]:.6g}, not 1 "
                 f"(tolerance 1e-6; {n_bad} of {len(sums)} rows do not sum to 1)",
                 "you normalised over the points (axis=0): each column of r sums to 1. "
                 "Normalise each row over the components, axis=1"
                 if np.allclose(r.sum(axis=0), 1, atol=1e-6) else
                 "normalise over the components: divide each row by its sum (axis=1)")
    exp_pi, exp_mu, exp_cov = sklearn_mstep(X, expected_r)
    with figure_on_failure(lambda: parameters_figure(X, (new_pi, new_mu, new_cov),
                                                     (exp_pi, exp_mu, exp_cov), label)):
        _expect_valid_parameters(new_pi, new_mu, new_cov, what)


def _expect_valid_parameters(new_pi, new_mu, new_cov, what) -> None:
    for name, arr in (("pi", new_pi), ("mu", new_mu), ("cov", new_cov)):
        expect_finite(arr, f"the new {name} of {what}", MSTEP_FORMULA)
    if abs(new_pi.sum() - 1) > 1e-6 or (new_pi < 0).any():
        fail(f"the new pi of {what} is {_fmt(new_pi)}: weights are non-negative and sum to 1 "
             f"(they sum to {new_pi.sum():.6g})", "pi_k = N_k / N with N_k = r[:, k].sum()")
    for k in range(len(new_cov)):
        c = new_cov[k]
        if not np.allclose(c, c.T, rtol=1e-6, atol=1e-9):
            fail(f"the new cov[{k}] of {what} is not symmetric: {_fmt(c)}",
                 "Sigma_k is a weighted sum of outer products (x_n - mu_k)(x_n - mu_k)^T, "
                 "which are symmetric")
        low = float(np.linalg.eigvalsh((c + c.T) / 2).min())
        if low <= 0:
            fail(f"the new cov[{k}] of {what} is not positive definite (smallest eigenvalue "
                 f"{low:.3g}): {_fmt(c)}", MSTEP_FORMULA)


def _em_step_estep(student, ref) -> None:
    X = load_faithful_standardized()
    judge_em_step(student, X, FIG_PI, FIG_MU, FIG_COV, "the fig. 11.11 start", mstep=False)
    judge_em_step(student, X, MID_PI, MID_MU, MID_COV, "a state half-way through the fit",
                  mstep=False)


def _em_step_mstep(student, ref) -> None:
    X = load_faithful_standardized()
    judge_em_step(student, X, FIG_PI, FIG_MU, FIG_COV, "the fig. 11.11 start", estep=False)
    judge_em_step(student, X, MID_PI, MID_MU, MID_COV, "a state half-way through the fit",
                  estep=False)


# --------------------------------------------------------------------------------------------
# sample_gmm
# --------------------------------------------------------------------------------------------
RNG_HINT = ("draw every random number from the rng argument (rng.choice, rng.standard_normal, "
            "rng.multivariate_normal), never from np.random.* (numpy's global generator) or a "
            "new np.random.default_rng() made inside the function")
SAMPLE_RECIPE = ("draw labels z_i ~ Categorical(pi) (rng.choice(K, size=n, p=pi)), then "
                 "x_i = mu[z_i] + L[z_i] @ eps_i with eps_i ~ N(0, I) and L_k = "
                 "np.linalg.cholesky(cov[k]), so that Cov(x_i | z_i = k) = L_k L_k^T = Sigma_k")


def describe_sample(n, pi, mu, cov, seed) -> str:
    return (f"sample_gmm({n}, pi={_fmt(pi, 3)}, mu={_fmt(mu, 3)}, cov=<{np.shape(cov)} array>, "
            f"rng=np.random.default_rng({seed}))")


def call_sample(student, n, pi, mu, cov, seed, what, strict=False):
    """The student's (X, labels): X (n, d) floats, labels (n,) integers in 0..K-1.

    Unless ``strict``, X given as (d, n) and labels as a column are accepted here, so that a
    wrong layout costs only the shape check's points.
    """
    k, d = np.shape(mu)
    out = as_tuple(student.call("sample_gmm", n, np.asarray(pi, dtype=float),
                                np.asarray(mu, dtype=float), np.asarray(cov, dtype=float),
                                Rng(seed)), 2, what, "X, labels")
    X = as_array(out[0], f"the X of {what}")
    if not strict and X.shape == (d, n) and n != d:
        X = X.T
    expect_shape(X, (n, d), f"the X of {what}", "one point per row: X has shape (n, d)")
    expect_finite(X, f"the X of {what}", SAMPLE_RECIPE)
    labels = as_array(out[1], f"the labels of {what}",
                      "labels[i] is the component X[i] was drawn from")
    if not strict and labels.size == n:
        labels = labels.reshape(n)
    expect_shape(labels, (n,), f"the labels of {what}",
                 "return the component labels as a flat integer array of shape (n,)")
    if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)) or \
            labels.min() < 0 or labels.max() > k - 1:
        bad = int(np.argmax(~np.isfinite(labels) | (labels != np.round(labels)) | (labels < 0)
                            | (labels > k - 1)))
        fail(f"labels[{bad}] of {what} is {labels[bad]:g}: labels are component indices, "
             f"integers from 0 to K - 1 = {k - 1}",
             "return z itself, e.g. z = rng.choice(K, size=n, p=pi)")
    return X, labels.astype(int)


def _group_stats(X, labels, k):
    counts = np.bincount(labels, minlength=k)
    means, covs = [], []
    for j in range(k):
        pts = X[labels == j]
        means.append(pts.mean(axis=0) if len(pts) else np.full(X.shape[1], np.nan))
        covs.append(np.cov(pts.T, ddof=1).reshape(X.shape[1], X.shape[1]) if len(pts) > 1
                    else np.full((X.shape[1],) * 2, np.nan))
    return counts, np.array(means), np.array(covs)


def sample_cov_hint(S, cov_k) -> str:
    """Name the wrong noise transform whose covariance the sample covariance S is closest to."""
    cov_k = np.asarray(cov_k, dtype=float)
    d = len(cov_k)
    L = np.linalg.cholesky(cov_k)
    with np.errstate(invalid="ignore"):
        sq = np.sqrt(cov_k)
    candidates = [
        (cov_k @ cov_k, "the noise was multiplied by the covariance Sigma_k itself, which gives "
         "covariance Sigma_k Sigma_k^T: multiply by a square root of it, the Cholesky factor "
         "L_k = np.linalg.cholesky(Sigma_k), x = mu_k + L_k @ eps"),
        (L.T @ L, "the Cholesky factor was applied transposed (L_k.T @ eps, or eps @ L_k): "
         "use L_k @ eps for a column eps, or eps @ L_k.T for rows, so that Cov = L_k L_k^T"),
        (sq @ sq.T, "np.sqrt(Sigma_k) is the square root of each entry, not a matrix square "
         "root: use the Cholesky factor L_k = np.linalg.cholesky(Sigma_k)"),
        (np.diag(np.diag(cov_k)), "the correlations (the off-diagonal entries of Sigma_k) were "
         "lost, as if each coordinate were drawn on its own: transform eps by the Cholesky "
         "factor of the full Sigma_k"),
        (np.eye(d), "the noise was not scaled: x = mu_k + L_k @ eps with L_k the Cholesky "
         "factor of Sigma_k"),
        (np.diag(np.sqrt(np.diag(cov_k))), "the noise looks scaled by the standard deviations "
         "twice or by their square roots: use the Cholesky factor L_k of Sigma_k"),
    ]
    scale = np.linalg.norm(cov_k)
    best, best_d = None, np.inf
    for cand, hint in candidates:
        if not np.all(np.isfinite(cand)) or np.allclose(cand, cov_k, rtol=0.05, atol=0.01 * scale):
            continue  # this "bug" gives the right covariance for these parameters
        dist = np.linalg.norm(S - cand)
        if dist < best_d:
            best, best_d = hint, dist
    if best is not None and best_d < 0.5 * np.linalg.norm(S - cov_k):
        return best
    return SAMPLE_RECIPE


def judge_sample(student, n, pi, mu, cov, seed) -> None:
    """Label frequencies, then each label's mean and covariance, against the given mixture."""
    pi, mu, cov = (np.asarray(a, dtype=float) for a in (pi, mu, cov))
    k, d = mu.shape
    what = describe_sample(n, pi, mu, cov, seed)
    X, labels = call_sample(student, n, pi, mu, cov, seed, what)
    with figure_on_failure(lambda: figures.samples_2d(
            X, labels, pi, mu, cov, title=f"sample_gmm({n:,}, pi, mu, cov, "
                                          f"rng=np.random.default_rng({seed}))")):
        _judge_sample_stats(X, labels, n, pi, mu, cov, what)


def _judge_sample_stats(X, labels, n, pi, mu, cov, what) -> None:
    k, d = mu.shape
    counts, means, covs = _group_stats(X, labels, k)
    freq = counts / n
    for j in range(k):
        if 0 < pi[j] < 1:
            se = np.sqrt(pi[j] * (1 - pi[j]) / n)
            if abs(freq[j] - pi[j]) > Z_MAX * se:
                uniform = np.allclose(freq, 1 / k, atol=Z_MAX * np.sqrt(1 / k / n)) and \
                    not np.allclose(pi, 1 / k, atol=1e-3)
                fail(f"{100 * freq[j]:.2f}% of the labels of {what} are {j}, but pi[{j}] = "
                     f"{pi[j]:.4g}: {abs(freq[j] - pi[j]) / se:.1f} standard errors away "
                     f"(allowed: {Z_MAX:g}); the label frequencies are {_fmt(freq)}",
                     "the labels look uniform: draw them with the weights, "
                     "rng.choice(K, size=n, p=pi)" if uniform else SAMPLE_RECIPE)
        elif pi[j] == 0 and counts[j]:
            fail(f"{counts[j]} labels of {what} are {j}, a component of weight 0", SAMPLE_RECIPE)
    # A mismatch between the labels and the points: every group then looks like the whole sample.
    overall = X.mean(axis=0)
    mismatch = k > 1 and all(
        counts[j] < 2 or np.all(np.abs(means[j] - overall) <= Z_MAX * np.sqrt(
            np.diag(np.cov(X.T).reshape(d, d)) / counts[j])) for j in range(k))
    mismatch_hint = ("the points with label k do not look like component k, while the sample "
                     "as a whole may: do your labels match your points? Return the z you used "
                     "to pick each point's mean and covariance, in the same order as X (if you "
                     "shuffle or sort X, apply the same permutation to the labels)")
    for j in range(k):
        if counts[j] < 2:
            continue
        se = np.sqrt(np.diag(cov[j]) / counts[j])
        z = np.abs(means[j] - mu[j]) / se
        if (z > Z_MAX).any():
            i = int(np.argmax(z))
            fail(f"the {counts[j]} points of {what} with label {j} have mean {_fmt(means[j])}, "
                 f"but mu[{j}] = {_fmt(mu[j])}: coordinate {i} is {z[i]:.1f} standard errors "
                 f"away (allowed: {Z_MAX:g})", mismatch_hint if mismatch else SAMPLE_RECIPE)
    for j in range(k):
        if counts[j] < 2:
            continue
        c = cov[j]
        se = np.sqrt((c ** 2 + np.outer(np.diag(c), np.diag(c))) / counts[j])
        z = np.abs(covs[j] - c) / se
        if (z > Z_MAX).any():
            a, b = (int(v) for v in np.unravel_index(np.argmax(z), z.shape))
            fail(f"the {counts[j]} points of {what} with label {j} have sample covariance "
                 f"{_fmt(covs[j])}, but cov[{j}] = {_fmt(c)}: entry ({a}, {b}) is "
                 f"{z[a, b]:.1f} standard errors away (allowed: {Z_MAX:g})",
                 mismatch_hint if mismatch else sample_cov_hint(covs[j], c))


def _sample_gmm_shapes(student, ref) -> None:
    for n, seed in [(1000, 0), (1, 1)]:
        what = describe_sample(n, SAMPLE_PI, SAMPLE_MU, SAMPLE_COV, seed)
        call_sample(student, n, SAMPLE_PI, SAMPLE_MU, SAMPLE_COV, seed, what, strict=True)


def _sample_gmm_uses_rng(student, ref) -> None:
    n = 500
    cases = [
        ("the mixture of these checks", SAMPLE_PI, SAMPLE_MU, SAMPLE_COV,
         "your points do not depend on rng at all"),
        # Tiny covariances: X is about mu[z], so only the labels can vary with the seed.
        ("a mixture with tiny covariances (so X is about mu[labels])", SAMPLE_PI, SAMPLE_MU,
         SAMPLE_COV * 1e-18, "the labels do not depend on rng: draw them from it, e.g. "
         "rng.choice(K, size=n, p=pi)"),
        # One component: the labels are all 0, so only the noise can vary with the seed.
        ("a single component (every label is 0)", np.array([1.0]), SAMPLE_MU[:1], SAMPLE_COV[:1],
         "the noise does not depend on rng: draw it from it, e.g. rng.standard_normal((n, d))"),
    ]
    for label, pi, mu, cov, why in cases:
        what = describe_sample(n, pi, mu, cov, 7)
        a, la = call_sample(student, n, pi, mu, cov, 7, what)
        b, lb = call_sample(student, n, pi, mu, cov, 7, what)
        if not (np.array_equal(a, b) and np.array_equal(la, lb)):
            diff = a != b
            where = (f"X first differs at row {int(np.argwhere(diff)[0][0])}" if diff.any()
                     else f"the labels first differ at index {int(np.argmax(la != lb))}")
            fail(f"for {label}, two calls with the same seed, rng=np.random.default_rng(7), gave "
                 f"different samples ({where}); with the same generator state the samples must "
                 f"be identical", RNG_HINT)
        c, lc = call_sample(student, n, pi, mu, cov, 8, describe_sample(n, pi, mu, cov, 8))
        if np.allclose(a, c, rtol=0, atol=1e-12) and np.array_equal(la, lc):
            fail(f"for {label}, the seeds 7 and 8 gave the same {n} points: {why}",
                 RNG_HINT + " (the grader starts numpy's global generator from the same state "
                 "in every call)")


def _sample_gmm_distribution(student, ref) -> None:
    judge_sample(student, N_LARGE, SAMPLE_PI, SAMPLE_MU, SAMPLE_COV, 0)


# --------------------------------------------------------------------------------------------
# bic
# --------------------------------------------------------------------------------------------
BIC_FORMULA = ("BIC = -2 log p(X | theta) + P log N with the total log-likelihood "
               "log p(X | theta) = sum_n logsumexp_k(log pi_k + log N(x_n | mu_k, Sigma_k)) and "
               "P = (K - 1) + K d + K d (d + 1) / 2 free parameters")


def bic_hint(value: float, X, pi, mu, cov) -> str:
    n, d = np.shape(X)
    k = len(pi)
    ll = sklearn_loglik(X, pi, mu, cov)
    p = n_parameters(k, d)
    log_n = np.log(n)
    candidates = [
        (-2 * ll + (p - (k - 1)) * log_n, "the K - 1 free mixture weights are missing from "
         "the parameter count (K weights summing to 1 have K - 1 free)"),
        (-2 * ll + (p + 1) * log_n, "the weights sum to 1, so only K - 1 of them are free, "
         "not K"),
        (-2 * ll + (p + k * d * (d - 1) / 2) * log_n, "a covariance matrix is symmetric: it has "
         "d (d + 1) / 2 free entries, not d * d"),
        (-2 * ll + (p - k * d * (d + 1) / 2 + k * d) * log_n, "a full covariance has "
         "d (d + 1) / 2 free entries (variances and covariances), not d"),
        (-2 * ll + (p - k * d) * log_n, "the K d entries of the means are missing from the "
         "parameter count"),
        (2 * ll + p * log_n, "the sign of the log-likelihood term is flipped: BIC = "
         "-2 log p(X | theta) + P log N"),
        (-ll + p * log_n, "the log-likelihood term needs a factor -2"),
        (-2 * ll + 0.5 * p * log_n, "the penalty is P log N, not P log N / 2 (that is the "
         "convention of -BIC/2)"),
        (-ll + 0.5 * p * log_n, "this is half the BIC: scikit-learn's convention is "
         "-2 log p(X | theta) + P log N"),
        (-2 * ll / n + p * log_n, "use the total log-likelihood (a sum over the points), "
         "not its mean"),
        (-2 * ll + p * np.log10(n), "use the natural logarithm of N, np.log"),
        (-2 * ll + 2 * p, "this is the AIC (penalty 2P): the BIC's penalty is P log N"),
    ]
    for cand, hint in candidates:
        if np.isclose(value, cand, rtol=1e-7, atol=1e-6):
            return hint
    return BIC_FORMULA


def judge_bic(student, X, pi, mu, cov, label, rtol=BIC_RTOL) -> None:
    what = f"bic(X, pi, mu, cov) on {label} (N = {len(X)}, K = {len(pi)}, d = {np.shape(X)[1]})"
    value = student.call("bic", X, pi, mu, cov)
    if isinstance(value, (tuple, list)):
        fail(f"{what} returned a {type(value).__name__} of {len(value)} items, expected a "
             f"single number", "return the BIC alone, as a float")
    got = as_float(value, what, "return the BIC as a float")
    expected = sklearn_bic(X, pi, mu, cov)
    if not np.isfinite(got):
        fail(f"{what} is {got}, expected {expected:.10g} (scikit-learn's GaussianMixture.bic)",
             "a density that underflows to 0 gives log 0 = -inf: compute the log-likelihood "
             "with logsumexp over log pi_k + log N(x_n | mu_k, Sigma_k)")
    if not np.isclose(got, expected, rtol=rtol, atol=0):
        fail(f"{what} is {got:.10g}, but scikit-learn's GaussianMixture.bic for the same "
             f"parameters is {expected:.10g} (relative difference "
             f"{abs(got - expected) / abs(expected):.2g}, allowed {rtol:g}); the difference is {got - expected:.6g}, which is "
             f"{(got - expected) / np.log(len(X)):.4g} x log N",
             bic_hint(got, X, pi, mu, cov))


def _bic_sklearn(student, ref) -> None:
    X = load_faithful_standardized()
    judge_bic(student, X, FIG_PI, FIG_MU, FIG_COV, "Old Faithful at the fig. 11.11 start")
    judge_bic(student, X, MID_PI, MID_MU, MID_COV, "Old Faithful half-way through the fit")
    X3 = np.random.default_rng(5).normal(size=(150, 2)) @ np.array([[1.0, 0.4], [0.0, 0.7]])
    pi3 = np.array([0.2, 0.5, 0.3])
    mu3 = np.array([[-1.0, 0.0], [0.0, 0.5], [1.0, -0.2]])
    cov3 = np.array([[[0.5, 0.1], [0.1, 0.4]], [[1.0, -0.3], [-0.3, 0.6]],
                     [[0.3, 0.0], [0.0, 0.9]]])
    judge_bic(student, X3, pi3, mu3, cov3, "150 random points and K = 3")


_EM = dict(timeout=EM_TIMEOUT, slow_hint=EM_SLOW_HINT)
_SAMPLING = dict(timeout=SAMPLING_TIMEOUT, slow_hint=SAMPLING_SLOW_HINT)
_BIC = dict(timeout=BIC_TIMEOUT, slow_hint="vectorise the log-likelihood: all N x K "
            "log-densities at once, then logsumexp over the components")

CHECKS = [
    Check(name="standardize: Old Faithful's first row becomes (0.098318, 0.596025)",
          function="standardize", points=1, judge=_standardize_known_row),
    Check(name="standardize: columns of mean 0 and sample standard deviation 1 on random data",
          function="standardize", points=1, judge=_standardize_random),
    Check(name="em_step: returns (pi, mu, cov, r) of the right shapes, a valid posterior and "
               "valid parameters", function="em_step", points=1, judge=_em_step_outputs, **_EM),
    Check(name="em_step: the E-step's responsibilities equal scikit-learn's posterior",
          function="em_step", points=1, judge=_em_step_estep, **_EM),
    Check(name="em_step: the M-step's pi, mu, cov equal scikit-learn's M-step",
          function="em_step", points=2, judge=_em_step_mstep, **_EM),
    Check(name="sample_gmm: returns X of shape (n, d) and integer labels of shape (n,)",
          function="sample_gmm", points=1, judge=_sample_gmm_shapes, **_SAMPLING),
    Check(name="sample_gmm: randomness comes only from rng", function="sample_gmm", points=1,
          judge=_sample_gmm_uses_rng, **_SAMPLING),
    Check(name="sample_gmm: 40,000 points: label frequencies, and each label's mean and "
               "covariance, match the mixture", function="sample_gmm", points=2,
          judge=_sample_gmm_distribution, **_SAMPLING),
    Check(name="bic: equals scikit-learn's GaussianMixture.bic for the same parameters",
          function="bic", points=2, judge=_bic_sklearn, **_BIC),
]
