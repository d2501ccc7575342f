"""Judging a large seeded sample of ``make_data`` against a :class:`~.target.Target`: its
moments, a Kolmogorov-Smirnov test, and the classic bug whose distribution it fits."""
from __future__ import annotations

import numpy as np
from scipy import stats

from ...wire.protocol import Rng
from .. import figures
from ..expect import as_array, expect_finite, fail
from . import bugs
from .target import Target
from .values import P_MIN, Z_MAX

SAMPLING_RECIPE = ("draw z_i from Categorical(softmax(logits)), then x_i = means[z_i] + "
                   "exp(lsigmas[z_i]) * eps_i with a fresh eps_i ~ N(0, 1) for every sample")


def describe(n, logits, means, lsigmas, seed) -> str:
    def fmt(a):
        return np.array2string(np.asarray(a, dtype=float), precision=3, separator=", ",
                               threshold=12, edgeitems=3)
    return (f"make_data({n}, logits={fmt(logits)}, means={fmt(means)}, lsigmas={fmt(lsigmas)}, "
            f"rng=np.random.default_rng({seed}))")


def make_data_step(n, logits, means, lsigmas, seed, **extra) -> dict:
    """One call of the student's make_data in a program for ``student.run``."""
    return {"call": "make_data", "args": [n, np.asarray(logits, dtype=float),
                                          np.asarray(means, dtype=float),
                                          np.asarray(lsigmas, dtype=float), Rng(seed)],
            "kwargs": {}, **extra}


def call_make_data(student, n, logits, means, lsigmas, seed):
    (value,) = student.run([make_data_step(n, logits, means, lsigmas, seed, **{"return": True})])
    return value


def sample_values(value, n: int, what: str) -> np.ndarray:
    """The ``n`` samples ``make_data`` returned, as a flat float array.

    The layout is judged by the shape check alone: (n, 1), (n,) or (1, n) are all accepted here,
    so that a wrong shape costs only that check's points.
    """
    if isinstance(value, tuple):
        fail(f"{what} returned a tuple of {len(value)} items, expected only the samples x of "
             f"shape ({n}, 1)", "return x alone; keep z inside the function")
    x = as_array(value, what)
    if x.size != n:
        fail(f"{what} returned {x.size} values (shape {x.shape}), expected {n}: one per sample, "
             f"shape ({n}, 1)", "draw N samples in total, not N per component")
    x = x.reshape(-1)
    expect_finite(x, what, "check the noise scale exp(lsigmas[z]) and the indexing by z")
    return x


def _cdf_distance(x: np.ndarray, cdf, means) -> float:
    """The largest gap between the empirical CDF and ``cdf`` on a grid of sample quantiles
    (a lower bound of the KS distance that stays meaningful for point masses)."""
    xs = np.sort(x)
    t = np.unique(np.concatenate([np.quantile(xs, np.linspace(0, 1, 1001)),
                                  np.asarray(means, dtype=float)]))
    ecdf = np.searchsorted(xs, t, side="right") / len(xs)
    return float(np.max(np.abs(ecdf - cdf(t))))


def diagnose(x: np.ndarray, target: Target):
    """The classic bug whose distribution the sample fits (a Bug), or the recipe."""
    if len(np.unique(x)) <= target.k:
        return bugs.SAMPLE_NO_NOISE
    d_true = _cdf_distance(x, target.cdf, target.means)
    best, best_d = None, np.inf
    for bug, cdf in target.alternatives:
        d_alt = _cdf_distance(x, cdf, target.means)
        if d_alt < best_d:
            best, best_d = bug, d_alt
    if best is not None and best_d < max(3 / np.sqrt(len(x)), d_true / 4):
        return best
    return SAMPLING_RECIPE


def sample_figure(x: np.ndarray, target: Target, what: str):
    """The histogram of the student's samples over the mixture density they should follow."""
    lo, hi = float(target.grid[0]), float(target.grid[-1])
    inside = x[(x >= lo) & (x <= hi)]
    return figures.density(target.grid, None, target.pdf, samples=inside,
                           title="your samples (histogram) vs the mixture density they should "
                                 "follow")


def expect_mixture_moments(x: np.ndarray, target: Target, what: str) -> None:
    """The sample mean and variance agree with the mixture's within ``Z_MAX`` standard errors."""
    n = len(x)
    got_mean, got_var = float(x.mean()), float(x.var())
    se_mean = np.sqrt(target.var / n)
    se_var = np.sqrt(max(target.m4 - target.var ** 2, 1e-300) / n)
    for label, got, exact, se, formula in [
            ("mean", got_mean, target.mean, se_mean, "sum_k pi_k mu_k"),
            ("variance", got_var, target.var, se_var,
             "sum_k pi_k (sigma_k**2 + mu_k**2) - mean**2")]:
        if not abs(got - exact) <= Z_MAX * se:
            fail(f"the {label} of the {n} samples of {what} is {got:.5g}, but the mixture's "
                 f"{label} ({formula}) is {exact:.5g}: {abs(got - exact) / se:.1f} standard "
                 f"errors away (allowed: {Z_MAX:g})", diagnose(x, target),
                 figure=sample_figure(x, target, what))


def expect_mixture_distribution(x: np.ndarray, target: Target, what: str) -> None:
    """A Kolmogorov-Smirnov test of the sample against the mixture's CDF (any sample order)."""
    res = stats.kstest(x, target.cdf)
    d, p, loc = float(res.statistic), float(res.pvalue), float(res.statistic_location)
    if not p > P_MIN:
        frac = float(np.mean(x <= loc))
        cdf = float(target.cdf(np.array([loc]))[0])
        fail(f"the {len(x)} samples of {what} do not follow the mixture: a Kolmogorov-Smirnov "
             f"test gives distance D = {d:.4f} between their empirical CDF and the mixture's "
             f"CDF (p = {p:.2g}), where a correct sampler is expected to give D of about "
             f"{1 / np.sqrt(len(x)):.4f} (allowed: p > {P_MIN:g}). The largest gap is at "
             f"x = {loc:.4g}: the mixture puts {cdf:.2%} of its mass at or below it, your "
             f"samples {frac:.2%}", diagnose(x, target),
             figure=sample_figure(x, target, what))


def judge_sample(student, n, logits, means, lsigmas, seed, target: Target, moments=True,
                 ks=True) -> None:
    """Draw a large seeded sample from the student's ``make_data`` and judge its distribution."""
    what = describe(n, logits, means, lsigmas, seed)
    x = sample_values(call_make_data(student, n, logits, means, lsigmas, seed), n, what)
    if moments:
        expect_mixture_moments(x, target, what)
    if ks:
        expect_mixture_distribution(x, target, what)
