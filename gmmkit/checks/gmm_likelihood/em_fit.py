"""em_fit, a composite of the student's own steps, judged on its own logic.

The replay calls ``em_fit(x, K, s, rng)`` for s = 1..4 from the same seed and checks that each
next result is one step of the student's own functions from the previous one,
``mstep(x, softmax(mixture_posterior_logits(x, ...), axis=1))``, that the history has one
entry per step and holds the log-likelihood of those parameters (before or after each step,
summed or averaged, up to a constant). A broken step therefore costs only that step's checks;
where the steps pass their own checks, the fit must also reach the stored optimum.
"""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp, softmax

from ...wire.protocol import Rng
from ..core import CheckFailed, StudentError
from ..expect import as_array, fail
from . import inputs
from .access import with_steps
from .bugs import EM_STEP, bug
from .common import f64, fmt
from .fits import (call_fits, distance, expect_near_optimum, fit_figure, fit_params, history,
                   history_figure, history_matches)
from .graded import EM_FIT
from .randomness import expect_rng_convention
from .values import EM_ARGS, EM_PARAM_TOL, REPLAY_STEPS, REPLAY_TOL, RNG_SEEDS

STEPS = ("mixture_posterior_logits", "mstep", "mixture_likelihood")
NAMES = "logits, means, lsigmas, loglik_history"


def describe(x, k, steps, seed) -> str:
    return f"em_fit(x of shape {x.shape}, K={k}, steps={steps}, rng=np.random.default_rng({seed}))"


def call_em_fit(student, x, k, steps, seed) -> tuple:
    what = describe(x, k, steps, seed)
    return what, fit_params(student.call("em_fit", x, k, steps, Rng(seed)), k, what, NAMES)


def _close(a, b) -> bool:
    with np.errstate(all="ignore"):
        return a.shape == b.shape and bool(np.allclose(a, b, **REPLAY_TOL))


def one_step(student, x, params) -> tuple:
    """mstep(x, softmax(mixture_posterior_logits(x, *params), axis=1)) with the student's own
    functions, and the log-likelihood sum_i logsumexp of those posterior logits."""
    what = f"mixture_posterior_logits(x, {', '.join(fmt(p) for p in params)})"
    logits = as_array(student.call("mixture_posterior_logits", x, *params), what)
    if logits.shape != (len(x), len(params[0])):
        fail(f"{what} returned shape {logits.shape} on em_fit's own parameters, so its steps "
             "cannot be replayed (the mixture_posterior_logits checks say more)")
    with np.errstate(all="ignore"):
        posterior = softmax(logits, axis=1)
        ll = float(logsumexp(logits, axis=1).sum())
    out = student.call("mstep", x, posterior)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        fail("your mstep did not return (logits, means, lsigmas) on em_fit's own "
             "responsibilities, so its steps cannot be replayed (the mstep checks say more)")
    return tuple(f64(a) for a in out), ll


def _likelihoods(student, x, params: list) -> list:
    """sum_i log p(x_i) of each parameter set by the student's own mixture_likelihood (None
    when it cannot be called or gives no number)."""
    out = []
    for p in params:
        try:
            out.append(float(np.sum(f64(student.call("mixture_likelihood", x, *p)))))
        except (StudentError, TypeError, ValueError):
            out.append(None)
    return out


def _replay_steps(step, x, runs: list, steps: int) -> tuple:
    """Each next result of ``runs`` against ``step(x, params) -> (next params, log-lik)``:
    (the log-likelihoods after 1..steps steps, what differs or "")."""
    levels = []
    for s in range(1, steps + 1):
        nxt, ll = step(x, runs[s - 1][1][:3])
        levels.append(ll)
        if s == steps:
            break
        got = runs[s][1][:3]
        with np.errstate(all="ignore"):
            same = (_close(softmax(got[0]), softmax(nxt[0])) and _close(got[1], nxt[1])
                    and _close(got[2], nxt[2]))
        if not same:
            return levels, (
                f"{runs[s][0]} returned weights {fmt(softmax(got[0]))}, means {fmt(got[1])}, "
                f"lsigmas {fmt(got[2])}; one step of your own functions from what "
                f"{runs[s - 1][0]} returned gives weights {fmt(softmax(nxt[0]))}, means "
                f"{fmt(nxt[1])}, lsigmas {fmt(nxt[2])} (tolerance rtol={REPLAY_TOL['rtol']:g}, "
                f"atol={REPLAY_TOL['atol']:g})")
    return levels, ""


REPLAY_HINT = ("em_fit must take exactly `steps` steps, each " + EM_STEP.split("; record")[0]
               + ", and return the parameters after the last one; if em_fit computes the E- or "
               "M-step itself, call your own mixture_posterior_logits and mstep instead (the "
               "replay follows them, so that a step's mistake costs only that step)")


def expect_replay(student, x, k: int, seed: int, steps: int = REPLAY_STEPS,
                  trusted_step=None) -> None:
    """em_fit(x, k, s, rng(seed)) for s = 1..steps against one step of the student's own
    functions (or, where given, ``trusted_step(x, params) -> (next params, log-lik)``, the
    reference's step: the hidden checks accept an em_fit whose own steps are right);
    raises CheckFailed saying what differs."""
    student = with_steps(student, "em_fit", STEPS)
    calls = [(describe(x, k, s, seed), (x, k, s, Rng(seed))) for s in [*range(1, steps + 1), 1]]
    *runs, (what_again, again) = call_fits(student, "em_fit", calls, k, NAMES)
    if not all(_close(f64(a), f64(b)) for a, b in zip(again[:3], runs[0][1][:3])):
        fail(f"two calls of {what_again} gave different parameters, so em_fit's steps cannot "
             "be replayed from the same start", bug("em_fit.global_rng"))
    hists = [history(p[3], s, w, "loglik_history") for s, (w, p) in
             zip(range(1, steps + 1), runs)]
    levels, differs = _replay_steps(lambda x, p: one_step(student, x, p), x, runs, steps)
    if differs and trusted_step is not None:
        levels, still = _replay_steps(trusted_step, x, runs, steps)
        differs = still and differs
    if differs:
        fail(differs, REPLAY_HINT)
    hist = hists[-1]
    for s in range(1, steps):
        if not np.allclose(hists[s - 1][:s], hist[:s], rtol=1e-9, atol=1e-9):
            fail(f"the loglik_history of {runs[s - 1][0]} is {fmt(hists[s - 1])}, but the first "
                 f"{s} entries of that of {runs[-1][0]} are {fmt(hist[:s])}: the same start "
                 "must give the same history")
    candidates = [levels]
    by_likelihood = _likelihoods(student, x, [r[1][:3] for r in runs])
    if all(v is not None for v in by_likelihood):
        candidates.append(by_likelihood)
    if any(history_matches(hist, [None] + lv, len(x)) for lv in candidates):
        return
    negated = any(history_matches(-hist, [None] + lv, len(x)) for lv in candidates)
    fail(f"the loglik_history of {runs[-1][0]} is {fmt(hist)}, but the log-likelihood of the "
         f"parameters em_fit returns after 1..{steps} steps is {fmt(levels)} (logsumexp of your "
         "posterior logits, summed over the points): the history must hold the log-likelihood "
         "of the parameters before each step (or after it)",
         bug("em_fit.records_nll") if negated else
         "record sum_i log p(x_i) once per step, e.g. the logsumexp over axis=1 of the "
         "posterior logits that step's E-step computes, summed over the points")


def _em_fit_replay(student, ref) -> None:
    expect_replay(student, inputs.data("em"), EM_ARGS["K"], EM_ARGS["seeds"][0])


def _em_fit_rng(student, ref) -> None:
    x = inputs.data("em")
    expect_rng_convention(student, "em_fit", [x, EM_ARGS["K"], 3], RNG_SEEDS,
                          lambda s: describe(x, EM_ARGS["K"], 3, s), bug("em_fit.global_rng"))


def failing_steps(student, judges: dict) -> list:
    """The names of the steps whose own checks fail (``judges``: name -> judge)."""
    failing = []
    for name, judge in judges.items():
        try:
            judge(student, None)
        except (CheckFailed, StudentError):
            failing.append(name)
    return failing


def step_judges() -> dict:
    from .mstep import _mstep_values
    from .posterior import _posterior_values
    return {"mixture_posterior_logits": _posterior_values, "mstep": _mstep_values}


def expect_never_decreasing(hist: np.ndarray, what: str) -> None:
    diffs = np.diff(hist)
    drops = diffs < -1e-5 * np.maximum(np.abs(hist[1:]), 1.0)
    if drops.any():
        i = int(np.argmax(drops))
        fail(f"the loglik_history of {what} decreases at step {i + 1}: from {hist[i]:.8g} to "
             f"{hist[i + 1]:.8g}, a drop of {hist[i] - hist[i + 1]:.4g} (allowed: rounding, "
             f"1e-5 of the log-likelihood; {int(drops.sum())} decreases in {len(hist)} steps)",
             bug("em_fit.records_nll") if hist[-1] < hist[0] and np.all(hist > 0) else
             "your mixture_posterior_logits and mstep pass their checks, so a decrease comes "
             "from how em_fit chains them: " + EM_STEP,
             figure=history_figure(hist, "your log-likelihood",
                                   "your loglik_history (EM's never decreases)"))


def expect_fit_or_replay(student, x, k, steps, seeds, optimum, curve, steps_judges,
                         tol=EM_PARAM_TOL) -> None:
    """Where the student's steps pass their checks: the best seed's fit near ``optimum`` and
    its history never decreasing. Where a step fails: em_fit must replay the student's steps
    (its fit then says nothing about em_fit)."""
    student = with_steps(student, "em_fit", STEPS)
    failing = failing_steps(student, steps_judges)
    if failing:
        try:
            expect_replay(student, x, k, seeds[0])
        except CheckFailed as exc:
            steps_fail = (f"your {failing[0]} fails its own checks" if len(failing) == 1 else
                          f"your {' and '.join(failing)} fail their own checks")
            fail(f"{steps_fail}, so em_fit's fit is not compared with the optimum; but em_fit "
                 f"does not replay your steps either: {exc}")
        return
    fits = [call_em_fit(student, x, k, steps, seed) for seed in seeds]
    for what, params in fits:
        expect_never_decreasing(history(params[3], steps, what, "loglik_history"), what)
    what, params = min(fits, key=lambda f: distance(f[1], optimum, tol))
    if len(fits) > 1:
        what += f" (the best of {len(fits)} seeds)"
    expect_near_optimum("em_fit", what, params, optimum, tol, EM_STEP,
                        fit_figure(student, x, curve, "your fitted density vs the "
                                   "maximum-likelihood fit"))


def _em_fit_optimum(student, ref) -> None:
    s = inputs.STORED
    expect_fit_or_replay(student, inputs.data("em"), EM_ARGS["K"], EM_ARGS["steps"],
                         EM_ARGS["seeds"], s.value("em.optimum"), s.value("em.curve"),
                         step_judges())


CHECKS = [
    EM_FIT.check("gmm_likelihood.em_fit.replay",
                 "em_fit: each step is your mixture_posterior_logits, a softmax and your mstep, "
                 "and the history their log-likelihood (replayed from the same rng)", 1,
                 _em_fit_replay),
    EM_FIT.check("gmm_likelihood.em_fit.rng",
                 "em_fit: randomness only from rng (same rng, same fit; numpy's global "
                 "generator untouched)", 0.5, _em_fit_rng),
    EM_FIT.check("gmm_likelihood.em_fit.optimum",
                 "em_fit: reaches the maximum-likelihood fit of two clusters, never decreasing "
                 "(judged where your mixture_posterior_logits and mstep pass their checks)", 0.5,
                 _em_fit_optimum),
]
