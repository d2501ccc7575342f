"""How a worker is started: the strongest isolation that works on this machine, probed once.

- ``bwrap``: bubblewrap; the worker sees only the Python runtime (read-only), a minimal view of
  the kit's package (the wire format, the worker, the data loaders and a no-op ``check``: none of
  the judging code) and its scratch folder; runs as a user of its own, with network, IPC and PID
  namespaces of its own, and dies with the grader.
- ``setuid``: when the grader is root but namespaces are unavailable: the worker drops to a user
  of its own with no groups, and a seccomp filter refuses it every socket (see ``netguard``);
  hidden material must be unreadable to others (the Gradescope entry point ``chmod 700``s it).
- ``none``: not root (a student's laptop): the worker runs as the same user, with resource limits
  only.

Every grading leases a worker user no other grading on the machine holds (``lease_uid``), so
process limits, signals and the sweep of leftover processes never span two students.

``GMMKIT_ISOLATION`` forces a mode (tests use it); a forced mode that does not work is an error.
"""
from __future__ import annotations

import ctypes
import dataclasses
import fcntl
import functools
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

from ..paths import PACKAGE
from . import reaper

NOBODY = 65534
WORKER_MODULE = "gmmkit.grading.worker"
# Worker users: uids with no account on the machine, one leased per grading.
# GMMKIT_UID_RANGE=first:count changes the range.
UID_FIRST, UID_COUNT = 52000, 4000
WORKER_NPROC = 64   # processes of a worker user (its own, so per grading)
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")


@dataclasses.dataclass(frozen=True)
class Isolation:
    mode: str          # "bwrap" | "setuid" | "none"
    detail: str
    cgroups: str = ""  # what a worker's control group limits ("" where there are none)

    @property
    def reduced(self) -> bool:
        return self.mode == "none"

    @property
    def own_user(self) -> bool:
        return self.mode in ("bwrap", "setuid")

    def lease(self) -> Optional["UidLease"]:
        """A worker user for one grading (None where the worker keeps the grader's user)."""
        return lease_uid(clean_tmp=self.mode == "setuid") if self.own_user else None

    def sweep(self, worker_tmp: Path, uid: Optional[int]) -> None:
        """Kill every process the worker left (children that left its process group).

        With a user of its own: every process of that user; then, in setuid mode, what that user
        left in the world-writable folders. With no user of its own: the descendants marked by
        ``worker_tmp`` (see reaper)."""
        if self.mode == "none" or uid is None:
            reaper.kill_strays(worker_tmp)
            return
        kill_user(uid)
        if self.mode == "setuid":
            remove_files_of(uid)

    def sweep_strays(self, uid: Optional[int]) -> int:
        """Between calls: kill the processes of the worker's user other than the worker itself
        (what student code started and left running, e.g. ``setsid`` CPU burners at load)."""
        if uid is None:
            return 0
        procs = user_processes(uid)
        if len(procs) <= 1:
            return 0
        worker = min(procs, key=lambda p: (procs[p], p))  # the oldest: the worker, which forks all
        killed = 0
        for _ in range(50):
            strays = [p for p in user_processes(uid) if p != worker]
            if not strays:
                break
            for pid in strays:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except OSError:
                    pass
        if killed:
            time.sleep(0.01)
            reap_zombies(uid)
        return killed

    def prepare_scratch(self, scratch: Path, uid: Optional[int]) -> None:
        if uid is not None:
            # ``scratch`` was just made by the grader inside its own private folder: no link race
            os.chown(scratch, uid, uid, follow_symlinks=False)
            os.chmod(scratch, 0o700)

    def popen(self, scratch: Path, env: dict, pass_fds: tuple, uid: Optional[int] = None,
              view: Optional[Path] = None, stdout=subprocess.DEVNULL, preexec_fn=None):
        """Start ``python -m gmmkit.grading.worker`` in ``scratch`` under this isolation."""
        python = [sys.executable, "-I", "-m", WORKER_MODULE]
        # orphans come to the grader, which reaps them (see reap_zombies) or, in the reduced mode,
        # finds and kills them (see reaper)
        reaper.become_subreaper()
        kwargs = dict(pass_fds=pass_fds, stdin=subprocess.DEVNULL, stdout=stdout,
                      stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
                      preexec_fn=preexec_fn)
        if self.mode == "bwrap":
            argv = _bwrap_argv(scratch, env, uid, view) + python
            return subprocess.Popen(argv, env={}, **kwargs)
        if self.mode == "setuid":
            # the worker dies with the grader, as in bwrap (--die-with-parent); what it started
            # is killed by the next grading that finds the dead grader's folder (see reclaim_uid)
            kwargs["preexec_fn"] = preexec_fn or _die_with_parent
            return subprocess.Popen(python, cwd=scratch, env=dict(env, GMMKIT_CUT_NETWORK="1"),
                                    user=uid, group=uid, extra_groups=[], **kwargs)
        return subprocess.Popen(python, cwd=scratch, env=env, **kwargs)


try:  # resolved here, in the grader: the forked child must neither import nor allocate much
    _libc = ctypes.CDLL(None, use_errno=True)
    _prctl = _libc.prctl
except (OSError, AttributeError):
    _libc = _prctl = None


def _die_with_parent() -> None:
    if _prctl is not None:
        _prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL


# -- worker users ---------------------------------------------------------------------------
class UidLease:
    """A worker user held by this grading until ``release`` (or until this process dies: the
    lease is an ``flock``, which the kernel drops with the process)."""

    def __init__(self, uid: int, fd: int):
        self.uid, self._fd = uid, fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _uid_range() -> range:
    try:
        first, count = (int(x) for x in os.environ["GMMKIT_UID_RANGE"].split(":"))
    except (KeyError, ValueError):
        first, count = UID_FIRST, UID_COUNT
    return range(first, first + count)


def _private_dir(path: Path) -> Path:
    """``path`` as a folder only this user can write, created if missing; never a link."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise RuntimeError(f"{path} is not a private folder of this user: refusing to use it")
    return path


def _lock_dir() -> Path:
    base = Path("/run") if os.access("/run", os.W_OK) else Path(tempfile.gettempdir())
    return _private_dir(base / f"gmmkit-uids-{os.geteuid()}")


def lease_uid(clean_tmp: bool = False) -> UidLease:
    """A uid that no other grading holds and that runs no process: an ``flock`` on a file per uid
    in a folder private to the grader's user; leftovers of a grader that was killed (processes,
    files in /tmp) are removed first."""
    folder = _lock_dir()
    start = os.getpid() % len(_uid_range())  # spread concurrent graders over the range
    uids = list(_uid_range())
    for uid in uids[start:] + uids[:start]:
        try:
            pwd.getpwuid(uid)
            continue  # a real account: never borrow it
        except KeyError:
            pass
        fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if user_processes(uid):  # left by a grader that was killed
            kill_user(uid)
        if clean_tmp:
            remove_files_of(uid)
        if user_processes(uid, zombies=True):  # zombies too: they count against its limit
            os.close(fd)
            continue
        return UidLease(uid, fd)
    raise RuntimeError("no free worker user: every uid of the range is in use")


def reclaim_uid(uid: int, clean_tmp: bool) -> bool:
    """What a killed grader's worker user left (processes, files), removed if no grader holds
    that user now. True if it was free."""
    if uid not in _uid_range():
        return False
    try:
        fd = os.open(_lock_dir() / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except (OSError, RuntimeError):
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    try:
        kill_user(uid)
        if clean_tmp:
            remove_files_of(uid)
        return True
    finally:
        os.close(fd)


def user_processes(uid: int, zombies: bool = False) -> dict[int, int]:
    """pid -> start time of every live process whose real or effective user is ``uid`` (and of
    its zombies too if ``zombies``: they still count against that user's process limit)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            st = os.stat(entry.path)
            if st.st_uid != uid:  # /proc/<pid> belongs to the effective user
                with open(f"{entry.path}/status", "rb") as fh:
                    line = next((ln for ln in fh if ln.startswith(b"Uid:")), b"")
                if int(line.split()[1] if line else -1) != uid:
                    continue
            with open(f"{entry.path}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if fields[0] in (b"Z", b"X") and not zombies:
                continue
            found[int(entry.name)] = int(fields[19])
        except (OSError, ValueError, IndexError):
            continue
    return found


def kill_user(uid: int) -> None:
    """Kill every process of ``uid``: ``kill(-1)`` as that user (one system call, which a fork bomb
    cannot outrun), repeated until none is left."""
    for _ in range(20):
        pid = os.fork()
        if pid == 0:
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)  # every process of that user but this one
            except BaseException:
                pass
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if not user_processes(uid):
            break
        time.sleep(0.02)
    reap_zombies(uid)


def reap_zombies(uid: int) -> None:
    """Reap the zombies of ``uid`` that are ours (the grader is their subreaper): left unreaped
    under an init that never reaps, they would count against the next grading's process limit."""
    me = os.getpid()
    for pid in user_processes(uid, zombies=True):
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if fields[0] == b"Z" and int(fields[1]) == me:
                os.waitpid(pid, os.WNOHANG)
        except (OSError, ValueError, IndexError):
            continue


def remove_ipc_of(uid: int) -> int:
    """Remove the System V shared memory segments, semaphores and message queues ``uid`` owns
    (setuid mode: without an IPC namespace they outlive the worker)."""
    if _libc is None:
        return 0
    removed = 0
    for kind, column, remove in (("shm", "shmid", lambda i: _libc.shmctl(i, 0, None)),
                                 ("sem", "semid", lambda i: _libc.semctl(i, 0, 0)),
                                 ("msg", "msqid", lambda i: _libc.msgctl(i, 0, None))):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except OSError:
            continue
        if not lines:
            continue
        head = lines[0].split()
        try:
            id_at, uid_at = head.index(column), head.index("uid")
        except ValueError:
            continue
        for line in lines[1:]:
            fields = line.split()
            try:
                if int(fields[uid_at]) == uid and remove(int(fields[id_at])) == 0:  # IPC_RMID
                    removed += 1
            except (ValueError, IndexError):
                continue
    return removed


def remove_files_of(uid: int, folders=WORLD_WRITABLE) -> int:
    """Remove what ``uid`` left in the world-writable folders (setuid mode: nothing else is its),
    and its System V IPC objects."""
    removed = remove_ipc_of(uid)
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
                if st.st_uid != uid:
                    continue
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed += 1
            except OSError:
                continue
    return removed


# -- what the sandbox shows of the kit ------------------------------------------------------
# The worker's own modules, and what student code may import: ``from gmmkit.checks import check``
# (a no-op in the worker) and ``gmmkit.datasets``. Nothing of the judging code.
VIEW_FILES = ("__init__.py", "paths.py", "datasets.py", "wire/__init__.py", "wire/protocol.py",
              "wire/steps.py", "grading/__init__.py", "grading/worker.py", "grading/netguard.py")
VIEW_DIRS = ("data",)
CHECKS_STUB = '''"""Inside the grader's worker: ``check()`` does nothing here (the grader judges the same
functions outside the sandbox), and nothing else of the checks exists."""


class CheckFailed(AssertionError):
    pass


def check(*args, **kwargs):
    return None
'''


def make_package_view(dest: Path) -> Path:
    """Write the sandbox's view of the ``gmmkit`` package under ``dest``; returns its folder."""
    root = dest / "gmmkit"
    for name in VIEW_FILES:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGE / name, target)
    for name in VIEW_DIRS:
        if (PACKAGE / name).is_dir():
            shutil.copytree(PACKAGE / name, root / name, symlinks=False,
                            ignore=shutil.ignore_patterns("__pycache__"))
    (root / "checks").mkdir(exist_ok=True)
    (root / "checks" / "__init__.py").write_text(CHECKS_STUB)
    for top, dirs, files in os.walk(dest):
        os.chmod(top, 0o755)
        for f in files:
            os.chmod(os.path.join(top, f), 0o644)
    os.chmod(dest, 0o755)
    return root


def _bwrap_argv(scratch: Path, env: dict, uid: Optional[int], view: Optional[Path]) -> list[str]:
    # No user namespace: bwrap runs as root so that the worker can become a real user of its
    # own (it drops itself, first thing, see worker.py), not a root mapped to nobody.
    argv = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    binds = _runtime_paths()
    mounts = binds + [str(PACKAGE), str(scratch)]
    # bwrap would create the folders above a mount point as 0700: make them traversable.
    parents = sorted({str(p) for b in mounts for p in Path(b).parents
                      if str(p) not in ("/", "/usr") and not str(p).startswith("/usr/")})
    for parent in parents:
        argv += ["--perms", "0755", "--dir", parent]
    for path in binds:
        argv += ["--ro-bind", path, path]
    if view is not None:  # over the real package, wherever it is (in the runtime or not)
        argv += ["--ro-bind", str(view), str(PACKAGE)]
    argv += ["--bind", str(scratch), str(scratch), "--chdir", str(scratch), "--clearenv"]
    extra = {"GMMKIT_DROP_UID": str(uid)} if uid is not None else {}
    for key, value in dict(env, **extra).items():
        argv += ["--setenv", key, value]
    return argv


def _runtime_paths() -> list[str]:
    """The Python runtime (never the checkout around it, nor the kit's package: see the view)."""
    paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    paths = {p for p in paths if not p.startswith("/usr/")}
    # Keep only the outermost of nested paths: bwrap binds each once.
    return sorted(p for p in paths if not any(p != q and p.startswith(q + "/") for q in paths))


PROBE_CODE = (
    "import os, socket, numpy, gmmkit.wire.protocol; u = int(os.environ.get('GMMKIT_DROP_UID', -1));"
    " u < 0 or (os.setgroups([]), os.setgid(u), os.setuid(u))\n"
    "if os.environ.get('GMMKIT_CUT_NETWORK'):\n"
    "    from gmmkit.grading.netguard import cut_network\n"
    "    why = cut_network()\n"
    "    try:\n        socket.socket(); why = why or 'a socket could still be opened'\n"
    "    except OSError:\n        pass\n"
    "    open('network', 'w').write(why or 'cut')\n"
    "open('probe', 'w').write('ok')")


def _works(isolation: Isolation) -> Optional[str]:
    """None if ``isolation`` cannot start a worker here; else what the probe learnt ("" or, in
    setuid mode, whether the network could be cut)."""
    probe_env = {"PATH": "/usr/bin:/bin", "GMMKIT_PROBE": "1"}
    tmp = Path(tempfile.mkdtemp(prefix="gmmkit-probe-"))  # new, 0700, ours: never a planted link
    lease = None
    try:
        lease = isolation.lease()
        uid = lease.uid if lease else None
        scratch = tmp / "scratch"
        scratch.mkdir()
        isolation.prepare_scratch(scratch, uid)
        if isolation.mode == "bwrap":
            view = make_package_view(tmp / "view")
            argv = _bwrap_argv(scratch, probe_env, uid, view) + [sys.executable, "-I", "-c", PROBE_CODE]
            run = subprocess.run(argv, env={}, capture_output=True, timeout=60)
        else:
            env = dict(probe_env, GMMKIT_CUT_NETWORK="1") if isolation.mode == "setuid" else probe_env
            run = subprocess.run([sys.executable, "-I", "-c", PROBE_CODE], cwd=scratch, env=env,
                                 user=uid, group=uid, extra_groups=[] if uid is not None else None,
                                 capture_output=True, timeout=60)
        if run.returncode != 0 or not (scratch / "probe").exists():
            return None
        network = scratch / "network"
        return network.read_text()[:300] if network.exists() else ""
    except (OSError, subprocess.SubprocessError, RuntimeError):
        return None
    finally:
        if lease is not None:
            isolation.sweep(tmp, lease.uid)
            lease.release()
        shutil.rmtree(tmp, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def probe() -> Isolation:
    forced = os.environ.get("GMMKIT_ISOLATION")
    root = os.geteuid() == 0
    candidates = []
    if shutil.which("bwrap"):
        candidates.append(Isolation("bwrap", "bubblewrap: namespaces (no network), read-only "
                                             "runtime, a worker user of its own per grading"))
    if root:
        candidates.append(Isolation("setuid", "a worker user of its own per grading, resource "
                                              "limits (no namespaces)"))
    for candidate in candidates:
        if forced and candidate.mode != forced:
            continue
        learnt = _works(candidate)
        if learnt is None:
            continue
        if candidate.mode == "setuid":
            network = ("network cut by a seccomp filter" if learnt == "cut" else
                       f"NETWORK NOT CUT (the worker can reach the network: {learnt})")
            candidate = Isolation("setuid", f"{candidate.detail}; {network}")
        return _with_cgroups(candidate)
    if forced and forced != "none":
        raise RuntimeError(f"GMMKIT_ISOLATION={forced} was asked for but does not work here")
    why = ("not running as root, so the worker cannot drop to another user" if not root else
           "neither bubblewrap nor a switch to another user works on this machine")
    return _with_cgroups(Isolation("none", f"reduced isolation: {why}; resource limits and time "
                                           "limits only"))


def _with_cgroups(isolation: Isolation) -> Isolation:
    from . import cgroup
    limits = cgroup.probe() if os.environ.get("GMMKIT_CGROUPS", "1") != "0" else ""
    from .worker import LIMITS
    words = (f"a control group per worker: {limits}" if limits else
             "no control groups (limits per process only)")
    words += (f"; per process: {LIMITS['RLIMIT_AS'] >> 30} GiB address space, "
              f"{LIMITS['RLIMIT_FSIZE'] >> 20} MiB per file, CPU time per call and per grading"
              + (f", {WORKER_NPROC} processes per worker user" if isolation.own_user else ""))
    return Isolation(isolation.mode, f"{isolation.detail}; {words}", limits)
