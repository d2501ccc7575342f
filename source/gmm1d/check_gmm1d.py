"""Check your GMM1D lab: ``python check_gmm1d.py`` in the folder that holds your gmm1d.py.

1. Runs the public checks of ``GMM1D.estep`` and ``GMM1D.mstep`` (the same ones Gradescope runs
   before the deadline; more run after it) and prints what to fix.
2. Fits your GMM1D to seeded data from three Gaussians and saves a histogram of the data with
   the fitted density over it to gmm1d_fit.png.
"""
import sys

# --- gmmkit setup (written by `gmmkit build`, gmmkit/course/setup_cell.py) ---
GMMKIT_WHEEL_URL = ""  # where the course publishes gmmkit 0.1.0
try:
    import gmmkit  # noqa: F401
except ImportError:
    from pathlib import Path
    _here = Path(__file__).resolve().parent
    _wheels = sorted(_here.glob("gmmkit-*.whl")) or sorted(_here.parent.glob("gmmkit-*.whl"))
    _wheel = str(_wheels[-1]) if _wheels else GMMKIT_WHEEL_URL
    sys.exit("gmmkit is not installed for this Python (see README.md). "
             + ("Install it with" if _wheel else "Download gmmkit-0.1.0-py3-none-any.whl from "
                "the course page into this folder, then install it with")
             + f'\n    "{sys.executable}" -m pip install "{_wheel or "gmmkit-0.1.0-py3-none-any.whl"}"'
             + "\nand run this script again.")
# --- end of gmmkit setup ---

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # write the picture to a file; no window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import norm  # noqa: E402

from gmmkit.checks import CheckFailed, check  # noqa: E402

import gmm1d  # noqa: E402  (your file, from this folder)

PLOT_FILE = "gmm1d_fit.png"


def run_public_checks():
    """True when every public check passes; prints one line per check and what to fix."""
    try:
        check("gmm1d", gmm1d.GMM1D)
    except CheckFailed as exc:
        print("\nTo fix:\n" + str(exc))
        return False
    return True


def demo_data(rng):
    """600 points from three Gaussians: priors .3, .45, .25; means -4, 0, 5; variances .5, 1, 2."""
    z = rng.choice(3, size=600, p=[0.3, 0.45, 0.25])
    means, sigmas = np.array([-4.0, 0.0, 5.0]), np.sqrt([0.5, 1.0, 2.0])
    return (means[z] + sigmas[z] * rng.standard_normal(600))[:, None]


def plot_fit(path=PLOT_FILE):
    """Fit your GMM1D with k = 3 and save the histogram and fitted density to ``path``."""
    X = demo_data(np.random.default_rng(0))
    model = gmm1d.GMM1D(3, means=np.quantile(X, [0.2, 0.5, 0.8]))
    history = model.fit(X)
    print(f"\nfit: {len(history)} iterations, log-likelihood {history[0]:.2f} -> {history[-1]:.2f}")
    for j in range(model.num_gaussians):
        print(f"  component {j}: prior {model.priors[j]:.3f}, mean {model.means[j]:.3f}, "
              f"variance {model.variances[j]:.3f}")

    grid = np.linspace(X.min() - 1, X.max() + 1, 500)
    parts = [model.priors[j] * norm.pdf(grid, model.means[j], np.sqrt(model.variances[j]))
             for j in range(model.num_gaussians)]
    fig, (ax, ax_ll) = plt.subplots(1, 2, figsize=(11, 4))
    ax.hist(X[:, 0], bins=50, density=True, color="0.8", label="data")
    ax.plot(grid, np.sum(parts, axis=0), "k", lw=2, label="fitted mixture")
    for j, part in enumerate(parts):
        ax.plot(grid, part, "--", label=f"component {j} (prior x density)")
    ax.set(xlabel="x", ylabel="density", title="GMM1D fitted by EM (k = 3)")
    ax.legend()
    ax_ll.plot(np.arange(1, len(history) + 1), history, "o-")
    ax_ll.set(xlabel="iteration", ylabel="log-likelihood", title="EM never decreases it")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"saved the plot to {path}")


def main():
    passed = run_public_checks()
    try:
        plot_fit()
    except NotImplementedError:
        print("\nno plot yet: write estep and mstep first")
        passed = False
    except Exception as exc:  # a bug in estep or mstep: the checks above say which
        print(f"\nno plot: fitting your GMM1D failed with {type(exc).__name__}: {exc}")
        passed = False
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
