"""Cut a process off the network without namespaces: a seccomp filter that refuses ``socket()``.

Used by the worker in the ``setuid`` isolation mode, where no network namespace can be made (that
is why that mode was chosen). The filter makes every ``socket()`` call fail with EACCES (whatever
the address family: no TCP, UDP, raw, netlink or Unix sockets), refuses ``io_uring_setup`` (which
could open sockets by another path) and kills a process that makes system calls of another
architecture (the 32-bit entry points of x86_64). ``socketpair()`` keeps working: it reaches no one.
A seccomp filter needs no privilege (only ``no_new_privs``), is inherited by every child and can
never be removed. Standard library only: the worker imports it inside the sandbox.
"""
from __future__ import annotations

import ctypes
import platform
import struct

# <linux/filter.h>, <linux/seccomp.h>, <linux/audit.h>
_LD_W_ABS = 0x20          # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15             # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35             # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06             # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000
_KILL_PROCESS = 0x80000000
_ERRNO = 0x00050000
_EACCES = 13
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2

# machine -> (audit arch, socket, io_uring_setup)
_ARCHES = {"x86_64": (0xC000003E, 41, 425), "aarch64": (0xC00000B7, 198, 425)}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _program(arch: int, socket_nr: int, uring_nr: int) -> list[tuple]:
    deny = _ERRNO | _EACCES
    return [
        (_LD_W_ABS, 0, 0, 4),               # 0: A = seccomp_data.arch
        (_JEQ_K, 1, 0, arch),               # 1: native arch? skip the kill
        (_RET_K, 0, 0, _KILL_PROCESS),      # 2
        (_LD_W_ABS, 0, 0, 0),               # 3: A = seccomp_data.nr
        (_JGE_K, 3, 0, 0x40000000),         # 4: x32 system calls -> 8 (deny)
        (_JEQ_K, 2, 0, socket_nr),          # 5: socket() -> 8
        (_JEQ_K, 1, 0, uring_nr),           # 6: io_uring_setup() -> 8
        (_RET_K, 0, 0, _ALLOW),             # 7
        (_RET_K, 0, 0, deny),               # 8
    ]


def cut_network() -> str:
    """Install the filter in this process (and so in all its future children). Returns "" when it
    is in force, or why it could not be installed."""
    spec = _ARCHES.get(platform.machine())
    if spec is None:
        return f"no seccomp filter for the {platform.machine()} architecture"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as exc:
        return f"no libc: {exc}"
    prog = _program(*spec)
    filters = (_Filter * len(prog))(*[_Filter(*ins) for ins in prog])
    fprog = _Prog(len(prog), filters)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"prctl(NO_NEW_PRIVS) failed (errno {ctypes.get_errno()})"
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        return f"seccomp is not available here (errno {ctypes.get_errno()})"
    return ""


assert struct.calcsize("HBBI") == ctypes.sizeof(_Filter)
