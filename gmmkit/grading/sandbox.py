"""How a worker is started: the strongest isolation that works on this machine, probed once.

- ``bwrap``: bubblewrap; the worker sees only the Python runtime (read-only), the kit's public
  package and its scratch folder; runs as ``nobody`` with network, IPC and PID namespaces of its
  own, and dies with the grader.
- ``setuid``: when the grader is root but namespaces are unavailable: the worker drops to
  ``nobody`` with no groups; hidden material must then be unreadable to others (the Gradescope
  entry point ``chmod 700``s it).
- ``none``: not root (a student's laptop): the worker runs as the same user, with resource limits
  only.

``GMMKIT_ISOLATION`` forces a mode (tests use it); a forced mode that does not work is an error.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..paths import PACKAGE
from . import reaper

NOBODY = 65534
WORKER_MODULE = "gmmkit.grading.worker"


@dataclasses.dataclass(frozen=True)
class Isolation:
    mode: str          # "bwrap" | "setuid" | "none"
    detail: str

    @property
    def reduced(self) -> bool:
        return self.mode == "none"

    @property
    def uid(self) -> int | None:
        """The worker's user. A batch gives each parallel job its own (``GMMKIT_WORKER_UID``),
        so that sweeping one job's leftover processes cannot touch another's."""
        if self.mode not in ("bwrap", "setuid"):
            return None
        return int(os.environ.get("GMMKIT_WORKER_UID", NOBODY))

    def sweep(self, worker_tmp: Path) -> None:
        """Kill every process the worker left (children that left its process group).

        In bwrap the PID namespace does this; in setuid, a kill of everything the worker's user
        runs; with no user of its own, the descendants marked by ``worker_tmp`` (see reaper)."""
        if self.mode == "none":
            reaper.kill_strays(worker_tmp)
            return
        if self.mode != "setuid":
            return
        pid = os.fork()
        if pid == 0:
            try:
                os.setgroups([])
                os.setgid(self.uid)
                os.setuid(self.uid)
                os.kill(-1, 9)  # as that user: every process of that user but this one
            finally:
                os._exit(0)
        os.waitpid(pid, 0)

    def prepare_scratch(self, scratch: Path) -> None:
        if self.uid is not None:
            os.chown(scratch, self.uid, self.uid)
            os.chmod(scratch, 0o700)

    def popen(self, scratch: Path, env: dict, pass_fds: tuple, stdout=subprocess.DEVNULL):
        """Start ``python -m gmmkit.grading.worker`` in ``scratch`` under this isolation."""
        python = [sys.executable, "-I", "-m", WORKER_MODULE]
        kwargs = dict(pass_fds=pass_fds, stdin=subprocess.DEVNULL, stdout=stdout,
                      stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
        if self.mode == "bwrap":
            argv = _bwrap_argv(scratch, env) + python
            return subprocess.Popen(argv, env={}, **kwargs)
        if self.mode == "setuid":
            return subprocess.Popen(python, cwd=scratch, env=env, user=self.uid, group=self.uid,
                                    extra_groups=[], **kwargs)
        reaper.become_subreaper()  # so that sweep() can find what the worker detaches
        return subprocess.Popen(python, cwd=scratch, env=env, **kwargs)


def _bwrap_argv(scratch: Path, env: dict) -> list[str]:
    # No user namespace: bwrap runs as root so that the worker can become the real ``nobody``
    # (it drops itself, first thing, see worker.py), not a root mapped to nobody.
    argv = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    binds = _runtime_paths()
    # bwrap would create the folders above a mount point as 0700: make them traversable.
    parents = sorted({str(p) for b in binds + [str(scratch)] for p in Path(b).parents
                      if str(p) not in ("/", "/usr") and not str(p).startswith("/usr/")})
    for parent in parents:
        argv += ["--perms", "0755", "--dir", parent]
    for path in binds:
        argv += ["--ro-bind", path, path]
    argv += ["--bind", str(scratch), str(scratch), "--chdir", str(scratch), "--clearenv"]
    uid = os.environ.get("GMMKIT_WORKER_UID", str(NOBODY))
    for key, value in dict(env, GMMKIT_DROP_UID=uid).items():
        argv += ["--setenv", key, value]
    return argv


def _runtime_paths() -> list[str]:
    """The Python runtime and the kit's own package (never the checkout around it)."""
    paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), str(PACKAGE)}
    paths = {p for p in paths if not p.startswith("/usr/")}
    # Keep only the outermost of nested paths: bwrap binds each once.
    return sorted(p for p in paths if not any(p != q and p.startswith(q + "/") for q in paths))


def _works(isolation: Isolation) -> bool:
    probe_env = {"PATH": "/usr/bin:/bin", "GMMKIT_PROBE": "1"}
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"gmmkit-probe-{os.getpid()}"
    scratch.mkdir(exist_ok=True)
    try:
        isolation.prepare_scratch(scratch)
        code = ("import os, numpy, gmmkit.wire.protocol; u = int(os.environ.get('GMMKIT_DROP_UID', -1));"
                " u < 0 or (os.setgroups([]), os.setgid(u), os.setuid(u)); open('probe', 'w').write('ok')")
        if isolation.mode == "bwrap":
            argv = _bwrap_argv(scratch, probe_env) + [sys.executable, "-I", "-c", code]
            run = subprocess.run(argv, env={}, capture_output=True, timeout=60)
        else:
            run = subprocess.run([sys.executable, "-I", "-c", code], cwd=scratch, env=probe_env,
                                 user=isolation.uid, group=isolation.uid, extra_groups=[],
                                 capture_output=True, timeout=60)
        return run.returncode == 0 and (scratch / "probe").exists()
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def probe() -> Isolation:
    forced = os.environ.get("GMMKIT_ISOLATION")
    root = os.geteuid() == 0
    candidates = []
    if shutil.which("bwrap"):
        candidates.append(Isolation("bwrap", "bubblewrap: namespaces, read-only runtime, user nobody"))
    if root:
        candidates.append(Isolation("setuid", "user nobody with resource limits (no namespaces)"))
    for candidate in candidates:
        if forced and candidate.mode != forced:
            continue
        if _works(candidate):
            return candidate
    if forced and forced != "none":
        raise RuntimeError(f"GMMKIT_ISOLATION={forced} was asked for but does not work here")
    why = ("not running as root, so the worker cannot drop to another user" if not root else
           "neither bubblewrap nor a switch to user nobody works on this machine")
    return Isolation("none", f"reduced isolation: {why}; resource limits and time limits only")
