"""Hidden checks of ``gmm_sampling`` (shown after the due date).

Their judges receive ``ref``, the reference solution ``solutions/gmm_sampling.py``: ``softmax`` is
compared with ``ref.softmax`` on seeded random and extreme logits; ``make_data`` is judged on
mixtures the public checks do not use (unnormalised logits, K = 1, 2, 3, 8, a dominant
component, N = 1), its samples tested against the exact mixture with weights ``ref.softmax``.
"""
from pathlib import Path

import numpy as np

from gmmkit.checks import load_module
from gmmkit.checks.core import AFTER_DUE
from gmmkit.checks.expect import as_array, expect_finite, expect_shape, fail
from gmmkit.checks.gmm_sampling import (GT_LOGITS, GT_LSIGMAS, GT_MEANS, MAKE_DATA, SHAPE_HINT,
                                        SOFTMAX, call_make_data, describe, expect_softmax,
                                        judge_sample)

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_gmm_sampling")


def _target(ref, logits, lsigmas, means):
    """The exact mixture with weights ref.softmax(logits), and its classic bugs' mixtures."""
    return V.target(ref.softmax(logits), means, np.exp(np.asarray(lsigmas, dtype=float)))


# --------------------------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------------------------
def _softmax_random(student, ref):
    rng = np.random.default_rng(2024)
    for k in (1, 2, 3, 10, 100):
        for scale in (1.0, 30.0, 300.0):
            logits = scale * rng.standard_normal(k) + rng.uniform(-50, 50)
            expect_softmax(student, logits, ref.softmax(logits), V.softmax_bugs(logits),
                           rtol=1e-4, atol=1e-7)


def _softmax_edge_cases(student, ref):
    for logits in ([5.0], [7.0, 7.0, 7.0, 7.0], [-1000.0, -1000.0, -1000.0],
                   [710.0, 0.0], [1000.0, 999.0, -1000.0, 0.0], [-1e4, -1e4 + 1.0, -1e4 - 2.0]):
        logits = np.array(logits)
        expect_softmax(student, logits, ref.softmax(logits), V.softmax_bugs(logits),
                       rtol=1e-4, atol=1e-9)


# --------------------------------------------------------------------------------------------
# make_data
# --------------------------------------------------------------------------------------------
def _random_mixture(rng, k):
    logits = rng.standard_normal(k) + 3.0              # not log-probabilities
    means = rng.uniform(-5, 5, size=k)
    lsigmas = rng.uniform(np.log(0.1), np.log(2.0), size=k)
    return logits, means, lsigmas


def _make_data_other_mixtures(student, ref):
    rng = np.random.default_rng(31337)
    mixtures = [(np.array([0.0, np.log(3.0)]), np.array([-1.0, 1.0]), np.array([0.0, np.log(0.3)])),
                _random_mixture(rng, 3), _random_mixture(rng, 8)]
    for seed, (logits, means, lsigmas) in enumerate(mixtures, start=11):
        judge_sample(student, 100_000, logits, means, lsigmas, seed,
                     _target(ref, logits, lsigmas, means))


def _make_data_edge_cases(student, ref):
    for n, seed in [(1, 21), (5, 22)]:
        what = describe(n, GT_LOGITS, GT_MEANS, GT_LSIGMAS, seed)
        value = call_make_data(student, n, GT_LOGITS, GT_MEANS, GT_LSIGMAS, seed)
        if isinstance(value, tuple):
            fail(f"{what} returned a tuple, expected only the samples x of shape ({n}, 1)",
                 "return x alone")
        x = as_array(value, what)
        expect_shape(x, (n, 1), what, SHAPE_HINT)
        expect_finite(x, what)
    # One component: x ~ N(2, 0.3**2).
    logits, means, lsigmas = np.array([0.0]), np.array([2.0]), np.array([np.log(0.3)])
    judge_sample(student, 50_000, logits, means, lsigmas, 23, _target(ref, logits, lsigmas, means))
    # One dominant component (weight 1 - 4e-18): every sample comes from it.
    logits, means, lsigmas = np.array([40.0, 0.0, 0.0]), np.array([5.0, -5.0, -5.0]), np.log([0.5] * 3)
    judge_sample(student, 50_000, logits, means, lsigmas, 24, _target(ref, logits, lsigmas, means))


CHECKS = [
    SOFTMAX.check("gmm_sampling.softmax.reference", "softmax: agrees with the reference on "
                  "seeded random logits (K = 1 to 100)", 0.5, _softmax_random, AFTER_DUE),
    SOFTMAX.check("gmm_sampling.softmax.edge_cases", "softmax: edge cases (one logit, equal "
                  "logits, ±1000, 710, -1e4)", 0.5, _softmax_edge_cases, AFTER_DUE),
    MAKE_DATA.check("gmm_sampling.make_data.other_mixtures", "make_data: other mixtures (K = 2, "
                    "3, 8, unnormalised logits) follow the right distribution", 1,
                    _make_data_other_mixtures, AFTER_DUE),
    MAKE_DATA.check("gmm_sampling.make_data.edge_cases", "make_data: edge cases (N = 1, one "
                    "component, one dominant component)", 1, _make_data_edge_cases, AFTER_DUE),
]
