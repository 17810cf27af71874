"""An imported model's counts checked against what can be measured of the model itself.

* A PyTorch module (:func:`verify_module`): the user's own module runs once under
  ``torch.utils.flop_counter.FlopCounterMode``, which counts each module's FLOPs; its
  parameters are ``numel`` by the module that owns them. Both are compared, module by module,
  with the layers mobicost attributes to that module (a layer's module is the one that ran its
  operation), and in total with ``sum(p.numel())``: the proof the built-in networks get from
  :func:`mobicost.nets.pytorch.verify`, on the user's module rather than a rebuilt one.
* An ONNX file (:func:`verify_onnx`): no counter reads ONNX, so its MACs are not checked; its
  parameters are checked against the element count of its floating-point initializers, and,
  where ``onnxruntime`` is installed, the file is run at the costed input shape and its output
  shape compared with mobicost's.

Each result says, in :attr:`ModelVerification.proved`, exactly what was checked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import MobicostError
from ..nets import ops
from ..nets.network import Network

#: how the attention products torch's counter has no formula for on the CPU are counted
ATTENTION_NOTE = (
    "Attention's two products: FlopCounterMode has no formula for the CPU kernel "
    "(_scaled_dot_product_flash_attention_for_cpu), so it was given torch's own "
    "(torch.utils.flop_counter.sdpa_flop_count), applied to the shapes the kernel ran on."
)


@dataclass(frozen=True)
class Check:
    """One part of a model (a module's own operations and parameters, or one figure of a
    file): mobicost's counts beside the measured ones; ``None`` where nothing measures it."""

    what: str
    layers: int
    macs: int | None
    measured_macs: int | None
    params: int | None
    measured_params: int | None

    @property
    def ok(self) -> bool:
        return self.macs == self.measured_macs and self.params == self.measured_params


@dataclass(frozen=True)
class ModelVerification:
    """An imported model's counts against the model's own: module by module (PyTorch) or
    figure by figure (ONNX), the totals, and what was proved, in words."""

    network: Network
    source: str  #: "PyTorch" or "ONNX"
    checks: tuple[Check, ...]
    measured_macs: int | None  #: the whole model's, where measured
    measured_params: int
    proved: tuple[str, ...]
    output_shape: tuple[int, ...] | None = None  #: as the runtime ran it, where it ran
    ran: str = ""  #: the runtime that ran the file, or why it did not run

    @property
    def ok(self) -> bool:
        shape = self.output_shape is None or self.output_shape == self.expected_shape
        return (
            all(check.ok for check in self.checks)
            and self.measured_params == self.network.params
            and self.measured_macs in (None, int(self.network.total.macs))
            and shape
        )

    @property
    def expected_shape(self) -> tuple[int, ...]:
        """The output mobicost infers: its last layer's that is not a parameter."""
        computed = [layer for layer in self.network.layers if not isinstance(layer.op, ops.Param)]
        return computed[-1].output.shape if computed else ()

    @property
    def mismatches(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.ok)


def verify_module(module: Any, input_shape: Sequence[int], network: Network) -> ModelVerification:
    """Run ``module`` once on a batch of one of ``input_shape`` under ``FlopCounterMode`` (in
    eval mode, without autograd, as :func:`~mobicost.frontends.torch.from_torch` traced it)
    and compare each module's own MACs (FLOPs / 2, less its children's) and parameters with
    those of the layers of ``network`` that module ran."""
    from ..nets.pytorch import require_torch
    from .torch import _inference

    torch = require_torch()
    from torch.utils.flop_counter import FlopCounterMode, sdpa_flop_count

    generator = torch.Generator().manual_seed(0)
    first = next(iter(module.parameters()), None)
    x = torch.randn((1, *input_shape), generator=generator).to(
        first.device if first is not None else "cpu"
    )
    cpu_attention = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu

    def attention(query: Any, key: Any, value: Any, *args: Any, **kwargs: Any) -> int:
        """torch's own formula for the attention kernels it counts, on the CPU kernel's
        observed shapes (its CPU count has none)."""
        return int(sdpa_flop_count(query, key, value))  # type: ignore[no-untyped-call]

    counter = FlopCounterMode(display=False, custom_mapping={cpu_attention: attention})
    with _inference(torch, module), counter:
        try:
            module(x)
        except Exception as error:
            reason = str(error).strip().splitlines()
            raise MobicostError(
                f"the model rejects a {'x'.join(map(str, input_shape))} input: "
                + (reason[0] if reason else type(error).__name__)
            ) from None
    counts = {name: dict(ops_) for name, ops_ in counter.get_flop_counts().items()}
    added = any(cpu_attention in found for found in counts.values())
    root = type(module).__name__
    inclusive = {
        _path(name, root): sum(found.values())
        for name, found in counts.items()
        if name != "Global" and (name == root or name.startswith(root + "."))
    }
    own_flops = {
        path: flops
        - sum(v for child, v in inclusive.items() if _parent(child) == path and child != path)
        for path, flops in inclusive.items()
    }
    owned: dict[str, int] = {}
    for name, parameter in module.named_parameters():
        owner = name.rpartition(".")[0]
        owned[owner] = owned.get(owner, 0) + int(parameter.numel())
    layers_of: dict[str, list[Any]] = {}
    for layer in network.layers:
        layers_of.setdefault(layer.node.origin, []).append(layer)
    for path in [p for p in owned if p not in layers_of and not own_flops.get(p)]:
        # a module that ran nothing of its own, whose weights its caller reads (the output
        # projection of nn.MultiheadAttention): its parameters go to the nearest one that ran
        parent = _parent(path)
        while parent and parent not in layers_of:
            parent = _parent(parent)
        owned[parent or ""] = owned.get(parent or "", 0) + owned.pop(path)
    checks = []
    others = [p for p in (*own_flops, *owned) if p not in layers_of]
    for path in dict.fromkeys([*layers_of, *others]):
        layers = layers_of.get(path, [])
        flops = own_flops.get(path, 0)
        if not layers and not flops and not owned.get(path):
            continue  # a container that ran nothing of its own and owns nothing
        if flops % 2:
            raise MobicostError(f"{path or '(root)'}: PyTorch counted an odd number of FLOPs")
        checks.append(
            Check(
                path or "(root)",
                len(layers),
                sum(int(layer.cost.macs) for layer in layers),
                flops // 2,
                sum(layer.params for layer in layers),
                owned.get(path, 0),
            )
        )
    measured_params = sum(int(p.numel()) for p in module.parameters())
    proved = (
        "MACs: each module's own, as torch.utils.flop_counter.FlopCounterMode counts the "
        "user's module on the same input (FLOPs / 2, less its children's), against the layers "
        "mobicost attributes to that module.",
        "Params: each module's own parameters (numel, by the module that owns them; a module "
        "that ran no operation of its own, whose weights its caller reads, with the nearest "
        "module that ran), and sum(p.numel()) in total.",
        *((ATTENTION_NOTE,) if added else ()),
    )
    whole = sum(counts.get("Global", {}).values())
    return ModelVerification(network, "PyTorch", tuple(checks), whole // 2, measured_params, proved)


def _path(name: str, root: str) -> str:
    """A FlopCounterMode key (``Small.features.0``) as a module path (``features.0``)."""
    return name[len(root) + 1 :] if name != root else ""


def _parent(path: str) -> str | None:
    return None if not path else path.rpartition(".")[0]


#: ONNX's floating-point tensor types (learned weights); integers are shapes and indices
_FLOATS = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16


def verify_onnx(path: str, network: Network) -> ModelVerification:
    """Check what can be checked of an ONNX file without a counter: its parameters against
    the element count of its floating-point initializers (the file's learned tensors), and,
    where onnxruntime is installed, that the file runs at the costed input shape and gives the
    output shape mobicost infers."""
    try:
        import onnx
    except ImportError:
        raise MobicostError(
            "reading an ONNX file needs onnx: pip install 'mobicost[onnx]'"
        ) from None
    model = onnx.load(path)
    floats = {t.name: t for t in model.graph.initializer if t.data_type in _FLOATS}
    # the TorchScript exporter stores equal tensors once and gives each other parameter an
    # Identity of it: a parameter of its own
    copies = [n.input[0] for n in model.graph.node if n.op_type == "Identity" and n.input
              and n.input[0] in floats]  # fmt: skip
    measured_params = sum(math.prod(floats[name].dims) for name in [*floats, *copies])
    listed = f"{len(floats):,} floating-point initializers" + (
        f" and {len(copies):,} Identity copies of them" if copies else ""
    )
    checks = [
        Check(
            f"learned tensors ({listed})",
            len(network.layers),
            None,
            None,
            network.params,
            measured_params,
        )
    ]
    proved = [
        "Params: the sum of the element counts of the file's floating-point initializers (and "
        "of each Identity of one, the exporter's way of storing equal parameters once).",
        "MACs: not checked; no independent counter reads an ONNX file (mobicost's are "
        "torch.utils.flop_counter's formulas on each node's inferred shapes).",
    ]
    output, ran = _run_onnx(model, network)
    if output == ():
        proved.append(f"Runs: no; {ran}.")
    elif output is not None:
        proved.append(
            f"Runs: {ran} ran the file on a {network.input.text} input (mobicost's costed shape) "
            f"and gave a {'x'.join(map(str, output))} output."
        )
    else:
        proved.append(f"Runs: not checked ({ran}).")
    return ModelVerification(
        network, "ONNX", tuple(checks), None, measured_params, tuple(proved), output, ran
    )


def _run_onnx(model: Any, network: Network) -> tuple[tuple[int, ...] | None, str]:
    """The output shape ONNX Runtime gives at the costed input, and its name; or None and why
    it was not run; or ``()`` and why the run failed (a shape the file cannot compute)."""
    try:
        import onnxruntime
    except ImportError:
        return None, "onnxruntime is not installed: pip install 'mobicost[onnxruntime]'"
    import numpy

    graph = model.graph
    stored = {t.name for t in graph.initializer}
    first = next(i for i in graph.input if i.name not in stored)
    for dim, size in zip(first.type.tensor_type.shape.dim, network.input.shape, strict=False):
        dim.Clear()  # the costed shape (--input, --res), as the reader set it
        dim.dim_value = size
    for output in graph.output:  # inferred again by the runtime at this shape
        for dim in output.type.tensor_type.shape.dim:
            dim.Clear()
    del graph.value_info[:]
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        given = session.get_inputs()[0]
        kinds = {"tensor(float)": numpy.float32, "tensor(double)": numpy.float64}
        x = numpy.zeros(network.input.shape, dtype=kinds.get(given.type, numpy.float32))
        out = session.run(None, {given.name: x})[0]
    except Exception as error:  # the file does not compute at the costed shape: a finding
        reason = str(error).strip().splitlines()
        return (), (
            f"ONNX Runtime {onnxruntime.__version__} cannot run the file at "
            f"{network.input.text}: " + (reason[0] if reason else type(error).__name__)
        )
    return tuple(int(d) for d in out.shape), f"ONNX Runtime {onnxruntime.__version__}"


def verify_model(
    text: str, *, input_shape: Sequence[int] | None = None, resolution: int | None = None
) -> ModelVerification:
    """The model ``text`` names (as :func:`~mobicost.frontends.models.load_model` reads it),
    costed and checked: a PyTorch-sourced one by :func:`verify_module` on the user's module,
    an ONNX file by :func:`verify_onnx`."""
    from .models import is_onnx, load_model, load_module

    if is_onnx(text):
        return verify_onnx(text, load_model(text, input_shape=input_shape, resolution=resolution))
    from .torch import from_torch

    module, shape, name = load_module(text, input_shape=input_shape, resolution=resolution)
    return verify_module(module, shape, from_torch(module, shape, name=name))
