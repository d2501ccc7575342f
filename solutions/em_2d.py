"""Reference solution of ``em_2d``: EM for full-covariance Gaussian mixtures in two dimensions.

Never reaches students. The source notebook's solution cells hold the same graded functions (a
test compares their syntax trees), and ``log_gaussian``, given to students in the notebook, is the
same code as here. The hidden checks compare students' work with this module.

Notation (the lecture's): N points x_n in d dimensions, K components with weights pi_k, means
mu_k and covariances Sigma_k; responsibilities r_nk = p(z_n = k | x_n); soft counts
N_k = sum_n r_nk.
"""
import numpy as np
from scipy.special import logsumexp


def log_gaussian(X, mu, cov):
    """log N(x_n | mu_k, Sigma_k) for every point and every component (given in the notebook).

    With the Cholesky factor Sigma_k = L_k L_k^T, the Mahalanobis term is ||L_k^{-1}(x_n - mu_k)||^2
    and log det Sigma_k = 2 sum_i log (L_k)_ii: no explicit inverse, no determinant that underflows.

    Args:
        X: array of shape (N, d), one point per row.
        mu: array of shape (K, d), the component means.
        cov: array of shape (K, d, d), the component covariances (symmetric positive definite).

    Returns:
        log_prob: array of shape (N, K), log_prob[n, k] = log N(X[n] | mu[k], cov[k]).
    """
    X = np.asarray(X, dtype=float)
    mu = np.asarray(mu, dtype=float)
    L = np.linalg.cholesky(np.asarray(cov, dtype=float))           # (K, d, d), lower triangular
    diff = X[None, :, :] - mu[:, None, :]                           # (K, N, d)
    z = np.linalg.solve(L, diff.transpose(0, 2, 1))                 # (K, d, N): L_k^{-1} diff
    maha = np.sum(z ** 2, axis=1)                                   # (K, N)
    log_det = 2 * np.sum(np.log(np.diagonal(L, axis1=1, axis2=2)), axis=1)   # (K,)
    d = X.shape[1]
    return -0.5 * (d * np.log(2 * np.pi) + log_det[None, :] + maha.T)        # (N, K)


def standardize(X):
    """Centre every column on 0 and scale it to unit sample standard deviation.

    z_nj = (x_nj - mean_j) / s_j with s_j = sqrt( sum_n (x_nj - mean_j)^2 / (N - 1) ), the sample
    standard deviation (ddof=1).

    Args:
        X: array of shape (N, d), one point per row (N >= 2).

    Returns:
        Z: array of shape (N, d), the standardised points.
    """
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)


def em_step(X, pi, mu, cov):
    """One EM iteration for a Gaussian mixture with full covariances.

    E-step with the given parameters, in log space:
        l_nk = log pi_k + log N(x_n | mu_k, Sigma_k),   log r_nk = l_nk - logsumexp_j l_nj
    M-step with N_k = sum_n r_nk:
        pi_k = N_k / N,   mu_k = sum_n r_nk x_n / N_k,
        Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k   (about the new mu_k).

    Args:
        X: array of shape (N, d), the data.
        pi: array of shape (K,), the current weights (positive, summing to 1).
        mu: array of shape (K, d), the current means.
        cov: array of shape (K, d, d), the current covariances.

    Returns:
        pi: array of shape (K,), the new weights.
        mu: array of shape (K, d), the new means.
        cov: array of shape (K, d, d), the new covariances.
        r: array of shape (N, K), the responsibilities of the E-step (under the given
            parameters); every row sums to 1.
    """
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    log_joint = np.log(pi)[None, :] + log_gaussian(X, mu, cov)            # (N, K)
    log_resp = log_joint - logsumexp(log_joint, axis=1, keepdims=True)    # (N, K)
    resp = np.exp(log_resp)                                               # (N, K)
    nk = resp.sum(axis=0)                                                 # (K,)
    new_pi = nk / n                                                       # (K,)
    new_mu = (resp.T @ X) / nk[:, None]                                   # (K, d)
    diff = X[None, :, :] - new_mu[:, None, :]                             # (K, N, d)
    weighted = resp.T[:, :, None] * diff                                  # (K, N, d)
    new_cov = weighted.transpose(0, 2, 1) @ diff / nk[:, None, None]      # (K, d, d)
    return new_pi, new_mu, new_cov, resp


def sample_gmm(n, pi, mu, cov, rng):
    """Draw n points from the mixture by ancestral sampling, all at once.

    z_i ~ Categorical(pi), then x_i = mu[z_i] + L[z_i] @ eps_i with eps_i ~ N(0, I) and
    L_k the Cholesky factor of the covariance, Sigma_k = L_k L_k^T, so that Cov(x_i | z_i = k) =
    L_k L_k^T = Sigma_k.

    Args:
        n: number of points (int).
        pi: array of shape (K,), the weights (summing to 1).
        mu: array of shape (K, d), the means.
        cov: array of shape (K, d, d), the covariances.
        rng: a numpy.random.Generator, the only source of randomness.

    Returns:
        X: array of shape (n, d), the points.
        labels: integer array of shape (n,), labels[i] = z_i, the component X[i] was drawn from.
    """
    mu = np.asarray(mu, dtype=float)
    L = np.linalg.cholesky(np.asarray(cov, dtype=float))          # (K, d, d)
    labels = rng.choice(len(pi), size=n, p=pi)                     # (n,)
    eps = rng.standard_normal((n, mu.shape[1]))                    # (n, d)
    X = mu[labels] + np.einsum("nij,nj->ni", L[labels], eps)       # (n, d)
    return X, labels


def bic(X, pi, mu, cov):
    """The Bayesian information criterion of a full-covariance mixture on the data X.

    BIC = -2 log p(X | theta) + P log N, with log p(X | theta) = sum_n logsumexp_k(log pi_k +
    log N(x_n | mu_k, Sigma_k)) and P = (K - 1) + K d + K d (d + 1) / 2 free parameters (weights
    summing to 1, means, symmetric covariances). Lower is better; equal to scikit-learn's
    GaussianMixture(covariance_type="full").bic for the same parameters.

    Args:
        X: array of shape (N, d), the data.
        pi: array of shape (K,), the weights.
        mu: array of shape (K, d), the means.
        cov: array of shape (K, d, d), the covariances.

    Returns:
        bic: a float.
    """
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    k = len(pi)
    log_lik = np.sum(logsumexp(np.log(pi)[None, :] + log_gaussian(X, mu, cov), axis=1))
    n_params = (k - 1) + k * d + k * d * (d + 1) / 2
    return float(-2 * log_lik + n_params * np.log(n))
