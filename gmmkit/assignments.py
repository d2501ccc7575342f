"""The assignments the kit builds and grades: one record each, passed down to whatever needs to
know where an assignment's parts are or what a submission of it looks like.

Generic code never names an assignment: what differs between them (the file students submit,
the files handed out beside it, the notebook whose figures the build keeps) is stated here.
"""
from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path


class UnknownAssignment(LookupError):
    """No assignment of that name; the message lists the ones there are."""


@dataclasses.dataclass(frozen=True)
class Assignment:
    name: str
    kind: str              # "notebook": students submit the .ipynb; "module": a single .py file
    submission: str        # the file name students submit to Gradescope
    title: str
    helpers: tuple[str, ...] = ()   # files handed out beside it that are never graded
    notebook: str = ""     # the notebook the build executes for figures (default: the submission)

    @property
    def suffix(self) -> str:
        return ".ipynb" if self.kind == "notebook" else ".py"

    @property
    def figures_notebook(self) -> str:
        return self.notebook or self.submission

    # Where its parts are, in a course checkout ``root`` (see ``gmmkit.paths.kit_root``).
    def source_dir(self, root: Path) -> Path:
        return root / "source" / self.name

    def release_dir(self, root: Path) -> Path:
        return root / "release" / self.name

    def reference(self, root: Path) -> Path:
        return root / "solutions" / f"{self.name}.py"

    def hidden_checks(self, root: Path) -> Path:
        return root / "autograder" / self.name / "hidden_checks.py"

    def reference_submission(self, root: Path) -> Path:
        """The source file with its solutions, graded as a submission by the self-grading."""
        return self.source_dir(root) / self.submission

    def stub_submission(self, root: Path) -> Path:
        return self.release_dir(root) / self.submission

    def public_checks(self) -> list:
        return list(importlib.import_module(f"gmmkit.checks.{self.name}").CHECKS)


# In course order. `gmmkit new NAME` adds a line above the marker.
ASSIGNMENTS = {a.name: a for a in [
    Assignment("gmm_sampling", "notebook", "gmm_sampling.ipynb", "Sampling from a 1-D GMM"),
    Assignment("gmm_likelihood", "notebook", "gmm_likelihood.ipynb",
               "The log-likelihood with logsumexp, and a 1-D GMM fitted two ways"),
    Assignment("gmm1d", "module", "gmm1d.py", "The GMM1D lab: EM for a 1-D mixture",
               helpers=("two_gaussian_1dgm.py", "check_gmm1d.py"), notebook="gmm1d_lab.ipynb"),
    Assignment("iris_em", "notebook", "iris_em.ipynb", "Multivariate EM on Iris"),
    Assignment("mnist_bmm", "notebook", "mnist_bmm.ipynb", "Bernoulli-mixture clustering of MNIST"),
    Assignment("em_2d", "notebook", "em_2d.ipynb",
               "EM in two dimensions: Old Faithful and density estimation"),
    # gmmkit new: assignments above this line
]}


def get(name: str | Assignment) -> Assignment:
    """The record of ``name`` (a record is returned as it is)."""
    if isinstance(name, Assignment):
        return name
    try:
        return ASSIGNMENTS[name]
    except (KeyError, TypeError):
        raise UnknownAssignment(f"unknown assignment {name!r}; choose one of: "
                                f"{', '.join(ASSIGNMENTS)}") from None
