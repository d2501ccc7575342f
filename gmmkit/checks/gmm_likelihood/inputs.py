"""The public checks' inputs. Parameters and grids are written here; the data sets drawn from
mixtures are drawn by the build on the trusted side and stored (``input.<name>``), so that the
package holds no sampler."""
from __future__ import annotations

import numpy as np

from ..stored import Stored
from .values import GT_LOGITS, GT_LSIGMAS, GT_MEANS

STORED = Stored("gmm_likelihood")


def data(name: str) -> np.ndarray:
    """A stored input: ``lik_gt`` (300, 1) from the lecture's mixture, ``grad`` (40, 1),
    ``mstep_x`` (30, 1) with ``mstep_posterior`` (30, 3), ``fit`` (800, 1), ``em`` (500, 1)."""
    return STORED.value("input." + name)


# mixture_likelihood: the lecture's mixture on its own data, then logits that are not
# log-probabilities, unequal spreads, and points on both sides.
LIK_GT = (GT_LOGITS, GT_MEANS, GT_LSIGMAS)
LIK_MIXED = (np.array([2.5, 0.3, 1.0, -0.7]), np.array([-2.0, 0.0, 1.5, 4.0]),
             np.log([0.3, 1.5, 0.6, 2.5]))


def lik_mixed_x() -> np.ndarray:
    return np.random.default_rng(1).uniform(-6, 9, size=(120, 1))


# log p(1e4) is about -5e8 here: exp of it is 0 in floating point, log(0) is -inf.
FAR_X = np.array([[-1e4], [-100.0], [-30.0], [0.5], [30.0], [100.0], [1e4]])

# nll_grad, at parameters away from the optimum of its data.
GRAD = (np.array([0.4, -0.3, 0.9]), np.array([-1.5, 0.2, 2.2]), np.log([0.8, 1.3, 0.5]))

# mixture_posterior_logits: well separated components with unequal weights and spreads, so
# most posteriors are nearly one-hot and probabilities returned in place of logits are far
# from their own softmax.
POST = (np.array([2.0, 0.0, -1.0]) + 3.0, np.array([-4.0, 0.0, 5.0]), np.log([0.3, 0.5, 0.4]))
POST_X = np.concatenate([np.linspace(-6, 7, 27), [-40.0, 40.0]])[:, None]

# The fits' data sets (drawn by the build; stated here so the notebook's reader can see them).
FIT_DATA = dict(n=800, weights=[0.35, 0.65], means=[-2.0, 1.5], sigmas=[0.5, 0.8], seed=3)
EM_DATA = dict(n=500, weights=[0.4, 0.6], means=[-1.5, 2.0], sigmas=[0.6, 0.9], seed=4)
LIK_GT_DATA = dict(n=300, seed=0)
GRAD_DATA = dict(n=40, weights=[0.3, 0.5, 0.2], means=[-2.0, 0.5, 3.0], sigmas=[0.5, 1.0, 0.7],
                 seed=2)
MSTEP_DATA = dict(seed=5, n=30, k=3, sharpness=4.0)
