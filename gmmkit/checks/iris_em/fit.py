"""fit: EM from a given start, judged on its own logic.

A fit is right when it reaches what EM gives from the same start (the reference's trajectory,
or scikit-learn's, stored by the build), or when it follows the student's own E_step, M_step
and negativeloglikelihood faithfully (replayed one by one from the same start) and those steps
are what differs from the reference (they lose their own checks' points, not the fit's). Where
the student's steps agree with the reference, the fit must reach the reference's values.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np

from .. import figures
from ..core import CheckFailed, StudentError
from ..expect import as_array, as_tuple, expect_close, expect_finite, expect_shape, fail, \
    figure_on_failure
from . import bugs as B
from .e_step import run_estep
from .graded import FIT, STORE
from .inputs import IRIS_START, iris, iris_start
from .m_step import NAMES, TOLS as STEP_TOLS, run_mstep
from .nll import run_nll
from .values import (FIT_DEFAULT_ITERS, FIT_ITERS, FIT_TOL, HIST_ATOL, HIST_RTOL, NLL_ATOL,
                     NLL_RTOL, R_TOL)
from .views import params_figure


@dataclasses.dataclass
class Target:
    """What EM gives from ``start`` in ``iters`` iterations.

    ``theta``: (pi (k,), mu (k, d), cov (k, d, d)) after the last M-step; ``nll``: (iters + 1,)
    the negative log-likelihood of the parameters after t = 0 .. iters M-steps; ``neighbours``:
    {t: theta_t} for t = iters - 1 and iters + 1; ``steps``: the reference's first iterations,
    for each t {"r": E_step(theta_t) (n, k), "pi", "mu", "cov": M_step(r) = theta_{t+1},
    "nll": the NLL at theta_t}, against which the student's own steps are checked (two of them:
    at Iris's start every covariance is the same, which hides a missing determinant);
    ``source``: who computed it, for the message.
    """
    theta: Optional[tuple]
    nll: Optional[np.ndarray]
    neighbours: dict
    steps: list
    source: str


def run_fit(student, X, start, iters: Optional[int], what: str) -> tuple:
    pi, mu, cov = start
    args = (X, pi, mu, cov) if iters is None else (X, pi, mu, cov, iters)
    value = as_tuple(student.call("fit", *args), 4, what, "pi, mu, cov, loss_hist")
    names = ("pi", "mu", "cov", "loss_hist")
    return tuple(as_array(v, f"{name} of {what}", f"return {name} as a numpy array")
                 for name, v in zip(names, value))


def judge_fit_shapes(out: tuple, k: int, d: int, iters: int, what: str) -> None:
    pi, mu, cov, hist = out
    for name, arr, shape in (("pi", pi, (k,)), ("mu", mu, (k, d)), ("cov", cov, (k, d, d))):
        expect_shape(arr, shape, f"{name} of {what}", f"return the fitted {name}, shape {shape}")
    hint = (dataclasses.replace(B.FIT_HIST_LENGTH, hint=B.FIT_HIST_LENGTH.hint
                                + f", {iters} values in all")
            if hist.ndim == 1 else "loss_hist is a flat array (iters,)")
    expect_shape(hist, (iters,), f"loss_hist of {what}", hint)


def close_theta(got: tuple, want: tuple) -> bool:
    with np.errstate(all="ignore"):
        return all(np.shape(g) == np.shape(w) and np.allclose(g, w, **FIT_TOL[n], equal_nan=True)
                   for n, g, w in zip(NAMES, got, want))


def history_matches(hist: np.ndarray, nll: np.ndarray, n: int) -> bool:
    """loss_hist equals EM's, recorded before each M-step (nll[:-1]) or after it (nll[1:]), as a
    sum over the points or as their mean."""
    for target in (nll[:-1], nll[1:]):
        for scale in (1.0, 1.0 / n):
            with np.errstate(all="ignore"):
                if np.shape(hist) == np.shape(target) and np.allclose(
                        hist, target * scale, rtol=HIST_RTOL, atol=HIST_ATOL * scale,
                        equal_nan=True):
                    return True
    return False


class OwnSteps:
    """The student's own E_step, M_step and negativeloglikelihood: checked at the start against
    the reference's first step, and replayed from the start (once, on demand)."""

    def __init__(self, student, X, start, iters: int, target: Target):
        self.student, self.X, self.start, self.iters, self.target = student, X, start, iters, target
        self._faults: Optional[dict] = None
        self._replay = None

    def faults(self) -> dict:
        """{function: why} for each step that differs from the reference on the reference's
        first iterations from the start."""
        if self._faults is None:
            self._faults = {}
            theta = tuple(self.start)
            for t, step in enumerate(self.target.steps):
                where = f"at iteration {t} of the fit"
                for name, judge in (("E_step", self._estep_differs),
                                    ("M_step", self._mstep_differs),
                                    ("negativeloglikelihood", self._nll_differs)):
                    if name in self._faults:
                        continue
                    try:
                        why = judge(theta, step, where)
                    except StudentError as exc:
                        why = (f"could not be called beside fit ({exc.message})"
                               if exc.kind == "missing" else exc.message.splitlines()[0])
                    except CheckFailed as exc:
                        why = str(exc).splitlines()[0]
                    if why:
                        self._faults[name] = why
                theta = tuple(step[n] for n in NAMES)
        return self._faults

    def _estep_differs(self, theta, step, where):
        r = run_estep(self.student, self.X, *theta, f"E_step {where}")
        if r.shape != step["r"].shape or not np.allclose(r, step["r"], **R_TOL):
            return f"its responsibilities {where} differ from the reference's"
        return ""

    def _mstep_differs(self, theta, step, where):
        got = run_mstep(self.student, step["r"], self.X, f"M_step {where}")
        for name in NAMES:
            if got[name].shape != step[name].shape or not np.allclose(got[name], step[name],
                                                                      **STEP_TOLS[name]):
                return f"its {name} {where} differs from the reference's"
        return ""

    def _nll_differs(self, theta, step, where):
        got = run_nll(self.student, self.X, *theta, f"negativeloglikelihood {where}")
        if not np.isclose(got, np.asarray(step["nll"]).item(), rtol=NLL_RTOL, atol=NLL_ATOL):
            return f"its value {where} differs from the reference's"
        return ""

    def replay(self, with_nll: bool):
        """(thetas for t = 0 .. iters + 1, nll (iters + 1,) or None) of the student's own steps,
        or None when they cannot be replayed (a crash, a wrong shape)."""
        if self._replay is None or (with_nll and self._replay[1] is None):
            try:
                thetas = self._replay[0] if self._replay else self._thetas()
                nll = (np.array([run_nll(self.student, self.X, *t, "negativeloglikelihood")
                                 for t in thetas[:self.iters + 1]]) if with_nll else None)
                self._replay = (thetas, nll)
            except (StudentError, CheckFailed):
                return None
        return self._replay

    def _thetas(self) -> list:
        theta = tuple(np.asarray(a, dtype=float) for a in self.start)
        thetas = [theta]
        for _ in range(self.iters + 1):
            r = run_estep(self.student, self.X, *theta, "E_step")
            got = run_mstep(self.student, r, self.X, "M_step")
            theta = tuple(got[n] for n in NAMES)
            thetas.append(theta)
        return thetas


def _faults_text(faults: dict) -> str:
    return "; ".join(f"your {name}: {why}" for name, why in faults.items())


def _params_hint(got: tuple, target: Target, replayed, faults: dict, start, iters: int):
    """What the fitted parameters are, if not EM's after ``iters`` iterations: the start, or the
    parameters one iteration off (EM's, or the student's own steps'), or neither."""
    if close_theta(got, start):
        return B.FIT_START_RETURNED
    neighbours = [target.neighbours]
    if replayed is not None:
        neighbours.append({t: replayed[0][t] for t in (iters - 1, iters + 1)})
    for thetas in neighbours:
        for t, theta in sorted(thetas.items()):
            if t >= 1 and close_theta(got, theta):
                return dataclasses.replace(B.FIT_ITERS_OFF, hint=(
                    f"your parameters are those after {t} iterations, not {iters}: "
                    + B.FIT_ITERS_OFF.hint))
    if faults:
        return dataclasses.replace(B.FIT_NOT_OWN_STEPS, hint=(
            "your fit reaches neither the expected parameters nor those of your own steps, "
            f"replayed from the same start ({_faults_text(faults)}; see their checks): "
            + B.FIT_NOT_OWN_STEPS.hint))
    return ("run `iters` iterations, each an E-step at the current parameters then an M-step, "
            "and return the parameters after the last M-step")


def judge_fit_params(out: tuple, target: Target, own: OwnSteps, X, start, iters: int,
                     what: str) -> None:
    """The fitted (pi, mu, cov) against the target, or against the student's own steps where
    those are what differs from the reference."""
    got = out[:3]
    if close_theta(got, target.theta):
        return
    faults = {f: w for f, w in own.faults().items() if f in ("E_step", "M_step")}
    replayed = own.replay(with_nll=False) if faults else None
    if replayed is not None and close_theta(got, replayed[0][iters]):
        return          # fit does what its own steps say: they are judged by their own checks
    hint = _params_hint(got, target, replayed, faults, start, iters)
    for name, g in zip(NAMES, got):
        expect_finite(g, f"{name} of {what}", "is some R_j zero, or a covariance singular? "
                      "Your M_step's guards (R_j + 10 * eps, cov + 1e-6 * I) keep them finite")
    bad = next(i for i, n in enumerate(NAMES) if not np.allclose(got[i], target.theta[i],
                                                                 **FIT_TOL[n]))
    with figure_on_failure(lambda: params_figure(X, got, target.theta, f"fit (iters={iters}): "
                                                 "yours vs the expected, from the same start")):
        expect_close(got[bad], target.theta[bad], f"the fitted {NAMES[bad]} of {what}, "
                     f"compared with {target.source}", **FIT_TOL[NAMES[bad]], hint=hint)


def judge_monotone(hist: np.ndarray, what: str) -> None:
    """The negative log-likelihood never increases along EM (up to rounding)."""
    steps = np.diff(hist)
    allowed = 1e-5 * np.abs(hist[1:]) + 1e-8
    bad = steps > allowed
    if bad.any():
        t = int(np.argmax(bad))
        if (steps >= -allowed).all() and (hist < 0).all():
            hint = B.FIT_LOG_LIKELIHOOD
        else:
            hint = ("EM never increases the negative log-likelihood: compute each loss at the "
                    "parameters of that iteration, run the E-step before the M-step, and check "
                    "the M-step's formulas (weights R_j / n, biased covariances about the new "
                    "means)")
        fail(f"loss_hist of {what} increases from loss_hist[{t}] = {hist[t]:.10g} to "
             f"loss_hist[{t + 1}] = {hist[t + 1]:.10g}, by {steps[t]:.4g} (allowed: rounding, "
             f"1e-5 of the loss; {int(bad.sum())} increases in {len(steps)} steps)", hint,
             figure=figures.curves(hist, ylabel="negative log-likelihood", increasing=False,
                                   title="your loss_hist (EM's never goes up)"))


def judge_first_loss(hist: np.ndarray, candidates: list, n: int, what: str) -> None:
    """loss_hist[0] is the NLL at the start, or after the first iteration (both conventions are
    fine), as a sum over the points or their mean."""
    first = float(hist[0])
    for value in candidates:
        for scale in (1.0, 1.0 / n):
            if np.isclose(first, value * scale, rtol=HIST_RTOL, atol=HIST_ATOL * scale):
                return
    shown = " or ".join(f"{v:.8g}" for v in candidates)
    hint = ("loss_hist[t] is the negative log-likelihood, -sum_i log p(x_i), of the parameters "
            "at iteration t (before or after its M-step)")
    if any(np.isclose(first, -v, rtol=1e-5) for v in candidates):
        hint = dataclasses.replace(B.FIT_LOG_LIKELIHOOD, hint="the sign is wrong: record the "
                                   "NEGATIVE log-likelihood")
    fail(f"loss_hist[0] of {what} is {first:.10g}, but the negative log-likelihood is {shown} "
         f"at the start or after the first iteration (tolerance rtol=1e-5; the mean over the "
         f"{n} points is accepted too)", hint,
         figure=figures.curves(hist, ylabel="negative log-likelihood", increasing=False,
                               target=candidates[0], target_label="the NLL at the start",
                               title="your loss_hist"))


def judge_fit_history(out: tuple, target: Target, own: OwnSteps, what: str) -> None:
    """loss_hist against EM's from the same start, or against the student's own steps and
    negativeloglikelihood where those are what differs from the reference."""
    hist, n = out[3], len(own.X)
    if history_matches(hist, target.nll, n):
        return
    faults = own.faults()
    replayed = own.replay(with_nll=True) if faults else None
    if replayed is not None and history_matches(hist, replayed[1], n):
        return          # fit records what its own steps give: they are judged by their own checks
    expect_finite(hist, f"loss_hist of {what}", "log(0) = -inf: combine the components with "
                  "logsumexp in log space")
    judge_monotone(hist, what)
    judge_first_loss(hist, [float(target.nll[0]), float(target.nll[1])], n, what)
    scale = 1.0 if abs(hist[0]) > abs(target.nll[0]) / 2 else 1.0 / n    # a sum, or a mean
    expected = target.nll[:-1] * scale
    bad = ~np.isclose(hist, expected, rtol=HIST_RTOL, atol=HIST_ATOL * scale)
    t = int(np.argmax(bad)) if bad.any() else 0
    hint = ("loss_hist[t] = negativeloglikelihood(X, pi, mu, cov) at iteration t, for the "
            "parameters of that iteration")
    if faults:
        hint = dataclasses.replace(B.FIT_NOT_OWN_STEPS, hint=(
            "your loss_hist follows neither EM's nor your own steps' ("
            f"{_faults_text(faults)}; see their checks): " + B.FIT_NOT_OWN_STEPS.hint))
    fail(f"loss_hist of {what} differs from EM's negative log-likelihood from the same start "
         f"({target.source}) first at loss_hist[{t}]: expected {expected[t]:.10g}, got "
         f"{hist[t]:.10g} (tolerance rtol={HIST_RTOL:g}; recorded before or after each "
         f"M-step, as a sum or as a mean over the {n} points)", hint,
         figure=figures.curves(hist, expected, ylabel="negative log-likelihood",
                               increasing=False, title="your loss_hist vs EM's"))


# --------------------------------------------------------------------------------------------
# The public checks, on Iris from a fixed start (stored expected values)
# --------------------------------------------------------------------------------------------
def stored_target(iters: int) -> Target:
    steps = [STORE.value(f"fit.step{t}") for t in (0, 1)]
    if iters == FIT_ITERS:
        value = {t: STORE.value(f"fit.sklearn_iters={t}") for t in (iters - 1, iters, iters + 1)}
        thetas = {t: tuple(v[n] for n in NAMES) for t, v in value.items()}
        return Target(theta=thetas[iters], nll=None, steps=steps,
                      neighbours={t: thetas[t] for t in (iters - 1, iters + 1)},
                      source="scikit-learn's GaussianMixture(3, covariance_type='full', tol=0, "
                             "reg_covar=1e-6) from the same start")
    return Target(theta=None, nll=STORE.value(f"fit.nll_iters={iters}"), neighbours={},
                  steps=steps, source="the reference's EM")


def _fit_loss_history(student, ref) -> None:
    X, _ = iris()
    start = iris_start()
    what = f"fit(X_iris, pi, mu, cov) {IRIS_START}, default iters"
    out = run_fit(student, X, start, None, what)
    judge_fit_shapes(out, 3, 4, FIT_DEFAULT_ITERS, what)
    target = stored_target(FIT_DEFAULT_ITERS)
    judge_fit_history(out, target, OwnSteps(student, X, start, FIT_DEFAULT_ITERS, target), what)


def _fit_matches_sklearn(student, ref) -> None:
    X, _ = iris()
    start = iris_start()
    what = f"fit(X_iris, pi, mu, cov, iters={FIT_ITERS}) {IRIS_START}"
    out = run_fit(student, X, start, FIT_ITERS, what)
    judge_fit_shapes(out, 3, 4, FIT_ITERS, what)
    target = stored_target(FIT_ITERS)
    judge_fit_params(out, target, OwnSteps(student, X, start, FIT_ITERS, target), X, start,
                     FIT_ITERS, what)


CHECKS = [
    FIT.check("iris_em.fit.loss_history", "fit: loss_hist has shape (iters,), starts at the NLL "
              "and never increases", 1, _fit_loss_history),
    FIT.check("iris_em.fit.matches_sklearn", "fit: matches scikit-learn's GaussianMixture from "
              "the same start (12 iterations)", 1, _fit_matches_sklearn),
]
