"""Tell a person at a terminal why the first run waits: the kernels compile once, then load from
Numba's on-disk cache.

The check is cheap (one small index file read per kernel) and quiet unless stderr is a terminal
and the kernel has no cached machine code for this source: never printed on a warm cache or
into a pipe.
"""

from __future__ import annotations

import sys

_ANNOUNCED: set[str] = set()


def is_cached(kernel) -> bool:
    """Whether Numba's disk cache holds machine code of ``kernel`` compiled from the current source
    (any signature). True when that cannot be told, so that nothing is announced by mistake."""
    if kernel.signatures:  # compiled or loaded in this process already
        return True
    try:
        return bool(kernel._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001 - a private Numba API; silence beats a wrong message
        return True


def announce(kernel, what: str) -> None:
    """Print "compiling the engine, once: WHAT" on a terminal when ``kernel`` is not cached yet."""
    if not hasattr(kernel, "py_func"):  # NUMBA_DISABLE_JIT: plain Python, nothing compiles
        return
    name = kernel.py_func.__qualname__
    if name in _ANNOUNCED:
        return
    _ANNOUNCED.add(name)
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty and not is_cached(kernel):
        print(f"compiling the engine, once: {what} (seconds, not minutes; later runs load it from the cache)",
              file=sys.stderr, flush=True)
