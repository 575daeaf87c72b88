"""The wheel carries everything a user needs: built here, installed into a fresh environment outside
the repository, and run from an empty directory there."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# what a source checkout has that a build must not see (and that may be large)
NOT_SOURCE = (".git", ".venv", "venv", "runs", "build", "dist", "data", "models", "*.egg-info", "__pycache__",
              ".pytest_cache", ".hypothesis", "*.nbi", "*.nbc")


def _build_wheel(out: Path, work: Path) -> Path:
    """Build from a clean copy of the source (setuptools' build/ folder can carry stale files).

    pip builds in an isolated environment (fetching setuptools like `make install` does); when that
    cannot be had, the project venv's own setuptools is tried."""
    src = work / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=False)
    errors = []
    for extra in ([], ["--no-build-isolation"]):
        p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", *extra, "-w", str(out),
                            str(src)], capture_output=True, text=True, timeout=600)
        wheels = sorted(out.glob("snake_ai-*.whl"))
        if p.returncode == 0 and wheels:
            return wheels[-1]
        errors.append(p.stderr[-2000:])
    pytest.fail("could not build the wheel:\n" + "\n---\n".join(errors))


def _fresh_env(root: Path, wheel: Path) -> Path:
    """A new venv whose snake_ai comes from the wheel and whose dependencies come from the project's
    venv (a .pth file appends its site-packages; the .pth files there, such as the editable
    install's finder, are not processed, so the repository's snake_ai stays invisible)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    py = root / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_snake_ai_test_deps.pth").write_text("".join(f"{d}\n" for d in sorted(deps)))
    p = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps",
                        "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return root


@pytest.mark.slow
def test_wheel_installs_and_plays_anywhere(tmp_path):
    wheel = _build_wheel(tmp_path / "dist", tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("snake_ai/assets/icon.png", "snake_ai/assets/agent/best.npz", "snake_ai/assets/agent/best.json",
              "snake_ai/assets/agent/teacher.json",
              "snake_ai/resources.py"):
        assert f in names, f
    assert not any(n.startswith(("assets/", "tests/")) for n in names)

    env_root = _fresh_env(tmp_path / "venv", wheel)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    # the installed engine compiles its kernels once, into the fresh install's own cache, as a user's
    # first run does (the kernels read the named state's records, which need Numba to run)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "NUMBA_DISABLE_JIT")}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               PYTHONWARNINGS="ignore::RuntimeWarning")
    exe = env_root / "bin" / "snake-ai"

    def run(*args):
        p = subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        return p

    where = subprocess.run([str(env_root / "bin" / "python"), "-c",
                            "import snake_ai, snake_ai.resources as r; print(snake_ai.__file__); "
                            "print(r.shipped_agent()); print(r.icon())"],
                           cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.split()
    for path in where:
        assert Path(path).resolve().is_relative_to(env_root.resolve()), where
        assert Path(path).exists()

    r = json.loads(run("evaluate", "--games", "5", "--json").stdout.splitlines()[-1])
    assert r["agent"].startswith("shipped agent") and r["games"] == 5
    # the same figures as the compiled engine of this checkout
    from snake_ai.agents import load_agent
    from snake_ai.engine import Rules
    from snake_ai.evaluation import evaluate_agent

    here = evaluate_agent(load_agent(None), games=5, seed=0, rules=Rules.classic(50, 2000))
    assert (r["mean_apples"], r["total_steps"], r["max_apples"]) == (here["mean_apples"], here["total_steps"],
                                                                     here["max_apples"])

    run("watch", "--record", "x.gif", "--frames", "20")
    from PIL import Image

    with Image.open(cwd / "x.gif") as gif:
        assert gif.n_frames == 20
