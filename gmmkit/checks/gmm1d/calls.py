"""Calling the student's ``GMM1D``: build a model with given parameters, run one method."""
from __future__ import annotations

import numpy as np

from ..core import Graded, StudentError
from ..expect import as_array

# One declaration per graded method (both belong to the class GMM1D).
ESTEP = Graded("GMM1D", slow_hint="compute the densities of all points at once with numpy")
MSTEP = Graded("GMM1D", slow_hint="use numpy sums over the points instead of Python loops")


def model_kwargs(means, variances, priors) -> dict:
    return {"means": np.asarray(means, dtype=float), "variances": np.asarray(variances, dtype=float),
            "priors": np.asarray(priors, dtype=float)}


def in_case(exc: StudentError, k: int, method: str, n: int) -> StudentError:
    """The student's error, saying which call raised it."""
    if "not implemented yet" in exc.message:
        return exc
    return StudentError(f"{exc.message}\n  (in GMM1D({k}, means=..., variances=..., priors=...)"
                        f".{method} with k = {k} Gaussians and n = {n} points)", exc.kind)


def run_estep(student, k: int, X, means, variances, priors) -> np.ndarray:
    """The student's ``GMM1D(k, means=..., variances=..., priors=...).estep(X)`` as an array."""
    X = np.asarray(X, dtype=float)
    try:
        gammas, _ = student.method("GMM1D", (k,), model_kwargs(means, variances, priors),
                                   "estep", (X,))
    except StudentError as exc:
        raise in_case(exc, k, "estep(X)", len(X)) from None
    return as_array(gammas, "estep(X)", "estep must return the responsibilities, an array of "
                    "shape (n, k)")


def run_mstep(student, k: int, X, gammas, means, variances, priors) -> dict:
    """Build the student's model with the given (old) parameters, call ``mstep(X, gammas)``
    and read back its parameters as arrays."""
    X = np.asarray(X, dtype=float)
    try:
        _, attrs = student.method("GMM1D", (k,), model_kwargs(means, variances, priors),
                                  "mstep", (X, np.asarray(gammas, dtype=float)),
                                  attrs=("priors", "means", "variances"))
    except StudentError as exc:
        raise in_case(exc, k, "mstep(X, gammas)", len(X)) from None
    return {name: as_array(value, f"self.{name} after mstep",
                           f"store self.{name} as a numpy array of shape (k,)")
            for name, value in attrs.items()}
