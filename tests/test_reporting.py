"""What `snake-ai evolve` tells people: lines in a pipe, --json / --quiet, TensorBoard event files
read back, and options whose help is generated from EvolveConfig."""

import csv
import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

W_ARGS = ["--mode", "weights", "--population", "8", "--elite", "2", "--random-parents", "1", "--games", "20",
          "--max-steps", "300", "--heldout-games", "30", "--fixed-hidden", "12,8,6"]
ENV = {**os.environ, "COLUMNS": "80", "TF_CPP_MIN_LOG_LEVEL": "2"}  # what a pipe from an 80-column terminal sees


def cli(*args, env=ENV):
    return subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True,
                          timeout=600, env=env)


def history(run: Path) -> list[dict]:
    with open(run / "history.csv") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def resumed_run(tmp_path_factory):
    """A weights-mode run of 2 generations, then resumed to 3 with --json; both outputs piped."""
    run = tmp_path_factory.mktemp("reporting") / "run"
    first = cli("evolve", *W_ARGS, "--generations", "2", "--seed", "3", "--out", str(run))
    assert first.returncode == 0, first.stderr
    second = cli("evolve", "--resume", str(run), "--generations", "3", "--json")
    assert second.returncode == 0, second.stderr
    return run, first, second


def test_piped_output_is_whole_lines(resumed_run):
    run, first, second = resumed_run
    rows = history(run)
    assert [r["best_architecture"] for r in rows] == ["7-12-8-6-3 relu none"] * 3
    lines = first.stdout.splitlines() + second.stderr.splitlines()  # --json: the human lines go to stderr
    known = ("evolving ", "gen ", "best: ", "run saved in ", "curves: ")
    for line in lines:  # nothing wrapped: every line starts as one of ours
        assert line.startswith(known), line
    gen_lines = [line for line in lines if line.startswith("gen ")]
    assert [int(re.match(r"gen +(\d+)/", line).group(1)) for line in gen_lines] == [0, 1, 2]
    for line, row in zip(gen_lines, rows):
        assert line.endswith(f"[{row['best_architecture']}]") and f"best {float(row['best_fitness']):7.2f}" in line
    assert max(len(line) for line in lines) > 80  # long lines stay whole
    assert "resumed after generation 1" in second.stderr
    assert "\x1b[" not in first.stdout + second.stderr  # no terminal escapes in a pipe
    assert len(second.stdout.splitlines()) == 1  # --json: stdout holds the JSON object alone
    r = json.loads(second.stdout)
    assert r["generations"] == 3 and r["run_dir"] == str(run) and r["tensorboard"] == str(run)


def test_tensorboard_events_read_back(resumed_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run, _, _ = resumed_run
    acc = EventAccumulator(str(run), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    rows = history(run)
    for tag, key in (("fitness/best", "best_fitness"), ("fitness/mean", "mean_fitness"),
                     ("fitness/median", "median_fitness"), ("apples/best", "best_apples"),
                     ("trainings", "trainings"), ("seconds/total", "seconds")):
        events = acc.Scalars(tag)
        assert [e.step for e in events] == [0, 1, 2], tag  # the resume appended, nothing twice
        assert [e.value for e in events] == pytest.approx([float(r[key]) for r in rows], rel=1e-5, abs=1e-5), tag
    for tag in ("fitness", "apples", "architecture/hidden_units", "architecture/hidden_layers",
                "architecture/parameters"):
        assert tag in tags["histograms"], tag
    units = acc.Histograms("architecture/hidden_units")
    assert [h.step for h in units] == [0, 1, 2]
    assert units[-1].histogram_value.min == units[-1].histogram_value.max == 26  # 12 + 8 + 6, fixed in weights mode
    assert acc.Histograms("fitness")[0].histogram_value.num == 8  # one value per chromosome
    summary = json.loads((run / "summary.json").read_text())
    assert acc.Scalars("heldout/mean_apples")[-1].value == pytest.approx(summary["heldout_mean_apples"], rel=1e-6)
    assert "config" in " ".join(tags["tensors"])  # the config as text


def test_quiet_json_without_tensorboard(tmp_path):
    p = cli("evolve", *W_ARGS, "--generations", "1", "--out", str(tmp_path / "a"), "--json", "--quiet",
            "--no-tensorboard")
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.splitlines()) == 1
    r = json.loads(p.stdout)
    assert r["generations"] == 1 and r["tensorboard"] is None
    assert "gen " not in p.stderr and "best:" not in p.stderr
    assert not list((tmp_path / "a").glob("events.out.tfevents.*"))


def test_generated_options_follow_the_config():
    from snake_ai.cli.options import evolve_options, field_docs
    from snake_ai.evolution.config import EvolveConfig, GenomeSpace

    opts = {o.param: o for o in evolve_options()}
    top = [f.name for f in dataclasses.fields(EvolveConfig) if f.name != "space"]
    assert set(top) <= set(opts)
    assert {"space_" + f.name for f in dataclasses.fields(GenomeSpace)} <= set(opts)
    docs = field_docs(EvolveConfig)
    assert opts["population"].doc == docs["population"] and opts["population"].default == str(EvolveConfig().population)
    for name in ("weight_mutation_rate", "weight_mutation_sigma", "games", "fitness"):  # resolved per mode
        hybrid, weights = (getattr(EvolveConfig(mode=m), name) for m in ("hybrid", "weights"))
        assert hybrid != weights, name
        assert opts[name].default == f"{hybrid} in hybrid and architecture, {weights} in weights", name
    assert opts["mode"].default == "hybrid"
    assert opts["fixed_hidden"].default == "16" and opts["fixed_hidden"].parse("12, 8") == (12, 8)
    # every option's default is the config's own, for every mode
    for o in opts.values():
        for mode in ("hybrid", "weights", "architecture") if o.param != "mode" else ("hybrid",):
            value = EvolveConfig(mode=mode)
            for name in o.path:
                value = getattr(value, name)
            shown = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
            assert shown in o.default, (o.param, mode)


def test_a_new_config_field_becomes_an_option():
    from snake_ai.cli.options import config_options

    @dataclasses.dataclass(frozen=True)
    class Inner:
        depth: int = 2
        """How deep."""

    @dataclasses.dataclass(frozen=True)
    class Cfg:
        mode: str = "a"
        """Which mode."""
        rate: float | None = None
        """How fast; None: 1.0 in a, 2.0 in b."""
        widths: tuple[int, ...] = (3, 4)
        """Some
        widths."""
        flag: bool = False
        """A switch."""
        inner: Inner = dataclasses.field(default_factory=Inner)
        """Nested."""

        def __post_init__(self):
            if self.rate is None:
                object.__setattr__(self, "rate", 2.0 if self.mode == "b" else 1.0)

    opts = {o.flag: o for o in config_options(Cfg, {m: Cfg(mode=m) for m in "ab"}, Cfg())}
    assert list(opts) == ["--mode", "--rate", "--widths", "--flag", "--inner-depth"]
    assert opts["--rate"].help == "How fast. [default: 1.0 in a, 2.0 in b]"
    assert opts["--widths"].help == "Some widths. [default: 3,4]" and opts["--widths"].metavar == "INT,INT,..."
    assert opts["--flag"].default == "off" and opts["--inner-depth"].default == "2"


def test_evolve_help_shows_the_true_defaults():
    p = cli("evolve", "--help", env={**ENV, "COLUMNS": "300"})
    assert p.returncode == 0, p.stderr
    text = " ".join(p.stdout.split())
    from snake_ai.cli.options import evolve_options

    for o in evolve_options():
        assert o.flag in text and f"[default: {o.default}]" in text, o.flag
    from snake_ai.evolution.config import EvolveConfig

    rates = [EvolveConfig(mode=m).weight_mutation_rate for m in ("hybrid", "weights")]
    assert f"[default: {rates[0]} in hybrid and architecture, {rates[1]} in weights]" in text


def test_bad_generated_option_values(tmp_path):
    for args, msg in ((["--fixed-hidden", "9,x"], "--fixed-hidden takes comma-separated int values"),
                      (["--population", "many"], "--population"),
                      (["--mode", "sideways"], "unknown mode")):
        p = cli("evolve", *args, "--out", str(tmp_path / "x"))
        assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1 and msg in p.stderr, p.stderr
    assert not (tmp_path / "x").exists()


def test_top_level_help_does_not_build_evolve():
    code = ("import sys; from snake_ai.cli.main import app\n"
            "try:\n    app(args=['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('tensorflow', 'pygame', 'ray', 'numba', 'tensorboardX') if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "[]" and "evolve" in p.stdout


def test_tensorboard_reporter_needs_no_tensorflow(tmp_path):
    """The evolve reporter writes its events without importing TensorFlow (weights mode never needs it)."""
    code = f"""
import sys
import numpy as np
from snake_ai.evolution.config import EvolveConfig
from snake_ai.evolution.ga import generation_rng
from snake_ai.evolution.strategies import make_strategy
from snake_ai.evolution.reporters import TensorBoardReporter
from snake_ai.evolution.run import Run

run = Run(EvolveConfig(mode="weights", population=4, elite=1, random_parents=1), {str(tmp_path)!r})
run.genomes = [p.genome for p in make_strategy(run.cfg).ask(generation_rng(run.cfg, 0), 0)]
run.fitness = run.apples = np.arange(4.0)
tb = TensorBoardReporter()
tb.start(run)
tb.generation(run, {{"generation": 0, "best_fitness": 3.0, "mean_fitness": 1.5, "median_fitness": 1.5,
                    "best_apples": 3.0, "mean_apples": 1.5, "trainings": 0, "seconds": 0.1,
                    "validation_apples": 2.5}})
tb.end(run, {{"heldout_mean_apples": 2.0}})
print(sorted(m for m in ("tensorflow", "keras", "torch") if m in sys.modules))
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "[]"
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    assert [e.value for e in acc.Scalars("apples/validation")] == [2.5]  # written when the row has it
    assert acc.Histograms("fitness")[0].histogram_value.num == 4
