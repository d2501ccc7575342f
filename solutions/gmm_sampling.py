"""Reference solution of ``gmm_sampling``: sampling from a 1-D Gaussian mixture.

Never reaches students. The source notebook's solution cells hold the same functions (a test
compares their syntax trees), and the hidden checks compare students' work with this module.
"""
import numpy as np

# The ground truth mixture of the assignment: K = 5 components.
gt_logits = np.log([1 / 4, 1 / 4, 1 / 6, 1 / 6, 1 / 6])
gt_means = np.array([1.0, -0.5, -2, .5, 3])
gt_lsigmas = np.log([.5, 1.0, .2, .1, .5])


def softmax(logits):
    """The mixture weights pi = softmax(logits), computed without overflow.

    Args:
        logits: array of shape (K,), any real numbers (defined up to an additive constant).

    Returns:
        pi: array of shape (K,), non-negative, summing to 1, with
        pi[k] = exp(logits[k]) / sum_j exp(logits[j]).
    """
    logits = np.asarray(logits, dtype=float)
    shifted = logits - np.max(logits)  # the largest becomes 0: exp never overflows
    weights = np.exp(shifted)
    return weights / np.sum(weights)


def make_data(N, logits, means, lsigmas, rng):
    """Draw N samples from the 1-D mixture by ancestral sampling.

    z_i ~ Categorical(softmax(logits)), then x_i = means[z_i] + exp(lsigmas[z_i]) * eps_i
    with eps_i ~ N(0, 1).

    Args:
        N: number of samples (int).
        logits: array of shape (K,), the mixture weights are softmax(logits).
        means: array of shape (K,), the component means.
        lsigmas: array of shape (K,), log standard deviations: sigma = exp(lsigmas).
        rng: a numpy.random.Generator, the only source of randomness.

    Returns:
        x: array of shape (N, 1), one sample per row.
    """
    pi = softmax(logits)
    means = np.asarray(means, dtype=float)
    sigmas = np.exp(np.asarray(lsigmas, dtype=float))
    z = rng.choice(len(pi), size=N, p=pi)    # (N,) component of each sample
    eps = rng.standard_normal(N)             # (N,) standard normal noise
    x = means[z] + sigmas[z] * eps           # (N,)
    return x.reshape(N, 1)
