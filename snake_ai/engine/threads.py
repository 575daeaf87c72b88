"""Numba's threading layer, chosen before the first parallel kernel runs: safe to fork, safe to share.

Numba's default pick on Linux is GNU OpenMP (``omp``) when TBB cannot be loaded, and GNU OpenMP
does not survive ``fork``: a forked child (``AsyncVectorEnv``'s workers, a ``multiprocessing``
pool, ``ProcessPoolExecutor``) that runs any parallel kernel after the parent did prints
"Terminating: fork() called from a process already using GNU OpenMP" and dies. ``workqueue``
survives a fork but aborts when two Python threads launch parallel kernels at once. Intel TBB is
both fork-safe and thread-safe, and as fast here (``benchmarks/bench_threads.py``), so it is the
layer of choice.

The ``tbb`` wheel (a dependency) installs ``libtbb.so.12`` in ``<prefix>/lib``, which is not on
the loader's path, so numba's own ``dlopen("libtbb.so.12")`` misses it. Loading it here by its full
path first makes that ``dlopen`` find it. Then numba is asked for a ``forksafe`` layer: TBB when it
loaded, otherwise ``workqueue`` (never GNU OpenMP). A layer named in ``NUMBA_THREADING_LAYER`` is
left alone.
"""

from __future__ import annotations

import ctypes
import os
import sys

_LIBTBB = {"linux": "libtbb.so.12", "darwin": "libtbb.12.dylib", "win32": "tbb12.dll"}


def _preload_tbb() -> str | None:
    """Load the TBB runtime of this environment by path; returns the path loaded, or None."""
    name = _LIBTBB.get(sys.platform)
    if name is None:
        return None
    sub = ("Library", "bin") if sys.platform == "win32" else ("lib",)
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        path = os.path.join(prefix, *sub, name)
        if os.path.exists(path):
            try:
                ctypes.CDLL(path, mode=getattr(ctypes, "RTLD_GLOBAL", 0))
            except OSError:
                continue
            return path
    return None


TBB_PATH = _preload_tbb()


def choose() -> None:
    """Ask numba for a fork-safe layer unless the user named one."""
    import numba

    if not os.environ.get("NUMBA_THREADING_LAYER"):
        numba.config.THREADING_LAYER = "forksafe"


choose()
