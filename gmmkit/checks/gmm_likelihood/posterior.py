"""mixture_posterior_logits: the row softmax of the student's logits against the stored
posterior p(z_i = k | x_i). Logits are defined up to a constant per row, so only their softmax
is compared; a classic bug is named by the stored value it gives on the same inputs."""
from __future__ import annotations

import numpy as np
from scipy.special import softmax

from .. import figures
from ..expect import as_array, expect_close, expect_shape, fail, figure_on_failure
from . import inputs
from .bugs import POSTERIOR_FORMULA, bug
from .common import call_desc, diagnose
from .graded import MIXTURE_POSTERIOR_LOGITS
from .values import MATCH, POST_TOL


def softmax_rows_safe(out: np.ndarray):
    """Row-wise softmax of logits that may hold -inf (a log of an underflowed 0); None when a
    row has NaN, +inf, or only -inf."""
    if np.isnan(out).any() or np.isposinf(out).any():
        return None
    if (~np.isfinite(out)).all(axis=1).any():
        return None
    return softmax(out, axis=1)


def posterior_hint(out: np.ndarray, raw_bugs: dict, softmax_bugs: dict):
    """``raw_bugs`` are compared with the returned values themselves (probabilities returned
    as logits), ``softmax_bugs`` with their row softmax."""
    found = diagnose(out, raw_bugs, None, {"rtol": 0.0, "atol": 1e-4})
    if found is None:
        sm = softmax_rows_safe(out)
        found = None if sm is None else diagnose(sm, softmax_bugs, None,
                                                 {"rtol": 0.0, "atol": MATCH["atol"]})
    return found or POSTERIOR_FORMULA


def expect_posterior(student, x, logits, means, lsigmas, expected, raw_bugs: dict,
                     softmax_bugs: dict) -> None:
    """Call the student's mixture_posterior_logits; its row softmax must equal ``expected``."""
    what = call_desc("mixture_posterior_logits", x, logits, means, lsigmas)
    out = as_array(student.call("mixture_posterior_logits", x, logits, means, lsigmas), what)
    expect_shape(out, (len(x), len(logits)), what,
                 "one row per data point, one column per component")
    bad = np.isnan(out) | np.isposinf(out) | (~np.isfinite(out)).all(axis=1, keepdims=True)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        fail(f"row {i} of {what} (x = {float(x[i, 0]):g}) holds {out[i, j]} in column {j}: no "
             "posterior can be read from it", bug("mixture_posterior_logits.underflow"))
    post = softmax(out, axis=1)
    with figure_on_failure(lambda: figures.responsibilities_1d(
            x, post, expected, title="softmax of your posterior logits vs the posterior "
            "p(z_i = k | x_i), stacked over the components")):
        expect_close(post, expected,
                     f"softmax(axis=1) of {what}, the posterior p(z_i = k | x_i),", **POST_TOL,
                     hint=posterior_hint(out, raw_bugs, softmax_bugs))


def _posterior_values(student, ref) -> None:
    s = inputs.STORED
    expect_posterior(student, inputs.POST_X, *inputs.POST, s.value("post"), s.bugs("post.raw"),
                     s.bugs("post"))


CHECKS = [
    MIXTURE_POSTERIOR_LOGITS.check("gmm_likelihood.mixture_posterior_logits.values",
                                   "mixture_posterior_logits: their row softmax is Bayes' "
                                   "posterior (values stored by the build)", 1,
                                   _posterior_values),
]
