"""The Gradescope bundle, unzipped into a root laid out like Gradescope's, grades for real."""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import gradescope_layout as layout

from gmmkit import assignments, paths
from gmmkit.course.bundle import build_bundle, requirements

ROOT = paths.kit_root()
NAMES = list(assignments.ASSIGNMENTS)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return {name: build_bundle(name, out) for name in NAMES}


def gradescope_root(tmp_path: Path, bundle: Path) -> Path:
    return layout.gradescope_root(tmp_path / "autograder", bundle)


run_autograder = layout.run_autograder


@pytest.mark.parametrize("name", NAMES)
def test_the_bundle_has_gradescope_files_at_its_top(dist, name):
    with zipfile.ZipFile(dist[name]) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert script in infos
        assert (infos[script].external_attr >> 16) & stat.S_IXUSR
    assert "material/hidden_checks.py" in infos and "material/solutions.py" in infos
    assert "kit/gmmkit/grading/worker.py" in infos and "kit/pyproject.toml" in infos
    assert not any("__pycache__" in n for n in infos)
    reqs = zipfile.ZipFile(dist[name]).read("requirements.txt").decode().split()
    assert reqs == requirements() and any(r.startswith("numpy") for r in reqs)


@pytest.mark.parametrize("name", NAMES)
def test_run_autograder_gives_the_reference_full_marks(dist, name, tmp_path):
    root = gradescope_root(tmp_path, dist[name])
    spec = assignments.get(name)
    shutil.copy(assignments.get(name).reference_submission(ROOT), root / "submission" / spec.submission)
    results = run_autograder(root)
    graded = [t for t in results["tests"] if t["visibility"] != "hidden"]
    assert results["score"] == sum(t["max_score"] for t in graded) > 0
    assert all(t["status"] == "passed" for t in graded)


def test_a_broken_submission_still_gets_a_valid_results_file(dist, tmp_path):
    root = gradescope_root(tmp_path, dist["gmm_sampling"])
    (root / "submission" / "gmm_sampling.ipynb").write_text("{ this is not json")
    results = run_autograder(root)
    assert results["score"] == 0
    assert "not a valid notebook" in results["output"]
    assert all(t["score"] == 0 for t in results["tests"])


def test_run_autograder_writes_results_even_when_python_cannot_start(dist, tmp_path):
    root = gradescope_root(tmp_path, dist["gmm1d"])
    results = run_autograder(root, python="/bin/false")
    assert results["score"] == 0 and "could not run" in results["output"]


def test_the_bundle_is_reproducible(dist, tmp_path):
    again = build_bundle("gmm1d", tmp_path)
    assert again.read_bytes() == dist["gmm1d"].read_bytes()


# ---- setup.sh on an image like Gradescope's -------------------------------------------------------

SYSTEM_PYTHON = Path("/usr/bin/python3")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _bare_env(root: Path) -> dict:
    """An image's environment: the system's PATH, nothing of this checkout or its .venv; pip's
    own settings kept (where to find packages here)."""
    keep = {k: v for k, v in os.environ.items()
            if k.startswith(("PIP_", "LC_", "LANG")) or k in ("HOME", "SSL_CERT_FILE", "TMPDIR")}
    return dict(keep, PATH=SYSTEM_PATH, AUTOGRADER_ROOT=str(root))


def test_the_scripts_follow_gradescopes_layout_and_honour_autograder_root(dist):
    with zipfile.ZipFile(dist["gmm1d"]) as zf:
        setup = zf.read("setup.sh").decode()
        run = zf.read("run_autograder").decode()
    for script in (setup, run):
        assert 'AUTOGRADER_ROOT="${AUTOGRADER_ROOT:-/autograder}"' in script
    assert 'VENV="$AUTOGRADER_ROOT/venv"' in setup and "-m venv" in setup
    assert "python3-venv" in setup and "apt-get install" in setup
    assert "pip install" not in setup.replace('"$VENV/bin/python" -m pip install', "")  # never the system's
    assert '$AUTOGRADER_ROOT/venv/bin/python' in run


@pytest.mark.skipif(os.geteuid() != 0, reason="setup.sh runs as root, as on Gradescope (apt-get, "
                    "a worker user); run the suite as root (CI does) to run it")
@pytest.mark.skipif(not SYSTEM_PYTHON.exists(), reason="no system Python at /usr/bin/python3")
def test_setup_sh_builds_its_own_environment_and_run_autograder_uses_it(dist, tmp_path):
    """The real setup.sh, as root, with this machine's system Python (Debian 12: externally
    managed, as on Ubuntu 24.04, where pip refuses to install into it): it builds
    $AUTOGRADER_ROOT/venv; run_autograder then grades with that environment alone, with nothing
    of this checkout on PATH or sys.path."""
    root = gradescope_root(tmp_path, dist["gmm1d"])
    env = _bare_env(root)
    stdlib = subprocess.run([str(SYSTEM_PYTHON), "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
                            capture_output=True, text=True, env=env).stdout.strip()
    managed = (Path(stdlib) / "EXTERNALLY-MANAGED").exists()
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=1200)
    assert setup.returncode == 0, (setup.stdout + setup.stderr)[-3000:]
    python = root / "venv" / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import gmmkit; print(gmmkit.__file__)"], env=env,
                           cwd=tmp_path, capture_output=True, text=True)
    assert where.stdout.startswith(str(root / "venv")), where.stdout + where.stderr
    system = subprocess.run([str(SYSTEM_PYTHON), "-c", "import gmmkit"], env=env, cwd=tmp_path,
                            capture_output=True)
    assert system.returncode != 0, "setup.sh installed into the system Python"

    spec = assignments.get("gmm1d")
    shutil.copy(spec.reference_submission(ROOT), root / "submission" / spec.submission)
    run = subprocess.run(["bash", str(root / "run_autograder")], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0, results["output"]
    print(f"setup.sh on {stdlib} (externally managed: {managed}); isolation "
          f"{results['extra_data']['isolation']}")


# ---- a wheel install builds bundles --------------------------------------------------------------

def test_a_wheel_carries_the_bundle_templates_and_builds_a_bundle(tmp_path):
    """``pip wheel`` of the kit, installed into a folder of its own: building a bundle from it
    reads the templates as package data (the checkout only gives the course material)."""
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                            "-w", str(wheels), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("gmmkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for script in ("setup.sh", "run_autograder"):
        assert f"gmmkit/course/templates/{script}" in names, \
            "the bundle templates are not package data (pyproject.toml [tool.setuptools.package-data])"
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=600)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "import gmmkit; assert gmmkit.__file__.startswith(sys.argv[1]), gmmkit.__file__; "
            "from gmmkit.course.bundle import build_bundle; print(build_bundle('gmm1d', Path(sys.argv[2])))")
    out = subprocess.run([sys.executable, "-I", "-c", code, str(target), str(tmp_path / "dist")],
                         env=dict(os.environ, GMMKIT_ROOT=str(ROOT)), cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    with zipfile.ZipFile(tmp_path / "dist" / "gmm1d.zip") as zf:
        assert zf.read("setup.sh") == (ROOT / "gmmkit" / "course" / "templates" / "setup.sh").read_bytes()
