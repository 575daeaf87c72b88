"""Training a dense Keras policy on the teacher's decisions."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..atomic import atomic_path, check_writable, write_text_atomic
from ..engine.net import HIDDEN_ACTIVATIONS
from ..errors import SnakeAIError

OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam")
LOSSES = ("categorical_crossentropy", "mse", "mean_squared_error")
# learning rates that suit large batches on this problem (Keras' defaults are tuned for batch 32)
DEFAULT_LR = {"adam": 0.01, "nadam": 0.01, "adamax": 0.02, "rmsprop": 0.005, "sgd": 0.1,
              "adagrad": 0.1, "adadelta": 1.0}


@dataclass(frozen=True)
class TrainConfig:
    """How a policy network is built and trained."""

    hidden: tuple[int, ...] = (9, 15)
    """Units of each hidden layer (the study: 9, 15)."""
    activation: str = "relu"
    """Activation of the hidden layers."""
    first_activation: str | None = None
    """Activation of the first hidden layer when it differs (the study's code: linear)."""
    optimizer: str = "adam"
    """Keras optimizer: adam, sgd, rmsprop, adagrad, adadelta, adamax, nadam."""
    learning_rate: float | None = None
    """Learning rate; None picks one that suits large batches for the optimizer."""
    loss: str = "categorical_crossentropy"
    """Training loss (the study: mse)."""
    epochs: int = 8
    """Passes over the training rows."""
    batch_size: int = 2048
    """Rows per gradient step."""
    validation_split: float = 0.1
    """Fraction of whole games held out for validation."""
    seed: int = 0
    """Seed of the initial weights, the shuffling and the validation split."""
    preset: str = "default"
    """Name of the recipe, recorded with the model."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if not self.hidden or any(h < 1 for h in self.hidden):
            raise SnakeAIError(f"--hidden must list positive widths, got {self.hidden}")
        for a in (self.activation, self.first_activation or self.activation):
            if a not in HIDDEN_ACTIVATIONS:
                raise SnakeAIError(f"unknown activation {a!r}; choose from {', '.join(HIDDEN_ACTIVATIONS)}")
        if self.optimizer not in OPTIMIZERS:
            raise SnakeAIError(f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
        if self.loss not in LOSSES:
            raise SnakeAIError(f"unknown loss {self.loss!r}; choose from {', '.join(LOSSES)}")
        if self.epochs < 1 or self.batch_size < 1:
            raise SnakeAIError("--epochs and --batch-size must be >= 1")
        if not 0 <= self.validation_split < 1:
            raise SnakeAIError(f"--validation-split must be in [0, 1), got {self.validation_split}")

    @classmethod
    def study(cls, **overrides) -> "TrainConfig":
        """The study's recipe: linear first layer, MSE, adam (lr 0.001), batch 256, 3 epochs."""
        base = cls(first_activation="linear", loss="mse", learning_rate=0.001, batch_size=256, epochs=3,
                   preset="study")
        return replace(base, **overrides)

    @property
    def activations(self) -> tuple[str, ...]:
        first = self.first_activation or self.activation
        return (first,) + (self.activation,) * (len(self.hidden) - 1) + ("softmax",)

    @property
    def lr(self) -> float:
        return self.learning_rate if self.learning_rate is not None else DEFAULT_LR[self.optimizer]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d


def build_model(cfg: TrainConfig, name: str = "snake_policy"):
    from .tf import keras

    k = keras()
    layers = [k.Input((7,))]
    for width, act in zip(cfg.hidden, cfg.activations[:-1]):
        layers.append(k.layers.Dense(width, activation=act))
    layers.append(k.layers.Dense(3, activation="softmax"))
    model = k.Sequential(layers, name=name)
    opt = k.optimizers.get({"class_name": cfg.optimizer, "config": {"learning_rate": cfg.lr}})
    model.compile(optimizer=opt, loss=cfg.loss, metrics=["accuracy"])
    return model


def fit(model, x, y, cfg: TrainConfig, val=None, verbose: int = 0, callbacks=None):
    """Train ``model`` in place; returns the Keras history dict."""
    from .tf import _stderr_silenced

    # TensorFlow's C++ runtime prints a tf.data graph warning to fd 2 on the first fit; errors
    # still arrive as Python exceptions
    with _stderr_silenced():
        h = model.fit(x, y, batch_size=cfg.batch_size, epochs=cfg.epochs, shuffle=True, verbose=verbose,
                      validation_data=val, callbacks=callbacks)
    return {k: [float(v) for v in vals] for k, vals in h.history.items()}


@dataclass
class TrainResult:
    model: object
    history: dict
    seconds: float
    train_rows: int
    val_rows: int
    config: TrainConfig
    data: dict = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.history["accuracy"][-1]

    @property
    def val_accuracy(self) -> float | None:
        v = self.history.get("val_accuracy")
        return v[-1] if v else None


def tensorboard_dir(out: Path) -> Path:
    """Where ``snake-ai train --out DIR/NAME.keras`` writes its TensorBoard logs: DIR/NAME.tensorboard."""
    out = Path(out)
    return out.with_name(out.stem + ".tensorboard")


def tensorboard_callback(log_dir: Path):
    """Keras' own TensorBoard callback: loss, accuracy and learning rate per epoch (train/ and
    validation/ runs) and weight histograms; a previous log in ``log_dir`` is replaced."""
    import shutil

    from .tf import keras

    log_dir = Path(log_dir)
    if log_dir.is_dir():
        shutil.rmtree(log_dir)
    return keras().callbacks.TensorBoard(log_dir=str(log_dir), histogram_freq=1, write_graph=False,
                                         update_freq="epoch")


def train(x, y, meta: dict, cfg: TrainConfig, log_dir: Path | None = None) -> TrainResult:
    """Build and train a policy on (x, y), holding out whole games for validation; with ``log_dir``,
    Keras writes TensorBoard logs there."""
    from ..data.dataset import split_by_games
    from .tf import seed_everything

    seed_everything(cfg.seed)
    tr, va = split_by_games(meta, cfg.validation_split, seed=cfg.seed)
    val = (x[va], y[va]) if va.size else None
    model = build_model(cfg)
    callbacks = [tensorboard_callback(log_dir)] if log_dir is not None else None
    t0 = time.perf_counter()
    hist = fit(model, x[tr], y[tr], cfg, val=val, callbacks=callbacks)
    return TrainResult(model, hist, time.perf_counter() - t0, int(tr.size), int(va.size), cfg)


def teacher_data(games: int, seed: int, board: int = 50, steps: int = 2000):
    """The teacher's decisions generated in memory (no file), with game offsets."""
    from ..engine import Rules, derive_seeds, record_teacher

    x, y, rows = record_teacher(derive_seeds(seed, games), Rules.classic(board, steps))
    offsets = np.zeros(games + 1, np.int64)
    np.cumsum(rows, out=offsets[1:])
    return x, y, {"game_offsets": offsets, "games": games, "seed": seed, "board": board, "steps": steps}


def save_trained(result: TrainResult, out: Path, force: bool = False) -> dict:
    """``out`` (.keras), ``<stem>.history.json`` and ``<stem>.png`` beside it."""
    out = Path(out)
    if out.suffix != ".keras":
        raise SnakeAIError(f"{out}: the model file must end in .keras")
    check_writable(out, force)
    with atomic_path(out) as tmp:
        result.model.save(tmp)
    hist_path = out.with_name(out.stem + ".history.json")
    record = {"config": result.config.to_dict(), "history": result.history, "seconds": result.seconds,
              "train_rows": result.train_rows, "val_rows": result.val_rows, "data": result.data}
    write_text_atomic(hist_path, json.dumps(record, indent=1))
    png = out.with_name(out.stem + ".png")
    plot_history(result.history, png, title=f"{out.name}: {result.config.preset} recipe")
    return {"model": str(out), "history": str(hist_path), "plot": str(png)}


def plot_history(history: dict, path: Path, title: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.5))
    a.plot(epochs, history["loss"], "o-", label="train")
    if "val_loss" in history:
        a.plot(epochs, history["val_loss"], "s--", label="validation")
    a.set_xlabel("epoch"); a.set_ylabel("loss"); a.legend(); a.grid(alpha=0.3)
    b.plot(epochs, history["accuracy"], "o-", label="train")
    if "val_accuracy" in history:
        b.plot(epochs, history["val_accuracy"], "s--", label="validation")
    b.set_xlabel("epoch"); b.set_ylabel("accuracy"); b.legend(); b.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
