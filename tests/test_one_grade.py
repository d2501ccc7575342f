"""One grade everywhere: ``gmmkit grade``, the Gradescope bundle and ``nbgrader autograde`` give
the same submission the same autograded points, for every notebook assignment.

Submissions per assignment: the reference (the source notebook), the stub (the release), and
variants made here from the source notebook by replacing one line of a solution: correct ones
(another way to write it, a progress bar on stderr) and classic bugs (some of which make numpy
warn, which nbgrader would once have scored as a failed cell). Each goes through
- ``gmmkit.grading.grade.grade`` (the isolated grader),
- the bundle unzipped into a root laid out like Gradescope's, through its ``run_autograder``,
- real ``nbgrader autograde`` in one course directory (all submissions of an assignment at once),
and the three autograded totals must be equal. The table of totals is printed (``pytest -s``)
and written to ``one-grade.md`` in pytest's temporary folder. ``GMMKIT_ONE_GRADE_ALL=1`` adds
the variants marked "extra" (one more classic bug per assignment).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from helpers import gradescope_layout as layout
from helpers import nbgrader_workflow as wf

from gmmkit import assignments, paths
from gmmkit.course import hub
from gmmkit.course.bundle import build_bundle
from gmmkit.grading.grade import grade

ROOT = paths.kit_root()
NOTEBOOKS = [n for n in assignments.ASSIGNMENTS if assignments.get(n).kind == "notebook"]

# name -> (kind, {old line: new line}); the old text must occur exactly once in the notebook.
VARIANTS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "gmm_sampling": {
        "samples grouped by component": ("correct", {
            "z = rng.choice(len(pi), size=N, p=pi)": "z = np.sort(rng.choice(len(pi), size=N, p=pi))"}),
        "softmax without the shift (overflow warnings)": ("bug", {
            "shifted = logits - np.max(logits)": "shifted = logits"}),
        "variance instead of sigma": ("extra bug", {
            "x = means[z] + sigmas[z] * eps": "x = means[z] + sigmas[z] ** 2 * eps"}),
    },
    "gmm_likelihood": {
        "mstep means by a weighted sum": ("correct", {
            "means = (posterior.T @ x)[:, 0] / nk": "means = (posterior * x).sum(axis=0) / nk"}),
        "naive log(sum(exp)) (warnings)": ("bug", {
            "    return logsumexp(log_joint, axis=1)                                      # (N,)":
            "    return np.log(np.sum(np.exp(log_joint), axis=1))"}),
        "log variance for lsigmas": ("extra bug", {
            "lsigmas = 0.5 * np.log(variances)": "lsigmas = np.log(variances)"}),
    },
    "iris_em": {
        "fit with a progress bar on stderr": ("correct", {
            "    for t in range(iters):\n        log_joint":
            "    for t in tqdm(range(iters), desc='EM'):\n        log_joint"}),
        "M_step without the empty-component guard (0/0 warnings)": ("bug", {
            "nk = r.sum(axis=0) + 10 * np.finfo(float).eps": "nk = r.sum(axis=0)"}),
        "unbiased covariance (R_j - 1)": ("bug", {
            "cov[j] = (r[:, j] * diff.T) @ diff / nk[j] + reg * np.eye(d)":
            "cov[j] = (r[:, j] * diff.T) @ diff / (nk[j] - 1) + reg * np.eye(d)"}),
        "E_step normalised over the points (axis=0)": ("extra bug", {
            "log_resp = log_joint - logsumexp(log_joint, axis=1, keepdims=True)\n    return np.exp(log_resp)":
            "log_resp = log_joint - logsumexp(log_joint, axis=0, keepdims=True)\n    return np.exp(log_resp)"}),
    },
    "mnist_bmm": {
        "two matrix products": ("correct", {
            "return X @ (log_mu - log_1m_mu).T + log_1m_mu.sum(axis=1)":
            "return X @ log_mu.T + (1 - X) @ log_1m_mu.T"}),
        "smoothing counted once in the denominator": ("bug", {
            "(nk[:, None] + 2 * smoothing)": "(nk[:, None] + smoothing)"}),
        "mean log-likelihood instead of the total": ("extra bug", {
            "return np.exp(log_resp), float(log_px.sum())": "return np.exp(log_resp), float(log_px.mean())"}),
    },
    "em_2d": {
        "sample_gmm with a batched matmul": ("correct", {
            'X = mu[labels] + np.einsum("nij,nj->ni", L[labels], eps)':
            "X = mu[labels] + (L[labels] @ eps[:, :, None])[:, :, 0]"}),
        "standardize with ddof=0": ("bug", {
            "X.std(axis=0, ddof=1)": "X.std(axis=0)"}),
        "BIC counts k free weights": ("extra bug", {
            "n_params = (k - 1) + k * d + k * d * (d + 1) / 2": "n_params = k + k * d + k * d * (d + 1) / 2"}),
    },
}

# The variants marked "extra" run only with GMMKIT_ONE_GRADE_ALL=1 (the test then takes about
# half as long again); the others keep the test to a few minutes on a quiet machine.
ALL = os.environ.get("GMMKIT_ONE_GRADE_ALL") == "1"


TABLE: list[tuple[str, str, str, float, float, float, float]] = []


def variant(name: str, edits: dict[str, str], out: Path) -> Path:
    spec = assignments.get(name)
    nb = nbformat.read(ROOT / "source" / name / spec.submission, as_version=4)
    for old, new in edits.items():
        hits = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        assert len(hits) == 1 and hits[0].source.count(old) == 1, \
            f"{name}: {old!r} is not in exactly one solution cell: update the variant"
        hits[0].source = hits[0].source.replace(old, new)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return out


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    present = [n for n in NOTEBOOKS if (ROOT / "source" / n).is_dir()]
    return hub.make_course(tmp_path_factory.mktemp("one-grade") / "course", present)


def gradescope_score(bundle: Path, root: Path, submission: Path, filename: str) -> float:
    layout.gradescope_root(root, bundle)
    layout.submit(root, filename, submission.read_bytes())
    return float(layout.run_autograder(root)["score"])


def _write_table(base: Path) -> str:
    lines = ["| assignment | submission | kind | gmmkit grade | Gradescope bundle | nbgrader | max |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {a} | {s} | {k} | {g:g} | {b:g} | {n:g} | {m:g} |" for a, s, k, g, b, n, m in TABLE]
    text = "\n".join(lines) + "\n"
    (base / "one-grade.md").write_text(text)
    return text


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_three_graders_give_the_same_points(name, course, tmp_path, tmp_path_factory):
    if not (ROOT / "source" / name).is_dir():
        pytest.fail(f"{name} is registered but the kit has no source/{name}/")
    spec = assignments.get(name)
    release = wf.generate_release(course, name)
    subs = {"reference": ("reference", ROOT / "source" / name / spec.submission),
            "stub": ("stub", release / spec.submission)}
    for i, (label, (kind, edits)) in enumerate(VARIANTS.get(name, {}).items()):
        if kind.startswith("extra") and not ALL:
            continue
        subs[label] = (kind.replace("extra ", ""), variant(name, edits, tmp_path / f"v{i}" / spec.submission))
    students = {label: f"s{i}" for i, label in enumerate(subs)}
    for label, (_, path) in subs.items():
        wf.submit(course, name, students[label], release, {spec.submission: path})

    # nbgrader autogrades every submission at once while the other two graders work
    failure: list[BaseException] = []

    def autograde():
        try:
            wf.autograde(course, name)
        except BaseException as exc:  # reported below
            failure.append(exc)

    worker = threading.Thread(target=autograde)
    worker.start()
    bundle = build_bundle(name, tmp_path / "dist")
    rows = {}

    def bundled_scores():  # the bundle's root is reused, one submission after the other
        return {label: gradescope_score(bundle, tmp_path / "autograder", path, spec.submission)
                for label, (_, path) in subs.items()}

    try:
        with ThreadPoolExecutor(1) as pool:
            from_bundle = pool.submit(bundled_scores)
            for label, (kind, path) in subs.items():
                report = grade(name, path)
                assert not report.internal_error, report.internal_error
                rows[label] = [kind, report.score, None, None, report.max_score]
            for label, score in from_bundle.result().items():
                rows[label][2] = score
    finally:
        worker.join()
    if failure:
        raise failure[0]
    for label in subs:
        scores = wf.scores(course, name, students[label])
        rows[label][3] = scores.auto_score
        assert scores.max_auto_score == pytest.approx(rows[label][4])
    TABLE.extend((name, label, *row) for label, row in rows.items())
    table = _write_table(tmp_path_factory.getbasetemp())
    print("\n" + table)

    for label, (kind, ours, bundled, nbgrader, top) in rows.items():
        assert ours == pytest.approx(bundled) == pytest.approx(nbgrader), \
            f"{name}, {label}: gmmkit grade {ours:g}, bundle {bundled:g}, nbgrader {nbgrader:g}"
    assert rows["reference"][1] == rows["reference"][4] > 0
    assert rows["stub"][1] == 0
    for label, (kind, ours, *_rest, top) in rows.items():
        if kind == "correct":
            assert ours == top, f"{name}: the correct variant {label!r} loses points"
        elif kind == "bug":
            assert 0 < ours < top, f"{name}: the bug {label!r} scores {ours:g} of {top:g}"
