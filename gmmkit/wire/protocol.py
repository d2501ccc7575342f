"""The wire format between the grader and a worker: JSON plus raw ``.npy`` blobs, never pickle.

A message is ``[8-byte length][JSON header][blob 0][blob 1]...``; the header names the blob
lengths. Values are encoded into JSON-able trees in which arrays are replaced by
``{"__nd__": i}``, tuples by ``{"__tuple__": [...]}``, a random generator by ``{"__rng__": seed}``.
Decoding loads arrays with ``allow_pickle=False``, so a message cannot carry code.

This module is imported by the worker inside the sandbox as well: it uses only the standard
library and numpy.
"""
from __future__ import annotations

import io
import json
import math
import numbers
import os
import struct

import numpy as np

MAX_MESSAGE = 128 << 20    # bytes; a larger message is treated as a broken worker (the grader
                           # accepts far less in a reply: worker_client.MAX_REPLY)
MAX_HEADER = 16 << 20
MAX_DEPTH = 12
MAX_ITEMS = 2_000_000


class ProtocolError(Exception):
    """A message that does not follow the format (a broken or hostile worker)."""


class Rng:
    """Stands for ``np.random.default_rng(seed)`` in a call; the worker builds the generator."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def __repr__(self):
        return f"np.random.default_rng({self.seed})"


class Unsupported:
    """A value the student returned that is not data (a function, a custom object ...)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self):
        return f"<a {self.type_name} object>"

    def __eq__(self, other):
        return isinstance(other, Unsupported) and other.type_name == self.type_name


def encode(value) -> bytes:
    blobs: list[bytes] = []
    tree = _to_tree(value, blobs, 0, [0])
    header = json.dumps({"tree": tree, "blobs": [len(b) for b in blobs]}).encode()
    body = struct.pack("<Q", len(header)) + header + b"".join(blobs)
    return struct.pack("<Q", len(body)) + body


def _to_tree(value, blobs, depth, count):
    count[0] += 1
    if depth > MAX_DEPTH or count[0] > MAX_ITEMS:
        raise ValueError("the value is nested too deeply or is too large to return")
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Rng):
        return {"__rng__": value.seed}
    if isinstance(value, np.random.Generator):
        return {"__unsupported__": "numpy.random.Generator"}
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.hasobject or arr.dtype.kind not in "biufc":
            return {"__unsupported__": f"array of dtype {arr.dtype}"}
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=False)
        blobs.append(buf.getvalue())
        return {"__nd__": len(blobs) - 1}
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _float(float(value))
    if isinstance(value, (tuple, list)):
        items = [_to_tree(v, blobs, depth + 1, count) for v in value]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {"__dict__": [[str(k), _to_tree(v, blobs, depth + 1, count)] for k, v in value.items()]}
    return {"__unsupported__": type(value).__name__[:80]}


def _float(x: float):
    # JSON has no NaN or infinity; keep them explicit rather than rely on a lenient parser.
    if math.isfinite(x):
        return x
    return {"__float__": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def decode(body: bytes):
    if len(body) < 8:
        raise ProtocolError("truncated message")
    (hlen,) = struct.unpack("<Q", body[:8])
    if hlen > MAX_HEADER or 8 + hlen > len(body):
        raise ProtocolError("bad header length")
    try:
        header = json.loads(body[8:8 + hlen])
        sizes = [int(s) for s in header["blobs"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"bad header: {exc}") from None
    blobs, pos = [], 8 + hlen
    for size in sizes:
        if size < 0 or pos + size > len(body):
            raise ProtocolError("bad blob length")
        blobs.append(body[pos:pos + size])
        pos += size
    return _from_tree(header.get("tree"), blobs, 0)


def _from_tree(tree, blobs, depth):
    if depth > MAX_DEPTH + 2:
        raise ProtocolError("too deep")
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, list):
        return [_from_tree(t, blobs, depth + 1) for t in tree]
    if not isinstance(tree, dict) or len(tree) != 1:
        raise ProtocolError("bad node")
    (tag, val), = tree.items()
    if tag == "__nd__":
        try:
            return np.load(io.BytesIO(blobs[int(val)]), allow_pickle=False)
        except (ValueError, IndexError, OSError, TypeError) as exc:
            raise ProtocolError(f"bad array: {exc}") from None
    if tag == "__tuple__" and isinstance(val, list):
        return tuple(_from_tree(t, blobs, depth + 1) for t in val)
    if tag == "__dict__" and isinstance(val, list):
        return {str(k): _from_tree(v, blobs, depth + 1) for k, v in val}
    if tag == "__float__":
        return float(val)
    if tag == "__rng__":
        return Rng(int(val))
    if tag == "__unsupported__":
        return Unsupported(str(val))
    raise ProtocolError(f"unknown tag {tag!r}")


def roundtrip(value):
    """What the grader would receive had ``value`` crossed the boundary."""
    return decode(encode(value)[8:])


def write_message(fd: int, value) -> None:
    data = encode(value)
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int):
    (size,) = struct.unpack("<Q", read_exact(fd, 8))
    if size > MAX_MESSAGE:
        raise ProtocolError(f"message of {size} bytes is too large")
    return decode(read_exact(fd, size))
