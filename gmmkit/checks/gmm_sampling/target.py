"""The distribution a sample must follow, as the sampling checks need it: its exact mean,
variance and fourth central moment, its CDF, the CDFs of the classic bugs' distributions, and
its density on a grid for the figure.

A public check reads it from the stored data (the CDFs as values on a fine grid, interpolated:
the build computes them on the trusted side), so the package holds no mixture density, CDF or
sampler; a hidden check builds it from the exact mixture (``autograder/gmm_sampling/``).
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from ..stored import Stored
from .bugs import CATALOGUE

STORE = Stored("gmm_sampling")      # the build's expected values of this assignment


@dataclasses.dataclass(frozen=True)
class Target:
    k: int                              # number of components
    means: np.ndarray                   # (k,) component means (where a bug's CDF may jump)
    mean: float
    var: float
    m4: float                           # fourth central moment, for the variance's error
    cdf: Callable[[np.ndarray], np.ndarray]
    alternatives: tuple                 # ((Bug, cdf), ...): the classic bugs' distributions
    grid: np.ndarray                    # (G,) for the figure
    pdf: np.ndarray                     # (G,) the density on the grid


def interpolated_cdf(t: np.ndarray, F: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A CDF from its values F at increasing points t: 0 before, 1 after, linear between."""
    t, F = np.asarray(t, dtype=float), np.asarray(F, dtype=float)
    return lambda x: np.interp(np.asarray(x, dtype=float), t, F, left=0.0, right=1.0)


def stored_target(key: str) -> Target:
    """The target stored by the build under ``key`` (see ``autograder/gmm_sampling/expected.py``)."""
    value = STORE.value(key)
    cdf = STORE.value(key + ".cdf")
    alternatives = tuple((CATALOGUE[bug_id], interpolated_cdf(v["t"], v["F"]))
                         for bug_id, v in STORE.bugs(key + ".cdf").items())
    mean, var, m4 = (float(v) for v in value["moments"])
    return Target(k=len(value["means"]), means=value["means"], mean=mean, var=var, m4=m4,
                  cdf=interpolated_cdf(cdf["t"], cdf["F"]), alternatives=alternatives,
                  grid=value["grid"], pdf=value["pdf"])
