"""Every generation's best, kept in the run directory so it can be watched later (or live).

``generations.npz`` (rewritten atomically after each generation; arrays and JSON, no pickles):

    weights  float32 (total,)  the bests' flat engine weights, one after the other
    offsets  int64 (G + 1,)    entry i's weights are weights[offsets[i]:offsets[i + 1]]
    meta     uint8 (UTF-8 JSON) {"format": "snake-ai generations", "version", "entries": [
                                 {"generation", "fitness", "index", "genome", "row"}, ...]}

``row`` holds the generation's history row without its long ``architectures`` column (best and
mean fitness, best apples, and whatever else the run records, e.g. ``validation_apples``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from ..atomic import atomic_path
from ..errors import SnakeAIError
from .genome import Genome
from .reporters import Reporter
from .rundir import TIMING_COLUMNS

ARCHIVE_NAME = "generations.npz"
FORMAT = "snake-ai generations"


@dataclass(frozen=True)
class GenerationBest:
    """The best genome of one generation."""

    generation: int
    """Generation number (0-based)."""
    fitness: float
    """Its fitness in that generation (on that generation's games)."""
    genome: Genome
    """Architecture, optimizer and weights."""
    index: int = 0
    """Its position in the generation's population."""
    row: dict = field(default_factory=dict, compare=False)
    """The generation's history row (numbers and the best's architecture)."""

    def to_dict(self) -> dict:
        return {"generation": self.generation, "fitness": self.fitness, "index": self.index,
                "genome": self.genome.to_dict(), "row": self.row}


def best_index(run) -> int:
    """The position of the generation's best: ``run.best_index`` when the run exposes one (a best
    chosen another way, e.g. on validation games), else the highest ``run.fitness``."""
    choice = getattr(run, "best_index", None)
    if callable(choice):
        choice = choice()
    return int(choice) if choice is not None else int(np.argmax(run.fitness))


def _portable_row(row: dict) -> dict:
    """The row's numbers without the long ``architectures`` column and the timings (so the file is
    the same bytes for the same run, however fast it ran)."""
    return {k: v for k, v in row.items()
            if k != "architectures" and k not in TIMING_COLUMNS and isinstance(v, (int, float, str, bool))}


def generation_best(run, generation: int, row: dict) -> GenerationBest:
    """The best of the run's current population (``run.genomes`` / ``run.fitness``)."""
    b = best_index(run)
    return GenerationBest(int(generation), float(run.fitness[b]), run.genomes[b], b, _portable_row(row))


def write_generations(run_dir: Path, entries: list[GenerationBest]) -> None:
    weights = [np.asarray(e.genome.weights, np.float32).reshape(-1) for e in entries]
    offsets = np.zeros(len(entries) + 1, np.int64)
    np.cumsum([w.size for w in weights], out=offsets[1:])
    meta = {"format": FORMAT, "version": __version__, "entries": [e.to_dict() for e in entries]}
    flat = np.concatenate(weights) if weights else np.zeros(0, np.float32)
    with atomic_path(Path(run_dir) / ARCHIVE_NAME) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, weights=flat, offsets=offsets, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))


def read_generations(run_dir: Path) -> list[GenerationBest]:
    """Every archived generation's best, in generation order; [] when the run has none yet."""
    path = Path(run_dir) / ARCHIVE_NAME
    if not path.exists():
        return []
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            if meta.get("format") != FORMAT:
                raise ValueError("not a snake-ai generations file")
            weights, offsets = z["weights"], z["offsets"]
        entries = meta["entries"]
        if offsets.shape != (len(entries) + 1,) or offsets[-1] != weights.size:
            raise ValueError("offsets do not match the weights")
        out = []
        for i, d in enumerate(entries):
            genome = Genome.from_dict(d["genome"], weights[offsets[i]:offsets[i + 1]])
            genome.network()  # validates sizes and finiteness
            out.append(GenerationBest(int(d["generation"]), float(d["fitness"]), genome, int(d.get("index", 0)),
                                      dict(d.get("row", {}))))
        return out
    except Exception as e:
        first = str(e).splitlines()[0] if str(e) else ""
        raise SnakeAIError(f"{path}: corrupt generations file ({type(e).__name__}: {first})") from None


class ArchiveReporter(Reporter):
    """After every evaluated generation: append its best to generations.npz (atomic rewrite).

    A new run starts the file afresh; a resumed run keeps the generations before the one it resumes
    at, and takes the last finished generation from the checkpoint if the file missed it (a run
    killed between the checkpoint and this file)."""

    def start(self, run):
        path = Path(run.dir) / ARCHIVE_NAME
        self.entries: list[GenerationBest] = []
        if run.start_generation == 0:
            path.unlink(missing_ok=True)
            return
        try:
            self.entries = [e for e in read_generations(run.dir) if e.generation < run.start_generation]
        except SnakeAIError:
            self.entries = []  # unreadable: keep what the checkpoint still has
        last = run.start_generation - 1
        if (not self.entries or self.entries[-1].generation != last) and len(run.genomes):
            rows = [r for r in run.history if r.get("generation") == last]
            self.entries.append(generation_best(run, last, rows[-1] if rows else {"generation": last}))
        write_generations(run.dir, self.entries)

    def generation(self, run, row):
        self.entries.append(generation_best(run, row["generation"], row))
        write_generations(run.dir, self.entries)
