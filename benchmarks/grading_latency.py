"""Grading latency: `gmmkit grade` on a correct submission, end to end, against the fastest
plain approach with no isolation (nbclient executing the notebook in one kernel; for the .py lab,
importing it and calling the checks in one fresh Python process).

    .venv/bin/python -m benchmarks.grading_latency
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from gmmkit import assignments, paths

from .timing import measure, row, run_gmmkit

TARGET = {"module": 3.0, "notebook": 8.0}


def _nbclient(notebook: Path) -> None:
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()


def _plain_module(path: Path, name: str) -> None:
    code = (f"import sys; sys.path.insert(0, {str(path.parent)!r}); import {path.stem} as m;"
            f"from gmmkit.checks import check; check({name!r}, m.GMM1D, hidden=True)")
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)


def run(repeats: int = 5) -> list[dict]:
    rows = []
    root = paths.kit_root()
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in assignments.ASSIGNMENTS.items():
            sub = assignments.get(name).reference_submission(root)
            out = Path(tmp) / "results.json"
            graded = measure(lambda: run_gmmkit("grade", name, str(sub), "--out", str(out)), repeats)
            if spec.kind == "notebook":
                plain = measure(lambda: _nbclient(sub), repeats)
                how = "nbclient, one kernel, no isolation"
            else:
                plain = measure(lambda: _plain_module(sub, name), repeats)
                how = "one Python process importing the lab and running the checks in it"
            rows.append(row(f"grading latency: {name}", graded["median"], "s", TARGET[spec.kind],
                            f"median of {repeats} `gmmkit grade` runs of the reference",
                            (graded["min"], graded["max"])))
            rows.append(row(f"price of isolation: {name}", graded["median"] / plain["median"], "x",
                            2.0, f"over {how}: {plain['median']:.2f} s"))
    return rows


if __name__ == "__main__":
    from .report import print_table
    print_table(run())
