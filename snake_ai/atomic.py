"""Write to a temporary name beside the target and rename when complete."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .errors import SnakeAIError


def check_writable(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise SnakeAIError(f"{path} already exists; pass --force to overwrite it")
    if path.exists() and path.is_dir():
        raise SnakeAIError(f"{path} is a directory")


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yields a temporary path in the same folder; renamed onto ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
