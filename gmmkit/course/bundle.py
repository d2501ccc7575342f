"""``autograder/dist/<assignment>.zip``: the Gradescope autograder bundle.

Layout (Gradescope unzips it into /autograder/source and runs setup.sh once):
    setup.sh, run_autograder       at the top, as Gradescope requires
    requirements.txt               the kit's pinned dependencies
    kit/                           the gmmkit package and its pyproject, installed by setup.sh
    material/hidden_checks.py      trusted: made unreadable to the worker before grading
    material/<other>.py            trusted modules the hidden checks load beside themselves
    material/solutions.py
"""
from __future__ import annotations

import importlib.metadata
import re
import zipfile
from importlib import resources
from pathlib import Path

from .. import paths
from ..paths import PACKAGE

EPOCH = (2020, 1, 1, 0, 0, 0)   # fixed timestamps: the same inputs give the same zip
SKIP = {"__pycache__", ".ipynb_checkpoints"}


# Grading needs none of the notebook tooling: leave it out of the Gradescope image.
NOT_FOR_GRADING = {"jupyter", "nbgrader", "nbclient", "nbformat", "nbconvert"}
_NAME = re.compile(r"^\s*([A-Za-z0-9_.\-]+)")


def requirements() -> list[str]:
    """The student dependencies that grading needs, each pinned to the version this build
    self-graded with, where that version installs on the bundle's Python 3.10 (Gradescope's
    Ubuntu 22.04 image); otherwise the declared range (pyproject.toml is the source of truth)."""
    reqs = importlib.metadata.requires("gmmkit") or []
    out = []
    for req in reqs:
        name = _NAME.match(req).group(1)
        if "extra ==" in req or name.lower() in NOT_FOR_GRADING:
            continue
        dist = importlib.metadata.distribution(name)
        needs = dist.metadata.get("Requires-Python") or ""
        runs_on_310 = not re.search(r">=\s*3\.(1[1-9])", needs)
        out.append(f"{name}=={dist.version}" if runs_on_310 else req)
    return sorted(out)


def template(name: str) -> bytes:
    """One of the bundle's scripts, ``setup.sh`` or ``run_autograder``, read as package data
    (``gmmkit/course/templates/``), so that a wheel install builds bundles too."""
    return resources.files(__package__).joinpath("templates", name).read_bytes()


def _add(zf: zipfile.ZipFile, arcname: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(arcname, EPOCH)
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build_bundle(assignment: str, out_dir: Path, root: Path | None = None) -> Path:
    root = root or paths.kit_root()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{assignment}.zip"
    tmp = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        _add(zf, "setup.sh", template("setup.sh"), executable=True)
        run = template("run_autograder").decode().replace("@ASSIGNMENT@", assignment)
        _add(zf, "run_autograder", run.encode(), executable=True)
        _add(zf, "requirements.txt", ("\n".join(requirements()) + "\n").encode())
        _add(zf, "kit/pyproject.toml", (root / "pyproject.toml").read_bytes())
        _add(zf, "kit/README.md", b"gmmkit, as installed by the Gradescope bundle.\n")
        for path in sorted(PACKAGE.rglob("*")):
            if path.is_file() and not SKIP.intersection(path.parts) and path.suffix != ".pyc":
                _add(zf, f"kit/gmmkit/{path.relative_to(PACKAGE)}", path.read_bytes())
        # the hidden checks and the trusted modules beside them (the classic bugs' variants);
        # expected.py only records the package's stored values at build time
        for trusted in sorted(paths.hidden_checks_file(assignment, root).parent.glob("*.py")):
            if trusted.name != "expected.py":
                _add(zf, f"material/{trusted.name}", trusted.read_bytes())
        _add(zf, "material/solutions.py", paths.solutions_file(assignment, root).read_bytes())
    tmp.replace(target)
    return target
