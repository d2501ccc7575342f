import os
import pickle
import struct

import numpy as np
import pytest

from gmmkit.wire import protocol
from gmmkit.wire.protocol import ProtocolError, Rng, Unsupported, decode, encode, roundtrip


def test_values_survive_the_wire_with_their_dtypes_and_shapes():
    value = (np.arange(6, dtype=np.float32).reshape(2, 3).T, [1, 2.5, None, True], {"k": "v"},
             np.float64(3.0), float("nan"), -float("inf"))
    back = roundtrip(value)
    assert isinstance(back, tuple)
    assert back[0].dtype == np.float32 and back[0].shape == (3, 2)
    np.testing.assert_array_equal(back[0], value[0])
    assert back[1] == [1, 2.5, None, True]
    assert back[2] == {"k": "v"}
    assert back[3].shape == () and float(back[3]) == 3.0
    assert np.isnan(back[4]) and back[5] == -np.inf


def test_an_rng_crosses_as_a_seed_and_objects_do_not_cross_at_all():
    assert roundtrip(Rng(7)).seed == 7
    class Thing: pass
    assert roundtrip(Thing()) == Unsupported("Thing")
    assert roundtrip(np.array([object()], dtype=object)) == Unsupported("array of dtype object")


def test_an_ndarray_subclass_comes_back_as_a_plain_array():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    liar = np.zeros(3).view(Liar)
    back = roundtrip(liar)
    assert type(back) is np.ndarray
    assert not np.array_equal(back, np.ones(3))


def test_a_pickle_smuggled_as_an_array_is_refused():
    payload = pickle.dumps(np.array([object()], dtype=object))
    header = b'{"tree": {"__nd__": 0}, "blobs": [%d]}' % len(payload)
    body = struct.pack("<Q", len(header)) + header + payload
    with pytest.raises(ProtocolError):
        decode(body)


@pytest.mark.parametrize("body", [b"", b"\x00" * 8, struct.pack("<Q", 5) + b"nope!",
                                  struct.pack("<Q", 2) + b"{}"])
def test_malformed_messages_raise_protocol_error(body):
    with pytest.raises(ProtocolError):
        decode(body)


def test_messages_go_through_a_pipe():
    r, w = os.pipe()
    protocol.write_message(w, {"a": np.ones(2)})
    os.close(w)
    got = protocol.read_message(r)
    np.testing.assert_array_equal(got["a"], np.ones(2))
    with pytest.raises(EOFError):
        protocol.read_message(r)
    assert encode(1)[:8] == struct.pack("<Q", len(encode(1)) - 8)
