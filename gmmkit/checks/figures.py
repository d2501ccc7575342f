"""Small figures for failed checks: the student's result next to the reference's.

Drawn on the grader's side from the values the worker returned, never by student code, and kept
small (a PNG of a few tens of kilobytes) so that results.json stays well under 1 MB.
"""
from __future__ import annotations

import base64
import io

import numpy as np

SIZE = (6.4, 2.6)   # inches
DPI = 60
STUDENT, REFERENCE = "#d62728", "#1f77b4"


def _figure(ncols: int = 1):
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


def png_base64(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def density(grid, student_pdf, expected_pdf, samples=None, title: str = "", bins: int = 80):
    """A 1-D density (or a histogram of samples) against the expected density."""
    fig, (ax,) = _figure()
    if samples is not None:
        ax.hist(np.ravel(samples), bins=bins, density=True, color=STUDENT, alpha=0.45,
                label="your samples")
    if student_pdf is not None:
        ax.plot(grid, student_pdf, color=STUDENT, lw=2, label="yours")
    ax.plot(grid, expected_pdf, color=REFERENCE, lw=1.5, ls="--", label="expected")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig


def curves(student, expected=None, ylabel: str = "", title: str = ""):
    """A per-iteration curve (log-likelihood, objective, loss) against the expected one."""
    fig, (ax,) = _figure()
    ax.plot(np.ravel(student), color=STUDENT, marker=".", label="yours")
    if expected is not None:
        ax.plot(np.ravel(expected), color=REFERENCE, ls="--", label="expected")
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig


def scatter_by_weight(X, student_r, expected_r, title: str = ""):
    """2-D points coloured by their first component's responsibility: yours | expected."""
    fig, axes = _figure(2)
    for ax, r, label in ((axes[0], student_r, "yours"), (axes[1], expected_r, "expected")):
        r = np.asarray(r, dtype=float)
        colour = r[:, 0] if r.ndim == 2 and r.shape[1] else np.zeros(len(X))
        ax.scatter(X[:, 0], X[:, 1], c=np.clip(colour, 0, 1), cmap="coolwarm", s=6, vmin=0, vmax=1)
        ax.set_title(f"{label}: responsibility of component 0", fontsize=9)
    fig.suptitle(title, fontsize=10)
    return fig


def images(student, expected, shape=(28, 28), title: str = ""):
    """Rows of images (e.g. cluster means): yours on top, expected below."""
    import matplotlib.pyplot as plt  # noqa: F401  (colormaps)
    student, expected = np.asarray(student, float), np.asarray(expected, float)
    k = min(len(student), len(expected), 10)
    from matplotlib.figure import Figure
    fig = Figure(figsize=(SIZE[0], SIZE[0] * 2 / k + 0.3), dpi=DPI, layout="constrained")
    axes = fig.subplots(2, k, squeeze=False)
    for j in range(k):
        for row, data in enumerate((student, expected)):
            ax = axes[row, j]
            ax.imshow(data[j].reshape(shape), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, j].set_title(str(j), fontsize=8)
    axes[0, 0].set_ylabel("yours", fontsize=8)
    axes[1, 0].set_ylabel("expected", fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig
