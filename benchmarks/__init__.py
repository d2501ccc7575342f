"""Performance benchmarks, run by `make bench` (never by `make test`)."""
import os

# Progress bars of the references would fill the table's output; tqdm reads this when imported.
os.environ.setdefault("TQDM_DISABLE", "1")
