"""Public checks of ``@NAME@``: properties, and the stored values the build computed from the
reference on these checks' own inputs (``autograder/@NAME@/expected.py``). Nothing here
computes an answer."""
import numpy as np

from gmmkit.checks.bugs import Bug, catalogue, which_bug
from gmmkit.checks.core import Graded
from gmmkit.checks.expect import as_array, expect_close, expect_finite, expect_pmf_rows, expect_shape
from gmmkit.checks.stored import Stored

__all__ = ["CHECKS", "POSTERIOR", "BUGS", "public_input", "judge_posterior"]

STORE = Stored("@NAME@")
POSTERIOR = Graded("posterior", timeout=10.0,
                   slow_hint="normalise all rows at once with numpy, without a Python loop")
BUGS = catalogue([
    Bug("@NAME@.posterior.axis0", "normalised over the points (axis=0)",
        "each COLUMN sums to 1: normalise each row over the components (axis=1)"),
    Bug("@NAME@.posterior.no_exp", "returned log-probabilities",
        "these are still logarithms: exponentiate after subtracting the row's logsumexp"),
])


def public_input() -> np.ndarray:
    """The public check's input: seeded, moderate log-joints (20, 3)."""
    return np.random.default_rng(0).normal(0.0, 2.0, size=(20, 3))


def judge_posterior(student, log_joint, expected, candidates, what: str) -> None:
    got = as_array(student.call("posterior", log_joint), what)
    expect_shape(got, expected.shape, what, "one row per point, one column per component")
    expect_finite(got, what, "subtract each row's maximum (or logsumexp) before exponentiating")
    bug = which_bug(got, candidates, BUGS)
    expect_close(got, expected, what, rtol=1e-6, atol=1e-9, hint=bug or
                 "r[i, j] = exp(log_joint[i, j] - logsumexp(log_joint[i]))")


def check_rows_are_pmfs(student, ref) -> None:
    got = as_array(student.call("posterior", public_input()), "posterior(log_joint)")
    expect_shape(got, (20, 3), "posterior(log_joint)", "one row per point, one column per component")
    expect_pmf_rows(got, "posterior(log_joint)", tol=1e-6, meaning="each row is the distribution "
                    "of one point over the components", negative_hint="probabilities are never "
                    "negative: exponentiate", axis_hint=BUGS["@NAME@.posterior.axis0"].hint,
                    normalise_hint="divide each row by its sum over the components")


def check_stored_values(student, ref) -> None:
    judge_posterior(student, public_input(), STORE.value("posterior"), STORE.bugs("posterior"),
                    "posterior(log_joint)")


CHECKS = [
    POSTERIOR.check("@NAME@.posterior.pmf", "posterior: shape (n, k), each row a distribution",
                    1.0, check_rows_are_pmfs),
    POSTERIOR.check("@NAME@.posterior.values", "posterior: equals the expected values", 1.0,
                    check_stored_values),
]
