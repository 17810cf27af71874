"""mobicost export: any network as an ONNX model, written with the onnx package alone.

The model is proved against PyTorch's real tensors: the very weights of the ONNX file are loaded
into the module :func:`mobicost.nets.pytorch.to_torch` builds from the same graph (their names
are its parameter names), and ONNX Runtime's output must equal PyTorch's, layer by layer; ONNX's
own shape inference must give mobicost's shapes.
"""

from __future__ import annotations

import pytest

import mobicost
from mobicost.nets.network import network

#: every layer kind and padding the library uses, at small sizes: convolutions with 'same'
#: (asymmetric) and explicit padding, depthwise and grouped ones, ceil-mode and padded pooling,
#: adaptive pooling, SE with both gates, h-swish, ReLU6, residual adds, concats, splits, shuffles
NETWORKS = [
    ("mobilenet-v1", {"alpha": "0.25", "resolution": 65}),  # odd: asymmetric 'same' padding
    ("mobilenet-v2", {"alpha": "0.5", "resolution": 64}),
    ("mobilenet-v3-small", {"resolution": 96}),
    ("mobilenet-v3-large", {"alpha": "0.75", "resolution": 64}),
    ("shufflenet-v1", {"resolution": 64, "options": {"groups": "8"}}),
    ("shufflenet-v2", {"alpha": "0.5", "resolution": 64}),
    ("resnet-18", {"resolution": 64}),
    ("squeezenet-1.0", {"resolution": 227}),  # Caffe's ceil-mode pooling
    ("googlenet", {"resolution": 96}),
    ("dense1-mobilenet", {"resolution": 64}),
]

#: a spec with what the library does not have small: a 5x5 map spread to 3x3 and to 7x7 by
#: adaptive average pooling (windows that overlap), swish, tanh, a stand-alone batch norm
ODD = """
name = "odd"
input = [3, 20, 20]
[[layers]]
op = "conv"
filters = 8
kernel = 5
stride = 4
padding = [1, 2, 0, 3]
act = "swish"
[[layers]]
name = "three"
op = "pool"
mode = "avg"
output = [3, 3]
[[layers]]
op = "pool"
mode = "avg"
output = [7, 7]
input = "conv1"
[[layers]]
op = "bn"
[[layers]]
op = "act"
fn = "tanh"
[[layers]]
op = "pool"
mode = "max"
kernel = 3
stride = 2
padding = "same"
[[layers]]
op = "flatten"
[[layers]]
op = "dropout"
[[layers]]
op = "fc"
units = 10
act = "sigmoid"
"""


def outputs_agree(net, *, batch: int = 1) -> None:
    """ONNX Runtime on the exported model against PyTorch on the same weights: every layer's
    output, to float32 rounding."""
    import numpy
    import onnx
    import onnxruntime
    import torch

    from mobicost.backends.onnx import to_onnx
    from mobicost.nets.pytorch import module_name, to_torch

    model = to_onnx(net, batch=batch)
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {
        value.name: tuple(d.dim_value for d in value.type.tensor_type.shape.dim)
        for value in (*inferred.graph.value_info, *inferred.graph.output)
    }
    for layer in net.layers:
        assert shapes[layer.name] == layer.output.torch_shape(batch), layer.name
        model.graph.output.append(onnx.helper.make_empty_tensor_value_info(layer.name))
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    x = numpy.random.default_rng(1).standard_normal(net.input.torch_shape(batch), "float32")
    names = [output.name for output in session.get_outputs()]
    ran = dict(zip(names, session.run(None, {"input": x}), strict=True))

    module = to_torch(net).eval()
    weights = {
        tensor.name: torch.from_numpy(onnx.numpy_helper.to_array(tensor).copy())
        for tensor in model.graph.initializer
    }
    expected = module.state_dict()
    assert {k for k in expected if not k.endswith("num_batches_tracked")} <= set(weights)
    module.load_state_dict({k: weights.get(k, v) for k, v in expected.items()})
    seen: dict[str, numpy.ndarray] = {}
    for name, block in module.blocks.items():
        block.register_forward_hook(
            lambda m, i, out, name=name: seen.__setitem__(name, out.detach().numpy())
        )
    with torch.no_grad():
        module(torch.from_numpy(x))
    for layer in net.layers:
        mine, theirs = ran[layer.name], seen[module_name(layer)]
        scale = float(numpy.abs(theirs).max()) or 1.0
        assert numpy.abs(mine - theirs).max() <= 1e-4 * scale, layer.name


@pytest.mark.requires("onnx", "onnxruntime", "torch")
@pytest.mark.parametrize(("name", "how"), NETWORKS, ids=[n for n, _ in NETWORKS])
def test_onnx_runtime_computes_what_pytorch_computes(name, how):
    outputs_agree(network(name, bias="all", **how))


@pytest.mark.requires("onnx", "onnxruntime", "torch")
def test_odd_shapes_and_a_batch(tmp_path):
    spec = tmp_path / "odd.toml"
    spec.write_text(ODD)
    outputs_agree(mobicost.network(mobicost.load_spec(str(spec)), bias="fc"), batch=3)


@pytest.mark.requires("onnx")
@pytest.mark.parametrize("bias", ["none", "fc", "all"])
def test_the_weights_are_the_counted_parameters(bias):
    """The initializers that are weights (not shapes or constants) hold exactly the network's
    parameters, counted with every batch-norm vector (the model carries all four)."""
    import onnx

    from mobicost.backends.onnx import to_onnx

    net = network("mobilenet-v3-small", resolution=64, bias=bias, bn="all")
    model = to_onnx(net)
    kinds = ("weight", "bias", "running_mean", "running_var")
    held = sum(
        onnx.numpy_helper.to_array(t).size
        for t in model.graph.initializer
        if t.name.rsplit(".", 1)[-1] in kinds
    )
    assert held == net.params
    props = {p.key: p.value for p in model.metadata_props}
    assert props["mobicost.macs"] == str(net.total.macs)


@pytest.mark.requires("onnx")
def test_cli_writes_the_model(run, tmp_path):
    import onnx

    path = tmp_path / "v1.onnx"
    result = run("export", "--alpha", "0.25", "--res", "64", "--batch", "2", "-o", str(path))
    assert result.stdout.startswith("Wrote 0.25 MobileNet-64 to ")
    assert "batch 2, opset 21" in result.stdout
    model = onnx.load(str(path))
    assert [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [2, 3, 64, 64]
    assert f"{path.stat().st_size:,} bytes" in result.stdout
    run("export", "--groups", "3", "shufflenet-v1", "-o", str(path))  # options in any order
    assert onnx.load(str(path)).graph.name == "1.0 ShuffleNet-224 (groups 3)"


@pytest.mark.requires("onnx")
def test_cli_bad_input(run, tmp_path):
    assert "give -o FILE.onnx" in run.error("export", "-o", "-")
    assert "Missing option '--output'" in run.error("export")
    assert "is a directory" in run.error("export", "-o", str(tmp_path))
    target = tmp_path / "kept.onnx"
    target.write_bytes(b"old")
    assert "no such option --groups" in run.error("export", "--groups", "3", "-o", str(target))
    assert target.read_bytes() == b"old"  # never replaced by a failed export
