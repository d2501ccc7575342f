"""The executed solution notebooks' figures, saved as PNG for instructors to look at without
running anything: ``gmmkit build --figures`` writes ``solutions/figures/<assignment>/``.

The source notebook (with its solutions) is executed for real with nbclient, in a temporary
copy, and every PNG it displays is written out in order.
"""
from __future__ import annotations

import base64
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def export_figures(notebook: Path, out_dir: Path, timeout: int = 600) -> list[Path]:
    nb = nbformat.read(notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="gmmkit-figures-") as tmp:
        for sibling in notebook.parent.iterdir():  # helper files the notebook imports
            if sibling.is_file() and sibling.suffix == ".py":
                shutil.copy(sibling, tmp)
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": tmp}}).execute()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    written = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                path = out_dir / f"{notebook.stem}-cell{index:02d}-{len(written) + 1}.png"
                path.write_bytes(base64.b64decode(png))
                written.append(path)
    return written
