"""The public M-step figure: the expected mixture density (stored on a grid by the build) over
the data, and the student's components marked by their parameters (no density is computed
here: the package holds no mixture density)."""
from __future__ import annotations

import numpy as np

from .. import figures


def _components(ax, params: dict, top: float, colour: str, label: str, hollow: bool) -> None:
    """Each component as a mean +- sigma bar at the height of its peak, prior / sqrt(2 pi var)."""
    priors, means, variances = (np.ravel(np.asarray(params[n], dtype=float))
                                for n in ("priors", "means", "variances"))
    if not (priors.shape == means.shape == variances.shape) or variances.size > 50:
        return
    with np.errstate(all="ignore"):
        valid = np.isfinite(priors + means + variances) & (variances > 0)
        sd = np.sqrt(variances[valid])
        peak = np.clip(priors[valid] / np.sqrt(2 * np.pi) / sd, 0, top)
    ax.errorbar(means[valid], peak, xerr=sd, fmt="o", color=colour, capsize=4, label=label,
                mfc="none" if hollow else colour)


def components_figure(X, got: dict, grid, expected_pdf, title: str, expected: dict = None):
    """The expected density over the data, and the components (mean +- sigma at their peak's
    height): yours in red, the expected ones hollow in blue."""
    fig = figures.density(grid, None, expected_pdf, samples=np.asarray(X)[:, 0], bins=30,
                          samples_label="the data X", title=title)
    if fig is None:
        return None
    try:
        ax = fig.axes[0]
        top = 1.5 * float(np.nanmax(expected_pdf))
        if expected is not None:
            _components(ax, expected, top, figures.REFERENCE, "expected components", True)
        _components(ax, got, top, figures.STUDENT, "your components (mean ± sigma)", False)
        ax.legend(fontsize=figures.FONT)
    except Exception:   # a figure never changes a verdict
        pass
    return fig
