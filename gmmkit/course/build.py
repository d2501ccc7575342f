"""``gmmkit build``: releases, bundles, then self-grading that proves them.

For every assignment: nbgrader generates ``release/<a>/``, the Gradescope bundle is written to
``autograder/dist/<a>.zip``, then the reference (the source, with its solutions) must score full
marks and the release stub zero autograded points. Any miss fails the build, naming the checks.
"""
from __future__ import annotations

import time
from pathlib import Path

from .. import assignments, manual_questions, paths
from ..grading.grade import grade
from . import expected, setup_cell, wheel
from .bundle import build_bundle
from .release import generate


def reference_submission(name: str, root: Path) -> Path:
    spec = assignments.get(name)
    return root / "source" / name / spec.submission


def stub_submission(name: str, root: Path) -> Path:
    spec = assignments.get(name)
    return root / "release" / name / spec.submission


def build(names: list[str] | None = None, selfgrade: bool = True, figures: bool = False) -> int:
    root = paths.kit_root()
    names = names or list(assignments.ASSIGNMENTS)
    rows, problems = [], []
    setup_cell.sync(root)   # every notebook's setup cell, before nbgrader copies it
    for name in names:
        started = time.monotonic()
        expected.write(name, root)   # before the bundle, which carries the package
        generate(root / "source" / name, root / "release" / name)
        build_bundle(name, root / "autograder" / "dist", root)
        manual_questions.write(name, root / "autograder" / "dist")
        if figures:
            from .figures import export_figures
            spec = assignments.get(name)
            notebook = root / "source" / name / (spec.submission if spec.kind == "notebook"
                                                 else f"{name}_lab.ipynb")
            export_figures(notebook, root / "solutions" / "figures" / name)
        row = {"assignment": name, "checks": "-", "points": "-", "reference": "-", "stub": "-"}
        if selfgrade:
            ref = grade(name, reference_submission(name, root))
            stub = grade(name, stub_submission(name, root))
            row.update(checks=len(ref.results), points=f"{ref.max_score:g}",
                       reference=f"{ref.score:g}", stub=f"{stub.score:g}")
            missed = [r for r in ref.results if not r.passed]
            passed = [r for r in stub.results if r.passed]
            for r in missed:
                problems.append(f"{name}: the reference fails '{r.name}': {r.output}")
            for r in passed:
                problems.append(f"{name}: the release stub passes '{r.name}'")
            for report in (ref, stub):
                if report.internal_error:
                    problems.append(f"{name}: grader error: {report.internal_error}")
        row["seconds"] = f"{time.monotonic() - started:.1f}"
        rows.append(row)
    wheel.write(root)   # release/gmmkit-<version>-py3-none-any.whl, after the stored values
    print(table(rows))
    for p in problems:
        print("BUILD FAILED: " + p)
    return 1 if problems else 0


def table(rows: list[dict]) -> str:
    cols = ["assignment", "checks", "points", "reference", "stub", "seconds"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    line = lambda r: "  ".join(str(r[c]).ljust(widths[c]) for c in cols)  # noqa: E731
    return "\n".join([line({c: c for c in cols}), line({c: "-" * widths[c] for c in cols})]
                     + [line(r) for r in rows])
