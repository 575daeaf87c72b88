"""The Keras bridge, training and evaluation of trained networks."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from snake_ai.engine import NetSpec, Network, derive_seeds, play_networks
from snake_ai.errors import SnakeAIError
from snake_ai.policy.bridge import (keras_to_network, load_engine_network, load_keras_network, network_to_keras,
                                    save_engine_network)
from snake_ai.policy.tf import keras

ACTS = ["relu", "elu", "tanh", "sigmoid", "selu", "linear"]


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("hidden", [(9, 15), (12,), (4, 8, 16, 8)])
def test_engine_forward_equals_keras(act, hidden):
    k = keras()
    k.utils.set_random_seed(len(hidden) * 7 + ACTS.index(act))
    model = k.Sequential([k.Input((7,))] + [k.layers.Dense(h, activation=act) for h in hidden] +
                         [k.layers.Dense(3, activation="softmax")])
    # larger weights than Glorot so saturating activations are exercised
    for layer in model.layers:
        w, b = layer.get_weights()
        layer.set_weights([w * 2, np.random.default_rng(0).normal(0, 0.5, b.shape).astype(np.float32)])
    x = np.random.default_rng(1).uniform(-1, 1, (512, 7)).astype(np.float32)
    net = keras_to_network(model)
    assert net.spec.hidden == hidden and net.spec.activations == (act,) * len(hidden) + ("softmax",)
    expected = np.asarray(model(x))
    assert np.max(np.abs(net.forward(x) - expected)) <= 1e-5
    back = network_to_keras(net)
    assert np.max(np.abs(np.asarray(back(x)) - expected)) <= 1e-6


def test_bias_free_layers():
    k = keras()
    model = k.Sequential([k.Input((7,)), k.layers.Dense(9, activation="tanh", use_bias=False),
                          k.layers.Dense(3, activation="linear", use_bias=False)])
    x = np.random.default_rng(2).uniform(-1, 1, (64, 7)).astype(np.float32)
    assert np.max(np.abs(keras_to_network(model).forward(x) - np.asarray(model(x)))) <= 1e-5


@pytest.mark.parametrize("bad,match", [
    ("inputs", "inputs"), ("outputs", "outputs"), ("conv", "Dense"), ("act", "activation"),
])
def test_unsupported_models(bad, match):
    k = keras()
    if bad == "inputs":
        m = k.Sequential([k.Input((5,)), k.layers.Dense(3)])
    elif bad == "outputs":
        m = k.Sequential([k.Input((7,)), k.layers.Dense(4)])
    elif bad == "conv":
        m = k.Sequential([k.Input((7,)), k.layers.Dense(4), k.layers.Dropout(0.1), k.layers.Dense(3)])
    else:
        m = k.Sequential([k.Input((7,)), k.layers.Dense(4, activation="gelu"), k.layers.Dense(3)])
    with pytest.raises(SnakeAIError, match=match):
        keras_to_network(m)


def test_engine_network_file_round_trip(tmp_path):
    spec = NetSpec.uniform((9, 15), "tanh")
    net = Network(spec, np.random.default_rng(0).normal(0, 1, spec.n_params))
    save_engine_network(net, tmp_path / "n.npz")
    back = load_engine_network(tmp_path / "n.npz")
    assert back.spec == net.spec and back.weights.tobytes() == net.weights.tobytes()
    (tmp_path / "bad.npz").write_bytes(b"junk")
    with pytest.raises(SnakeAIError):
        load_engine_network(tmp_path / "bad.npz")


def test_keras_file_round_trip(tmp_path):
    spec = NetSpec.uniform((9, 15), "relu")
    net = Network(spec, np.random.default_rng(3).normal(0, 1, spec.n_params))
    network_to_keras(net).save(tmp_path / "m.keras")
    back = load_keras_network(tmp_path / "m.keras")
    assert back.weights.tobytes() == net.weights.tobytes()
    seeds = derive_seeds(0, 20)
    np.testing.assert_array_equal(play_networks([back], seeds).apples, play_networks([net], seeds).apples)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True, timeout=900)


def test_train_then_evaluate(tmp_path):
    out = tmp_path / "policy.keras"
    p = cli("train", "--games", "150", "--epochs", "6", "--out", str(out), "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.splitlines()[-1])
    assert r["path"] == str(out) and r["epochs"] == 6 and r["accuracy"] > 0.97 and r["val_accuracy"] > 0.97
    assert (tmp_path / "policy.history.json").exists() and (tmp_path / "policy.png").stat().st_size > 1000
    model = keras().models.load_model(out)  # plain Keras opens it
    assert model.output_shape == (None, 3)
    assert_tensorboard_matches(r["tensorboard"], json.loads((tmp_path / "policy.history.json").read_text())["history"])
    p = cli("evaluate", str(out), "--games", "200", "--json")
    assert p.returncode == 0, p.stderr
    e = json.loads(p.stdout.splitlines()[-1])
    assert e["mean_apples"] > 35  # a trained 7-9-15-3 plays near its teacher (about 48)
    assert e["teacher_mean_apples"] > 40
    p = cli("train", "--games", "10", "--out", str(out))
    assert p.returncode == 2 and "--force" in p.stderr


def assert_tensorboard_matches(log_dir, history):
    """Keras' TensorBoard logs of `snake-ai train`, read back: one value per epoch, as in the history."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    for sub, prefix in (("train", ""), ("validation", "val_")):
        acc = EventAccumulator(str(Path(log_dir) / sub), size_guidance={"tensors": 0})
        acc.Reload()
        for metric in ("loss", "accuracy"):
            events = acc.Tensors(f"epoch_{metric}")
            assert [e.step for e in events] == list(range(len(history[prefix + metric])))
            values = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
            assert values == pytest.approx(history[prefix + metric], rel=1e-5)


def test_train_from_dataset_file_with_study_preset(tmp_path):
    data = tmp_path / "d.npz"
    assert cli("generate", "--games", "30", "--steps", "500", "--out", str(data)).returncode == 0
    p = cli("train", "--data", str(data), "--preset", "study", "--epochs", "1", "--out", str(tmp_path / "s.keras"), "--json")
    assert p.returncode == 0, p.stderr
    hist = json.loads((tmp_path / "s.history.json").read_text())
    assert hist["config"]["loss"] == "mse" and hist["config"]["first_activation"] == "linear"
    assert hist["config"]["batch_size"] == 256


@pytest.mark.parametrize("args,msg", [
    (["train", "--out", "x.h5"], ".keras"),
    (["train", "--out", "m.keras", "--optimizer", "lion"], "optimizer"),
    (["train", "--out", "m.keras", "--activation", "gelu"], "activation"),
    (["train", "--out", "m.keras", "--hidden", "9,x"], "hidden"),
])
def test_train_bad_arguments(tmp_path, args, msg):
    p = subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2 and msg in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_evaluate_rejects_bad_models(tmp_path):
    k = keras()
    k.Sequential([k.Input((5,)), k.layers.Dense(3)]).save(tmp_path / "five.keras")
    (tmp_path / "junk.keras").write_text("junk")
    for name in ("five.keras", "junk.keras"):
        p = cli("evaluate", str(tmp_path / name), "--games", "5")
        assert p.returncode == 2 and p.stderr.startswith("error:") and len(p.stderr.strip().splitlines()) == 1


def test_tf_dataset_feeds_keras(tmp_path):
    from snake_ai.data import generate, tf_dataset, DatasetSpec
    from snake_ai.policy.train import TrainConfig, build_model

    generate(tmp_path / "d.npz", DatasetSpec(games=5, steps=200))
    model = build_model(TrainConfig(epochs=1))
    h = model.fit(tf_dataset(tmp_path / "d.npz", batch_size=256), epochs=1, verbose=0)
    assert np.isfinite(h.history["loss"][0])
