"""Files shipped inside the package (``importlib.resources``), so a wheel works from any directory.

    shipped_agent()  the folder of the agent that ``evaluate`` and ``watch`` play by default
                     (best.npz, best.json, config.toml, history.csv, README.md)
    icon()           the viewer window's icon (PNG)

Both return real filesystem paths. An installed wheel or an editable install keeps its files on
disk, so the path points into the package; a package imported from a zip archive has its files
copied once into a temporary folder that lives as long as the process.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

_PACKAGE = "snake_ai"
_extracted: dict[str, Path] = {}


def _assets() -> Traversable:
    return files(_PACKAGE) / "assets"


def _on_disk(item: Traversable, name: str) -> Path:
    """``item`` as a filesystem path, copying it (recursively) out of an archive when it is not one."""
    if isinstance(item, Path):
        return item
    if name not in _extracted:
        root = Path(tempfile.mkdtemp(prefix="snake-ai-"))
        atexit.register(shutil.rmtree, root, True)
        _extracted[name] = _copy(item, root / item.name)
    return _extracted[name]


def _copy(item: Traversable, dest: Path) -> Path:
    if item.is_dir():
        dest.mkdir()
        for child in item.iterdir():
            _copy(child, dest / child.name)
    else:
        dest.write_bytes(item.read_bytes())
    return dest


def shipped_agent() -> Path:
    """The folder of the shipped agent: ``load_agent(str(shipped_agent()))`` plays it."""
    return _on_disk(_assets() / "agent", "agent")


def icon() -> Path:
    """The viewer's window icon (a small PNG)."""
    return _on_disk(_assets() / "icon.png", "icon.png")
