"""Public checks of ``em_2d``: ``standardize``, ``em_step``, ``sample_gmm`` and ``bic``.

They hold no code that computes an answer: ``standardize`` is judged by the known first row of
standardised Old Faithful and by properties; ``em_step`` and ``bic`` against scikit-learn's
``GaussianMixture`` values for these inputs, which ``gmmkit build`` stores
(``gmmkit/checks/expected/em_2d.npz``, written by ``autograder/em_2d/expected.py``) together with
what each classic bug gives there; ``sample_gmm`` by the distribution of a large seeded sample
and by how it uses its ``rng``. One module per graded function; ``__all__`` is what the hidden
checks (``autograder/em_2d/hidden_checks.py``) may use.
"""
from . import bic, em_step, rng, sample_gmm, standardize
from .bic import bic_hint, judge_bic
from .bugs import CATALOGUE
from .em_step import (FIELDS, call_em_step, describe_em, judge_estep, judge_mstep,
                      parameters_figure, responsibilities_figure, usable_posterior)
from .graded import BIC, EM_STEP, SAMPLE_GMM, STANDARDIZE
from .inputs import (EM_STATES, FIG_COV, FIG_MU, FIG_PI, MID_COV, MID_MU, MID_PI, TWIN_COV,
                     TWIN_MU, TWIN_PI, SAMPLE_COV, SAMPLE_MU, SAMPLE_PI, bic_cases, faithful,
                     faithful_standardized, standardize_cases)
from .sample_gmm import call_sample, describe_sample, judge_sample
from .standardize import call_standardize, judge_standardize, standardize_hint
from .values import ATOL, BUG_TOL, MSTEP_FORMULA, RTOL

# in the order the notebook grades them, as before the split
CHECKS = (standardize.CHECKS + em_step.CHECKS + sample_gmm.CHECKS[:1] + rng.CHECKS
          + sample_gmm.CHECKS[1:] + bic.CHECKS)

__all__ = ["CHECKS", "CATALOGUE", "STANDARDIZE", "EM_STEP", "SAMPLE_GMM", "BIC",
           "FIG_PI", "FIG_MU", "FIG_COV", "MID_PI", "MID_MU", "MID_COV", "TWIN_PI", "TWIN_MU",
           "TWIN_COV", "SAMPLE_PI", "SAMPLE_MU", "SAMPLE_COV", "EM_STATES", "faithful",
           "faithful_standardized", "standardize_cases", "bic_cases",
           "RTOL", "ATOL", "BUG_TOL", "MSTEP_FORMULA", "FIELDS",
           "call_standardize", "judge_standardize", "standardize_hint",
           "call_em_step", "describe_em", "judge_estep", "judge_mstep", "usable_posterior",
           "responsibilities_figure", "parameters_figure",
           "call_sample", "describe_sample", "judge_sample", "judge_bic", "bic_hint"]
