"""The one bridge between Keras and the engine: Dense models <-> (NetSpec, flat weights).

Supported models: a Sequential (or functional chain) of Dense layers from 7 inputs to 3 outputs,
each with an activation among the engine's (linear, relu, elu, tanh, sigmoid, selu; softmax on the
output), with or without bias. Engine networks are also saved without Keras as ``.npz`` (arrays
and JSON, never pickles).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .. import __version__
from ..atomic import atomic_path
from ..engine.net import ACT_CODE, N_INPUTS, N_OUTPUTS, NetSpec, Network
from ..errors import SnakeAIError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _activation_name(layer) -> str:
    from .tf import keras as _keras

    keras = _keras()

    act = layer.activation
    name = getattr(act, "__name__", None) or str(keras.activations.serialize(act))
    return {"linear": "linear", "identity": "linear"}.get(name, name)


def keras_to_network(model) -> Network:
    """Engine network of a Keras Dense model; SnakeAIError when the engine cannot run it."""
    from .tf import keras as _keras

    keras = _keras()

    dense = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if not isinstance(layer, keras.layers.Dense):
            raise SnakeAIError(f"layer {layer.name!r} is a {type(layer).__name__}; the engine runs only Dense layers")
        dense.append(layer)
    if not dense:
        raise SnakeAIError("the model has no Dense layer")
    n_in = dense[0].get_weights()[0].shape[0] if dense[0].built else None
    if n_in != N_INPUTS:
        raise SnakeAIError(f"the model takes {n_in} inputs; the engine gives 7")
    if dense[-1].units != N_OUTPUTS:
        raise SnakeAIError(f"the model has {dense[-1].units} outputs; the engine needs 3 (left, straight, right)")
    acts, weights = [], []
    for i, layer in enumerate(dense):
        name = _activation_name(layer)
        if name not in ACT_CODE or (name == "softmax" and i != len(dense) - 1):
            raise SnakeAIError(f"layer {layer.name!r} uses activation {name!r}, which the engine cannot run")
        acts.append(name)
        w = layer.get_weights()
        kernel = np.asarray(w[0], np.float32)
        bias = np.asarray(w[1], np.float32) if layer.use_bias else np.zeros(layer.units, np.float32)
        weights += [kernel.reshape(-1), bias]
    spec = NetSpec(tuple(layer.units for layer in dense[:-1]), tuple(acts))
    return Network(spec, np.concatenate(weights))


def network_to_keras(net: Network, name: str = "snake_policy"):
    """A Keras Sequential model computing exactly what ``net`` computes."""
    from .tf import keras as _keras

    keras = _keras()

    layers = [keras.Input((N_INPUTS,))]
    for width, act in zip(net.spec.widths[1:], net.spec.activations):
        layers.append(keras.layers.Dense(width, activation=act))
    model = keras.Sequential(layers, name=name)
    for layer, (kernel, bias) in zip(model.layers, net.layers()):
        layer.set_weights([kernel, bias])
    return model


def load_keras_network(path) -> Network:
    path = Path(path)
    if not path.is_file():
        raise SnakeAIError(f"{path}: no such model file")
    from .tf import keras as _keras

    keras = _keras()

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as e:
        raise SnakeAIError(f"{path}: not a loadable Keras model ({type(e).__name__})") from None
    try:
        return keras_to_network(model)
    except SnakeAIError as e:
        raise SnakeAIError(f"{path}: {e}") from None


def save_engine_network(net: Network, path, extra: dict | None = None) -> None:
    """Portable engine network: ``weights`` float32 and ``spec`` JSON in an .npz."""
    meta = {"format": "snake-ai network", "version": __version__, "spec": net.spec.to_dict(), **(extra or {})}
    with atomic_path(Path(path)) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, weights=net.weights, spec=np.array(json.dumps(meta)))


def load_engine_network(path) -> Network:
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["spec"]))
            w = z["weights"]
        if meta.get("format") != "snake-ai network":
            raise ValueError("not a snake-ai network")
        return Network(NetSpec.from_dict(meta["spec"]), w)
    except FileNotFoundError:
        raise SnakeAIError(f"{path}: no such network file") from None
    except Exception as e:  # truncated or garbled files surface as many exception types (EOFError, BadZipFile...)
        detail = str(e).splitlines()[0] if str(e) else ""
        raise SnakeAIError(f"{path}: not a snake-ai network file ({type(e).__name__}: {detail[:200]})") from None
