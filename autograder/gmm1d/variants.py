"""Trusted side of the gmm1d checks: what the classic bugs compute, a mixture sampler and the
mixture density. Used by ``expected.py`` (to store the public checks' values) and by the hidden
checks; never in the student's package (each function here is one character from an answer).
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm

from gmmkit.checks.gmm1d import bugs

ESTEP_IDS = bugs.ESTEP_BUGS
MSTEP_IDS = bugs.MSTEP_BUGS


def sample_mixture(rng: np.random.Generator, n: int, means, variances, priors) -> np.ndarray:
    """n points (n, 1) drawn from the mixture."""
    z = rng.choice(len(priors), size=n, p=np.asarray(priors) / np.sum(priors))
    x = np.asarray(means)[z] + np.sqrt(np.asarray(variances))[z] * rng.standard_normal(n)
    return x[:, None]


def mixture_pdf(grid, params: dict) -> np.ndarray:
    """The density of a 1-D mixture {priors, means, variances} on a grid (NaN where invalid)."""
    var = np.asarray(params["variances"], dtype=float)
    with np.errstate(all="ignore"):
        sd = np.where(var > 0, np.sqrt(np.abs(var)), np.nan)
        return (np.asarray(params["priors"], dtype=float)
                * norm.pdf(np.asarray(grid, dtype=float)[:, None], params["means"], sd)).sum(1)


def figure_grid(X, expected: dict) -> np.ndarray:
    """400 points over the data, two of the widest expected sigmas beyond it."""
    x = np.asarray(X, dtype=float)[:, 0]
    spread = np.sqrt(np.max(np.asarray(expected["variances"], dtype=float)))
    return np.linspace(x.min() - 2 * spread, x.max() + 2 * spread, 400)


def estep_bugs(X, means, variances, priors) -> dict[str, np.ndarray]:
    """{bug id: the gammas (n, k) that bug gives}, in the order of ``bugs.ESTEP_BUGS``."""
    x = np.asarray(X, dtype=float)[:, 0][:, None]
    means, variances, priors = (np.asarray(a, dtype=float) for a in (means, variances, priors))
    with np.errstate(all="ignore"):
        dens = norm.pdf(x, means, np.sqrt(variances))
        joint = priors * dens
        by_variance = priors * norm.pdf(x, means, variances)
        no_sqrt = priors * np.exp(-(x - means) ** 2 / (2 * variances)) / (2 * np.pi * variances)
        values = {
            bugs.ESTEP_UNNORMALISED.id: joint,
            bugs.ESTEP_AXIS0.id: joint / joint.sum(axis=0),
            bugs.ESTEP_NO_PRIORS.id: dens / dens.sum(axis=1, keepdims=True),
            bugs.ESTEP_VARIANCE_AS_SCALE.id: by_variance / by_variance.sum(axis=1, keepdims=True),
            bugs.ESTEP_VARIANCE_AS_SCALE_UNNORMALISED.id: by_variance,
            bugs.ESTEP_NO_SQRT.id: no_sqrt / no_sqrt.sum(axis=1, keepdims=True),
        }
    return {bug_id: values[bug_id] for bug_id in ESTEP_IDS}


def mstep_bugs(X, gammas, old: dict, want: dict) -> dict[str, dict[str, np.ndarray]]:
    """{parameter: {bug id: that parameter under the bug}}; ``want`` is the right M-step."""
    x = np.asarray(X, dtype=float)[:, 0]
    g = np.asarray(gammas, dtype=float)
    n = len(x)
    counts = g.sum(axis=0)
    var = np.asarray(want["variances"], dtype=float)
    with np.errstate(all="ignore"):
        about_old = (g * (x[:, None] - np.asarray(old["means"], dtype=float)) ** 2).sum(axis=0) / counts
        values = {
            bugs.MSTEP_PRIORS_SUMS.id: counts,
            bugs.MSTEP_MEANS_UNNORMALISED.id: x @ g,
            bugs.MSTEP_MEANS_BY_N.id: (x @ g) / n,
            bugs.MSTEP_VARIANCE_OLD_MEANS.id: about_old,
            bugs.MSTEP_VARIANCE_SQRT.id: np.sqrt(var),
            bugs.MSTEP_VARIANCE_SQRT_OLD_MEANS.id: np.sqrt(about_old),
            bugs.MSTEP_VARIANCE_BY_N.id: var * counts / n,
            bugs.MSTEP_VARIANCE_UNNORMALISED.id: var * counts,
        }
    return {name: {bug_id: values[bug_id] for bug_id in ids} for name, ids in MSTEP_IDS.items()}
