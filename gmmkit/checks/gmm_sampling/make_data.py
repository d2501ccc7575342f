"""Judging ``make_data``: the shape, where its randomness comes from, and the distribution of
large seeded samples against the ground-truth mixture stored by the build."""
from __future__ import annotations

import numpy as np

from ..core import Graded
from ..expect import as_array, expect_finite, expect_shape, fail
from . import bugs
from .sampling import describe, judge_sample, make_data_step, sample_values
from .target import stored_target
from .values import GT_LOGITS, GT_LSIGMAS, GT_MEANS, N_LARGE, RNG_N

MAKE_DATA = Graded("make_data", timeout=30.0,
                   slow_hint="draw all N component labels at once with rng.choice(K, size=N, "
                   "p=pi) and all N noises with rng.standard_normal(N) instead of looping over "
                   "samples")
SHAPE_HINT = "return the samples as a column of shape (N, 1): x.reshape(N, 1) or x[:, None]"
GT_KEY = "make_data.gt"


def _make_data_shape(student, ref) -> None:
    for n, seed in [(1000, 0), (3, 1)]:
        what = describe(n, GT_LOGITS, GT_MEANS, GT_LSIGMAS, seed)
        (value,) = student.run([make_data_step(n, GT_LOGITS, GT_MEANS, GT_LSIGMAS, seed,
                                               **{"return": True})])
        if isinstance(value, tuple):
            fail(f"{what} returned a tuple of {len(value)} items, expected only the samples x "
                 f"of shape ({n}, 1)", "return x alone; keep z inside the function")
        x = as_array(value, what)
        expect_shape(x, (n, 1), what, SHAPE_HINT)
        expect_finite(x, what, "check the noise scale exp(lsigmas[z]) and the indexing by z")


# (label, logits, means, lsigmas, what it means when seeds 7 and 8 give the same samples)
RNG_CASES = [
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


def _make_data_uses_rng(student, ref) -> None:
    """Same seed, same samples; another seed, other samples; numpy's global generator never
    consulted. Judged on the cases where the output varies: one value repeated N times is no
    sample of these mixtures (the distribution checks say what is wrong with it), and an output
    that never varies earns no credit for drawing from rng."""
    n = RNG_N
    constant = []
    for label, logits, means, lsigmas, why in RNG_CASES:
        # Both calls with seed 7 in one program (one process in the grader): a function that
        # consults numpy's global generator, or makes an unseeded one, gives two samples.
        a, b, c = student.run([make_data_step(n, logits, means, lsigmas, 7, **{"return": True}),
                               make_data_step(n, logits, means, lsigmas, 7, **{"return": True}),
                               make_data_step(n, logits, means, lsigmas, 8, **{"return": True})])
        what = describe(n, logits, means, lsigmas, 7)
        a = sample_values(a, n, what)
        if np.ptp(a) == 0:
            constant.append(f"{label}: {a[0]:.6g}")
            continue
        b = sample_values(b, n, what)
        if not np.array_equal(a, b):
            i = int(np.argmax(a != b))
            fail(f"for {label}, two calls with the same seed, rng=np.random.default_rng(7), gave "
                 f"different samples (first at index {i}: {a[i]:.6g} then {b[i]:.6g}): your "
                 "function consults numpy's global generator (np.random.*) or makes an "
                 "unseeded generator of its own; with the same generator state the samples "
                 "must be identical", bugs.RNG_GLOBAL)
        c = sample_values(c, n, describe(n, logits, means, lsigmas, 8))
        if np.allclose(a, c, rtol=0, atol=1e-6):
            fail(f"for {label}, the seeds 7 and 8 gave the same {n} samples: {why}",
                 bugs.RNG_IGNORED)
    if len(constant) == len(RNG_CASES):
        fail(f"make_data returned the same value for all {n} samples of every mixture ("
             + "; ".join(constant) + "): that is no sample of these mixtures, whose samples "
             "differ from draw to draw, so this check cannot credit it with drawing from rng",
             bugs.RNG_CONSTANT)


def _make_data_moments(student, ref) -> None:
    judge_sample(student, N_LARGE, GT_LOGITS, GT_MEANS, GT_LSIGMAS, 0, stored_target(GT_KEY),
                 moments=True, ks=False)


def _make_data_distribution(student, ref) -> None:
    judge_sample(student, N_LARGE, GT_LOGITS, GT_MEANS, GT_LSIGMAS, 1, stored_target(GT_KEY),
                 moments=False, ks=True)


CHECKS = [
    MAKE_DATA.check("gmm_sampling.make_data.shape", "make_data: returns x of shape (N, 1)", 1,
                    _make_data_shape),
    MAKE_DATA.check("gmm_sampling.make_data.rng", "make_data: randomness comes only from rng", 1,
                    _make_data_uses_rng),
    MAKE_DATA.check("gmm_sampling.make_data.moments", "make_data: mean and variance of 200,000 "
                    "samples match the mixture's", 1, _make_data_moments),
    MAKE_DATA.check("gmm_sampling.make_data.distribution", "make_data: 200,000 samples follow "
                    "the mixture (Kolmogorov-Smirnov test)", 1, _make_data_distribution),
]
