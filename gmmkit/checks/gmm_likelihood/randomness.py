"""The randomness convention of a graded function that takes ``rng``: the same generator state
gives the same result, a different one may differ, and numpy's global generator is neither
consulted nor changed. The global state is read in the student's own process, through the
``np`` the function's module imported (when it did)."""
from __future__ import annotations

import numpy as np

from ...wire.protocol import Rng, Unsupported
from ..core import StudentError
from ..expect import fail


def _same(a, b) -> bool:
    """Two returned values are identical (arrays bit for bit, NaN equal to NaN)."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    try:
        return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                                   equal_nan=True))
    except (TypeError, ValueError):
        return a == b


def _numpy_of(student, name: str) -> bool:
    """Whether ``name``'s module holds numpy as ``np`` (then its global state can be read)."""
    try:
        (value,) = student.run([{"call": f"{name}.__globals__.get", "args": ["np"],
                                 "return": True}])
    except StudentError:
        return False
    return isinstance(value, Unsupported) and value.type_name == "module"


def _states_equal(a, b) -> bool:
    return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
            and all(_same(u, v) if not isinstance(u, str) else u == v for u, v in zip(a, b)))


def expect_rng_convention(student, name: str, args: list, seeds: tuple, describe, bug) -> None:
    """Call ``name(*args, rng)`` with ``seeds[0]`` twice and with ``seeds[1]`` once, in one
    program; ``describe(seed)`` says which call it was; ``bug`` is the hint."""
    s1, s2 = seeds
    call = [{"call": name, "args": list(args) + [Rng(s1)], "return": True}]
    steps = call + call + [{"call": name, "args": list(args) + [Rng(s2)], "return": True}]
    with_np = _numpy_of(student, name)
    if with_np:
        get_np = {"call": f"{name}.__globals__.get", "args": ["np"], "as": "np"}
        state = {"call": "$np.random.get_state", "return": True}
        steps = [get_np, state, steps[0], state, steps[1], steps[2]]
        before, first, after, second, _ = student.run(steps)
        if not _states_equal(before, after):
            fail(f"{describe(s1)} changed the state of numpy's global generator: your "
                 f"{name} calls np.random.* (or np.random.seed), which graded code must never "
                 "touch; the same rng must give the same result whatever the global state is",
                 bug)
    else:
        first, second, _ = student.run(steps)
    if not _same(first, second):
        fail(f"two calls of {describe(s1)}, each with a new generator in the same state, gave "
             f"different results: your {name} draws from another source of randomness than "
             "rng (numpy's global generator, or a generator made inside the function without "
             "a seed)", bug)
