"""Importing TensorFlow/Keras quietly and deterministically.

TensorFlow prints C++ INFO lines (oneDNN, missing CUDA drivers) before its logging is configured,
whatever TF_CPP_MIN_LOG_LEVEL says; they are noise for a CPU tool, so the import and the device
discovery run with file descriptor 2 sent to /dev/null. Errors still surface as exceptions.
"""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_ready = False


@contextlib.contextmanager
def _stderr_silenced():
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def keras():
    """The keras module, imported once with TensorFlow's start-up noise silenced."""
    global _ready
    if not _ready:
        with _stderr_silenced():
            import tensorflow as tf

            tf.config.list_physical_devices()
            import keras as _k  # noqa: F401
        _ready = True
    import keras as k

    return k


def seed_everything(seed: int) -> None:
    """Seed Keras, TensorFlow, numpy and Python for reproducible training."""
    k = keras()
    import tensorflow as tf

    k.utils.set_random_seed(int(seed) % (2**32))
    with contextlib.suppress(Exception):
        tf.config.experimental.enable_op_determinism()
