"""The grader's side of a worker: start it in its sandbox, load the submission, call into it
with time limits, and restart it after a crash or a timeout.
"""
from __future__ import annotations

import collections
import math
import os
import re
import resource
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

from ..checks.core import Student, StudentError
from ..wire import IN_WORKER
from ..wire.protocol import MAX_MESSAGE, ProtocolError, decode, write_message
from .sandbox import WORKER_NPROC, Isolation, make_package_view, reclaim_uid
from .cgroup import WorkerGroup
from .sanitize import clean_tree
from .submission import Submission

# Instructors may tighten these with environment variables (the tests do).
CELL_TIMEOUT = 60.0        # seconds for one notebook cell while loading (GMMKIT_CELL_TIMEOUT)
LOAD_TIMEOUT = 180.0       # seconds for the whole notebook, every attempt together (GMMKIT_LOAD_TIMEOUT)
GRADING_TIMEOUT = 600.0    # seconds for the whole grading: load, calls, restarts (GMMKIT_GRADING_TIMEOUT)
# GMMKIT_MAX_CALL_TIMEOUT caps every check's own time limit
TIMEOUTS_PER_FUNCTION = 2  # after this many timeouts, further calls of that function fail at once
MAX_RELOADS = 5            # worker restarts after calls that crashed or hung it; then calls fail at once
MAX_LOAD_RESTARTS = 10     # cells that crash or hang the worker at load, skipped one by one
MAX_REPLY = 64 << 20       # bytes of one reply from the worker (the wire allows MAX_MESSAGE)
MAX_CELL_ERRORS = 20       # failing cells listed one by one; the rest are counted
OUTPUT_KEEP = 64 << 10     # bytes kept of the head and of the tail of the worker's stdout/stderr
GRADER_MEMORY = 1 << 30    # bytes of address space the grader may add while grading (GMMKIT_GRADER_MEMORY)


class _Timeout(Exception):
    pass


def _read_exact(fd: int, n: int, deadline: float, alive=lambda: True) -> bytes:
    chunks, left = [], n
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0:
            raise _Timeout()
        if not select.select([fd], [], [], min(wait, 0.1))[0]:
            # a grandchild may hold the pipe open after the worker itself died
            if not alive():
                raise EOFError()
            continue
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError()
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_message(fd: int, deadline: float, alive=lambda: True, limit: int = MAX_REPLY):
    (size,) = struct.unpack("<Q", _read_exact(fd, 8, deadline, alive))
    if size > min(limit, MAX_MESSAGE):
        raise ProtocolError("message too large")
    # whatever the worker says is student text: made safe before the grader keeps any of it
    return clean_tree(decode(_read_exact(fd, size, deadline, alive)))


class _Output:
    """The worker's stdout and stderr, drained as fast as they come (so that printing never
    blocks or fails the student's code) and kept only as a bounded head and tail."""

    def __init__(self, fd: int):
        self.fd, self.head, self.tail, self.dropped = fd, bytearray(), collections.deque(), 0
        self._tail_size = 0
        self._stop = False
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        try:
            while not self._stop:
                if not select.select([self.fd], [], [], 0.2)[0]:
                    continue
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    break
                room = OUTPUT_KEEP - len(self.head)
                if room > 0:
                    self.head += chunk[:room]
                    chunk = chunk[room:]
                if chunk:
                    self.tail.append(chunk)
                    self._tail_size += len(chunk)
                    while self._tail_size - len(self.tail[0]) >= OUTPUT_KEEP:
                        self._tail_size -= len(self.tail.popleft())
        except OSError:
            pass
        finally:
            try:
                os.close(self.fd)
            except OSError:
                pass

    def stop(self) -> None:
        self._stop = True
        self.thread.join(timeout=1)

    def text(self) -> str:
        tail = b"".join(self.tail)[-OUTPUT_KEEP:]
        skipped = self._tail_size - len(tail)
        middle = f"\n... ({skipped} bytes left out) ...\n".encode() if skipped > 0 else b""
        return (bytes(self.head) + middle + tail).decode("utf-8", "replace")


_memory_lock = threading.Lock()
_memory_users = [0, None]  # gradings in progress in this process, the limit to restore after them


def _limit_grader_memory() -> bool:
    """Cap the grader's own address space while it grades (so that a reply built to make a judge
    or a figure allocate gigabytes raises MemoryError in that check, which then fails, instead of
    the machine killing the grader before it writes results). Gradings in threads of one process
    share the cap; the last one to finish restores the limit."""
    with _memory_lock:
        _memory_users[0] += 1
        if _memory_users[0] > 1:
            return True
        try:
            budget = int(os.environ.get("GMMKIT_GRADER_MEMORY", GRADER_MEMORY))
            with open("/proc/self/status") as fh:
                vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
            old = resource.getrlimit(resource.RLIMIT_AS)
            soft = vm + budget
            if old[1] != resource.RLIM_INFINITY:
                soft = min(soft, old[1])
            if old[0] == resource.RLIM_INFINITY or old[0] > soft:
                resource.setrlimit(resource.RLIMIT_AS, (soft, old[1]))
                _memory_users[1] = old
        except (OSError, ValueError, StopIteration):
            pass
        return True


def _unlimit_grader_memory() -> None:
    with _memory_lock:
        _memory_users[0] -= 1
        if _memory_users[0] == 0 and _memory_users[1] is not None:
            try:
                resource.setrlimit(resource.RLIMIT_AS, _memory_users[1])
            except (ValueError, OSError):
                pass
            _memory_users[1] = None


def remove_stale_folders(tmpdir: Optional[str] = None) -> None:
    """Remove the folders of graders that were killed (``gmmkit-grade-<pid>-*`` of a dead pid)."""
    tmpdir = tmpdir or tempfile.gettempdir()
    try:
        entries = list(os.scandir(tmpdir))
    except OSError:
        return
    for entry in entries:
        match = re.fullmatch(r"gmmkit-grade-(\d+)-\w+", entry.name)
        if not match or int(match.group(1)) == os.getpid():
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not entry.is_dir(follow_symlinks=False) or st.st_uid != os.geteuid():
                continue
            os.kill(int(match.group(1)), 0)
        except ProcessLookupError:
            if time.time() - st.st_mtime > 5:  # not one that a starting grader just made
                try:  # its worker user's leftovers first (processes, files in /tmp)
                    uid, mode = Path(entry.path, "uid").read_text().split()
                    reclaim_uid(int(uid), clean_tmp=mode == "setuid")
                except (OSError, ValueError):
                    pass
                WorkerGroup.existing(f"gmmkit-{match.group(1)}-").remove()
                shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:
            continue


class WorkerStudent(Student):
    """The student's code running in an isolated worker process."""

    def __init__(self, submission: Submission, isolation: Isolation,
                 cell_timeout: Optional[float] = None, load_timeout: Optional[float] = None,
                 grading_timeout: Optional[float] = None):
        self.submission = submission
        self.isolation = isolation
        self.cell_timeout = cell_timeout or _env_seconds("GMMKIT_CELL_TIMEOUT", CELL_TIMEOUT)
        self.load_timeout = load_timeout or _env_seconds("GMMKIT_LOAD_TIMEOUT", LOAD_TIMEOUT)
        self.grading_timeout = grading_timeout or _env_seconds("GMMKIT_GRADING_TIMEOUT",
                                                               GRADING_TIMEOUT)
        self.max_call = _env_seconds("GMMKIT_MAX_CALL_TIMEOUT", float("inf"))
        self.cell_errors: dict[int, str] = {}
        self._more_cell_errors = 0
        self.skip: set[int] = set()
        self.restarts = 0
        self.reloads = 0
        self.timeouts: dict[str, int] = {}
        self.strays_killed = 0
        self.bad_reply = ""
        self._spawns = 0
        self._proc: Optional[subprocess.Popen] = None
        self._output: Optional[_Output] = None
        self._group: Optional[WorkerGroup] = None
        self._outputs: list[str] = []
        self._deadline: Optional[float] = None
        self._load_deadline: Optional[float] = None
        self._memory = None
        remove_stale_folders()
        self._tmp = Path(tempfile.mkdtemp(prefix=f"gmmkit-grade-{os.getpid()}-"))
        self.log_path = self._tmp / "worker.log"
        self._lease = None
        try:
            self._lease = isolation.lease()
            if self._lease is not None:  # so that the grading after a killed one can clean up
                (self._tmp / "uid").write_text(f"{self._lease.uid} {isolation.mode}")
            self._view = make_package_view(self._tmp / "view") if isolation.mode == "bwrap" else None
        except BaseException:
            self.close()
            raise

    @property
    def uid(self) -> Optional[int]:
        return self._lease.uid if self._lease else None

    # -- life cycle ---------------------------------------------------------------------------
    def _start_clock(self) -> None:
        if self._deadline is None:
            now = time.monotonic()
            self._deadline = now + self.grading_timeout
            self._load_deadline = min(self._deadline, now + self.load_timeout)
            self._memory = _limit_grader_memory()

    def remaining(self) -> float:
        self._start_clock()
        return self._deadline - time.monotonic()

    def begin(self) -> None:
        """Start the worker loading the submission, without waiting (see ``start``)."""
        self._start_clock()
        if self._proc is None:
            self._begin_load()

    def start(self) -> None:
        """Load the submission; cells that hang or kill the worker are skipped on a restart, up
        to MAX_LOAD_RESTARTS of them, all within the load time limit."""
        self._start_clock()
        try:
            for _ in range(min(len(self.submission.cells), MAX_LOAD_RESTARTS) + 1):
                failed_cell = self._load_once(self._load_deadline)
                if failed_cell is None:
                    return
                self.skip.add(failed_cell)
            raise StudentError(f"the submission could not be loaded: more than {MAX_LOAD_RESTARTS} "
                               "of its cells ended or hung the process running them", "crash")
        finally:
            if self._more_cell_errors:
                self.cell_errors[len(self.submission.cells)] = (
                    f"... and {self._more_cell_errors} more failing cells, not listed")

    def _note_cell_error(self, index: int, message: str) -> None:
        if index in self.cell_errors or len(self.cell_errors) < MAX_CELL_ERRORS:
            self.cell_errors[index] = message[:1000]
        else:
            self._more_cell_errors += 1

    def _spawn(self) -> None:
        self._spawns += 1
        scratch = self._tmp / f"scratch{self._spawns}"
        scratch.mkdir()
        self.isolation.prepare_scratch(scratch, self.uid)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        cpu = int(math.ceil(max(self.remaining(), 1))) + 5
        env = {"PATH": "/usr/bin:/bin", "HOME": str(scratch), "LANG": "C.UTF-8",
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(scratch / ".matplotlib"),
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "TQDM_DISABLE": "1",
               # check() cells only repeat, in the sandbox, what the grader judges outside it
               IN_WORKER: "1",
               "GMMKIT_NPROC": str(WORKER_NPROC if self.uid is not None else 256),
               "GMMKIT_CPU": str(cpu),
               "GMMKIT_FDS": f"{req_r},{resp_w}"}
        try:
            self._proc = self.isolation.popen(scratch, env, (req_r, resp_w), uid=self.uid,
                                              view=self._view, stdout=out_w)
            if self.isolation.cgroups:  # before the worker can have started any student code
                self._group = WorkerGroup(f"gmmkit-{os.getpid()}-{id(self) % 100000}-{self._spawns}")
                self._group.add(self._proc.pid)
        finally:
            os.close(req_r)
            os.close(resp_w)
            os.close(out_w)
        self._output = _Output(out_r)
        self._req, self._resp = req_w, resp_r

    def _begin_load(self) -> None:
        self._spawn()
        write_message(self._req, {"cells": self.submission.cells, "skip": sorted(self.skip),
                                  "module_name": self.submission.module_name})

    def _load_once(self, load_deadline: float) -> Optional[int]:
        if self._proc is None:
            self._begin_load()
        cells = self.submission.cells
        current = None
        try:
            while True:
                deadline = min(load_deadline, time.monotonic() + self.cell_timeout)
                msg = _read_message(self._resp, deadline, self._alive)
                if not isinstance(msg, dict):
                    raise ProtocolError("bad message")
                event = msg.get("event")
                index = msg.get("index")
                if event in ("cell_start", "cell_done") and (
                        type(index) is not int or not 0 <= index < len(cells)):
                    raise ProtocolError("bad cell index")
                if event == "cell_start":
                    current = index
                elif event == "cell_done":
                    if msg.get("error"):
                        self._note_cell_error(index, str(msg["error"]))
                    current = None
                elif event == "ready":
                    self.strays_killed += self.isolation.sweep_strays(self.uid)
                    return None
                else:
                    raise ProtocolError("unexpected message")
        except _Timeout:
            why = f"did not finish within {self.cell_timeout:g} s"
            if time.monotonic() >= load_deadline - 0.05:  # the whole load's limit, not this cell's
                self._kill()
                limit = self.load_timeout if load_deadline == self._load_deadline else None
                raise StudentError(
                    "your submission could not be loaded: running all its cells took longer than "
                    + (f"{limit:g} s" if limit else "the time left for this grading")
                    + "; make the slow cells faster (or move long experiments out of the "
                      "submission)", "timeout") from None
        except (EOFError, ProtocolError, KeyError, ValueError, TypeError):
            why = "ended the process running it (exit, crash or memory limit)"
        self._kill()
        if current is None:  # died or hung between cells: nothing to skip
            raise StudentError(f"your submission could not be loaded: it {why}", "crash")
        label = cells[current]["label"]
        self._note_cell_error(current, f"{label} {why}; it was skipped and grading went on without it")
        self.restarts += 1
        return current

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        for fd in (getattr(self, "_req", None), getattr(self, "_resp", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._req = self._resp = None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.isolation.sweep(self._tmp, self.uid)
        if self._group is not None:
            self._group.remove()
            self._group = None
        if self._output is not None:
            self._output.stop()
            self._outputs.append(self._output.text())
            self._outputs = self._outputs[-3:]
            self._output = None

    def worker_output(self) -> str:
        """A bounded head and tail of what the last few workers printed (for instructors)."""
        return "\n".join(self._outputs + ([self._output.text()] if self._output else []))

    def close(self) -> None:
        self._kill()
        if self._lease is not None:
            if self._proc is None:
                self.isolation.sweep(self._tmp, self.uid)
            self._lease.release()
            self._lease = None
        if self._memory:
            _unlimit_grader_memory()
            self._memory = False
        if os.environ.get("GMMKIT_KEEP_TMP"):
            try:
                self.log_path.write_text(self.worker_output())
            except OSError:
                pass
        else:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- calls --------------------------------------------------------------------------------
    def run(self, steps: list, timeout: Optional[float] = None) -> list:
        called = _called(steps)
        left = self.remaining()
        if left < 0.5:
            raise StudentError(f"`{called}` was not run: the grading of this submission used up its "
                               f"time limit of {self.grading_timeout:g} s", "timeout")
        timeout = min(timeout or self.timeout, self.max_call, left)
        if self.timeouts.get(called, 0) >= TIMEOUTS_PER_FUNCTION:
            raise StudentError(f"`{called}` was not run again: it exceeded the time limit "
                               f"{TIMEOUTS_PER_FUNCTION} times already", "timeout")
        if self._proc is None:
            if self.reloads >= MAX_RELOADS:
                raise StudentError(f"`{called}` was not run: your code ended or hung the process "
                                   f"running it {self.reloads + 1} times, so the grader stopped "
                                   "restarting it", "crash")
            self.reloads += 1
            self.restarts += 1
            self._load_once_quietly()
            timeout = min(timeout, max(self.remaining(), 0.1))
        expected = sum(1 for s in steps if s.get("return"))
        try:
            write_message(self._req, {"steps": steps, "cpu": int(timeout) + 2})
            reply = _read_message(self._resp, time.monotonic() + timeout + 1.0, self._alive)
        except _Timeout:
            self._kill()
            self.timeouts[called] = self.timeouts.get(called, 0) + 1
            raise StudentError(f"`{called}` did not finish within {timeout:g} s "
                               "(the time limit for this check)", "timeout") from None
        except ProtocolError as exc:
            self._kill()
            too_large = "too large" in str(exc)
            raise StudentError(f"`{called}` returned more data than the grader accepts "
                               f"({MAX_REPLY >> 20} MB)" if too_large else
                               f"the process running `{called}` sent back something unreadable",
                               "crash") from None
        except (EOFError, BrokenPipeError):
            self._kill()
            raise StudentError(f"the process running `{called}` died before returning "
                               "(it may have exited, killed its parent or run out of memory)",
                               "crash") from None
        self.strays_killed += self.isolation.sweep_strays(self.uid)
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self.bad_reply = repr(reply)[:500]  # for instructors and tests
            self._kill()
            raise StudentError("your code sent back something that is not a valid result", "crash")
        if not reply["ok"]:
            kind = reply.get("kind") if reply.get("kind") in ("exception", "missing", "crash") else "exception"
            raise StudentError(str(reply.get("message", "your code failed"))[:2000], kind)
        values = reply.get("values")
        if not isinstance(values, list) or len(values) != expected:
            self.bad_reply = repr(reply)[:500]
            self._kill()
            raise StudentError("your code sent back something that is not a valid result", "crash")
        return values

    def _load_once_quietly(self) -> None:
        """Reload after a crash: the same cells skipped as before, within what is left of the
        grading and at most the load time limit."""
        deadline = time.monotonic() + min(self.load_timeout, max(self.remaining(), 0.1))
        failed = self._load_once(deadline)
        for _ in range(MAX_LOAD_RESTARTS):
            if failed is None:
                return
            self.skip.add(failed)
            failed = self._load_once(deadline)
        if failed is not None:
            raise StudentError("the submission could not be reloaded", "crash")


def _env_seconds(name: str, default: float) -> float:
    try:
        return float(os.environ[name])
    except (KeyError, ValueError):
        return default


def _called(steps: list) -> str:
    for step in steps:
        if step.get("return") and "call" in step:
            return step["call"].replace("$obj.", "").lstrip("$")
    return steps[-1].get("call", "your code") if steps else "your code"
