"""Classic bugs: a stable id, what the mistake is, and the hint that fixes it, and the one helper
that tells which of them a wrong answer matches.

The public package holds the catalogue (ids and words) and, in the stored expected data
(:mod:`gmmkit.checks.stored`), the values each bug gives on a public check's own inputs. The code
that computes a bug's value lives on the trusted side (``autograder/<assignment>/``): a bug is
often one character away from the answer.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping, Optional

import numpy as np


@dataclasses.dataclass(frozen=True)
class Bug:
    id: str            # stable across versions and modes, e.g. "gmm1d.estep.axis0"
    description: str   # the mistake, in a few words, for the instructor's class report
    hint: str          # what the student should do, shown after "Hint:"


def catalogue(bugs: Iterable[Bug]) -> dict[str, Bug]:
    """Bugs by id; an id given twice is an error in the checks, not in a submission."""
    out: dict[str, Bug] = {}
    for bug in bugs:
        if bug.id in out:
            raise ValueError(f"bug id {bug.id!r} is declared twice")
        out[bug.id] = bug
    return out


MATCH_TOL = {"rtol": 1e-4, "atol": 1e-7}   # how close a wrong answer must be to a bug's value


def matches(got, candidate, tol: Optional[dict] = None) -> bool:
    """``got`` equals ``candidate`` in shape and, within ``tol``, in value (NaN never matches)."""
    got, candidate = np.asarray(got), np.asarray(candidate)
    if got.shape != candidate.shape or got.dtype.kind not in "biuf":
        return False
    with np.errstate(all="ignore"):
        return bool(np.allclose(got, candidate, **(tol or MATCH_TOL)))


def which_bug(got, candidates: Mapping[str, np.ndarray], known: Mapping[str, Bug],
              tol: Optional[dict] = None) -> Optional[Bug]:
    """The first bug (in ``candidates``' order) whose value ``got`` matches, or None.

    ``candidates`` maps bug ids to the value that bug gives on the same inputs (stored by the
    build for public checks, computed with the reference for hidden ones)."""
    for bug_id, value in candidates.items():
        if matches(got, value, tol):
            return known[bug_id]
    return None
