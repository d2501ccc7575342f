"""Figures of a failed check: the student's values next to the expected ones, on the two
coordinates where Iris's species separate."""
from __future__ import annotations

import numpy as np

from .. import figures
from ..expect import block
from .inputs import iris

IRIS_VIEW = [2, 3]     # petal length and petal width


def fmt(a, precision: int = 3) -> str:
    """A vector on one line, for a message; a matrix one row per line (``expect.block``)."""
    if np.ndim(a) >= 2:
        return block(a, precision)
    return np.array2string(np.asarray(a, dtype=float), precision=precision, separator=", ",
                           threshold=8, edgeitems=2, suppress_small=True).replace("\n", "")


def _is_iris(X) -> bool:
    return np.shape(X) == (150, 4) and np.allclose(X, iris()[0])


def view(X, *params):
    """The two coordinates a figure shows (Iris's petal length and width; otherwise the first
    two) of the data X (n, d) and of (pi, mu, cov) tuples."""
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    cols = IRIS_VIEW if _is_iris(X) else list(range(min(d, 2)))
    out = [X[:, cols]]
    for pi, mu, cov in params:
        mu, cov = np.asarray(mu, dtype=float), np.asarray(cov, dtype=float)
        out.append((pi, mu[:, cols], cov[:, cols][:, :, cols]))
    return out


def axes_labels(X) -> tuple:
    d = np.shape(X)[1]
    return (("petal length (cm)", "petal width (cm)") if _is_iris(X) else
            ("x[:, 0]", "x[:, 1]") if d >= 2 else ("x", ""))


def resp_figure(X, got, expected, pi, mu, cov):
    """Points coloured by your responsibilities of component 0 next to the expected ones."""
    Xv, (_, mu_v, cov_v) = view(X, (pi, mu, cov))
    return figures.scatter_by_weight(Xv, got, expected, mu=mu_v, cov=cov_v, labels=axes_labels(X),
                                     title="E_step: the responsibilities r[:, 0] (dotted: the "
                                           "given components' 2-sigma ellipses)")


def params_figure(X, got, expected, title: str):
    """The 2-sigma ellipses of your (pi, mu, cov) next to the expected ones, over the data."""
    Xv, g, e = view(X, got, expected)
    return figures.mixture_ellipses(Xv, g, e, title=title, labels=axes_labels(X))
