"""The assignments the kit builds and grades, and what a submission of each looks like."""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Assignment:
    name: str
    kind: str            # "notebook": students submit the .ipynb; "module": a single .py file
    submission: str      # the file name students submit to Gradescope
    title: str

    @property
    def suffix(self) -> str:
        return ".ipynb" if self.kind == "notebook" else ".py"


ASSIGNMENTS = {a.name: a for a in [
    Assignment("gmm_sampling", "notebook", "gmm_sampling.ipynb", "Sampling from a 1-D GMM"),
    Assignment("gmm_likelihood", "notebook", "gmm_likelihood.ipynb",
               "The log-likelihood with logsumexp, and a 1-D GMM fitted two ways"),
    Assignment("gmm1d", "module", "gmm1d.py", "The GMM1D lab: EM for a 1-D mixture"),
    Assignment("iris_em", "notebook", "iris_em.ipynb", "Multivariate EM on Iris"),
    Assignment("mnist_bmm", "notebook", "mnist_bmm.ipynb", "Bernoulli-mixture clustering of MNIST"),
    Assignment("em_2d", "notebook", "em_2d.ipynb",
               "EM in two dimensions: Old Faithful and density estimation"),
]}


def get(name: str) -> Assignment:
    try:
        return ASSIGNMENTS[name]
    except KeyError:
        raise SystemExit(f"unknown assignment {name!r}; choose one of: {', '.join(ASSIGNMENTS)}") from None
