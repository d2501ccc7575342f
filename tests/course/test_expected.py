"""The stored expected values are what the reference gives today, and the store reads them back."""
import numpy as np
import pytest

from gmmkit import assignments, paths
from gmmkit.checks.stored import EXPECTED_DIR, MissingExpected, Stored
from gmmkit.course import expected

ROOT = paths.kit_root()
RECORDING = [a for a in assignments.ASSIGNMENTS if expected.recorder_file(ROOT, a).exists()]


@pytest.mark.parametrize("name", RECORDING)
def test_the_stored_expected_values_are_up_to_date(name):
    fresh = expected.compute(name, ROOT)
    committed = EXPECTED_DIR / f"{name}.npz"
    assert committed.exists(), f"run `gmmkit build {name}` and commit {committed.name}"
    assert committed.read_bytes() == fresh, \
        f"gmmkit/checks/expected/{name}.npz is stale: run `gmmkit build {name}` and commit it"


def test_values_bugs_and_fields_round_trip_in_recording_order(tmp_path):
    rec = expected.Recorder()
    rec.value("plain", np.arange(3.0))
    rec.value("params", {"pi": np.array([0.5, 0.5]), "mu": np.zeros((2, 3))})
    rec.bug("plain", "a.z_last", np.ones(3))
    rec.bug("plain", "a.b_first", np.zeros(3))
    (tmp_path / "x.npz").write_bytes(rec.to_bytes())
    store = Stored("x", tmp_path / "x.npz")
    np.testing.assert_array_equal(store.value("plain"), np.arange(3.0))
    assert set(store.value("params")) == {"pi", "mu"}
    assert store.value("params")["mu"].shape == (2, 3)
    assert list(store.bugs("plain")) == ["a.z_last", "a.b_first"]
    assert store.bugs("params") == {}
    with pytest.raises(MissingExpected):
        store.value("absent")
    assert rec.to_bytes() == rec.to_bytes(), "the same values give the same bytes"


def test_bad_keys_and_non_numeric_values_are_refused():
    rec = expected.Recorder()
    for key in ("a/b", "a:b", ""):
        with pytest.raises(ValueError):
            rec.value(key, 1.0)
    with pytest.raises(TypeError):
        rec.value("text", np.array(["a"]))
    rec.value("once", 1.0)
    with pytest.raises(ValueError):
        rec.value("once", 2.0)


def test_a_missing_file_says_to_build(tmp_path):
    with pytest.raises(MissingExpected, match="gmmkit build"):
        Stored("nothing", tmp_path / "nothing.npz").value("k")
