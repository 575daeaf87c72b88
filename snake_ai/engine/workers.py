"""Many games on every core without Numba's parallel loops: compiled workers on a thread pool.

A rollout kernel is one ``nogil`` function that takes tasks (chunks of games) from a shared
counter until none are left; the pool runs one copy of it per thread. Compared with a ``prange``
kernel this compiles the game code once instead of three times (Numba re-optimises a parallel
loop's body when it builds the loop's gufunc and again for the kernel that calls it), and it needs
no threading layer. Tasks are handed out dynamically (an atomic fetch-and-add), and every game
writes only its own result slots, so results never depend on the number of threads or on the
order the tasks ran in.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def take_task(typingctx, counter):
    """Atomically ``counter[0] += 1``; returns the old value (the task this worker takes)."""
    sig = types.int64(counter)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [ir.Constant(ir.IntType(64), 0)])
        return builder.atomic_rmw("add", ptr, ir.Constant(ir.IntType(64), 1), "monotonic")

    return sig, codegen


_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0
_LOCK = threading.Lock()


def _forget_pool() -> None:  # in a forked child the pool's threads (and a held lock's owner) do not exist
    global _POOL, _POOL_SIZE, _LOCK
    _POOL, _POOL_SIZE, _LOCK = None, 0, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def _pool(size: int) -> ThreadPoolExecutor:
    global _POOL, _POOL_SIZE
    with _LOCK:
        if _POOL is None or _POOL_SIZE < size:
            old = _POOL
            _POOL, _POOL_SIZE = ThreadPoolExecutor(size, thread_name_prefix="snake-ai-engine"), size
            if old is not None:
                old.shutdown(wait=False)
        return _POOL


def run_workers(worker, tasks: int, *args) -> None:
    """Run ``worker(counter, *args)`` on ``numba.get_num_threads()`` threads (this one included)
    until the ``tasks`` tasks are taken."""
    counter = np.zeros(1, dtype=np.int64)
    threads = max(1, min(numba.get_num_threads(), tasks))
    if threads == 1:
        worker(counter, *args)
        return
    pool = _pool(threads - 1)
    futures = [pool.submit(worker, counter, *args) for _ in range(threads - 1)]
    try:
        worker(counter, *args)
    finally:
        for f in futures:
            f.result()
