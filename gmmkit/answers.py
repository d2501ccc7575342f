"""A student's written answers, read from their notebook and exported as one HTML page to hand
in on Gradescope (``gmmkit export-answers``): the student side of the written questions, in the
student package. The instructor's side, the questions' table for Gradescope, is
``gmmkit.course.manual_questions``, which reads the cells with the same functions.

``export_answers(notebook)`` writes an HTML page of **only** the student's written answers, each under its question's prompt, heading, and points, one question per printed page.
Why that and not the whole notebook:

* Gradescope grades written work as pages matched to questions. One question per page makes that
  matching a click per question, and graders read the answer beside its prompt without scrolling
  through code and plots; the code is graded by the autograder anyway.
* HTML needs nothing beyond nbconvert (which the kit already installs): a PDF straight from
  nbconvert needs LaTeX or a headless Chromium. Students print the page to PDF from any browser
  (the page breaks are set for printing); math is rendered by MathJax, as in Jupyter (loaded
  from its CDN: offline, the LaTeX shows as typed).
* Unanswered questions are marked, so a student sees at once what is missing.

``full=True`` exports the whole notebook instead (nbconvert's HTMLExporter), for courses that
want everything. Only the answer cells themselves are exported: an answer written in a cell the
student added is not, and the page's first lines say so.
"""
from __future__ import annotations

import argparse
import copy
import html
import re
import sys
from pathlib import Path

_STUBS = {"YOUR ANSWER HERE", "# YOUR CODE HERE\nraise NotImplementedError()"}
_POINTS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:points?|pts?)\b", re.I)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_QUESTION = re.compile(r"\bquestion\s+\(?[\w.]*\d", re.I)   # "Question 1", "Question 2b"


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_manual(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade") and meta.get("solution"))


def _is_autograded_test(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade") and not meta.get("solution"))


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _clean(text: str) -> str:
    text = re.sub(r"[*_`]", "", text).strip()
    return re.sub(r"\s+", " ", text).rstrip(".:").strip()


def title_of(prompt: str, fallback: str) -> str:
    """A short title for a question from its prompt: a heading or a bold lead naming the question
    ("Question 1 (2 points)"), else the prompt's last heading, else ``fallback``."""
    headings = [m.group(1) for m in map(_HEADING.match, prompt.splitlines()) if m]
    for h in headings:
        if _QUESTION.search(h):
            return _clean(h)
    for m in _BOLD.finditer(prompt):
        bold = m.group(1) or m.group(2)
        if _QUESTION.search(bold):
            return _clean(bold)
    if headings:
        return _clean(headings[-1])
    return fallback


def stated_points(prompt: str) -> float | None:
    """The points a prompt announces in its question's title ("(2 points)"), if it does."""
    title = title_of(prompt, "")
    if not _QUESTION.search(title):
        return None
    m = _POINTS.search(title)
    return float(m.group(1)) if m else None


def _prompt_index(cells: list, index: int) -> int | None:
    """The markdown cell that asks the question answered by ``cells[index]``: the nearest
    markdown cell before it that is not itself graded. Code cells in between are passed over (a
    side question may ask for a number in code, checked, before the written "why"); the previous
    written answer is not."""
    for j in range(index - 1, -1, -1):
        cell = cells[j]
        if is_manual(cell):
            return None  # the previous question's answer: this one has no prompt of its own
        if cell.get("cell_type") == "markdown" and not _meta(cell).get("grade"):
            return j
    return None


def _questions(nb) -> list[tuple[int, int | None]]:
    """(answer cell index, prompt cell index) for every manually graded cell."""
    cells = nb["cells"]
    return [(i, _prompt_index(cells, i)) for i, c in enumerate(cells) if is_manual(c)]


def _read(path: Path):
    import nbformat
    return nbformat.read(str(path), as_version=4)


def manual_questions(source_notebook: Path) -> list[dict]:
    """The manually graded questions of a notebook, in order: number, grade_id, points,
    title, prompt (the markdown that asks it), cell_type ("markdown" or "code"), notebook."""
    nb = _read(Path(source_notebook))
    out = []
    for number, (i, p) in enumerate(_questions(nb), start=1):
        cell = nb.cells[i]
        meta = _meta(cell)
        prompt = _source(nb.cells[p]) if p is not None else ""
        out.append({
            "number": number,
            "grade_id": meta.get("grade_id", f"cell-{i}"),
            "points": float(meta.get("points", 0)),
            "title": title_of(prompt, meta.get("grade_id", f"cell {i}")),
            "prompt": prompt,
            "cell_type": cell.cell_type,
            "notebook": Path(source_notebook).name,
        })
    return out


_NEW_PAGE = "break-before: page; page-break-before: always;"


def answers_notebook(nb, filename: str):
    """A notebook of only the written answers of ``nb``, each under a heading and its prompt."""
    import nbformat

    v4 = nbformat.v4
    questions = _questions(nb)
    total = sum(float(_meta(nb.cells[i]).get("points", 0)) for i, _ in questions)
    cells = [v4.new_markdown_cell(
        f"# Written answers: {html.escape(filename)}\n\n"
        f"{len(questions)} questions, {total:g} points. One question per page; only the answer "
        "cells of the notebook are shown.")]
    for number, (i, p) in enumerate(questions, start=1):
        answer = copy.deepcopy(nb.cells[i])
        meta = _meta(answer)
        prompt = _source(nb.cells[p]) if p is not None else ""
        title = title_of(prompt, meta.get("grade_id", f"cell {i}"))
        points = float(meta.get("points", 0))
        # A line that starts each question's page and names it as the course's outline does;
        # the prompt follows (with its own heading, when it has one).
        style = _NEW_PAGE if number > 1 else ""
        label = f"{number}/{len(questions)} &middot; {html.escape(title)}"
        if not _POINTS.search(title):
            label += f" &middot; {points:g} points"
        cells.append(v4.new_markdown_cell(
            f'<p style="{style} color: #555; border-bottom: 1px solid #ccc;">'
            f"{label} &middot; cell "
            f"<code>{html.escape(str(meta.get('grade_id', i)))}</code></p>"))
        cells.append(v4.new_markdown_cell(prompt or f"**{html.escape(title)}**"))
        if _source(answer).strip() in _STUBS:
            cells.append(v4.new_markdown_cell("**(not answered yet)**"))
        else:
            cells.append(v4.new_markdown_cell("**Answer:**"))
            cells.append(answer)
    out = v4.new_notebook(cells=cells, metadata=copy.deepcopy(nb.metadata))
    return out, len(questions)


def export_answers(notebook: Path, out: Path | None = None, full: bool = False) -> Path:
    """Write an HTML page of the student's written answers (``full``: the whole notebook) next to
    ``notebook`` as ``<stem>-answers.html`` (or to ``out``); returns the path written."""
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    nb = _read(notebook)
    if not full:
        nb, count = answers_notebook(nb, notebook.name)
        if count == 0:
            raise ValueError(f"{notebook.name} has no written-answer cells (nbgrader metadata with "
                             "grade and solution): is it the assignment's notebook? Use full=True "
                             "(--all) to export the whole notebook")
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    out = Path(out) if out else notebook.with_name(notebook.stem + ("" if full else "-answers") + ".html")
    out.write_text(body, encoding="utf-8")
    return out


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="your assignment notebook (.ipynb)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the HTML file to write (default: NOTEBOOK-answers.html beside it)")
    parser.add_argument("--all", action="store_true", dest="full",
                        help="export the whole notebook, not only the written answers")


def run_export(args: argparse.Namespace) -> int:
    try:
        out = export_answers(args.notebook, args.out, args.full)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"written answers exported to {out}; open it in a browser and print it to PDF "
          "(one question per page) to hand in on Gradescope")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gmmkit export-answers",
                                     description="Export your written answers as HTML for Gradescope.")
    add_export_arguments(parser)
    return run_export(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
