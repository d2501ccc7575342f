"""Hidden checks of ``gmm_sampling`` (shown after the due date).

Their judges receive ``ref``, the reference solution ``solutions/gmm_sampling.py``: ``softmax`` is
compared with ``ref.softmax`` on seeded random and extreme logits; ``make_data`` is judged on
mixtures the public checks do not use (unnormalised logits, K = 1, 2, 3, 8, a dominant
component, N = 1), its samples tested against the exact mixture with weights ``ref.softmax``.
"""
import numpy as np

from gmmkit.checks.core import AFTER_DUE, Check
from gmmkit.checks.expect import as_array, expect_finite, expect_shape, fail
from gmmkit.checks.gmm_sampling import (GT_LOGITS, GT_LSIGMAS, GT_MEANS, SAMPLING_SLOW_HINT,
                                        SAMPLING_TIMEOUT, SHAPE_HINT, call_make_data, describe,
                                        expect_softmax, judge_sample)


# --------------------------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------------------------
def _softmax_random(student, ref):
    rng = np.random.default_rng(2024)
    for k in (1, 2, 3, 10, 100):
        for scale in (1.0, 30.0, 300.0):
            logits = scale * rng.standard_normal(k) + rng.uniform(-50, 50)
            expect_softmax(student, logits, ref.softmax(logits), rtol=1e-4, atol=1e-7)


def _softmax_edge_cases(student, ref):
    for logits in ([5.0], [7.0, 7.0, 7.0, 7.0], [-1000.0, -1000.0, -1000.0],
                   [710.0, 0.0], [1000.0, 999.0, -1000.0, 0.0], [-1e4, -1e4 + 1.0, -1e4 - 2.0]):
        logits = np.array(logits)
        expect_softmax(student, logits, ref.softmax(logits), rtol=1e-4, atol=1e-9)


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
        judge_sample(student, 100_000, logits, means, lsigmas, seed, ref.softmax(logits))


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
    judge_sample(student, 50_000, logits, means, lsigmas, 23, ref.softmax(logits))
    # One dominant component (weight 1 - 4e-18): every sample comes from it.
    logits, means, lsigmas = np.array([40.0, 0.0, 0.0]), np.array([5.0, -5.0, -5.0]), np.log([0.5] * 3)
    judge_sample(student, 50_000, logits, means, lsigmas, 24, ref.softmax(logits))


_SAMPLING = dict(timeout=SAMPLING_TIMEOUT, slow_hint=SAMPLING_SLOW_HINT, visibility=AFTER_DUE)

CHECKS = [
    Check(name="softmax: agrees with the reference on seeded random logits (K = 1 to 100)",
          function="softmax", points=0.5, judge=_softmax_random, visibility=AFTER_DUE),
    Check(name="softmax: edge cases (one logit, equal logits, ±1000, 710, -1e4)",
          function="softmax", points=0.5, judge=_softmax_edge_cases, visibility=AFTER_DUE),
    Check(name="make_data: other mixtures (K = 2, 3, 8, unnormalised logits) follow the "
               "right distribution", function="make_data", points=1,
          judge=_make_data_other_mixtures, **_SAMPLING),
    Check(name="make_data: edge cases (N = 1, one component, one dominant component)",
          function="make_data", points=1, judge=_make_data_edge_cases, **_SAMPLING),
]
