"""The expected values the build stored for ``mnist_bmm``'s public checks (keys below are
shared with ``autograder/mnist_bmm/expected.py``, which records them)."""
from ..stored import Stored

STORE = Stored("mnist_bmm")
