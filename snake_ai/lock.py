"""One writer per run directory: an OS file lock (``flock``) on ``<run>/.lock``.

The kernel releases the lock when the holder's file descriptor closes, which includes every way a
process can die (``kill -9`` too), so there is never a stale lock to clean up: the file itself may
stay, it is the lock on it that counts. The holder writes its pid and command into the file, so a
second writer's error names it. Readers (``snake-ai evaluate RUN``) take no lock.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .errors import SnakeAIError

LOCK_NAME = ".lock"


class RunLock:
    """An exclusive lock on a directory, held until :meth:`release` (or the process ends)."""

    def __init__(self, directory: Path, fd: int):
        self.directory = Path(directory)
        self.path = self.directory / LOCK_NAME
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __enter__(self) -> "RunLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"RunLock({str(self.directory)!r}, held={self.held})"


def holder(directory: Path) -> str:
    """What the lock file says about its holder (``pid 123 (snake-ai evolve ...)``), or ''."""
    try:
        text = (Path(directory) / LOCK_NAME).read_text(errors="replace").strip()
    except OSError:
        return ""
    lines = text.splitlines()
    if not lines or not lines[0].strip().isdigit():
        return ""
    pid = lines[0].strip()
    return f"pid {pid}" + (f" ({lines[1][:120]})" if len(lines) > 1 and lines[1].strip() else "")


def acquire(directory: Path, what: str = "run directory") -> RunLock:
    """Lock ``directory`` (which must exist) for writing, or raise SnakeAIError naming the holder."""
    directory = Path(directory)
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no locking (documented)
        return RunLock(directory, None)
    path = directory / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as e:
        raise SnakeAIError(f"{directory}: cannot create its lock file ({e.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        who = holder(directory) or "another process"
        raise SnakeAIError(f"{directory} is in use by {who}; wait for it to finish or stop it "
                           f"(Ctrl-C or kill), then try again") from None
    except OSError as e:
        os.close(fd)
        raise SnakeAIError(f"{directory}: cannot lock the {what} ({e.strerror})") from None
    prog = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    cmd = " ".join(["snake-ai" if prog in ("main.py", "__main__.py") else prog, *sys.argv[1:]])
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n{cmd}\n".encode(errors="replace"), 0)
    return RunLock(directory, fd)
