"""Any costed network as an ONNX model (extra ``mobicost[onnx]``): the same graph that mobicost
costs, written with the ``onnx`` package alone (no PyTorch), with random weights, to run in ONNX
Runtime or any other ONNX runtime.

Each node of the layer graph becomes the ONNX operators PyTorch's exporter would write for the
module :func:`mobicost.nets.pytorch.to_torch` builds for it, in the same order:

* a convolution: ``Conv`` (TensorFlow's 'same' padding as explicit, possibly asymmetric, pads),
  then ``BatchNormalization`` where the spec has batch norm, then the activation;
* a fully connected layer: ``Flatten`` where its input is a feature map, then ``Gemm``;
* pooling: ``MaxPool``/``AveragePool`` (``count_include_pad`` as PyTorch), global pooling
  ``GlobalAveragePool``/``GlobalMaxPool``, adaptive average pooling as a pool where the sizes
  divide and as two fixed averaging ``MatMul`` s where they do not;
* squeeze-and-excitation: ``GlobalAveragePool``, two 1x1 ``Conv`` s, the gate, ``Mul``;
* add, concat, channel split and shuffle: ``Add``, ``Concat``, ``Slice``, and
  ``Reshape``-``Transpose``-``Reshape``; dropout: nothing (inference).

Activations: ``Relu``, ``Clip`` (ReLU6), ``HardSwish``, ``HardSigmoid`` (alpha 1/6, beta 1/2, as
PyTorch's), ``Sigmoid``, ``Tanh``, and swish as ``x * Sigmoid(x)`` (ONNX has no SiLU; runtimes
fuse the pair).

Every tensor a node outputs is named as the node (``stage2.1.conv1``); its weights are named as
the parameters and buffers of :func:`~mobicost.nets.pytorch.to_torch`'s model
(``blocks.stage2__1__conv1.conv.weight``), so the very weights can be loaded into PyTorch and the
two compared. A bias is written where the network's conventions put one, batch norm where the
spec has it (whether or not the conventions count its parameters).

>>> from mobicost.nets.network import network
>>> model = to_onnx(network("mobilenet-v1", alpha="0.25", resolution=32))   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..errors import MobicostError
from ..nets import ops
from ..nets.pytorch import module_name

if TYPE_CHECKING:  # pragma: no cover
    from ..nets.network import Layer, Network

#: the ONNX operator set written: ONNX 1.16's (2024), run by ONNX Runtime 1.18 and newer
OPSET = 21

INSTALL_HINT = "onnx is not installed: pip install 'mobicost[onnx]'"


def require_onnx() -> Any:
    """Import onnx, or raise a :class:`MobicostError` saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise MobicostError(INSTALL_HINT) from None
    return onnx


def to_onnx(network: Network, *, batch: int = 1, seed: int = 0) -> Any:
    """``network`` as an ``onnx.ModelProto`` with random weights (drawn from ``seed``) and a
    fixed batch of ``batch``; checked by ONNX's own checker and shape inference, whose shapes
    must be mobicost's."""
    onnx = require_onnx()
    import numpy

    if batch < 1:
        raise MobicostError(f"batch {batch} is not a positive whole number")
    writer = _Writer(onnx, numpy, numpy.random.default_rng(seed), batch, network.conventions)
    values = {"input": "input"}
    for layer in network.layers:
        values[layer.name] = writer.layer(layer, [values[name] for name in layer.node.inputs])
    helper = onnx.helper
    last = network.layers[-1] if network.layers else None
    output = helper.make_tensor_value_info(
        values[last.name] if last else "input",
        onnx.TensorProto.FLOAT,
        list((last.output if last else network.input).torch_shape(batch)),
    )
    graph = helper.make_graph(
        writer.nodes,
        network.name,
        [
            helper.make_tensor_value_info(
                "input", onnx.TensorProto.FLOAT, list(network.input.torch_shape(batch))
            )
        ],
        [output],
        writer.weights,
    )
    from .. import __version__

    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="mobicost",
        producer_version=__version__,
        doc_string=f"{network.name}, random weights (seed {seed}), written by mobicost",
    )
    model.ir_version = min(model.ir_version, 10)  # ONNX 1.16's, which runtimes of 2024 read
    helper.set_model_props(
        model,
        {
            "mobicost.network": network.name,
            "mobicost.macs": str(network.total.macs),
            "mobicost.params": str(network.params),
        },
    )
    _check(onnx, model, network, batch)
    return model


def save_onnx(network: Network, path: str, *, batch: int = 1, seed: int = 0) -> int:
    """Write :func:`to_onnx`'s model to ``path`` (atomically: never a partial file); its size in
    bytes."""
    from ..render.formats import write_output

    data = to_onnx(network, batch=batch, seed=seed).SerializeToString()
    write_output(path, data)
    return len(data)


def _check(onnx: Any, model: Any, network: Network, batch: int) -> None:
    """ONNX's checker, and its shape inference agreeing with mobicost's shapes, node by node."""
    try:
        onnx.checker.check_model(model)
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    except Exception as error:  # pragma: no cover - a writer bug, not bad input
        raise MobicostError(f"{network.name}: the ONNX model is invalid: {error}") from None
    shapes = {
        value.name: tuple(d.dim_value for d in value.type.tensor_type.shape.dim)
        for value in (*inferred.graph.value_info, *inferred.graph.output)
    }
    for layer in network.layers:
        expected = layer.output.torch_shape(batch)
        if shapes.get(layer.name, expected) != expected:  # pragma: no cover - a writer bug
            raise MobicostError(
                f"{layer.name}: ONNX infers {shapes[layer.name]}, mobicost {expected}"
            )


class _Writer:
    """Nodes and weights, added layer by layer."""

    def __init__(self, onnx: Any, numpy: Any, rng: Any, batch: int, conventions: Any) -> None:
        self.onnx, self.np, self.rng, self.batch = onnx, numpy, rng, batch
        self.conventions = conventions
        self.nodes: list[Any] = []
        self.weights: list[Any] = []
        self.layer_: Layer | None = None
        self.prefix = ""

    # --- plumbing ---

    def node(self, op_type: str, inputs: list[str], part: str, **attributes: Any) -> str:
        """One operator of the current layer; its output's name (the layer's own name for the
        layer's last operator, which :meth:`layer` renames)."""
        assert self.layer_ is not None
        output = f"{self.layer_.name}/{part}"
        self.nodes.append(
            self.onnx.helper.make_node(op_type, inputs, [output], name=output, **attributes)
        )
        return output

    def weight(self, name: str, array: Any) -> str:
        full = f"{self.prefix}.{name}"
        self.weights.append(self.onnx.numpy_helper.from_array(array, full))
        return full

    def constant(self, name: str, values: Any, dtype: str = "int64") -> str:
        return self.weight(name, self.np.asarray(values, dtype=dtype))

    def random(self, shape: tuple[int, ...], fan_in: int) -> Any:
        """He-normal weights, so that activations stay of order one through deep networks."""
        scale = self.np.float32((2.0 / max(fan_in, 1)) ** 0.5)
        return self.rng.standard_normal(shape, dtype="float32") * scale

    def layer(self, layer: Layer, inputs: list[str]) -> str:
        self.layer_, self.prefix = layer, f"blocks.{module_name(layer)}"
        start = len(self.nodes)
        value = self.body(layer, inputs)
        if not isinstance(layer.op, ops.SqueezeExcite):  # whose act is its own, inside
            if layer.op.bn:
                value = self.batch_norm(value, layer.output.c)
            value = self.activation(value, layer.op.act, "act")
        if len(self.nodes) == start or value in inputs:  # nothing written: an identity
            value = self.node("Identity", [value], "identity")
        last = self.nodes[-1]
        assert last.output[0] == value
        last.output[0] = layer.name
        return layer.name

    # --- layers ---

    def body(self, layer: Layer, inputs: list[str]) -> str:
        op, x, out = layer.op, layer.inputs[0], layer.output
        bias = self.conventions.bias_on(op.bias_class)
        if isinstance(op, ops.Conv):
            return self.conv(inputs[0], x, out.c, op, bias, "conv")
        if isinstance(op, ops.Linear):
            value = inputs[0]
            if not x.flat:
                value = self.node("Flatten", [value], "flatten", axis=1)
            w = self.weight("fc.weight", self.random((out.c, x.c), x.c))
            gemm_inputs = [value, w]
            if bias:
                gemm_inputs.append(self.weight("fc.bias", self.np.zeros(out.c, "float32")))
            return self.node("Gemm", gemm_inputs, "fc", transB=1)
        if isinstance(op, ops.Pool):
            return self.pool(inputs[0], x, out, op)
        if isinstance(op, ops.GlobalPool):
            kind = "GlobalAveragePool" if op.mode == "avg" else "GlobalMaxPool"
            return self.node(kind, [inputs[0]], "pool")
        if isinstance(op, ops.SqueezeExcite):
            return self.squeeze_excite(inputs[0], x.c, op, bias)
        if isinstance(op, ops.Shuffle):
            return self.shuffle(inputs[0], x, op.groups)
        if isinstance(op, ops.Flatten):
            return self.node("Flatten", [inputs[0]], "flatten", axis=1)
        if isinstance(op, ops.Add):
            value = inputs[0]
            for i, other in enumerate(inputs[1:], 1):
                value = self.node("Add", [value, other], f"add{i}")
            return value
        if isinstance(op, ops.Concat):
            return self.node("Concat", inputs, "concat", axis=1)
        if isinstance(op, ops.Split):
            size = x.c // op.parts
            starts = self.constant("split.starts", [op.index * size])
            ends = self.constant("split.ends", [(op.index + 1) * size])
            axes = self.constant("split.axes", [1])
            return self.node("Slice", [inputs[0], starts, ends, axes], "split")
        if isinstance(op, ops.Dropout | ops.BatchNorm | ops.Activation):
            return inputs[0]  # dropout is the identity at inference; bn and act follow
        raise MobicostError(f"{layer.name}: no ONNX operator for the layer kind {op.kind!r}")

    def conv(
        self, value: str, x: ops.Tensor, filters: int, op: ops.Conv, bias: bool, part: str
    ) -> str:
        fan_in = x.c // op.groups * op.kernel[0] * op.kernel[1]
        w = self.weight(
            f"{part}.weight", self.random((filters, x.c // op.groups, *op.kernel), fan_in)
        )
        top, bottom, left, right = ops.explicit_pads(
            op.padding, x, op.kernel, op.stride, op.dilation
        )
        inputs = [value, w]
        if bias:
            inputs.append(self.weight(f"{part}.bias", self.np.zeros(filters, "float32")))
        return self.node(
            "Conv",
            inputs,
            part,
            kernel_shape=list(op.kernel),
            strides=list(op.stride),
            dilations=list(op.dilation),
            group=op.groups,
            pads=[top, left, bottom, right],
        )

    def batch_norm(self, value: str, c: int) -> str:
        np, rng = self.np, self.rng
        scale = self.weight("bn.weight", (1 + 0.1 * rng.standard_normal(c)).astype("float32"))
        shift = self.weight("bn.bias", (0.1 * rng.standard_normal(c)).astype("float32"))
        mean = self.weight("bn.running_mean", (0.1 * rng.standard_normal(c)).astype("float32"))
        var = self.weight("bn.running_var", np.ones(c, "float32"))
        return self.node("BatchNormalization", [value, scale, shift, mean, var], "bn", epsilon=1e-5)

    def activation(self, value: str, act: str | None, part: str) -> str:
        if act is None:
            return value
        if act == "relu6":
            low = self.weight(f"{part}.min", self.np.asarray(0, "float32"))
            high = self.weight(f"{part}.max", self.np.asarray(6, "float32"))
            return self.node("Clip", [value, low, high], part)
        if act == "swish":
            gate = self.node("Sigmoid", [value], f"{part}.sigmoid")
            return self.node("Mul", [value, gate], part)
        if act == "hsigmoid":
            return self.node("HardSigmoid", [value], part, alpha=1 / 6, beta=0.5)
        simple = {"relu": "Relu", "hswish": "HardSwish", "sigmoid": "Sigmoid", "tanh": "Tanh"}
        return self.node(simple[act], [value], part)

    def pool(self, value: str, x: ops.Tensor, out: ops.Tensor, op: ops.Pool) -> str:
        kind = "AveragePool" if op.mode == "avg" else "MaxPool"
        if op.output is not None:  # adaptive
            if (x.h, x.w) == (out.h, out.w):
                return value
            if x.h % out.h == 0 and x.w % out.w == 0:
                window = [x.h // out.h, x.w // out.w]
                return self.node(kind, [value], "pool", kernel_shape=window, strides=window)
            if op.mode != "avg":
                raise MobicostError(
                    f"{self.layer_.name if self.layer_ else ''}: adaptive max pooling from "
                    f"{x.h}x{x.w} to {out.h}x{out.w} has no ONNX operator (the sizes must divide)"
                )
            rows = self.weight("pool.rows", _averaging(self.np, x.h, out.h))
            cols = self.weight("pool.cols", _averaging(self.np, x.w, out.w).T.copy())
            value = self.node("MatMul", [value, cols], "pool.cols")
            return self.node("MatMul", [rows, value], "pool")
        top, bottom, left, right = ops.explicit_pads(op.padding, x, op.kernel, op.stride, (1, 1))
        attributes: dict[str, Any] = {
            "kernel_shape": list(op.kernel),
            "strides": list(op.stride),
            "pads": [top, left, bottom, right],
            "ceil_mode": int(op.ceil_mode),
        }
        if op.mode == "avg":
            attributes["count_include_pad"] = 1  # PyTorch's AvgPool2d default
        return self.node(kind, [value], "pool", **attributes)

    def squeeze_excite(self, value: str, c: int, op: ops.SqueezeExcite, bias: bool) -> str:
        squeezed = self.node("GlobalAveragePool", [value], "pool")
        one = ops.Conv(filters=op.squeeze, kernel=(1, 1), padding=(0, 0, 0, 0))
        pooled = ops.Tensor(c, 1, 1)
        hidden = self.conv(squeezed, pooled, op.squeeze, one, bias, "fc1")
        hidden = self.activation(hidden, op.act, "se_act")
        back = ops.Conv(filters=c, kernel=(1, 1), padding=(0, 0, 0, 0))
        scale = self.conv(hidden, ops.Tensor(op.squeeze, 1, 1), c, back, bias, "fc2")
        gate = self.activation(scale, op.gate, "gate")
        return self.node("Mul", [value, gate], "scale")

    def shuffle(self, value: str, x: ops.Tensor, groups: int) -> str:
        split = self.constant("shuffle.grouped", [self.batch, groups, x.c // groups, x.h, x.w])
        merged = self.constant("shuffle.merged", [self.batch, x.c, x.h, x.w])
        value = self.node("Reshape", [value, split], "shuffle.grouped")
        value = self.node("Transpose", [value], "shuffle.swapped", perm=[0, 2, 1, 3, 4])
        return self.node("Reshape", [value, merged], "shuffle")


def _averaging(numpy: Any, size: int, out: int) -> Any:
    """The (out x size) matrix of PyTorch's adaptive average pooling along one axis: row i
    averages ``[floor(i size / out), ceil((i + 1) size / out))``."""
    matrix = numpy.zeros((out, size), "float32")
    for i in range(out):
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        matrix[i, start:end] = float(Fraction(1, end - start))
    return matrix


#: the operator set a user's own module is exported at: the TorchScript exporter's
MODULE_OPSET = 17


def export_module(module: Any, input_shape: Sequence[int], path: str, *, batch: int = 1) -> int:
    """Write a user's own ``torch.nn.Module`` to ``path`` as ONNX, its own weights, with
    ``torch.onnx.export``'s TorchScript exporter (opset :data:`MODULE_OPSET`), as
    :func:`~mobicost.frontends.torch.from_torch` traced it (eval mode, no fused attention), on
    a fixed batch of ``batch`` inputs of ``input_shape``; atomically (never a partial file).
    Its size in bytes. A module the exporter cannot write is a one-line
    :class:`MobicostError`."""
    import io
    import warnings
    from contextlib import redirect_stdout

    from ..frontends.torch import _inference
    from ..nets.pytorch import require_torch
    from ..render.formats import write_output

    torch = require_torch()
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise MobicostError(f"batch {batch} is not a positive whole number")
    buffer = io.BytesIO()
    chatter = io.StringIO()  # the exporter prints its graph where it fails: the error says it
    try:
        with warnings.catch_warnings(), _inference(torch, module), redirect_stdout(chatter):
            warnings.simplefilter("ignore")
            x = torch.randn((batch, *input_shape), generator=torch.Generator().manual_seed(0))
            torch.onnx.export(
                module, (x,), buffer, opset_version=MODULE_OPSET, dynamo=False,
                input_names=["input"], output_names=["output"],
            )  # fmt: skip
    except Exception as error:
        reason = str(error).strip().splitlines()
        raise MobicostError(
            "torch.onnx.export cannot export the module: "
            + (reason[0] if reason else type(error).__name__)
        ) from None
    data = buffer.getvalue()
    write_output(path, data)
    return len(data)
