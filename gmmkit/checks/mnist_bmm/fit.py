"""Checks of ``fit_bmm``, a composite: it calls the student's own e_step and m_step, so it is
judged on its own logic. The checks replay the student's steps from the fit's own first
iteration (same rng) and compare; only where those steps pass their checks (on this data) must
the objective also rise at every iteration and, at the reference's optimum, equal its stored
objective (another start may end in a local optimum: the hidden check judges that one). A
broken step thus costs only that step's points.

Randomness conventions: the same rng gives the same fit, and numpy's global generator is
neither consulted nor changed (:mod:`.rng`).
"""
from __future__ import annotations

import numpy as np

from .. import figures
from ..core import CheckFailed, StudentError
from ..expect import expect_shape, fail, match_components
from . import inputs
from .bugs import BUGS, OBJECTIVE_FORMULA, hint_for
from .calls import StepsSeenBy, call_e_step, call_fit, call_m_step, fmt
from .e_step import resp_shape_hint
from .graded import FIT
from .rng import judge_rng
from .stored import STORE
from .values import REPLAY_TOL, STEPS_TOL


# ------------------------------------------------------------------ are the student's steps right?
def steps_pass(student, X, r, pi, mu, expected: dict) -> bool:
    """True when the student's e_step(X, pi, mu) and m_step(X, r) (default smoothing), those
    fit_bmm calls, give ``expected`` = {"r", "loglik", "pi", "mu"}: then the fit must reach
    the optimum."""
    student = StepsSeenBy(student, "fit_bmm")
    try:
        got_r, got_ll, _ = call_e_step(student, X, pi, mu)
        got_pi, got_mu, _ = call_m_step(student, X, r)
    except (StudentError, CheckFailed):
        return False
    pairs = [(got_r, expected["r"]), (got_ll, float(np.reshape(expected["loglik"], ()))),
             (got_pi, expected["pi"]), (got_mu, expected["mu"])]
    with np.errstate(all="ignore"):
        return all(np.shape(a) == np.shape(b) and np.allclose(a, b, **STEPS_TOL)
                   for a, b in pairs)


def stored_steps_pass(student) -> bool:
    X, r, pi, mu = inputs.fit_steps_inputs()
    return steps_pass(student, X, r, pi, mu, STORE.value("fit.steps"))


# ------------------------------------------------------------------ shapes
def judge_fit_shapes(student, X, k: int, iters: int, seed: int):
    """Call fit_bmm and check the shape of every output (values are the other checks' job)."""
    n, d = X.shape
    pi, mu, r, hist, what = call_fit(student, X, k, iters, seed)
    expect_shape(pi, (k,), f"the pi of {what}", "one weight per cluster: shape (k,)")
    expect_shape(mu, (k, d), f"the mu of {what}", "one row of pixel probabilities per cluster")
    expect_shape(r, (n, k), f"the r of {what}", resp_shape_hint(r, n, k))
    if hist.ndim != 1 or len(hist) not in (iters, iters + 1):
        fail(f"the objective_history of {what} has shape {hist.shape}, expected ({iters},): "
             "one objective per iteration", "append one number, the objective after the "
             "iteration, at the end of each of the iters iterations")
    return pi, mu, r, hist, what


def _fit_shapes_and_rng(student, ref) -> None:
    X = inputs.fit_data()
    judge_fit_shapes(student, X, 3, 20, 0)
    judge_rng(student, X, 3, 5)


# ------------------------------------------------------------------ monotone
def judge_monotone(hist: np.ndarray, what: str, steps_ok: bool) -> None:
    with np.errstate(all="ignore"):
        tol = 1e-5 * np.maximum(np.abs(hist[:-1]), 1.0)
        drops = ~(hist[1:] >= hist[:-1] - tol)          # a NaN counts as a drop
    if not drops.any():
        return
    t = int(np.argmax(drops))
    falling = np.mean(np.diff(hist) < 0)
    if falling > 0.8:
        hint = BUGS["mnist_bmm.fit_bmm.negative"]
    elif steps_ok:
        hint = ("your e_step and m_step are right on this data, so EM cannot lower the "
                "objective: check that each M-step uses the responsibilities of the E-step "
                "just before it and that the objective is computed for the parameters of the "
                "same iteration. " + OBJECTIVE_FORMULA)
    else:
        hint = ("fit_bmm does not follow your e_step and m_step (replayed from its first "
                "iteration they give other parameters), so it is judged as EM on its own, "
                "which never lowers the objective; call your e_step and m_step inside it, "
                "and make their checks pass. " + OBJECTIVE_FORMULA)
    fail(f"the objective_history of {what} decreases from iteration {t} to {t + 1}: "
         f"{hist[t]:.10g} then {hist[t + 1]:.10g}, a drop of {hist[t] - hist[t + 1]:.4g} "
         f"(allowed: rounding, 1e-5 of the objective; {int(drops.sum())} of {len(drops)} "
         f"steps go down)\nobjective_history: {fmt(hist)}", hint,
         figure=figures.curves(hist, ylabel="objective", title="your objective_history "
                               "(EM's never goes down)"))


# ------------------------------------------------------------------ replay
def replay_steps(student, X, pi, mu, iters: int):
    """From the fit's first parameters, the student's own e_step, then ``iters`` times their
    m_step and e_step: states[t] = (pi, mu, r, loglik) after t + 1 iterations. None when a
    step raises (then the fit is judged without a replay)."""
    student = StepsSeenBy(student, "fit_bmm")
    try:
        r, ll, _ = call_e_step(student, X, pi, mu)
        states = [(pi, mu, r, ll)]
        for _ in range(iters):
            pi, mu, _ = call_m_step(student, X, r)
            r, ll, _ = call_e_step(student, X, pi, mu)
            states.append((pi, mu, r, ll))
    except (StudentError, CheckFailed):
        return None
    return states


def _close(a, b) -> bool:
    with np.errstate(all="ignore"):
        return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, equal_nan=True, **REPLAY_TOL))


def replay_mismatch(fit_out, states, iters: int):
    """Why the fit after ``iters`` iterations differs from the replay of the student's steps
    from its first iteration (``states``, see :func:`replay_steps`), or ''."""
    pi, mu, r = fit_out
    end = states[iters - 1]
    if _close(pi, end[0]) and _close(mu, end[1]):
        if _close(r, end[2]):
            return ""
        if iters >= 2 and _close(r, states[iters - 2][2]):
            return ("its r is that of the previous iteration: return the responsibilities of "
                    "the pi and mu you return (the E-step after the last M-step)")
        return "its r is not what your e_step gives for the pi and mu it returns"
    if iters >= 2 and _close(pi, states[iters - 2][0]) and _close(mu, states[iters - 2][1]):
        return "it matches one iteration FEWER: run the loop iters times"
    if _close(pi, states[iters][0]) and _close(mu, states[iters][1]):
        return "it matches one iteration MORE: run the loop iters times"
    return ("its pi and mu differ from those of your m_step and e_step replayed from its "
            "first iteration")


def judge_replay(student, X, k: int, iters: int, seed: int, steps_ok: bool,
                 history_check=None):
    """fit_bmm(iters=1) then iters - 1 more iterations of the student's own m_step and
    e_step must give fit_bmm(iters); the objective must rise when the steps are right.
    ``history_check(hist, trajectory, first, final, what)`` (hidden checks) judges the
    objectives: along the replay where it matches, else from the returned parameters."""
    pi1, mu1, r1, h1, what1 = call_fit(student, X, k, 1, seed)
    pi, mu, r, hist, what = call_fit(student, X, k, iters, seed)
    for h, w, n_iter in ((h1, what1, 1), (hist, what, iters)):
        if h.ndim != 1 or len(h) not in (n_iter, n_iter + 1):
            fail(f"the objective_history of {w} has shape {h.shape}, expected ({n_iter},)",
                 "append one number, the objective after the iteration, at the end of each "
                 "of the iters iterations")
    # Two fits with the same rng that start apart cannot be replayed: the randomness check
    # charges that; this one then judges the fit as EM on its own.
    same_start = _close(hist[len(hist) - iters], h1[-1])
    trajectory = replay_steps(student, X, pi1, mu1, iters) if same_start else None
    why = "" if trajectory is None else replay_mismatch((pi, mu, r), trajectory, iters)
    if why and steps_ok:
        fail(f"{what} does not follow your own m_step and e_step: {why} (replayed: "
             f"{what1}, your e_step on its pi and mu, then {iters - 1} times your m_step(X, r) "
             "and e_step(X, pi, mu))",
             "inside fit_bmm, alternate your m_step (smoothing = 1) and e_step for all iters "
             "iterations, each M-step using the responsibilities of the E-step just before it, "
             "and return the last pi, mu and their r")
    if steps_ok or why or trajectory is None:
        # EM with right steps, or a fit that does not use the student's steps (so judged as
        # EM on its own): the objective never goes down
        judge_monotone(hist, what, steps_ok)
    if history_check is not None and (trajectory is not None and not why or not steps_ok):
        history_check(hist, trajectory, (pi1, mu1, r1, h1), (pi, mu, r), what)
    return pi, mu, r, hist, what


def _fit_replay(student, ref) -> None:
    judge_replay(student, inputs.replay_data(), inputs.REPLAY_K, inputs.REPLAY_ITERS,
                 inputs.REPLAY_SEED, stored_steps_pass(student))


# ------------------------------------------------------------------ the optimum
def judge_optimum(hist: np.ndarray, what: str, optimum: float, beta_constant: float,
                  bugs: dict) -> None:
    """The last objective must be the reference's optimum (or it plus the Beta prior's
    normalising constant)."""
    last = float(hist[-1])
    tol = 1e-5 * abs(optimum) + 1e-2
    if abs(last - optimum) <= tol or abs(last - optimum - beta_constant) <= tol:
        return
    fail(f"the last objective of {what} is {last:.10g}, but the fit ends at the optimum of "
         f"these well-separated clusters (its pi and mu are the reference's), whose objective "
         f"is {optimum:.10g} (tolerance {tol:.3g}; off by {last - optimum:.6g})",
         hint_for(last, bugs, "objective_history[-1] must be the objective of the pi and mu "
                  "you return: compute it after the last M-step (with the E-step that follows "
                  "it). " + OBJECTIVE_FORMULA),
         figure=figures.curves(hist, ylabel="objective", target=optimum,
                               target_label="the optimum (loglik + log prior)",
                               title="your objective_history"))


def at_optimum(pi, mu, opt_pi, opt_mu, atol: float = 1e-3) -> bool:
    """(pi, mu) equal (opt_pi, opt_mu) up to the order of the clusters."""
    if np.shape(mu) != np.shape(opt_mu) or np.shape(pi) != np.shape(opt_pi):
        return False
    with np.errstate(all="ignore"):
        if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(pi))):
            return False
        order = match_components(mu, opt_mu)
        return bool(np.allclose(mu[order], opt_mu, atol=atol)
                    and np.allclose(pi[order], opt_pi, atol=atol))


def _fit_reaches_optimum(student, ref) -> None:
    X = inputs.fit_data()
    pi, mu, _, hist, what = judge_fit_shapes(student, X, inputs.FIT_K, inputs.FIT_ITERS,
                                             inputs.FIT_SEED)
    if not stored_steps_pass(student):
        return      # judged once e_step and m_step pass theirs: a broken step costs its own
    stored = STORE.value("fit.optimum")
    if not at_optimum(pi, mu, stored["pi"], stored["mu"]):
        # another start may end in a local optimum: the objective's value is then judged by
        # the hidden check, which can compute it; the replay check judged the fit's logic
        return
    judge_optimum(hist, what, float(np.reshape(stored["objective"], ())),
                  float(np.reshape(stored["beta_constant"], ())),
                  STORE.bugs("fit.optimum"))


CHECKS = [
    FIT.check("mnist_bmm.fit_bmm.shapes", "fit_bmm: returns pi (k,), mu (k, d), r (n, k) and one "
              "objective per iteration; the same rng gives the same fit, numpy's global "
              "generator untouched", 1, _fit_shapes_and_rng),
    FIT.check("mnist_bmm.fit_bmm.replay", "fit_bmm: follows your own m_step and e_step "
              "(replayed from its first iteration), and the objective never decreases", 1,
              _fit_replay),
    FIT.check("mnist_bmm.fit_bmm.optimum", "fit_bmm: at the optimum of well-separated data, "
              "the last objective is the optimum's log-likelihood + log prior (judged once "
              "e_step and m_step pass)", 1, _fit_reaches_optimum),
]
