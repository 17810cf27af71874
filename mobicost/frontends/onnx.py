"""Read an ONNX file: its nodes in order, shapes from ``onnx``'s shape inference.

Each node that reads the model's input, directly or not, becomes a layer; initializers are the
model's parameters where a node's kind counts them as its weights (a ``Conv``'s, a ``Gemm``'s,
a normalisation's scale and shift), or where they enter an element-wise or data-moving node as
a learned tensor (a position embedding, a class token: a :class:`~mobicost.nets.ops.Param`
layer). Which initializers are parameters, the PyTorch exporter records (a parameter, or a
buffer: batch norm's running statistics, Swin v2's coordinate tables); in a file without that
record, float tensors of more than one element are (integers are shapes and indices, scalars
constants), and batch norm's statistics are still not. A node's module is read from the
PyTorch exporter's metadata (``name_scopes``) or from its ``/features/features.0/Conv`` name,
so layers are named as the module that made them. Only shapes are read from the weights, never
their values, so weights kept outside the file (external data) are not loaded.

What the file holds is what is counted: an exporter that folds batch norm into the convolutions
(``torch.onnx.export(..., optimize=True)``) leaves fewer parameters than the module had, and
PyTorch's leaves out parameters the exported graph never reads (an auxiliary classifier in eval
mode), which the notes then name.
"""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import MobicostError
from ..nets import ops
from ..nets.network import Network
from ..nets.ops import Op
from ..nets.spec import INPUT
from .imported import GraphBuilder, ModelError, imported_network

Made = tuple[Op, list[str], set[str]] | None

ACTIVATIONS = {
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "HardSigmoid": "hsigmoid",
    "HardSwish": "hswish",
    "Tanh": "tanh",
    "Gelu": "gelu",
    "Erf": "erf",
    "Softmax": "softmax",
    "LogSoftmax": "log_softmax",
    "Elu": "elu",
    "LeakyRelu": "leaky_relu",
    "Mish": "mish",
    "Exp": "exp",
    "Sqrt": "sqrt",
    "Reciprocal": "reciprocal",
    "Neg": "neg",
    "Abs": "abs",
    "Pow": "pow",
    "Clip": "clip",
}
ELTWISE = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Max": "max", "Min": "min",
           "Where": "where"}  # fmt: skip
REDUCTIONS = {"ReduceMean": "mean", "ReduceSum": "sum", "ReduceMax": "max", "ReduceL2": "norm"}
VIEWS = {
    "Reshape", "Transpose", "Flatten", "Concat", "Slice", "Gather", "Squeeze", "Unsqueeze",
    "Expand", "Split", "Identity", "Pad", "Tile", "Cast", "CastLike", "DepthToSpace",
    "SpaceToDepth", "GatherElements", "GatherND", "ScatterND", "ScatterElements", "Dropout",
    "SequenceAt",
}  # fmt: skip
#: the PyTorch exporter's record of the exported program's inputs, parameters by name
SIGNATURE = "pkg.torch.export.ExportedProgram.graph_signature"
#: the PyTorch exporter's word for what an initializer was in the module
SIGNATURE_KIND = "pkg.torch.export.graph_signature.InputSpec.kind"
#: nodes with multiply-adds, costed even where their data is a constant
PRODUCTS = {"Conv", "ConvTranspose", "MatMul", "Gemm"}
#: nodes whose output is made from an input's shape, not its values: constants
FACTORIES = {"Shape", "Size", "ConstantOfShape", "Constant", "Equal", "Less", "Greater", "Range"}


def from_onnx(
    path: str | os.PathLike[str],
    *,
    input_shape: Sequence[int] | None = None,
    name: str | None = None,
) -> Network:
    """Cost an ONNX file (its weights inline or in external data beside it) at its input's
    static shape, or ``input_shape`` (without the batch; a 0 keeps the file's size there), a
    batch of one: the same :class:`~mobicost.nets.network.Network` the built-in
    networks are, one layer per node. MACs are ``torch.utils.flop_counter``'s convention
    (FLOPs / 2); parameters are the file's learned tensors."""
    try:
        import onnx
    except ImportError:
        raise MobicostError(
            "reading an ONNX file needs onnx: pip install 'mobicost[onnx]'"
        ) from None
    text = os.fspath(path)
    if not os.path.isfile(text):
        raise ModelError(f"no such ONNX file: {text}")
    try:
        model = onnx.load(text, load_external_data=False)  # parameters' values: only if run
    except Exception as error:
        reason = str(error).strip().splitlines()
        raise ModelError(
            f"{text} is not an ONNX model: {reason[0] if reason else type(error).__name__}"
        ) from None
    return read_with_nodes(text, model, input_shape=input_shape, name=name)[0]


def read_with_nodes(
    path: str, model: Any, *, input_shape: Sequence[int] | None = None, name: str | None = None
) -> tuple[Network, dict[str, str]]:
    """:func:`from_onnx` of the loaded ``model``, and the layer each of its nodes made, by node
    name (a node without one is named ``node_N`` first): how ``mobicost profile`` gives each
    kernel ONNX Runtime times to its layer. ``model``'s input is left at the costed shape."""
    import onnx

    for index, node in enumerate(model.graph.node):
        node.name = node.name or f"node_{index}"
    title = name or os.path.splitext(os.path.basename(path))[0]
    reader = _Reader(onnx, model, title, input_shape, os.path.dirname(path))
    network = reader.network(f"ONNX file {os.path.basename(path)}")
    made = {
        node.name: reader.names[node.output[0]]
        for node in model.graph.node
        if node.output and node.output[0] in reader.names
    }
    return network, made


class _Reader:
    def __init__(
        self,
        onnx: Any,
        model: Any,
        title: str,
        input_shape: Sequence[int] | None = None,
        folder: str = "",
    ) -> None:
        self.onnx = onnx
        self.title = title
        self.folder = folder
        graph = model.graph
        self.initializers = {i.name: i for i in graph.initializer}
        #: what the PyTorch exporter says each initializer was: PARAMETER, BUFFER...
        self.kinds = {
            value.name: prop.value
            for value in [*graph.value_info, *graph.input]
            for prop in value.metadata_props
            if prop.key == SIGNATURE_KIND
        }
        real = [i for i in graph.input if i.name not in self.initializers]
        if len(real) != 1:
            raise ModelError(f"{title}: expected one input tensor, found {len(real)}")
        self.input_name = real[0].name
        dims = [
            d.dim_value if d.HasField("dim_value") else 0
            for d in real[0].type.tensor_type.shape.dim
        ]
        if input_shape is not None:
            if len(input_shape) != len(dims) - 1:
                raise ModelError(
                    f"{title}: its input is {len(dims) - 1}-d (without the batch), "
                    f"not {'x'.join(map(str, input_shape))}"
                )
            dims = [1, *(given or own for given, own in zip(input_shape, dims[1:], strict=True))]
            for dim, size in zip(real[0].type.tensor_type.shape.dim, dims, strict=True):
                dim.Clear()
                dim.dim_value = size
        if not dims or any(d < 1 for d in dims[1:]):
            raise ModelError(
                f"{title}: its input {self.input_name!r} has no static shape "
                f"({'x'.join(str(d) if d else '?' for d in dims) or 'none'}): give one, "
                "--input CxHxW (input_shape= in Python)"
            )
        self._fix_batch(real[0])
        # a file's weights may lie beside it (external data, as a model over protobuf's 2 GB
        # must): their values are not needed, only their shapes, so only constants are read
        self._load_data(model, lambda tensor: not self._learned(tensor))
        try:
            inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
        except Exception as error:
            reason = str(error).strip().splitlines()
            raise ModelError(f"{title}: ONNX shape inference failed: {reason[0]}") from None
        self.model = inferred
        self.shapes: dict[str, tuple[int, ...]] = {}
        for info in [*inferred.graph.value_info, *inferred.graph.output, *inferred.graph.input]:
            shape = info.type.tensor_type.shape
            if all(d.HasField("dim_value") for d in shape.dim):
                self.shapes[info.name] = tuple(int(d.dim_value) for d in shape.dim)
        self.shapes[self.input_name] = (1, *dims[1:])
        self.names: dict[str, str] = {self.input_name: INPUT}
        self.derived: dict[str, frozenset[str]] = {}
        for key, tensor in self.initializers.items():
            if self._learned(tensor):
                self.derived[key] = frozenset({key})
        self.counted: set[str] = set()
        self.param_nodes: dict[str, str] = {}
        self.ran = False
        #: an Identity's output that names a parameter the exporter stored once for several
        #: equal ones (a new model's norm scales, all ones) -> the initializer it reads
        self.aliases: dict[str, str] = {}
        self.copies = _copies(inferred.graph, self.derived)
        self.builder = GraphBuilder(ops.shaped(self.shapes[self.input_name]))

    def _fix_batch(self, value: Any) -> None:
        dim = value.type.tensor_type.shape.dim[0]
        if not dim.HasField("dim_value") or dim.dim_value != 1:
            dim.Clear()
            dim.dim_value = 1

    def _learned(self, tensor: Any) -> bool:
        """A parameter: where the exporter says what each initializer was (PyTorch's records
        its module's parameters and buffers), what it calls a parameter; elsewhere a float
        tensor of more than one element (integers are shapes and indices, scalars constants)."""
        if self.kinds:
            return self.kinds.get(tensor.name) == "PARAMETER"
        floats = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16
        size = 1
        for d in tensor.dims:
            size *= d
        return tensor.data_type in floats and size > 1

    def numel(self, key: str) -> int:
        if key in self.aliases:
            return self.numel(self.aliases[key])
        size = 1
        for d in self.initializers[key].dims:
            size *= d
        return int(size)

    def network(self, source: str) -> Network:
        for node in self.model.graph.node:
            self.node(node)
        unused = sorted(set(self.derived) & set(self.initializers) - self.counted)
        notes = []
        if unused:
            count = sum(self.numel(k) for k in unused)
            notes.append(
                f"Learned tensors no node uses ({count:,}, counted as Param layers): "
                + ", ".join(unused)
                + "."
            )
            for key in unused:
                size = self.numel(key)
                op = ops.Param((size,), size)
                self.builder.add(key, "unused", op, [], (size,), "")
        left = self._left_out()
        if left:
            notes.append(
                "Parameters the exporter names but the file does not hold (the exported graph "
                "never reads them, as an auxiliary classifier in eval mode; their sizes are "
                "not in the file, so not counted): " + ", ".join(left) + "."
            )
        outputs = [self.shapes.get(o.name, ()) for o in self.model.graph.output]
        classes = outputs[0][-1] if outputs and outputs[0] else 0
        return imported_network(
            self.builder.graph(),
            key=self.title,
            title=self.title,
            source=source,
            notes=notes,
            classes=classes,
        )

    def _left_out(self) -> list[str]:
        """The modules whose parameters the PyTorch exporter's signature names (``PARAMETER
        target='aux1.conv.conv.weight'``) but no initializer holds, each with its count:
        ``aux1 (7 tensors)``."""
        signature = next(
            (p.value for p in self.model.graph.metadata_props if p.key == SIGNATURE), ""
        )
        targets = re.findall(r"PARAMETER target='([^']+)'", signature)
        missing = Counter(t.partition(".")[0] for t in targets if t not in self.initializers)
        return [f"{module} ({count} tensors)" for module, count in missing.items()]

    # --- one node ---

    def node(self, node: Any) -> None:
        inputs = [i for i in node.input if i]
        live = [i for i in inputs if i in self.names]
        if node.op_type == "CastLike" and inputs[0] not in self.names:
            live = []  # a constant cast to the type of a tensor: still a constant
        if node.op_type in FACTORIES:
            return
        if not live and not self._constant_data(node, inputs):
            self._derive(node, inputs)
            return
        if node.op_type == "SplitToSequence":  # a view whose parts SequenceAt takes
            self.names[node.output[0]] = self.names[inputs[0]]
            return
        base = _module(node)
        made = self._op(node, inputs)
        op, names, claimed = made
        for key in claimed:
            self.counted |= self.derived.get(key, frozenset())
        extra = [
            self._param_node(i, base)
            for i in inputs
            if i not in self.names and i in self.derived and i not in claimed
        ]
        args = [self.names[i] if i in self.names else self._param_node(i, base) for i in names]
        args += [e for e in extra if e not in args]
        outputs = [o for o in node.output if o] if node.op_type == "Split" else node.output[:1]
        for out in outputs:
            if out not in self.shapes:
                self._run()
            if out not in self.shapes:
                raise ModelError(
                    f"{self.title}: ONNX shape inference left {out!r} ({node.op_type}) "
                    "without a static shape"
                )
            shape = self.shapes[out]
            chosen = op
            if isinstance(op, ops.View | ops.Reduce):
                chosen = type(op)(op.fn, shape)
            elif isinstance(op, ops.Uncosted):
                chosen = ops.Uncosted(op.name, shape)
            fn = f"onnx.{node.op_type}"
            self.names[out] = self.builder.add(base, fn, chosen, args, shape, base)

    def _load_data(self, model: Any, wanted: Callable[[Any], bool]) -> None:
        """Read the external data of the ``wanted`` initializers into ``model``."""
        helper = self.onnx.external_data_helper
        for tensor in model.graph.initializer:
            if helper.uses_external_data(tensor) and wanted(tensor):
                try:
                    helper.load_external_data_for_tensor(tensor, self.folder)
                except OSError as error:
                    raise ModelError(
                        f"{self.title}: the weights file beside it cannot be read "
                        f"({error.strerror or error}): {tensor.name}"
                    ) from None
                tensor.data_location = self.onnx.TensorProto.DEFAULT
                del tensor.external_data[:]

    def _derive(self, node: Any, inputs: Sequence[str]) -> None:
        """A node on parameters and constants alone: what it makes is made of its inputs'
        parameters (a transposed weight), or, where the exporter stored equal parameters once
        and reads the one again, a parameter of its own."""
        if node.output[0] in self.copies:
            self.aliases[node.output[0]] = inputs[0]
            self.derived[node.output[0]] = frozenset({node.output[0]})
            return
        params = frozenset().union(*(self.derived.get(i, frozenset()) for i in inputs))
        if params:
            for out in node.output:
                self.derived[out] = params

    def _constant_data(self, node: Any, inputs: Sequence[str]) -> bool:
        """Whether ``node`` applies learned weights to a constant (Swin v2's position-bias MLP
        on its coordinate table, a buffer): computed in the forward pass, so costed, the
        constant a layer of no parameters."""
        if node.op_type not in PRODUCTS or len(inputs) < 2 or inputs[0] in self.derived:
            return False
        if not any(i in self.derived for i in inputs[1:]) or inputs[0] not in self.shapes:
            return False
        shape = self.shapes[inputs[0]]
        name = self.builder.add(inputs[0], "constant", ops.Param(shape, 0), [], shape, "")
        self.names[inputs[0]] = name
        return True

    def _run(self) -> None:
        """Shapes that static inference could not make (a Slice whose bounds are computed, as
        in Swin's windows): the model run once on zeros, by ONNX Runtime where it is installed
        (every node's output made an output of the graph), else by onnx's reference evaluator
        (slow: minutes for a Swin at 224)."""
        if self.ran:
            return
        self.ran = True
        import numpy

        self._load_data(self.model, lambda tensor: True)
        graph = self.model.graph
        value = next(i for i in graph.input if i.name == self.input_name)
        dtype = self.onnx.helper.tensor_dtype_to_np_dtype(value.type.tensor_type.elem_type)
        feeds = {self.input_name: numpy.zeros(self.shapes[self.input_name], dtype=dtype)}
        try:
            results = self._run_ort(feeds)
        except Exception:  # no onnxruntime, or a model it cannot run: the reference evaluator
            results = self._run_reference(feeds)
        for key, array in results.items():
            if hasattr(array, "shape"):
                self.shapes.setdefault(key, tuple(int(d) for d in array.shape))

    def _run_ort(self, feeds: dict[str, Any]) -> dict[str, Any]:
        import onnxruntime

        model = self.onnx.ModelProto()
        model.CopyFrom(self.model)
        known = {o.name for o in model.graph.output}
        tensors = {
            info.name
            for info in model.graph.value_info
            if info.type.HasField("tensor_type") and info.name not in known
        }
        wanted = [o for node in model.graph.node for o in node.output if o and o not in known]
        for name in wanted:
            info = model.graph.output.add()
            info.name = name
            if name in tensors:  # its element type, where inference found it
                info.type.tensor_type.elem_type = next(
                    v.type.tensor_type.elem_type for v in model.graph.value_info if v.name == name
                )
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = onnxruntime.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        names = [o.name for o in session.get_outputs()]
        return dict(zip(names, session.run(names, feeds), strict=True))

    def _run_reference(self, feeds: dict[str, Any]) -> dict[str, Any]:
        from onnx.reference import ReferenceEvaluator

        try:
            results: Any = ReferenceEvaluator(self.model).run(None, feeds, intermediate=True)
        except Exception as error:
            reason = str(error).strip().splitlines()
            raise ModelError(
                f"{self.title}: ONNX shape inference left shapes unknown, and running the "
                f"model to find them failed: {reason[0] if reason else type(error).__name__}"
            ) from None
        return dict(results)

    def _param_node(self, key: str, base: str) -> str:
        if key in self.param_nodes:
            return self.param_nodes[key]
        roots = self.derived.get(key, frozenset())
        new = sorted(roots - self.counted)
        self.counted |= roots
        size = sum(self.numel(r) for r in new)
        # a tensor made from one initializer (an expanded class token) whose shape inference
        # could not follow keeps the initializer's shape
        source = self.initializers.get(key) or self.initializers.get(min(roots, default=""))
        shape = self.shapes.get(key) or (tuple(source.dims) if source is not None else (size,))
        label = new[0] if len(new) == 1 else base
        op = ops.Param(shape, size)
        owner = label.rpartition(".")[0] if len(new) == 1 else base
        name = self.builder.add(label, "param", op, [], shape, owner)
        self.param_nodes[key] = name
        return name

    def is_param(self, key: str | None) -> bool:
        return bool(key) and key in self.derived and key not in self.names

    def _op(self, node: Any, inputs: Sequence[str]) -> tuple[Op, list[str], set[str]]:
        kind = node.op_type
        attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        out = node.output[0]
        dims = self.shapes.get(out, ())
        handler = _HANDLERS.get(kind)
        if handler is not None:
            made = handler(self, list(node.input), attrs)
            if made is not None:
                return made
        live = [i for i in inputs if i in self.names or i in self.derived]
        if kind in ACTIVATIONS:
            word = ACTIVATIONS[kind]
            if kind == "Clip" and self._clip(node) == (0.0, 6.0):
                word = "relu6"
            return ops.Activation(word), live[:1], set()
        if kind in ELTWISE:
            return ops.Eltwise(ELTWISE[kind]), live, set()
        if kind in REDUCTIONS:
            return ops.Reduce(REDUCTIONS[kind], dims), live[:1], set()
        if kind in VIEWS:
            return ops.View(kind.lower(), dims), live, set()
        return ops.Uncosted(f"onnx.{kind}", dims), live, set()

    def _clip(self, node: Any) -> tuple[float, float] | None:
        bounds = []
        for key in node.input[1:3]:
            tensor = self.initializers.get(key) or self._constant(key)
            if tensor is None:
                return None
            values = self.onnx.numpy_helper.to_array(tensor).reshape(-1)
            bounds.append(float(values[0]))
        return (bounds[0], bounds[1]) if len(bounds) == 2 else None

    def _constant(self, key: str) -> Any:
        for node in self.model.graph.node:
            if node.op_type == "Constant" and node.output[0] == key:
                for attr in node.attribute:
                    if attr.name == "value":
                        return attr.t
        return None


def _module(node: Any) -> str:
    """The module that made ``node``: the exporter's name scopes, or its ``/a/a.b/Op`` name."""
    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            try:
                scopes = ast.literal_eval(prop.value)
            except (ValueError, SyntaxError):
                break
            return str(scopes[-2]) if len(scopes) >= 2 else ""
    if node.name.startswith("/"):  # the TorchScript exporter's /layer1/layer1.0/conv1/Conv
        path = last = ""  # each part is a child's name, or the last part's dotted child
        for part in node.name.strip("/").split("/")[:-1]:
            suffix = part[len(last) :] if last and part.startswith(last + ".") else f".{part}"
            path, last = (path + suffix).lstrip("."), part
        return path
    return ""


def _conv(transposed: bool) -> Callable[[_Reader, list[str], dict[str, Any]], Made]:
    """``Conv`` and ``ConvTranspose``: the paper's 2-d convolution, or any other (1-d, 3-d,
    transposed, whose weight is C_in x C_out / groups x kernel) as a :class:`ops.ConvNd`."""

    def make(reader: _Reader, inputs: list[str], attrs: dict[str, Any]) -> Made:
        return _convolution(reader, inputs, attrs, transposed)

    return make


def _convolution(
    reader: _Reader, inputs: list[str], attrs: dict[str, Any], transposed: bool
) -> Made:
    x, weight = inputs[0], inputs[1]
    bias = inputs[2] if len(inputs) > 2 and reader.is_param(inputs[2]) else None
    shape = reader.shapes.get(weight) or tuple(reader.initializers[weight].dims)
    if len(shape) < 3 or not reader.is_param(weight) or "output_shape" in attrs:
        return None
    spatial = len(shape) - 2
    strides = tuple(int(v) for v in attrs.get("strides", [1] * spatial))
    dilations = tuple(int(v) for v in attrs.get("dilations", [1] * spatial))
    kernel = tuple(int(k) for k in shape[2:])
    if transposed and _auto_pad(attrs) not in ("NOTSET", "VALID"):
        return None  # a transposed convolution's SAME padding follows its output: not read yet
    pads = _pads(attrs, reader.shapes.get(x, ())[2:], kernel, strides, dilations)
    if pads is None:
        return None
    groups = int(attrs.get("group", 1))
    claimed = {k for k in (weight, bias) if k and reader.is_param(k)}
    if spatial == 2 and not transposed:
        op: Op = ops.Conv(
            filters=int(shape[0]),
            kernel=(int(shape[2]), int(shape[3])),
            stride=_pair(strides),
            padding=(pads[0], pads[2], pads[1], pads[3]),
            dilation=_pair(dilations),
            groups=groups,
            has_bias=bias is not None,
        )
        return op, [x], claimed
    op = ops.ConvNd(
        filters=int(shape[1]) * groups if transposed else int(shape[0]),
        kernel=tuple(int(k) for k in shape[2:]),
        stride=strides,
        padding=tuple(zip(pads[:spatial], pads[spatial:], strict=True)),
        dilation=dilations,
        groups=groups,
        has_bias=bias is not None,
        transposed=transposed,
        output_padding=tuple(int(v) for v in attrs.get("output_padding", [0] * spatial))
        if transposed
        else (),
    )
    return op, [x], claimed


def _auto_pad(attrs: dict[str, Any]) -> str:
    """A node's ``auto_pad``: NOTSET (its ``pads`` say), VALID, SAME_UPPER or SAME_LOWER."""
    value = attrs.get("auto_pad", b"NOTSET")
    return value.decode() if isinstance(value, bytes) else str(value)


def _pads(
    attrs: dict[str, Any],
    sizes: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> list[int] | None:
    """ONNX's ``pads`` (every axis's start, then every axis's end), given or made by
    ``auto_pad``: VALID none; SAME_UPPER TensorFlow's 'same' (:func:`ops.same_padding`, the odd
    pixel at the end), SAME_LOWER the odd pixel at the start; None where the input's sizes are
    not known.

    >>> _pads({"auto_pad": b"SAME_UPPER"}, (224, 224), (3, 3), (2, 2), (1, 1))
    [0, 0, 1, 1]
    >>> _pads({"auto_pad": "SAME_LOWER"}, (224, 224), (3, 3), (2, 2), (1, 1))
    [1, 1, 0, 0]
    """
    auto, spatial = _auto_pad(attrs), len(kernel)
    if auto == "NOTSET":
        return [int(p) for p in attrs.get("pads", [0] * 2 * spatial)]
    if auto == "VALID":
        return [0] * 2 * spatial
    if auto not in ("SAME_UPPER", "SAME_LOWER") or len(sizes) != spatial:
        return None
    starts, ends = [], []
    for size, k, s, d in zip(sizes, kernel, strides, dilations, strict=True):
        start, end = ops.same_padding(int(size), k, s, d)
        if auto == "SAME_LOWER":
            start, end = end, start
        starts.append(start)
        ends.append(end)
    return starts + ends


def _gemm(reader: _Reader, inputs: list[str], attrs: dict[str, Any]) -> Made:
    a, b = inputs[0], inputs[1]
    c = inputs[2] if len(inputs) > 2 and inputs[2] else None
    if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
        return None
    if not reader.is_param(b) or (c is not None and not reader.is_param(c)):
        return None
    shape = reader.shapes.get(b) or tuple(reader.initializers[b].dims)
    units = shape[0] if attrs.get("transB", 0) else shape[1]
    op = ops.MatMul(int(units), weight=True, has_bias=c is not None)
    return op, [a], {k for k in (b, c) if k}


def _matmul(reader: _Reader, inputs: list[str], attrs: dict[str, Any]) -> Made:
    a, b = inputs[0], inputs[1]
    shape = reader.shapes.get(b) or (
        tuple(reader.initializers[b].dims) if b in reader.initializers else ()
    )
    if reader.is_param(b) and len(shape) == 2:
        return ops.MatMul(int(shape[1]), weight=True), [a], {b}
    return ops.MatMul(), [a, b], set()


def _einsum(reader: _Reader, inputs: list[str], attrs: dict[str, Any]) -> Made:
    equation = attrs.get("equation", b"")
    text = equation.decode() if isinstance(equation, bytes) else str(equation)
    return ops.Einsum(text), [i for i in inputs if i], set()


def _norm(fn: str) -> Callable[[_Reader, list[str], dict[str, Any]], Made]:
    def make(reader: _Reader, inputs: list[str], attrs: dict[str, Any]) -> Made:
        x = inputs[0]
        learned = [k for k in inputs[1:3] if k and reader.is_param(k)]
        statistics = {k for k in inputs[3:5] if k}  # batch norm's running mean and variance
        if not learned:
            return ops.Norm(fn, 0, 0), [x], statistics
        features = reader.numel(sorted(reader.derived[learned[0]])[0])
        return ops.Norm(fn, features, len(learned)), [x], {*learned, *statistics}

    return make


def _pool(kind: str) -> Callable[[_Reader, list[str], dict[str, Any]], Made]:
    def make(reader: _Reader, inputs: list[str], attrs: dict[str, Any]) -> Made:
        x = inputs[0]
        if len(reader.shapes.get(x, ())) != 4:
            return None
        mode: ops.PoolMode = "max" if "Max" in kind else "avg"
        if kind.startswith("Global"):
            return ops.Pool(mode, output=(1, 1)), [x], set()
        if tuple(attrs.get("dilations", [1, 1])) != (1, 1):
            return None
        kernel = _pair(attrs["kernel_shape"])
        strides = _pair(attrs.get("strides", [1, 1]))
        pads = _pads(attrs, reader.shapes[x][2:], kernel, strides, (1, 1))
        if pads is None:
            return None
        op = ops.Pool(
            mode,
            kernel,
            strides,
            (int(pads[0]), int(pads[2]), int(pads[1]), int(pads[3])),
            bool(attrs.get("ceil_mode", 0)),
        )
        return op, [x], set()

    return make


def _pair(value: Any) -> tuple[int, int]:
    items = [int(v) for v in value]
    return (items[0], items[-1])


_HANDLERS: dict[str, Callable[[_Reader, list[str], dict[str, Any]], Made]] = {
    "Conv": _conv(transposed=False),
    "ConvTranspose": _conv(transposed=True),
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Einsum": _einsum,
    "BatchNormalization": _norm("batch"),
    "LayerNormalization": _norm("layer"),
    "GroupNormalization": _norm("group"),
    "InstanceNormalization": _norm("instance"),
    "MaxPool": _pool("MaxPool"),
    "AveragePool": _pool("AveragePool"),
    "GlobalAveragePool": _pool("GlobalAveragePool"),
    "GlobalMaxPool": _pool("GlobalMaxPool"),
}


def _copies(graph: Any, learned: dict[str, frozenset[str]]) -> set[str]:
    """The outputs of ``Identity`` nodes that stand for parameters the exporter stored once for
    several equal ones (a fresh model's norm scales, all ones, which the TorchScript exporter
    merges): every Identity of a learned initializer that other nodes read as well, all but one
    where only Identities read it. A parameter read by one Identity alone is that parameter
    passed on (Swin v2's query-key-value bias, cloned before its key part is zeroed)."""
    identities: dict[str, list[str]] = {}
    direct: set[str] = set()
    for node in graph.node:
        for name in node.input:
            if name not in learned:
                continue
            if node.op_type == "Identity":
                identities.setdefault(name, []).append(node.output[0])
            else:
                direct.add(name)
    copies: set[str] = set()
    for name, outputs in identities.items():
        copies.update(outputs if name in direct else outputs[1:])
    return copies
