"""The checks of every assignment, and ``check()``, which runs them inside a notebook.

Public checks live here, one module per assignment (``gmmkit.checks.<assignment>.CHECKS``);
hidden checks live with the autograder (``autograder/<assignment>/hidden_checks.py``) and never
reach students. Both are lists of :class:`~gmmkit.checks.core.Check`.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path
from types import ModuleType

from .core import AFTER_DUE, VISIBLE, Check, CheckFailed, CheckResult, Student, StudentError
from .runner import InKernelStudent, check, run_checks

__all__ = ["AFTER_DUE", "VISIBLE", "Check", "CheckFailed", "CheckResult", "Student",
           "StudentError", "InKernelStudent", "check", "run_checks", "public_checks",
           "load_module"]


def public_checks(assignment: str) -> list[Check]:
    return list(importlib.import_module(f"gmmkit.checks.{assignment}").CHECKS)


def load_module(path: Path, name: str) -> ModuleType:
    """Import a file by path (hidden checks, reference solutions) without touching sys.path."""
    spec = importlib.util.spec_from_file_location(name, os.fspath(path))
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
