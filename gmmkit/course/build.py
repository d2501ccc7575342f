"""``gmmkit build``: stored expected values, releases, bundles, then self-grading that proves them.

For every assignment: the public checks' expected values are recorded from the reference,
nbgrader generates ``release/<a>/``, the Gradescope bundle is written to
``autograder/dist/<a>.zip``, then the reference (the source, with its solutions) must score full
marks and the release stub zero autograded points. Any miss fails the build, naming the checks.
"""
from __future__ import annotations

import time

from .. import assignments, paths
from ..assignments import Assignment
from ..grading.grade import grade
from . import expected, manual_questions, setup_cell, wheel
from .bundle import build_bundle
from .release import generate


def build(names: list[str] | None = None, selfgrade: bool = True, figures: bool = False) -> int:
    root = paths.kit_root()
    specs = [assignments.get(n) for n in names] if names else list(assignments.ASSIGNMENTS.values())
    rows, problems = [], []
    setup_cell.sync(root)   # every notebook's setup cell, before nbgrader copies it
    for spec in specs:
        started = time.monotonic()
        expected.write(spec.name, root)   # before the bundle, which carries the package
        generate(spec.source_dir(root), spec.release_dir(root))
        build_bundle(spec.name, root / "autograder" / "dist", root)
        manual_questions.write(spec.name, root / "autograder" / "dist")
        if figures:
            from .figures import export_figures
            export_figures(spec.source_dir(root) / spec.figures_notebook,
                           root / "solutions" / "figures" / spec.name)
        row = {"assignment": spec.name, "checks": "-", "points": "-", "reference": "-", "stub": "-"}
        if selfgrade:
            row.update(_selfgrade(spec, root, problems))
        row["seconds"] = f"{time.monotonic() - started:.1f}"
        rows.append(row)
    wheel.write(root)   # release/gmmkit-<version>-py3-none-any.whl, after the stored values
    print(table(rows))
    for p in problems:
        print("BUILD FAILED: " + p)
    return 1 if problems else 0


def _selfgrade(spec: Assignment, root, problems: list[str]) -> dict:
    """The reference must score full marks and the stub zero; what misses goes to ``problems``."""
    ref = grade(spec, spec.reference_submission(root))
    stub = grade(spec, spec.stub_submission(root))
    problems += [f"{spec.name}: the reference fails '{r.name}': {r.output}"
                 for r in ref.results if not r.passed]
    problems += [f"{spec.name}: the release stub passes '{r.name}'"
                 for r in stub.results if r.passed]
    problems += [f"{spec.name}: grader error: {report.internal_error}"
                 for report in (ref, stub) if report.internal_error]
    return {"checks": len(ref.results), "points": f"{ref.max_score:g}",
            "reference": f"{ref.score:g}", "stub": f"{stub.score:g}"}


def table(rows: list[dict]) -> str:
    cols = ["assignment", "checks", "points", "reference", "stub", "seconds"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    line = lambda r: "  ".join(str(r[c]).ljust(widths[c]) for c in cols)  # noqa: E731
    return "\n".join([line({c: c for c in cols}), line({c: "-" * widths[c] for c in cols})]
                     + [line(r) for r in rows])
