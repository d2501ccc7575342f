"""Headless Chromium (Debian's package, installed with apt when missing, never a browser a tool
downloads) for tests that look at a page as a person would."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def find_chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True,
                       stdout=subprocess.DEVNULL)
        exe = shutil.which("chromium")
    return exe


def screenshot(chromium: str, page: Path, shot: Path, profile: Path, width: int = 1000,
               height: int = 9000) -> np.ndarray:
    """The page rendered by headless Chromium, its blank bottom cut off: pixels (H, W, 3)."""
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                    "--hide-scrollbars", f"--window-size={width},{height}",
                    f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    image = Image.open(shot).convert("RGB")
    pixels = np.asarray(image)
    used = np.flatnonzero((pixels < 250).any(axis=(1, 2)))
    bottom = min(int(used.max()) + 24, pixels.shape[0]) if len(used) else pixels.shape[0]
    assert bottom < height - 24, "the page is taller than the window: raise the height"
    image.crop((0, 0, image.width, bottom)).save(shot)
    return pixels[:bottom] / 255


def dump_dom(chromium: str, page: Path, profile: Path) -> str:
    return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           "--dump-dom", page.as_uri()], capture_output=True, text=True,
                          timeout=120, check=True).stdout
