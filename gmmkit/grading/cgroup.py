"""Per-worker control groups, where the machine offers them: one CPU core, a number of
processes and an amount of memory for a worker and everything it starts, together.

Resource limits (``setrlimit``) hold per process, so a submission that starts many processes
multiplies them; a control group holds the whole worker. Both cgroup v2 (a unified hierarchy
with the controllers delegated) and v1 (one hierarchy per controller) are used; where neither can
be written (not root, a read-only /sys/fs/cgroup), workers run with resource limits alone and the
results say so.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Optional

ROOT = Path("/sys/fs/cgroup")
CPU_CORES = 1.0                 # GMMKIT_WORKER_CPUS
PIDS = 80                       # a worker user's process limit plus the sandbox's own
MEMORY = 3 << 30                # bytes, GMMKIT_WORKER_MEMORY


def _own_path(controller: str) -> Optional[str]:
    """This process's cgroup in the v1 hierarchy of ``controller`` ("" for v2)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if controller in names.split(",") or (controller == "" and names == ""):
            return path
    return None


def _limits() -> dict:
    cores = float(os.environ.get("GMMKIT_WORKER_CPUS", CPU_CORES))
    memory = int(os.environ.get("GMMKIT_WORKER_MEMORY", MEMORY))
    return {"cpu": cores, "pids": PIDS, "memory": memory}


class WorkerGroup:
    """The control groups of one worker (one per available controller)."""

    def __init__(self, name: str):
        self.dirs: list[Path] = []
        self.kinds: list[str] = []
        limits = _limits()
        unified = ROOT / "cgroup.controllers"
        if unified.exists():  # v2 mounted at the root
            self._make_v2(ROOT, name, limits)
        else:
            for controller in ("cpu", "pids", "memory"):
                base = ROOT / controller
                own = _own_path(controller)
                if own is None or not (base / "cgroup.procs").exists():
                    continue
                self._make_v1(base / own.lstrip("/"), controller, name, limits)

    @classmethod
    def existing(cls, prefix: str) -> "WorkerGroup":
        """The groups whose names start with ``prefix`` (those of a grader that was killed)."""
        group = cls.__new__(cls)
        group.dirs, group.kinds = [], []
        parents = []
        if (ROOT / "cgroup.controllers").exists():
            own = _own_path("")
            if own is not None:
                parents.append(ROOT / own.lstrip("/"))
        else:
            for controller in ("cpu", "pids", "memory"):
                own = _own_path(controller)
                if own is not None:
                    parents.append(ROOT / controller / own.lstrip("/"))
        for parent in parents:
            try:
                group.dirs += [Path(e.path) for e in os.scandir(parent)
                               if e.name.startswith(prefix) and e.is_dir(follow_symlinks=False)]
            except OSError:
                pass
        return group

    def _make_v2(self, root: Path, name: str, limits: dict) -> None:
        own = _own_path("")
        if own is None:
            return
        parent = root / own.lstrip("/")
        try:
            available = (parent / "cgroup.subtree_control").read_text().split()
            folder = parent / name
            folder.mkdir()
        except OSError:
            return
        self.dirs.append(folder)
        values = {"cpu": ("cpu.max", f"{int(limits['cpu'] * 100000)} 100000"),
                  "pids": ("pids.max", str(limits["pids"])),
                  "memory": ("memory.max", str(limits["memory"]))}
        for kind, (file, value) in values.items():
            if kind in available and _write(folder / file, value):
                self.kinds.append(kind)

    def _make_v1(self, parent: Path, controller: str, name: str, limits: dict) -> None:
        folder = parent / name
        try:
            folder.mkdir()
        except OSError:
            return
        ok = {"cpu": lambda: _write(folder / "cpu.cfs_period_us", "100000") and _write(
                  folder / "cpu.cfs_quota_us", str(int(limits["cpu"] * 100000))),
              "pids": lambda: _write(folder / "pids.max", str(limits["pids"])),
              "memory": lambda: _write(folder / "memory.limit_in_bytes", str(limits["memory"]))}[controller]()
        if ok:
            self.dirs.append(folder)
            self.kinds.append(controller)
        else:
            _rmdir(folder)

    def add(self, pid: int) -> None:
        """Move ``pid`` and then its descendants into the groups (children forked after the
        move are born inside)."""
        from .reaper import descendants
        for folder in self.dirs:
            _write(folder / "cgroup.procs", str(pid))
        for child in sorted(descendants(pid)):
            for folder in self.dirs:
                _write(folder / "cgroup.procs", str(child))

    def pids(self) -> set[int]:
        found = set()
        for folder in self.dirs:
            try:
                found |= {int(x) for x in (folder / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return found

    def kill_all(self) -> None:
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.dirs:
            for _ in range(50):
                if _rmdir(folder):
                    break
                time.sleep(0.02)
        self.dirs = []


def _write(path: Path, value: str) -> bool:
    try:
        with open(path, "w") as fh:
            fh.write(value)
        return True
    except OSError:
        return False


def _rmdir(path: Path) -> bool:
    try:
        os.rmdir(path)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


def probe() -> str:
    """What a worker's control group would limit here, in words ("" if nothing)."""
    group = WorkerGroup(f"gmmkit-probe-{os.getpid()}")
    try:
        kinds = group.kinds
    finally:
        group.remove()
    if not kinds:
        return ""
    limits = _limits()
    words = {"cpu": f"{limits['cpu']:g} CPU core", "pids": f"{limits['pids']} processes",
             "memory": f"{limits['memory'] >> 20} MB of memory"}
    return ", ".join(words[k] for k in kinds)
