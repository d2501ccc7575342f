"""Class scale and build time.

- grading 100 copies of a correct gmm1d submission with `gmmkit grade ... --jobs 2`: seconds per
  submission;
- `gmmkit build` for all assignments: seconds;
- peak resident memory of one grading run (the grader and its worker).

    .venv/bin/python -m benchmarks.class_scale
"""
from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gmmkit import assignments, paths

from .timing import row, run_gmmkit

N_SUBMISSIONS = 100


def class_scale(n: int = N_SUBMISSIONS) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cls = Path(tmp) / "class"
        cls.mkdir()
        ref = assignments.get("gmm1d").reference_submission(paths.kit_root())
        for i in range(n):
            shutil.copy(ref, cls / f"student{i:03d}.py")
        started = time.perf_counter()
        run_gmmkit("grade", "gmm1d", str(cls), "--jobs", "2", "--out", str(Path(tmp) / "out"))
        wall = time.perf_counter() - started
        book = (Path(tmp) / "out" / "gradebook.csv").read_text().splitlines()
        assert len(book) == n + 1
    return row(f"class scale: {n} gmm1d submissions, --jobs 2", wall / n, "s",
               detail=f"{wall:.1f} s in all")


def build_time() -> dict:
    started = time.perf_counter()
    run_gmmkit("build")
    return row("gmmkit build, all assignments", time.perf_counter() - started, "s",
               detail="nbgrader releases, bundles, self-grading")


def grading_memory() -> dict:
    """Peak RSS among the processes of one grading run (grader, sandbox, worker)."""
    code = ("import resource, subprocess, sys; subprocess.run([sys.executable, '-m', 'gmmkit', "
            f"'grade', 'gmm_sampling', {str(assignments.get('gmm_sampling').reference_submission(paths.kit_root()))!r}, "
            "'--out', '/dev/null'], stdout=subprocess.DEVNULL, check=False); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return row("peak memory of one grading run (gmm_sampling)", int(out.stdout) / 1024, "MB",
               detail="max RSS over the grader's processes")


def run(repeats: int = 1) -> list[dict]:
    return [class_scale(), build_time(), grading_memory()]


if __name__ == "__main__":
    from .report import print_table
    print_table(run())
