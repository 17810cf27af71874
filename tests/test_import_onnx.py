"""ONNX files read by mobicost.from_onnx, proven against torch's counter on the same models.

Each torchvision model is exported here with ``torch.onnx.export(..., dynamo=True,
optimize=False)`` (the optimizer folds batch norm into the convolutions and merges equal
initializers, so the file would hold fewer parameters than the module) and read back: its MACs
must equal FlopCounterMode's on the module, module by module (the exporter's name scopes say
which module made each node), and its parameters ``sum(p.numel())``.
"""

from __future__ import annotations

import warnings

import pytest
from test_import_torch import KIND_MACS, kind_modules, mobicost_macs, torch_macs

from mobicost import MobicostError
from mobicost.frontends import not_costed

pytestmark = pytest.mark.requires("torch", "onnx")


def export(model, shape, path, *, dynamo=True):
    import torch

    example = (torch.randn(1, *shape),)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(model, example, path, dynamo=True, optimize=False, verbose=False)
        else:
            torch.onnx.export(
                model,
                example,
                path,
                dynamo=False,
                do_constant_folding=False,
                training=torch.onnx.TrainingMode.PRESERVE,
            )
    return path


CASES = [
    ("resnet18", {}, (3, 64, 64)),
    ("vit_b_16", {"image_size": 32}, (3, 32, 32)),
    # its window slices' bounds are computed: shapes from onnx's reference evaluator
    ("swin_t", {}, (3, 64, 64)),
    # its channel split exported as SplitToSequence and SequenceAt
    ("shufflenet_v2_x1_0", {}, (3, 64, 64)),
    # its position-bias MLP runs on a coordinate table the exporter marks a buffer: costed, and
    # not a parameter; its query-key-value bias is cloned (an Identity) before use
    ("swin_v2_t", {}, (3, 64, 64)),
    # one representative of each other family: squeeze-and-excitation with hard activations,
    # SiLU and stochastic depth, layer scale and LayerNorm2d, grouped
    # convolutions with SE, fire modules
    ("mobilenet_v3_small", {}, (3, 64, 64)),
    ("efficientnet_b0", {}, (3, 64, 64)),
    ("convnext_tiny", {}, (3, 32, 32)),
    ("regnet_y_400mf", {}, (3, 64, 64)),
    ("squeezenet1_1", {}, (3, 64, 64)),
]


@pytest.mark.requires("torchvision", "onnxscript")
@pytest.mark.parametrize(("name", "kwargs", "shape"), CASES, ids=[c[0] for c in CASES])
def test_exported_models_cost_as_torch_counts_module_by_module(
    tmp_path, monkeypatch, name, kwargs, shape
):
    from torchvision_models import build

    from mobicost import from_onnx
    from mobicost.frontends import onnx as reader

    model = build(name, **kwargs)
    path = export(model, shape, tmp_path / f"{name}.onnx")
    net = from_onnx(path)
    expected = torch_macs(model, shape)
    ours = mobicost_macs(net)
    assert {path: ours.get(path, 0) for path in expected} == expected
    assert net.params == sum(p.numel() for p in model.parameters())
    assert not_costed(net) == ()
    assert net.name == f"{name}-{shape[1]}"
    if name.startswith("swin"):  # shapes from a run: without onnxruntime, onnx's evaluator
        monkeypatch.setattr(reader._Reader, "_run_ort", lambda self, feeds: 1 / 0)
        again = from_onnx(path)
        assert [layer.output for layer in again.layers] == [layer.output for layer in net.layers]


@pytest.mark.requires("torchvision", "onnxscript")
@pytest.mark.filterwarnings("ignore:The default weight initialization of GoogleNet")
def test_an_auxiliary_classifier_the_file_leaves_out_is_named(tmp_path):
    """GoogLeNet's auxiliary classifiers run only in training: the exporter leaves their
    parameters out of the file, so the file's count is lower by exactly theirs, and the notes
    name them (the exporter's signature lists them) rather than hide the difference."""
    from torchvision_models import build

    from mobicost import from_onnx

    model = build("googlenet")
    shape = (3, 64, 64)
    net = from_onnx(export(model, shape, tmp_path / "googlenet.onnx"))
    expected = torch_macs(model, shape)
    ours = mobicost_macs(net)
    assert {path: ours.get(path, 0) for path in expected} == expected
    aux = sum(p.numel() for name, p in model.named_parameters() if name.startswith("aux"))
    assert net.params == sum(p.numel() for p in model.parameters()) - aux
    assert aux == 6_379_984
    note = next(n for n in net.spec.notes if n.startswith("Parameters the exporter names"))
    assert note.endswith(": aux1 (7 tensors), aux2 (7 tensors).")


OLDER = [
    ("mobilenet_v2", {}, (3, 224, 224)),
    # equal initializers stored once (fresh norm scales), and shapes only a run finds
    ("vit_b_16", {"image_size": 32}, (3, 32, 32)),
]


@pytest.mark.requires("torchvision")
@pytest.mark.parametrize(("name", "kwargs", "shape"), OLDER, ids=[c[0] for c in OLDER])
def test_the_older_exporter_too(tmp_path, name, kwargs, shape):
    """torch's TorchScript-based exporter (dynamo=False), whose node names carry the module
    path (/features/features.1/conv/conv.0/conv.0.0/Conv): module by module as well."""
    from torchvision_models import build

    from mobicost import from_onnx

    model = build(name, **kwargs)
    net = from_onnx(export(model, shape, tmp_path / "m.onnx", dynamo=False))
    expected = torch_macs(model, shape)
    ours = mobicost_macs(net)
    assert {path: ours.get(path, 0) for path in expected} == expected
    assert net.params == sum(p.numel() for p in model.parameters())
    if name == "mobilenet_v2":
        assert (net.total.macs, net.params) == (300_774_272, 3_504_872)


def test_more_kinds_cost_as_torch_counts(tmp_path):
    """1-d, 3-d and transposed convolutions (``Conv``, ``ConvTranspose``), ``baddbmm``
    (``MatMul`` and ``Add``) and ``einsum`` (``Einsum``, as MaxViT's attention): MACs as
    FlopCounterMode's on the module and as counted by hand (tests/test_import_torch.py),
    parameters sum(p.numel()). Exported by the TorchScript
    exporter, which writes the same nodes as the dynamo one and takes a fraction of the time
    (the dynamo exporter's file is checked on a grouped transposed convolution below)."""
    from mobicost import from_onnx

    for name, module, shape in kind_modules():
        net = from_onnx(export(module, shape, tmp_path / f"{name}.onnx", dynamo=False))
        assert net.total.macs == torch_macs(module, shape)[""] == KIND_MACS[name], name
        assert net.params == sum(p.numel() for p in module.parameters()), name
        assert not_costed(net) == (), name


@pytest.mark.requires("onnxscript")
def test_a_transposed_convolution_from_the_dynamo_exporter(tmp_path):
    from mobicost import from_onnx

    name, module, shape = next(c for c in kind_modules() if c[0] == "convT2d-grouped")
    net = from_onnx(export(module, shape, tmp_path / "up.onnx"))
    [layer] = [layer for layer in net.layers if layer.kind == "convnd"]
    assert (layer.cost.macs, layer.params) == (KIND_MACS[name], 16 * 2 * 9 + 8)
    assert layer.output.text == "14x18x8"  # (7 - 1) x 2 - 2 + 3 + 1 by (9 - 1) x 2 - 2 + 3 + 1


def test_weights_as_external_data(tmp_path):
    """A file whose weights lie beside it (onnx's external data) reads as the inline one."""
    import onnx
    import torch

    from mobicost import from_onnx

    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3), torch.nn.Flatten(), torch.nn.LazyLinear(5)
    )
    model(torch.randn(1, 3, 8, 8))
    inline = export(model, (3, 8, 8), tmp_path / "inline.onnx", dynamo=False)
    proto = onnx.load(str(inline))
    outside = tmp_path / "outside.onnx"
    onnx.save_model(
        proto, str(outside), save_as_external_data=True, location="weights.bin", size_threshold=0
    )
    assert (tmp_path / "weights.bin").stat().st_size > outside.stat().st_size
    a, b = from_onnx(inline), from_onnx(outside)
    # conv: 16 x 27 x 6 x 6 = 15,552 MACs, 448 parameters; linear: 576 x 5 = 2,880, 2,885
    assert (a.total.macs, a.params) == (b.total.macs, b.params) == (18_432, 3_333)
    # the weights' values are never read, only their shapes (a model over protobuf's 2 GB,
    # whose weights must lie outside, is never loaded whole): costed without the weights file
    (tmp_path / "weights.bin").unlink()
    c = from_onnx(outside)
    assert (c.total.macs, c.params) == (18_432, 3_333)


def test_not_onnx_says_so_in_one_line(tmp_path):
    from mobicost import from_onnx

    text = tmp_path / "notes.onnx"
    text.write_text("not a model\n")
    with pytest.raises(MobicostError, match=r"^.*notes\.onnx is not an ONNX model: [^\n]*$"):
        from_onnx(text)
    with pytest.raises(MobicostError, match="no such ONNX file"):
        from_onnx(tmp_path / "missing.onnx")


def test_a_dynamic_input_takes_its_shape_from_input(tmp_path, run):
    """An exported file whose height and width are dynamic: --input gives them."""
    import torch

    from mobicost import from_onnx

    path = tmp_path / "dynamic.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            torch.nn.Conv2d(3, 8, 3),
            (torch.randn(1, 3, 16, 16),),
            path,
            dynamo=False,
            input_names=["x"],
            dynamic_axes={"x": {0: "n", 2: "h", 3: "w"}},
        )
    line = run.error("table", str(path))
    assert line == (
        "Error: dynamic: its input 'x' has no static shape (?x3x?x?): give one, "
        "--input CxHxW (input_shape= in Python)"
    )
    assert from_onnx(path, input_shape=(3, 16, 16)).total.macs == 8 * 27 * 14 * 14
    assert run.json("table", str(path), "--input", "3x16x16")["totals"]["macs"] == 8 * 27 * 196


@pytest.mark.parametrize(
    ("auto_pad", "rows"),
    [
        # 8 rows, a 3x3 kernel at stride 2: ceil(8 / 2) = 4 rows out, one row of padding, at
        # the end (UPPER) or at the start (LOWER)
        ("SAME_UPPER", 4),
        ("SAME_LOWER", 4),
        ("VALID", 3),  # floor((8 - 3) / 2) + 1
    ],
)
def test_auto_pad_is_read(tmp_path, auto_pad, rows):
    """``auto_pad`` (as TensorFlow's converters write it) on a convolution and a max pool: the
    padding made explicit, the costs by hand (8 filters of 3x3x3 at each output position)."""
    import numpy
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from mobicost import from_onnx

    weight = numpy_helper.from_array(numpy.zeros((8, 3, 3, 3), dtype=numpy.float32), "w")
    conv = helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3], strides=[2, 2],
                            auto_pad=auto_pad)  # fmt: skip
    pool = helper.make_node("MaxPool", ["c"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                            auto_pad=auto_pad)  # fmt: skip
    graph = helper.make_graph(
        [conv, pool],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [weight],
    )
    path = tmp_path / "same.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    net = from_onnx(str(path))
    assert not_costed(net) == ()
    convolution, pooled = net.layers
    assert (convolution.output.h, convolution.output.w) == (rows, rows)
    assert net.total.macs == 8 * 3 * 3 * 3 * rows * rows
    after = -(-rows // 2) if auto_pad != "VALID" else (rows - 3) // 2 + 1
    assert (pooled.output.h, pooled.output.w) == (after, after)
    padding = convolution.op.padding
    assert padding == {"SAME_UPPER": (0, 1, 0, 1), "SAME_LOWER": (1, 0, 1, 0)}.get(
        auto_pad, (0, 0, 0, 0)
    )
