"""nll_grad: the gradient of the negative total log-likelihood, compared with the reference's
gradient on the same inputs (stored by the build, which verifies it against central finite
differences of the NLL first). The check judges nll_grad alone: it calls no other function."""
from __future__ import annotations

import numpy as np

from ..expect import as_array, as_tuple, expect_close, expect_finite, expect_shape
from . import inputs
from .bugs import GRAD_DERIVE
from .common import call_desc, diagnose
from .graded import NLL_GRAD
from .values import GRAD_ATOL, GRAD_MATCH, GRAD_RTOL

GRAD_NAMES = ("d_logits", "d_means", "d_lsigmas")
PART_HINTS = {
    "d_logits": "d_logits: the logits enter through pi = softmax(logits), which couples them: "
                "differentiate log pi_j with respect to logits_k (it is [j == k] - pi_k), then "
                "sum over j with the responsibilities",
    "d_means": "d_means: d/dmu_k of log N(x_i | mu_k, sigma_k^2) is (x_i - mu_k) / sigma_k^2, "
               "weighted by r_ik and negated",
    "d_lsigmas": "d_lsigmas: as a function of lsigmas, log N(x | mu, sigma^2) = -lsigmas - "
                 "log(2 pi)/2 - (x - mu)^2 exp(-2 lsigmas) / 2",
}


def as_gradient(value) -> tuple:
    """A stored gradient (a dict of fields "0", "1", "2") as three arrays."""
    return tuple(np.asarray(value[str(i)]) for i in range(3)) if isinstance(value, dict) \
        else tuple(value)


def grad_hint(out: tuple, expected: tuple, whole: dict, parts: dict):
    """The classic bug that the three arrays ``out`` match: first the whole gradient (stored as
    the concatenation of its parts), then part by part; else what to derive."""
    scale = max(1.0, max(float(np.abs(e).max()) for e in expected))
    tol = {"rtol": GRAD_MATCH["rtol"], "atol": GRAD_MATCH["atol"] * scale}
    found = diagnose(np.concatenate(out), whole, None, tol)
    if found is not None:
        return found
    for name, o, e in zip(GRAD_NAMES, out, expected):
        if np.allclose(o, e, rtol=GRAD_RTOL, atol=GRAD_ATOL * scale):
            continue
        found = diagnose(o, parts.get(name, {}), None, tol)
        if found is not None:
            return found    # one named cause; the message says which part differs
    wrong = [PART_HINTS[n] for n, o, e in zip(GRAD_NAMES, out, expected)
             if not np.allclose(o, e, rtol=GRAD_RTOL, atol=GRAD_ATOL * scale)]
    return "; ".join(wrong) + f". In general: {GRAD_DERIVE}" if wrong else GRAD_DERIVE


def expect_gradient(student, x, logits, means, lsigmas, expected: tuple, source: str,
                    whole: dict, parts: dict) -> None:
    """Call the student's nll_grad and compare each part with ``expected``; ``whole`` and
    ``parts`` are the classic bugs' values (see :func:`grad_hint`)."""
    what = call_desc("nll_grad", x, logits, means, lsigmas)
    out = as_tuple(student.call("nll_grad", x, logits, means, lsigmas), 3, what,
                   "d_logits, d_means, d_lsigmas")
    arrays = []
    for name, value in zip(GRAD_NAMES, out):
        arr = as_array(value, f"{name} of {what}")
        expect_shape(arr, (len(logits),), f"{name} of {what}",
                     "one derivative per component, shape (K,)")
        expect_finite(arr, f"{name} of {what}", "compute the responsibilities in log space "
                      "(softmax of the log joint over axis=1), so that far points give no 0/0")
        arrays.append(arr)
    scale = max(1.0, max(float(np.abs(e).max()) for e in expected))
    hint = grad_hint(tuple(arrays), expected, whole, parts)
    for name, arr, exp in zip(GRAD_NAMES, arrays, expected):
        expect_close(arr, exp, f"{name} of {what} (compared with {source})", rtol=GRAD_RTOL,
                     atol=GRAD_ATOL * scale, hint=hint)


def stored_gradient_bugs(key: str) -> tuple:
    """(whole, parts) of the stored classic bugs for ``key``."""
    return (inputs.STORED.bugs(key),
            {name: inputs.STORED.bugs(f"{key}.{name}") for name in GRAD_NAMES})


def _grad_values(student, ref) -> None:
    whole, parts = stored_gradient_bugs("grad")
    expect_gradient(student, inputs.data("grad"), *inputs.GRAD,
                    as_gradient(inputs.STORED.value("grad")),
                    "the expected gradient, which agrees with central finite differences of "
                    "the NLL", whole, parts)


CHECKS = [
    NLL_GRAD.check("gmm_likelihood.nll_grad.values",
                   "nll_grad: equals the gradient of the NLL (verified by central finite "
                   "differences)", 2, _grad_values),
]
