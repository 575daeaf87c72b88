"""`snake-ai runs`: finds run directories, summarises them, reads well in a pipe, and as JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from snake_ai.runs import list_runs

ENV = {**os.environ, "COLUMNS": "80"}
HEADER = ("generation,best_fitness,mean_fitness,median_fitness,best_apples,mean_apples,best_architecture,"
          "architectures,trainings,train_seconds,eval_seconds,seconds\n")


def cli(*args):
    return subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True,
                          timeout=120, env=ENV)


def make_run(path: Path, mode="hybrid", planned=3, fitness=(1.5, 4.25), arch="7-48-32-16-3 selu nadam",
             summary=None, mtime=None):
    path.mkdir(parents=True)
    (path / "config.toml").write_text(f'mode = "{mode}"\ngenerations = {planned}\npopulation = 20\nseed = 5\n')
    rows = "".join(f"{g},{f},1,1,{f},1,{arch},x,0,0,0,1\n" for g, f in enumerate(fitness))
    (path / "history.csv").write_text(HEADER + rows)
    if summary is not None:
        (path / "summary.json").write_text(json.dumps(summary))
    if mtime is not None:
        for f in path.iterdir():
            os.utime(f, (mtime, mtime))
    return path


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "runs"
    make_run(root / "b-finished", planned=2, summary={"heldout_mean_apples": 48.5, "teacher_mean_apples": 49.3,
                                                      "best_fitness": 4.25, "best_architecture": "7-48-32-16-3 selu nadam",
                                                      "generations": 2}, mtime=2_000_000_000)
    make_run(root / "sweep" / "a-stopped", mode="weights", planned=10, fitness=(0.5,), arch="7-9-15-3 relu none",
             mtime=1_900_000_000)
    inner = make_run(root / "c-with-inner", planned=2, summary={"heldout_mean_apples": 1.0}, mtime=2_100_000_000)
    make_run(inner / "nested")  # inside a run: not a run of its own
    (root / "notes").mkdir()
    (root / "notes" / "config.toml").write_text('mode = "hybrid"\n')  # no history, checkpoint or summary
    (root / "broken").mkdir()
    (root / "broken" / "config.toml").write_text("not = [toml")
    (root / "broken" / "history.csv").write_text("garbage\x00")
    return root


def test_list_runs_reads_what_is_there(tree):
    runs = list_runs(tree)
    assert [r["run"] for r in runs] == ["broken", "sweep/a-stopped", "b-finished", "c-with-inner"]  # oldest first
    by = {r["run"]: r for r in runs}
    f = by["b-finished"]
    assert (f["mode"], f["status"], f["generations"], f["planned_generations"]) == ("hybrid", "finished", 2, 2)
    assert (f["best_fitness"], f["heldout_mean_apples"], f["teacher_mean_apples"]) == (4.25, 48.5, 49.3)
    assert f["best_architecture"] == "7-48-32-16-3 selu nadam" and f["date"].startswith("2033-05-1")  # 2e9 s, in any time zone
    s = by["sweep/a-stopped"]
    assert (s["mode"], s["status"], s["generations"], s["planned_generations"]) == ("weights", "stopped", 1, 10)
    assert s["heldout_mean_apples"] is None and s["best_fitness"] == 0.5
    b = by["broken"]
    assert b["mode"] is None and b["generations"] is None and b["status"] == "empty"


def test_runs_command_table_in_a_pipe(tree):
    p = cli("runs", str(tree))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == f"4 runs under {tree}"
    row = next(line for line in lines if line.lstrip().startswith("b-finished"))
    for cell in ("hybrid", "4.25", "48.50", "49.30", "7-48-32-16-3 selu nadam"):
        assert cell in row  # a row is one whole line, wider than 80 columns or not
    stopped = next(line for line in lines if "sweep/a-stopped" in line)
    assert "1/10 (stopped)" in stopped and "7-9-15-3 relu none" in stopped
    assert all(line == line.rstrip() for line in lines) and "\x1b[" not in p.stdout


def test_runs_command_json_and_errors(tree, tmp_path):
    p = cli("runs", str(tree), "--json")
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.splitlines()) == 1
    d = json.loads(p.stdout)
    assert d["directory"] == str(tree) and len(d["runs"]) == 4
    assert d["runs"][-1]["run"] == "c-with-inner" and d["runs"][-1]["heldout_mean_apples"] == 1.0

    (tmp_path / "empty").mkdir()
    e = cli("runs", str(tmp_path / "empty"))
    assert e.returncode == 0 and "no runs under" in e.stdout
    m = cli("runs", str(tmp_path / "missing"))
    assert m.returncode == 2 and m.stderr.strip() == f"error: {tmp_path / 'missing'}: no such directory"


def test_runs_lists_the_shipped_agent_folder():
    from snake_ai.resources import shipped_agent

    [r] = list_runs(shipped_agent())
    meta = json.loads((shipped_agent() / "best.json").read_text())
    assert r["status"] == "finished" and r["mode"] == "hybrid" and r["generations"] == 10
    assert r["heldout_mean_apples"] == pytest.approx(meta["heldout_mean_apples"])
