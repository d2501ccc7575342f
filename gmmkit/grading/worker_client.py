"""The grader's side of a worker: start it in its sandbox, load the submission, call into it
with time limits, and restart it after a crash or a timeout.
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

from ..checks.core import Student, StudentError
from ..wire import IN_WORKER
from ..wire.protocol import MAX_MESSAGE, ProtocolError, decode, write_message
from .sandbox import Isolation
from .submission import Submission

# Instructors may tighten these with environment variables (the tests do).
CELL_TIMEOUT = 60.0        # seconds for one notebook cell while loading (GMMKIT_CELL_TIMEOUT)
LOAD_TIMEOUT = 180.0       # seconds for the whole notebook (GMMKIT_LOAD_TIMEOUT)
# GMMKIT_MAX_CALL_TIMEOUT caps every check's own time limit
TIMEOUTS_PER_FUNCTION = 2  # after this many timeouts, further calls of that function fail at once


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


def _read_message(fd: int, deadline: float, alive=lambda: True):
    (size,) = struct.unpack("<Q", _read_exact(fd, 8, deadline, alive))
    if size > MAX_MESSAGE:
        raise ProtocolError("message too large")
    return decode(_read_exact(fd, size, deadline, alive))


class WorkerStudent(Student):
    """The student's code running in an isolated worker process."""

    def __init__(self, submission: Submission, isolation: Isolation,
                 cell_timeout: Optional[float] = None, load_timeout: Optional[float] = None):
        self.submission = submission
        self.isolation = isolation
        self.cell_timeout = cell_timeout or _env_seconds("GMMKIT_CELL_TIMEOUT", CELL_TIMEOUT)
        self.load_timeout = load_timeout or _env_seconds("GMMKIT_LOAD_TIMEOUT", LOAD_TIMEOUT)
        self.max_call = _env_seconds("GMMKIT_MAX_CALL_TIMEOUT", float("inf"))
        self.cell_errors: dict[int, str] = {}
        self.skip: set[int] = set()
        self.restarts = 0
        self.timeouts: dict[str, int] = {}
        self._proc: Optional[subprocess.Popen] = None
        self._tmp = Path(tempfile.mkdtemp(prefix="gmmkit-grade-"))
        self.log_path = self._tmp / "worker.log"

    # -- life cycle ---------------------------------------------------------------------------
    def begin(self) -> None:
        """Start the worker loading the submission, without waiting (see ``start``)."""
        if self._proc is None:
            self._begin_load()

    def start(self) -> None:
        """Load the submission; cells that hang or kill the worker are skipped on a restart."""
        for _ in range(len(self.submission.cells) + 2):
            failed_cell = self._load_once()
            if failed_cell is None:
                return
            self.skip.add(failed_cell)
        raise StudentError("the submission could not be loaded", "crash")

    def _spawn(self) -> None:
        scratch = self._tmp / f"scratch{self.restarts}"
        scratch.mkdir()
        self.isolation.prepare_scratch(scratch)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "HOME": str(scratch), "LANG": "C.UTF-8",
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(scratch / ".matplotlib"),
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "TQDM_DISABLE": "1",
               # check() cells only repeat, in the sandbox, what the grader judges outside it
               IN_WORKER: "1",
               "GMMKIT_FDS": f"{req_r},{resp_w}"}
        with open(self.log_path, "ab") as log:
            self._proc = self.isolation.popen(scratch, env, (req_r, resp_w), stdout=log)
        os.close(req_r)
        os.close(resp_w)
        self._req, self._resp = req_w, resp_r

    def _begin_load(self) -> None:
        self._spawn()
        write_message(self._req, {"cells": self.submission.cells, "skip": sorted(self.skip),
                                  "module_name": self.submission.module_name})

    def _load_once(self) -> Optional[int]:
        if self._proc is None:
            self._begin_load()
        cells = self.submission.cells
        load_deadline = time.monotonic() + self.load_timeout
        current = None
        try:
            while True:
                deadline = min(load_deadline, time.monotonic() + self.cell_timeout)
                msg = _read_message(self._resp, deadline, self._alive)
                if not isinstance(msg, dict):
                    raise ProtocolError("bad message")
                event = msg.get("event")
                if event == "cell_start":
                    current = int(msg["index"])
                elif event == "cell_done":
                    if msg.get("error"):
                        self.cell_errors[int(msg["index"])] = str(msg["error"])[:1000]
                    current = None
                elif event == "ready":
                    return None
                else:
                    raise ProtocolError("unexpected message")
        except _Timeout:
            why = f"did not finish within {self.cell_timeout:g} s"
        except (EOFError, ProtocolError, KeyError, ValueError, TypeError):
            why = "ended the process running it (exit, crash or memory limit)"
        self._kill()
        if current is None:  # died or hung between cells: nothing to skip
            raise StudentError(f"your submission could not be loaded: it {why}", "crash")
        label = cells[current]["label"]
        self.cell_errors[current] = f"{label} {why}; it was skipped and grading went on without it"
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
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.isolation.sweep(self._tmp)

    def close(self) -> None:
        self._kill()
        if not os.environ.get("GMMKIT_KEEP_TMP"):
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- calls --------------------------------------------------------------------------------
    def run(self, steps: list, timeout: Optional[float] = None) -> list:
        timeout = min(timeout or self.timeout, self.max_call)
        called = _called(steps)
        if self.timeouts.get(called, 0) >= TIMEOUTS_PER_FUNCTION:
            raise StudentError(f"`{called}` was not run again: it exceeded the time limit "
                               f"{TIMEOUTS_PER_FUNCTION} times already", "timeout")
        if self._proc is None:
            self.restarts += 1
            self._load_once_quietly()
        expected = sum(1 for s in steps if s.get("return"))
        try:
            write_message(self._req, {"steps": steps, "cpu": int(timeout) + 2})
            reply = _read_message(self._resp, time.monotonic() + timeout + 1.0, self._alive)
        except _Timeout:
            self._kill()
            self.timeouts[called] = self.timeouts.get(called, 0) + 1
            raise StudentError(f"`{called}` did not finish within {timeout:g} s "
                               "(the time limit for this check)", "timeout") from None
        except (EOFError, BrokenPipeError, ProtocolError):
            self._kill()
            raise StudentError(f"the process running `{called}` died before returning "
                               "(it may have exited, killed its parent or run out of memory)",
                               "crash") from None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self._kill()
            raise StudentError("your code sent back something that is not a valid result", "crash")
        if not reply["ok"]:
            kind = reply.get("kind") if reply.get("kind") in ("exception", "missing", "crash") else "exception"
            raise StudentError(str(reply.get("message", "your code failed"))[:2000], kind)
        values = reply.get("values")
        if not isinstance(values, list) or len(values) != expected:
            self._kill()
            raise StudentError("your code sent back something that is not a valid result", "crash")
        return values

    def _load_once_quietly(self) -> None:
        failed = self._load_once()
        while failed is not None:
            self.skip.add(failed)
            failed = self._load_once()


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
