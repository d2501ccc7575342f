"""The setup every release carries: one place for how a student's machine gets ``gmmkit``.

The course sets once, in ``pyproject.toml``::

    [tool.gmmkit]
    wheel-url = "https://example.edu/gmm/gmmkit-{version}-py3-none-any.whl"

where it publishes the student wheel (``release/gmmkit-<version>-py3-none-any.whl``); empty
means "only a wheel file handed out beside the notebooks". From that setting and the templates
below, ``sync(root)`` (run by ``gmmkit build`` before nbgrader) writes

* the first cell of every ``source/<a>/*.ipynb``: a locked, ungraded cell that does nothing
  where ``gmmkit`` imports, and otherwise ``%pip install``\\ s the wheel found beside the
  notebook (or one folder up), else the course URL, with a clear message when neither works;
* the setup block of the ``.py`` lab's checker ``source/gmm1d/check_gmm1d.py`` (between the
  two marker lines), which prints the install command instead;
* the lab's ``source/gmm1d/README.md``.

nbgrader then copies them into ``release/``. ``tests/course/test_wheel.py`` proves every
source and release file equal to what ``sync`` writes.
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

from .. import __version__

CELL_ID = "gmmkit-setup"
TEMPLATES = Path(__file__).parent / "templates"
BEGIN = "# --- gmmkit setup (written by `gmmkit build`, gmmkit/course/setup_cell.py) ---"
END = "# --- end of gmmkit setup ---"
LAB = "gmm1d"
LAB_CHECKER = "check_gmm1d.py"

CELL = '''\
# Setup: makes sure the course's `gmmkit` package is installed (Colab, JupyterHub, a laptop).
# Where it is installed already, this does nothing. Run it first.
GMMKIT_WHEEL_URL = {url}  # where the course publishes gmmkit {version}
try:
    import gmmkit
except ImportError:
    from pathlib import Path
    _wheels = sorted(Path.cwd().glob("gmmkit-*.whl")) or sorted(Path.cwd().parent.glob("gmmkit-*.whl"))
    _wheel = str(_wheels[-1]) if _wheels else GMMKIT_WHEEL_URL
    if not _wheel:
        raise ModuleNotFoundError(
            "gmmkit is not installed, and no gmmkit-*.whl is beside this notebook: download it "
            "from the course page, put it next to this notebook (Colab: the Files panel, Upload) "
            "and run this cell again")
    print("installing gmmkit from", _wheel)
    %pip install --quiet "{{_wheel}}"
    import importlib, site, sys
    if site.ENABLE_USER_SITE and site.getusersitepackages() not in sys.path:
        site.addsitedir(site.getusersitepackages())  # a hub's --user install, new to this kernel
    importlib.invalidate_caches()
    try:
        import gmmkit
    except ImportError:
        raise ModuleNotFoundError(
            f"could not install gmmkit from {{_wheel}} (see pip's message above; offline?): "
            "download the wheel from the course page, put it next to this notebook and run "
            "this cell again") from None
print("gmmkit", gmmkit.__version__, "is ready")'''

SCRIPT = '''\
{begin}
GMMKIT_WHEEL_URL = {url}  # where the course publishes gmmkit {version}
try:
    import gmmkit  # noqa: F401
except ImportError:
    from pathlib import Path
    _here = Path(__file__).resolve().parent
    _wheels = sorted(_here.glob("gmmkit-*.whl")) or sorted(_here.parent.glob("gmmkit-*.whl"))
    _wheel = str(_wheels[-1]) if _wheels else GMMKIT_WHEEL_URL
    sys.exit("gmmkit is not installed for this Python (see README.md). "
             + ("Install it with" if _wheel else "Download gmmkit-{version}-py3-none-any.whl from "
                "the course page into this folder, then install it with")
             + f'\\n    "{{sys.executable}}" -m pip install "{{_wheel or "gmmkit-{version}-py3-none-any.whl"}}"'
             + "\\nand run this script again.")
{end}'''


def settings(root: Path) -> dict:
    data = tomllib.loads((root / "pyproject.toml").read_text())
    return data.get("tool", {}).get("gmmkit", {})


def wheel_url(root: Path) -> str:
    return str(settings(root).get("wheel-url", "")).replace("{version}", __version__)


def cell_source(root: Path) -> str:
    return CELL.format(url=json.dumps(wheel_url(root)), version=__version__)


def script_block(root: Path) -> str:
    return SCRIPT.format(begin=BEGIN, end=END, url=json.dumps(wheel_url(root)), version=__version__)


def lab_readme(root: Path) -> str:
    url = wheel_url(root)
    where = (f"from {url}" if url else "from the course page")
    return ((TEMPLATES / "lab_README.md").read_text()
            .replace("@VERSION@", __version__).replace("@WHERE@", where))


def setup_cell(root: Path):
    import nbformat
    cell = nbformat.v4.new_code_cell(cell_source(root))
    cell.id = CELL_ID
    cell.metadata = {"nbgrader": {"grade": False, "grade_id": CELL_ID, "locked": True,
                                  "schema_version": 3, "solution": False, "task": False},
                     "tags": [CELL_ID]}
    return cell


def with_setup_cell(nb, root: Path):
    """``nb`` with the setup cell first (replacing an older one); other cells untouched."""
    cells = [c for c in nb.cells if c.get("id") != CELL_ID]
    nb.cells = [setup_cell(root), *cells]
    return nb


def with_script_block(text: str, root: Path) -> str:
    if BEGIN not in text or END not in text:
        raise ValueError(f"{LAB_CHECKER} has no setup block ({BEGIN!r} ... {END!r})")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + script_block(root) + tail


def source_notebooks(root: Path) -> list[Path]:
    return sorted(p for p in (root / "source").glob("*/*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def sync(root: Path) -> list[Path]:
    """Write the setup into ``source/`` where it differs; returns the files changed."""
    import nbformat
    changed = []
    for path in source_notebooks(root):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        after = nbformat.writes(with_setup_cell(nb, root))
        if after != before:
            path.write_text(after + "\n", encoding="utf-8")
            changed.append(path)
    lab = root / "source" / LAB
    for path, text in ((lab / LAB_CHECKER, with_script_block((lab / LAB_CHECKER).read_text(), root)),
                       (lab / "README.md", lab_readme(root))):
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed
