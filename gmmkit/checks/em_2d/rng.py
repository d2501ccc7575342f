"""The randomness convention of ``sample_gmm``: the same generator state gives the same sample,
another seed another sample (a constant output is not random), and numpy's global generator is
neither consulted nor changed.

How the global generator is observed: in the grader's worker, the submission's own ``np``
(the notebook's ``import numpy as np``; or ``numpy``) is called by the check's program, around
the student's call (seed it, read its state, call, read it again); inside a notebook kernel, where the check
only sees the function, the check reads the global state of its own process, which is the
student's. Two calls in one program also reveal a sampler that draws from the global generator,
in both places: the generator moves on between them.
"""
from __future__ import annotations

import numpy as np

from ..core import StudentError
from ..expect import fail
from . import inputs
from .bugs import CATALOGUE
from .graded import SAMPLE_GMM
from .sample_gmm import as_sample, describe_sample, sample_call

N = 500
SEED, OTHER_SEED = 7, 8


def _same(a, b) -> bool:
    """Two (X, labels) samples are the same, entry by entry."""
    return all(np.shape(u) == np.shape(v) and np.array_equal(np.asarray(u), np.asarray(v))
               for u, v in zip(a, b))


def _same_state(a, b) -> bool:
    """Two np.random.get_state() tuples are the same state."""
    return a[0] == b[0] and np.array_equal(np.asarray(a[1]), np.asarray(b[1])) and \
        tuple(a[2:]) == tuple(b[2:])


def _cases():
    pi, mu, cov = inputs.SAMPLE_PI, inputs.SAMPLE_MU, inputs.SAMPLE_COV
    return [
        ("the mixture of these checks", pi, mu, cov, "your points do not depend on rng at all"),
        # Tiny covariances: X is about mu[z], so only the labels can vary with the seed.
        ("a mixture with tiny covariances (so X is about mu[labels])", pi, mu, cov * 1e-18,
         "the labels do not depend on rng: draw them from it, e.g. "
         "rng.choice(K, size=n, p=pi)"),
        # One component: the labels are all 0, so only the noise can vary with the seed.
        ("a single component (every label is 0)", np.array([1.0]), mu[:1], cov[:1],
         "the noise does not depend on rng: draw it from it, e.g. rng.standard_normal((n, d))"),
    ]


def _expect_seeded(student, label, pi, mu, cov, why) -> None:
    k, d = np.shape(mu)
    what = describe_sample(N, pi, mu, cov, SEED)
    first, second = (as_sample(out, N, k, d, what) for out in student.run(
        [sample_call(N, pi, mu, cov, SEED), sample_call(N, pi, mu, cov, SEED)]))
    if not _same(first, second):
        diff = first[0] != second[0]
        where = (f"X first differs at row {int(np.argwhere(diff)[0][0])}" if diff.any()
                 else f"the labels first differ at index {int(np.argmax(first[1] != second[1]))}")
        fail(f"for {label}, two calls in a row with the same seed, "
             f"rng=np.random.default_rng({SEED}), gave different samples ({where}): with the same "
             f"generator state the samples must be identical, so your function draws from "
             f"something else as well, such as numpy's global generator",
             CATALOGUE["em_2d.sample_gmm.global_consulted"])
    (other,) = student.run([sample_call(N, pi, mu, cov, OTHER_SEED)])
    other = as_sample(other, N, k, d, describe_sample(N, pi, mu, cov, OTHER_SEED))
    if np.allclose(first[0], other[0], rtol=0, atol=1e-12) and \
            np.array_equal(first[1], other[1]):
        fail(f"for {label}, the seeds {SEED} and {OTHER_SEED} gave the same {N} points: {why} "
             f"(a sample that is the same for every generator is not random; numpy's global "
             f"generator does not count: the grader starts it from the same state in every "
             f"call)", CATALOGUE["em_2d.sample_gmm.rng_ignored"])


def _probe(student, seed, pi, mu, cov):
    """(state before, sample, state after) with the global generator seeded with ``seed``, read
    through the submission's own numpy (``np``, or ``numpy``); None when it has neither."""
    for alias in ("np", "numpy"):
        try:
            student.run([{"call": f"{alias}.random.get_state", "return": True}])
        except StudentError:
            continue
        # sample_gmm already ran with these arguments: an error now comes from the probe
        try:
            return tuple(student.run([{"call": f"{alias}.random.seed", "args": [seed]},
                                      {"call": f"{alias}.random.get_state", "return": True},
                                      sample_call(N, pi, mu, cov, SEED),
                                      {"call": f"{alias}.random.get_state", "return": True}]))
        except StudentError:
            return None
    return None


def _in_process(student, seed, pi, mu, cov):
    """The same, reading this process's global generator (a notebook kernel: the student's);
    it is put back as it was."""
    saved = np.random.get_state()
    try:
        np.random.seed(seed)
        before = np.random.get_state()
        (out,) = student.run([sample_call(N, pi, mu, cov, SEED)])
        return before, out, np.random.get_state()
    finally:
        np.random.set_state(saved)


def _expect_global_state_untouched(student) -> None:
    pi, mu, cov = inputs.SAMPLE_PI, inputs.SAMPLE_MU, inputs.SAMPLE_COV
    k, d = np.shape(mu)
    what = describe_sample(N, pi, mu, cov, SEED)
    runs = [_probe(student, s, pi, mu, cov) for s in (1, 2)]
    if runs[0] is None or runs[1] is None:
        runs = [_in_process(student, s, pi, mu, cov) for s in (1, 2)]
    samples = [as_sample(out, N, k, d, what) for _, out, _ in runs]
    if not _same(*samples):
        fail(f"{what} gave different samples when numpy's global generator was seeded with 1 "
             f"and with 2 before the call: your function consults the global generator "
             f"(np.random.*)", CATALOGUE["em_2d.sample_gmm.global_consulted"])
    for s, (before, _, after) in zip((1, 2), runs):
        if not _same_state(before, after):
            fail(f"{what} changed the state of numpy's global generator (seeded with {s} "
                 f"before the call, it was in another state after it), although the sample "
                 f"does not depend on it: your function seeds or draws from np.random.*",
                 CATALOGUE["em_2d.sample_gmm.global_changed"])


def _sample_gmm_uses_rng(student, ref) -> None:
    for label, pi, mu, cov, why in _cases():
        _expect_seeded(student, label, pi, mu, cov, why)
    _expect_global_state_untouched(student)


CHECKS = [
    SAMPLE_GMM.check("em_2d.sample_gmm.rng", "sample_gmm: randomness comes only from rng", 1,
                     _sample_gmm_uses_rng),
]
