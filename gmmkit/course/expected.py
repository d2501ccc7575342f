"""Trusted side of the stored expected values (:mod:`gmmkit.checks.stored`): runs
``autograder/<assignment>/expected.py`` with the reference and writes
``gmmkit/checks/expected/<assignment>.npz``, byte for byte the same for the same values.

``expected.py`` defines ``record(ref, store)``: it rebuilds each public check's own inputs (from
the public check module, so both use the same ones) and calls ``store.value(key, value)`` with
the reference's answer and ``store.bug(key, bug_id, value)`` with what a classic bug gives.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np

from ..checks import load_module
from ..checks.stored import EXPECTED_DIR

EPOCH = (2020, 1, 1, 0, 0, 0)
_KEY = re.compile(r"^[A-Za-z0-9_=,.+-]+$")


class Recorder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _put(self, name: str, value) -> None:
        if isinstance(value, dict):
            for field, v in value.items():
                self._put(f"{name}:{field}", v)
            return
        if isinstance(value, (tuple, list)):
            for i, v in enumerate(value):
                self._put(f"{name}:{i}", v)
            return
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name}: only numeric arrays are stored, not {arr.dtype}")
        if name in self.arrays:
            raise ValueError(f"{name} is recorded twice")
        self.arrays[name] = arr

    def value(self, key: str, value) -> None:
        self._check_key(key)
        self._put(f"value/{key}", value)

    def bug(self, key: str, bug_id: str, value) -> None:
        self._check_key(key)
        if ":" in bug_id or "/" in bug_id:
            raise ValueError(f"bad bug id {bug_id!r}")
        self._put(f"bug/{key}/{bug_id}", value)

    @staticmethod
    def _check_key(key: str) -> None:
        if not _KEY.match(key) or "/" in key or ":" in key:
            raise ValueError(f"bad key {key!r}: letters, digits and _=,.+- only")

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, arr in self.arrays.items():   # recording order, which bugs() keeps
                npy = io.BytesIO()
                np.save(npy, np.require(arr, requirements="C"), allow_pickle=False)  # keeps 0-d arrays 0-d
                info = zipfile.ZipInfo(f"{name}.npy", EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, npy.getvalue())
        return buf.getvalue()


def recorder_file(root: Path, assignment: str) -> Path:
    return root / "autograder" / assignment / "expected.py"


def compute(assignment: str, root: Path) -> bytes | None:
    """The stored data for ``assignment``, or None if it records nothing."""
    path = recorder_file(root, assignment)
    if not path.exists():
        return None
    recorder = Recorder()
    ref = load_module(root / "solutions" / f"{assignment}.py", f"_gmmkit_ref_{assignment}")
    load_module(path, f"_gmmkit_expected_{assignment}").record(ref, recorder)
    return recorder.to_bytes()


def write(assignment: str, root: Path, out_dir: Path = EXPECTED_DIR) -> Path | None:
    data = compute(assignment, root)
    target = out_dir / f"{assignment}.npz"
    if data is None:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)
    return target
