"""Tell a person at a terminal why the first run waits: the kernels compile once, then load from
Numba's on-disk cache.

The check is cheap (one small index file read per kernel) and quiet unless stderr is a terminal
and the kernel has no cached machine code for this source: never printed on a warm cache or
into a pipe.
"""

from __future__ import annotations

import os
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


def _sources_digest() -> str:
    """A digest of every source file whose code the engine's kernels compile in."""
    import hashlib
    from pathlib import Path

    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted([*here.glob("*.py"), here.parent / "envs" / "kernels.py"]):
        h.update(f.name.encode())
        try:
            h.update(f.read_bytes())
        except OSError:
            pass
    return h.hexdigest()


def drop_stale_caches(*modules) -> int:
    """Forget the cached machine code of the kernels in ``modules`` when any engine source changed.

    Numba's disk cache checks only the file that defines a kernel, not the files whose helpers it
    inlines: after a change to ``fastmath.py`` alone, ``rollout.py``'s kernels would load code
    built from the old ``fastmath``. A digest of all the engine's sources is kept beside each
    cache directory; when it differs, the kernels' cache indexes there are emptied (they compile
    again, once). Returns the number of indexes emptied. Never raises: a cache that cannot be
    read or written is Numba's business.
    """
    from collections import defaultdict
    from pathlib import Path

    digest = None
    groups = defaultdict(list)
    for module in modules:
        for obj in vars(module).values():
            cache = getattr(obj, "_cache", None)
            path = getattr(cache, "_cache_path", None)
            if path is not None and hasattr(cache, "flush") and getattr(obj, "__module__", None) == module.__name__:
                groups[path].append(cache)
    flushed = 0
    for path, caches in groups.items():
        digest = digest or _sources_digest()
        stamp = Path(path) / "snake_ai-engine-sources.sha256"
        try:
            if stamp.is_file() and stamp.read_text().strip() == digest:
                continue
        except OSError:
            continue
        for cache in caches:
            try:
                cache.flush()
                flushed += 1
            except Exception:  # noqa: BLE001 - a private Numba API; a stale cache is no worse than before
                pass
        try:
            Path(path).mkdir(parents=True, exist_ok=True)
            tmp = stamp.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(digest + "\n")
            os.replace(tmp, stamp)
        except OSError:
            pass
    return flushed
