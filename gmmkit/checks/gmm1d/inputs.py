"""The public checks' inputs.

The data of the E-step and M-step checks is drawn from mixtures by the build (on the trusted
side, ``autograder/gmm1d/expected.py``) and stored with the expected values under the keys
below, so that no sampler lives in the package; the hard-assignment inputs are built here from
the known groups of :mod:`.values`.
"""
from __future__ import annotations

import numpy as np

from ..stored import Stored
from .values import GROUPS

STORE = Stored("gmm1d")

ESTEP_PMF_KS = (3, 1, 5)        # estep: shape and pmf rows, 40 points each
ESTEP_VALUE_KS = (3, 2, 5)      # estep: values, 30 points each
HARD_KS = (3, 5)                # mstep: one-hot responsibilities


def estep_pmf_key(k: int) -> str:
    return f"estep.pmf.{k}"


def estep_values_key(k: int) -> str:
    return f"estep.values.{k}"


MSTEP_VALUES_KEY = "mstep.values"


def mstep_hard_key(k: int) -> str:
    return f"mstep.hard.{k}"


def stored_case(key: str) -> dict:
    """{X (n, 1), means, variances, priors (k,)[, gammas (n, k)]}: a check's stored inputs."""
    return STORE.value(key + ".input")


def hard_case(k: int) -> dict:
    """The first k known groups, their points in no particular order, as one-hot
    responsibilities: {X (n, 1), gammas (n, k)} and the model's old parameters."""
    rng = np.random.default_rng(3)
    for kk in HARD_KS[:HARD_KS.index(k) + 1]:       # one generator, the cases in turn
        groups = GROUPS[:kk]
        x = np.concatenate([g[0] for g in groups])
        labels = np.concatenate([np.full(len(g[0]), j) for j, g in enumerate(groups)])
        order = rng.permutation(len(x))
    return {"X": x[order][:, None], "gammas": np.eye(k)[labels[order]],
            "priors": np.full(k, 1.0 / k), "means": np.zeros(k), "variances": np.ones(k)}
