"""The public checks' inputs (inputs are not answers): the mixtures and seeded data the public
checks call the student's functions on. ``autograder/em_2d/expected.py`` imports them from
here, so the stored expected values belong to exactly these inputs.
"""
from __future__ import annotations

import numpy as np

from ..stored import Stored

STORE = Stored("em_2d")

# The start of MLaPP fig. 11.11 (as in the notebook): K = 2, identity covariances.
FIG_PI = np.array([0.5, 0.5])
FIG_MU = np.array([[-1.5, 1.0], [1.5, -1.5]])
FIG_COV = np.stack([np.eye(2), np.eye(2)])

# A state half-way through a fit: unequal weights, correlated covariances of different sizes.
MID_PI = np.array([0.35, 0.65])
MID_MU = np.array([[-1.2, -1.1], [0.7, 0.6]])
MID_COV = np.array([[[0.10, 0.02], [0.02, 0.30]],
                    [[0.20, 0.10], [0.10, 0.30]]])

# Two identical components: every valid E-step treats them alike and gives r = 1/2, whatever
# else is wrong with it, so the M-step is judged on its own (N_k = N / 2 tells N_k from N). On
# the raw data, whose mean is far from 0 (standardised data would hide an uncentred covariance).
TWIN_PI = np.array([0.5, 0.5])
TWIN_MU = np.array([[3.0, 70.0], [3.0, 70.0]])
TWIN_COV = np.array([[[1.0, 10.0], [10.0, 180.0]]] * 2)

# The em_step states of the public checks: key -> (label, data, pi, mu, cov), data "std" for
# standardised Old Faithful, "raw" for Old Faithful as shipped.
EM_STATES = {
    "fig": ("the fig. 11.11 start", "std", FIG_PI, FIG_MU, FIG_COV),
    "mid": ("a state half-way through the fit", "std", MID_PI, MID_MU, MID_COV),
    "twin": ("two identical components on Old Faithful as shipped (every valid E-step gives "
             "r = 1/2)", "raw", TWIN_PI, TWIN_MU, TWIN_COV),
}

# A mixture to sample from: correlated covariances, far from the identity, of different sizes.
SAMPLE_PI = np.array([0.5, 0.3, 0.2])
SAMPLE_MU = np.array([[0.0, 0.0], [4.0, 1.0], [-3.0, 3.0]])
SAMPLE_COV = np.array([[[2.0, -0.9], [-0.9, 1.0]],
                       [[0.3, 0.25], [0.25, 0.5]],
                       [[0.05, 0.0], [0.0, 0.6]]])


def faithful() -> np.ndarray:
    """Old Faithful as shipped, (272, 2): eruption time and waiting time."""
    from ...datasets import load_faithful
    return load_faithful()


def faithful_standardized() -> np.ndarray:
    """Standardised Old Faithful, (272, 2), the em_step and bic checks' data: stored by the build
    from the reference (the package holds no standardisation)."""
    return STORE.value("faithful_std")


def standardize_cases() -> dict[str, np.ndarray]:
    """Random data of a few shapes, columns of very different locations and scales."""
    rng = np.random.default_rng(1)
    cases = {}
    for n, d in [(5, 2), (40, 3), (2, 2)]:
        X = rng.normal(size=(n, d)) * rng.uniform(0.5, 10, size=d) + rng.uniform(-20, 20, size=d)
        cases[f"standardize.random{n}x{d}"] = X
    return cases


def bic_cases(faithful_std: np.ndarray) -> dict[str, tuple]:
    """key -> (label, X, pi, mu, cov): Old Faithful (standardised, given: the trusted side
    standardises it with the reference, the public side reads it from the store) at two states,
    and 150 random points with K = 3."""
    X3 = np.random.default_rng(5).normal(size=(150, 2)) @ np.array([[1.0, 0.4], [0.0, 0.7]])
    pi3 = np.array([0.2, 0.5, 0.3])
    mu3 = np.array([[-1.0, 0.0], [0.0, 0.5], [1.0, -0.2]])
    cov3 = np.array([[[0.5, 0.1], [0.1, 0.4]], [[1.0, -0.3], [-0.3, 0.6]],
                     [[0.3, 0.0], [0.0, 0.9]]])
    X = faithful_std
    return {
        "bic.fig": ("Old Faithful at the fig. 11.11 start", X, FIG_PI, FIG_MU, FIG_COV),
        "bic.mid": ("Old Faithful half-way through the fit", X, MID_PI, MID_MU, MID_COV),
        "bic.random3": ("150 random points and K = 3", X3, pi3, mu3, cov3),
    }
