"""Trusted side of ``iris_em``: outside references written out with scipy and scikit-learn, and
the values of the classic bugs. Never in the student package (each is a working E-step, M-step
or log-likelihood, or one character away from one).

Used by ``expected.py`` to record what the public checks compare against, and by the hidden
checks, which compute on their own inputs.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gmmkit.checks.iris_em import bugs as B


def log_joint(X, pi, mu, cov) -> np.ndarray:
    """log pi_j + log N(x_i | mu_j, cov_j), (n, k), with scipy.stats.multivariate_normal."""
    X = np.asarray(X, dtype=float)
    cols = [np.log(pi[j])
            + np.atleast_1d(multivariate_normal.logpdf(X, mu[j], cov[j])).reshape(len(X))
            for j in range(len(pi))]
    return np.column_stack(cols)


def resp(X, pi, mu, cov) -> np.ndarray:
    """The responsibilities (n, k) by Bayes' rule, in log space."""
    a = log_joint(X, pi, mu, cov)
    return np.exp(a - logsumexp(a, axis=1, keepdims=True))


def nll(X, pi, mu, cov) -> float:
    """The negative log-likelihood of the mixture, a float."""
    return -float(logsumexp(log_joint(X, pi, mu, cov), axis=1).sum())


def weighted_params(r, X):
    """The M-step with numpy.average and numpy.cov (biased, 1/R_j), no ridge: pi (k,), mu (k, d),
    cov (k, d, d). An empty column of r gives NaN for its mean and covariance."""
    r, X = np.asarray(r, dtype=float), np.asarray(X, dtype=float)
    (n, d), k = X.shape, r.shape[1]
    nk = r.sum(axis=0)
    mu, cov = np.full((k, d), np.nan), np.full((k, d, d), np.nan)
    for j in range(k):
        if nk[j] > 0:
            mu[j] = np.average(X, axis=0, weights=r[:, j])
            cov[j] = np.cov(X.T, aweights=r[:, j], bias=True).reshape(d, d)
    return nk / n, mu, cov


def sklearn_fit(X, pi, mu, cov, iters: int):
    """scikit-learn's GaussianMixture from the same start: ``iters`` EM iterations, no early
    stop, the same ridge (1e-6) as the reference. Returns (pi, mu, cov)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture
    gm = GaussianMixture(len(pi), covariance_type="full", tol=0.0, max_iter=iters, reg_covar=1e-6,
                         weights_init=pi, means_init=mu, precisions_init=np.linalg.inv(cov),
                         init_params="random_from_data", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(X)
    return gm.weights_, gm.means_, gm.covariances_


def sample_mixture(rng: np.random.Generator, n: int, pi, mu, cov) -> np.ndarray:
    """n points (n, d) drawn from a full-covariance mixture."""
    z = rng.choice(len(pi), size=n, p=np.asarray(pi) / np.sum(pi))
    chol = np.linalg.cholesky(cov)                                   # (k, d, d)
    eps = rng.standard_normal((n, mu.shape[1]))
    return mu[z] + np.einsum("nij,nj->ni", chol[z], eps)


# --------------------------------------------------------------------------------------------
# The classic bugs' values, by bug id, in the order a diagnosis tries them
# --------------------------------------------------------------------------------------------
def estep_bugs(X, pi, mu, cov) -> dict:
    """What each classic E_step bug returns, (n, k) each, on these inputs (only the bugs that
    differ from the right answer there)."""
    a = log_joint(X, pi, mu, cov)
    right = np.exp(a - logsumexp(a, axis=1, keepdims=True))
    with np.errstate(all="ignore"):
        joint = np.exp(a)
        dens = a - np.log(pi)
        prec = log_joint(X, pi, mu, np.linalg.inv(cov))
        no_det = a + 0.5 * np.linalg.slogdet(cov)[1]
        values = {
            B.ESTEP_AXIS0.id: joint / joint.sum(axis=0),
            B.ESTEP_UNNORMALISED.id: joint,
            B.ESTEP_NO_PI.id: np.exp(dens - logsumexp(dens, axis=1, keepdims=True)),
            B.ESTEP_LOG_R.id: a - logsumexp(a, axis=1, keepdims=True),
            B.ESTEP_PRECISION.id: np.exp(prec - logsumexp(prec, axis=1, keepdims=True)),
            B.ESTEP_NO_DET.id: np.exp(no_det - logsumexp(no_det, axis=1, keepdims=True)),
        }
    return _telling(values, right)


def mstep_bugs(r, X) -> dict:
    """{"pi" | "mu" | "cov": {bug id: value}}: what each classic M_step bug gives on (r, X)."""
    r, X = np.asarray(r, dtype=float), np.asarray(X, dtype=float)
    (n, d), k = X.shape, r.shape[1]
    nk = r.sum(axis=0)
    right = weighted_params(r, X)
    with np.errstate(all="ignore"):
        mu = (r.T @ X) / nk[:, None]
        diffs = X[None, :, :] - mu[:, None, :]                          # (k, n, d)
        centred = np.einsum("nk,kni,knj->kij", r, diffs, diffs)          # unnormalised
        uncentred = np.einsum("nk,ni,nj->kij", r, X, X)
        about_mean = np.einsum("nk,ni,nj->kij", r, X - X.mean(0), X - X.mean(0))
        squared = np.einsum("nk,kni,knj->kij", r ** 2, diffs, diffs)
        out = {
            "pi": {B.PI_COUNTS.id: nk, B.PI_UNIFORM.id: np.full(k, 1 / k)},
            "mu": {B.MU_UNNORMALISED.id: r.T @ X, B.MU_BY_N.id: (r.T @ X) / n,
                   B.MU_PLAIN.id: np.tile(X.mean(axis=0), (k, 1))},
            "cov": {B.COV_UNCENTRED.id: uncentred / nk[:, None, None],
                    B.COV_DATA_MEAN.id: about_mean / nk[:, None, None],
                    B.COV_BY_N.id: centred / n,
                    B.COV_UNBIASED.id: centred / (nk - 1)[:, None, None],
                    B.COV_UNNORMALISED.id: centred,
                    B.COV_R_SQUARED.id: squared / nk[:, None, None],
                    B.COV_PLAIN.id: np.tile(np.cov(X.T, bias=True).reshape(d, d), (k, 1, 1))},
        }
    return {name: _telling(values, want) for (name, values), want in zip(out.items(), right)}


def nll_bugs(X, pi, mu, cov) -> dict:
    """What each classic negativeloglikelihood bug returns (a float each) on these inputs."""
    n = len(X)
    a = log_joint(X, pi, mu, cov)
    right = -float(logsumexp(a, axis=1).sum())
    with np.errstate(all="ignore"):
        r = np.exp(a - logsumexp(a, axis=1, keepdims=True))
        values = {
            B.NLL_SIGN.id: -right, B.NLL_MEAN.id: right / n, B.NLL_MEAN_LL.id: -right / n,
            B.NLL_LOG10.id: right / np.log(10),
            B.NLL_NO_PI.id: -float(logsumexp(a - np.log(pi), axis=1).sum()),
            B.NLL_SUM_OF_LOGS.id: -float(a.sum()),
            B.NLL_COMPLETE.id: -float((r * a).sum()),
            B.NLL_MAX_ONLY.id: -float(a.max(axis=1).sum()),
        }
    return {i: np.float64(v) for i, v in _telling(values, right).items()}


def _telling(values: dict, right) -> dict:
    """Only the bugs whose value is finite and differs from the right answer: a bug that gives
    the right answer on some input (r**2 = r for one-hot r) cannot be diagnosed there."""
    right = np.asarray(right, dtype=float)
    out = {}
    for bug_id, value in values.items():
        value = np.asarray(value, dtype=float)
        with np.errstate(all="ignore"):
            same = value.shape == right.shape and np.allclose(value, right, rtol=1e-4, atol=1e-6,
                                                              equal_nan=True)
        if np.all(np.isfinite(value)) and not same:
            out[bug_id] = value
    return out


# --------------------------------------------------------------------------------------------
# fit: the expected trajectory
# --------------------------------------------------------------------------------------------
def reference_trajectory(ref, X, start, iters: int) -> dict:
    """The reference's EM from ``start``: parameters theta_t for t = 0 .. iters + 1, and the NLL
    of each, as {"pi": (T, k), "mu": (T, k, d), "cov": (T, k, d, d), "nll": (T,)}."""
    pi, mu, cov = (np.asarray(a, dtype=float) for a in start)
    thetas = [(pi, mu, cov)]
    for _ in range(iters + 1):
        pi, mu, cov = ref.M_step(ref.E_step(X, pi, mu, cov), X)
        thetas.append((pi, mu, cov))
    return {"pi": np.stack([t[0] for t in thetas]), "mu": np.stack([t[1] for t in thetas]),
            "cov": np.stack([t[2] for t in thetas]),
            "nll": np.array([ref.negativeloglikelihood(X, *t) for t in thetas])}


def first_steps(ref, X, start, count: int = 2) -> list:
    """The reference's first ``count`` iterations from ``start``: for each t, the E-step at
    theta_t (r (n, k)), the M-step on it (pi, mu, cov: theta_{t+1}) and the NLL at theta_t; what
    a fit's own steps are checked against."""
    theta, out = tuple(start), []
    for _ in range(count):
        r = ref.E_step(X, *theta)
        nxt = ref.M_step(r, X)
        out.append({"r": r, "pi": nxt[0], "mu": nxt[1], "cov": nxt[2],
                    "nll": np.float64(ref.negativeloglikelihood(X, *theta))})
        theta = nxt
    return out
