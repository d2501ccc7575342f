"""fit_gradient, a composite of the student's nll_grad and Adam. The public checks judge the
randomness convention and, where the student's nll_grad passes its own check, that the fit
reaches the stored maximum-likelihood fit with a loss that goes down. The replay of the Adam
steps themselves is a hidden check (it needs an implementation of Adam, which the public
package does not hold)."""
from __future__ import annotations

import numpy as np

from ...wire.protocol import Rng
from ..expect import fail
from . import inputs
from .access import with_steps
from .bugs import ADAM, bug
from .em_fit import failing_steps
from .fits import distance, expect_near_optimum, fit_figure, fit_params, history, history_figure
from .graded import FIT_GRADIENT
from .randomness import expect_rng_convention
from .values import FIT_ARGS, FIT_PARAM_TOL, RNG_SEEDS

STEPS = ("nll_grad", "mixture_likelihood")
NAMES = "logits, means, lsigmas, loss_history"


def describe(x, k, steps, lr, seed) -> str:
    return (f"fit_gradient(x of shape {x.shape}, K={k}, steps={steps}, learning_rate={lr}, "
            f"rng=np.random.default_rng({seed}))")


def call_fit_gradient(student, x, k, steps, lr, seed) -> tuple:
    what = describe(x, k, steps, lr, seed)
    return what, fit_params(student.call("fit_gradient", x, k, steps, lr, Rng(seed)), k, what,
                            NAMES)


def expect_loss_goes_down(hist: np.ndarray, what: str) -> None:
    first, last = float(hist[0]), float(hist[-1])
    figure = history_figure(hist, "your loss", "your loss_history (it should go down)")
    if np.all(hist < 0) and last > first:
        fail(f"the loss_history of {what} is negative and goes up, from {first:.6g} to "
             f"{last:.6g}: it looks like the log-likelihood", bug("fit_gradient.records_loglik"),
             figure=figure)
    if last > first + 10 * abs(first):
        fail(f"the loss_history of {what} explodes, from {first:.6g} to {last:.6g}: the fit "
             "diverged", "the steps are far too large: a plain gradient step learning_rate * g "
             "on the total NLL of N points, or a step in the wrong direction, blows up; Adam's "
             "step is about learning_rate in size whatever the gradient's scale. " + ADAM,
             figure=figure)
    if not last < first - 0.05 * abs(first):
        fail(f"the loss_history of {what} does not go down substantially: it starts at "
             f"{first:.6g} and ends at {last:.6g} (expected a drop of at least 5%)",
             bug("fit_gradient.not_adam"), figure=figure)


def grad_judges() -> dict:
    from .gradient import _grad_values
    return {"nll_grad": _grad_values}


def expect_fit_reaches(student, x, k, steps, lr, seeds, optimum, curve, judges,
                       tol=FIT_PARAM_TOL) -> list:
    """Where nll_grad passes its checks (``judges``): each seed's loss goes down and the best
    seed's fit is near ``optimum``. Returns the names of the failing steps (then only the
    returned shapes and history form are judged here)."""
    student = with_steps(student, "fit_gradient", STEPS)
    failing = failing_steps(student, judges)
    fits = [call_fit_gradient(student, x, k, steps, lr, seed) for seed in seeds]
    hists = [history(p[3], steps, w, "loss_history") for w, p in fits]
    if failing:
        return failing
    for (what, _), hist in zip(fits, hists):
        expect_loss_goes_down(hist, what)
    what, params = min(fits, key=lambda f: distance(f[1], optimum, tol))
    if len(fits) > 1:
        what += f" (the best of {len(fits)} seeds)"
    expect_near_optimum("fit_gradient", what, params, optimum, tol, ADAM,
                        fit_figure(student, x, curve, "your fitted density vs the "
                                   "maximum-likelihood fit"))
    return []


def _fit_gradient_rng(student, ref) -> None:
    x, a = inputs.data("fit"), FIT_ARGS
    expect_rng_convention(student, "fit_gradient", [x, a["K"], 3, a["learning_rate"]],
                          RNG_SEEDS, lambda s: describe(x, a["K"], 3, a["learning_rate"], s),
                          bug("fit_gradient.global_rng"))


def _fit_gradient_optimum(student, ref) -> None:
    s, a = inputs.STORED, FIT_ARGS
    expect_fit_reaches(student, inputs.data("fit"), a["K"], a["steps"], a["learning_rate"],
                       a["seeds"], s.value("fit.optimum"), s.value("fit.curve"), grad_judges())


CHECKS = [
    FIT_GRADIENT.check("gmm_likelihood.fit_gradient.rng",
                       "fit_gradient: randomness only from rng (same rng, same fit; numpy's "
                       "global generator untouched)", 0.5, _fit_gradient_rng),
    FIT_GRADIENT.check("gmm_likelihood.fit_gradient.optimum",
                       "fit_gradient: the loss goes down to the maximum-likelihood fit of two "
                       "clusters (judged where your nll_grad passes its check)", 1,
                       _fit_gradient_optimum),
]
