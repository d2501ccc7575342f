"""``release/gmmkit-<version>-py3-none-any.whl``: the student wheel, a build output.

What a student installs (the release notebooks' setup cell does it for them): the public
package with its data, and nothing of the course material. Built here with ``zipfile`` rather
than by a build backend, so that the same package gives the same bytes everywhere (fixed
timestamps and modes, sorted entries, no build environment to download) and a test can prove
the committed wheel up to date, like the rest of ``release/``.

What goes in: every ``.py`` file of ``gmmkit/`` and the data files that pyproject's
``[tool.setuptools.package-data]`` globs name (the same list the instructor's install uses),
except ``gmmkit/course/``: the build, the bundles and the stored-value writer are the
instructor's, need nbgrader (not a student dependency), and would only be dead code in a
student's install. Nothing comes from ``solutions/``, ``autograder/`` or ``source/``: the
wheel reads only ``gmmkit/`` and ``pyproject.toml``. Its metadata declares the student
dependencies (``[project] dependencies``), not the ``course`` and ``test`` extras.
"""
from __future__ import annotations

import base64
import hashlib
import tomllib
import zipfile
from pathlib import Path


EPOCH = (2020, 1, 1, 0, 0, 0)
EXCLUDED = ("course",)   # subpackages of gmmkit left out of the student wheel
SKIP = {"__pycache__", ".ipynb_checkpoints"}
DESCRIPTION = """\
The student package of gmmkit, an autograded course kit for Gaussian mixture models and EM:
the public checks that the notebooks call (`from gmmkit.checks import check`), the data sets
and the helpers. It holds no solutions and no hidden checks.
"""


def project(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]


def wheel_name(root: Path) -> str:
    meta = project(root)
    return f"{meta['name']}-{meta['version']}-py3-none-any.whl"


def package_files(root: Path) -> list[Path]:
    """The files of ``gmmkit/`` the wheel carries, sorted (paths relative to the package)."""
    data = tomllib.loads((root / "pyproject.toml").read_text())
    globs = data["tool"]["setuptools"]["package-data"]["gmmkit"]
    package = root / "gmmkit"
    chosen = {p for p in package.rglob("*.py")}
    for pattern in globs:
        chosen.update(package.glob(pattern))
    return sorted(p.relative_to(package) for p in chosen
                  if p.is_file() and not SKIP.intersection(p.parts) and p.suffix != ".pyc"
                  and p.relative_to(package).parts[0] not in EXCLUDED)


def metadata(root: Path) -> str:
    meta = project(root)
    lines = ["Metadata-Version: 2.1", f"Name: {meta['name']}", f"Version: {meta['version']}",
             f"Summary: {meta['description']}", f"Requires-Python: {meta['requires-python']}"]
    lines += [f"Requires-Dist: {req}" for req in meta["dependencies"]]
    lines += ["Description-Content-Type: text/markdown", "", DESCRIPTION]
    return "\n".join(lines)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(root: Path, out_dir: Path) -> Path:
    """Write the student wheel into ``out_dir`` (replacing older gmmkit wheels there)."""
    meta = project(root)
    dist_info = f"{meta['name']}-{meta['version']}.dist-info"
    entries = [(f"gmmkit/{rel.as_posix()}", (root / "gmmkit" / rel).read_bytes())
               for rel in package_files(root)]
    scripts = "".join(f"{name} = {target}\n" for name, target in meta.get("scripts", {}).items())
    entries += [
        (f"{dist_info}/METADATA", metadata(root).encode()),
        (f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: gmmkit.course.wheel\n"
                               b"Root-Is-Purelib: true\nTag: py3-none-any\n"),
        (f"{dist_info}/entry_points.txt", f"[console_scripts]\n{scripts}".encode()),
        (f"{dist_info}/top_level.txt", b"gmmkit\n"),
    ]
    record = "".join(_record_line(n, d) + "\n" for n, d in entries) + f"{dist_info}/RECORD,,\n"
    entries.append((f"{dist_info}/RECORD", record.encode()))

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / wheel_name(root)
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    for old in out_dir.glob("gmmkit-*.whl"):
        if old != target:
            old.unlink()
    tmp.replace(target)
    return target


def write(root: Path) -> Path:
    """``gmmkit build``'s step: ``release/gmmkit-<version>-py3-none-any.whl``."""
    return build_wheel(root, root / "release")
