"""Judging ``GMM1D.mstep``: the new priors, means and variances against the stored reference
(or the hand-worked values of hard assignments), each wrong parameter with its classic bug."""
from __future__ import annotations

from typing import Callable, Mapping, Optional

import numpy as np

from ..bugs import matches
from ..core import CheckFailed
from ..expect import expect_close
from . import bugs, inputs
from .calls import MSTEP, run_mstep
from .diagnose import nearest_bug
from .figure import components_figure
from .values import PARAM_TOL, hard_expected

PARAMS = ("priors", "means", "variances")
RECIPES = {"priors": "priors[j] = N_j / n, the mean of column j of gammas",
           "means": "means[j] = sum_i gammas[i, j] * x_i / N_j, a weighted mean",
           "variances": "variances[j] = sum_i gammas[i, j] * (x_i - means[j])**2 / N_j, "
                        "about the NEW means[j]"}


def param_hint(name: str, got: np.ndarray, want: np.ndarray, old: np.ndarray,
               candidates: Mapping[str, np.ndarray]):
    """The classic bug that explains a wrong parameter after the M-step (a Bug), or the recipe.

    ``candidates``: {bug id: the value of this parameter under that bug, on these inputs}."""
    if matches(got, old) and not matches(want, old):
        return bugs.MSTEP_NOT_STORED
    bug = nearest_bug(got, want, candidates)
    if bug is not None:
        return bug
    k = len(want)
    if k > 2 and got.shape == want.shape and matches(got[:2], want[:2]) and not matches(got[2:], want[2:]):
        return bugs.TWO_ONLY
    if name == "means" and got.shape == (k, 1):
        return bugs.MSTEP_COLUMN_MEANS
    return RECIPES[name]


def judge_mstep(got: dict, expected: dict, old: dict, case: str,
                candidates: Mapping[str, Mapping[str, np.ndarray]], draw: Callable,
                tol: Optional[dict] = None) -> None:
    """Compare priors, means and variances; one message that names every wrong parameter.

    ``candidates[name]``: {bug id: value of that parameter}; ``draw()`` makes the figure."""
    problems, bug = [], ""
    for name in PARAMS:
        try:
            expect_close(got[name], expected[name], f"self.{name} after mstep {case}",
                         **(tol or PARAM_TOL),
                         hint=param_hint(name, got[name], np.asarray(expected[name], dtype=float),
                                         np.asarray(old[name], dtype=float),
                                         candidates.get(name, {})))
        except CheckFailed as exc:
            problems.append(str(exc))
            bug = bug or exc.bug
    if problems:
        try:
            figure = draw()
        except Exception:
            figure = None
        raise CheckFailed("\n\n".join(problems), figure=figure, bug=bug)


def _title(case: str) -> str:
    return f"mstep(X, gammas) {case}: your new components vs the expected mixture"


def _stored_bugs(key: str) -> dict:
    return {name: inputs.STORE.bugs(f"{key}.{name}") for name in PARAMS}


def _stored_draw(key: str, X, got: dict, expected: dict, case: str) -> Callable:
    def draw():
        fig = inputs.STORE.value(key + ".figure")
        return components_figure(X, got, fig["grid"], fig["pdf"], _title(case), expected)
    return draw


def check_mstep_values(student, ref) -> None:
    key = inputs.MSTEP_VALUES_KEY
    case = inputs.stored_case(key)
    old = {name: case[name] for name in PARAMS}
    got = run_mstep(student, 3, case["X"], case["gammas"], old["means"], old["variances"],
                    old["priors"])
    want = inputs.STORE.value(key)
    judge_mstep(got, want, old, "with k = 3", _stored_bugs(key),
                _stored_draw(key, case["X"], got, want, "with k = 3"))


def check_mstep_hard(student, ref) -> None:
    for k in inputs.HARD_KS:
        case, key = inputs.hard_case(k), inputs.mstep_hard_key(k)
        old = {name: case[name] for name in PARAMS}
        got = run_mstep(student, k, case["X"], case["gammas"], old["means"], old["variances"],
                        old["priors"])
        label = f"with k = {k} and one-hot responsibilities (hard assignments)"
        want = hard_expected(k)
        judge_mstep(got, want, old, label, _stored_bugs(key),
                    _stored_draw(key, case["X"], got, want, label))


CHECKS = [
    MSTEP.check("gmm1d.mstep.values", "mstep: priors, means and variances from given "
                "responsibilities (k = 3)", 1.5, check_mstep_values),
    MSTEP.check("gmm1d.mstep.hard", "mstep: hard assignments give each group's share, mean "
                "and variance (k = 3, 5)", 1.0, check_mstep_hard),
]
