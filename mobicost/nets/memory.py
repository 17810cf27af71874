"""Memory, exact: the bytes each layer reads and writes, and the most activation memory a network
holds at once while it runs.

Conventions, stated once here and in every report's footer:

* A layer reads each of its inputs once, reads its weights once and writes its output once:
  ``bytes moved = input bytes + weight bytes + output bytes``. Weight bytes are the layer's
  parameters as the conventions count them (bias and batch norm included where counted) times
  the weight type's size; activations are elements x batch x the activation type's size.
* Arithmetic intensity is MACs (the whole batch's) per byte moved.
* Peak activation memory runs the layers in order: while a layer runs, its inputs and its output
  are live, and a tensor stays live until its last consumer has run (so residual and concat
  branches hold their tensors). The network's input is live until its last consumer; the last
  layer's output at the end. A view (flatten, dropout at inference, a channel split; in an
  imported model a reshape, permutation, expansion or slice, :func:`is_view`) is no new memory:
  it shares its input's, and keeps it live as long as the view is used; a concatenation, pad,
  roll or contiguous copy is a new tensor. Weights are not activations: they are counted apart
  (``weight_bytes``).

>>> from mobicost.nets.network import network
>>> net = network("mobilenet-v1")
>>> memory = network_memory(net, Workload())
>>> memory.peak_bytes == (112 * 112 * 32 + 112 * 112 * 64) * 4  # the first 1x1: in and out
True
>>> memory.peak_layer.name, memory.weight_bytes == net.params * 4
('separable1.pw1', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, get_args

from ..errors import MobicostError
from . import ops

if TYPE_CHECKING:  # pragma: no cover
    from .network import Layer, Network

DType = Literal["fp32", "fp16", "bf16", "int8"]
#: bytes per element of each data type
DTYPE_BYTES: Mapping[str, int] = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}
DTYPES: tuple[DType, ...] = get_args(DType)
assert tuple(DTYPE_BYTES) == DTYPES

#: kinds whose output is a view of their input: no new memory, no bytes moved
VIEWS = (ops.Flatten, ops.Dropout, ops.Split)


def is_view(op: ops.Op) -> bool:
    """Whether a layer's output is its first input's memory seen another way: no new tensor,
    no bytes moved. A flatten, dropout at inference and a channel split are; so are an
    imported model's reshapes, permutations, expansions and slices (:attr:`ops.View.aliases`),
    where its concatenations, pads, rolls and contiguous copies write new tensors."""
    return isinstance(op, VIEWS) or (isinstance(op, ops.View) and op.aliases)


def allocates(op: ops.Op) -> bool:
    """Whether a layer's output is a new activation tensor: not a view of its input
    (:func:`is_view`), nor a learned tensor read as it is (a class token, a position
    embedding, an embedding's table: :class:`~mobicost.nets.ops.Param`), which lives with the
    weights and is counted there."""
    return not is_view(op) and not isinstance(op, ops.Param)


@dataclass(frozen=True)
class Workload:
    """What a network is run on: a batch size, and the data types of its weights and of its
    activations (seed 000's quantised MobileNet: ``Workload(weights="int8",
    activations="int8")``)."""

    batch: int = 1
    weights: DType = "fp32"
    activations: DType = "fp32"

    def __post_init__(self) -> None:
        if not isinstance(self.batch, int) or isinstance(self.batch, bool) or self.batch < 1:
            raise MobicostError(f"batch must be a positive whole number, got {self.batch!r}")
        for what, dtype in (("weight", self.weights), ("activation", self.activations)):
            if dtype not in DTYPE_BYTES:
                raise MobicostError(
                    f"unknown {what} type {dtype!r}; choose from: {', '.join(DTYPES)}"
                )

    @property
    def weight_size(self) -> int:
        return DTYPE_BYTES[self.weights]

    @property
    def activation_size(self) -> int:
        return DTYPE_BYTES[self.activations]

    def notes(self) -> tuple[str, ...]:
        types = (
            self.weights
            if self.weights == self.activations
            else f"weights {self.weights}, activations {self.activations}"
        )
        return (
            f"Memory: batch {self.batch}, {types}; a layer reads its inputs and weights once and "
            "writes its output once (bytes moved); intensity = MACs / bytes moved; peak "
            "activations: a tensor lives until its last consumer has run, views share memory, "
            "weights apart.",
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "batch": self.batch,
            "weight_dtype": self.weights,
            "activation_dtype": self.activations,
        }


@dataclass(frozen=True)
class LayerMemory:
    """One layer's bytes, for the whole batch."""

    input_bytes: int
    output_bytes: int
    weight_bytes: int
    macs: int  #: the whole batch's multiply-accumulates

    @property
    def moved(self) -> int:
        """Bytes read and written: inputs, weights and output, each once."""
        return self.input_bytes + self.weight_bytes + self.output_bytes

    @property
    def activation_bytes(self) -> int:
        """Inputs and output: what the layer holds while it runs."""
        return self.input_bytes + self.output_bytes

    @property
    def intensity(self) -> Fraction:
        """Arithmetic intensity: MACs per byte moved (0 for a layer that moves nothing)."""
        return Fraction(self.macs, self.moved) if self.moved else Fraction(0)


def layer_memory(layer: Layer, workload: Workload) -> LayerMemory:
    """The bytes ``layer`` moves under ``workload`` (a view moves none)."""
    if is_view(layer.op):
        return LayerMemory(0, 0, 0, 0)
    if isinstance(layer.op, ops.Param):  # read where it is used; nothing written
        return LayerMemory(0, 0, layer.params * workload.weight_size, 0)
    per = workload.batch * workload.activation_size
    return LayerMemory(
        input_bytes=sum(t.elements for t in layer.inputs) * per,
        output_bytes=layer.output.elements * per,
        weight_bytes=layer.params * workload.weight_size,
        macs=int(layer.cost.macs) * workload.batch,
    )


@dataclass(frozen=True)
class NetworkMemory:
    """A network's memory: per layer, and its peak of live activations."""

    workload: Workload
    layers: tuple[LayerMemory, ...]
    live: tuple[int, ...]  #: activation bytes live while each layer runs
    input_bytes: int  #: the network's input, whole batch
    peak_layer: Layer | None  #: the first layer at which the peak is reached

    @property
    def weight_bytes(self) -> int:
        return sum(m.weight_bytes for m in self.layers)

    @property
    def moved(self) -> int:
        return sum(m.moved for m in self.layers)

    @property
    def peak_bytes(self) -> int:
        """The most activation memory live at once (the input's alone if there are no layers)."""
        return max(self.live, default=self.input_bytes)


def tensor_bytes(network: Network, workload: Workload) -> dict[str, int]:
    """The activation tensors' bytes, by the layer that allocates them (``input`` for the
    network's own); a view allocates none."""
    per = workload.batch * workload.activation_size
    size = {"input": network.input.elements * per}
    for layer in network.layers:
        if allocates(layer.op):
            size[layer.name] = layer.output.elements * per
    return size


def live_sets(network: Network, workload: Workload) -> tuple[dict[str, int], list[set[str]]]:
    """The activation tensors (:func:`tensor_bytes`) with their bytes, and, for each layer in
    order, the tensors live while it runs."""
    layers = network.layers
    base = {layer.name: layer.name for layer in layers}  # a view's memory is its input's
    base["input"] = "input"
    for layer in layers:
        if is_view(layer.op):
            base[layer.name] = base[layer.node.inputs[0]]
    size = tensor_bytes(network, workload)
    last_use = {name: -1 for name in size}
    for k, layer in enumerate(layers):
        for name in layer.node.inputs:
            if base[name] in last_use:  # a learned tensor (Param) is no activation
                last_use[base[name]] = max(last_use[base[name]], k)
    if layers and base[layers[-1].name] in last_use:
        final = base[layers[-1].name]
        last_use[final] = max(last_use[final], len(layers) - 1)
    # a tensor is live from the layer that writes it to its last reader, swept in one pass (a
    # scan of every tensor at every layer would take quadratic time on a long network)
    born = {layer.name: k for k, layer in enumerate(layers) if layer.name in size}
    alive = {"input"}  # written before the first layer, and not yet past its last reader
    live = []
    for k, layer in enumerate(layers):
        if layer.name in born:
            alive.add(layer.name)
        held = {name for name in alive if last_use[name] >= k or born.get(name) == k}
        alive = {name for name in held if last_use[name] > k}
        held |= {base[name] for name in layer.node.inputs if base[name] in size}
        live.append(held)
    return size, live


def network_memory(network: Network, workload: Workload) -> NetworkMemory:
    """Per-layer bytes and the peak of live activation memory, in execution order."""
    layers = network.layers
    size, sets = live_sets(network, workload)
    live = [sum(size[name] for name in held) for held in sets]
    peak = layers[live.index(max(live))] if live else None
    return NetworkMemory(
        workload,
        tuple(layer_memory(layer, workload) for layer in layers),
        tuple(live),
        size["input"],
        peak,
    )
