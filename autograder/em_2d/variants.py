"""Trusted side of em_2d: what the answers and the classic bugs give on any input.

Used by ``expected.py`` (at build time, to store the values of the public checks' inputs) and by
``hidden_checks.py`` (at grading time, on the hidden inputs). Never reaches students: a classic
bug is often one character from the answer. Every function returns ``{bug_id: value}`` in the
order the hints are tried, with the ids of ``gmmkit.checks.em_2d.bugs``.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.special import logsumexp


# --------------------------------------------------------------------------------- standardize
def standardize_bugs(X) -> dict:
    """The classic standardize bugs on X (N, d), each (N, d)."""
    X = np.asarray(X, dtype=float)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")   # a row of one entry has no sample std: NaN, no match
        m, s1 = X.mean(axis=0), X.std(axis=0, ddof=1)
        return {
            "em_2d.standardize.population_std": (X - m) / X.std(axis=0),
            "em_2d.standardize.variance": (X - m) / X.var(axis=0, ddof=1),
            "em_2d.standardize.not_scaled": X - m,
            "em_2d.standardize.not_centred": X / s1,
            "em_2d.standardize.rows": (X - X.mean(axis=1, keepdims=True))
            / X.std(axis=1, ddof=1, keepdims=True),
            "em_2d.standardize.global": (X - X.mean()) / X.std(ddof=1),
        }


# ------------------------------------------------------------------ scikit-learn's GaussianMixture
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


def sklearn_mstep(X, r) -> dict:
    """The M-step: {pi (K,), mu (K, d), cov (K, d, d)} from r (N, K), no regulariser."""
    from sklearn.mixture._gaussian_mixture import _estimate_gaussian_parameters
    X = np.asarray(X, dtype=float)
    nk, mu, cov = _estimate_gaussian_parameters(X, np.asarray(r, dtype=float), 0.0, "full")
    return {"pi": nk / len(X), "mu": mu, "cov": cov}


def sklearn_loglik(X, pi, mu, cov) -> float:
    X = np.asarray(X, dtype=float)
    return float(sklearn_mixture(pi, mu, cov).score(X) * len(X))


def sklearn_bic(X, pi, mu, cov) -> float:
    return float(sklearn_mixture(pi, mu, cov).bic(np.asarray(X, dtype=float)))


# ----------------------------------------------------------------------------------- E-step
def estep_bugs(X, pi, mu, cov) -> dict:
    """The classic E-step bugs' responsibilities, each (N, K)."""
    X, mu, cov = (np.asarray(a, dtype=float) for a in (X, mu, cov))
    diff = X[None, :, :] - mu[:, None, :]                                    # (K, N, d)
    maha = np.einsum("kni,kij,knj->nk", diff, np.linalg.inv(cov), diff)      # (N, K)
    maha_cov = np.einsum("kni,kij,knj->nk", diff, cov, diff)      # with Sigma, not its inverse
    logdet = np.linalg.slogdet(cov)[1]                                       # (K,)
    const = X.shape[1] * np.log(2 * np.pi)
    log_pi = np.log(np.asarray(pi, dtype=float))
    correct = log_pi - 0.5 * (const + logdet + maha)                         # (N, K)

    def post(log_joint):
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    with np.errstate(all="ignore"):
        joint = np.exp(correct)
        return {
            "em_2d.em_step.unnormalised": joint,
            "em_2d.em_step.axis0": joint / joint.sum(axis=0, keepdims=True),
            "em_2d.em_step.no_weights": post(correct - log_pi),
            "em_2d.em_step.no_logdet": post(log_pi - 0.5 * maha),
            "em_2d.em_step.cov_not_inverted": post(log_pi - 0.5 * (logdet + maha_cov)),
            "em_2d.em_step.no_half": post(log_pi - 0.5 * logdet - maha),
            "em_2d.em_step.sign": post(log_pi + 0.5 * (logdet + maha)),
        }


# ----------------------------------------------------------------------------------- M-step
def mstep_bugs(X, r, mu_old, pi_old) -> dict:
    """The classic M-step bugs from the responsibilities r (N, K): {"pi": {id: (K,)},
    "mu": {id: (K, d)}, "cov": {id: (K, d, d)}}, each bug changing one of them."""
    X, r = np.asarray(X, dtype=float), np.asarray(r, dtype=float)
    mu_old = np.asarray(mu_old, dtype=float)
    n = len(X)
    with np.errstate(all="ignore"):
        nk = r.sum(axis=0)
        mu = r.T @ X / nk[:, None]

        def scatter(centre, weights):
            diff = X[None, :, :] - centre[:, None, :]
            return np.einsum("nk,kni,knj->kij", weights, diff, diff)

        S = scatter(mu, r)
        return {
            "pi": {"em_2d.em_step.pi_counts": nk,
                   "em_2d.em_step.pi_unchanged": np.asarray(pi_old, dtype=float)},
            "mu": {"em_2d.em_step.mu_over_n": r.T @ X / n,
                   "em_2d.em_step.mu_not_divided": r.T @ X,
                   "em_2d.em_step.mu_unweighted": np.broadcast_to(X.mean(axis=0), mu.shape),
                   "em_2d.em_step.mu_unchanged": mu_old},
            "cov": {
                "em_2d.em_step.cov_not_centred": scatter(np.zeros_like(mu), r) / nk[:, None, None],
                "em_2d.em_step.cov_old_mean": scatter(mu_old, r) / nk[:, None, None],
                "em_2d.em_step.cov_over_n": S / n,
                "em_2d.em_step.cov_not_divided": S,
                "em_2d.em_step.cov_nk_minus_1": S / (nk - 1)[:, None, None],
                "em_2d.em_step.cov_unweighted": scatter(mu, np.ones_like(r)) / n,
                "em_2d.em_step.cov_unweighted_nk": scatter(mu, np.ones_like(r)) / nk[:, None, None],
                "em_2d.em_step.cov_diagonal": S * np.eye(X.shape[1]) / nk[:, None, None],
            },
        }


# ----------------------------------------------------------------------------------- sample_gmm
def sample_cov_bugs(cov) -> dict:
    """The covariance each wrong noise transform gives, per component: {id: (K, d, d)}."""
    cov = np.asarray(cov, dtype=float)
    d = cov.shape[-1]
    L = np.linalg.cholesky(cov)
    with np.errstate(invalid="ignore"):
        sq = np.sqrt(cov)
    diag = np.einsum("kii->ki", cov)
    return {
        "em_2d.sample_gmm.cov_itself": cov @ cov,
        "em_2d.sample_gmm.cholesky_transposed": L.transpose(0, 2, 1) @ L,
        "em_2d.sample_gmm.entrywise_sqrt": sq @ sq.transpose(0, 2, 1),
        "em_2d.sample_gmm.diagonal_only": diag[:, :, None] * np.eye(d),
        "em_2d.sample_gmm.unscaled": np.broadcast_to(np.eye(d), cov.shape).copy(),
        "em_2d.sample_gmm.sqrt_std": np.sqrt(diag)[:, :, None] * np.eye(d),
    }


# ----------------------------------------------------------------------------------- bic
def bic_bugs(X, pi, mu, cov) -> dict:
    """The classic BIC bugs' values (floats). Bugs that give the same value on every input share
    one id (em_2d.bic.kd_short); bugs that coincide only on some inputs keep their own ids, and
    the check names every one that matches."""
    n, d = np.shape(X)
    k = len(pi)
    ll = sklearn_loglik(X, pi, mu, cov)
    p = (k - 1) + k * d + k * d * (d + 1) / 2
    log_n = np.log(n)
    return {
        "em_2d.bic.weights_missing": -2 * ll + (p - (k - 1)) * log_n,
        "em_2d.bic.k_weights": -2 * ll + (p + 1) * log_n,
        "em_2d.bic.cov_d_squared": -2 * ll + (p + k * d * (d - 1) / 2) * log_n,
        "em_2d.bic.cov_diagonal": -2 * ll + (p - k * d * (d - 1) / 2) * log_n,
        "em_2d.bic.kd_short": -2 * ll + (p - k * d) * log_n,
        "em_2d.bic.sign": 2 * ll + p * log_n,
        "em_2d.bic.no_factor_2": -ll + p * log_n,
        "em_2d.bic.half_penalty": -2 * ll + 0.5 * p * log_n,
        "em_2d.bic.half": -ll + 0.5 * p * log_n,
        "em_2d.bic.mean_loglik": -2 * ll / n + p * log_n,
        "em_2d.bic.log10": -2 * ll + p * np.log10(n),
        "em_2d.bic.log2": -2 * ll + p * np.log2(n),
        "em_2d.bic.no_log_n": -2 * ll + p,
        "em_2d.bic.aic": -2 * ll + 2 * p,
    }
