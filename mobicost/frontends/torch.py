"""Read a PyTorch module: run it once on a batch of one and record every ATen operation.

The reader works where ``torch.utils.flop_counter.FlopCounterMode`` does, at the dispatcher: a
``TorchDispatchMode`` sees each operation after PyTorch has decomposed it (``nn.Linear`` on
tokens is a ``view``, an ``addmm`` and a ``view``), and ``torch.utils.module_tracker`` says which
module ran it, so every node is attributed to the module torch's counter would charge. Each
operation that reads the model's input, directly or not, becomes a node; a tensor is known by
the node that made it, a parameter by its name. Operations on parameters alone (``t(weight)``)
and constants (masks, indices) make no node: a parameter is counted by the node that reads it,
either as its kind's weight (a convolution's, a linear layer's, a normalisation's vectors) or as
a :class:`~mobicost.nets.ops.Param` node of its own (ViT's class token).

Chosen over ``torch.fx`` and ``torch.export`` because it runs any module that runs in eager
mode (data-dependent Python included) and sees exactly the operations torch's own counter sees.

Two settings make the operations those of the model rather than of a shortcut: the module runs
in eval mode (restored after), and ``nn.MultiheadAttention``'s fused fast path is turned off for
the run (under ``no_grad`` it would hide its projections and attention inside one
``_native_multi_head_attention`` call that no counter costs).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..errors import MobicostError
from ..nets import ops
from ..nets.network import Network
from ..nets.ops import Op
from ..nets.spec import INPUT
from .imported import GraphBuilder, ModelError, imported_network

Shape = tuple[int, ...]

#: unary operations: ATen's name -> mobicost's activation word
ACTIVATIONS = {
    "relu": "relu",
    "hardtanh": "hardtanh",
    "silu": "swish",
    "gelu": "gelu",
    "sigmoid": "sigmoid",
    "hardsigmoid": "hsigmoid",
    "hardswish": "hswish",
    "tanh": "tanh",
    "_softmax": "softmax",
    "softmax": "softmax",
    "_log_softmax": "log_softmax",
    "elu": "elu",
    "leaky_relu": "leaky_relu",
    "mish": "mish",
    "erf": "erf",
    "exp": "exp",
    "sqrt": "sqrt",
    "rsqrt": "rsqrt",
    "neg": "neg",
    "abs": "abs",
    "pow": "pow",
    "clamp": "clamp",
    "clamp_min": "clamp",
}
ELTWISE = {"add", "sub", "rsub", "mul", "div", "maximum", "minimum", "masked_fill", "where"}
REDUCTIONS = {"mean": "mean", "sum": "sum", "amax": "max", "max": "max",
              "linalg_vector_norm": "norm"}  # fmt: skip
#: operations with multiply-adds, costed even where they read no activation
PRODUCTS = {"convolution", "addmm", "mm", "bmm", "baddbmm", "addbmm"}
VIEWS = {
    "view", "_unsafe_view", "reshape", "permute", "transpose", "t", "expand", "unsqueeze",
    "squeeze", "select", "slice", "clone", "alias", "contiguous", "cat", "stack", "roll",
    "constant_pad_nd", "index", "flatten", "unflatten", "split", "split_with_sizes", "unbind",
    "chunk", "as_strided", "as_strided_", "detach", "_to_copy", "narrow", "repeat", "flip",
    "gather", "index_select", "pixel_shuffle", "channel_shuffle", "native_channel_shuffle",
    "lift_fresh", "copy", "expand_as", "_reshape_alias", "split_with_sizes_copy",
    "unsafe_split", "movedim", "dropout", "native_dropout", "embedding",
}  # fmt: skip
#: operations that make a new tensor from another's shape only: constants, not nodes
FACTORIES = {
    "new_zeros", "new_ones", "new_empty", "new_full", "zeros_like", "ones_like", "empty_like",
    "full_like", "rand_like", "randn_like", "eq", "ne", "lt", "le", "gt", "ge", "sym_size",
    "fill", "zero", "arange", "empty", "zeros", "ones", "full",
}  # fmt: skip
ATTENTION = {
    "_scaled_dot_product_flash_attention_for_cpu",
    "_scaled_dot_product_flash_attention",
    "_scaled_dot_product_efficient_attention",
    "_scaled_dot_product_cudnn_attention",
    "scaled_dot_product_attention",
}
POOLS = {
    "max_pool2d_with_indices",
    "max_pool2d",
    "avg_pool2d",
    "_adaptive_avg_pool2d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool2d",
}


def from_torch(
    module: Any,
    input_shape: Sequence[int] = (3, 224, 224),
    *,
    name: str | None = None,
    tokens: bool = False,
) -> Network:
    """Cost a ``torch.nn.Module`` on one input of ``input_shape`` (without the batch): the same
    :class:`~mobicost.nets.network.Network` the built-in networks are, one layer per operation,
    named by the module that ran it. MACs are ``torch.utils.flop_counter``'s (FLOPs / 2), its
    attention products included; parameters are the model's own, ``sum(p.numel())``. With
    ``tokens``, the input is token ids (int64) of that shape, as a language model takes: a
    sequence length, ``(128,)``.

    >>> import torch  # doctest: +SKIP
    >>> net = from_torch(torch.nn.Conv2d(3, 8, 3), (3, 32, 32))  # doctest: +SKIP
    >>> net.total.macs, net.params  # doctest: +SKIP
    (194400, 224)
    """
    return traced(module, input_shape, name=name, record=False, tokens=tokens)[0]


#: one traced operation as it ran: the ATen function, its arguments and keyword arguments
Call = tuple[Any, Any, Any]


def traced(
    module: Any,
    input_shape: Sequence[int] = (3, 224, 224),
    *,
    name: str | None = None,
    record: bool = True,
    tokens: bool = False,
) -> tuple[Network, dict[str, Call]]:
    """:func:`from_torch`, and (with ``record``) each layer's operation as it ran, by layer
    name, with its real arguments, kept alive: what ``mobicost profile`` times, operation by
    operation, in PyTorch eager."""
    from ..nets.pytorch import require_torch

    torch = require_torch()
    if not isinstance(module, torch.nn.Module):
        raise ModelError(f"expected a torch.nn.Module, got {type(module).__name__}")
    shape = _input_shape(input_shape)
    title = name or type(module).__name__
    tracer = _Tracer(torch, module, record=record, tokens=tokens)
    graph = tracer.run(shape)
    notes = []
    if tracer.unused:
        count = sum(tracer.unused.values())
        notes.append(
            f"Parameters no operation uses ({count:,}, counted as Param layers): "
            + ", ".join(tracer.unused)
            + "."
        )
    network = imported_network(
        graph,
        key=title,
        title=title,
        source=f"PyTorch {type(module).__name__}, traced on a {'x'.join(map(str, shape))} "
        + ("input of token ids" if tokens else "input"),
        notes=notes,
        classes=tracer.classes,
    )
    return network, tracer.calls


def _input_shape(shape: Sequence[int]) -> Shape:
    dims = tuple(shape)
    if not dims or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dims):
        raise MobicostError(
            f"input shape must be positive whole numbers such as (3, 224, 224), got {shape!r}"
        )
    return dims


@contextlib.contextmanager
def _inference(torch: Any, module: Any) -> Iterator[None]:
    """Eval mode, no autograd, no fused attention fast path; all restored after."""
    training = module.training
    mha = torch.backends.mha
    fast = mha.get_fastpath_enabled()
    module.eval()
    mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad():
            yield
    finally:
        mha.set_fastpath_enabled(fast)
        module.train(training)


class _Tracer:
    """Runs the module under a dispatch mode, turning operations into graph nodes."""

    def __init__(
        self, torch: Any, module: Any, *, record: bool = False, tokens: bool = False
    ) -> None:
        self.torch = torch
        self.keep_calls = record
        self.module = module
        self.tokens = tokens  #: the input is token ids (int64), not an image or features
        #: id of a live tensor the input reaches -> its node's name
        self.names: dict[int, str] = {}
        #: id of a live tensor made from parameters alone -> those parameters' names
        self.derived: dict[int, frozenset[str]] = {}
        self.params: dict[int, str] = {}
        self.numel: dict[str, int] = {}
        self.counted: set[str] = set()
        self.param_nodes: dict[int, str] = {}
        self.unused: dict[str, int] = {}
        for pname, p in module.named_parameters():
            self.params[id(p)] = pname
            self.numel[pname] = p.numel()
            self.derived[id(p)] = frozenset({pname})
        self.buffers = {id(b): name for name, b in module.named_buffers()}
        self.builder: GraphBuilder | None = None
        self.calls: dict[str, Call] = {}
        self.classes = 0
        self.tracker: Any = None

    # --- running ---

    def run(self, shape: Shape) -> Any:
        torch = self.torch
        from torch.utils._python_dispatch import TorchDispatchMode
        from torch.utils.module_tracker import ModuleTracker

        tracer = self

        class Mode(TorchDispatchMode):  # type: ignore[no-untyped-call]
            def __torch_dispatch__(
                self, func: Any, types: Any, args: Any = (), kwargs: Any = None
            ) -> Any:
                kwargs = kwargs or {}
                out = func(*args, **kwargs)
                tracer.record(func, args, kwargs, out)
                return out

        first = next(iter(self.module.parameters()), None)
        device = first.device if first is not None else "cpu"
        generator = torch.Generator(device=device).manual_seed(0)
        if self.tokens:  # token ids: 1 everywhere (0 is often the padding id)
            x = torch.ones((1, *shape), dtype=torch.int64, device=device)
        else:
            x = torch.randn((1, *shape), generator=generator, device=device)
        self.builder = GraphBuilder(ops.shaped(tuple(x.shape)))
        self._name(x, INPUT)
        self.tracker = ModuleTracker()
        with _inference(torch, self.module), self.tracker, Mode():  # type: ignore[no-untyped-call]
            try:
                out = self.module(x)
            except MobicostError:
                raise
            except Exception as error:  # the model's own complaint, in one line
                text = str(error).strip().splitlines()
                reason = text[0] if text else type(error).__name__
                raise ModelError(
                    f"the model rejects a {'x'.join(map(str, shape))} input: {reason}"
                ) from None
        first_out = next((t for t in _leaves(out) if isinstance(t, torch.Tensor)), None)
        self.classes = int(first_out.shape[-1]) if first_out is not None and first_out.dim() else 0
        self._unused()
        return self.builder.graph()

    def _name(self, tensor: Any, name: str) -> None:
        key = id(tensor)
        if key not in self.names:
            weakref.finalize(tensor, self.names.pop, key, None)
        self.names[key] = name

    def _derive(self, tensor: Any, params: frozenset[str]) -> None:
        key = id(tensor)
        if key not in self.derived:
            weakref.finalize(tensor, self.derived.pop, key, None)
        self.derived[key] = params

    def _module(self) -> str:
        """The innermost module running, by its path from the root (``features.0.0``)."""
        parents = [p for p in self.tracker.parents if p != "Global"]
        if not parents:
            return ""
        innermost: str = max(parents, key=lambda p: p.count("."))
        return innermost.partition(".")[2]

    # --- one operation ---

    def record(self, func: Any, args: Any, kwargs: Any, out: Any) -> None:
        from torch.utils._pytree import tree_leaves

        tensors = [t for t in tree_leaves((args, kwargs)) if isinstance(t, self.torch.Tensor)]
        live = [t for t in tensors if id(t) in self.names]
        outputs = [t for t in tree_leaves(out) if isinstance(t, self.torch.Tensor)]
        fn = func.overloadpacket.__name__
        fn = fn.rstrip("_")
        if not live:
            params = frozenset().union(*(self.derived.get(id(t), frozenset()) for t in tensors))
            constants = [t for t in tensors if id(t) not in self.derived]
            if not (params and constants and fn in PRODUCTS):
                for t in outputs if params else ():
                    self._derive(t, params)
                return
            # learned weights applied to a constant (Swin v2's position-bias MLP on its
            # coordinate table): computed in the forward pass, so costed, from a constant layer
            for t in constants:
                self._constant_node(t)
            live = [t for t in tensors if id(t) in self.names]
        if fn in FACTORIES:
            return
        assert self.builder is not None
        base = self._module()
        op, inputs, claimed = self._op(fn, args, kwargs, out)
        names = [self._input(t, base) for t in inputs]
        for t in tensors:  # parameters read but not as the kind's weights: nodes of their own
            if id(t) not in self.names and id(t) in self.derived and id(t) not in claimed:
                self._param_node(t, base)
        extra = [
            self.param_nodes[id(t)]
            for t in tensors
            if id(t) in self.param_nodes and self.param_nodes[id(t)] not in names
        ]
        for t in tensors:
            if id(t) in claimed:
                self.counted |= self.derived.get(id(t), frozenset())
        several = fn in ("split", "split_with_sizes", "unbind", "chunk", "unsafe_split")
        for t in outputs if several else outputs[:1]:
            shape = tuple(int(d) for d in t.shape)
            chosen = ops.View(fn, shape) if several else op
            name = self.builder.add(base, f"aten.{fn}", chosen, [*names, *extra], shape, base)
            self._name(t, name)
            if self.keep_calls and (not several or t is outputs[0]):
                self.calls[name] = (func, args, kwargs)

    def _constant_node(self, tensor: Any) -> None:
        """A constant (a buffer, or a view of one) as a layer of no parameters."""
        assert self.builder is not None
        shape = tuple(int(d) for d in tensor.shape)
        label = self.buffers.get(id(tensor), self._module() or "constant")
        name = self.builder.add(label, "constant", ops.Param(shape, 0), [], shape, self._module())
        self._name(tensor, name)

    def _input(self, tensor: Any, base: str) -> str:
        if id(tensor) in self.names:
            return self.names[id(tensor)]
        return self._param_node(tensor, base)

    def _param_node(self, tensor: Any, base: str) -> str:
        """A node for a tensor made of parameters: its new parameters counted once."""
        assert self.builder is not None
        key = id(tensor)
        if key in self.param_nodes:
            return self.param_nodes[key]
        roots = self.derived.get(key, frozenset())
        new = sorted(roots - self.counted)
        self.counted |= roots
        size = sum(self.numel[p] for p in new)
        label = new[0] if len(new) == 1 else base
        shape = tuple(int(d) for d in tensor.shape)
        owner = label.rpartition(".")[0] if len(new) == 1 else base
        name = self.builder.add(label, "param", ops.Param(shape, size), [], shape, owner)
        self.param_nodes[key] = name
        weakref.finalize(tensor, self.param_nodes.pop, key, None)
        return name

    def _unused(self) -> None:
        """Parameters no operation read (an auxiliary classifier in eval mode): one Param node
        per module, so that the parameters still add up to ``sum(p.numel())``."""
        assert self.builder is not None
        by_module: dict[str, list[str]] = {}
        for pname in self.numel:
            if pname not in self.counted:
                by_module.setdefault(pname.rpartition(".")[0], []).append(pname)
        for owner, names in by_module.items():
            size = sum(self.numel[p] for p in names)
            self.unused[owner or "(root)"] = size
            self.counted |= set(names)
            op = ops.Param((size,), size)
            self.builder.add(owner, "unused", op, [], (size,), owner)

    # --- the kinds ---

    def _op(self, fn: str, args: Any, kwargs: Any, out: Any) -> tuple[Op, list[Any], set[int]]:
        """The node's kind, its inputs (tensors) and the ids of the parameter tensors its
        kind counts as its own weights."""
        torch = self.torch
        first = out[0] if isinstance(out, tuple | list) else out
        dims = tuple(first.shape) if isinstance(first, torch.Tensor) else ()
        live = [
            t
            for t in _tensor_args(torch, args, kwargs)
            if id(t) in self.names or id(t) in self.derived
        ]
        handler = _HANDLERS.get(fn)
        if handler is not None:
            made = handler(self, args, kwargs)
            if made is not None:
                return made
        if fn in ACTIVATIONS:
            word = ACTIVATIONS[fn]
            if fn == "hardtanh" and tuple(args[1:3]) == (0.0, 6.0):
                word = "relu6"
            return ops.Activation(word), [args[0]], set()
        if fn in ELTWISE:
            return ops.Eltwise(fn), live, set()
        if fn in REDUCTIONS:
            return ops.Reduce(REDUCTIONS[fn], dims), [args[0]], set()
        if fn in VIEWS:
            return ops.View(fn, dims), live, set()
        return ops.Uncosted(f"aten.{fn}", dims), live, set()

    def is_param(self, tensor: Any) -> bool:
        return tensor is not None and id(tensor) in self.derived and id(tensor) not in self.names

    def fresh(self, tensor: Any) -> bool:
        """Whether ``tensor`` is made of parameters not yet counted by an earlier layer."""
        return self.is_param(tensor) and not self.derived[id(tensor)] <= self.counted

    def claim(self, *tensors: Any) -> set[int]:
        return {id(t) for t in tensors if self.is_param(t)}


def _leaves(tree: Any) -> list[Any]:
    from torch.utils._pytree import tree_leaves

    return list(tree_leaves(tree))


def _tensor_args(torch: Any, args: Any, kwargs: Any) -> list[Any]:
    return [t for t in _leaves((args, kwargs)) if isinstance(t, torch.Tensor)]


Made = tuple[Op, list[Any], set[int]] | None


def _conv(tracer: _Tracer, args: Any, kwargs: Any) -> Made:
    x, weight, bias, stride, padding, dilation, transposed, output_padding, groups = args[:9]
    if not tracer.is_param(weight):
        return None  # a weight computed from the input: no convolution layer of the model
    # a weight counted already (a module called again, tied weights): its MACs, not its weights
    shared = not tracer.fresh(weight)
    if transposed or weight.dim() != 4:  # 1-d, 3-d, or transposed (its weight is C_in first)
        spatial = weight.dim() - 2
        filters = int(weight.shape[1]) * int(groups) if transposed else int(weight.shape[0])
        nd = ops.ConvNd(
            filters=filters,
            kernel=tuple(int(k) for k in weight.shape[2:]),
            stride=_each(stride, spatial),
            padding=tuple((p, p) for p in _each(padding, spatial)),
            dilation=_each(dilation, spatial),
            groups=int(groups),
            has_bias=tracer.fresh(bias),
            transposed=bool(transposed),
            output_padding=_each(output_padding, spatial) if transposed else (),
            shared=shared,
        )
        return nd, [x], tracer.claim(weight, bias)
    op = ops.Conv(
        filters=int(weight.shape[0]),
        kernel=(int(weight.shape[2]), int(weight.shape[3])),
        stride=_pair(stride),
        padding=_pads(padding),
        dilation=_pair(dilation),
        groups=int(groups),
        has_bias=tracer.fresh(bias),
        shared=shared,
    )
    return op, [x], tracer.claim(weight, bias)


def _addmm(tracer: _Tracer, args: Any, kwargs: Any) -> Made:
    bias, a, b = args[:3]
    if kwargs.get("beta", 1) != 1 or kwargs.get("alpha", 1) != 1:
        return None
    if not tracer.is_param(bias):  # an activation added to the product, not a bias
        return ops.MatMul(added=True), [a, b, bias], set()
    return _product(tracer, a, b, bias)


def _added_product(summed: bool) -> Callable[[_Tracer, Any, Any], Made]:
    """``baddbmm`` (``summed`` false) and ``addbmm``: ``input`` plus a batch of products, that
    batch summed into one where ``summed``; their scalings (beta, alpha) are no multiply-adds."""

    def make(tracer: _Tracer, args: Any, kwargs: Any) -> Made:
        added, a, b = args[:3]
        return ops.MatMul(added=True, summed=summed), [a, b, added], set()

    return make


def _mm(tracer: _Tracer, args: Any, kwargs: Any) -> Made:
    return _product(tracer, args[0], args[1], None)


def _product(tracer: _Tracer, a: Any, b: Any, bias: Any) -> Made:
    has_bias = tracer.fresh(bias)
    if bias is not None and not has_bias and not tracer.is_param(bias):
        return None  # a bias that is an activation: not a linear layer's
    if tracer.is_param(b) and b.dim() == 2 and not tracer.is_param(a) and tracer.fresh(b):
        op = ops.MatMul(int(b.shape[1]), weight=True, has_bias=has_bias)
        return op, [a], tracer.claim(b, bias)
    # two activations, or a weight counted already (a layer called twice, tied weights): the
    # weight enters as a Param layer holding no new parameters
    return ops.MatMul(has_bias=has_bias), [a, b], tracer.claim(bias)


def _attention(tracer: _Tracer, args: Any, kwargs: Any) -> Made:
    q, k, v = args[:3]
    if any(tracer.is_param(t) for t in (q, k, v)):
        return None
    return ops.Attention(), [q, k, v], set()


def _batch_norm(tracer: _Tracer, args: Any, kwargs: Any) -> Made:
    x, weight, bias = args[:3]
    vectors = sum(tracer.fresh(t) for t in (weight, bias))
    return ops.Norm("batch", int(x.shape[1]), vectors), [x], tracer.claim(weight, bias)


def _layer_norm(tracer: _Tracer, args: Any, kwargs: Any) -> Made:
    x, normalized, weight, bias = args[:4]
    features = 1
    for size in normalized:
        features *= int(size)
    vectors = sum(tracer.fresh(t) for t in (weight, bias))
    return ops.Norm("layer", features, vectors), [x], tracer.claim(weight, bias)


def _group_norm(tracer: _Tracer, args: Any, kwargs: Any) -> Made:
    x, weight, bias = args[:3]
    vectors = sum(tracer.fresh(t) for t in (weight, bias))
    return ops.Norm("group", int(x.shape[1]), vectors), [x], tracer.claim(weight, bias)


def _pool(tracer: _Tracer, fn: str) -> Callable[[_Tracer, Any, Any], Made]:
    def make(tracer: _Tracer, args: Any, kwargs: Any) -> Made:
        x = args[0]
        if x.dim() != 4:
            return None
        if fn.startswith(("_adaptive", "adaptive")):
            size = _pair(args[1])
            return ops.Pool("max" if "max" in fn else "avg", output=size), [x], set()
        kernel = _pair(args[1])
        stride = _pair(args[2]) if len(args) > 2 and args[2] else kernel
        padding = _pads(args[3]) if len(args) > 3 else (0, 0, 0, 0)
        if fn.startswith("max"):
            dilation = _pair(args[4]) if len(args) > 4 else (1, 1)
            ceil = bool(args[5]) if len(args) > 5 else False
            if dilation != (1, 1):
                return None
            return ops.Pool("max", kernel, stride, padding, ceil), [x], set()
        ceil = bool(args[4]) if len(args) > 4 else False
        return ops.Pool("avg", kernel, stride, padding, ceil), [x], set()

    return make


def _pair(value: Any) -> tuple[int, int]:
    items = [int(v) for v in value] if isinstance(value, list | tuple) else [int(value)]
    return (items[0], items[-1])


def _each(value: Any, spatial: int) -> tuple[int, ...]:
    """One value per spatial dimension, from a list or one number for all."""
    items = [int(v) for v in value] if isinstance(value, list | tuple) else [int(value)]
    return tuple(items) if len(items) == spatial else (items[0],) * spatial


def _pads(value: Any) -> tuple[int, int, int, int]:
    top, left = _pair(value)
    return (top, top, left, left)


_HANDLERS: dict[str, Callable[[_Tracer, Any, Any], Made]] = {
    "convolution": _conv,
    "addmm": _addmm,
    "mm": _mm,
    "bmm": _mm,
    "baddbmm": _added_product(summed=False),
    "addbmm": _added_product(summed=True),
    **dict.fromkeys(ATTENTION, _attention),
    "native_batch_norm": _batch_norm,
    "_native_batch_norm_legit_no_training": _batch_norm,
    "_native_batch_norm_legit": _batch_norm,
    "native_layer_norm": _layer_norm,
    "native_group_norm": _group_norm,
    **{fn: _pool(None, fn) for fn in POOLS},  # type: ignore[arg-type]
}
