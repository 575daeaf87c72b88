"""Genetic operators: small pure functions taking an explicit ``numpy.random.Generator``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..engine.net import NetSpec
from .config import GenomeSpace
from .genome import Genome


def random_architecture(rng: np.random.Generator, space: GenomeSpace) -> Genome:
    n = int(rng.integers(space.min_layers, space.max_layers + 1))
    hidden = tuple(int(space.units[i]) for i in rng.integers(0, len(space.units), n))
    return Genome(hidden, str(rng.choice(space.activations)), str(rng.choice(space.optimizers)))


def init_weights(spec: NetSpec, rng: np.random.Generator) -> np.ndarray:
    """Glorot-uniform kernels and zero biases, as Keras initialises a Dense layer."""
    out = np.zeros(spec.n_params, np.float32)
    for ks, (fan_in, fan_out), _ in spec.layer_slices():
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        out[ks] = rng.uniform(-lim, lim, fan_in * fan_out)
    return out


def crossover_weights(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uniform crossover of two weight vectors of the same architecture."""
    mask = rng.random(a.shape[0]) < 0.5
    return np.where(mask, a, b).astype(np.float32)


def crossover_neurons(a: np.ndarray, b: np.ndarray, spec: NetSpec, rng: np.random.Generator) -> np.ndarray:
    """Unit-wise crossover: every unit (hidden or output) takes its incoming weights and its bias
    together from a or from b, so the features a parent's units compute survive intact."""
    out = np.array(a, np.float32, copy=True)
    b = np.asarray(b, np.float32)
    for ks, (fan_in, fan_out), bs in spec.layer_slices():
        from_b = rng.random(fan_out) < 0.5
        k = out[ks].reshape(fan_in, fan_out)
        k[:, from_b] = b[ks].reshape(fan_in, fan_out)[:, from_b]
        out[ks] = k.reshape(-1)
        out[bs] = np.where(from_b, b[bs], out[bs])
    return out


def crossover_architecture(a: Genome, b: Genome, rng: np.random.Generator) -> Genome:
    """Gene-wise crossover: layer count, each layer's units, activation and optimizer each from a or b."""
    n = len(a.hidden) if rng.random() < 0.5 else len(b.hidden)
    hidden = []
    for i in range(n):
        pool = [g.hidden[i] for g in (a, b) if i < len(g.hidden)]
        hidden.append(int(pool[int(rng.integers(0, len(pool)))]))
    act = a.activation if rng.random() < 0.5 else b.activation
    opt = a.optimizer if rng.random() < 0.5 else b.optimizer
    return Genome(tuple(hidden), act, opt, origin="crossover")


def mutate_architecture(g: Genome, rng: np.random.Generator, space: GenomeSpace) -> Genome:
    """Change one gene: add or remove a layer, resize a layer, the activation or the optimizer."""
    choices = ["units", "activation", "optimizer"]
    if len(g.hidden) < space.max_layers:
        choices.append("add")
    if len(g.hidden) > space.min_layers:
        choices.append("remove")
    what = choices[int(rng.integers(0, len(choices)))]
    hidden = list(g.hidden)
    if what == "units":
        i = int(rng.integers(0, len(hidden)))
        hidden[i] = int(rng.choice(space.units))
    elif what == "add":
        hidden.insert(int(rng.integers(0, len(hidden) + 1)), int(rng.choice(space.units)))
    elif what == "remove":
        hidden.pop(int(rng.integers(0, len(hidden))))
    elif what == "activation":
        return replace(g, activation=str(rng.choice(space.activations)), origin="mutated")
    else:
        return replace(g, optimizer=str(rng.choice(space.optimizers)), origin="mutated")
    return replace(g, hidden=tuple(hidden), origin="mutated")


def mutate_weights(w: np.ndarray, rng: np.random.Generator, rate: float, sigma: float) -> np.ndarray:
    """Gaussian noise (std ``sigma``) on a random fraction ``rate`` of the weights (at least one)."""
    w = np.array(w, np.float32, copy=True)
    if rate <= 0 or sigma <= 0 or w.size == 0:
        return w
    mask = rng.random(w.size) < rate
    if not mask.any():
        mask[int(rng.integers(0, w.size))] = True
    w[mask] += rng.normal(0.0, sigma, int(mask.sum())).astype(np.float32)
    return w


def self_adapt_sigma(sigma: float, rng: np.random.Generator, tau: float, lo: float, hi: float) -> float:
    """A child's own mutation step size: the parent's times exp(tau * N(0, 1)) (log-normal
    self-adaptation, as in evolution strategies), kept within [lo, hi]."""
    return float(np.clip(sigma * np.exp(tau * rng.standard_normal()), lo, hi))


def transplant(parent_weights: np.ndarray, parent_spec: NetSpec, child_spec: NetSpec,
               rng: np.random.Generator) -> np.ndarray:
    """Child weights that keep what they can of a parent's: layer by layer, the overlapping block
    of each kernel and bias is copied; the rest is freshly initialised."""
    out = init_weights(child_spec, rng)
    pl, cl = parent_spec.layer_slices(), child_spec.layer_slices()
    # align the first layers and the output layers; inner layers pair up in order
    pairs = list(zip(range(len(cl) - 1), range(len(pl) - 1))) + [(len(cl) - 1, len(pl) - 1)]
    for ci, pi in pairs:
        cks, (cin, cout), cbs = cl[ci]
        pks, (pin, pout), pbs = pl[pi]
        ck = out[cks].reshape(cin, cout)
        pk = parent_weights[pks].reshape(pin, pout)
        r, c = min(cin, pin), min(cout, pout)
        ck[:r, :c] = pk[:r, :c]
        out[cks] = ck.reshape(-1)
        cb = out[cbs]
        cb[:c] = parent_weights[pbs][:c]
        out[cbs] = cb
    return out


def mirrored_noise(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """``n`` standard normal directions of ``d`` dimensions in mirrored pairs (eps, -eps), float64
    (n, d); an odd ``n`` ends with one unpaired direction. Mirroring cancels the noise of the
    gradient estimate's even part."""
    half = rng.standard_normal((n // 2, d))
    rows = [half, -half]
    if n % 2:
        rows.append(rng.standard_normal((1, d)))
    return np.concatenate(rows)


def rank_utilities(fitness: np.ndarray) -> np.ndarray:
    """NES fitness shaping: the k-th fittest of n gets max(0, ln(n/2 + 1) - ln k), normalised to
    sum to 1, minus 1/n (so the utilities sum to 0). Only the ranks matter: neither the fitness scale
    nor an outlier can dominate a step. Ties: the earlier ranks higher."""
    f = np.asarray(fitness, np.float64)
    n = f.size
    raw = np.maximum(0.0, np.log(n / 2 + 1) - np.log(np.arange(1, n + 1)))
    u = np.empty(n)
    u[np.argsort(-f, kind="stable")] = raw / raw.sum() - 1.0 / n
    return u


def snes_lr_sigma(d: int) -> float:
    """SNES's default learning rate of the sigmas for ``d`` parameters: (3 + ln d) / (5 sqrt d)."""
    return float((3 + np.log(d)) / (5 * np.sqrt(d)))


def snes_update(mean: np.ndarray, sigma: np.ndarray, eps: np.ndarray, utilities: np.ndarray,
                lr_mean: float, lr_sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """One step of the separable natural evolution strategy (SNES, Schaul, Glasmachers and
    Schmidhuber 2011): the samples were ``mean + sigma * eps[k]``; the natural gradient moves the
    mean by ``lr_mean * sigma * sum_k u_k eps_k`` and scales each sigma by
    ``exp(lr_sigma / 2 * sum_k u_k (eps_k**2 - 1))``. Returns new arrays (float64)."""
    u = np.asarray(utilities, np.float64)
    new_mean = mean + lr_mean * sigma * (u @ eps)
    new_sigma = sigma * np.exp(0.5 * lr_sigma * (u @ (eps * eps - 1.0)))
    return new_mean, new_sigma
