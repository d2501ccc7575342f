"""Public checks of ``gmm_sampling``: ``softmax`` and ``make_data``.

Public checks never see the reference solution: ``softmax`` is judged against
``scipy.special.softmax`` and known values, ``make_data`` by the distribution of large seeded
samples (exact mixture moments, a Kolmogorov-Smirnov test against the mixture's CDF) and by how its
output depends on the ``rng`` it is given. The sample helpers below are shared with the hidden
checks (``autograder/gmm_sampling/hidden_checks.py``).
"""
from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import softmax as _scipy_softmax

from ..wire.protocol import Rng
from .core import Check
from .expect import as_array, expect_close, expect_finite, expect_shape, fail

# The assignment's ground truth (stated in the notebook, so public knowledge).
GT_LOGITS = np.log([1 / 4, 1 / 4, 1 / 6, 1 / 6, 1 / 6])
GT_MEANS = np.array([1.0, -0.5, -2, .5, 3])
GT_LSIGMAS = np.log([.5, 1.0, .2, .1, .5])

N_LARGE = 200_000          # samples for judging a distribution
P_MIN = 1e-6               # a correct sampler fails the KS test with this probability
Z_MAX = 7.0                # standard errors allowed for the sample mean and variance

SAMPLING_TIMEOUT = 30.0
SAMPLING_SLOW_HINT = ("draw all N component labels at once with rng.choice(K, size=N, p=pi) and "
                      "all N noises with rng.standard_normal(N) instead of looping over samples")
SAMPLING_RECIPE = ("draw z_i from Categorical(softmax(logits)), then x_i = means[z_i] + "
                   "exp(lsigmas[z_i]) * eps_i with a fresh eps_i ~ N(0, 1) for every sample")
SOFTMAX_FORMULA = "pi_k = exp(logits_k) / sum_j exp(logits_j)"
STABLE_HINT = ("exp(1000) overflows to inf and exp(-1000) underflows to 0, so the ratio becomes "
               "inf/inf or 0/0 = nan: subtract the largest logit first, softmax(l) = "
               "softmax(l - max(l)), so the largest exponent is exp(0) = 1")


# --------------------------------------------------------------------------------------------
# Helpers shared with the hidden checks
# --------------------------------------------------------------------------------------------
def mixture_cdf(x, pi, means, sigmas) -> np.ndarray:
    """The CDF of the 1-D mixture at the points ``x`` (any shape)."""
    x = np.asarray(x, dtype=float)
    sigmas = np.asarray(sigmas, dtype=float)
    d = x[..., None] - np.asarray(means, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # A zero sigma (a bug hypothesis in ``diagnose``) is a point mass at the mean.
        cdf = np.where(sigmas > 0, stats.norm.cdf(d / np.where(sigmas > 0, sigmas, 1.0)),
                       (d >= 0).astype(float))
    return (np.asarray(pi, dtype=float) * cdf).sum(-1)


def mixture_moments(pi, means, sigmas) -> tuple[float, float, float]:
    """Exact mean, variance and fourth central moment of the 1-D mixture."""
    pi, mu, s2 = (np.asarray(a, dtype=float) for a in (pi, means, np.square(sigmas)))
    mean = float(pi @ mu)
    d = mu - mean
    var = float(pi @ (s2 + d ** 2))
    m4 = float(pi @ (d ** 4 + 6 * d ** 2 * s2 + 3 * s2 ** 2))
    return mean, var, m4


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


def _ks(x: np.ndarray, pi, means, sigmas):
    res = stats.kstest(x, lambda t: mixture_cdf(t, pi, means, sigmas))
    return float(res.statistic), float(res.pvalue), float(res.statistic_location)


def _cdf_distance(x: np.ndarray, pi, means, sigmas) -> float:
    """The largest gap between the empirical CDF and the mixture's on a grid of sample quantiles
    (a lower bound of the KS distance that stays meaningful for point masses)."""
    xs = np.sort(x)
    t = np.unique(np.concatenate([np.quantile(xs, np.linspace(0, 1, 1001)),
                                  np.asarray(means, dtype=float)]))
    ecdf = np.searchsorted(xs, t, side="right") / len(xs)
    return float(np.max(np.abs(ecdf - mixture_cdf(t, pi, means, sigmas))))


def diagnose(x: np.ndarray, pi, means, sigmas) -> str:
    """A hint naming the classic bug whose distribution the sample fits, or the recipe."""
    pi, means, sigmas = (np.asarray(a, dtype=float) for a in (pi, means, sigmas))
    k = len(pi)
    if len(np.unique(x)) <= k:
        return ("your samples take at most K distinct values, the means: add the Gaussian noise "
                "exp(lsigmas[z]) * eps with eps ~ N(0, 1) drawn for every sample")
    lsig = np.log(sigmas)
    alternatives = [
        (pi, np.exp(2 * lsig),
         "the noise looks scaled by sigma**2 (the variance): multiply eps by exp(lsigmas[z]), "
         "the standard deviation"),
        (pi, np.exp(lsig / 2),
         "the noise looks scaled by exp(lsigmas / 2), as if lsigmas were log-variances: "
         "lsigmas is log sigma, so multiply eps by exp(lsigmas[z])"),
        (pi, np.abs(lsig),
         "the noise looks scaled by lsigmas itself: exponentiate it, sigma = exp(lsigmas)"),
        (pi, np.ones(k),
         "the noise looks like N(0, 1) in every component: multiply eps by exp(lsigmas[z])"),
        (np.full(k, 1 / k), sigmas,
         "the components look equally likely: the weights were ignored; draw z with "
         "probabilities pi = softmax(logits), e.g. rng.choice(K, size=N, p=pi)"),
    ]
    d_true = _cdf_distance(x, pi, means, sigmas)
    best, best_d = None, np.inf
    for alt_pi, alt_sigmas, hint in alternatives:
        if np.allclose(alt_pi, pi, atol=1e-3) and np.allclose(alt_sigmas, sigmas, rtol=1e-3):
            continue  # this "bug" is the truth for these parameters
        d_alt = _cdf_distance(x, alt_pi, means, alt_sigmas)
        if d_alt < best_d:
            best, best_d = hint, d_alt
    if best is not None and best_d < max(3 / np.sqrt(len(x)), d_true / 4):
        return best
    return SAMPLING_RECIPE


def expect_mixture_moments(x: np.ndarray, pi, means, sigmas, what: str) -> None:
    """The sample mean and variance agree with the mixture's within ``Z_MAX`` standard errors."""
    n = len(x)
    mean, var, m4 = mixture_moments(pi, means, sigmas)
    got_mean, got_var = float(x.mean()), float(x.var())
    se_mean, se_var = np.sqrt(var / n), np.sqrt(max(m4 - var ** 2, 1e-300) / n)
    for label, got, exact, se, formula in [
            ("mean", got_mean, mean, se_mean, "sum_k pi_k mu_k"),
            ("variance", got_var, var, se_var,
             "sum_k pi_k (sigma_k**2 + mu_k**2) - mean**2")]:
        if not abs(got - exact) <= Z_MAX * se:
            fail(f"the {label} of the {n} samples of {what} is {got:.5g}, but the mixture's "
                 f"{label} ({formula}) is {exact:.5g}: {abs(got - exact) / se:.1f} standard "
                 f"errors away (allowed: {Z_MAX:g})", diagnose(x, pi, means, sigmas),
                 figure=sample_figure(x, pi, means, sigmas, what))


def expect_mixture_distribution(x: np.ndarray, pi, means, sigmas, what: str) -> None:
    """A Kolmogorov-Smirnov test of the sample against the mixture's CDF (any sample order)."""
    d, p, loc = _ks(x, pi, means, sigmas)
    if not p > P_MIN:
        frac = float(np.mean(x <= loc))
        cdf = float(mixture_cdf(loc, pi, means, sigmas))
        fail(f"the {len(x)} samples of {what} do not follow the mixture: a Kolmogorov-Smirnov "
             f"test gives distance D = {d:.4f} between their empirical CDF and the mixture's "
             f"CDF (p = {p:.2g}), where a correct sampler is expected to give D of about "
             f"{1 / np.sqrt(len(x)):.4f} (allowed: p > {P_MIN:g}). The largest gap is at "
             f"x = {loc:.4g}: the mixture puts {cdf:.2%} of its mass at or below it, your "
             f"samples {frac:.2%}",
             diagnose(x, pi, means, sigmas), figure=sample_figure(x, pi, means, sigmas, what))


def sample_figure(x: np.ndarray, pi, means, sigmas, what: str):
    """The histogram of the student's samples over the mixture density they should follow."""
    from scipy.stats import norm
    from .figures import density
    lo = float(np.min(np.asarray(means) - 4 * np.asarray(sigmas)))
    hi = float(np.max(np.asarray(means) + 4 * np.asarray(sigmas)))
    grid = np.linspace(lo, hi, 400)
    pdf = (np.asarray(pi) * norm.pdf(grid[:, None], means, sigmas)).sum(axis=1)
    inside = x[(x >= lo) & (x <= hi)]
    return density(grid, None, pdf, samples=inside,
                   title="your samples (histogram) vs the mixture density they should follow")


def describe(n, logits, means, lsigmas, seed) -> str:
    def fmt(a):
        return np.array2string(np.asarray(a, dtype=float), precision=3, separator=", ",
                               threshold=12, edgeitems=3)
    return (f"make_data({n}, logits={fmt(logits)}, means={fmt(means)}, lsigmas={fmt(lsigmas)}, "
            f"rng=np.random.default_rng({seed}))")


def call_make_data(student, n, logits, means, lsigmas, seed):
    return student.call("make_data", n, np.asarray(logits, dtype=float),
                        np.asarray(means, dtype=float), np.asarray(lsigmas, dtype=float), Rng(seed))


def judge_sample(student, n, logits, means, lsigmas, seed, pi, moments=True, ks=True) -> None:
    """Draw a large seeded sample from the student's ``make_data`` and judge its distribution."""
    what = describe(n, logits, means, lsigmas, seed)
    x = sample_values(call_make_data(student, n, logits, means, lsigmas, seed), n, what)
    sigmas = np.exp(np.asarray(lsigmas, dtype=float))
    if moments:
        expect_mixture_moments(x, pi, means, sigmas, what)
    if ks:
        expect_mixture_distribution(x, pi, means, sigmas, what)


def softmax_hint(logits, out) -> str:
    """Name the classic softmax bug that ``out`` matches, or give the formula."""
    logits = np.asarray(logits, dtype=float)
    out = np.asarray(out, dtype=float).reshape(-1)
    if out.shape == logits.shape:
        with np.errstate(all="ignore"):
            wrong = [(np.exp(logits - logits.max()), "the exponentials are not normalised: "
                      "divide them by their sum"),
                     (np.exp(logits), "the exponentials are not normalised: divide them by "
                      "their sum"),
                     (_scipy_softmax(-logits), "this is softmax(-logits): use exp(+logits)"),
                     (logits / logits.sum(), "the logits were normalised without exponentiating "
                      "them"),
                     (np.exp(logits) / logits.sum(), "divide by the sum of the exponentials, "
                      "not of the logits")]
        for value, hint in wrong:
            if np.all(np.isfinite(value)) and np.allclose(out, value, rtol=1e-4, atol=1e-7):
                return f"{hint}; {SOFTMAX_FORMULA}"
    return SOFTMAX_FORMULA


def _fmt(a) -> str:
    return np.array2string(np.asarray(a, dtype=float), precision=4, separator=", ",
                           threshold=12, edgeitems=3)


def expect_softmax(student, logits, expected, rtol=1e-5, atol=1e-6) -> None:
    """Call the student's softmax on ``logits`` and compare with ``expected`` values."""
    logits = np.asarray(logits, dtype=float)
    what = f"softmax({_fmt(logits)})"
    out = as_array(student.call("softmax", logits), what)
    expect_shape(out, logits.shape, what, "return one weight per logit, shape (K,)")
    expect_finite(out, what, STABLE_HINT)
    expect_close(out, expected, what, rtol=rtol, atol=atol, hint=softmax_hint(logits, out))


# --------------------------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------------------------
PMF_LOGITS = [np.array([-3.2, 4.1, 0.0, 2.2, -1.0, 0.3, 5.0]), np.array([1.0, 2.0, 3.0, 0.5]),
              np.array([0.0, 0.0])]


def _softmax_is_pmf(student, ref) -> None:
    for logits in PMF_LOGITS:
        what = f"softmax({_fmt(logits)})"
        out = as_array(student.call("softmax", logits), what)
        expect_shape(out, logits.shape, what,
                     "softmax returns one weight per logit, shape (K,), like its input")
        expect_finite(out, what, "these logits are small, so exp cannot overflow here: look "
                      f"for a division by zero; {SOFTMAX_FORMULA}")
        if (out < 0).any():
            i = int(np.argmax(out < 0))
            fail(f"{what} has a negative weight at index {i}: {out[i]:.6g}; mixture weights "
                 f"are probabilities", softmax_hint(logits, out))
        total = float(out.sum())
        if abs(total - 1) > 1e-6:
            fail(f"the weights of {what} sum to {total:.6g}, not 1: {_fmt(out)}",
                 softmax_hint(logits, out))


def _softmax_known_values(student, ref) -> None:
    # The ground truth logits are log-probabilities: softmax gives the probabilities back.
    expect_softmax(student, GT_LOGITS, [1 / 4, 1 / 4, 1 / 6, 1 / 6, 1 / 6])
    for logits in PMF_LOGITS[:2]:
        expect_softmax(student, logits, _scipy_softmax(logits))
    # Logits are defined up to an additive constant.
    base = np.array([0.3, -1.2, 2.0])
    expect_softmax(student, base + 50.0, _scipy_softmax(base))


def _softmax_stable(student, ref) -> None:
    expect_softmax(student, [1000.0, 1000.0, 0.0], [0.5, 0.5, 0.0], atol=1e-9)
    expect_softmax(student, [-1000.0, -1000.0], [0.5, 0.5], atol=1e-9)
    expect_softmax(student, [1000.0, -1000.0, 999.0],
                   _scipy_softmax([1000.0, -1000.0, 999.0]), atol=1e-9)


# --------------------------------------------------------------------------------------------
# make_data
# --------------------------------------------------------------------------------------------
SHAPE_HINT = "return the samples as a column of shape (N, 1): x.reshape(N, 1) or x[:, None]"


def _make_data_shape(student, ref) -> None:
    for n, seed in [(1000, 0), (3, 1)]:
        what = describe(n, GT_LOGITS, GT_MEANS, GT_LSIGMAS, seed)
        value = call_make_data(student, n, GT_LOGITS, GT_MEANS, GT_LSIGMAS, seed)
        if isinstance(value, tuple):
            fail(f"{what} returned a tuple of {len(value)} items, expected only the samples x "
                 f"of shape ({n}, 1)", "return x alone; keep z inside the function")
        x = as_array(value, what)
        expect_shape(x, (n, 1), what, SHAPE_HINT)
        expect_finite(x, what, "check the noise scale exp(lsigmas[z]) and the indexing by z")


RNG_HINT = ("draw every random number from the rng argument (rng.choice, rng.multinomial, "
            "rng.standard_normal, rng.normal), never from np.random.* (numpy's global generator) "
            "or a new np.random.default_rng() made inside the function")


def _make_data_uses_rng(student, ref) -> None:
    n = 2000
    cases = [
        ("the ground truth mixture", GT_LOGITS, GT_MEANS, GT_LSIGMAS,
         "your samples do not depend on rng at all"),
        # sigma = 2e-9: x is means[z], so only the component labels can vary with the seed.
        ("a mixture with tiny sigmas (so x is about means[z])", GT_LOGITS, GT_MEANS,
         np.full(5, -20.0),
         "the component labels z do not depend on rng: draw them from it, e.g. "
         "rng.choice(K, size=N, p=pi)"),
        # One component: z is always 0, so only the noise can vary with the seed.
        ("a single component (z is always 0)", np.array([0.0]), np.array([2.0]),
         np.array([np.log(0.5)]),
         "the noise eps does not depend on rng: draw it from it, e.g. rng.standard_normal(N)"),
    ]
    for label, logits, means, lsigmas, why in cases:
        a = sample_values(call_make_data(student, n, logits, means, lsigmas, 7), n,
                          describe(n, logits, means, lsigmas, 7))
        b = sample_values(call_make_data(student, n, logits, means, lsigmas, 7), n,
                          describe(n, logits, means, lsigmas, 7))
        if not np.array_equal(a, b):
            fail(f"for {label}, two calls with the same seed, rng=np.random.default_rng(7), gave "
                 f"different samples (first at index {int(np.argmax(a != b))}: {a[a != b][0]:.6g} "
                 f"then {b[a != b][0]:.6g}); with the same generator state the samples must be "
                 f"identical", RNG_HINT)
        if np.ptp(a) == 0:
            continue  # samples without any spread: the distribution checks say what is wrong
        c = sample_values(call_make_data(student, n, logits, means, lsigmas, 8), n,
                          describe(n, logits, means, lsigmas, 8))
        if np.allclose(a, c, rtol=0, atol=1e-6):
            fail(f"for {label}, the seeds 7 and 8 gave the same {n} samples: {why}",
                 RNG_HINT + " (the grader starts numpy's global generator from the same state "
                 "in every call)")


def _make_data_moments(student, ref) -> None:
    judge_sample(student, N_LARGE, GT_LOGITS, GT_MEANS, GT_LSIGMAS, 0,
                 _scipy_softmax(GT_LOGITS), moments=True, ks=False)


def _make_data_distribution(student, ref) -> None:
    judge_sample(student, N_LARGE, GT_LOGITS, GT_MEANS, GT_LSIGMAS, 1,
                 _scipy_softmax(GT_LOGITS), moments=False, ks=True)


CHECKS = [
    Check(name="softmax: returns a pmf of shape (K,)", function="softmax", points=1,
          judge=_softmax_is_pmf),
    Check(name="softmax: known values, equal to scipy.special.softmax", function="softmax",
          points=1, judge=_softmax_known_values),
    Check(name="softmax: stable for logits of ±1000", function="softmax", points=1,
          judge=_softmax_stable),
    Check(name="make_data: returns x of shape (N, 1)", function="make_data", points=1,
          judge=_make_data_shape, timeout=SAMPLING_TIMEOUT, slow_hint=SAMPLING_SLOW_HINT),
    Check(name="make_data: randomness comes only from rng", function="make_data", points=1,
          judge=_make_data_uses_rng, timeout=SAMPLING_TIMEOUT, slow_hint=SAMPLING_SLOW_HINT),
    Check(name="make_data: mean and variance of 200,000 samples match the mixture's",
          function="make_data", points=1, judge=_make_data_moments,
          timeout=SAMPLING_TIMEOUT, slow_hint=SAMPLING_SLOW_HINT),
    Check(name="make_data: 200,000 samples follow the mixture (Kolmogorov-Smirnov test)",
          function="make_data", points=1, judge=_make_data_distribution,
          timeout=SAMPLING_TIMEOUT, slow_hint=SAMPLING_SLOW_HINT),
]
