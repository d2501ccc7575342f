"""Judgement helpers for checks: each raises CheckFailed with what was expected, what came,
where they first differ, and a hint.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Optional, Union

import numpy as np

from ..wire.protocol import Unsupported
from .bugs import Bug
from .core import CheckFailed

Hint = Union[str, Bug, None]   # a hint's text, or a classic bug whose id goes with the failure


def fail(message: str, hint: Hint = None, figure=None):
    """Raise CheckFailed; ``hint`` is text or a :class:`~gmmkit.checks.bugs.Bug`, whose id is
    then recorded with the failure."""
    bug = getattr(hint, "id", "")
    text = getattr(hint, "hint", hint)
    raise CheckFailed(message + (f"\nHint: {text}" if text else ""), figure=figure, bug=bug)


@contextmanager
def figure_on_failure(draw: Callable):
    """Attach ``draw()`` (a figure of :mod:`gmmkit.checks.figures`, or None) to a
    ``CheckFailed`` raised inside the block without one, then let it go on.

    ``draw`` runs only when the block fails, on the grader's side; anything it raises is
    swallowed, so a figure never changes a verdict or a message.
    """
    try:
        yield
    except CheckFailed as exc:
        if exc.figure is None:
            try:
                exc.figure = draw()
            except Exception:
                pass
        raise


def _fmt(x) -> str:
    return np.array2string(np.asarray(x), precision=6, threshold=12, edgeitems=3,
                           suppress_small=False, separator=", ")


def block(x, precision: int = 6) -> str:
    """An array at the end of a message: a vector inline, a matrix (or a stack of them) on lines
    of its own, indented, one row per line, so that a 4 x 4 covariance reads as one."""
    text = np.array2string(np.asarray(x, dtype=float), precision=precision, suppress_small=True,
                           separator=", ", max_line_width=120, threshold=100, edgeitems=3)
    if np.ndim(x) < 2:
        return text
    return "\n" + "\n".join("    " + line for line in text.splitlines())


def _side_by_side(label_a: str, a, label_b: str, b) -> str:
    """``label_a: a`` then ``label_b: b``, their continuation lines aligned under the values."""
    width = max(len(label_a), len(label_b)) + 2
    lines = []
    for label, value in ((label_a, a), (label_b, b)):
        text = _fmt(value).splitlines()
        lines.append(f"{label + ':':<{width}}{text[0]}")
        lines += [" " * width + t for t in text[1:]]
    return "\n".join(lines)


def as_array(value, what: str, hint: Hint = None) -> np.ndarray:
    """The value as a float array, or a failure that says what type came instead."""
    if isinstance(value, Unsupported):
        fail(f"{what} returned {value!r}, expected a numpy array", hint)
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=float)
        except (ValueError, TypeError):
            fail(f"{what} returned a {type(value).__name__} that is not a numeric array", hint)
    if isinstance(value, (bool, int, float)):
        value = np.asarray(value, dtype=float)
    if not isinstance(value, np.ndarray):
        fail(f"{what} returned {type(value).__name__}, expected a numpy array", hint)
    if value.dtype.kind == "c":
        fail(f"{what} returned complex numbers", hint)
    return value.astype(float, copy=False)


def as_float(value, what: str, hint: Hint = None) -> float:
    arr = as_array(value, what, hint)
    if arr.size != 1:
        fail(f"{what} returned an array of shape {arr.shape}, expected a single number", hint)
    return float(arr.reshape(()))


def as_tuple(value, length: int, what: str, names: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != length:
        got = (f"a {type(value).__name__} of length {len(value)}"
               if isinstance(value, (tuple, list)) else repr(value) if isinstance(value, Unsupported)
               else type(value).__name__)
        fail(f"{what} must return a tuple ({names}); it returned {got}")
    return tuple(value)


def expect_shape(arr: np.ndarray, shape: tuple, what: str, hint: Hint = None) -> None:
    if arr.shape != tuple(shape):
        extra = ""
        if arr.ndim == 2 and len(shape) == 2 and arr.shape == tuple(shape)[::-1]:
            extra = " (the transpose of the expected shape: rows and columns are swapped)"
        elif arr.size == int(np.prod(shape)):
            extra = f" (same number of entries: reshape, e.g. .reshape{tuple(shape)})"
        fail(f"{what} has shape {arr.shape}, expected {tuple(shape)}{extra}", hint)


def expect_finite(arr: np.ndarray, what: str, hint: Hint = None) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        fail(f"{what} is not finite at index {idx}: {arr[idx]} "
             f"({int(bad.sum())} of {arr.size} entries are NaN or infinite)", hint)


def expect_close(actual: np.ndarray, expected, what: str, *, rtol: float = 1e-6,
                 atol: float = 1e-8, hint: Hint = None) -> None:
    """Shape and values; the message names the first index where they differ."""
    expected = np.asarray(expected, dtype=float)
    actual = as_array(actual, what, hint)
    expect_shape(actual, expected.shape, what, hint)
    close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=False)
    if not close.all():
        idx = tuple(int(i) for i in np.argwhere(~close)[0])
        at = f" at index {idx}" if idx else ""
        if expected.ndim >= 3:  # a stack of matrices: show the one where they first differ
            part, label = (idx[0],), f"[{idx[0]}]"
        else:
            part, label = (), ""
        fail(f"{what} differs from the expected value{at}: expected {expected[idx]:.8g}, "
             f"got {actual[idx]:.8g} (tolerance rtol={rtol:g}, atol={atol:g}; "
             f"{int((~close).sum())} of {close.size} entries differ)\n"
             + _side_by_side(f"expected{label}", expected[part], f"got{label}", actual[part]),
             hint)


def expect_pmf_rows(r: np.ndarray, what: str, *, tol: float, meaning: str, negative_hint: str,
                    axis_hint: str, normalise_hint: str) -> None:
    """Every entry of the responsibilities ``r`` (n, k) non-negative and every row summing to 1.

    ``meaning`` says what a row is; ``axis_hint`` is given when the columns sum to 1 instead
    (the classic axis=0 mistake), ``normalise_hint`` otherwise.
    """
    low = r < -1e-9
    if low.any():
        i, j = (int(a) for a in np.argwhere(low)[0])
        fail(f"{what} has a negative responsibility at row {i}, column {j}: {r[i, j]:.6g}",
             negative_hint)
    sums = r.sum(axis=1)
    bad = np.abs(sums - 1) > tol
    if bad.any():
        i = int(np.argmax(bad))
        fail(f"row {i} of {what} sums to {sums[i]:.6g}, not 1 (tolerance "
             f"{np.format_float_scientific(tol, trim='-', exp_digits=1)}; {int(bad.sum())} of "
             f"{len(sums)} rows do not sum to 1); {meaning}",
             axis_hint if np.allclose(r.sum(axis=0), 1, atol=tol) else normalise_hint)


def match_components(estimated: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """The permutation ``p`` so that ``estimated[p]`` best matches ``truth`` (rows or scalars)."""
    est = np.asarray(estimated, dtype=float).reshape(len(estimated), -1)
    tru = np.asarray(truth, dtype=float).reshape(len(truth), -1)
    cost = ((est[None, :, :] - tru[:, None, :]) ** 2).sum(-1)
    from scipy.optimize import linear_sum_assignment  # here: most gradings never match

    _, cols = linear_sum_assignment(cost)
    return cols
