"""Known values and tolerances of the gmm_likelihood checks (all stated in the notebook or
chosen here; no value below is computed by the code under test)."""
from __future__ import annotations

import numpy as np

# The lecture's ground truth (stated in the notebook, so public knowledge).
GT_LOGITS = np.log([1 / 4, 1 / 4, 1 / 6, 1 / 6, 1 / 6])
GT_MEANS = np.array([1.0, -0.5, -2, .5, 3])
GT_LSIGMAS = np.log([.5, 1.0, .2, .1, .5])

# Tolerances (loose enough for float32 arithmetic and any order of summation).
LOGLIK_TOL = {"rtol": 1e-5, "atol": 1e-4}
FAR_TOL = {"rtol": 1e-6, "atol": 1e-4}
POST_TOL = {"rtol": 0.0, "atol": 1e-5}
MSTEP_TOL = {"rtol": 1e-5, "atol": 1e-6}
GRAD_RTOL = 1e-4
GRAD_ATOL = 1e-5          # times max(1, the largest expected derivative)
MATCH = {"rtol": 1e-4, "atol": 1e-4}      # how close a wrong answer must be to a known bug
GRAD_MATCH = {"rtol": 1e-3, "atol": 1e-3}  # (times the scale of the derivative, see gradient.py)

# How close a fit must come to the stored maximum-likelihood fit, after matching components:
# EM converges to the optimum itself; Adam with a fixed step size hovers near it.
EM_PARAM_TOL = {"weights": 0.01, "means": 0.02, "lsigmas": 0.02}
FIT_PARAM_TOL = {"weights": 0.05, "means": 0.1, "lsigmas": 0.1}
# The replay: one step of the student's own functions against the next returned parameters.
REPLAY_TOL = {"rtol": 1e-4, "atol": 1e-5}
HISTORY_TOL = {"rtol": 1e-6, "atol": 1e-6}   # times the scale of the history

# The fits the public checks run: data drawn by the build (stored), the arguments here.
FIT_ARGS = dict(K=2, steps=800, learning_rate=0.05, seeds=(0, 1))
EM_ARGS = dict(K=2, steps=300, seeds=(0, 1))
REPLAY_STEPS = 4          # em_fit(..., steps=s) for s = 1..4, compared with the replay
RNG_SEEDS = (7, 8)
