"""Where the kit's parts live: the package itself, and (in a checkout) the course material.

The course material (``source/``, ``solutions/``, ``autograder/``) exists only in the
instructor's checkout. A package installed from the student wheel never looks for it beside
itself: ``kit_root()`` finds a checkout only where the package sits in one (its parent holds
``pyproject.toml`` and ``solutions/``), or where an instructor names one with ``GMMKIT_ROOT``.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DATA = PACKAGE / "data"


class NoCourseMaterial(FileNotFoundError):
    """This install has no course material: a student's install, or an instructor's without a
    checkout named."""


def _is_checkout(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "solutions").is_dir()


def kit_root() -> Path:
    """The checkout holding ``source/``, ``solutions/`` and ``autograder/``.

    ``GMMKIT_ROOT`` names it when the package is installed elsewhere (a JupyterHub grader);
    otherwise it is the package's parent folder, when that is a checkout of the kit.
    """
    env = os.environ.get("GMMKIT_ROOT")
    if env:
        root = Path(env)
        if not (root / "solutions").is_dir():
            raise NoCourseMaterial(f"GMMKIT_ROOT={env} holds no course material (solutions/, "
                                   "autograder/): set it to a checkout of the kit")
        return root
    root = PACKAGE.parent
    if not _is_checkout(root):
        raise NoCourseMaterial(
            f"this gmmkit (installed in {PACKAGE.parent}) has no course material: the student "
            "package holds the public checks only; hidden checks, solutions and the build are "
            "the instructor's, in a checkout of the kit (or set GMMKIT_ROOT to one)")
    return root


def solutions_file(assignment, root: Path | None = None) -> Path:
    from .assignments import get
    return get(assignment).reference(root or kit_root())


def hidden_checks_file(assignment, root: Path | None = None) -> Path:
    from .assignments import get
    return get(assignment).hidden_checks(root or kit_root())
