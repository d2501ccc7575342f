"""Known values, inputs and tolerances of the gmm_sampling checks, stated once."""
from __future__ import annotations

import numpy as np

# The assignment's ground truth (stated in the notebook, so public knowledge).
GT_LOGITS = np.log([1 / 4, 1 / 4, 1 / 6, 1 / 6, 1 / 6])
GT_MEANS = np.array([1.0, -0.5, -2, .5, 3])
GT_LSIGMAS = np.log([.5, 1.0, .2, .1, .5])
GT_PI = np.array([1 / 4, 1 / 4, 1 / 6, 1 / 6, 1 / 6])       # softmax of log-probabilities

# softmax: logits whose output must be a pmf (and whose values are stored by the build), and
# known values: log-probabilities give the probabilities back; equal huge logits share evenly.
PMF_LOGITS = [np.array([-3.2, 4.1, 0.0, 2.2, -1.0, 0.3, 5.0]), np.array([1.0, 2.0, 3.0, 0.5]),
              np.array([0.0, 0.0])]
SHIFTED_BASE = np.array([0.3, -1.2, 2.0])
SHIFT = 50.0                     # logits are defined up to an additive constant
KNOWN_SOFTMAX = [(GT_LOGITS, GT_PI)]
KNOWN_STABLE = [(np.array([1000.0, 1000.0, 0.0]), np.array([0.5, 0.5, 0.0])),
                (np.array([-1000.0, -1000.0]), np.array([0.5, 0.5]))]
STABLE_STORED = np.array([1000.0, -1000.0, 999.0])
SOFTMAX_TOL = {"rtol": 1e-5, "atol": 1e-6}
STABLE_ATOL = 1e-9

# make_data
N_LARGE = 200_000          # samples for judging a distribution
P_MIN = 1e-6               # a correct sampler fails the KS test with this probability
Z_MAX = 7.0                # standard errors allowed for the sample mean and variance
RNG_N = 2000               # samples per call in the randomness check
