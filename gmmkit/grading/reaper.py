"""Finding a worker's stray processes where neither a namespace nor a user of its own holds them.

In the reduced isolation mode the worker runs as the grader's own user: no PID namespace (as in
bwrap) and no dedicated user (as in setuid) contains the children that student code forks and
detaches (``setsid``, a double fork). On Linux the grader therefore becomes a *child subreaper*:
such orphans are re-parented to it rather than to init, so they stay among its descendants,
where they are recognised by the mark every worker process carries (its working directory or
its ``HOME`` is a scratch folder under the worker's own temporary folder) and killed.
"""
from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
ROUNDS = 200                 # a stray that forks while we kill is caught on a later round


@functools.lru_cache(maxsize=None)
def become_subreaper() -> bool:
    """Make this process the one that inherits its descendants' orphans (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int]:
    """pid -> parent pid, for every process this user can see."""
    parents = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # the command name (2nd field) may hold spaces and parentheses: split after the last ')'
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _marked(pid: int, tag: bytes) -> bool:
    """Whether the process works in, or has its HOME in, the worker's temporary folder."""
    try:
        if os.readlink(f"/proc/{pid}/cwd").encode().startswith(tag):
            return True
    except OSError:
        pass
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return any(var.startswith(b"HOME=" + tag) for var in environ.split(b"\0"))


def kill_strays(worker_tmp: Path) -> int:
    """Kill this process's descendants that belong to the worker whose temporary folder is
    ``worker_tmp``, until none is left; reap those re-parented to us. Returns how many."""
    if not Path("/proc/self/stat").exists():
        return 0
    tag = str(worker_tmp).encode() + b"/"  # its scratch folders are inside it
    me, killed = os.getpid(), set()
    for _ in range(ROUNDS):
        strays = {pid for pid in descendants(me) if _marked(pid, tag)}
        if not strays:
            break
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        killed |= strays
        _reap(killed)
        time.sleep(0.01)
    # a killed grandchild stays a zombie until its parent dies; then it comes to us
    deadline = time.monotonic() + 2
    while _reap(killed) and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(killed)


def _reap(pids: set[int]) -> set[int]:
    """Reap those of ``pids`` that are our zombie children; the ones that still exist."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not (or not yet) our child
            pass
    return {pid for pid in pids if os.path.exists(f"/proc/{pid}")}
