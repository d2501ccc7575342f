"""The worker: the only process that runs student code. Started by the harness, in a sandbox.

It loads the submission once (running a notebook's code cells in order, or a module's source),
then serves requests: each request runs in a forked child, so a crash, ``os._exit`` or state
mutated by one call cannot affect the next. Results go back as plain data (see ``protocol``).

Nothing here is trusted by the grader: it only produces data that the grader judges.
"""
from __future__ import annotations

import os
import resource
import sys

LIMITS = {
    "RLIMIT_AS": 6 << 30,          # bytes of address space
    "RLIMIT_FSIZE": 64 << 20,      # bytes in any file written
    "RLIMIT_NOFILE": 256,
    "RLIMIT_CORE": 0,
}


def _apply_limits(nproc: int, cpu: int) -> None:
    # RLIMIT_CPU here covers everything the submission starts at load (each process inherits
    # it), not only each call's fork; the grader kills such leftovers between calls as well.
    limits = dict(LIMITS, RLIMIT_NPROC=nproc, RLIMIT_CPU=cpu)
    for name, value in limits.items():
        kind = getattr(resource, name)
        soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass


def _drop_privileges() -> None:
    uid = os.environ.pop("GMMKIT_DROP_UID", None)
    if uid is not None:  # inside bubblewrap, started as root: become the real nobody
        os.setgroups([])
        os.setgid(int(uid))
        os.setuid(int(uid))


def main() -> None:
    _drop_privileges()
    if os.environ.pop("GMMKIT_CUT_NETWORK", None):  # setuid mode: no network namespace
        from gmmkit.grading.netguard import cut_network
        cut_network()  # the probe checked that it works, and the results say whether it did
    req_fd, resp_fd = (int(x) for x in os.environ.pop("GMMKIT_FDS").split(","))
    _apply_limits(int(os.environ.get("GMMKIT_NPROC", "64")), int(os.environ.get("GMMKIT_CPU", "900")))
    # The grader's own modules are imported before any student code can patch anything.
    from gmmkit.wire.protocol import read_message, write_message
    from gmmkit.wire.steps import StepError, describe_exception, register_source, run_steps
    import numpy  # noqa: F401  (imported once here, then shared by every forked call)

    load = read_message(req_fd)
    namespace = {"__name__": load.get("module_name", "__main__"), "__builtins__": __builtins__,
                 "display": lambda *a, **k: None}
    if load.get("module_name") not in (None, "__main__"):
        import types
        module = types.ModuleType(load["module_name"])
        module.__dict__.update(namespace)
        namespace = module.__dict__
        sys.modules[load["module_name"]] = module
    sys.path.insert(0, os.getcwd())
    skip = set(load.get("skip", []))
    for index, cell in enumerate(load["cells"]):
        if index in skip:
            continue
        write_message(resp_fd, {"event": "cell_start", "index": index})
        error = None
        try:
            filename = f"<student:{cell['label']}>"
            register_source(filename, cell["source"])
            exec(compile(cell["source"], filename, "exec"), namespace)
        except SystemExit:
            error = f"{cell['label']} called exit(); the rest of that cell was skipped"
        except BaseException as exc:  # a failing cell is reported; the next one still runs
            try:
                error = describe_exception(exc, cell["label"]).replace(
                    f"`{cell['label']}` raised", f"{cell['label']} raised", 1)
            except Exception:
                error = f"{cell['label']} raised an exception"
        _flush_plots()
        write_message(resp_fd, {"event": "cell_done", "index": index, "error": error})
    write_message(resp_fd, {"event": "ready"})

    while True:
        try:
            request = read_message(req_fd)
        except EOFError:
            os._exit(0)
        _serve(request, namespace, resp_fd, run_steps, StepError)


def _flush_plots() -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:
            pass


def _serve(request, namespace, resp_fd, run_steps, StepError) -> None:
    import struct

    from gmmkit.wire.protocol import encode, write_message

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child runs the student's code, then dies
        os.close(r)
        cpu = int(request.get("cpu", 60))
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        if hard != resource.RLIM_INFINITY:
            cpu = min(cpu, max(hard - 1, 1))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        try:
            try:
                reply = {"ok": True, "values": run_steps(namespace, request["steps"])}
                data = encode(reply)
            except StepError as exc:
                data = encode({"ok": False, "kind": exc.kind, "message": exc.message})
            except ValueError as exc:  # the values could not be encoded as data
                data = encode({"ok": False, "kind": "exception",
                               "message": f"your function returned something that is not data: {exc}"})
            view = memoryview(data)
            while view:
                view = view[os.write(w, view):]
        except BaseException:
            pass
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    complete = len(data) >= 8 and struct.unpack("<Q", data[:8])[0] == len(data) - 8
    if complete:
        view = memoryview(data)
        while view:
            view = view[os.write(resp_fd, view):]
        return
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        reason = {9: "it was killed (memory or process limit?)", 24: "it used too much CPU time",
                  11: "it crashed (segmentation fault)", 25: "it wrote too much to a file"}.get(
                      sig, f"it was ended by signal {sig}")
    else:
        reason = f"it exited the process (exit status {os.WEXITSTATUS(status)})"
    write_message(resp_fd, {"ok": False, "kind": "crash",
                            "message": f"your code stopped before returning: {reason}"})


if __name__ == "__main__":
    main()
