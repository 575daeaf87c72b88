"""The evolution runs under a folder, one summary each (what ``snake-ai runs`` lists).

Reads only small text files (config.toml, history.csv, summary.json or best.json), with the
standard library, so listing hundreds of runs is instant and imports no engine. A run directory
is a folder holding config.toml and at least one of history.csv, checkpoint.npz, summary.json;
folders inside a run are not searched.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import math
import os
import tomllib
from pathlib import Path

from .errors import SnakeAIError

MARKERS = ("history.csv", "checkpoint.npz", "summary.json")
FIELDS = ("run", "path", "mode", "status", "generations", "planned_generations", "population", "seed",
          "best_fitness", "validation_apples", "heldout_mean_apples", "teacher_mean_apples", "best_architecture",
          "date")


def _float(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _json(path: Path) -> dict:
    try:
        d = json.loads(path.read_text())
        return d if isinstance(d, dict) else {}
    except (OSError, ValueError, UnicodeDecodeError):
        return {}


def read_run(path: Path, root: Path | None = None) -> dict:
    """One run's summary; fields that cannot be read are None."""
    path = Path(path)
    info = dict.fromkeys(FIELDS)
    info["path"] = str(path)
    info["run"] = str(path.relative_to(root)) if root is not None and path != root else path.name
    try:
        cfg = tomllib.loads((path / "config.toml").read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        cfg = {}
    info["mode"] = cfg.get("mode")
    info["planned_generations"] = cfg.get("generations")
    info["population"] = cfg.get("population")
    info["seed"] = cfg.get("seed")
    rows = []
    try:
        with open(path / "history.csv", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, csv.Error, UnicodeDecodeError):
        pass
    if rows:
        info["generations"] = len(rows)
        fits = [(_float(r.get("best_fitness")), r) for r in rows]
        fits = [(v, r) for v, r in fits if v is not None]
        if fits:
            best_v, best_r = max(fits, key=lambda t: t[0])
            info["best_fitness"] = best_v
            info["best_architecture"] = best_r.get("best_architecture") or None
        vals = [_float(r.get("validation_apples")) for r in rows]
        vals = [v for v in vals if v is not None]
        info["validation_apples"] = max(vals) if vals else None
    summary = _json(path / "summary.json") or _json(path / "best.json")
    if summary:
        for key in ("heldout_mean_apples", "teacher_mean_apples", "best_fitness"):
            if _float(summary.get(key)) is not None:
                info[key] = _float(summary[key])
        if summary.get("best_architecture"):
            info["best_architecture"] = summary["best_architecture"]
        if isinstance(summary.get("generations"), int):
            info["generations"] = summary["generations"]
    done = (path / "summary.json").exists() or (path / "best.json").exists()
    info["status"] = "finished" if done else ("stopped" if rows else "empty")
    stamps = [p.stat().st_mtime for p in path.iterdir() if p.is_file()]
    if stamps:
        info["date"] = _dt.datetime.fromtimestamp(max(stamps)).isoformat(timespec="seconds")
    return info


def is_run(path: Path) -> bool:
    return (path / "config.toml").is_file() and any((path / m).exists() for m in MARKERS)


def list_runs(root: Path | str = "runs") -> list[dict]:
    """Every run directory under ``root`` (``root`` itself may be one), oldest first."""
    root = Path(root)
    if not root.is_dir():
        raise SnakeAIError(f"{root}: no such directory")
    found = []
    for dirpath, dirnames, _ in os.walk(root):
        here = Path(dirpath)
        if is_run(here):
            found.append(read_run(here, root))
            dirnames[:] = []  # nothing to find inside a run
        else:
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
    return sorted(found, key=lambda r: (r["date"] or "", r["run"]))
