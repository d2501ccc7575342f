"""Public checks of the GMM1D lab (assignment ``gmm1d``): ``GMM1D.estep`` and ``GMM1D.mstep``.

They judge by properties, the hand-worked values of hard assignments, and the reference's
values on their own inputs, stored by the build (:mod:`gmmkit.checks.stored`); a wrong answer
is matched against the stored values of the classic bugs. Nothing here computes an E-step, an
M-step or a mixture density. Each check builds the model with fixed parameters, so the
components have a fixed order, and judges one method (``mstep`` gets given responsibilities,
never the student's ``estep``).

The names in ``__all__`` are the API of the hidden checks (``autograder/gmm1d/``), which
compute their expected values and bug values with the reference on the trusted side.
"""
from __future__ import annotations

from . import bugs
from .calls import ESTEP, MSTEP, run_estep, run_mstep
from .estep import CHECKS as _ESTEP_CHECKS, judge_gammas
from .mstep import CHECKS as _MSTEP_CHECKS, PARAMS, judge_mstep
from .values import GAMMA_TOL, PARAM_TOL

CHECKS = _ESTEP_CHECKS + _MSTEP_CHECKS

__all__ = ["CHECKS", "ESTEP", "MSTEP", "PARAMS", "GAMMA_TOL", "PARAM_TOL", "bugs",
           "judge_gammas", "judge_mstep", "run_estep", "run_mstep"]
