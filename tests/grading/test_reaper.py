"""The reduced isolation mode still kills what a worker detaches: the grader becomes a child
subreaper and sweeps its descendants marked by the worker's temporary folder."""
import os
import subprocess
import sys
import time
from pathlib import Path

from gmmkit.grading import reaper

# Forks `n` children that each start a new session and sleep (they leave the process group
# and, once their parent exits, would be orphans), prints their pids, then exits.
DETACH = """
import os, sys, time
pids = []
for _ in range({n}):
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork():      # a double fork: the sleeper's parent dies at once
            os._exit(0)
        time.sleep(600)
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
print("done", flush=True)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(tmp: Path, n: int) -> subprocess.Popen:
    scratch = tmp / "scratch0"
    scratch.mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, "-c", DETACH.format(n=n)], cwd=scratch,
                            env={"HOME": str(scratch), "PATH": os.environ.get("PATH", "")},
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout.readline().strip() == "done"
    proc.wait()
    return proc


def _sleepers(tag: Path) -> set[int]:
    return {pid for pid in reaper.descendants(os.getpid()) if reaper._marked(pid, str(tag).encode() + b"/")
            and _alive(pid)}


def test_detached_grandchildren_come_back_to_the_grader_and_are_killed(tmp_path):
    assert reaper.become_subreaper()
    worker_tmp = tmp_path / "gmmkit-grade-x"
    _start(worker_tmp, 20)
    deadline = time.monotonic() + 10
    while len(_sleepers(worker_tmp)) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    strays = _sleepers(worker_tmp)
    assert len(strays) == 20, "the double-forked sleepers should be re-parented to this process"
    assert reaper.kill_strays(worker_tmp) >= 20
    assert not any(_alive(pid) for pid in strays)
    assert not any(Path(f"/proc/{pid}").exists() and pid in reaper.descendants(os.getpid())
                   for pid in strays), "killed strays were left as zombies"


def test_processes_of_another_worker_are_left_alone(tmp_path):
    assert reaper.become_subreaper()
    mine, other = tmp_path / "gmmkit-grade-a", tmp_path / "gmmkit-grade-b"
    _start(other, 2)
    deadline = time.monotonic() + 10
    while len(_sleepers(other)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    theirs = _sleepers(other)
    try:
        assert len(theirs) == 2
        assert reaper.kill_strays(mine) == 0
        assert all(_alive(pid) for pid in theirs)
    finally:
        reaper.kill_strays(other)
    assert not any(_alive(pid) for pid in theirs)
