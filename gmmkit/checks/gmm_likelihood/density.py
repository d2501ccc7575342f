"""expected_mean_density, a graded number: the public check only makes sure it is a number
(the hidden check judges the value, so the public one does not give the answer away)."""
from __future__ import annotations

import numpy as np

from ...wire.protocol import Unsupported
from ..expect import as_float, fail
from .graded import EXPECTED_MEAN_DENSITY


def get_number(student, name: str) -> float:
    """The graded variable ``name`` as a finite float, or a failure that says what it is."""
    (value,) = student.run([{"get": name, "return": True}])
    if value is None:
        fail(f"{name} is None: store your answer, a number, in it", f"e.g. {name} = 0.5")
    if isinstance(value, str):
        fail(f"{name} is the text {value[:40]!r}: store a number, not a string",
             f"e.g. {name} = 0.5 (without quotes); explain your answer in the text cell below")
    if isinstance(value, Unsupported):
        fail(f"{name} is {value!r}: store a number", f"e.g. {name} = 0.5")
    out = as_float(value, name, f"store one number, e.g. {name} = 0.5")
    if not np.isfinite(out):
        fail(f"{name} is {out}, not a finite number", "store the number you expect")
    return out


def _mean_density_is_number(student, ref) -> None:
    value = get_number(student, "expected_mean_density")
    if value < 0:
        fail(f"expected_mean_density is {value:g}, but a density is never negative, so neither "
             "is its average over a grid")


CHECKS = [
    EXPECTED_MEAN_DENSITY.check("gmm_likelihood.expected_mean_density.number",
                                "expected_mean_density: a single number", 0.5,
                                _mean_density_is_number),
]
