"""Public checks of ``iris_em``: ``E_step``, ``M_step``, ``negativeloglikelihood``,
``init_params`` and ``fit``.

Nothing here computes what a graded function must compute. The checks judge by the known values
of the assignment (ASSIGNMENTS.md, section 4, in :mod:`.values`), by properties (rows that sum to
1, positive definite covariances, a valid start, randomness only from ``random_state``) and by
the values the build stored from the reference, scipy and scikit-learn on these checks' own
inputs (:mod:`.inputs`), classic bugs' values included (``gmmkit/checks/expected/iris_em.npz``).

Every check builds its own inputs (never the output of the student's other functions), so one
broken function costs only its own points; ``fit``, which calls the student's steps, is judged
on its own logic by replaying them (:mod:`.fit`). The time limits are generous for a
loop-based implementation with ``multivariate_normal.pdf``, as in the lecture.

Modules: :mod:`.values` (known values, tolerances), :mod:`.inputs`, :mod:`.bugs` (the classic
bugs and their hints), :mod:`.graded` (time limits, the stored values), :mod:`.views` (figures),
and one module per graded function. The hidden checks (``autograder/iris_em/``) import the names
in ``__all__`` only.
"""
from . import bugs
from .bugs import CATALOGUE
from .e_step import judge_resp, run_estep
from .e_step import CHECKS as _E_STEP
from .fit import (OwnSteps, Target, judge_fit_history, judge_fit_params, judge_fit_shapes,
                  run_fit)
from .fit import CHECKS as _FIT
from .graded import E_STEP, FIT, INIT_PARAMS, M_STEP, NLL, STORE
from .init_params import judge_random_state, judge_start
from .init_params import CHECKS as _INIT_PARAMS
from .inputs import (IRIS_START, LECTURE_MEANS, LECTURE_VARIANCES, LECTURE_WEIGHTS,
                     empty_component_r, identical_components, iris, iris_cases, iris_start,
                     onehot_r, random_params, sample_lecture_mixture, single_point_r, uniform_r)
from .m_step import judge_mstep, run_mstep
from .m_step import CHECKS as _M_STEP
from .nll import judge_nll, run_nll
from .nll import CHECKS as _NLL
from .values import FIT_DEFAULT_ITERS, FIT_ITERS, K

CHECKS = _E_STEP + _M_STEP + _NLL + _INIT_PARAMS + _FIT

__all__ = ["CHECKS", "CATALOGUE", "bugs", "E_STEP", "M_STEP", "NLL", "INIT_PARAMS", "FIT",
           "STORE", "K", "FIT_ITERS", "FIT_DEFAULT_ITERS", "IRIS_START", "LECTURE_MEANS",
           "LECTURE_VARIANCES", "LECTURE_WEIGHTS", "iris", "iris_cases", "iris_start",
           "identical_components", "random_params", "sample_lecture_mixture", "uniform_r",
           "onehot_r", "empty_component_r", "single_point_r", "run_estep", "judge_resp",
           "run_mstep", "judge_mstep", "run_nll", "judge_nll", "judge_start",
           "judge_random_state", "run_fit", "judge_fit_shapes", "judge_fit_params",
           "judge_fit_history", "OwnSteps", "Target"]
