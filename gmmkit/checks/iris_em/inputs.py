"""The public checks' inputs: Iris, the lecture's 2-D mixture and seeded valid parameters.

Inputs are not answers: they are built here, seeded, and ``autograder/iris_em/expected.py``
imports them so that the build stores the reference's answers on exactly these inputs.
"""
from __future__ import annotations

import functools

import numpy as np

from .values import K

# The 2-D mixture of the lecture (used by the hidden checks and the benchmark).
LECTURE_MEANS = np.array([[1.0, 1.0], [0.0, 0.0], [-0.5, 1.0], [0.5, 1.5]])
LECTURE_VARIANCES = np.array([0.1, 0.01, 0.05, 0.05])      # isotropic: cov_j = var_j * I
LECTURE_WEIGHTS = np.array([0.4, 0.25, 0.25, 0.1])


@functools.lru_cache(maxsize=1)
def _iris() -> tuple[np.ndarray, np.ndarray]:
    from ...datasets import load_iris
    X, y = load_iris()
    return np.asarray(X, dtype=float), np.asarray(y)


def iris() -> tuple[np.ndarray, np.ndarray]:
    """Iris: X (150, 4) and the true labels y (150,), fresh copies."""
    X, y = _iris()
    return X.copy(), y.copy()


def data_covariance(X) -> np.ndarray:
    """The biased covariance (d, d) of the data X (n, d): an input, the same for every component."""
    return np.atleast_2d(np.cov(np.asarray(X, dtype=float).T, bias=True))


def sample_lecture_mixture(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points (n, 2) from the lecture's fixed 2-D mixture, and their components (n,)."""
    z = rng.choice(len(LECTURE_WEIGHTS), size=n, p=LECTURE_WEIGHTS)
    X = LECTURE_MEANS[z] + np.sqrt(LECTURE_VARIANCES)[z, None] * rng.standard_normal((n, 2))
    return X, z


def random_params(rng: np.random.Generator, X: np.ndarray, k: int):
    """Valid parameters near the data X (n, d): weights (k,) from a Dirichlet, means (k, d) near
    data points, covariances (k, d, d) a random share of the data's covariance plus a random
    positive definite part."""
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    S = np.atleast_2d(np.cov(X.T))
    pi = rng.dirichlet(np.full(k, 3.0))
    mu = X[rng.choice(len(X), size=k, replace=False)] + 0.1 * rng.standard_normal((k, d)) \
        * np.sqrt(np.diag(S))
    B = rng.standard_normal((k, d, d)) * np.sqrt(np.diag(S))[None, :, None]
    cov = rng.uniform(0.2, 1.0, size=(k, 1, 1)) * S + 0.2 * B @ B.transpose(0, 2, 1) / d
    return pi, mu, cov


def identical_components():
    """Three identical components (the data's mean and covariance) with pi = [0.2, 0.3, 0.5]:
    the densities cancel, so every row of r is pi itself (a known value)."""
    X, _ = iris()
    return (np.array([0.2, 0.3, 0.5]), np.stack([X.mean(axis=0)] * 3),
            np.stack([data_covariance(X)] * 3))


def iris_cases() -> list:
    """(key, label, pi, mu, cov) on Iris, in the order a student reads them."""
    X, _ = iris()
    S = data_covariance(X)
    cases = [("fixed", "with pi = [0.2, 0.3, 0.5], mu = X[[0, 60, 120]] (one flower of each "
              "species), cov[j] = 0.5 * the covariance of X",
              np.array([0.2, 0.3, 0.5]), X[[0, 60, 120]], np.stack([0.5 * S] * 3))]
    rng = np.random.default_rng(7)
    for k in (3, 2, 4):
        cases.append((f"random_k={k}", f"with random valid parameters, k = {k} (seeded)",
                      *random_params(rng, X, k)))
    return cases


def uniform_r() -> np.ndarray:
    """Every r[i, j] = 1/3 (150, 3)."""
    return np.full((150, K), 1 / 3)


def onehot_r() -> np.ndarray:
    """The one-hot matrix (150, 3) of the true labels."""
    return np.eye(K)[iris()[1]]


# The guards' inputs have k = 5 components, not d = 4, so that M_step(X, r) (the arguments
# swapped) cannot pass for M_step(r, X) by its shapes.
def empty_component_r() -> np.ndarray:
    """The one-hot true labels and a 4th and 5th, empty column (150, 5)."""
    r = np.zeros((150, 5))
    r[np.arange(150), iris()[1]] = 1.0
    return r


def single_point_r() -> np.ndarray:
    """One-hot (150, 5) where component 3 owns only the first flower X[0] and component 4 only
    X[50]."""
    labels = iris()[1].copy()
    labels[0], labels[50] = 3, 4
    return np.eye(5)[labels]


def iris_start():
    """The start of the fit checks on Iris: equal weights, one flower of each species as the
    means, the covariance of all the data for every component."""
    X, _ = iris()
    return np.full(K, 1 / 3), X[[0, 60, 120]], np.stack([data_covariance(X)] * K)


IRIS_START = ("from pi = [1/3, 1/3, 1/3], mu = X_iris[[0, 60, 120]], cov[j] = the covariance "
              "of X_iris")
