import numpy as np
import pytest

from gmmkit.grading.sandbox import probe
from gmmkit.grading.submission import Submission
from gmmkit.grading.worker_client import WorkerStudent


@pytest.fixture
def worker():
    """Start a worker on a list of code cells; closed at the end of the test."""
    started = []

    def start(*sources, cell_timeout=5.0, module_name="__main__"):
        cells = [{"label": f"code cell {i + 1}", "source": s} for i, s in enumerate(sources)]
        w = WorkerStudent(Submission(cells, module_name, [], "t.ipynb"), probe(),
                          cell_timeout=cell_timeout)
        started.append(w)
        w.start()
        return w

    yield start
    for w in started:
        w.close()
