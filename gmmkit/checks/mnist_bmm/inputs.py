"""The public checks' inputs: seeded, small, rebuilt identically by the build
(``autograder/mnist_bmm/expected.py`` imports them), which stores the expected values on them.
Inputs are not answers: nothing here computes what a graded function returns."""
from __future__ import annotations

import functools

import numpy as np


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


def random_assignments(seed: int, n: int, n_clusters: int) -> np.ndarray:
    """Random assignments (n,) in which every cluster has at least one image."""
    rng = np.random.default_rng(seed)
    a = rng.integers(n_clusters, size=n)
    a[rng.permutation(n)[:n_clusters]] = np.arange(n_clusters)
    return a


@functools.lru_cache(maxsize=1)
def _mnist_test():
    from ...datasets import load_mnist
    X, y = load_mnist("test")
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def mnist_images(start: int, n: int):
    """n binarised MNIST test images (n, 784) and their labels (n,), from index ``start``."""
    X, y = _mnist_test()
    return X[start:start + n].copy(), y[start:start + n].copy()


def mnist_class_mu() -> np.ndarray:
    """Realistic cluster pixel probabilities (10, 784): the mean image of each digit in 2,000
    test images, clipped to [0.005, 0.995] (so that corner pixels are near 0, as in a fit)."""
    X, y = mnist_images(5000, 2000)
    means = np.stack([X[y == c].mean(axis=0) for c in range(10)])
    return np.clip(means, 0.005, 0.995)


def far_images(n_digits: int = 6) -> np.ndarray:
    """An all-zero and an all-one image followed by MNIST digits: (2 + n_digits, 784)."""
    digits, _ = mnist_images(0, n_digits)
    return np.vstack([np.zeros(784), np.ones(784), digits])


# ------------------------------------------------------------------ each public check's inputs
def log_prob_random():
    return random_images(1, 30, 16), random_mu(2, 3, 16)


def e_step_pmf():
    return random_images(3, 40, 16), np.array([0.5, 0.3, 0.2]), random_mu(4, 3, 16)


def e_step_values():
    return [(random_images(5, 40, 16), np.array([0.5, 0.3, 0.2]), random_mu(6, 3, 16)),
            (random_images(7, 25, 10, p=0.6), np.array([0.1, 0.6, 0.05, 0.25]),
             random_mu(8, 4, 10, 0.2, 0.8))]


def e_step_far():
    mu = mnist_class_mu()
    pi = np.random.default_rng(9).dirichlet(np.ones(10))
    return [(far_images(), np.full(10, 0.1), mu), (far_images()[:3], pi, mu)]


def m_step_valid():
    """30 images of 8 pixels, pixel 2 never on and pixel 5 always on; soft r (30, 3)."""
    rng = np.random.default_rng(10)
    X = random_images(11, 30, 8, p=0.4)
    X[:, 2] = 0.0
    X[:, 5] = 1.0
    return X, rng.dirichlet(np.full(3, 0.5), size=30)


DIGITS_N = 1000


def digit_responsibilities():
    """1,000 MNIST digits with their true labels as one-hot responsibilities (the m_step
    figure: mu is then each digit's smoothed mean image)."""
    X, y = mnist_images(0, DIGITS_N)
    return X, (y[:, None] == np.arange(10)).astype(float)


def fit_data():
    """The public fit_bmm checks' well-separated data: 3 clusters, X (200, 64), whose first 4
    pixels are never on."""
    return prototype_data(12, 200, 64, [0.5, 0.3, 0.2], blank=4)[0]


FIT_K, FIT_ITERS, FIT_SEED = 3, 30, 2          # the reaches-the-optimum check, on fit_data
REPLAY_K, REPLAY_ITERS, REPLAY_SEED = 4, 8, 5  # the replay check, on replay_data


def replay_data():
    """Structureless images (120, 32): EM on them keeps moving for many iterations, so a
    replay of eight iterations tells every step apart."""
    return random_images(16, 120, 32, p=0.4)


def fit_steps_inputs():
    """Where fit_bmm's checks ask whether the student's own e_step and m_step are right:
    fit_data, soft responsibilities for m_step and parameters for e_step."""
    X = fit_data()
    rng = np.random.default_rng(14)
    r = rng.dirichlet(np.ones(FIT_K), size=len(X))
    pi = np.array([0.45, 0.35, 0.2])
    mu = random_mu(15, FIT_K, X.shape[1], 0.05, 0.95)
    return X, r, pi, mu


def update_mnist():
    X, _ = mnist_images(3000, 300)
    return X, random_assignments(13, 300, 10), 10
