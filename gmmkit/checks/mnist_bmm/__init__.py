"""Public checks of ``mnist_bmm``: a Bernoulli mixture fitted to binarised MNIST by EM.

Nothing here computes an answer. The checks judge by properties (shapes, pmf rows, 0 < mu < 1,
an objective that never decreases, the randomness conventions), by the worked examples of the
assignment (:mod:`.values`), and by the reference's values on each check's own inputs
(:mod:`.inputs`), stored by the build in ``gmmkit/checks/expected/mnist_bmm.npz`` together with
the classic bugs' values there (:mod:`.bugs` holds their ids and hints). ``fit_bmm`` is judged
by replaying the student's own e_step and m_step (:mod:`.fit`).

Every check calls one graded function on inputs made here; a composite's checks call the
student's own steps too, never charging it for their mistakes. The names in ``__all__`` are the
API the hidden checks (``autograder/mnist_bmm/hidden_checks.py``) build on.
"""
from . import accuracy, e_step, fit, log_prob, m_step, update
from .accuracy import judge_accuracy
from .bugs import BUGS, hint_for
from .calls import StepsSeenBy, call_e_step, call_fit, call_log_prob, call_m_step, call_update
from .e_step import expect_pmf_rows, judge_e_step, resp_shape_hint
from .fit import (judge_fit_shapes, judge_monotone, judge_optimum, judge_replay, replay_steps,
                  steps_pass)
from .graded import ACCURACY, E_STEP, FIT, LOG_PROB, M_STEP, UPDATE
from .inputs import (mnist_class_mu, mnist_images, prototype_data, random_assignments,
                     random_images, random_mu)
from .log_prob import judge_log_prob, log_prob_shape_hint
from .m_step import digit_means_figure, judge_m_step_shapes, judge_m_step_values
from .rng import judge_rng
from .update import judge_update
from .values import LOGP_TOL, PARAM_TOL, RESP_TOL, SMOOTHING

CHECKS = (log_prob.CHECKS + e_step.CHECKS + m_step.CHECKS + fit.CHECKS + update.CHECKS
          + accuracy.CHECKS)

__all__ = ["CHECKS", "BUGS", "hint_for", "LOG_PROB", "E_STEP", "M_STEP", "FIT", "UPDATE",
           "ACCURACY", "LOGP_TOL", "PARAM_TOL", "RESP_TOL", "SMOOTHING",
           "StepsSeenBy", "call_log_prob", "call_e_step", "call_m_step", "call_fit", "call_update",
           "judge_log_prob", "log_prob_shape_hint", "judge_e_step", "expect_pmf_rows",
           "resp_shape_hint", "judge_m_step_shapes", "judge_m_step_values", "digit_means_figure",
           "judge_fit_shapes", "judge_monotone", "judge_optimum", "judge_replay",
           "replay_steps", "steps_pass", "judge_rng", "judge_update", "judge_accuracy",
           "mnist_images", "mnist_class_mu", "prototype_data", "random_assignments",
           "random_images", "random_mu"]
