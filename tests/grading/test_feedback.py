"""Feedback that teaches: what a student sees when a check fails.

For every registered assignment, a representative failing submission (the reference with one
classic bug injected, built here from the source notebook or the source .py) is graded through
the real harness. Its feedback must say what was expected, what came, where they first differ
and what to try; the checks where a picture explains more carry a small figure of the student's
result next to the expected one; a figure of a hidden check stays inside that hidden check
(shown after the due date); results.json stays valid and under 1 MB; and the HTML page renders,
with its figures, in headless Chromium (Debian's package).

The in-notebook checks give the same messages and show the same figures inline: a notebook with
a broken function is executed with nbclient and its check cell carries an image/png output.

Screenshots for the docs: ``GMMKIT_FEEDBACK_SCREENSHOTS=docs/feedback .venv/bin/pytest
tests/grading/test_feedback.py -k chromium`` also writes ``docs/feedback/<assignment>.png``.
"""
from __future__ import annotations

import base64
import html
import io
import json
import os
import textwrap
import types
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from helpers.browser import dump_dom, find_chromium, screenshot

from gmmkit import assignments, paths
from gmmkit.checks import InKernelStudent, load_module, public_checks, run_checks
from gmmkit.checks.core import CheckResult
from gmmkit.checks.figures import REFERENCE
from gmmkit.grading import html_report
from gmmkit.grading.grade import grade
from gmmkit.grading.results import FIGURE_BUDGET, Report, to_gradescope, write_atomic

MAX_RESULTS = 1_000_000       # Gradescope's limit for results.json, in bytes
MAX_FIGURE = 60_000           # base64 characters of one figure
FIGURE_BLUE = np.array(Image.new("RGB", (1, 1), REFERENCE).getpixel((0, 0))) / 255

# ------------------------------------------------------------------------------------------
# The representative failing submission of each assignment: (graded name or file, the
# correct code, the classic bug), and what its feedback must show, check by check:
# (a part of the check's name, words its message must contain, whether it carries a figure).
# ------------------------------------------------------------------------------------------
BUGS = {
    "gmm_sampling": ("make_data", "sigmas[z] * eps", "sigmas[z] ** 2 * eps"),
    "gmm1d": ("gmm1d.py", "(x[:, None] - means) ** 2", "(x[:, None] - self.means) ** 2"),
    "em_2d": ("em_step", "logsumexp(log_joint, axis=1, keepdims=True)",
              "logsumexp(log_joint, axis=0, keepdims=True)"),
    "mnist_bmm": ("m_step", "(nk[:, None] + 2 * smoothing)", "(len(X) + 2 * smoothing)"),
    "gmm_likelihood": ("mstep", "lsigmas = 0.5 * np.log(variances)", "lsigmas = np.log(variances)"),
    "iris_em": ("M_step", "diff = X - mu[j]", "diff = X - X.mean(axis=0)"),
}
EXPECTED = {
    "gmm_sampling": [
        ("make_data: mean and variance", ["variance of the 200000 samples", "is 2.6395",
                                          "mixture's variance", "is 2.7427",
                                          "standard errors away (allowed: 7)",
                                          "Hint: the noise looks scaled by sigma**2"], True),
        ("make_data: 200,000 samples follow the mixture", ["Kolmogorov-Smirnov", "D = ",
                                                          "largest gap is at x =", "sigma**2"],
         True),
        ("make_data: other mixtures", ["standard errors away", "sigma**2"], True),
        ("make_data: edge cases", ["standard errors away", "sigma**2"], True),
    ],
    "gmm1d": [
        ("mstep: priors, means and variances from given", [
            "self.variances after mstep with k = 3", "at index (0,)", "expected 1.7868876",
            "got 36.909234", "tolerance rtol=1e-05", "3 of 3 entries differ",
            "Hint: the variance uses the old means: compute the new means first"], True),
        ("mstep: hard assignments", ["expected 1.25, got 3.5", "the old means"], True),
        ("mstep: agrees with the reference", ["index (0,)", "tolerance", "the old means"], True),
    ],
    "em_2d": [
        ("em_step: returns (pi, mu, cov, r)", ["row 0 of the responsibilities r",
                                               "sums to 0.012129, not 1", "tolerance 1e-6",
                                               "272 of 272 rows", "Hint:", "axis=1"], True),
        ("em_step: the E-step's responsibilities", [
            "at index (0, 0): expected 0.86057921, got 0.0096181698", "rtol=0.0001",
            "544 of 544 entries differ", "Hint: you normalised over the points (axis=0)"], True),
        ("em_step: the M-step's pi, mu, cov", ["the new pi", "expected 0.61191772",
                                               "yours are not a valid posterior", "Hint:"], True),
        ("em_step: agrees with the reference", ["index (0, 0)", "axis=0"], True),
        ("em_step: points far from every component", ["index (0, 0)", "axis=0"], True),
    ],
    "mnist_bmm": [
        ("m_step: known values", ["the mu of m_step", "at index (0, 0): expected 0.71428571, "
                                  "got 0.5", "tolerance rtol=1e-05",
                                  "Hint: divide by each cluster's soft count R_k"], True),
        ("m_step: agrees with the reference", ["index (0, 0)", "soft count R_k"], True),
    ],
    "gmm_likelihood": [
        ("mstep: weights, weighted means and variances", [
            "the lsigmas of mstep", "at index (0,): expected 0.55765292, got 1.1153058",
            "tolerance rtol=1e-05", "Hint: these are log variances: lsigmas = log sigma = "
            "0.5 * log(variance)"], True),
        ("mstep: agrees with the reference", ["index (0,)", "log variances"], True),
    ],
    "iris_em": [
        ("M_step: known values with the true labels", [
            "cov.mean() of M_step(r, X_iris)", "expected 0.0897913, got 0.6058025",
            "tolerance rtol=0, atol=2e-05",
            "Hint: the covariance is centred on the mean of all the data"], True),
        # the guard checks and the fit (which follows this M_step faithfully) keep their points
        ("M_step: agrees with the reference", ["index (0, 0, 0)",
                                               "centred on the mean of all the data"], True),
    ],
}
READY = [a for a in assignments.ASSIGNMENTS if a in BUGS]


def inject(text: str, correct: str, bug: str) -> str:
    assert text.count(correct) == 1, f"the reference no longer contains {correct!r}"
    return text.replace(correct, bug)


def buggy_submission(assignment: str, folder: Path) -> Path:
    """The source notebook (or the source .py) with the assignment's classic bug injected."""
    where, correct, bug = BUGS[assignment]
    source = assignments.get(assignment).reference_submission(paths.kit_root())
    target = folder / source.name
    if source.suffix == ".py":
        target.write_text(inject(source.read_text(), correct, bug))
        return target
    nb = nbformat.read(source, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"
             and c.metadata.get("nbgrader", {}).get("grade_id") == where]
    assert len(cells) == 1, f"no solution cell {where!r} in {source}"
    cells[0].source = inject(cells[0].source, correct, bug)
    nbformat.write(nb, target)
    return target


@pytest.fixture(scope="module", params=READY)
def graded(request, tmp_path_factory):
    """(assignment, report, results.json as written and read back) of the buggy submission."""
    assignment = request.param
    folder = tmp_path_factory.mktemp(f"feedback-{assignment}")
    report = grade(assignment, buggy_submission(assignment, folder))
    out = folder / "results" / "results.json"
    write_atomic(out, to_gradescope(report))
    return assignment, report, out


def _tests(results_file: Path) -> dict:
    return {t["name"]: t for t in json.loads(results_file.read_text())["tests"]}


def _find(tests: dict, part: str) -> dict:
    found = [t for name, t in tests.items() if part in name]
    assert len(found) == 1, f"{len(found)} tests named like {part!r}: {sorted(tests)}"
    return found[0]


def _message(test: dict) -> str:
    """The message of a test as the student reads it (HTML outputs: the text of the <pre>)."""
    if test.get("output_format") != "html":
        return test["output"]
    assert test["output"].startswith("<pre>")
    return html.unescape(test["output"][len("<pre>"):test["output"].index("</pre>")])


def _figure_png(test: dict) -> bytes:
    assert test.get("output_format") == "html"
    b64 = test["output"].split("data:image/png;base64,")[1].split('"')[0]
    assert len(b64) < MAX_FIGURE, f"a figure of {len(b64)} base64 characters"
    return base64.b64decode(b64, validate=True)


# ------------------------------------------------------------------------------------------
def test_every_assignment_has_a_representative_failing_submission():
    missing = [a for a in assignments.ASSIGNMENTS if a not in BUGS]
    assert not missing, f"add a classic bug and its expected feedback for {missing}"


def test_the_failure_says_what_was_expected_what_came_and_what_to_try(graded):
    assignment, report, out = graded
    tests = _tests(out)
    assert 0 < report.score < report.max_score
    for part, words, has_figure in EXPECTED[assignment]:
        test = _find(tests, part)
        assert test["status"] == "failed" and test["score"] == 0
        message = _message(test)
        for word in words:
            assert word in message, f"{part!r}: {word!r} missing from {message}"
        if has_figure:
            png = Image.open(io.BytesIO(_figure_png(test)))
            assert png.format == "PNG" and 200 <= png.width <= 900 and png.height <= 500
        else:
            assert "output_format" not in test
    # every failed check of the submission explains itself, not only the ones listed
    for r in report.results:
        if not r.passed:
            assert "Hint: " in r.output, f"{r.name}: no hint in {r.output}"
            assert any(w in r.output for w in ("expected", " but ", "not 1", "allowed")), r.output


def test_results_json_is_valid_small_and_figures_are_html(graded):
    assignment, report, out = graded
    text = out.read_text()
    assert len(text.encode()) < MAX_RESULTS
    data = json.loads(text)
    assert data["score"] == report.score
    figures = 0
    for test in data["tests"]:
        if "data:image/png;base64," in test["output"]:
            figures += 1
            assert _figure_png(test).startswith(b"\x89PNG\r\n\x1a\n")
            assert test["output"].startswith("<pre>")  # the message first, escaped
        else:
            assert "output_format" not in test
    assert figures == sum(1 for r in report.results if r.figure) >= 2
    assert "base64" not in data["output"]


def test_a_figure_of_a_hidden_check_is_shown_only_after_the_due_date(graded):
    assignment, report, out = graded
    public = {c.name for c in public_checks(assignment)}
    hidden = {c.name for c in load_module(paths.hidden_checks_file(assignment),
                                          f"_feedback_hidden_{assignment}").CHECKS}
    tests = _tests(out)
    with_figure = {name for name, t in tests.items() if t.get("output_format") == "html"}
    assert with_figure & public and with_figure & hidden  # both kinds draw figures
    for name in with_figure:
        if name in hidden:
            assert tests[name]["visibility"] == "after_due_date", name
        else:
            assert name in public and tests[name]["visibility"] == "visible", name


def test_the_figure_budget_keeps_results_under_1_mb():
    """However many checks draw figures, results.json stays under 1 MB: figures beyond the
    budget are left out, their messages kept."""
    png = "A" * 55_000
    results = [CheckResult(f"check {i}", "f", 0.0, 1.0, "x" * 5_000, "visible", "failed", png)
               for i in range(40)]
    data = to_gradescope(Report("demo", results, [], "none: test"))
    assert len(json.dumps(data, indent=1).encode()) < MAX_RESULTS
    kept = [t for t in data["tests"] if t.get("output_format") == "html"]
    assert len(kept) == FIGURE_BUDGET // len(png)
    left_out = [t for t in data["tests"][len(kept):-1]]
    assert all("figure left out" in t["output"] and "base64" not in t["output"]
               for t in left_out)


# ------------------------------------------------------------------------------------------
# Each check that draws a figure draws it for the bug it targets (in-kernel, a few checks).
# ------------------------------------------------------------------------------------------
FIGURE_CASES = [
    # (assignment, judge, correct code in solutions/<a>.py, the bug)
    ("gmm1d", "check_estep_values", "logsumexp(log_joint, axis=1, keepdims=True)",
     "logsumexp(log_joint, axis=0, keepdims=True)"),
    ("gmm1d", "check_estep_pmf", "logsumexp(log_joint, axis=1, keepdims=True)",
     "logsumexp(log_joint, axis=0, keepdims=True)"),
    ("em_2d", "_sample_gmm_distribution", 'np.einsum("nij,nj->ni", L[labels], eps)',
     'np.einsum("nij,nj->ni", np.asarray(cov)[labels], eps)'),
    ("em_2d", "_sample_gmm_other_mixtures", 'np.einsum("nij,nj->ni", L[labels], eps)',
     'np.einsum("nij,nj->ni", np.asarray(cov)[labels], eps)'),
    ("em_2d", "_em_step_mstep", "diff = X[None, :, :] - new_mu[:, None, :]",
     "diff = X[None, :, :] - np.asarray(mu)[:, None, :]"),
    ("mnist_bmm", "_fit_reaches_optimum", "objective_history.append(loglik + log_prior)",
     "objective_history.append(loglik)"),
    ("mnist_bmm", "_m_step_valid", "(nk[:, None] + 2 * smoothing)", "(nk[:, None] + smoothing)"),
    ("gmm_likelihood", "_posterior_values", "return log_pi - lsigmas - 0.5 * LOG_2PI",
     "return log_pi - 0.5 * LOG_2PI"),
    ("gmm_likelihood", "_fit_gradient_optimum", "params = params - learning_rate",
     "params = params + learning_rate"),
    ("iris_em", "_e_step_values", "log_resp = log_joint - logsumexp(log_joint, axis=1, "
     "keepdims=True)", "log_resp = log_joint - logsumexp(log_joint, axis=0, keepdims=True)"),
    ("iris_em", "_fit_loss_history", "loss_hist[t] = -(top + np.log(px)).sum()",
     "loss_hist[t] = (top + np.log(px)).sum()"),
]


def _module_with_bug(assignment: str, correct: str, bug: str) -> dict:
    module = types.ModuleType(f"buggy_{assignment}")
    code = inject(paths.solutions_file(assignment).read_text(), correct, bug)
    exec(compile(code, f"buggy_{assignment}.py", "exec"), module.__dict__)
    return module.__dict__


@pytest.mark.parametrize("assignment, judge, correct, bug", FIGURE_CASES,
                         ids=[f"{a}-{j}" for a, j, *_ in FIGURE_CASES])
def test_each_figure_check_draws_its_figure_for_its_bug(assignment, judge, correct, bug):
    hidden = load_module(paths.hidden_checks_file(assignment), f"_fig_hidden_{assignment}")
    checks = [c for c in public_checks(assignment) + hidden.CHECKS if c.judge.__name__ == judge]
    assert len(checks) == 1
    ref = load_module(paths.solutions_file(assignment), f"_fig_ref_{assignment}")
    (result,) = run_checks(checks, InKernelStudent(_module_with_bug(assignment, correct, bug)),
                           ref if checks[0].hidden else None)
    assert not result.passed and "Hint: " in result.output
    png = base64.b64decode(result.figure, validate=True)
    assert png.startswith(b"\x89PNG") and len(result.figure) < MAX_FIGURE


# ------------------------------------------------------------------------------------------
# The HTML page, in a real browser
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium():
    return find_chromium()


def _blue(pixels: np.ndarray) -> int:
    """How many pixels have the figures' blue (the expected result's colour)."""
    return int((np.abs(pixels - FIGURE_BLUE).max(axis=-1) < 0.08).sum())


def test_the_html_page_renders_with_its_figures_in_chromium(graded, chromium, tmp_path):
    assignment, report, _ = graded
    page = tmp_path / "report.html"
    html_report.write(report, page)
    shot = tmp_path / f"{assignment}.png"
    pixels = screenshot(chromium, page, shot, tmp_path / "profile")
    n_figures = sum(1 for r in report.results if r.figure)
    # every pixel of the figures' "expected" blue is on the page: the figures are drawn whole
    in_figures = sum(_blue(np.asarray(Image.open(io.BytesIO(base64.b64decode(r.figure)))
                                      .convert("RGB")) / 255) for r in report.results if r.figure)
    assert in_figures > 100 * n_figures
    assert _blue(pixels) >= 0.95 * in_figures, "the figures were not drawn on the page"
    dom = dump_dom(chromium, page, tmp_path / "p2")
    assert dom.count("<img class=\"figure\"") == n_figures >= 2
    assert f"Score: {report.score:g} / {report.max_score:g}" in dom
    for r in report.results:
        if not r.passed:
            assert html.escape(r.output.splitlines()[0][:60], quote=False) in dom
    target = os.environ.get("GMMKIT_FEEDBACK_SCREENSHOTS")
    if target:  # keep the screenshot for the docs (docs/feedback/README.md)
        image = Image.open(shot).convert("RGB").quantize(128, method=Image.Quantize.MEDIANCUT)
        Path(target).mkdir(parents=True, exist_ok=True)
        image.save(Path(target) / f"{assignment}.png", optimize=True)


# ------------------------------------------------------------------------------------------
# The same messages and figures inside the notebook
# ------------------------------------------------------------------------------------------
def test_a_notebook_check_cell_shows_the_message_and_the_figure_inline(tmp_path):
    """The student's notebook (the release, its solutions filled in, make_data with the
    sigma**2 bug) executed by nbclient: the make_data check cell prints the same message as
    the grader's and displays the figure as an image/png output."""
    from nbclient import NotebookClient

    assignment = "gmm_sampling"
    source = nbformat.read(assignments.get(assignment).reference_submission(paths.kit_root()), as_version=4)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    release = paths.kit_root() / "release" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in solutions:
            cell.source = solutions[grade_id]
            if grade_id == "make_data":
                cell.source = inject(cell.source, *BUGS[assignment][1:])
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    check_cells = [c for c in nb.cells if c.cell_type == "code"
                   and c.source.strip().startswith(f'check("{assignment}", make_data)')]
    assert len(check_cells) == 1
    outputs = check_cells[0].outputs
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"no figure in the check cell's outputs: {outputs}"
    for image in images:
        assert base64.b64decode(image["data"]["image/png"]).startswith(b"\x89PNG")
    # a failed check does not raise in a notebook (nbgrader would score the cell zero): its
    # message is in the cell's one report, under its line, and nothing goes to stderr
    assert not [o for o in outputs if o.output_type == "error"
                or (o.output_type == "stream" and o.name == "stderr")], outputs
    shown = "".join(o["text"] for o in outputs if o.output_type == "stream")

    # the grader's message for the same bug, same inputs, word for word
    checks = [c for c in public_checks(assignment) if c.function == "make_data"]
    module = _module_with_bug(assignment, *BUGS[assignment][1:])
    graded = run_checks(checks, InKernelStudent(module))
    failed = [r for r in graded if not r.passed]
    assert len(images) == sum(1 for r in failed if r.figure) >= 2
    for r in failed:
        assert textwrap.indent(r.output, "    ") in shown
