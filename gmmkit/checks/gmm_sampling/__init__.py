"""Public checks of ``gmm_sampling``: ``softmax`` and ``make_data``.

``softmax`` is judged by properties, known values and the reference's values on the checks' own
logits, stored by the build; ``make_data`` by the distribution of large seeded samples (exact
mixture moments and a Kolmogorov-Smirnov test against the ground truth's CDF, both stored by the
build) and by how its output depends on the ``rng`` it is given. The package holds no softmax,
sampler, mixture density or CDF; the classic bugs are diagnosed from their stored values.

The names in ``__all__`` are the API of the hidden checks (``autograder/gmm_sampling/``), which
build their targets from the exact mixture on the trusted side.
"""
from __future__ import annotations

from . import bugs
from .make_data import CHECKS as _MAKE_DATA_CHECKS, MAKE_DATA, SHAPE_HINT
from .sampling import call_make_data, describe, judge_sample
from .softmax import CHECKS as _SOFTMAX_CHECKS, SOFTMAX, expect_softmax
from .target import Target
from .values import GT_LOGITS, GT_LSIGMAS, GT_MEANS

CHECKS = _SOFTMAX_CHECKS + _MAKE_DATA_CHECKS

__all__ = ["CHECKS", "SOFTMAX", "MAKE_DATA", "SHAPE_HINT", "GT_LOGITS", "GT_MEANS", "GT_LSIGMAS",
           "Target", "bugs", "call_make_data", "describe", "expect_softmax", "judge_sample"]
