"""Trusted side of the gmm_sampling checks: the mixture's CDF, density and moments, what the
classic softmax bugs compute, and the distributions the classic sampling bugs draw from. Used by
``expected.py`` (to store the public checks' values) and by the hidden checks; never in the
student's package."""
from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import softmax

from gmmkit.checks.gmm_sampling import Target, bugs

FIGURE_POINTS = 400


def mixture_cdf(x, pi, means, sigmas) -> np.ndarray:
    """The CDF of the 1-D mixture at the points ``x`` (any shape)."""
    x = np.asarray(x, dtype=float)
    sigmas = np.asarray(sigmas, dtype=float)
    d = x[..., None] - np.asarray(means, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # A zero sigma (a bug hypothesis) is a point mass at the mean.
        cdf = np.where(sigmas > 0, stats.norm.cdf(d / np.where(sigmas > 0, sigmas, 1.0)),
                       (d >= 0).astype(float))
    return (np.asarray(pi, dtype=float) * cdf).sum(-1)


def mixture_pdf(x, pi, means, sigmas) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return (np.asarray(pi) * stats.norm.pdf(x[..., None], means, sigmas)).sum(-1)


def mixture_moments(pi, means, sigmas) -> tuple[float, float, float]:
    """Exact mean, variance and fourth central moment of the 1-D mixture."""
    pi, mu, s2 = (np.asarray(a, dtype=float) for a in (pi, means, np.square(sigmas)))
    mean = float(pi @ mu)
    d = mu - mean
    var = float(pi @ (s2 + d ** 2))
    m4 = float(pi @ (d ** 4 + 6 * d ** 2 * s2 + 3 * s2 ** 2))
    return mean, var, m4


def softmax_bugs(logits) -> dict[str, np.ndarray]:
    """{bug id: what that softmax bug gives on ``logits``}, only where it is finite."""
    logits = np.asarray(logits, dtype=float)
    with np.errstate(all="ignore"):
        values = {bugs.SOFTMAX_UNNORMALISED.id: np.exp(logits - logits.max()),
                  bugs.SOFTMAX_UNNORMALISED_RAW.id: np.exp(logits),
                  bugs.SOFTMAX_NEGATED.id: softmax(-logits),
                  bugs.SOFTMAX_NO_EXP.id: logits / logits.sum(),
                  bugs.SOFTMAX_SUM_OF_LOGITS.id: np.exp(logits) / logits.sum()}
    return {bug_id: values[bug_id] for bug_id in bugs.SOFTMAX_BUGS
            if np.all(np.isfinite(values[bug_id]))}


def sampling_bugs(pi, means, sigmas) -> dict[str, tuple]:
    """{bug id: (pi, sigmas) of the distribution that sampling bug draws from}, leaving out a
    "bug" that is the truth for these parameters."""
    pi, means, sigmas = (np.asarray(a, dtype=float) for a in (pi, means, sigmas))
    k, lsig = len(pi), np.log(sigmas)
    alternatives = {bugs.SAMPLE_VARIANCE_NOISE.id: (pi, np.exp(2 * lsig)),
                    bugs.SAMPLE_HALF_LOG.id: (pi, np.exp(lsig / 2)),
                    bugs.SAMPLE_LSIGMA_AS_SIGMA.id: (pi, np.abs(lsig)),
                    bugs.SAMPLE_UNIT_NOISE.id: (pi, np.ones(k)),
                    bugs.SAMPLE_UNIFORM_WEIGHTS.id: (np.full(k, 1 / k), sigmas)}
    return {bug_id: (p, s) for bug_id, (p, s) in alternatives.items()
            if not (np.allclose(p, pi, atol=1e-3) and np.allclose(s, sigmas, rtol=1e-3))}


def figure_grid(means, sigmas) -> np.ndarray:
    lo = float(np.min(np.asarray(means) - 4 * np.asarray(sigmas)))
    hi = float(np.max(np.asarray(means) + 4 * np.asarray(sigmas)))
    return np.linspace(lo, hi, FIGURE_POINTS)


def target(pi, means, sigmas) -> Target:
    """The exact target of a hidden check: the mixture and its classic bugs' mixtures."""
    pi, means, sigmas = (np.asarray(a, dtype=float) for a in (pi, means, sigmas))
    mean, var, m4 = mixture_moments(pi, means, sigmas)

    def cdf_of(p, s):
        return lambda x: mixture_cdf(x, p, means, s)

    grid = figure_grid(means, sigmas)
    return Target(k=len(pi), means=means, mean=mean, var=var, m4=m4, cdf=cdf_of(pi, sigmas),
                  alternatives=tuple((bugs.CATALOGUE[b], cdf_of(p, s)) for b, (p, s)
                                     in sampling_bugs(pi, means, sigmas).items()),
                  grid=grid, pdf=mixture_pdf(grid, pi, means, sigmas))


def cdf_table(pi, means, sigmas, levels: int, uniform: int) -> dict:
    """The mixture's CDF at points fine enough that linear interpolation is within about
    1 / (8 levels) of it: the quantiles at ``levels`` evenly spaced probabilities, and
    ``uniform`` evenly spaced points, over 12 standard deviations beyond every component, and
    each mean and the number just below it (where a component with sigma = 0, a point mass,
    makes the CDF jump)."""
    means, sigmas = np.asarray(means, dtype=float), np.asarray(sigmas, dtype=float)
    lo, hi = float(np.min(means - 12 * sigmas)), float(np.max(means + 12 * sigmas))
    fine = np.linspace(lo, hi, 400_001)
    F_fine = mixture_cdf(fine, pi, means, sigmas)
    quantiles = np.interp(np.linspace(0, 1, levels), F_fine, fine)
    t = np.unique(np.concatenate([quantiles, np.linspace(lo, hi, uniform), means,
                                  np.nextafter(means, -np.inf)]))
    return {"t": t, "F": mixture_cdf(t, pi, means, sigmas)}
