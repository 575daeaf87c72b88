"""Ctrl-C and SIGTERM: stop promptly, keep what is saved, leave no process behind.

The CLI installs :func:`handling` around every command:

* The first SIGINT or SIGTERM raises :class:`Interrupted` in the main thread at once: the work in
  flight (a generation, a dataset chunk, an epoch) is discarded; files are only ever renamed into
  place when complete, so what was saved stays as it was. Inside :func:`deferred` blocks (a
  checkpoint being written, a viewer frame) the first signal only records the request; the block
  raises when it ends (or, with ``raise_at_end=False``, the code polls :func:`requested` and stops
  at its own safe point).
* A second signal exits at once: every descendant process is killed and the process leaves with
  ``os._exit`` (no clean-up, no traceback).
* Exit codes follow the shell's convention: 128 + the signal, so 130 for SIGINT, 143 for SIGTERM.

Worker processes call :func:`as_child` first: they ignore SIGINT (a terminal sends Ctrl-C to the
whole process group; the parent decides what stops) and die with their parent, so even a
``kill -9`` of the parent leaves none behind. :func:`close_pool` stops a ProcessPoolExecutor
without waiting for the jobs in flight.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_state = {"signum": None, "defer": 0, "pending": False, "installed": None}


class Interrupted(BaseException):
    """A SIGINT or SIGTERM asked this process to stop; ``message`` is the line the CLI prints.

    A BaseException (like KeyboardInterrupt, but not one): no ``except Exception`` turns it into
    another error, and click does not turn it into its own Abort."""

    def __init__(self, signum: int = signal.SIGINT, message: str | None = None):
        super().__init__(message or "interrupted")
        self.signum = int(signum)
        self.message = message

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    def with_message(self, message: str) -> "Interrupted":
        self.message = message
        self.args = (message,)
        return self


def requested() -> int | None:
    """The signal number of the first SIGINT/SIGTERM received, or None."""
    return _state["signum"]


def reset() -> None:
    """Forget a received signal (for tests and long-lived processes such as notebooks)."""
    _state.update(signum=None, pending=False)


def check() -> None:
    """A safe point: raise Interrupted if a stop was requested."""
    if _state["signum"] is not None:
        raise Interrupted(_state["signum"])


def _handler(signum, frame):
    if _state["signum"] is not None:  # the second signal: out now
        _exit_now(signum)
    _state["signum"] = signum
    if _state["defer"]:
        _state["pending"] = True
        return
    raise Interrupted(signum)


def _exit_now(signum: int) -> None:
    try:
        os.write(2, f"{signal.Signals(signum).name} again: stopping at once\n".encode())
    except OSError:
        pass
    kill_descendants(grace=0.0)
    os._exit(128 + signum)


def install() -> None:
    """Install the handlers (main thread only; elsewhere this does nothing)."""
    if threading.current_thread() is not threading.main_thread() or _state["installed"] is not None:
        return
    _state["installed"] = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, _handler)


def reclaim() -> None:
    """Put the handlers back after a library replaced them (``ray.init`` installs its own SIGTERM
    handler, which exits without clean-up); does nothing unless :func:`install` ran."""
    if _state["installed"] is not None and threading.current_thread() is threading.main_thread():
        for s in SIGNALS:
            signal.signal(s, _handler)


def cause(exc: BaseException | None) -> Interrupted | None:
    """The Interrupted behind ``exc``: itself, or one a C extension wrapped (numba reports an
    exception raised by a signal handler during a compiled call as a SystemError whose context
    is the Interrupted)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, Interrupted):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


@contextlib.contextmanager
def on_interrupt(message):
    """Inside, an interruption leaves as Interrupted carrying ``message()`` (the line the CLI
    prints), even when a C extension wrapped it in another exception."""
    try:
        yield
    except BaseException as e:
        found = cause(e)
        if found is None:
            raise
        raise found.with_message(message()) from None


def uninstall() -> None:
    saved = _state["installed"]
    if saved is None:
        return
    for s, h in saved.items():
        signal.signal(s, h if h is not None else signal.SIG_DFL)
    _state["installed"] = None


@contextlib.contextmanager
def handling():
    """Handlers installed for the block, the previous ones restored after it; the state is fresh."""
    reset()
    install()
    try:
        yield
    finally:
        uninstall()


@contextlib.contextmanager
def deferred(raise_at_end: bool = True):
    """Inside, a first signal does not raise; at the end of the block it does (when
    ``raise_at_end``), so the block is never cut in the middle. Without ``raise_at_end`` the
    caller handles the stop itself (``requested()`` still tells), so nothing stays pending."""
    _state["defer"] += 1
    try:
        yield
    finally:
        _state["defer"] -= 1
    if _state["defer"] == 0 and _state["pending"]:
        _state["pending"] = False
        if raise_at_end:
            raise Interrupted(_state["signum"])


# --------------------------------------------------------------------------------------------
# child processes


def as_child(pdeathsig: bool = True) -> None:
    """For worker processes: ignore SIGINT (the parent decides what stops and terminates its
    workers) and exit as soon as the parent dies: a watchdog thread polls the parent pid, and on
    Linux ``prctl(PR_SET_PDEATHSIG)`` kills at once (only when the parent spawned the worker from
    its main thread: the kernel sends it when the spawning *thread* ends)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    if pdeathsig and sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except Exception:
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="snake-ai-parent-watch", daemon=True).start()


def close_pool(pool, wait: bool | None = None) -> None:
    """Shut a ``ProcessPoolExecutor`` down. When interrupted (or ``wait=False``), the jobs in
    flight are abandoned: the workers are terminated (then killed after 2 s) and joined."""
    if wait is None:
        wait = requested() is None
    if wait:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    procs = list((getattr(pool, "_processes", None) or {}).values())
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    deadline = time.monotonic() + 2.0
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(max(0.0, deadline - time.monotonic()))
            # the executor's own thread may be reaping the same process: our wait then sees no
            # exit status for a moment, though the process is gone (its thread sets it soon)
            while p.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            if p.is_alive():
                p.kill()
                p.join(1.0)


def descendants(pid: int | None = None) -> list[int]:
    """Process ids of every descendant of ``pid`` (this process by default), from /proc (Linux);
    an empty list where /proc is not available."""
    pid = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for e in entries:
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(e))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def kill_descendants(grace: float = 2.0) -> list[int]:
    """The last resort: SIGTERM every descendant, SIGKILL those still there after ``grace``
    seconds; returns the pids signalled."""
    pids = descendants()
    sig = signal.SIGTERM if grace > 0 else signal.SIGKILL
    for p in pids:
        with contextlib.suppress(OSError):
            os.kill(p, sig)
    if grace > 0 and pids:
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.05)
        for p in pids:
            if _alive(p):
                with contextlib.suppress(OSError):
                    os.kill(p, signal.SIGKILL)
    for p in pids:  # reap our own children so none is left as a zombie
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(p, os.WNOHANG)
    return pids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def supervise(on_lost) -> None:
    """Fork: the child returns and does the work; the parent waits for it and exits with its code.

    For a Ray driver: Ray terminates a driver whose node or cluster is lost from its C++ core
    (exit 1, no Python clean-up, no message). The parent sees the child end without having passed
    through a normal exit and prints ``on_lost()``'s line instead (exit 1). The parent ignores
    SIGINT (a terminal's Ctrl-C reaches the child too) and forwards SIGTERM; the child gets
    SIGTERM if the parent dies. POSIX only; elsewhere this does nothing.
    """
    if not hasattr(os, "fork"):
        return
    import atexit

    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(r)
        if sys.platform.startswith("linux"):
            with contextlib.suppress(Exception):
                import ctypes

                ctypes.CDLL(None).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG

        def _normal_exit():
            with contextlib.suppress(OSError):
                os.write(w, b"x")

        atexit.register(_normal_exit)
        return
    os.close(w)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda s, f: os.kill(pid, signal.SIGTERM))
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    os.set_blocking(r, False)
    try:
        normal = os.read(r, 1) == b"x"
    except BlockingIOError:  # the write end is still open elsewhere, nothing written
        normal = False
    code = os.waitstatus_to_exitcode(status)
    if not normal:
        kill_descendants(grace=2.0)
        print(on_lost(code), file=sys.stderr)
        code = 1
    os._exit(code if code >= 0 else 128 - code)
