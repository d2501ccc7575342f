"""Feedback with figures: in results.json (small, valid) and as an HTML page that really renders
in a browser (Debian's chromium, installed by the test set-up when missing)."""
import base64
import json
import shutil
import subprocess

import matplotlib.image
import nbformat
import numpy as np
import pytest

from gmmkit import paths
from gmmkit.build.build import reference_submission
from gmmkit.grading.grade import grade
from gmmkit.grading.html_report import render
from gmmkit.grading.results import to_gradescope

FIGURE_BLUE = np.array([31, 119, 180]) / 255  # the "expected" line: drawn only in figures


@pytest.fixture(scope="module")
def chromium():
    exe = shutil.which("chromium")
    if exe is None:  # Debian's package, never a browser downloaded by a tool
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True,
                       stdout=subprocess.DEVNULL)
        exe = shutil.which("chromium")
    return exe


@pytest.fixture(scope="module")
def buggy_report(tmp_path_factory):
    """gmm_sampling with the classic bug: noise scaled by the variance."""
    nb = nbformat.read(reference_submission("gmm_sampling", paths.kit_root()), as_version=4)
    for cell in nb.cells:
        if "def make_data" in cell.source:
            cell.source = cell.source.replace("sigmas[z] * eps", "sigmas[z] ** 2 * eps")
            assert "** 2 * eps" in cell.source
    path = tmp_path_factory.mktemp("bug") / "gmm_sampling.ipynb"
    nbformat.write(nb, path)
    return grade("gmm_sampling", path)


def test_a_failed_sampling_check_carries_a_figure_and_results_stay_small(buggy_report):
    data = to_gradescope(buggy_report)
    text = json.dumps(data)
    assert len(text) < 1_000_000
    failed = [t for t in data["tests"] if t.get("status") == "failed"]
    assert failed and all(t.get("output_format") == "html" for t in failed)
    assert all("sigma**2" in t["output"] for t in failed)
    png = failed[0]["output"].split("base64,")[1].split('"')[0]
    assert base64.b64decode(png).startswith(b"\x89PNG")
    passed = [t for t in data["tests"] if t.get("status") == "passed"]
    assert passed and all("output_format" not in t for t in passed)


def test_the_html_report_renders_with_its_figures_in_chromium(buggy_report, chromium, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render(buggy_report))
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,2400",
                    f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    pixels = matplotlib.image.imread(shot)[..., :3]
    blue = np.abs(pixels - FIGURE_BLUE).max(axis=-1) < 0.08
    assert blue.sum() > 200, "no figure was drawn on the page"
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          "--disable-background-networking", f"--user-data-dir={tmp_path / 'p2'}",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert dom.count("<img") == sum(1 for r in buggy_report.results if r.figure) >= 2
    assert 0 < buggy_report.score < buggy_report.max_score
    assert f"Score: {buggy_report.score:g} / {buggy_report.max_score:g}" in dom
