"""What fit_gradient and em_fit return, judged without computing a fit: the returned shapes,
the history's form, and the distance of the fitted parameters to the stored
maximum-likelihood fit (after matching components)."""
from __future__ import annotations

import numpy as np
from scipy.special import softmax

from .. import figures
from ..expect import as_array, as_tuple, expect_finite, expect_shape, fail, match_components
from .bugs import bug
from .common import f64, fmt
from .values import HISTORY_TOL

PARAMS = ("logits", "means", "lsigmas")


def fit_params(value, k: int, what: str, names: str) -> tuple:
    """The returned (logits, means, lsigmas) as (K,) arrays and the history as it came."""
    logits, means, lsigmas, hist = as_tuple(value, 4, what, names)
    params = []
    for name, v in zip(PARAMS, (logits, means, lsigmas)):
        arr = as_array(v, f"the {name} returned by {what}")
        expect_shape(arr, (k,), f"the {name} returned by {what}", "one entry per component")
        params.append(arr)
    return (*params, hist)


def call_fits(student, function: str, calls: list, k: int, names: str) -> list:
    """``function(*args)`` for each (what, args) in ``calls``, in ONE program, so that any
    randomness not drawn from rng differs between the calls in the grader's worker as in a
    notebook: [(what, (logits, means, lsigmas, history))]."""
    values = student.run([{"call": function, "args": list(args), "return": True}
                          for _, args in calls])
    return [(what, fit_params(v, k, what, names)) for (what, _), v in zip(calls, values)]


def history(hist, steps: int, what: str, name: str) -> np.ndarray:
    """The history as a 1-D array of ``steps`` values (one per step) or ``steps + 1`` (the
    start as well), finite."""
    hist = as_array(hist, f"the {name} returned by {what}",
                    f"return {name} as a list or a 1-D array, one number per step")
    hist = hist.reshape(-1) if hist.ndim == 2 and 1 in hist.shape else hist
    if hist.ndim != 1 or len(hist) not in (steps, steps + 1):
        fail(f"the {name} returned by {what} has shape {hist.shape}; expected one number per "
             f"step, shape ({steps},) (or ({steps + 1},) with the start)",
             f"append one number per step to {name}")
    expect_finite(hist, f"the {name} of {what}", "the fit diverged or a log-likelihood "
                  "underflowed: compute it with logsumexp")
    return hist


def describe_fit(logits, means, lsigmas) -> str:
    with np.errstate(all="ignore"):
        return (f"weights {fmt(softmax(f64(logits)))}, means {fmt(means)}, sigmas "
                f"{fmt(np.exp(f64(lsigmas)))}")


def matched(params: tuple, optimum: dict) -> dict:
    """The fit's weights, means and lsigmas, components matched to the optimum's by means."""
    logits, means, lsigmas = (f64(p) for p in params[:3])
    order = match_components(means, optimum["means"])
    with np.errstate(all="ignore"):
        return {"weights": softmax(logits)[order], "means": means[order],
                "lsigmas": lsigmas[order]}


def distance(params: tuple, optimum: dict, tol: dict) -> float:
    """The largest gap to the optimum in units of each parameter's tolerance (inf if NaN)."""
    if not np.all(np.isfinite(np.concatenate([f64(p) for p in params[:3]]))):
        return np.inf
    got = matched(params, optimum)
    want = {"weights": softmax(optimum["logits"]), "means": optimum["means"],
            "lsigmas": optimum["lsigmas"]}
    return max(float(np.abs(got[n] - want[n]).max()) / tol[n] for n in tol)


def diagnosis(function: str, params: tuple, optimum: dict, tol: dict):
    """The classic bug a fit that misses the optimum shows, or None."""
    logits, means, lsigmas = (f64(p) for p in params[:3])
    with np.errstate(all="ignore"):
        if np.all(lsigmas > 0) and distance((logits, means, np.log(lsigmas)), optimum,
                                            tol) <= 1:
            return bug(f"{function}.returns_sigmas")
        if np.all(logits > 0) and abs(logits.sum() - 1) < 1e-6 and \
                distance((np.log(logits), means, lsigmas), optimum, tol) <= 1:
            return bug(f"{function}.returns_weights")
    if len(means) > 1 and np.ptp(means) < 1e-6 and np.ptp(lsigmas) < 1e-6:
        return bug(f"{function}.identical")
    return None


def expect_near_optimum(function: str, what: str, params: tuple, optimum: dict, tol: dict,
                        hint, figure=None) -> None:
    """The fit's parameters, matched to the optimum's components, within ``tol``."""
    expect_finite(np.concatenate([f64(p) for p in params[:3]]),
                  f"the parameters returned by {what}", "the fit diverged: " + str(
                      getattr(hint, "hint", hint)))
    got = matched(params, optimum)
    want = {"weights": softmax(optimum["logits"]), "means": optimum["means"],
            "lsigmas": optimum["lsigmas"]}
    for name in ("means", "lsigmas", "weights"):
        gap = np.abs(got[name] - want[name])
        if gap.max() > tol[name]:
            i = int(np.argmax(gap))
            fail(f"{what}: after matching components by their means, the {name} of component "
                 f"{i} is {got[name][i]:.4g}, the maximum-likelihood fit's {want[name][i]:.4g} "
                 f"(allowed difference {tol[name]:g}). Your fit: {describe_fit(*params[:3])}; "
                 f"the best fit: {describe_fit(optimum['logits'], optimum['means'], optimum['lsigmas'])}",
                 diagnosis(function, params, optimum, tol) or hint,
                 figure=figure(params) if figure else None)


def fit_figure(student, x, curve: dict, title: str):
    """Draws the fitted density (with the student's own mixture_likelihood, when it can be
    called) over the data, against the stored density of the best fit."""
    def draw(params):
        try:
            mine = np.exp(f64(student.call("mixture_likelihood", curve["grid"][:, None],
                                           *params[:3])))
            mine = mine if mine.shape == curve["grid"].shape and np.all(np.isfinite(mine)) \
                else None
        except Exception:
            mine = None
        try:
            return figures.density(curve["grid"], mine, curve["pdf"], samples=f64(x)[:, 0],
                                   bins=40, samples_label="the data x", title=title)
        except Exception:
            return None
    return draw


def history_figure(hist, ylabel: str, title: str):
    try:
        return figures.curves(hist, ylabel=ylabel, title=title)
    except Exception:
        return None


def history_matches(hist: np.ndarray, levels: list, n: int) -> bool:
    """``hist`` holds ``levels`` (the loss or log-likelihood of the parameters after 0, 1, ...
    steps; None where unknown) as a history may: before each step (hist[t] = levels[t]), after
    it (hist[t] = levels[t + 1]), or both with the start (len(levels) values), summed or
    averaged over the N points, up to an additive constant (a dropped log(2 pi), say)."""
    last = len(levels) - 1          # the number of steps
    for offset in (0, 1):
        if offset == 1 and len(hist) != last:
            continue
        pairs = [(j, j + offset) for j in range(len(hist)) if j + offset <= last
                 and levels[j + offset] is not None]
        if len(pairs) < 2:
            continue
        h = np.array([hist[j] for j, _ in pairs], dtype=float)
        lv = np.array([levels[i] for _, i in pairs], dtype=float)
        for scale in (1.0, 1.0 / n):
            resid = h - scale * lv
            if np.ptp(resid) <= HISTORY_TOL["atol"] + HISTORY_TOL["rtol"] * 10 * (
                    np.abs(scale * lv).max() + 1.0):
                return True
    return False
