import numpy as np
import pytest

from gmmkit.wire.protocol import Rng
from gmmkit.wire.steps import StepError, run_steps

MARK = {"numpy_global_state": "mark", "return": True}
READ = {"numpy_global_state": "read", "return": True}


def call(name, *args):
    return {"call": name, "args": list(args), "return": True}


def test_inputs_are_fresh_copies_and_rng_is_built_in_the_callee():
    def f(a, rng):
        a[0] = 99.0
        return a, rng.standard_normal()
    x = np.zeros(2)
    (a, r1), (b, r2) = run_steps({"f": f}, [call("f", x, Rng(3)), call("f", x, Rng(3))])
    assert x[0] == 0.0 and a[0] == b[0] == 99.0 and r1 == r2


def test_a_seed_and_draw_from_numpy_global_state_is_seen_and_leaving_it_alone_is_not():
    def seeds_and_draws(n):
        np.random.seed(0)
        return np.random.standard_normal(n)

    def pure(n):
        return np.random.default_rng(0).standard_normal(n)

    saved = np.random.get_state()
    try:
        before, _, after = run_steps({"f": seeds_and_draws}, [MARK, call("f", 3), READ])
        assert not np.array_equal(before, after)
        before, _, after = run_steps({"f": pure}, [MARK, call("f", 3), READ])
        np.testing.assert_array_equal(before, after)
    finally:
        np.random.set_state(saved)


def test_only_names_the_student_defined_can_be_called():
    with pytest.raises(StepError, match="does not define `g`"):
        run_steps({}, [call("g")])
