"""Dense networks as the engine runs them: a layer spec plus flat float32 weights.

Layout of the flat weights, layer after layer: the kernel ``W`` of shape (in, out) in row-major
order (``W[i, j]`` at ``i*out + j``, exactly Keras' Dense kernel flattened) followed by the bias of
shape (out,). A layer without bias stores zeros. The move is the argmax of the 3 outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from .fastmath import exp32, expm1_neg32, sigmoid32, tanh32
from .workers import take_task

N_INPUTS, N_OUTPUTS = 7, 3

ACTIVATIONS = ("linear", "relu", "elu", "tanh", "sigmoid", "selu", "softmax")
ACT_CODE = {name: i for i, name in enumerate(ACTIVATIONS)}
LINEAR, RELU, ELU, TANH, SIGMOID, SELU, SOFTMAX = range(7)
HIDDEN_ACTIVATIONS = ("relu", "elu", "tanh", "sigmoid", "selu", "linear")
LANES = 64  # games of one network stepped in lockstep, so each weight multiplies a vector of lanes

_SELU_A = np.float32(1.6732632423543772)
_SELU_S = np.float32(1.0507009873554805)
_SELU_SA = _SELU_S * _SELU_A
_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)


@dataclass(frozen=True)
class NetSpec:
    """The shape of a dense network: 7 -> hidden... -> 3."""

    hidden: tuple[int, ...] = (9, 15)
    """Units of each hidden layer."""
    activations: tuple[str, ...] = ("relu", "relu", "softmax")
    """Activation of each layer, hidden layers then the output layer (len(hidden) + 1 entries)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        object.__setattr__(self, "activations", tuple(str(a) for a in self.activations))
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"hidden layer widths must be >= 1, got {self.hidden}")
        if len(self.activations) != len(self.hidden) + 1:
            raise ValueError(
                f"{len(self.hidden)} hidden layers need {len(self.hidden) + 1} activations, "
                f"got {len(self.activations)}"
            )
        for a in self.activations:
            if a not in ACT_CODE:
                raise ValueError(f"unknown activation {a!r}; supported: {', '.join(ACTIVATIONS)}")
        if "softmax" in self.activations[:-1]:
            raise ValueError("softmax is only supported on the output layer")

    @classmethod
    def uniform(cls, hidden, activation: str = "relu", output: str = "softmax") -> "NetSpec":
        hidden = tuple(hidden)
        return cls(hidden, (activation,) * len(hidden) + (output,))

    @property
    def widths(self) -> tuple[int, ...]:
        return (N_INPUTS, *self.hidden, N_OUTPUTS)

    @property
    def n_layers(self) -> int:
        return len(self.hidden) + 1

    @property
    def n_params(self) -> int:
        w = self.widths
        return sum(w[i] * w[i + 1] + w[i + 1] for i in range(len(w) - 1))

    def layer_slices(self):
        """(kernel slice, kernel shape, bias slice) for each layer of the flat weights."""
        out, p, w = [], 0, self.widths
        for i in range(len(w) - 1):
            k = w[i] * w[i + 1]
            out.append((slice(p, p + k), (w[i], w[i + 1]), slice(p + k, p + k + w[i + 1])))
            p += k + w[i + 1]
        return out

    def describe(self) -> str:
        body = "-".join(str(x) for x in self.widths)
        acts = sorted(set(self.activations[:-1]))
        return f"{body} {'/'.join(acts) if acts else ''}".strip()

    def to_dict(self) -> dict:
        return {"hidden": list(self.hidden), "activations": list(self.activations)}

    @classmethod
    def from_dict(cls, d: dict) -> "NetSpec":
        return cls(tuple(d["hidden"]), tuple(d["activations"]))


@dataclass(frozen=True)
class Network:
    """A network the engine can play: its spec and its flat float32 weights."""

    spec: NetSpec
    weights: np.ndarray

    def __post_init__(self) -> None:
        w = np.ascontiguousarray(self.weights, dtype=np.float32).reshape(-1)
        if w.size != self.spec.n_params:
            raise ValueError(f"{self.spec.describe()} needs {self.spec.n_params} weights, got {w.size}")
        if not np.all(np.isfinite(w)):
            raise ValueError("network weights contain NaN or infinity")
        object.__setattr__(self, "weights", w)

    def layers(self):
        """[(kernel (in, out), bias (out,)), ...] as views of the flat weights."""
        return [(self.weights[k].reshape(shape), self.weights[b]) for k, shape, b in self.spec.layer_slices()]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Outputs (B, 3) for inputs (B, 7), computed by the engine's own kernel."""
        x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, N_INPUTS)
        out = np.empty((x.shape[0], N_OUTPUTS), dtype=np.float32)
        forward_kernel(pack([self]), np.int64(0), x, out)
        return out


class PackedNets(NamedTuple):
    """Several networks in the arrays the kernels read, passed to them as one object."""

    weights: np.ndarray  # float32 (total,): every network's flat weights, one after the other
    offsets: np.ndarray  # int64 (P,): start of network p in ``weights``
    n_layers: np.ndarray  # int64 (P,): layers of network p (hidden + output)
    widths: np.ndarray  # int64 (P, L+1): widths of network p, padded with 0
    acts: np.ndarray  # int64 (P, L): activation codes of network p, padded with 0
    max_width: int  # int64: the widest layer of all, for scratch buffers

    @property
    def count(self) -> int:
        return int(self.offsets.shape[0])


def pack(networks) -> PackedNets:
    networks = list(networks)
    if not networks:
        raise ValueError("no network to pack")
    L = max(n.spec.n_layers for n in networks)
    P = len(networks)
    widths = np.zeros((P, L + 1), dtype=np.int64)
    acts = np.zeros((P, L), dtype=np.int64)
    n_layers = np.zeros(P, dtype=np.int64)
    offsets = np.zeros(P, dtype=np.int64)
    p = 0
    for i, n in enumerate(networks):
        w = n.spec.widths
        widths[i, : len(w)] = w
        acts[i, : n.spec.n_layers] = [ACT_CODE[a] for a in n.spec.activations]
        n_layers[i] = n.spec.n_layers
        offsets[i] = p
        p += n.spec.n_params
    weights = np.concatenate([n.weights for n in networks]).astype(np.float32, copy=False)
    return PackedNets(np.ascontiguousarray(weights), offsets, n_layers, widths, acts, int(widths.max()))


@njit(cache=True, error_model="numpy", forceinline=True)
def activate(v, code):
    if code == RELU:
        return v if v > _ZERO else _ZERO
    if code == TANH:
        return tanh32(v)
    if code == SIGMOID:
        return sigmoid32(v)
    if code == ELU:
        return elu(v)
    if code == SELU:
        return selu(v)
    return v


@njit(cache=True, error_model="numpy", forceinline=True)
def elu(v):
    e = expm1_neg32(v)
    return v if v > _ZERO else e


@njit(cache=True, error_model="numpy", forceinline=True)
def selu(v):
    e = _SELU_SA * expm1_neg32(v)
    return _SELU_S * v if v > _ZERO else e


@njit(cache=True, error_model="numpy")
def forward_rows(nets, k, buf):
    """Forward pass of network ``k`` of ``nets`` (PackedNets) on the input in ``buf[0, :7]``.

    ``buf`` is float32 (2, max_width) scratch; the layers ping-pong between its rows. Returns the
    row that holds the outputs: the logits where the output layer is a softmax (``softmax_row``
    turns them into probabilities; the argmax is the same).
    """
    w = nets.weights
    p = nets.offsets[k]
    nl = nets.n_layers[k]
    widths = nets.widths[k]
    acts = nets.acts[k]
    src = 0
    for layer in range(nl):
        nin = widths[layer]
        nout = widths[layer + 1]
        dst = 1 - src
        for j in range(nout):
            buf[dst, j] = _ZERO
        for i in range(nin):
            xi = buf[src, i]
            base = p + i * nout
            for j in range(nout):
                buf[dst, j] += xi * w[base + j]
        bo = p + nin * nout
        code = acts[layer]
        for j in range(nout):
            buf[dst, j] = activate(buf[dst, j] + w[bo + j], code)
        p = bo + nout
        src = dst
    return src


@njit(cache=True, error_model="numpy")
def softmax_row(buf, r, n):
    """Softmax of ``buf[r, :n]`` in place."""
    m = buf[r, 0]
    for j in range(1, n):
        if buf[r, j] > m:
            m = buf[r, j]
    s = _ZERO
    for j in range(n):
        e = exp32(buf[r, j] - m)
        buf[r, j] = e
        s += e
    for j in range(n):
        buf[r, j] = buf[r, j] / s


@njit(inline="always", cache=True, error_model="numpy")
def lanes_forward(nets, k, x, y, n):
    """``forward_rows`` of network ``k`` for lanes 0..n-1 at once, on flat float32 buffers of max_width*LANES values:
    the value of unit j in lane g sits at ``j*LANES + g``; the inputs are in ``x[:7*LANES]``.

    Per lane these are the operations of ``forward_rows`` in the same order (sum over the inputs
    in ascending order, then the bias, then the activation), so each lane equals the single-game
    forward bit for bit; the lane loop is what LLVM vectorises. The softmax is skipped (argmax
    only). Returns the buffer (x or y) that holds the outputs.
    """
    G = LANES
    w = nets.weights
    p = nets.offsets[k]
    nl = nets.n_layers[k]
    widths = nets.widths[k]
    acts = nets.acts[k]
    for layer in range(nl):
        nin = widths[layer]
        nout = widths[layer + 1]
        for j in range(nout):
            for g in range(n):
                y[j * G + g] = _ZERO
        for i in range(nin):
            base = p + i * nout
            xo = i * G
            for j in range(nout):
                wij = w[base + j]
                yo = j * G
                for g in range(n):
                    y[yo + g] += x[xo + g] * wij
        bo = p + nin * nout
        code = acts[layer]
        for j in range(nout):
            b = w[bo + j]
            yo = j * G
            if code == RELU:
                for g in range(n):
                    v = y[yo + g] + b
                    y[yo + g] = v if v > _ZERO else _ZERO
            elif code == TANH:
                for g in range(n):
                    y[yo + g] = tanh32(y[yo + g] + b)
            elif code == SIGMOID:
                for g in range(n):
                    y[yo + g] = sigmoid32(y[yo + g] + b)
            elif code == ELU:
                for g in range(n):
                    y[yo + g] = elu(y[yo + g] + b)
            elif code == SELU:
                for g in range(n):
                    y[yo + g] = selu(y[yo + g] + b)
            else:  # linear, or the softmax output (its argmax is that of the logits)
                for g in range(n):
                    y[yo + g] = y[yo + g] + b
        p = bo + nout
        x, y = y, x
    return x


@njit(cache=True, error_model="numpy")
def forward_kernel(nets, k, x, out):
    """Outputs of network ``k`` of ``nets`` for each row of ``x`` (softmax applied)."""
    buf = np.empty((2, nets.max_width), dtype=np.float32)
    nl = nets.n_layers[k]
    for g in range(x.shape[0]):
        for i in range(x.shape[1]):
            buf[0, i] = x[g, i]
        r = forward_rows(nets, k, buf)
        if nets.acts[k, nl - 1] == SOFTMAX:
            softmax_row(buf, r, nets.widths[k, nl])
        for j in range(out.shape[1]):
            out[g, j] = buf[r, j]


@njit(nogil=True, cache=True, error_model="numpy")
def move_value_worker(counter, nets, x, value, expected, out):
    """Each network p of ``nets`` on every row of ``x`` (float32 (N, 7)): out[p] is the mean over
    the rows of ``value`` (float64 (N, 3), a value per move) at the network's move (its largest
    output, the first on a tie) or, with ``expected``, weighed by its softmax outputs. A task is
    one network, taken from ``counter`` (``workers.run_workers``); its rows are summed in order, so
    the result does not depend on the number of threads."""
    P = nets.offsets.shape[0]
    buf = np.empty((2, nets.max_width), dtype=np.float32)
    while True:
        p = take_task(counter)
        if p >= P:
            break
        nl = nets.n_layers[p]
        n = nets.widths[p, nl]
        total = 0.0
        for g in range(x.shape[0]):
            for i in range(x.shape[1]):
                buf[0, i] = x[g, i]
            r = forward_rows(nets, p, buf)
            if nets.acts[p, nl - 1] == SOFTMAX:
                softmax_row(buf, r, n)
            if expected:
                for j in range(n):
                    total += np.float64(buf[r, j]) * value[g, j]
            else:
                best = 0
                for j in range(1, n):
                    if buf[r, j] > buf[r, best]:
                        best = j
                total += value[g, best]
        out[p] = total / x.shape[0]
