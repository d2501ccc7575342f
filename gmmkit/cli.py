"""The ``gmmkit`` command: ``build``, ``grade`` and (inside Gradescope) ``gradescope``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import assignments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gmmkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="regenerate release/ with nbgrader, build the Gradescope "
                                     "bundles, and self-grade")
    b.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help=f"default: all ({', '.join(assignments.ASSIGNMENTS)})")
    b.add_argument("--no-selfgrade", action="store_true", help="skip the self-grading step")
    b.add_argument("--figures", action="store_true",
                   help="also execute the solution notebooks and save their figures as PNG in "
                        "solutions/figures/<assignment>/")

    g = sub.add_parser("grade", help="grade one submission (.ipynb, .py or a folder)")
    g.add_argument("assignment", choices=list(assignments.ASSIGNMENTS))
    g.add_argument("submission", type=Path)
    g.add_argument("--out", type=Path, default=None,
                   help="where to write Gradescope's results.json (default: ./results.json); "
                        "with --jobs, a folder (default: SUBMISSION-results/)")
    g.add_argument("--html", type=Path, default=None, metavar="REPORT",
                   help="also write the feedback as one HTML page, with its figures")
    g.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="grade a whole class: every file or folder in SUBMISSION, N at a time, "
                        "one results.json each and a gradebook.csv")

    s = sub.add_parser("gradescope", help="(inside a Gradescope bundle) grade the submission")
    s.add_argument("assignment", choices=list(assignments.ASSIGNMENTS))
    s.add_argument("--root", type=Path, default=Path("/autograder"))

    n = sub.add_parser("nbgrader-course", help="lay out an nbgrader course directory, ready for "
                                               "a JupyterHub")
    e = sub.add_parser("export-answers", help="export your written answers as one HTML page, to "
                                              "print to PDF for Gradescope")
    from . import manual_questions, nbgrader_course
    nbgrader_course.add_arguments(n)
    manual_questions.add_export_arguments(e)

    args = parser.parse_args(argv)
    from .paths import NoCourseMaterial
    try:
        return _run(args)
    except NoCourseMaterial as exc:
        print(f"error: gmmkit {args.command} is an instructor's command: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from . import manual_questions, nbgrader_course
    if args.command == "nbgrader-course":
        return nbgrader_course.run(args)
    if args.command == "export-answers":
        return manual_questions.run_export(args)
    if args.command == "build":
        try:
            from .course.build import build
        except ImportError as exc:  # the student wheel carries no gmmkit.course, nor nbgrader
            print(f"error: gmmkit build needs the instructor's install, a checkout of the kit "
                  f"with `pip install -e '.[course]'` ({exc})", file=sys.stderr)
            return 2
        for name in args.assignments:
            assignments.get(name)
        return build(args.assignments or None, selfgrade=not args.no_selfgrade,
                     figures=args.figures)
    if args.command == "grade" and args.jobs:
        from .grading.batch import grade_class
        out = args.out or args.submission.with_name(args.submission.name + "-results")
        book = grade_class(args.assignment, args.submission, out, max(1, args.jobs))
        print(f"gradebook written to {book}")
        return 0
    if args.command == "grade":
        return _grade(args.assignment, args.submission, args.out or Path("results.json"), args.html)
    from .grading.gradescope import main as gradescope_main
    return gradescope_main(args.assignment, args.root)


def _grade(assignment: str, submission: Path, out: Path, html: Path | None = None) -> int:
    from .grading.grade import grade
    from .grading.results import summary, to_gradescope, write_atomic
    from .grading.sandbox import probe

    from .grading.results import Report

    try:
        isolation = probe()
        if isolation.reduced:
            print(f"notice: {isolation.detail}", file=sys.stderr)
        report = grade(assignment, submission, isolation=isolation)
    except Exception as exc:  # still write a valid results file, awarding nothing
        report = Report(assignment, [], [], "unknown", internal_error=f"{type(exc).__name__}: {exc}")
    write_atomic(out, to_gradescope(report))
    print(summary(report))
    print(f"results written to {out}")
    if html:
        from .grading.html_report import write
        write(report, html)
        print(f"feedback page written to {html}")
    return 0
