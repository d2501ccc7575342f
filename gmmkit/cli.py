"""The ``gmmkit`` command. Each subcommand is one function below, declared once in COMMANDS."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import assignments


def build(args: argparse.Namespace) -> int:
    try:
        from .course.build import build as run_build
    except ImportError as exc:  # the student wheel carries no gmmkit.course, nor nbgrader
        print(f"error: gmmkit build needs the instructor's install, a checkout of the kit "
              f"with `pip install -e '.[course]'` ({exc})", file=sys.stderr)
        return 2
    return run_build(args.assignments or None, selfgrade=not args.no_selfgrade,
                     figures=args.figures)


def _build_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help=f"the assignments to build (default: all: {', '.join(assignments.ASSIGNMENTS)})")
    p.add_argument("--no-selfgrade", action="store_true", help="skip the self-grading step")
    p.add_argument("--figures", action="store_true",
                   help="also execute the solution notebooks and save their figures as PNG in "
                        "solutions/figures/<assignment>/")


def grade(args: argparse.Namespace) -> int:
    if args.jobs:
        from .grading.batch import grade_class
        out = args.out or args.submission.with_name(args.submission.name + "-results")
        book = grade_class(args.assignment, args.submission, out, max(1, args.jobs))
        print(f"gradebook written to {book}")
        return 0
    from .grading.grade import grade_to_file
    from .grading.results import summary
    from .grading.sandbox import probe

    out = args.out or Path("results.json")
    try:
        isolation = probe()
    except Exception as exc:  # grade_to_file still writes a results file, awarding nothing
        isolation, note = None, f"{type(exc).__name__}: {exc}"
    else:
        note = isolation.detail if isolation.reduced else ""
    if note:
        print(f"notice: {note}", file=sys.stderr)
    report = grade_to_file(args.assignment, args.submission, out, isolation=isolation)
    print(summary(report))
    print(f"results written to {out}")
    if args.html:
        from .grading.html_report import write
        write(report, args.html)
        print(f"feedback page written to {args.html}")
    return 0


def _grade_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("assignment", choices=list(assignments.ASSIGNMENTS), metavar="ASSIGNMENT",
                   help=f"which assignment: {', '.join(assignments.ASSIGNMENTS)}")
    p.add_argument("submission", type=Path, metavar="SUBMISSION",
                   help="a .ipynb, a .py, or a folder holding one; with --jobs, a folder with "
                        "one file or folder per student")
    p.add_argument("--out", type=Path, default=None,
                   help="where to write Gradescope's results.json (default: ./results.json); "
                        "with --jobs, a folder (default: SUBMISSION-results/)")
    p.add_argument("--html", type=Path, default=None, metavar="REPORT",
                   help="also write the feedback as one HTML page, with its figures")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="grade a whole class: every file or folder in SUBMISSION, N at a time, "
                        "one results.json each and a gradebook.csv")


def gradescope(args: argparse.Namespace) -> int:
    from .grading.gradescope import main
    return main(args.assignment, args.root)


def _gradescope_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("assignment", choices=list(assignments.ASSIGNMENTS), metavar="ASSIGNMENT",
                   help="the assignment this bundle grades")
    p.add_argument("--root", type=Path, default=Path("/autograder"),
                   help="Gradescope's autograder root (default: /autograder)")


def nbgrader_course(args: argparse.Namespace) -> int:
    try:
        from .course import hub
    except ImportError as exc:  # the student wheel carries no gmmkit.course, nor nbgrader
        print(f"error: gmmkit nbgrader-course needs the instructor's install ({exc})",
              file=sys.stderr)
        return 2
    return hub.run(args)


def _nbgrader_course_arguments(p: argparse.ArgumentParser) -> None:
    # declared here, not in gmmkit.course: `gmmkit --help` works where nbgrader is not installed
    p.add_argument("dir", type=Path, metavar="DIR", help="the course directory to create (new or empty)")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help=f"default: all ({', '.join(assignments.ASSIGNMENTS)})")
    p.add_argument("--course-id", default="gmmkit", help="nbgrader's course id (default: gmmkit)")
    p.add_argument("--release", action="store_true",
                   help="also run `nbgrader generate_assignment` for each assignment")


def export_answers(args: argparse.Namespace) -> int:
    from . import answers
    return answers.run_export(args)


def _export_answers_arguments(p: argparse.ArgumentParser) -> None:
    from . import answers
    answers.add_export_arguments(p)


def new(args: argparse.Namespace) -> int:
    from .course import scaffold
    try:
        written = scaffold.new(args.name, title=args.title)
    except scaffold.ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"assignment {args.name} written:")
    print("\n".join(f"  {p}" for p in written))
    print(f"next: gmmkit build {args.name}, then read docs/AUTHORING.md")
    return 0


def _new_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME",
                   help="the new assignment's name, a Python identifier such as my_topic")
    p.add_argument("--title", default=None, help="its title (default: made from NAME)")


def report(args: argparse.Namespace) -> int:
    from . import report as class_report
    try:
        data = class_report.report(args.results, args.assignment)
    except class_report.ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(class_report.summary(data))
    print(f"report written to {args.results / 'report.html'} and {args.results / 'report.json'}")
    return 0


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", type=Path, metavar="RESULTS_DIR",
                   help="a folder of results.json files, one per student (what `gmmkit grade A "
                        "DIR --jobs N` writes, or results downloaded from Gradescope)")
    p.add_argument("--assignment", default=None, choices=list(assignments.ASSIGNMENTS),
                   help="which assignment (default: as the results files say)")


# name: (help, arguments, run), in the order `gmmkit --help` lists them
COMMANDS = {
    "build": ("regenerate release/ with nbgrader, build the Gradescope bundles, and self-grade",
              _build_arguments, build),
    "grade": ("grade one submission (.ipynb, .py or a folder), or a class with --jobs",
              _grade_arguments, grade),
    "gradescope": ("(inside a Gradescope bundle) grade the submission", _gradescope_arguments,
                   gradescope),
    "nbgrader-course": ("lay out an nbgrader course directory, ready for a JupyterHub",
                        _nbgrader_course_arguments, nbgrader_course),
    "export-answers": ("export your written answers as one HTML page, to print to PDF for "
                       "Gradescope", _export_answers_arguments, export_answers),
    "report": ("analytics of a graded class: report.json and a self-contained report.html",
               _report_arguments, report),
    "new": ("scaffold a new, working assignment in every place one needs", _new_arguments, new),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="gmmkit", description="An autograded course kit for "
                                  "Gaussian mixture models and the EM algorithm.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, arguments, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        arguments(p)
        p.set_defaults(run=run)
    return top


def main(argv: list[str] | None = None) -> int:
    from .paths import NoCourseMaterial

    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except assignments.UnknownAssignment as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except NoCourseMaterial as exc:
        print(f"error: gmmkit {args.command} is an instructor's command: {exc}", file=sys.stderr)
        return 2
