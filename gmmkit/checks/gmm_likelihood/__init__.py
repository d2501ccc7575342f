"""Public checks of ``gmm_likelihood``: the mixture log-likelihood, the answer
``expected_mean_density``, the NLL gradient, the Adam fit, the posterior logits, the M-step and
the EM fit.

Nothing here computes what a graded function must compute. The checks compare with expected
values the build computed from the reference on these very inputs and stored as data
(``gmmkit/checks/expected/gmm_likelihood.npz``, with the values of the classic bugs, which name
a mistake), and judge by properties. The composites (``em_fit``, ``fit_gradient``) are judged
on their own logic: em_fit by replaying the student's own steps, both by reaching the stored
optimum where the student's steps pass their own checks.

One module per graded function; ``values`` holds the stated values and tolerances, ``bugs`` the
catalogue of classic bugs, ``inputs`` the public inputs, ``graded`` the time limits.
"""
from __future__ import annotations

from . import density, em_fit, fit_gradient, gradient, likelihood, mstep, posterior
from .access import with_steps
from .bugs import ADAM, CATALOGUE, EM_STEP, bug
from .density import get_number
from .em_fit import (call_em_fit, expect_fit_or_replay, expect_replay, failing_steps,
                     step_judges)
from .fit_gradient import call_fit_gradient, expect_fit_reaches, grad_judges
from .fits import call_fits, describe_fit, diagnosis, expect_near_optimum, history, history_matches
from .gradient import expect_gradient
from .graded import (EM_FIT, EXPECTED_MEAN_DENSITY, FIT_GRADIENT, MIXTURE_LIKELIHOOD,
                     MIXTURE_POSTERIOR_LOGITS, MSTEP, NLL_GRAD)
from .inputs import EM_DATA, FIT_DATA, STORED
from .likelihood import expect_loglik
from .mstep import expect_mstep
from .posterior import expect_posterior
from .values import EM_PARAM_TOL, FIT_ARGS, FIT_PARAM_TOL, GT_LOGITS, GT_LSIGMAS, GT_MEANS

CHECKS = (likelihood.CHECKS + density.CHECKS + gradient.CHECKS + fit_gradient.CHECKS
          + posterior.CHECKS + mstep.CHECKS + em_fit.CHECKS)

__all__ = ["CHECKS", "with_steps", "call_em_fit", "call_fit_gradient", "step_judges",
           "grad_judges", "call_fits", "describe_fit", "diagnosis", "history", "history_matches", "CATALOGUE", "bug", "ADAM", "EM_STEP", "STORED", "get_number",
           "expect_loglik", "expect_gradient", "expect_posterior", "expect_mstep",
           "expect_replay", "expect_fit_or_replay", "expect_fit_reaches", "failing_steps",
           "expect_near_optimum", "EM_FIT", "EXPECTED_MEAN_DENSITY", "FIT_GRADIENT",
           "MIXTURE_LIKELIHOOD", "MIXTURE_POSTERIOR_LOGITS", "MSTEP", "NLL_GRAD", "EM_DATA",
           "FIT_DATA", "FIT_ARGS", "EM_PARAM_TOL", "FIT_PARAM_TOL", "GT_LOGITS", "GT_MEANS",
           "GT_LSIGMAS"]
