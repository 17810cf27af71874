"""Layer kinds: one class each, holding its attributes, its shape rule and its cost rule.

:data:`KINDS` is the registry, keyed by the kind's name as spec files write it. Every shape is
inferred by the kind's :meth:`Op.infer` and nowhere else; every cost by its :meth:`Op.cost`, which
calls the primitives of :mod:`mobicost.rules` (the same functions that :mod:`mobicost.derive`
evaluates on sympy symbols), so a network's numbers and the formulas behind them cannot disagree.

What each kind counts, stated once here (and in the conventions footer of every report):

* MACs are the multiply-accumulates of convolutions and fully connected layers (and of the two
  small fully connected layers inside a squeeze-and-excitation block). Nothing else has MACs.
* ``adds`` are other operations, zero unless a convention asks: pooling additions (``pool_adds``),
  one operation per activation output (``activation_ops``), and the element-wise additions of a
  residual add and multiplications of an SE gate (``eltwise_ops``).
* Parameters: weights, a bias where the bias convention puts one, and batch-norm vectors per the
  batch-norm convention. Batch norm never has MACs (it folds into the convolution at inference).

>>> conv = Conv(filters=64, kernel=(3, 3), stride=(2, 2))
>>> conv.infer((Tensor(32, 112, 112),))
Tensor(c=64, h=56, w=56, flat=False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from ..cost import rules
from ..cost.rules import Cost
from ..errors import MobicostError

if TYPE_CHECKING:  # pragma: no cover
    from ..cost.conventions import Conventions

Pair = tuple[int, int]
#: 'same' (TensorFlow's: out = ceil(in / stride), asymmetric when odd) or explicit
#: (top, bottom, left, right) zero padding; 'valid' is (0, 0, 0, 0)
Padding = Literal["same"] | tuple[int, int, int, int]
ACTIVATIONS = ("relu", "relu6", "hswish", "hsigmoid", "sigmoid", "swish", "tanh")
GATES = ("sigmoid", "hsigmoid")
#: the functions a stand-alone activation layer may apply: the activations, and the other
#: element-wise functions imported models hold (each free; one operation per output element
#: under ``activation_ops``)
FUNCTIONS = (
    *ACTIVATIONS,
    *("gelu", "hardtanh", "softmax", "log_softmax", "elu", "leaky_relu", "mish", "erf", "exp"),
    *("sqrt", "rsqrt", "reciprocal", "neg", "abs", "pow", "clamp", "clip"),
)
#: element-wise operations of broadcast inputs (:class:`Eltwise`), as PyTorch and ONNX name them
ELTWISE_FNS = ("add", "sub", "rsub", "mul", "div", "maximum", "minimum", "max", "min",
               "masked_fill", "where")  # fmt: skip
#: reductions (:class:`Reduce`)
REDUCE_FNS = ("mean", "sum", "max", "norm")
#: normalisations (:class:`Norm`)
NORM_FNS = ("batch", "layer", "group")


@dataclass(frozen=True)
class Tensor:
    """An activation's shape for one sample: channels, height, width. ``flat`` marks a vector
    (after a flatten or a fully connected layer), which PyTorch holds as (N, C)."""

    c: int
    h: int = 1
    w: int = 1
    flat: bool = False
    #: the whole shape, batch of one first, of a tensor that is neither a map nor a vector (a
    #: transformer's 1 x 197 x 768 tokens), made by :func:`shaped`; then ``c`` holds its
    #: elements. Empty for a map or a vector, whose c, h and w say all.
    dims: tuple[int, ...] = ()

    def __repr__(self) -> str:
        dims = f", dims={self.dims}" if self.dims else ""
        return f"Tensor(c={self.c}, h={self.h}, w={self.w}, flat={self.flat}{dims})"

    @property
    def elements(self) -> int:
        return self.c * self.h * self.w

    @property
    def text(self) -> str:
        """The paper's "Input Size" form: ``112x112x32`` (height x width x channels); any
        other shape as PyTorch writes it, batch first: ``1x197x768``."""
        if self.dims:
            return "x".join(str(d) for d in self.dims)
        return f"{self.h}x{self.w}x{self.c}"

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape as PyTorch holds it for a batch of one."""
        return self.dims or self.torch_shape()

    def torch_shape(self, batch: int = 1) -> tuple[int, ...]:
        if self.dims:
            return (batch, *self.dims[1:])
        return (batch, self.c) if self.flat else (batch, self.c, self.h, self.w)


def shaped(dims: tuple[int, ...], image: bool = True) -> Tensor:
    """The :class:`Tensor` of a PyTorch shape with a batch of one: ``(1, C, H, W)`` a map
    (written as the paper does, H x W x C, unless ``image`` is false: attention's
    1 x heads x tokens x features), ``(1, C)`` a vector, anything else kept whole.

    >>> shaped((1, 32, 112, 112)).text, shaped((1, 197, 768)).text, shaped((1, 197, 768)).elements
    ('112x112x32', '1x197x768', 151296)
    >>> scores = shaped((1, 12, 197, 64), image=False)
    >>> scores.text, scores.shape == shaped((1, 12, 197, 64)).shape
    ('1x12x197x64', True)
    """
    dims = tuple(int(d) for d in dims)
    if len(dims) == 4 and dims[0] == 1:
        return Tensor(dims[1], dims[2], dims[3], False, () if image else dims)
    if len(dims) == 2 and dims[0] == 1:
        return Tensor(dims[1], flat=True)
    elements = 1
    for d in dims:
        elements *= d
    return Tensor(elements, 1, 1, True, dims)


def _fail(message: str) -> MobicostError:
    return MobicostError(message)


# --- window geometry ------------------------------------------------------------------------------


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' padding along one axis: (before, after), the odd pixel after.

    >>> same_padding(224, 3, 2), same_padding(7, 3, 1), same_padding(225, 3, 2)
    ((0, 1), (1, 1), (1, 1))
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def window_output(
    size: int,
    kernel: int,
    stride: int,
    before: int,
    after: int,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Output length of a sliding window along one axis, as PyTorch computes it (with Caffe's
    ``ceil_mode``, where the last window may overhang, but must start inside the input).

    >>> window_output(224, 3, 2, 1, 1), window_output(55, 3, 2, 0, 0, ceil_mode=True)
    (112, 27)
    """
    span = dilation * (kernel - 1) + 1
    padded = size + before + after
    if span > padded:
        raise _fail(f"a window of {span} does not fit an input of {size} padded to {padded}")
    steps = padded - span
    out = (-(-steps // stride) if ceil_mode else steps // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + before:
        out -= 1
    return out


def explicit_pads(
    padding: Padding, tensor: Tensor, kernel: Pair, stride: Pair, dilation: Pair
) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zero padding: TensorFlow's 'same' made explicit (the odd
    pixel after), explicit padding as it is. PyTorch and ONNX models are built from it."""
    if padding == "same":
        top, bottom = same_padding(tensor.h, kernel[0], stride[0], dilation[0])
        left, right = same_padding(tensor.w, kernel[1], stride[1], dilation[1])
        return top, bottom, left, right
    return padding


def padding_text(padding: Padding) -> str:
    if padding == "same":
        return "same"
    top, bottom, left, right = padding
    if top == bottom == left == right:
        return str(top)
    return f"{top},{bottom},{left},{right}"


def _spatial(
    tensor: Tensor,
    kernel: Pair,
    stride: Pair,
    padding: Padding,
    dilation: Pair = (1, 1),
    ceil_mode: bool = False,
) -> Pair:
    if tensor.flat:
        raise _fail("a convolution or pooling window needs a feature map, not a flat vector")
    if padding == "same" and ceil_mode:
        raise _fail("ceil_mode applies to explicit padding, not 'same'")
    top, bottom, left, right = explicit_pads(padding, tensor, kernel, stride, dilation)
    try:
        h = window_output(tensor.h, kernel[0], stride[0], top, bottom, dilation[0], ceil_mode)
        w = window_output(tensor.w, kernel[1], stride[1], left, right, dilation[1], ceil_mode)
    except MobicostError:
        raise _fail(
            f"a {kernel[0]}x{kernel[1]} window does not fit a {tensor.h}x{tensor.w} input "
            f"with padding {padding_text(padding)}"
        ) from None
    return h, w


def _windows(size: int, out: int) -> int:
    """The summed lengths of adaptive pooling's windows along one axis: window i covers
    [floor(i size / out), ceil((i + 1) size / out)), as PyTorch's adaptive pooling.

    Summed in closed form, size + out - gcd(size, out), so that no size makes it loop: the
    windows tile the axis once, and each boundary inside it that is not a whole pixel (all but
    gcd - 1 of the out - 1) is counted in the two windows it splits.

    >>> _windows(7, 7), _windows(14, 7), _windows(6, 7), _windows(5, 2)
    (7, 14, 12, 6)
    >>> all(_windows(s, o) == sum(-(-(i + 1) * s // o) - i * s // o for i in range(o))
    ...     for s in range(1, 40) for o in range(1, 40))
    True
    """
    return size + out - math.gcd(size, out)


def _one(inputs: tuple[Tensor, ...], kind: str) -> Tensor:
    if len(inputs) != 1:
        raise _fail(f"{kind} takes one input, got {len(inputs)}")
    return inputs[0]


# --- the kinds -----------------------------------------------------------------------------------


class Op:
    """A layer kind's attributes; subclasses add the shape and cost rules."""

    kind: ClassVar[str]
    #: where the bias convention puts a bias: "conv" layers get one under bias="all", "fc"
    #: layers under "fc" and "all"
    bias_class: ClassVar[Literal["conv", "fc", "none"]] = "none"
    act: str | None = None
    bn: bool = False

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        return _one(inputs, self.kind)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        return rules.ZERO

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        """The "Type / Stride" column."""
        return self.kind.capitalize()

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return ""

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        """The layer type of the paper's Table 2 breakdown."""
        return self.label(inputs, out)


@dataclass(frozen=True)
class Conv(Op):
    """A 2-D convolution: standard, grouped, depthwise (groups = input channels) or pointwise."""

    kind: ClassVar[str] = "conv"
    bias_class: ClassVar[Literal["conv", "fc", "none"]] = "conv"
    filters: int
    kernel: Pair
    stride: Pair = (1, 1)
    padding: Padding = "same"
    dilation: Pair = (1, 1)
    groups: int = 1
    bn: bool = False
    act: str | None = None
    #: whether it has a bias: None where the bias convention decides (a spec's layer), True or
    #: False where the model says (an imported model's own parameters)
    has_bias: bool | None = None
    #: its weights are another layer's (a module called again, tied weights): its MACs are
    #: its own, its weights counted there
    shared: bool = False

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        x = _one(inputs, "a convolution")
        for what, channels in (("input", x.c), ("output", self.filters)):
            if channels % self.groups:
                raise _fail(
                    f"{channels} {what} channels cannot be split into {self.groups} equal groups"
                )
        h, w = _spatial(x, self.kernel, self.stride, self.padding, self.dilation)
        return Tensor(self.filters, h, w)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        k_h, k_w = self.kernel
        if self.has_bias is not None:
            bias = self.has_bias
        cost = rules.conv(k_h, k_w, inputs[0].c, out.c, out.h, out.w, groups=self.groups, bias=bias)
        if self.shared:  # the weights alone, as a one-position convolution has them
            weights = rules.conv(k_h, k_w, inputs[0].c, out.c, 1, 1, groups=self.groups).params
            cost = Cost(cost.macs, cost.params - weights, cost.adds)
        return cost

    def depthwise(self, c_in: int) -> bool:
        return self.groups == c_in and c_in > 1

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        stride = (
            f"s{self.stride[0]}"
            if self.stride[0] == self.stride[1]
            else "s{}x{}".format(*self.stride)
        )
        if self.depthwise(inputs[0].c):
            name = "Conv dw"
        elif self.groups > 1:
            name = "GConv"
        else:
            name = "Conv"
        return f"{name} / {stride}"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        k_h, k_w = self.kernel
        c_in = inputs[0].c
        if self.depthwise(c_in):
            multiplier = f" x{out.c // c_in}" if out.c != c_in else ""
            return f"{k_h}x{k_w}x{c_in} dw{multiplier}"
        shape = f"{k_h}x{k_w}x{c_in}x{out.c}"
        if self.groups > 1:
            shape += f" g{self.groups}"
        if self.dilation != (1, 1):
            shape += f" d{self.dilation[0]}"
        return shape

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        k_h, k_w = self.kernel
        if self.depthwise(inputs[0].c):
            return f"Conv DW {k_h}x{k_w}"
        if self.groups > 1:
            return f"GConv {k_h}x{k_w}"
        return f"Conv {k_h}x{k_w}"


@dataclass(frozen=True)
class Linear(Op):
    """A fully connected layer on a vector (a flattened map, or a 1x1 map)."""

    kind: ClassVar[str] = "fc"
    bias_class: ClassVar[Literal["conv", "fc", "none"]] = "fc"
    units: int
    bn: bool = False
    act: str | None = None

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        x = _one(inputs, "a fully connected layer")
        if x.h * x.w != 1:
            raise _fail(
                f"a fully connected layer needs a vector, got a {x.text} map: "
                "add a flatten or a global pool before it"
            )
        return Tensor(self.units, flat=True)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        return rules.fully_connected(inputs[0].c, out.c, bias=bias)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "FC / s1"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return f"{inputs[0].c}x{out.c}"

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Fully Connected"


PoolMode = Literal["max", "avg"]


@dataclass(frozen=True)
class Pool(Op):
    """Max or average pooling over a window, or adaptive (``output`` size) as PyTorch's
    ``AdaptiveAvgPool2d``, whose windows may differ in size. No MACs; average pooling's additions
    are counted with ``pool_adds``: one operation per window element per output (the division
    included)."""

    kind: ClassVar[str] = "pool"
    mode: PoolMode = "max"
    kernel: Pair = (2, 2)
    stride: Pair = (2, 2)
    padding: Padding = (0, 0, 0, 0)
    ceil_mode: bool = False
    output: Pair | None = None  #: adaptive pooling to this size

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        x = _one(inputs, "pooling")
        if self.output is not None:
            if x.flat:
                raise _fail("adaptive pooling needs a feature map, not a flat vector")
            return Tensor(x.c, *self.output)
        h, w = _spatial(x, self.kernel, self.stride, self.padding, ceil_mode=self.ceil_mode)
        return Tensor(x.c, h, w)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        if self.mode != "avg" or not conventions.pool_adds:
            return rules.ZERO
        x = inputs[0]
        if self.output is None:
            k_h, k_w = self.kernel
            return Cost(macs=0, params=0, adds=out.elements * k_h * k_w)
        return Cost(macs=0, params=0, adds=x.c * _windows(x.h, out.h) * _windows(x.w, out.w))

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        name = "Avg Pool" if self.mode == "avg" else "Max Pool"
        if self.output is not None:
            return f"{name} / adaptive"
        return f"{name} / s{self.stride[0]}"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        if self.output is not None:
            return f"Pool to {self.output[0]}x{self.output[1]}"
        return f"Pool {self.kernel[0]}x{self.kernel[1]}"

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Avg Pool" if self.mode == "avg" else "Max Pool"


@dataclass(frozen=True)
class GlobalPool(Op):
    """Global pooling: the whole map to 1x1 per channel (the classifier heads' average pool)."""

    kind: ClassVar[str] = "gap"
    mode: PoolMode = "avg"

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        x = _one(inputs, "global pooling")
        if x.flat:
            raise _fail("global pooling needs a feature map, not a flat vector")
        return Tensor(x.c, 1, 1)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        if self.mode != "avg":
            return rules.ZERO
        x = inputs[0]
        return Cost(macs=0, params=0, adds=x.elements if conventions.pool_adds else 0)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return ("Avg Pool" if self.mode == "avg" else "Max Pool") + " / s1"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return f"Pool {inputs[0].h}x{inputs[0].w}"

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Avg Pool" if self.mode == "avg" else "Max Pool"


def _same_shapes(inputs: tuple[Tensor, ...], what: str) -> Tensor:
    if len(inputs) < 2:
        raise _fail(f"{what} takes at least two inputs, got {len(inputs)}")
    first = inputs[0]
    for other in inputs[1:]:
        if other != first:
            raise _fail(
                f"{what} of unequal shapes: "
                + " + ".join(t.text for t in inputs)
                + " (a residual needs the same channels and size on both sides)"
            )
    return first


@dataclass(frozen=True)
class Add(Op):
    """Element-wise sum of equal shapes (a residual connection)."""

    kind: ClassVar[str] = "add"
    act: str | None = None

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        return _same_shapes(inputs, "an add")

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        adds = (len(inputs) - 1) * out.elements if conventions.eltwise_ops else 0
        return Cost(macs=0, params=0, adds=adds)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Add"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return " + ".join(["x"] * len(inputs))

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Add"


@dataclass(frozen=True)
class Concat(Op):
    """Channel concatenation of maps of one size. Free: no arithmetic."""

    kind: ClassVar[str] = "concat"

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        if not inputs:
            raise _fail("a concat needs inputs")
        first = inputs[0]
        for other in inputs[1:]:
            if (other.h, other.w, other.flat) != (first.h, first.w, first.flat):
                raise _fail("a concat of unequal sizes: " + ", ".join(t.text for t in inputs))
        return Tensor(sum(t.c for t in inputs), first.h, first.w, first.flat)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Concat"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return " + ".join(str(t.c) for t in inputs)


@dataclass(frozen=True)
class Shuffle(Op):
    """ShuffleNet's channel shuffle: a permutation, free."""

    kind: ClassVar[str] = "shuffle"
    groups: int = 2

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        x = _one(inputs, "a channel shuffle")
        if x.c % self.groups:
            raise _fail(f"{x.c} channels cannot be shuffled in {self.groups} equal groups")
        return x

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Shuffle"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return f"g{self.groups}"


@dataclass(frozen=True)
class Split(Op):
    """One of ``parts`` equal channel slices (ShuffleNet v2's channel split): a view, free."""

    kind: ClassVar[str] = "split"
    parts: int = 2
    index: int = 0

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        x = _one(inputs, "a channel split")
        if x.c % self.parts:
            raise _fail(f"{x.c} channels cannot be split into {self.parts} equal parts")
        if not 0 <= self.index < self.parts:
            raise _fail(f"split index {self.index} is not one of 0..{self.parts - 1}")
        return Tensor(x.c // self.parts, x.h, x.w, x.flat)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Split"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return f"part {self.index + 1} of {self.parts}"


@dataclass(frozen=True)
class SqueezeExcite(Op):
    """Squeeze-and-excitation (Hu et al. 2018), as MobileNet v3 uses it: a global average pool,
    a fully connected layer to ``squeeze`` channels, ``act``, one back to C, the ``gate``, and
    the map scaled by it. MACs: the two fully connected layers, 2 C S. Its pooling additions and
    its C x H x W scaling multiplications are other operations (``pool_adds``, ``eltwise_ops``)."""

    kind: ClassVar[str] = "se"
    bias_class: ClassVar[Literal["conv", "fc", "none"]] = "fc"
    squeeze: int = 8
    act: str | None = "relu"
    gate: str = "hsigmoid"

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        x = _one(inputs, "squeeze-and-excitation")
        if x.flat:
            raise _fail("squeeze-and-excitation needs a feature map, not a flat vector")
        return x

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        c = out.c
        fcs = rules.fully_connected(c, self.squeeze, bias=bias) + rules.fully_connected(
            self.squeeze, c, bias=bias
        )
        adds = 0
        if conventions.pool_adds:
            adds += out.elements
        if conventions.eltwise_ops:
            adds += out.elements
        if conventions.activation_ops:
            adds += self.squeeze + c  # the squeeze's activation and the gate
        return fcs + Cost(0, 0, adds)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "SE"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return f"{out.c}x{self.squeeze}x{out.c}"

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Squeeze-Excite"


@dataclass(frozen=True)
class Activation(Op):
    """A stand-alone activation function (most specs write ``act`` on the layer instead)."""

    kind: ClassVar[str] = "act"
    act: str | None = "relu"

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return str(self.act).capitalize()


@dataclass(frozen=True)
class BatchNorm(Op):
    """A stand-alone batch normalisation (most specs write ``bn = true`` on the convolution)."""

    kind: ClassVar[str] = "bn"
    bn: bool = True
    act: str | None = None

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "BN"


@dataclass(frozen=True)
class Flatten(Op):
    """A map to a vector of C x H x W: free."""

    kind: ClassVar[str] = "flatten"

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        x = _one(inputs, "flatten")
        return Tensor(x.elements, flat=True)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Flatten"


@dataclass(frozen=True)
class Dropout(Op):
    """Dropout: the identity at inference, free."""

    kind: ClassVar[str] = "dropout"
    p: str = "0.5"

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Dropout"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return f"p = {self.p}"


KINDS: dict[str, type[Op]] = {
    cls.kind: cls
    for cls in (
        Conv,
        Linear,
        Pool,
        GlobalPool,
        Add,
        Concat,
        Shuffle,
        Split,
        SqueezeExcite,
        Activation,
        BatchNorm,
        Flatten,
        Dropout,
    )
}


def activation_ops(op: Op, out: Tensor, conventions: Conventions) -> int:
    """Operations of the layer's own activation (one per output element) when counted."""
    if op.act is None or not conventions.activation_ops or isinstance(op, SqueezeExcite):
        return 0
    return out.elements


def bn_params(op: Op, out: Tensor, conventions: Conventions) -> Cost:
    """Batch-norm parameters of a layer followed by batch norm (no MACs)."""
    if not op.bn:
        return rules.ZERO
    return rules.batch_norm(out.c, vectors=conventions.bn_vectors)


# --- tensor kinds: imported models and transformers -----------------------------------------------
#
# The kinds below are what :mod:`mobicost.frontends` read PyTorch modules and ONNX files into,
# and what a spec file writes them back as (``mobicost spec MODEL``). Their tensors may have
# any shape (:func:`shaped`), batch of one first. What they count is torch.utils.flop_counter's
# convention: MACs are the multiply-accumulates of convolutions, matrix products and attention's
# two products; a normalisation, an activation, a softmax, an element-wise operation, a
# reduction or a view has none (its element operations are ``adds`` where a convention counts
# them).


def broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy's (and PyTorch's) broadcast of shapes.

    >>> broadcast((1, 96, 56, 56), (1, 96, 1, 1)), broadcast((1, 197, 768), (768,))
    ((1, 96, 56, 56), (1, 197, 768))
    """
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + s for s in shapes]
    out = []
    for sizes in zip(*padded, strict=True):
        wide = {d for d in sizes if d != 1}
        if len(wide) > 1:
            raise _fail(
                "shapes do not broadcast: " + ", ".join("x".join(map(str, s)) for s in shapes)
            )
        out.append(wide.pop() if wide else 1)
    return tuple(out)


def _product(sizes: tuple[int, ...]) -> int:
    result = 1
    for size in sizes:
        result *= size
    return result


@dataclass(frozen=True)
class MatMul(Op):
    """A matrix product over the last two dimensions, batched over the others: a fully connected
    layer on a vector or on tokens (``weight``: one input, the right operand the layer's learned
    K x ``units`` weight) or a product of two activations (``weight`` false: two inputs, as
    attention's scores in Swin's windows). MACs: batch x M x K x N (:func:`rules.matmul`).

    ``added``: a third input is added to the product, broadcast (``baddbmm``'s ``input``, or
    ``addmm``'s where it is an activation, not a bias): no MACs of its own. ``summed``: the
    batch of products is summed into one M x N matrix (``addbmm``), the same MACs.

    >>> a, b = shaped((4, 3, 5)), shaped((4, 5, 2))
    >>> summed = MatMul(added=True, summed=True)
    >>> out = summed.infer((a, b, shaped((3, 2))))
    >>> out.shape, summed.cost((a, b), out, None, False).macs == 4 * 3 * 5 * 2
    ((3, 2), True)
    """

    kind: ClassVar[str] = "matmul"
    units: int = 0  #: N, the weight's columns (a product of two activations: 0)
    weight: bool = False
    has_bias: bool = False
    added: bool = False
    summed: bool = False

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        if self.weight:
            x = _one(inputs, "a fully connected layer")
            return shaped((*x.shape[:-1], self.units), image=False)
        operands = 3 if self.added else 2
        if len(inputs) != operands:
            raise _fail(f"this matrix product takes {operands} inputs, got {len(inputs)}")
        a, b = inputs[0].shape, inputs[1].shape
        if len(a) < 2 or len(b) < 2 or a[-1] != b[-2]:
            raise _fail(f"a matrix product of {inputs[0].text} and {inputs[1].text}")
        batch = () if self.summed else broadcast(a[:-2], b[:-2])
        out = (*batch, a[-2], b[-1])
        if self.added and broadcast(out, inputs[2].shape) != out:
            raise _fail(f"{inputs[2].text} cannot be added to a {'x'.join(map(str, out))} product")
        return shaped(out, image=False)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        if self.weight:
            shape = out.shape
            m = shape[-2] if len(shape) > 1 else 1
            batch = _product(shape[:-2])
            k = inputs[0].shape[-1]
            return rules.matmul(batch, m, k, shape[-1], weight=True, bias=self.has_bias)
        a, b = inputs[0].shape, inputs[1].shape
        batch = _product(broadcast(a[:-2], b[:-2]))
        return rules.matmul(batch, a[-2], a[-1], b[-1], bias=self.has_bias)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Linear" if self.weight else "MatMul"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        if self.weight:
            return f"{inputs[0].shape[-1]}x{out.shape[-1]}" + (" +b" if self.has_bias else "")
        product = " @ ".join(t.text for t in inputs[:2])
        return f"{product} + {inputs[2].text}" if self.added else product

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Fully Connected" if self.weight else "MatMul"


@dataclass(frozen=True)
class Einsum(Op):
    """A product of two tensors written as an einsum (``equation``: ``bhid,bhjd->bhij``),
    costed as ``torch.einsum`` computes it and torch's counter counts it: an index of one
    operand alone that the output drops is summed first (no MACs), then one batched matrix
    product, :func:`rules.matmul` with batch the indices of both operands and the output, M
    the first operand's and the output's, K both operands' that the output drops, N the
    second's and the output's. One operand (a transpose, a trace) has no MACs; more than two
    are not costed.

    >>> q, k = shaped((1, 12, 197, 64), image=False), shaped((1, 12, 197, 64), image=False)
    >>> scores = Einsum("bhid,bhjd->bhij")
    >>> out = scores.infer((q, k))
    >>> out.text, scores.cost((q, k), out, None, False).macs == 12 * 197 * 197 * 64
    ('1x12x197x197', True)
    """

    kind: ClassVar[str] = "einsum"
    equation: str = ""

    def _terms(self, inputs: tuple[Tensor, ...]) -> tuple[list[str], str, dict[str, int]]:
        text = "".join(self.equation.split())
        left, arrow, output = text.partition("->")
        terms = left.split(",")
        if not arrow or "." in text or len(terms) != len(inputs) or len(terms) > 2:
            raise _fail(f"einsum {self.equation!r} of {len(inputs)} inputs is not costed")
        sizes: dict[str, int] = {}
        for term, tensor in zip(terms, inputs, strict=True):
            if len(term) != len(tensor.shape):
                raise _fail(f"einsum {self.equation!r}: {term} does not name {tensor.text}")
            for index, size in zip(term, tensor.shape, strict=True):
                if sizes.setdefault(index, size) != size and 1 not in (size, sizes[index]):
                    raise _fail(
                        f"einsum {self.equation!r}: {index} is both {sizes[index]} and {size}"
                    )
                sizes[index] = max(size, sizes[index])
        if any(index not in sizes for index in output):
            raise _fail(f"einsum {self.equation!r}: an output index no input has")
        return terms, output, sizes

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        _, output, sizes = self._terms(inputs)
        return shaped(tuple(sizes[index] for index in output), image=False)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        terms, output, sizes = self._terms(inputs)
        if len(terms) == 1:
            return rules.ZERO
        a, b = set(terms[0]), set(terms[1])
        o = set(output)

        def size(indices: set[str]) -> int:
            return _product(tuple(sizes[index] for index in sorted(indices)))

        batch, m = size(a & b & o), size((a - b) & o)
        return rules.matmul(batch, m, size((a & b) - o), size((b - a) & o))

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Einsum"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "".join(self.equation.split())

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "MatMul"


@dataclass(frozen=True)
class ConvNd(Op):
    """A convolution over any number of spatial dimensions, batch of one first (a 1-d one over
    a 1 x C x L sequence, a 3-d one over a 1 x C x D x H x W video), or a transposed one
    (``transposed``: a decoder's upsampling, whose input positions each scatter the window).
    ``padding`` is each spatial dimension's (before, after); a transposed convolution's output
    grows by ``output_padding`` at the end. The 2-d convolution of the paper's tables is
    :class:`Conv`. MACs and parameters: :func:`rules.convolution`, the weight's elements at
    each output position, or at each input position where transposed.

    >>> up = ConvNd(16, (2, 2), stride=(2, 2), padding=((0, 0), (0, 0)), transposed=True)
    >>> out = up.infer((shaped((1, 32, 7, 7)),))
    >>> out.shape, up.cost((shaped((1, 32, 7, 7)),), out, None, False).macs == 32 * 16 * 4 * 49
    ((1, 16, 14, 14), True)
    """

    kind: ClassVar[str] = "convnd"
    filters: int
    kernel: tuple[int, ...]
    stride: tuple[int, ...] = ()
    padding: tuple[tuple[int, int], ...] = ()
    dilation: tuple[int, ...] = ()
    groups: int = 1
    has_bias: bool = False
    transposed: bool = False
    output_padding: tuple[int, ...] = ()
    shared: bool = False  #: its weights are another layer's (see :attr:`Conv.shared`)

    def _each(self, values: tuple[int, ...], default: int) -> tuple[int, ...]:
        return values or (default,) * len(self.kernel)

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        x = _one(inputs, "a convolution").shape
        if len(x) != len(self.kernel) + 2:
            raise _fail(
                f"a {len(self.kernel)}-d convolution needs a 1 x C x {len(self.kernel)}-d input, "
                f"not {'x'.join(map(str, x))}"
            )
        for what, channels in (("input", x[1]), ("output", self.filters)):
            if channels % self.groups:
                raise _fail(
                    f"{channels} {what} channels cannot be split into {self.groups} equal groups"
                )
        pads = self.padding or ((0, 0),) * len(self.kernel)
        extra = self._each(self.output_padding, 0)
        sizes = []
        for size, k, s, (before, after), d, more in zip(
            x[2:], self.kernel, self._each(self.stride, 1), pads,
            self._each(self.dilation, 1), extra, strict=True,
        ):  # fmt: skip
            if self.transposed:
                sizes.append((size - 1) * s - before - after + d * (k - 1) + more + 1)
            else:
                sizes.append(window_output(size, k, s, before, after, d))
        if min(sizes) < 1:
            raise _fail(f"a transposed convolution of {'x'.join(map(str, x))} makes nothing")
        return shaped((1, self.filters, *sizes))

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        x = inputs[0].shape
        positions = _product((x if self.transposed else out.shape)[2:])
        cost = rules.convolution(
            self.kernel, x[1], self.filters, positions, groups=self.groups, bias=self.has_bias
        )
        if self.shared:
            weights = rules.convolution(self.kernel, x[1], self.filters, 1, groups=self.groups)
            cost = Cost(cost.macs, cost.params - weights.params, cost.adds)
        return cost

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        name = "ConvTranspose" if self.transposed else "Conv"
        return f"{name} {len(self.kernel)}d / s{'x'.join(map(str, self._each(self.stride, 1)))}"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        shape = "x".join(map(str, (*self.kernel, inputs[0].shape[1], self.filters)))
        return shape + (f" g{self.groups}" if self.groups > 1 else "")

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        name = "ConvTranspose" if self.transposed else "Conv"
        return f"{name} {'x'.join(map(str, self.kernel))}"


@dataclass(frozen=True)
class Attention(Op):
    """Scaled dot-product attention of queries, keys and values (batch, heads..., length,
    features): softmax(Q K^T / sqrt(E)) V, as ``torch.nn.functional.scaled_dot_product_attention``.
    MACs: its two products (:func:`rules.attention`); no parameters."""

    kind: ClassVar[str] = "attention"

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        if len(inputs) != 3:
            raise _fail(f"attention takes queries, keys and values, got {len(inputs)} inputs")
        q, k, v = (t.shape for t in inputs)
        if q[-1] != k[-1] or k[-2] != v[-2]:
            raise _fail("attention of " + ", ".join(t.text for t in inputs))
        return shaped((*q[:-1], v[-1]), image=False)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        q, k, v = (t.shape for t in inputs)
        return rules.attention(_product(q[:-2]), q[-2], k[-2], q[-1], v[-1])

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Attention"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        q = inputs[0].shape
        heads = _product(q[1:-2])
        return f"{heads} heads x{q[-1]}"


@dataclass(frozen=True)
class Norm(Op):
    """Batch, layer or group normalisation (``fn``), with ``vectors`` learned vectors (scale and
    shift: 2; none: 0) of ``features`` each: the model's own parameters, whatever the batch-norm
    convention; no MACs (:func:`rules.normalization`)."""

    kind: ClassVar[str] = "norm"
    fn: str = "layer"
    features: int = 0
    vectors: int = 2

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        return rules.normalization(self.features, vectors=self.vectors)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return {"batch": "BN", "layer": "LayerNorm", "group": "GroupNorm"}.get(self.fn, self.fn)

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return f"{self.vectors}x{self.features}" if self.vectors else ""


@dataclass(frozen=True)
class Eltwise(Op):
    """An element-wise operation (``fn``: add, mul, sub, div...) of broadcast inputs, or of one
    input and a constant: a residual sum, SE's or a layer scale's product. No MACs; one operation
    per output element under ``eltwise_ops``."""

    kind: ClassVar[str] = "eltwise"
    fn: str = "add"

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        if not inputs:
            raise _fail(f"an element-wise {self.fn} needs an input")
        return shaped(broadcast(*(t.shape for t in inputs)))

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        return Cost(macs=0, params=0, adds=out.elements if conventions.eltwise_ops else 0)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return self.fn.capitalize()

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return f" {self.fn} ".join(t.text for t in inputs)

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Element-wise"


@dataclass(frozen=True)
class Reduce(Op):
    """A reduction (``fn``: mean, sum, max) to ``dims``, as a global average pool written as a
    mean over height and width. No MACs; one operation per input element under ``pool_adds``."""

    kind: ClassVar[str] = "reduce"
    fn: str = "mean"
    dims: tuple[int, ...] = ()

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        _one(inputs, "a reduction")
        return shaped(self.dims)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        adds = inputs[0].elements if conventions.pool_adds and self.fn != "max" else 0
        return Cost(macs=0, params=0, adds=adds)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return self.fn.capitalize()

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Reduce"


#: the moves that make no new tensor, by PyTorch's (ATen's) and ONNX's names: the output is
#: the input's memory seen another way, as PyTorch's views are (a reshape, a permutation, an
#: expansion, a slice, a split); every other move (cat, stack, pad, roll, gather, a clone or
#: contiguous copy, a cast) writes a new tensor
ALIASES = frozenset({
    "view", "_unsafe_view", "_reshape_alias", "reshape", "flatten", "unflatten", "permute",
    "transpose", "t", "movedim", "expand", "expand_as", "unsqueeze", "squeeze", "select",
    "slice", "narrow", "split", "split_with_sizes", "unsafe_split", "unbind", "chunk",
    "as_strided", "alias", "detach", "dropout", "native_dropout", "identity", "sequenceat",
})  # fmt: skip


@dataclass(frozen=True)
class View(Op):
    """A tensor moved, not computed (``fn``: reshape, permute, transpose, expand, slice, cat,
    roll, pad...) to ``dims``: free. Where ``fn`` is one of :data:`ALIASES` it is a view of its
    first input's memory; otherwise a copy.

    >>> View("transpose").aliases, View("cat").aliases, View("contiguous").aliases
    (True, False, False)
    """

    kind: ClassVar[str] = "view"
    fn: str = "view"
    dims: tuple[int, ...] = ()

    @property
    def aliases(self) -> bool:
        """Whether the output is the first input's memory (no new tensor)."""
        return self.fn.lower() in ALIASES

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        if not inputs:
            raise _fail(f"{self.fn} needs an input")
        return shaped(self.dims, image=False)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return self.fn.capitalize()

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "View"


@dataclass(frozen=True)
class Param(Op):
    """A learned tensor that enters the graph as an activation does (ViT's class token and
    position embedding, ConvNeXt's layer scale): no inputs; its elements are parameters."""

    kind: ClassVar[str] = "param"
    dims: tuple[int, ...] = ()
    #: the parameters it holds, where not its elements (a view of parameters counted before: 0)
    size: int | None = None

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        if inputs:
            raise _fail("a learned tensor takes no inputs")
        return shaped(self.dims, image=False)

    def cost(
        self, inputs: tuple[Tensor, ...], out: Tensor, conventions: Conventions, bias: bool
    ) -> Cost:
        return Cost(macs=0, params=_product(self.dims) if self.size is None else self.size)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Param"

    def filter_shape(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "x".join(str(d) for d in self.dims)

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Param"


@dataclass(frozen=True)
class Uncosted(Op):
    """An operation mobicost has no rule for (``name``: ``aten.cumsum``), kept in the graph so
    that shapes flow on and reports name it: counted as nothing, and said so."""

    kind: ClassVar[str] = "uncosted"
    name: str = ""
    dims: tuple[int, ...] = ()

    def infer(self, inputs: tuple[Tensor, ...]) -> Tensor:
        return shaped(self.dims, image=False)

    def label(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return f"{self.name} (not costed)"

    def category(self, inputs: tuple[Tensor, ...], out: Tensor) -> str:
        return "Not costed"


def image_output(op: Op, inputs: tuple[Tensor, ...]) -> bool:
    """Whether a 4-d output is an image's feature map (shown H x W x C, as the paper's tables)
    rather than a tensor such as attention's heads: what convolutions, pooling and batch norm
    make, and what element-wise operations make of a map. The one rule by which an imported
    model's observed shapes and a spec's inferred ones become the same :class:`Tensor`
    (:func:`shaped`)."""
    if isinstance(op, Conv | ConvNd | Pool):
        return True
    if isinstance(op, Norm):
        return op.fn == "batch"
    if isinstance(op, Activation | Eltwise | Reduce | Uncosted):
        return bool(inputs) and not inputs[0].dims and not inputs[0].flat
    return False


#: the kinds of imported models and transformers, by name (spec files write them too)
TENSOR_KINDS: dict[str, type[Op]] = {
    cls.kind: cls
    for cls in (MatMul, Einsum, ConvNd, Attention, Norm, Eltwise, Reduce, View, Param, Uncosted)
}
