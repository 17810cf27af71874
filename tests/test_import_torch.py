"""PyTorch modules read by mobicost.from_torch, proven against torch's own counter.

The independent figures: ``torch.utils.flop_counter.FlopCounterMode`` (MACs = its FLOPs / 2),
run live on each model module by module, and ``sum(p.numel())``. torchvision's models come from
tests/torchvision_models.py (randomly initialised; costs depend on shapes only). The default
suite keeps to small inputs; benchmarks/import_torchvision.py sweeps every torchvision
classification model at its default size.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
import sympy

from mobicost import MobicostError
from mobicost.cost import rules
from mobicost.nets import ops

pytestmark = pytest.mark.requires("torch")


def torch_macs(model, shape, example=None):
    """torch's MACs by module path ("" the whole model), under the reader's settings (eval,
    no_grad, the MultiheadAttention fast path off) and with the math attention kernel, whose two
    products torch's counter sees (its CPU flash kernel it counts as nothing); on ``example``,
    else a random input of ``shape``."""
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    fast = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
            model.eval()(torch.randn(1, *shape) if example is None else example)
    finally:
        torch.backends.mha.set_fastpath_enabled(fast)
    root = type(model).__name__
    return {
        ("" if path == root else path.partition(".")[2]): sum(counts.values()) // 2
        for path, counts in counter.get_flop_counts().items()
        if path != "Global"
    }


def mobicost_macs(net):
    """mobicost's MACs by module path: each layer's, added to its module and every parent."""
    totals = defaultdict(int)
    for layer in net.layers:
        parts = layer.node.origin.split(".") if layer.node.origin else []
        for depth in range(len(parts) + 1):
            totals[".".join(parts[:depth])] += layer.cost.macs
    return totals


CASES = [
    ("mobilenet_v2", {}, (3, 224, 224)),
    ("resnet18", {}, (3, 112, 112)),
    ("efficientnet_b0", {}, (3, 96, 96)),
    ("vit_b_16", {"image_size": 64}, (3, 64, 64)),
    ("swin_t", {}, (3, 64, 64)),
    # its position-bias MLP runs on a constant coordinate table: costed as torch counts it
    ("swin_v2_t", {}, (3, 64, 64)),
    ("convnext_tiny", {}, (3, 64, 64)),
]


@pytest.mark.requires("torchvision")
@pytest.mark.parametrize(("name", "kwargs", "shape"), CASES, ids=[c[0] for c in CASES])
def test_torchvision_models_cost_as_torch_counts_module_by_module(name, kwargs, shape):
    from torchvision_models import build

    from mobicost import from_torch

    model = build(name, **kwargs)
    net = from_torch(model, shape, name=name)
    expected = torch_macs(model, shape)
    ours = mobicost_macs(net)
    assert {path: ours.get(path, 0) for path in expected} == expected
    assert net.total.macs == expected[""]
    assert net.params == sum(p.numel() for p in model.parameters())
    assert sum(layer.params for layer in net.layers) == net.params
    from mobicost.frontends import not_costed

    assert not_costed(net) == ()


@pytest.mark.requires("torchvision")
def test_mobilenet_v2_at_224_is_torchs_figure():
    """The issue's figure: torch counts 300,774,272 MACs; torchvision documents 3,504,872
    parameters."""
    from torchvision_models import build

    from mobicost import from_torch

    net = from_torch(build("mobilenet_v2"))
    assert (net.total.macs, net.params) == (300_774_272, 3_504_872)
    assert net.name == "MobileNetV2-224"


@pytest.mark.requires("torchvision")
def test_vit_b_16_at_224_and_what_torchs_counter_leaves_out():
    """ViT-B/16 at 224: 17,563,828,224 MACs, torch's counter with the math attention kernel.
    Its default count on CPU, 16,848,500,736, leaves out the attention products (12 layers x
    59,610,624); under no_grad, where MultiheadAttention takes its fused fast path, it leaves out
    the whole attention block and says 11,271,124,992 (the issue's figure)."""
    from torchvision_models import build

    from mobicost import from_torch

    net = from_torch(build("vit_b_16"))
    assert net.total.macs == 17_563_828_224
    assert net.params == 86_567_656
    attention = [layer for layer in net.layers if layer.kind == "attention"]
    assert len(attention) == 12
    assert {layer.cost.macs for layer in attention} == {59_610_624}
    assert rules.attention(12, 197, 197, 64, 64).macs == 59_610_624
    assert net.total.macs - sum(layer.cost.macs for layer in attention) == 16_848_500_736
    blocks = sum(
        layer.cost.macs for layer in net.layers if layer.node.origin.endswith("self_attention")
    )
    assert net.total.macs - blocks == 11_271_124_992


def small_model():
    import torch

    class Small(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3)
            self.token = torch.nn.Parameter(torch.zeros(1, 8, 1, 1))
            self.unused = torch.nn.Linear(4, 5)
            self.fc = torch.nn.Linear(8, 10)

        def forward(self, x):
            y = torch.cumsum(self.conv(x) + self.token, dim=1)
            return self.fc(y.mean((2, 3)))

    return Small()


def test_a_small_model_by_hand():
    """Conv 3->8, 3x3, on 16x16: 8 x 27 x 14 x 14 = 42,336 MACs, 216 + 8 parameters; the
    learned token's 8; the classifier's 80 MACs and 90 parameters; the unused layer's 25."""
    from mobicost import from_torch
    from mobicost.frontends import not_costed

    model = small_model()
    net = from_torch(model, (3, 16, 16))
    rows = [(layer.name, layer.kind, layer.cost.macs, layer.params) for layer in net.layers]
    assert rows == [
        ("conv", "conv", 42_336, 224),
        ("token", "param", 0, 8),
        ("add", "eltwise", 0, 0),
        ("cumsum", "uncosted", 0, 0),
        ("mean", "reduce", 0, 0),
        ("fc", "matmul", 80, 90),
        ("unused", "param", 0, 25),
    ]
    assert net.params == sum(p.numel() for p in model.parameters()) == 347
    assert not_costed(net) == ("aten.cumsum x1 (14x14x8)",)
    notes = net.spec.notes
    assert "Not costed: aten.cumsum x1 (14x14x8)." in notes
    assert any(note.startswith("Parameters no operation uses (25,") for note in notes)
    assert model.training  # its mode is given back


def test_the_network_is_a_network():
    """Tables, frames and shares work on an imported model as on a built-in one."""
    from mobicost import from_torch
    from mobicost.render.tables import layer_report

    net = from_torch(small_model(), (3, 16, 16))
    frame = net.to_frame()
    assert int(frame["macs"].sum()) == net.total.macs
    assert int(frame["params"].sum()) == net.params
    assert layer_report(net).rows


def test_bad_models_say_so_in_one_line():
    import torch

    from mobicost import from_torch

    with pytest.raises(MobicostError, match=r"expected a torch\.nn\.Module, got str"):
        from_torch("resnet18")
    with pytest.raises(MobicostError, match=r"^the model rejects a 3x8x8 input: .*$"):
        from_torch(torch.nn.Linear(4, 4), (3, 8, 8))
    with pytest.raises(MobicostError, match="positive whole numbers"):
        from_torch(torch.nn.Linear(4, 4), (0, 4))
    assert torch.backends.mha.get_fastpath_enabled()


def test_transformer_rules_are_written_once_for_numbers_and_symbols():
    b, m, k, n, q, s, e = sympy.symbols("B M K N L S E", positive=True)
    symbolic = rules.matmul(b, m, k, n, weight=True, bias=True)
    assert sympy.expand(symbolic.macs - b * m * k * n) == 0
    assert symbolic.params == k * n + n
    values = {b: 2, m: 197, k: 768, n: 3072}
    number = rules.matmul(2, 197, 768, 3072, weight=True, bias=True)
    assert (symbolic.macs.subs(values), symbolic.params.subs(values)) == (
        number.macs,
        number.params,
    )
    scores = rules.attention(b, q, s, e, e)
    assert sympy.expand(scores.macs - 2 * b * q * s * e) == 0
    assert scores.macs.subs({b: 12, q: 197, s: 197, e: 64}) == 59_610_624


def test_tensor_kinds_infer_their_shapes():
    tokens = ops.shaped((1, 197, 768))
    assert ops.MatMul(3072, weight=True).infer((tokens,)) == ops.shaped((1, 197, 3072))
    q = ops.shaped((1, 12, 197, 64), image=False)
    assert ops.Attention().infer((q, q, q)) == q
    scores = ops.MatMul().infer((q, ops.shaped((1, 12, 64, 197))))
    assert scores.text == "1x12x197x197"  # not an image's map: as PyTorch writes it
    assert ops.Eltwise("mul").infer((ops.Tensor(96, 56, 56), ops.Tensor(96, 1, 1))) == ops.Tensor(
        96, 56, 56
    )
    with pytest.raises(MobicostError, match="do not broadcast"):
        ops.Eltwise("add").infer((ops.Tensor(96, 56, 56), ops.Tensor(32, 56, 56)))


def test_a_layer_called_twice_counts_its_parameters_once():
    """A linear layer, a layer norm and a convolution applied twice (tied weights, a siamese
    pair's one backbone): MACs twice, as torch's counter counts them, parameters once, as
    sum(p.numel()); a spec file written from it says so (``shared = true``) and counts the
    same."""
    import torch

    from mobicost import from_torch, not_costed
    from mobicost.nets.network import build
    from mobicost.nets.spec import parse
    from mobicost.nets.writer import to_toml

    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = torch.nn.LayerNorm(16)
            self.fc = torch.nn.Linear(16, 16)

        def forward(self, x):
            return self.fc(self.norm(self.fc(self.norm(x))))

    model = Twice()
    net = from_torch(model, (4, 16))
    assert net.total.macs == 2 * 4 * 16 * 16
    assert net.params == sum(p.numel() for p in model.parameters()) == 16 * 16 + 16 + 2 * 16
    assert not_costed(net) == ()

    conv = torch.nn.Conv2d(3, 3, 1)
    model = torch.nn.Sequential(conv, torch.nn.ReLU(), conv)
    twice = from_torch(model, (3, 4, 4))
    assert twice.params == sum(p.numel() for p in model.parameters()) == 12
    assert twice.total.macs == 2 * 9 * 16 == torch_macs(model, (3, 4, 4))[""]
    assert not_costed(twice) == ()
    written = to_toml(twice)
    assert "shared = true" in written
    again = build(parse(written, "written"))
    assert (again.total.macs, again.params) == (twice.total.macs, twice.params)


def test_a_text_encoder_on_token_ids(run):
    """Token ids in (--input tokens:64): the embedding a lookup (its table counted once, as a
    parameter), the rest as torch counts it, module by module."""
    import importlib.util

    import torch

    from mobicost import MobicostError, from_torch
    from mobicost.frontends.models import load_model

    spec = importlib.util.spec_from_file_location("tiny_bert", "examples/models/tiny_bert.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.build()
    net = from_torch(model, (64,), tokens=True)
    expected = torch_macs(model, (64,), example=torch.ones(1, 64, dtype=torch.int64))
    ours = mobicost_macs(net)
    assert {path: ours.get(path, 0) for path in expected} == expected
    # by hand: per layer, Q K V and out projections 4 x 64 x 64, the MLP 2 x 64 x 256, per
    # token; attention's two products 2 x 64 x 64 per token; the head 64 x 2 on one token
    per_token = 4 * 64 * 64 + 2 * 64 * 256
    assert net.total.macs == 2 * (64 * per_token + 2 * 64 * 64 * 64) + 64 * 2
    assert net.params == sum(p.numel() for p in model.parameters()) == 168_194
    assert (net.input.c, net.input.flat) == (64, True)  # a vector of 64 ids
    data = run.json("table", "examples/models/tiny_bert.py:build", "--input", "tokens:64")
    assert data["totals"]["macs"] == net.total.macs
    assert "tokens:128" in run.error(
        "table", "examples/models/tiny_bert.py:build", "--input", "ids:64"
    )
    assert "expected positive whole numbers" in run.error(
        "table", "examples/models/tiny_bert.py:build", "--input", "tokens:"
    )
    for command in (["verify"], ["profile"], ["export", "-o", "out.onnx"]):  # on an image
        line = run.error(*command, "examples/models/tiny_bert.py:build", "--input", "tokens:64")
        assert "token ids (--input tokens:64) work with table" in line
    compared = run.json(
        "compare", "examples/models/tiny_bert.py:build", "mobilenet-v1", "--input", "tokens:64"
    )
    assert compared["rows"][0]["macs"] == net.total.macs
    with pytest.raises(MobicostError, match="token ids need their shape"):
        load_model("examples/models/tiny_bert.py:build", tokens=True)


def kind_modules():
    """Small modules of the kinds beyond the paper's 2-d convolution, each with its input shape
    (without the batch): 1-d and 3-d convolutions, transposed ones, ``baddbmm``."""
    import torch

    nn = torch.nn

    class Baddbmm(nn.Module):
        """A learned 4 x 3 x 5 tensor plus a batch of four products, 3 x 6 by 6 x 5."""

        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(4, 6, 5))
            self.shift = nn.Parameter(torch.randn(4, 3, 5))

        def forward(self, x):
            return torch.baddbmm(self.shift, x.reshape(4, 3, 6), self.weight)

    class Einsum(nn.Module):
        """Three heads' scores, 4 queries by 4 keys of 8 features (ONNX: an Einsum node)."""

        def forward(self, x):
            q = x.reshape(3, 4, 8)
            return torch.einsum("h i d, h j d -> h i j", q, q)

    return [
        ("conv1d", nn.Conv1d(4, 8, 3, stride=2, padding=1), (4, 33)),
        ("conv1d-grouped", nn.Conv1d(4, 8, 5, groups=2, dilation=2, bias=False), (4, 40)),
        ("conv3d", nn.Conv3d(3, 8, 3, stride=(1, 2, 2), padding=1), (3, 8, 16, 16)),
        ("convT2d", nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1), (16, 7, 7)),
        (
            "convT2d-grouped",
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1, groups=4),
            (16, 7, 9),
        ),
        ("convT1d", nn.ConvTranspose1d(6, 4, 5, stride=3), (6, 10)),
        ("convT3d", nn.ConvTranspose3d(4, 2, 2, stride=2, bias=False), (4, 3, 4, 5)),
        ("baddbmm", Baddbmm(), (12, 6)),
        ("einsum", Einsum(), (12, 8)),
    ]


#: mobicost's MACs for each, by hand: the weight's elements at each output position, or at
#: each input position where transposed; a product batch x M x K x N
KIND_MACS = {
    "conv1d": 3 * 4 * 8 * 17,  # (33 + 2 - 3) // 2 + 1 = 17 outputs
    "conv1d-grouped": 5 * 2 * 8 * 32,  # 40 - 2 x 4 = 32 outputs, 4 / 2 inputs each
    "conv3d": 27 * 3 * 8 * (8 * 8 * 8),
    "convT2d": 16 * 8 * 16 * (7 * 7),  # 16 x 8 weights of 4 x 4, at 7 x 7 input positions
    "convT2d-grouped": 16 * 2 * 9 * (7 * 9),  # 16 inputs x 8 / 4 outputs x 3 x 3, at 7 x 9
    "convT1d": 6 * 4 * 5 * 10,
    "convT3d": 4 * 2 * 8 * (3 * 4 * 5),
    "baddbmm": 4 * 3 * 6 * 5,
    "einsum": 3 * 4 * 4 * 8,
}


@pytest.mark.parametrize("case", range(len(KIND_MACS)), ids=list(KIND_MACS))
def test_more_kinds_cost_as_torch_counts(case):
    """1-d, 3-d and transposed convolutions, ``baddbmm``, ``einsum``: MACs as FlopCounterMode's
    and as counted by hand, parameters sum(p.numel()), shapes as PyTorch's."""
    from mobicost import from_torch
    from mobicost.frontends import not_costed

    name, module, shape = kind_modules()[case]
    net = from_torch(module, shape)
    assert net.total.macs == torch_macs(module, shape)[""] == KIND_MACS[name]
    assert net.params == sum(p.numel() for p in module.parameters())
    assert not_costed(net) == ()


def test_addbmm_costs_its_products_where_torchs_counter_has_no_formula():
    """``addbmm`` (a batch of products summed into one, plus ``input``): FlopCounterMode has
    no formula for it and counts nothing; mobicost counts its products, as the counter does
    the same sum written as ``bmm`` and ``sum``: 4 x 3 x 6 x 3 = 216 MACs."""
    import torch

    from mobicost import from_torch
    from mobicost.frontends import not_costed

    class Addbmm(torch.nn.Module):
        def forward(self, x):
            y = x.reshape(4, 3, 6)
            return torch.addbmm(x[0, :3, :3], y, y.transpose(1, 2))

    class Written(torch.nn.Module):
        def forward(self, x):
            y = x.reshape(4, 3, 6)
            return x[0, :3, :3] + torch.bmm(y, y.transpose(1, 2)).sum(0)

    net = from_torch(Addbmm(), (12, 6))
    assert net.total.macs == 216 == torch_macs(Written(), (12, 6))[""]
    assert torch_macs(Addbmm(), (12, 6)).get("", 0) == 0
    assert [layer.output.shape for layer in net.layers if layer.kind == "matmul"] == [(3, 3)]
    assert not_costed(net) == ()


def test_convolution_rule_is_written_once_for_numbers_and_symbols():
    k, m, n, p, g = sympy.symbols("K M N P G", positive=True)
    symbolic = rules.convolution((k, k, k), m, n, p, groups=g, bias=True)
    assert sympy.simplify(symbolic.macs - k**3 * m * n * p / g) == 0
    assert sympy.simplify(symbolic.params - (k**3 * m * n / g + n)) == 0
    number = rules.convolution((3, 3, 3), 8, 16, 512, groups=2, bias=True)
    values = {k: 3, m: 8, n: 16, p: 512, g: 2}
    assert (symbolic.macs.subs(values), symbolic.params.subs(values)) == (
        number.macs,
        number.params,
    )
    assert rules.conv(3, 3, 32, 64, 56, 56) == rules.convolution((3, 3), 32, 64, 56 * 56)
