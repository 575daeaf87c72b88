"""`snake-ai evaluate` run as a real command."""

import json
import subprocess
import sys

import pytest


def run(*args, check=True):
    p = subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True, timeout=600)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_evaluate_teacher_json():
    p = run("evaluate", "teacher", "--games", "200", "--json")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    for key in ("agent", "games", "max_steps", "seed", "mean_apples", "median_apples", "max_apples", "mean_length",
                "max_length", "total_steps", "seconds", "steps_per_second"):
        assert key in r
    assert r["games"] == 200 and r["agent"] == "teacher"
    assert r["mean_length"] == pytest.approx(r["mean_apples"] + 3)
    assert 40 < r["mean_apples"] < 60


def test_evaluate_is_deterministic():
    a = json.loads(run("evaluate", "random", "--games", "50", "--seed", "3", "--json").stdout.splitlines()[-1])
    b = json.loads(run("evaluate", "random", "--games", "50", "--seed", "3", "--json").stdout.splitlines()[-1])
    assert a["mean_apples"] == b["mean_apples"] and a["total_steps"] == b["total_steps"]


@pytest.mark.parametrize("args", [["evaluate", "nonsense"], ["evaluate", "teacher", "--games", "0"],
                                  ["evaluate", "teacher", "--board", "2"], ["nocommand"]])
def test_bad_input_one_line_exit_2(args):
    p = run(*args, check=False)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and p.stderr.startswith("error:")


def test_help_is_fast_and_lazy():
    code = "import sys; from snake_ai.cli.main import app; print(sorted(m for m in ('tensorflow','pygame','ray','numba') if m in sys.modules))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.stdout.strip() == "[]"


def test_quiet_prints_nothing_but_the_json(tmp_path):
    assert run("evaluate", "teacher", "--games", "5", "--quiet").stdout == ""
    p = run("evaluate", "teacher", "--games", "5", "-q", "--json")
    assert len(p.stdout.strip().splitlines()) == 1 and json.loads(p.stdout)["games"] == 5
    out = tmp_path / "d.npz"
    p = run("generate", "--out", str(out), "--games", "3", "--steps", "50", "-q")
    assert p.stdout == "" and p.stderr == "" and out.is_file()


def test_generate_help_keeps_the_label_order():
    assert "one-hot [left, straight, right]" in " ".join(run("generate", "--help").stdout.split())
