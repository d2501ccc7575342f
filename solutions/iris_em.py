"""Reference solution of ``iris_em``: EM for a full-covariance Gaussian mixture, on Iris.

Never reaches students. The source notebook's solution cells hold the same functions (a test
compares their syntax trees), and the hidden checks compare students' work with this module.

Everything is vectorised over the data points (the loops run over the k components only) and
works in log space: the Gaussian log-density through the Cholesky factor of each covariance, the
mixture's log-likelihood and the responsibilities through logsumexp.
"""
import numpy as np
from scipy.linalg import cholesky, solve_triangular
from scipy.special import logsumexp
from sklearn.cluster import KMeans


def log_gaussian(X, mu, cov):
    """log N(x_i | mu_j, cov_j) for every point i and every component j.

    With the Cholesky factor cov_j = L_j L_j^T and z = L_j^{-1} (x_i - mu_j):
    log N = -(d log(2 pi) + |z|^2) / 2 - sum(log(diag(L_j))).

    Args:
        X: array of shape (n, d), one point per row.
        mu: array of shape (k, d), the component means.
        cov: array of shape (k, d, d), the covariances, symmetric positive definite.

    Returns:
        log_prob: array of shape (n, k).
    """
    n, d = X.shape
    log_prob = np.empty((len(mu), n))          # component-major: each row is written at once
    for j in range(len(mu)):
        L = cholesky(cov[j], lower=True, check_finite=False)                # cov_j = L L^T
        L_inv = solve_triangular(L, np.eye(d), lower=True, check_finite=False)  # (d, d)
        z = L_inv @ (X - mu[j]).T                                           # (d, n) whitened
        log_det = 2 * np.log(np.diag(L)).sum()                              # log |cov_j|
        log_prob[j] = -0.5 * (d * np.log(2 * np.pi) + log_det + (z ** 2).sum(axis=0))
    return log_prob.T                                                       # (n, k)


def E_step(X, pi, mu, cov):
    """The responsibilities r[i, j] = p(z_i = j | x_i), by Bayes' rule in log space.

    Args:
        X: array of shape (n, d), one point per row.
        pi: array of shape (k,), the mixture weights (positive, summing to 1).
        mu: array of shape (k, d), the component means.
        cov: array of shape (k, d, d), the covariances, symmetric positive definite.

    Returns:
        r: array of shape (n, k); every row is a pmf over the k components.
    """
    log_joint = np.log(pi) + log_gaussian(X, mu, cov)             # (n, k): log pi_j N(x_i|j)
    log_resp = log_joint - logsumexp(log_joint, axis=1, keepdims=True)
    return np.exp(log_resp)


def M_step(r, X, reg=1e-6):
    """New parameters from the responsibilities: weights, means and biased covariances.

    With R_j = sum_i r[i, j]: pi_j = R_j / n, mu_j = sum_i r[i, j] x_i / R_j and
    cov_j = sum_i r[i, j] (x_i - mu_j)(x_i - mu_j)^T / R_j + reg * I (divided by R_j, not R_j - 1).
    Guards: an empty component (R_j = 0) must not give 0 / 0 = nan, and the ridge ``reg`` keeps
    every covariance positive definite (a component on a single point).

    Args:
        r: array of shape (n, k), the responsibilities (rows summing to 1).
        X: array of shape (n, d), one point per row.
        reg: the ridge added to the diagonal of every covariance (keep it tiny).

    Returns:
        pi: array of shape (k,); mu: array of shape (k, d); cov: array of shape (k, d, d).
    """
    n, d = X.shape
    nk = r.sum(axis=0) + 10 * np.finfo(float).eps              # (k,) R_j, never 0
    pi = nk / nk.sum()
    mu = (r.T @ X) / nk[:, None]                               # (k, d)
    cov = np.empty((len(nk), d, d))
    for j in range(len(nk)):
        diff = X - mu[j]                                       # (n, d)
        cov[j] = (r[:, j] * diff.T) @ diff / nk[j] + reg * np.eye(d)
    return pi, mu, cov


def negativeloglikelihood(X, pi, mu, cov):
    """The negative log-likelihood -sum_i log sum_j pi_j N(x_i | mu_j, cov_j).

    Args:
        X: array of shape (n, d), one point per row.
        pi: array of shape (k,); mu: array of shape (k, d); cov: array of shape (k, d, d).

    Returns:
        nll: a float, the sum over the n points (not their mean).
    """
    log_joint = np.log(pi) + log_gaussian(X, mu, cov)             # (n, k)
    return -float(logsumexp(log_joint, axis=1).sum())


def init_params(X, k, random_state=42):
    """A valid starting point for EM (any scheme; k-means is suggested).

    Args:
        X: array of shape (n, d), one point per row.
        k: the number of components.
        random_state: the seed of any randomness the scheme uses.

    Returns:
        pi: array of shape (k,), positive, summing to 1; mu: array of shape (k, d), k distinct
        means; cov: array of shape (k, d, d), each symmetric positive definite.
    """
    # k-means clusters, turned into a mixture by one M-step on their one-hot labels
    labels = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(X).labels_
    return M_step(np.eye(k)[labels], X)


def fit(X, pi, mu, cov, iters=50):
    """EM from the given start: ``iters`` iterations, each an E-step then an M-step.

    Args:
        X: array of shape (n, d), one point per row.
        pi: array of shape (k,); mu: array of shape (k, d); cov: array of shape (k, d, d), the
            starting parameters.
        iters: the number of iterations.

    Returns:
        pi: array of shape (k,); mu: array of shape (k, d); cov: array of shape (k, d, d), the
        parameters after the last M-step, and loss_hist: array of shape (iters,), where
        loss_hist[t] is the negative log-likelihood of the parameters iteration t starts from
        (as negativeloglikelihood computes it); it never increases.
    """
    loss_hist = np.empty(iters)
    for t in range(iters):
        log_joint = np.log(pi) + log_gaussian(X, mu, cov)         # (n, k) log pi_j N(x_i | j)
        # logsumexp over the components, written out so that its exponentials are reused as r
        top = log_joint.max(axis=1, keepdims=True)                # (n, 1)
        joint = np.exp(log_joint - top)                           # (n, k) in (0, 1], max 1
        px = joint.sum(axis=1, keepdims=True)                     # (n, 1) p(x_i) / exp(top_i)
        loss_hist[t] = -(top + np.log(px)).sum()                  # -sum_i log p(x_i)
        pi, mu, cov = M_step(joint / px, X)
    return pi, mu, cov, loss_hist
