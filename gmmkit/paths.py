"""Where the kit's parts live: the package itself, and (in a checkout) the course material."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DATA = PACKAGE / "data"


def kit_root() -> Path:
    """The checkout holding ``source/``, ``solutions/`` and ``autograder/``.

    ``GMMKIT_ROOT`` names it when the package is installed elsewhere (a JupyterHub grader).
    """
    env = os.environ.get("GMMKIT_ROOT")
    root = Path(env) if env else PACKAGE.parent
    if not (root / "solutions").is_dir():
        raise FileNotFoundError(
            f"no course material (solutions/, autograder/) under {root}: run gmmkit from a "
            "checkout of the kit, or set GMMKIT_ROOT to one")
    return root


def solutions_file(assignment, root: Path | None = None) -> Path:
    from .assignments import get
    return get(assignment).reference(root or kit_root())


def hidden_checks_file(assignment, root: Path | None = None) -> Path:
    from .assignments import get
    return get(assignment).hidden_checks(root or kit_root())
