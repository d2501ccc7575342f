"""Small figures for failed checks: the student's result next to the reference's.

Drawn on the grader's side from the values the worker returned, never by student code, and kept
small (a PNG of a few tens of kilobytes: few pixels, low dpi, at most a few thousand points) so
that results.json stays well under 1 MB.

Conventions, the same in every figure: the student's result is red (solid lines, a red frame,
panels titled "yours"), the expected one blue (dashed lines, a blue frame, "expected").

A figure is a bonus: every helper here returns ``None`` instead of raising, whatever the
student's values are (NaN, wrong shapes, not positive definite), so that drawing can never change
a check's verdict or its message.
"""
from __future__ import annotations

import base64
import functools
import io
import textwrap

import numpy as np

SIZE = (7.0, 2.7)   # inches
DPI = 96            # 672 x 259 pixels
STUDENT, REFERENCE = "#d62728", "#1f77b4"
MAX_POINTS = 2000   # points drawn in a scatter plot (a random subset of them beyond)
FONT = 8


def _never_raises(draw):
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        try:
            with np.errstate(all="ignore"):
                return draw(*args, **kwargs)
        except Exception:
            return None
    return wrapper


def _figure(ncols: int = 1, nrows: int = 1, size=SIZE):
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.tick_params(labelsize=FONT - 1)
    return fig, axes[0] if nrows == 1 else axes


def _wrap(title: str, width: int = 95) -> str:
    """A title on as many lines as it needs (a figure is narrower than a sentence)."""
    return "\n".join(textwrap.wrap(title, width)) if title else ""


def _frame(ax, colour: str, width: float = 2.0) -> None:
    for spine in ax.spines.values():
        spine.set_edgecolor(colour)
        spine.set_linewidth(width)


def _who(ax, yours: bool, title: str) -> None:
    """Title and frame a panel as the student's (red) or the expected one (blue)."""
    colour = STUDENT if yours else REFERENCE
    ax.set_title(title, fontsize=FONT + 1, color=colour)
    _frame(ax, colour)


def png_base64(fig, colours: int = 96) -> str:
    """The figure as a base64 PNG, with a palette of at most ``colours`` colours (a plot needs
    no more, and the file is two to three times smaller than in true colour)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    try:
        from PIL import Image
        image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        small = io.BytesIO()
        image.quantize(colours, method=Image.Quantize.MEDIANCUT).save(small, format="PNG",
                                                                       optimize=True)
        if small.tell() < buf.tell():
            buf = small
    except Exception:  # Pillow missing or too old: the true-colour PNG is fine too
        pass
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _subset(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` points, the same every time."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))


# ------------------------------------------------------------------------------ 1-D densities
@_never_raises
def density(grid, student_pdf, expected_pdf, samples=None, title: str = "", bins: int = 80,
            samples_label: str = "your samples"):
    """A 1-D density (or a histogram of samples) against the expected density."""
    fig, (ax,) = _figure()
    grid = np.ravel(np.asarray(grid, dtype=float))
    if samples is not None:
        s = np.ravel(np.asarray(samples, dtype=float))
        s = s[np.isfinite(s)]
        ax.hist(s, bins=bins, density=True, color=STUDENT if samples_label.startswith("your")
                else "0.6", alpha=0.45, label=samples_label)
    if student_pdf is not None:
        mine = np.ravel(np.asarray(student_pdf, dtype=float))
        if mine.shape == grid.shape and np.isfinite(mine).any():
            ax.plot(grid, mine, color=STUDENT, lw=2, label="yours")
    ax.plot(grid, np.ravel(expected_pdf), color=REFERENCE, lw=1.8, ls="--", label="expected")
    ax.set_title(_wrap(title), fontsize=FONT + 1)
    ax.legend(fontsize=FONT)
    return fig


@_never_raises
def responsibilities_1d(x, student_r, expected_r, title: str = ""):
    """1-D responsibilities against x, stacked over the components: yours | expected.

    A correct stack fills exactly the band from 0 to 1 (the dotted line): rows that do not sum
    to one show as a stack that is too low or too high.
    """
    x = np.ravel(np.asarray(x, dtype=float))
    order = np.argsort(x)
    fig, axes = _figure(2)
    tops = []
    for ax, r, yours in ((axes[0], student_r, True), (axes[1], expected_r, False)):
        r = np.asarray(r, dtype=float)
        if r.ndim == 2 and r.shape[0] == len(x):
            r = np.nan_to_num(r[order], nan=0.0, posinf=0.0, neginf=0.0)
            ax.stackplot(x[order], r.T, alpha=0.8, labels=[f"component {j}"
                                                           for j in range(r.shape[1])])
            tops.append(float(r.sum(axis=1).max()))
        ax.axhline(1.0, color="k", ls=":", lw=1)
        ax.set_xlabel("x", fontsize=FONT)
        _who(ax, yours, "yours" if yours else "expected")
    axes[0].set_ylabel("responsibility (stacked)", fontsize=FONT)
    top = max([1.05] + [t * 1.05 for t in tops if np.isfinite(t)])
    for ax in axes:
        ax.set_ylim(0, min(top, 5.0))
    if axes[1].get_legend_handles_labels()[0] and len(axes[1].get_legend_handles_labels()[0]) <= 6:
        axes[1].legend(fontsize=FONT - 1, loc="center right")
    fig.suptitle(_wrap(title), fontsize=FONT + 1)
    return fig


# ------------------------------------------------------------------------------ curves
@_never_raises
def curves(student, expected=None, ylabel: str = "", title: str = "", mark_drops: bool = True,
           target=None, target_label: str = "expected last value", rtol: float = 1e-5,
           increasing: bool = True):
    """A per-iteration curve (log-likelihood, objective, loss) against the expected one.

    With ``mark_drops``, the steps where the curve goes the wrong way (down when ``increasing``,
    up otherwise) by more than ``rtol`` of its value are circled, and when the first one is too
    small to see at the curve's full scale a second panel zooms on it. ``target`` (a number) is
    drawn as a dashed horizontal line.
    """
    y = np.ravel(np.asarray(student, dtype=float))
    step = np.diff(y) if increasing else -np.diff(y)
    tol = rtol * np.maximum(np.abs(y[1:]), 1.0)
    wrong = (np.flatnonzero(step < -tol) + 1 if mark_drops and len(y) > 1
             else np.array([], dtype=int))
    finite = y[np.isfinite(y)]
    span = float(np.ptp(finite)) if len(finite) else 0.0
    first = int(wrong[0]) if len(wrong) else 0
    window = (first - 1, min(first + 12, len(y)))
    zoom = (len(wrong) > 0 and len(y) > 4 and span > 0
            and np.ptp(y[window[0]:window[1]]) < 0.5 * span)
    fig, axes = _figure(2 if zoom else 1)
    windows = [(0, len(y))] + ([window] if zoom else [])
    for ax, (lo, hi) in zip(axes, windows):
        t = np.arange(lo, hi)
        ax.plot(t, y[lo:hi], color=STUDENT, marker=".", label="yours")
        if expected is not None:
            e = np.ravel(np.asarray(expected, dtype=float))
            ax.plot(np.arange(len(e))[lo:hi], e[lo:hi], color=REFERENCE, ls="--",
                    label="expected")
        if target is not None and np.isfinite(float(target)):
            ax.axhline(float(target), color=REFERENCE, ls="--", lw=1.5, label=target_label)
        shown = wrong[(wrong >= lo) & (wrong < hi)][:20]
        if len(shown):
            ax.plot(shown, y[shown], ls="none", marker="o", ms=9, mfc="none", mec="k", mew=1.2,
                    label="goes down" if increasing else "goes up")
        ax.set_xlabel("iteration", fontsize=FONT)
    axes[0].set_ylabel(ylabel, fontsize=FONT)
    axes[0].set_title(_wrap(title, 60 if zoom else 95), fontsize=FONT + 1)
    axes[0].legend(fontsize=FONT)
    if zoom:
        axes[1].set_title(f"zoom on iterations {windows[1][0]} to {windows[1][1] - 1}",
                          fontsize=FONT + 1)
        axes[1].ticklabel_format(axis="y", useOffset=False, style="plain")
    return fig


# ------------------------------------------------------------------------------ 2-D mixtures
def _ellipse_xy(mean, cov, n_std: float = 2.0, steps: int = 60):
    """Points of the n_std ellipse of a 2-D Gaussian (the first two coordinates)."""
    mean = np.asarray(mean, dtype=float)[:2]
    cov = np.asarray(cov, dtype=float)[:2, :2]
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    vals = np.clip(vals, 0, None)
    t = np.linspace(0, 2 * np.pi, steps)
    circle = np.stack([np.cos(t), np.sin(t)])
    return (mean[:, None] + n_std * vecs @ (np.sqrt(vals)[:, None] * circle))


def _ellipses(ax, mu, cov, colour, ls, label=None, weights=None):
    mu, cov = np.asarray(mu, dtype=float), np.asarray(cov, dtype=float)
    for k in range(len(mu)):
        try:
            xy = _ellipse_xy(mu[k], cov[k])
        except (np.linalg.LinAlgError, ValueError, IndexError):
            continue
        if not np.all(np.isfinite(xy)):
            continue
        lw = 1.8 if weights is None else 1.2 + 2.5 * float(np.clip(weights[k], 0, 1))
        ax.plot(xy[0], xy[1], color=colour, ls=ls, lw=lw, label=label if k == 0 else None)
        ax.plot(mu[k, 0], mu[k, 1], marker="x", color=colour, ms=7, mew=2)


def _view_limits(ax, P) -> None:
    """Frame the bulk of the points (far outliers would shrink it to a dot) and say how many
    points lie outside."""
    lo, hi = np.nanpercentile(P, 1, axis=0), np.nanpercentile(P, 99, axis=0)
    pad = 0.3 * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    full_lo, full_hi = np.nanmin(P, axis=0), np.nanmax(P, axis=0)
    lo, hi = np.maximum(lo, full_lo - pad), np.minimum(hi, full_hi + pad)
    outside = int((((P < lo) | (P > hi)).any(axis=1)).sum())
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    if outside:
        ax.text(0.02, 0.02, f"{outside} point{'s' if outside > 1 else ''} outside the view",
                transform=ax.transAxes, fontsize=FONT - 1, color="0.3")


def _points(X):
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[1] == 1:  # one dimension: spread the points vertically
        X = np.column_stack([X[:, 0], np.random.default_rng(0).uniform(-1, 1, len(X))])
    return X[:, :2]


@_never_raises
def scatter_by_weight(X, student_r, expected_r, title: str = "", mu=None, cov=None,
                      component: int = 0, labels=None):
    """2-D points coloured by the responsibility of one component: yours | expected.

    ``mu`` and ``cov`` (optional) are the parameters the responsibilities were computed from:
    their 2-sigma ellipses are drawn in both panels. Only the first two coordinates are shown.
    """
    P = _points(X)
    idx = _subset(len(P))
    fig, axes = _figure(2)
    mappable = None
    for ax, r, yours in ((axes[0], student_r, True), (axes[1], expected_r, False)):
        r = np.asarray(r, dtype=float)
        colour = (r[:, component] if r.ndim == 2 and r.shape[0] == len(P) and
                  r.shape[1] > component else np.full(len(P), np.nan))
        # viridis, not red-blue: in these figures red and blue say whose result it is
        mappable = ax.scatter(P[idx, 0], P[idx, 1], c=np.clip(colour[idx], 0, 1),
                              cmap="viridis", s=7, vmin=0, vmax=1, plotnonfinite=True)
        if mu is not None and cov is not None:
            _ellipses(ax, mu, cov, "k", ":")
        _view_limits(ax, P)
        _who(ax, yours, f"{'yours' if yours else 'expected'}: responsibility of component "
                        f"{component}")
        if labels:
            ax.set_xlabel(labels[0], fontsize=FONT)
            ax.set_ylabel(labels[1], fontsize=FONT)
    cbar = fig.colorbar(mappable, ax=list(axes), shrink=0.9, pad=0.01)
    cbar.ax.tick_params(labelsize=FONT - 1)
    cbar.set_label(f"r[:, {component}]", fontsize=FONT)
    fig.suptitle(_wrap(title), fontsize=FONT + 1)
    return fig


@_never_raises
def mixture_ellipses(X, student, expected, title: str = "", labels=None):
    """The data with the 2-sigma ellipses of two mixtures: yours (red, solid) and the expected
    one (blue, dashed); ``student`` and ``expected`` are (pi, mu, cov). Line widths grow with
    the weights pi. Only the first two coordinates are shown."""
    P = _points(X)
    idx = _subset(len(P))
    fig, (ax,) = _figure(size=(SIZE[0] * 0.75, SIZE[1] * 1.35))
    ax.scatter(P[idx, 0], P[idx, 1], s=5, color="0.65", label="the data")
    if labels:
        ax.set_xlabel(labels[0], fontsize=FONT)
        ax.set_ylabel(labels[1], fontsize=FONT)
    _ellipses(ax, expected[1], expected[2], REFERENCE, "--", "expected",
              np.asarray(expected[0], dtype=float))
    _ellipses(ax, student[1], student[2], STUDENT, "-", "yours",
              np.asarray(student[0], dtype=float))
    ax.set_title(_wrap(title, 70), fontsize=FONT + 1)
    ax.legend(fontsize=FONT, loc="best")
    return fig


@_never_raises
def samples_2d(X, labels, pi, mu, cov, expected=None, title: str = ""):
    """The student's sample (coloured by its labels) next to ``expected`` = (Y, z), a correct
    sample of the same mixture (stored by the build for public checks, drawn by the reference
    in hidden ones: nothing here samples), both under the mixture's 2-sigma ellipses. 1-D
    mixtures get histograms; beyond two dimensions the first two coordinates are shown."""
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    pi, mu, cov = (np.asarray(a, dtype=float) for a in (pi, mu, cov))
    if expected is None:
        return None
    Y, z = (np.asarray(a) for a in expected)
    Y = Y.astype(float).reshape(len(Y), -1)
    if mu.shape[1] == 1:
        lo, hi = np.percentile(np.concatenate([X[:, 0], Y[:, 0]]), [0.5, 99.5])
        bins = np.linspace(lo, hi, 80)
        fig, (ax,) = _figure()
        ax.hist(X[:, 0], bins=bins, density=True, color=STUDENT, alpha=0.45, label="yours")
        ax.hist(Y[:, 0], bins=bins, density=True, histtype="step", color=REFERENCE, lw=1.5,
                ls="--", label="expected (a correct sample)")
        ax.legend(fontsize=FONT)
        ax.set_title(_wrap(title), fontsize=FONT + 1)
        return fig
    fig, axes = _figure(2, size=(SIZE[0], SIZE[1] * 1.25))
    k = len(pi)
    for ax, P, z_, yours in ((axes[0], X, labels, True), (axes[1], Y, z, False)):
        idx = _subset(len(P), 1500)
        ax.scatter(P[idx, 0], P[idx, 1], c=np.asarray(z_)[idx] if len(z_) == len(P) else "0.5",
                   cmap="Dark2", vmin=0, vmax=7, s=4, linewidths=0)
        _ellipses(ax, mu, cov, "k", "--")
        shown = f"{len(idx):,} of {len(P):,} shown" if len(idx) < len(P) else f"{len(P):,} points"
        _who(ax, yours, ("yours" if yours else "expected: a correct sample") + f" ({shown})")
    lims = [np.percentile(Y[:, i], [0.2, 99.8]) for i in (0, 1)]
    for ax in axes:
        span = [(lo - 0.15 * (hi - lo), hi + 0.15 * (hi - lo)) for lo, hi in lims]
        ax.set_xlim(*span[0])
        ax.set_ylim(*span[1])
    fig.suptitle(f"{title}\ncolour: label; dashed: the 2-sigma ellipses of the K = {k} "
                 "components", fontsize=FONT + 1)
    return fig


# ------------------------------------------------------------------------------ images
@_never_raises
def images(student, expected, shape=(28, 28), title: str = "", diff: bool = True,
           max_images: int = 10):
    """Rows of images (e.g. cluster means): yours on top, expected below, and (``diff``) their
    difference, yours - expected, in a third row (red: yours is higher, blue: lower)."""
    student, expected = np.asarray(student, float), np.asarray(expected, float)
    k = min(len(student), len(expected), max_images)
    rows = [("yours", student, True), ("expected", expected, False)]
    if diff:
        rows.append(("yours - expected", student[:k] - expected[:k], None))
    side = 0.62
    fig, axes = _figure(k, len(rows), size=(max(k * side + 0.9, 3.0), len(rows) * side + 0.45))
    axes = np.asarray(axes).reshape(len(rows), k)
    span = float(np.nanmax(np.abs(rows[2][1]))) if diff else 1.0
    span = span if np.isfinite(span) and span > 0 else 1.0
    for i, (label, data, yours) in enumerate(rows):
        for j in range(k):
            ax = axes[i, j]
            img = np.nan_to_num(np.asarray(data[j], float).reshape(shape), nan=0.5)
            if yours is None:
                ax.imshow(img, cmap="RdBu_r", vmin=-span, vmax=span)
                _frame(ax, "0.5", 1.0)
            else:
                ax.imshow(img, cmap="gray_r", vmin=0, vmax=1)
                _frame(ax, STUDENT if yours else REFERENCE)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[i, 0].set_ylabel(label, fontsize=FONT, rotation=0, ha="right", va="center",
                              color={True: STUDENT, False: REFERENCE, None: "k"}[yours])
    for j in range(k):
        axes[0, j].set_title(str(j), fontsize=FONT)
    if diff:
        axes[2, k - 1].text(1.05, 0.5, f"±{span:.2g}", transform=axes[2, k - 1].transAxes,
                            fontsize=FONT - 1, va="center")
    fig.suptitle(_wrap(title), fontsize=FONT + 1)
    return fig
