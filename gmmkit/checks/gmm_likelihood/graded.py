"""One declaration per graded function: the time limit of each call and the slow hint."""
from __future__ import annotations

from ..core import Graded

SLOW_HINT = ("vectorise over the data points: broadcasting x of shape (N, 1) against the (K,) "
             "parameters gives the (N, K) table of every point against every component in one "
             "numpy expression")
FIT_SLOW_HINT = ("each step evaluates the whole data set, so a Python loop over the points is "
                 "paid steps * N times: " + SLOW_HINT)

# A loop over the data points in Python, as in many first attempts, is correct and slow; the
# fits call it hundreds of times.
MIXTURE_LIKELIHOOD = Graded("mixture_likelihood", 30.0, SLOW_HINT)
EXPECTED_MEAN_DENSITY = Graded("expected_mean_density")
NLL_GRAD = Graded("nll_grad", 30.0, SLOW_HINT)
FIT_GRADIENT = Graded("fit_gradient", 120.0, FIT_SLOW_HINT)
MIXTURE_POSTERIOR_LOGITS = Graded("mixture_posterior_logits", 30.0, SLOW_HINT)
MSTEP = Graded("mstep", 30.0, SLOW_HINT)
EM_FIT = Graded("em_fit", 120.0, FIT_SLOW_HINT)
