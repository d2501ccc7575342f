"""Known values and tolerances of the gmm1d checks, stated once."""
from __future__ import annotations

import numpy as np

# Tolerances, loose enough for float32 arithmetic and for any order of summation.
GAMMA_TOL = {"rtol": 1e-5, "atol": 1e-7}
PARAM_TOL = {"rtol": 1e-5, "atol": 1e-8}

# A wrong answer that matches no classic bug exactly is still said to "look like" one when it
# is at least this many times closer to that bug's value than to the expected one (an answer
# with the bug and a small extra change, such as an epsilon added to every density).
NEAR_FACTOR = 20.0

# Hard assignments: each point belongs to one group, so the M-step gives each group's share of
# the points, its mean and its (biased, 1/N) variance; worked out by hand:
# (points, mean, variance).
GROUPS = [([0.0, 1.0, 2.0, 3.0], 1.5, 1.25),
          ([10.0, 14.0], 12.0, 4.0),
          ([-3.0, -1.0, -2.0], -2.0, 2.0 / 3.0),
          ([6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 8.5, 35.0 / 12.0),
          ([-10.0, -6.0], -8.0, 4.0)]


def hard_expected(k: int) -> dict:
    """The hand-worked M-step of the first k groups: {priors, means, variances}, each (k,)."""
    groups = GROUPS[:k]
    n = sum(len(g[0]) for g in groups)
    return {"priors": np.array([len(g[0]) for g in groups]) / n,
            "means": np.array([g[1] for g in groups]),
            "variances": np.array([g[2] for g in groups])}
