"""Expected values that ``gmmkit build`` computed from the reference on a public check's own
inputs, and the values of the classic bugs on those inputs, stored as data in the package.

This is how public checks know the answer without holding code that computes it (the way
nbgrader's and Otter's public tests carry values). The file is
``gmmkit/checks/expected/<assignment>.npz``: ``.npy`` arrays only, read with
``allow_pickle=False``. Keys: ``value/<key>`` for the expected value of ``key`` and
``bug/<key>/<bug id>`` for what a classic bug gives there. A value is an array, or a dict of
arrays stored under ``<key>:<field>``. Keys hold neither ``/`` nor ``:``. The trusted side writes it (``gmmkit.course.expected``)
from ``autograder/<assignment>/expected.py``; a test proves it up to date.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

EXPECTED_DIR = Path(__file__).resolve().parent / "expected"


class MissingExpected(LookupError):
    """The package holds no stored value under this key: rebuild it (``gmmkit build``)."""


class Stored:
    def __init__(self, assignment: str, path: Path | None = None):
        self.assignment = assignment
        self.path = path or EXPECTED_DIR / f"{assignment}.npz"

    @functools.cached_property
    def _arrays(self) -> dict[str, np.ndarray]:
        if not self.path.exists():
            raise MissingExpected(f"{self.path.name} is missing from the package: run `gmmkit build`")
        with np.load(self.path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}

    def _get(self, prefix: str):
        arrays = self._arrays
        if prefix in arrays:
            return arrays[prefix]
        fields = {name[len(prefix) + 1:]: arr for name, arr in arrays.items()
                  if name.startswith(prefix + ":")}
        if not fields:
            raise MissingExpected(f"no stored value {prefix!r} for {self.assignment}: run `gmmkit build`")
        return fields

    def value(self, key: str):
        """The reference's value for ``key``: an array, or a dict of arrays."""
        return self._get(f"value/{key}")

    def bugs(self, key: str) -> dict[str, np.ndarray]:
        """What each recorded classic bug gives for ``key``, by bug id, in recording order."""
        prefix = f"bug/{key}/"
        ids = []
        for name in self._arrays:
            if name.startswith(prefix):
                bug_id = name[len(prefix):].split(":")[0]
                if bug_id not in ids:
                    ids.append(bug_id)
        return {bug_id: self._get(prefix + bug_id) for bug_id in ids}

    def keys(self) -> list[str]:
        return sorted({n.split("/")[1].split(":")[0] for n in self._arrays if n.startswith("value/")})
