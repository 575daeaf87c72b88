"""Helpers the CLI and run tests share: the real command, and a run's history without timings."""

import csv
import subprocess
import sys
from pathlib import Path

from snake_ai.evolution.rundir import TIMING_COLUMNS


def cli(*args, timeout=900, **kw):
    """``snake-ai ARGS`` as a subprocess (text output captured)."""
    return subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True,
                          timeout=timeout, **kw)


def history(run):
    """A run's history.csv rows, without the timing columns (which differ from run to run)."""
    with open(Path(run) / "history.csv") as f:
        return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in csv.DictReader(f)]
