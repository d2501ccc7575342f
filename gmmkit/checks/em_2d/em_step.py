"""Checks of ``em_step(X, pi, mu, cov) -> (pi, mu, cov, r)`` on standardised Old Faithful.

The E-step's r is compared with scikit-learn's posterior and the M-step with scikit-learn's
M-step, both stored by the build for these inputs. The M-step is judged on the responsibilities
the student's own E-step returned whenever the store knows them (the correct ones, or a classic
E-step bug's, which gives a valid posterior), so an E-step bug costs only the E-step check; a
state of two identical components, where every valid E-step gives r = 1/2, judges the M-step on
its own.
"""
from __future__ import annotations

import numpy as np

from .. import figures
from ..bugs import matches, which_bug
from ..expect import (as_array, as_tuple, expect_close, expect_finite, expect_shape, fail,
                      figure_on_failure)
from . import inputs
from .bugs import CATALOGUE, every_cause
from .graded import EM_STEP
from .values import ATOL, BUG_TOL, ESTEP_FORMULA, MSTEP_FORMULA, RTOL, fmt

FIELDS = ("pi", "mu", "cov")


def describe_em(X, pi, mu, cov, label) -> str:
    return (f"em_step(X, pi, mu, cov) on {label} (X of shape {np.shape(X)}, "
            f"pi={fmt(pi)}, mu={fmt(mu)})")


def call_em_step(student, X, pi, mu, cov, what):
    """The student's (pi, mu, cov, r) as float arrays of the right shapes."""
    n, d = np.shape(X)
    k = len(pi)
    out = as_tuple(student.call("em_step", X, pi, mu, cov), 4, what, "pi, mu, cov, r")
    hints = ["pi holds one weight per component", "mu holds one mean per row",
             "cov stacks the K covariance matrices: cov[k] is (d, d)",
             "r holds one row of responsibilities per point, one column per component"]
    shapes = [(k,), (k, d), (k, d, d), (n, k)]
    arrays = []
    for name, value, shape, hint in zip(("pi", "mu", "cov", "r"), out, shapes, hints):
        arr = as_array(value, f"the {name} of {what}", hint)
        expect_shape(arr, shape, f"the {name} of {what}", hint)
        arrays.append(arr)
    return tuple(arrays)


def usable_posterior(r) -> bool:
    """r (N, K) is a posterior an M-step can be judged on: finite, rows pmfs, no empty column."""
    r = np.asarray(r, dtype=float)
    return bool(np.all(np.isfinite(r)) and np.allclose(r.sum(axis=1), 1, atol=1e-6)
                and (r >= -1e-12).all() and (r.sum(axis=0) > 1e-8).all())


def responsibilities_figure(X, r, expected_r, pi, mu, cov, label):
    """The points coloured by your responsibilities next to the expected ones, with the
    ellipses of the parameters they were computed from."""
    return figures.scatter_by_weight(X, r, expected_r, mu=mu, cov=cov,
                                     title=f"em_step on {label}: your E-step vs the expected "
                                           "posterior (dotted: the given components)")


def parameters_figure(X, got, expected, label, source="the expected responsibilities"):
    """The ellipses of your new (pi, mu, cov) next to the expected ones, over the data."""
    return figures.mixture_ellipses(X, got, expected, title=f"em_step on {label}: your new "
                                    f"parameters vs the M-step from {source}")


def judge_estep(r, expected_r, r_bugs: dict, what: str) -> None:
    """r (N, K) against the expected posterior; the hint names the classic bug it matches."""
    expect_finite(r, f"the responsibilities r of {what}",
                  "compute r in log space with logsumexp (see the docstring)")
    expect_close(r, expected_r, f"the responsibilities r of {what}", rtol=RTOL, atol=ATOL,
                 hint=every_cause(r, r_bugs, BUG_TOL) or ESTEP_FORMULA)


def judge_mstep(new, expected: dict, field_bugs: dict, what: str, source: str) -> None:
    """The new (pi, mu, cov) against ``expected`` ({pi, mu, cov}, the M-step from ``source``);
    ``field_bugs`` maps each field to {bug id: value} for the hints."""
    for name, got in zip(FIELDS, new):
        w = f"the new {name} of {what}, compared with the M-step from {source}"
        expect_finite(got, w, MSTEP_FORMULA)
        expect_close(got, expected[name], w, rtol=RTOL, atol=ATOL,
                     hint=every_cause(got, field_bugs.get(name, {})) or MSTEP_FORMULA)


def _stored_state(key):
    """What the store holds for one em_step state (see ``autograder/em_2d/expected.py``)."""
    s = inputs.STORE
    return (s.value(f"em_step.{key}"), {f: s.bugs(f"em_step.{key}.{f}") for f in FIELDS},
            s.bugs(f"em_step.{key}.r"), s.bugs(f"em_step.{key}.mstep_of"))


def _mstep_reference(r, expected, field_bugs, r_bugs, mstep_of):
    """(expected M-step, its bugs, where it comes from) for the student's r, or None when the
    store does not know r (the state of two identical components then judges the M-step)."""
    if not usable_posterior(r):
        return expected, field_bugs, "the correct responsibilities (yours are not a valid posterior)"
    if matches(r, expected["r"], {"rtol": RTOL, "atol": ATOL}):
        return expected, field_bugs, "your responsibilities r"
    bug = which_bug(r, {b: r_bugs[b] for b in mstep_of}, CATALOGUE, BUG_TOL)
    if bug is None:
        return None
    return mstep_of[bug.id], {}, f"your responsibilities r (those of an E-step with this " \
                                 f"bug: {bug.description})"


def _em_step_outputs(student, ref) -> None:
    X = inputs.faithful_standardized()
    label, _, pi, mu, cov = inputs.EM_STATES["fig"]
    what = describe_em(X, pi, mu, cov, label)
    new_pi, new_mu, new_cov, r = call_em_step(student, X, pi, mu, cov, what)
    expected = inputs.STORE.value("em_step.fig")
    expected_r = expected["r"]
    with figure_on_failure(lambda: responsibilities_figure(X, r, expected_r, pi, mu, cov, label)):
        expect_finite(r, f"the r of {what}", "compute r in log space: log r = log_joint - "
                      "logsumexp(log_joint, axis=1, keepdims=True), then r = np.exp(log r)")
        if (r < -1e-12).any() or (r > 1 + 1e-9).any():
            i, k = (int(v) for v in np.argwhere((r < -1e-12) | (r > 1 + 1e-9))[0])
            fail(f"r[{i}, {k}] of {what} is {r[i, k]:.6g}, expected a probability between 0 "
                 f"and 1 (the expected r[{i}, {k}] is {expected_r[i, k]:.6g})",
                 CATALOGUE["em_2d.em_step.log_r"] if (r <= 0).all() else ESTEP_FORMULA)
        sums = r.sum(axis=1)
        if not np.allclose(sums, 1, atol=1e-6):
            i = int(np.argmax(np.abs(sums - 1) > 1e-6))
            n_bad = int((np.abs(sums - 1) > 1e-6).sum())
            fail(f"row {i} of the responsibilities r of {what} sums to {sums[i]:.6g}, not 1 "
                 f"(tolerance 1e-6; {n_bad} of {len(sums)} rows do not sum to 1)",
                 CATALOGUE["em_2d.em_step.axis0"]
                 if np.allclose(r.sum(axis=0), 1, atol=1e-6) else
                 CATALOGUE["em_2d.em_step.unnormalised"])
    with figure_on_failure(lambda: parameters_figure(
            X, (new_pi, new_mu, new_cov), tuple(expected[f] for f in FIELDS), label)):
        expect_valid_parameters(new_pi, new_mu, new_cov, what)


def expect_valid_parameters(new_pi, new_mu, new_cov, what) -> None:
    """Finite parameters, weights a pmf, covariances symmetric positive definite."""
    for name, arr in (("pi", new_pi), ("mu", new_mu), ("cov", new_cov)):
        expect_finite(arr, f"the new {name} of {what}", MSTEP_FORMULA)
    if abs(new_pi.sum() - 1) > 1e-6 or (new_pi < 0).any():
        fail(f"the new pi of {what} is {fmt(new_pi)}: weights are non-negative and sum to 1 "
             f"(they sum to {new_pi.sum():.6g})", "pi_k = N_k / N with N_k = r[:, k].sum()")
    for k in range(len(new_cov)):
        c = new_cov[k]
        if not np.allclose(c, c.T, rtol=1e-6, atol=1e-9):
            fail(f"the new cov[{k}] of {what} is not symmetric: {fmt(c)}",
                 "Sigma_k is a weighted sum of outer products (x_n - mu_k)(x_n - mu_k)^T, "
                 "which are symmetric")
        low = float(np.linalg.eigvalsh((c + c.T) / 2).min())
        if low <= 0:
            fail(f"the new cov[{k}] of {what} is not positive definite (smallest eigenvalue "
                 f"{low:.3g}): {fmt(c)}", MSTEP_FORMULA)


def _em_step_estep(student, ref) -> None:
    X = inputs.faithful_standardized()
    for key in ("fig", "mid"):
        label, _, pi, mu, cov = inputs.EM_STATES[key]
        what = describe_em(X, pi, mu, cov, label)
        r = call_em_step(student, X, pi, mu, cov, what)[3]
        expected, _, r_bugs, _ = _stored_state(key)
        with figure_on_failure(lambda: responsibilities_figure(X, r, expected["r"], pi, mu, cov,
                                                               label)):
            judge_estep(r, expected["r"], r_bugs, what)


def _em_step_mstep(student, ref) -> None:
    data = {"std": inputs.faithful_standardized(), "raw": inputs.faithful()}
    for key in ("fig", "mid", "twin"):
        label, which, pi, mu, cov = inputs.EM_STATES[key]
        X = data[which]
        what = describe_em(X, pi, mu, cov, label)
        *new, r = call_em_step(student, X, pi, mu, cov, what)
        chosen = _mstep_reference(r, *_stored_state(key))
        if chosen is None:
            continue   # an E-step the store does not know: no M-step to compare with here
        expected, field_bugs, source = chosen
        short = "your r" if source.startswith("your") else "the expected r"
        with figure_on_failure(lambda: parameters_figure(
                X, tuple(new), tuple(expected[f] for f in FIELDS), label, short)):
            judge_mstep(new, expected, field_bugs, what, source)


CHECKS = [
    EM_STEP.check("em_2d.em_step.outputs", "em_step: returns (pi, mu, cov, r) of the right "
                  "shapes, a valid posterior and valid parameters", 1, _em_step_outputs),
    EM_STEP.check("em_2d.em_step.estep", "em_step: the E-step's responsibilities equal "
                  "scikit-learn's posterior", 1, _em_step_estep),
    EM_STEP.check("em_2d.em_step.mstep", "em_step: the M-step's pi, mu, cov equal "
                  "scikit-learn's M-step", 2, _em_step_mstep),
]
