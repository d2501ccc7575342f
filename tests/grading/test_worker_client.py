import os
import time

import numpy as np
import pytest

from gmmkit.checks.core import StudentError
from gmmkit.wire.protocol import Rng

GOOD = "import numpy as np\ndef double(x):\n    return 2 * x\n"


def test_a_call_returns_plain_data_from_fresh_copies(worker):
    w = worker(GOOD + "def mutate(x):\n    x[:] = 99\n    return x.sum()\n")
    x = np.arange(3.0)
    np.testing.assert_array_equal(w.call("double", x), [0, 2, 4])
    assert float(w.call("mutate", x)) == 297
    np.testing.assert_array_equal(x, [0, 1, 2])  # the caller's array is untouched


def test_state_does_not_leak_from_one_call_to_the_next(worker):
    w = worker("counter = [0]\ndef bump():\n    counter[0] += 1\n    return counter[0]\n")
    assert w.call("bump") == 1
    assert w.call("bump") == 1  # every call runs in a fresh fork of the loaded submission


def test_a_generator_is_built_from_the_seed_in_the_worker(worker):
    w = worker("def draw(rng):\n    return rng.normal(size=3)\n")
    np.testing.assert_array_equal(w.call("draw", Rng(5)), np.random.default_rng(5).normal(size=3))


def test_failing_cells_are_reported_and_later_cells_still_run(worker):
    w = worker("1 / 0\n", "import sys\nsys.exit(3)\n", GOOD)
    assert "ZeroDivisionError" in w.cell_errors[0] and "code cell 1" in w.cell_errors[0]
    assert "exit" in w.cell_errors[1]
    np.testing.assert_array_equal(w.call("double", np.ones(2)), [2, 2])


def test_a_hanging_cell_is_skipped_after_its_time_limit(worker):
    w = worker(GOOD, "while True:\n    pass\n", "def triple(x):\n    return 3 * x\n",
               cell_timeout=1.0)
    assert "did not finish within 1 s" in w.cell_errors[1]
    assert float(w.call("triple", 2.0)) == 6.0


def test_timeouts_crashes_and_exits_fail_one_call_and_the_worker_comes_back(worker):
    w = worker(GOOD + "import os, time\n"
               "def spin():\n    while True:\n        pass\n"
               "def die():\n    os._exit(7)\n"
               "def kill_parent():\n    os.kill(os.getppid(), 9)\n    time.sleep(5)\n")
    with pytest.raises(StudentError) as exc:
        w.run([{"call": "spin", "return": True}], timeout=1.0)
    assert exc.value.kind == "timeout" and "spin" in exc.value.message
    with pytest.raises(StudentError) as exc:
        w.call("die")
    assert exc.value.kind == "crash" and "exit status 7" in exc.value.message
    with pytest.raises(StudentError) as exc:
        w.run([{"call": "kill_parent", "return": True}], timeout=3.0)
    assert exc.value.kind == "crash"
    np.testing.assert_array_equal(w.call("double", np.ones(1)), [2])  # restarted


def test_exceptions_and_missing_names_say_what_to_fix(worker):
    w = worker("def f(x):\n    raise NotImplementedError()\ndef g(x):\n    return x.nope\n")
    with pytest.raises(StudentError, match="not implemented yet"):
        w.call("f", 1)
    with pytest.raises(StudentError, match=r"(?s)AttributeError.*line 4 of code cell 1"):
        w.call("g", 1)
    with pytest.raises(StudentError, match="does not define `h`") as exc:
        w.call("h")
    assert exc.value.kind == "missing"


def test_methods_and_attributes_of_an_object(worker):
    w = worker("class C:\n    def __init__(self, k):\n        self.k = k\n"
               "    def grow(self, by):\n        self.k += by\n")
    result, attrs = w.method("C", (1,), {}, "grow", (2,), attrs=("k",))
    assert result is None and attrs == {"k": 3}


def test_the_worker_cannot_read_the_course_material_when_isolated(worker):
    from gmmkit import paths
    from gmmkit.grading.sandbox import probe
    w = worker(f"def peek():\n    return open({str(paths.kit_root() / 'pyproject.toml')!r}).read()\n")
    if probe().mode == "bwrap":
        with pytest.raises(StudentError, match="FileNotFoundError"):
            w.call("peek")
    else:  # reduced isolation: the worker runs as the grader's user and can read the checkout
        assert "gmmkit" in w.call("peek")
