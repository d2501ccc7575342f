"""mixture_likelihood: log p(x_i) per point, compared with the stored reference values; a
classic bug is named by the stored value it gives on the same inputs."""
from __future__ import annotations


from ..expect import as_array, expect_close, expect_finite, expect_shape
from . import inputs
from .bugs import LOGLIK_FORMULA, bug
from .common import call_desc, diagnose
from .graded import MIXTURE_LIKELIHOOD
from .values import FAR_TOL, LOGLIK_TOL, MATCH


def expect_loglik(student, x, logits, means, lsigmas, expected, bugs: dict, tol=None) -> None:
    """Call the student's ``mixture_likelihood`` and compare it with ``expected`` (N,);
    ``bugs`` maps bug ids to what each classic bug gives on these inputs."""
    what = call_desc("mixture_likelihood", x, logits, means, lsigmas)
    out = as_array(student.call("mixture_likelihood", x, logits, means, lsigmas), what)
    expect_shape(out, (len(x),), what, bug("mixture_likelihood.keepdims"))
    expect_finite(out, what, bug("mixture_likelihood.underflow"))
    expect_close(out, expected, what, **(tol or LOGLIK_TOL),
                 hint=diagnose(out, bugs, LOGLIK_FORMULA, MATCH))


def _stored(student, key, x, params, tol=None) -> None:
    expect_loglik(student, x, *params, inputs.STORED.value(key), inputs.STORED.bugs(key), tol)


def _likelihood_values(student, ref) -> None:
    _stored(student, "lik.gt", inputs.data("lik_gt"), inputs.LIK_GT)
    _stored(student, "lik.mixed", inputs.lik_mixed_x(), inputs.LIK_MIXED)


def _likelihood_far_points(student, ref) -> None:
    _stored(student, "lik.far", inputs.FAR_X, inputs.LIK_GT, FAR_TOL)


CHECKS = [
    MIXTURE_LIKELIHOOD.check("gmm_likelihood.mixture_likelihood.values",
                             "mixture_likelihood: equals the log-likelihood of the lecture's "
                             "and another mixture (values stored by the build)", 1,
                             _likelihood_values),
    MIXTURE_LIKELIHOOD.check("gmm_likelihood.mixture_likelihood.far_points",
                             "mixture_likelihood: finite and right far from every component "
                             "(x = ±1e4)", 1, _likelihood_far_points),
]
