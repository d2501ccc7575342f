import numpy as np
import pytest

from gmmkit.checks.bugs import Bug, catalogue, matches, which_bug
from gmmkit.checks.core import CheckFailed
from gmmkit.checks.expect import expect_close, fail

AXIS = Bug("t.axis0", "normalised over the points", "normalise over the components")
SCALE = Bug("t.scale", "variance passed as the scale", "pass the standard deviation")
KNOWN = catalogue([AXIS, SCALE])


def test_the_first_matching_bug_in_order_is_named():
    got = np.array([1.0, 2.0])
    assert which_bug(got, {"t.axis0": np.array([1.0, 2.0]), "t.scale": got}, KNOWN) is AXIS
    assert which_bug(got, {"t.axis0": np.array([1.0, 3.0]), "t.scale": got}, KNOWN) is SCALE
    assert which_bug(got, {"t.axis0": np.array([1.0, 3.0])}, KNOWN) is None


def test_shape_and_nan_never_match():
    assert not matches(np.ones(3), np.ones((3, 1)))
    assert not matches(np.array([np.nan]), np.array([np.nan]))


def test_a_duplicate_id_is_refused():
    with pytest.raises(ValueError):
        catalogue([AXIS, AXIS])


def test_a_bug_hint_is_shown_and_its_id_recorded():
    with pytest.raises(CheckFailed) as info:
        fail("wrong", AXIS)
    assert info.value.bug == "t.axis0" and "Hint: normalise over the components" in str(info.value)
    with pytest.raises(CheckFailed) as info:
        expect_close(np.ones(2), np.zeros(2), "x", hint=SCALE)
    assert info.value.bug == "t.scale"
    with pytest.raises(CheckFailed) as info:
        fail("wrong", "plain words")
    assert info.value.bug == ""
