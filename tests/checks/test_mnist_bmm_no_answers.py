"""Nothing a student can install computes a mnist_bmm answer (issue 16).

A submission whose graded function only searches the public package for something that
returns a value of the right shape, and returns the first it finds, earns none of that
function's points, public and hidden checks together. The search is the red team's: every
function and class defined under ``gmmkit`` (figures excepted: they only draw, slowly), called
with the graded function's own arguments.
"""
import importlib
import inspect
import pkgutil
import warnings

import numpy as np
import pytest

import gmmkit
from gmmkit import paths
from gmmkit.checks import InKernelStudent, load_module, public_checks, run_checks

ASSIGNMENT = "mnist_bmm"
REF = load_module(paths.solutions_file(ASSIGNMENT), "ref_mnist_bmm_no_answers")
HIDDEN = load_module(paths.hidden_checks_file(ASSIGNMENT), "hidden_mnist_bmm_no_answers").CHECKS
CHECKS = public_checks(ASSIGNMENT) + HIDDEN
NAMES = ["bernoulli_log_prob", "e_step", "m_step", "fit_bmm", "update_clusters",
         "cluster_accuracy"]
# side effects (building, grading, files, processes) or only drawing: not searched
SKIP = ("gmmkit.course", "gmmkit.grading", "gmmkit.cli", "gmmkit.__main__",
        "gmmkit.answers", "gmmkit.checks.figures")


def public_callables() -> list:
    found, seen = [], set()
    for info in pkgutil.walk_packages(gmmkit.__path__, "gmmkit."):
        if info.name.startswith(SKIP):
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, callable):
            if (getattr(obj, "__module__", "") or "").startswith("gmmkit") \
                    and not str(getattr(obj, "__module__", "")).startswith(SKIP) \
                    and id(obj) not in seen:
                seen.add(id(obj))
                found.append(obj)
    return found


CALLABLES = public_callables()


def plausible(name: str, value, args) -> bool:
    """The shape of what ``name`` returns, nothing more."""
    n = len(args[0]) if hasattr(args[0], "__len__") else 0

    def arr(v, ndim):
        return isinstance(v, np.ndarray) and v.ndim == ndim and v.dtype.kind in "biuf"
    if name == "bernoulli_log_prob":
        return arr(value, 2) and value.shape == (n, len(args[1]))
    if name in ("e_step", "m_step"):
        return isinstance(value, tuple) and len(value) == 2 and arr(value[0], 2 if name ==
                                                                    "e_step" else 1)
    if name == "fit_bmm":
        return isinstance(value, tuple) and len(value) == 4
    if name == "update_clusters":
        return arr(value, 1) and value.shape == (n,)
    return isinstance(value, (float, np.floating)) and not isinstance(value, bool)


def borrowing(name: str):
    """A graded function that returns the first plausible value any public callable gives."""
    def borrowed(*args, **kwargs):
        for candidate in CALLABLES:
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    value = candidate(*args, **kwargs)
            except BaseException:   # a candidate may raise anything, even SystemExit
                continue
            if plausible(name, value, args):
                return value
        raise NotImplementedError(f"nothing in gmmkit computes {name}")
    borrowed.__name__ = name
    return borrowed


def test_the_search_covers_the_public_checks():
    modules = {c.__module__ for c in CALLABLES}
    assert {"gmmkit.checks.mnist_bmm.inputs", "gmmkit.checks.mnist_bmm.update",
            "gmmkit.checks.mnist_bmm.fit", "gmmkit.checks.expect", "gmmkit.datasets"} <= modules


@pytest.mark.parametrize("name", NAMES)
def test_borrowing_from_the_public_package_earns_nothing(name):
    namespace = {n: getattr(REF, n) for n in NAMES} | {name: borrowing(name)}
    with np.errstate(all="ignore"):
        results = run_checks(CHECKS, InKernelStudent(namespace), REF)
    earned = {c.id: r.score for c, r in zip(CHECKS, results) if c.function == name and r.score}
    assert not earned, earned


def constant_arguments(call) -> bool:
    """A call on numbers written out (a worked example's known value, e.g. np.log(0.5 ** 4))."""
    import ast
    return bool(call.args) and all(not isinstance(n, (ast.Name, ast.Attribute, ast.Call))
                                   for a in call.args for n in ast.walk(a))


def test_the_public_checks_compute_no_likelihood():
    """No code under gmmkit/checks/mnist_bmm/ takes a log or an exp of anything but numbers
    written out, or multiplies matrices (formulas appear in hints, as text only): the variants and the scipy re-implementations
    live in autograder/mnist_bmm/."""
    import ast
    import gmmkit.checks.mnist_bmm as public
    for path in sorted(paths.kit_root().joinpath("gmmkit", "checks", "mnist_bmm").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.BinOp):
                assert not isinstance(node.op, ast.MatMult), (path.name, node.lineno)
            if isinstance(node, ast.Call) and not constant_arguments(node):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in {"log", "log1p", "exp", "logsumexp", "logaddexp", "logpmf",
                                    "betaln"}, (path.name, node.lineno)
    assert not hasattr(public, "log_prob_scipy") and not hasattr(public, "posterior_scipy")
