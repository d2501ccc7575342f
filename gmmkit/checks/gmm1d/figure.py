"""The public M-step figure: the expected mixture density (stored on a grid by the build) over
the data, and the student's components marked by their parameters (no density is computed
here: the package holds no mixture density)."""
from __future__ import annotations

import numpy as np

from .. import figures


def components_figure(X, got: dict, grid, expected_pdf, title: str):
    """The expected density and the data; your components as mean +- sigma bars at the height
    of their peak, prior / sqrt(2 pi variance)."""
    fig = figures.density(grid, None, expected_pdf, samples=np.asarray(X)[:, 0], bins=30,
                          samples_label="the data X", title=title)
    if fig is None:
        return None
    try:
        priors, means, variances = (np.ravel(np.asarray(got[n], dtype=float))
                                    for n in ("priors", "means", "variances"))
        ok = (priors.shape == means.shape == variances.shape) and variances.size <= 50
        if ok:
            valid = np.isfinite(priors + means + variances) & (variances > 0)
            sd = np.sqrt(variances[valid])
            peak = priors[valid] / np.sqrt(2 * np.pi) / sd
            top = 1.5 * float(np.nanmax(expected_pdf))
            ax = fig.axes[0]
            ax.errorbar(means[valid], np.clip(peak, 0, top), xerr=sd, fmt="o",
                        color=figures.STUDENT, capsize=4, label="your components (mean ± sigma)")
            ax.legend(fontsize=figures.FONT)
    except Exception:   # a figure never changes a verdict
        pass
    return fig
