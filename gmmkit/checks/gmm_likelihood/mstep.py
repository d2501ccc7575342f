"""mstep: the weights, means and lsigmas from given responsibilities, compared with the stored
reference values; a classic bug is named by the stored value it gives on the same inputs."""
from __future__ import annotations

import numpy as np
from scipy.special import softmax

from .. import figures
from ..expect import as_array, as_tuple, expect_close, expect_shape, fail, figure_on_failure
from . import inputs
from .bugs import MSTEP_FORMULA
from .common import diagnose, fmt
from .graded import MSTEP
from .values import MATCH, MSTEP_TOL

PARTS = ("logits", "means", "lsigmas")


def expect_mstep(student, x, posterior, expected: tuple, bugs: dict, figure=None) -> None:
    """Call the student's mstep; ``expected`` is (pi, means, lsigmas), ``bugs`` maps each part
    to {bug id: that bug's value}. ``figure(arrays)`` draws a failure (or is None)."""
    what = f"mstep(x of shape {x.shape}, posterior of shape {posterior.shape})"
    out = as_tuple(student.call("mstep", x, posterior), 3, what, "logits, means, lsigmas")
    arrays = {}
    for name, value in zip(PARTS, out):
        arr = as_array(value, f"the {name} of {what}")
        expect_shape(arr, (posterior.shape[1],), f"the {name} of {what}",
                     "one entry per component, shape (K,)")
        arrays[name] = arr

    def hint(part):
        return diagnose(arrays[part], bugs.get(part, {}), MSTEP_FORMULA, MATCH)

    pi, means, lsigmas = expected
    logits = arrays["logits"]
    if np.isnan(logits).any() or np.isposinf(logits).any():
        fail(f"the logits of {what} hold {fmt(logits)}", hint("logits"))
    with figure_on_failure(lambda: figure(arrays) if figure else None):
        expect_close(softmax(logits), pi, f"softmax(logits) of {what}, the weights pi,",
                     **MSTEP_TOL, hint=hint("logits"))
        expect_close(arrays["means"], means, f"the means of {what}", **MSTEP_TOL,
                     hint=hint("means"))
        expect_close(arrays["lsigmas"], lsigmas, f"the lsigmas of {what}", **MSTEP_TOL,
                     hint=hint("lsigmas"))


def _figure(student, x, grid, expected_pdf):
    """The density of the student's parameters (by the student's own mixture_likelihood, when
    it can be called) next to the expected one (stored), over the data."""
    def draw(arrays):
        try:
            mine = np.exp(np.asarray(student.call("mixture_likelihood", grid[:, None],
                                                  arrays["logits"], arrays["means"],
                                                  arrays["lsigmas"]), dtype=float))
        except Exception:
            mine = None
        return figures.density(grid, mine if mine is not None and np.all(np.isfinite(mine))
                               else None, expected_pdf, samples=x[:, 0], bins=30,
                               samples_label="the data x", title="the mixture of your "
                               "mstep's parameters (drawn with your mixture_likelihood) vs "
                               "the expected one")
    return draw


def _mstep_values(student, ref) -> None:
    s = inputs.STORED
    x, posterior = inputs.data("mstep_x"), inputs.data("mstep_posterior")
    expected = s.value("mstep")
    curve = s.value("mstep.curve")
    expect_mstep(student, x, posterior, tuple(expected[str(i)] for i in range(3)),
                 {part: s.bugs(f"mstep.{part}") for part in PARTS},
                 _figure(student, x, curve["grid"], curve["pdf"]))


CHECKS = [
    MSTEP.check("gmm_likelihood.mstep.values",
                "mstep: weights, weighted means and variances (values stored by the build)", 1,
                _mstep_values),
]
