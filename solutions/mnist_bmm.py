"""Reference solution of ``mnist_bmm``: a Bernoulli mixture fitted to binarised MNIST by EM.

Never reaches students. The source notebook's solution cells hold the same functions (a test
compares their syntax trees), and the hidden checks compare students' work with this module.

Shapes: n images of d pixels (d = 784 for MNIST), k clusters. Everything that multiplies
probabilities works with their logarithms: a product of 784 pixel probabilities underflows.
"""
import numpy as np
from scipy.special import logsumexp
from tqdm.auto import tqdm


def bernoulli_log_prob(X, mu):
    """log p(x_i | mu_k) of every image under every cluster's pixel probabilities.

    log p(x | mu_k) = sum_d x_d log(mu_kd) + (1 - x_d) log(1 - mu_kd)
                    = X @ log(mu).T + (1 - X) @ log(1 - mu).T

    Args:
        X: array (n, d) of binary images (0.0 or 1.0), one image per row.
        mu: array (k, d), pixel probabilities of each cluster, strictly between 0 and 1.

    Returns:
        log_prob: array (n, k), log_prob[i, k] = log p(x_i | mu_k).
    """
    log_mu = np.log(mu)                  # (k, d)
    log_1m_mu = np.log1p(-mu)            # (k, d) log(1 - mu)
    # X @ log_mu.T + (1 - X) @ log_1m_mu.T with one matrix product instead of two:
    # (1 - X) @ B.T = sum(B) - X @ B.T, so only X @ (log_mu - log_1m_mu).T touches the images.
    return X @ (log_mu - log_1m_mu).T + log_1m_mu.sum(axis=1)


def e_step(X, pi, mu):
    """Responsibilities r[i, k] = p(z_i = k | x_i) by Bayes' rule, in log space.

    log r_ik = log pi_k + log p(x_i | mu_k) - logsumexp_j (log pi_j + log p(x_i | mu_j))

    Args:
        X: array (n, d) of binary images.
        pi: array (k,), mixture weights (non-negative, summing to 1).
        mu: array (k, d), pixel probabilities of each cluster, strictly between 0 and 1.

    Returns:
        r: array (n, k), each row a pmf over the k clusters.
        loglik: float, the total log-likelihood sum_i log p(x_i).
    """
    log_joint = bernoulli_log_prob(X, mu) + np.log(pi)           # (n, k) log pi_k p(x_i | mu_k)
    log_px = logsumexp(log_joint, axis=1, keepdims=True)         # (n, 1) log p(x_i)
    log_resp = log_joint - log_px                                # (n, k)
    return np.exp(log_resp), float(log_px.sum())


def m_step(X, r, smoothing=1.0):
    """The M-step with a Beta(smoothing + 1, smoothing + 1) prior on every pixel probability.

    nk = sum_i r_ik,  pi_k = nk / n,  mu_kd = (sum_i r_ik x_id + smoothing) / (nk + 2 smoothing)

    Args:
        X: array (n, d) of binary images.
        r: array (n, k), responsibilities, each row a pmf.
        smoothing: float >= 0, the pseudo-count added to "on" and to "off" (Laplace's rule: 1).

    Returns:
        pi: array (k,), the mixture weights.
        mu: array (k, d), the pixel probabilities, strictly inside (0, 1) when smoothing > 0.
    """
    nk = r.sum(axis=0)                                           # (k,) soft counts
    mu = (r.T @ X + smoothing) / (nk[:, None] + 2 * smoothing)   # (k, d)
    pi = nk / len(X)                                             # (k,)
    return pi, mu


def fit_bmm(X, k, iters, rng, *, progress=False):
    """Fit a mixture of k Bernoulli products to the images X by EM.

    Start: k distinct images chosen with rng, each smoothed as a cluster of one image, and equal
    weights; their responsibilities start the loop. Each iteration is an M-step then an E-step,
    after which the objective of the new parameters is recorded:

        objective = sum_i log p(x_i | pi, mu) + smoothing * sum_kd [log mu_kd + log(1 - mu_kd)]

    (the log-likelihood plus the log of the Beta(smoothing + 1, smoothing + 1) prior of mu, up
    to a constant), which EM with this M-step never decreases. smoothing = 1.

    Args:
        X: array (n, d) of binary images.
        k: number of clusters.
        iters: number of EM iterations (at least 1).
        rng: numpy.random.Generator, the only source of randomness.
        progress: show a tqdm progress bar.

    Returns:
        pi: array (k,), mu: array (k, d), the parameters after the last iteration.
        r: array (n, k), the responsibilities of those parameters.
        objective_history: array (iters,), the objective after each iteration; its last entry
            is the objective of the returned pi and mu.
    """
    smoothing = 1.0
    start = rng.choice(len(X), size=k, replace=False)
    mu = (X[start] + smoothing) / (1 + 2 * smoothing)            # (k, d) one image per cluster
    r, _ = e_step(X, np.full(k, 1 / k), mu)                      # (n, k)
    objective_history = []
    for _ in tqdm(range(iters), desc="EM", disable=not progress):
        pi, mu = m_step(X, r, smoothing)
        r, loglik = e_step(X, pi, mu)
        log_prior = smoothing * np.sum(np.log(mu) + np.log1p(-mu))
        objective_history.append(loglik + log_prior)
    return pi, mu, r, np.array(objective_history)


def update_clusters(X, assignments, n_clusters):
    """One pass of the lecture's hard-assignment rule: hard EM for the same Bernoulli model.

    Each cluster gets Laplace-smoothed pixel probabilities from the images assigned to it,

        mu_kd = (number of images of cluster k with pixel d on + 1) / (size of cluster k + 2),

    and each image goes to the cluster under which its Bernoulli log-likelihood
    log p(x_i | mu_k) = sum_d x_id log mu_kd + (1 - x_id) log(1 - mu_kd) is highest (no mixture
    weights). This is not K-means: K-means sends an image to the nearest mean in squared
    Euclidean distance, which weighs every pixel alike.

    An empty cluster is no special case: its probabilities are (0 + 1) / (0 + 2) = 1/2 for
    every pixel, so it stays in the competition and takes an image whose log-likelihood under
    every other cluster is below d log(1/2).

    Args:
        X: array (n, d) of binary images (0.0 or 1.0).
        assignments: int array (n,), the current cluster of each image, in 0 .. n_clusters - 1.
        n_clusters: the number of clusters K.

    Returns:
        assignments: int array (n,), the most likely cluster of each image under the smoothed
            pixel probabilities of the current clusters.
    """
    one_hot = np.eye(n_clusters)[assignments]                    # (n, K)
    sizes = one_hot.sum(axis=0)                                  # (K,) images per cluster
    on_counts = one_hot.T @ X                                    # (K, d) images with pixel d on
    mu = (on_counts + 1) / (sizes[:, None] + 2)                  # (K, d) Laplace's rule
    log_lik = X @ np.log(mu).T + (1 - X) @ np.log1p(-mu).T       # (n, K) log p(x_i | mu_k)
    return np.argmax(log_lik, axis=1)


def cluster_accuracy(labels, assignments):
    """Accuracy of a clustering once each cluster is named after its majority label.

    Several clusters may share a label (a digit split over two clusters counts as correct).

    Args:
        labels: int array (n,), the true labels.
        assignments: int array (n,), the cluster of each image (any integers).

    Returns:
        accuracy: float in [0, 1], the fraction of images whose label is their cluster's
            majority label.
    """
    _, label_idx = np.unique(labels, return_inverse=True)        # (n,) in 0 .. L - 1
    _, cluster_idx = np.unique(assignments, return_inverse=True) # (n,) in 0 .. C - 1
    n_labels = label_idx.max() + 1
    counts = np.bincount(cluster_idx * n_labels + label_idx,
                         minlength=(cluster_idx.max() + 1) * n_labels)
    counts = counts.reshape(-1, n_labels)                        # (C, L) contingency table
    return float(counts.max(axis=1).sum() / len(labels))
