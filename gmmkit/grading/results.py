"""Check results -> Gradescope's results.json, written atomically, and a terminal summary."""
from __future__ import annotations

import dataclasses
import html
import json
import os
import tempfile
from pathlib import Path

from ..checks.core import CheckResult

MAX_OUTPUT = 4000          # characters of one test's output
# Gradescope renders an output without a format as "simple_format", which drops what looks like
# HTML (a message about `<lambda>` loses the word): every output says how to render it, plain
# "text" unless a test carries a figure ("html", its message escaped). No test is "hidden":
# Gradescope then hides the total from students. What only instructors need (the isolation,
# an internal error) goes to extra_data and to the autograder's stdout, which students never see.
TEXT = "text"
# Figures are base64 PNGs of a few tens of kilobytes each (gmmkit/checks/figures.py). Whatever
# the checks draw, results.json stays under Gradescope's 1 MB: one figure may take at most
# MAX_FIGURE characters and all of them together FIGURE_BUDGET; beyond that a test keeps its
# message and says its figure was left out.
MAX_FIGURE = 150_000
FIGURE_BUDGET = 600_000


@dataclasses.dataclass
class Report:
    assignment: str
    results: list[CheckResult]
    notes: list[str]              # about the submission, shown to the student
    isolation: str                # shown to instructors only
    execution_time: float = 0.0
    internal_error: str = ""      # the harness itself failed (instructors only)

    @property
    def score(self) -> float:
        return float(sum(r.score for r in self.results))

    @property
    def max_score(self) -> float:
        return float(sum(r.max_score for r in self.results))


def _clip(text: str, limit: int = MAX_OUTPUT) -> str:
    return text if len(text) <= limit else text[:limit] + "\n... (output truncated)"


def _test_output(r: CheckResult, figure: bool = True) -> dict:
    if r.figure and not figure:
        return {"output": _clip(r.output) + "\n(figure left out to keep the results small)"}
    if not r.figure:
        return {"output": _clip(r.output)}
    # Gradescope renders a test's output as HTML when asked: the message, then the figure.
    return {"output": f"<pre>{html.escape(_clip(r.output))}</pre>\n"
                      f'<img alt="your result next to the expected one" '
                      f'src="data:image/png;base64,{r.figure}"/>',
            "output_format": "html"}


def _test_extra(r: CheckResult) -> dict:
    """The check's stable id and, for a failure that matched a classic bug, the bug's id: what
    ``gmmkit report`` counts over a class (Gradescope keeps a test's ``extra_data``)."""
    extra = {key: value for key, value in (("check", r.id), ("bug", r.bug), ("error", r.error))
             if value}
    return {"extra_data": extra} if extra else {}


def _figures_kept(results: list[CheckResult]) -> list[bool]:
    """Which results keep their figure: each under MAX_FIGURE, all within FIGURE_BUDGET, in
    order (the first failures are the ones a student reads first)."""
    kept, used = [], 0
    for r in results:
        keep = bool(r.figure) and len(r.figure) <= MAX_FIGURE and used + len(r.figure) <= FIGURE_BUDGET
        used += len(r.figure) if keep else 0
        kept.append(keep)
    return kept


def to_gradescope(report: Report) -> dict:
    tests = [{"name": r.name, "score": r.score, "max_score": r.max_score,
              "visibility": r.visibility, "status": r.status, **_test_output(r, keep),
              **_test_extra(r)}
             for r, keep in zip(report.results, _figures_kept(report.results))]
    passed = sum(r.passed for r in report.results)
    lines = [f"{report.assignment}: {report.score:g} / {report.max_score:g} autograded points "
             f"({passed} of {len(report.results)} checks passed)."]
    lines += report.notes
    if report.internal_error:
        lines.append("The grader met an internal problem; your instructor can see the details. "
                     "Points shown are only those the checks awarded before it.")
    extra = {"assignment": report.assignment, "isolation": report.isolation}
    if report.internal_error:
        extra["internal_error"] = _clip(report.internal_error, 2000)
    return {"score": report.score, "execution_time": round(report.execution_time, 3),
            "output": _clip("\n".join(lines), 8000), "output_format": TEXT,
            "test_output_format": TEXT, "test_name_format": TEXT, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests, "extra_data": extra}


def write_atomic(path: Path, data: dict) -> None:
    """Write JSON so that a reader sees the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def summary(report: Report) -> str:
    width = max([len(r.name) for r in report.results] + [20])
    lines = [f"{report.assignment}  (isolation: {report.isolation})"]
    lines += [f"note: {n}" for n in report.notes]
    for r in report.results:
        mark = "PASS" if r.passed else "FAIL"
        tag = "" if not r.hidden else "  [hidden]"
        lines.append(f"  {mark}  {r.name:<{width}}  {r.score:g}/{r.max_score:g}{tag}")
        if not r.passed and r.output:
            lines += ["        " + line for line in _clip(r.output, 1200).splitlines()]
    lines.append(f"Score: {report.score:g} / {report.max_score:g}   ({report.execution_time:.2f} s)")
    if report.internal_error:
        lines.append(f"Internal grader error: {report.internal_error}")
    return "\n".join(lines)
