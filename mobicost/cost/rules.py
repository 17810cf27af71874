"""Cost rules: one small definition per layer kind, written once.

Every rule below is plain ``+``, ``*`` and :func:`exact_div` on its arguments, so the *same*
function evaluates exact Python integers (the numeric path, used by ``mobicost table``) and sympy
symbols (the symbolic path, used by ``mobicost formula``): the two paths cannot disagree. This
module never imports sympy.

Counting conventions, stated where the numbers are made:

* ``macs`` are multiply-accumulates, the paper's "mult-adds": one ``a * b + c`` is one MAC.
  FLOPs, as TensorFlow's profiler and ``torch.utils.flop_counter`` report them, are 2 x MACs;
  converting is a convention (:class:`mobicost.cost.conventions.Conventions`), never done here.
* A bias changes the parameter count only: adding a bias is an addition, not a multiply-add
  (``torch.utils.flop_counter`` likewise ignores it).
* ``adds`` are plain additions that are not part of a multiply-add (a pooling sum). They are
  zero unless a rule is explicitly asked to count them.
* Batch normalisation costs no MACs: at inference it folds into the preceding convolution.

The paper's notation (Howard et al. 2017, section 3.1): ``D_K`` kernel size, ``M`` input channels,
``N`` output channels, ``D_F`` feature-map size. Here ``f`` (``D_F``) is always the *output* size,
which equals the input size at stride 1 with 'same' padding, the paper's setting.

>>> standard(k=3, m=512, n=512, f=14)  # paper Table 3, first row: 462M mult-adds, 2.36M params
Cost(macs=462422016, params=2359296, adds=0)
>>> depthwise_separable(k=3, m=512, n=512, f=14)  # Table 3, second row: 52.3M, 0.27M
Cost(macs=52283392, params=266752, adds=0)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, Union

from ..errors import MobicostError

if TYPE_CHECKING:  # pragma: no cover - typing only; sympy stays off the numeric path
    from sympy import Expr

#: What a rule computes with: exact numbers or sympy expressions, never floats.
Value = Union[int, Fraction, "Expr"]

Padding = Literal["same", "valid"]
PADDINGS: tuple[Padding, ...] = ("same", "valid")


@dataclass(frozen=True)
class Cost:
    """The cost of one layer or of several: parameters and operations, exact."""

    macs: Value
    params: Value
    adds: Value = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.macs + other.macs, self.params + other.params, self.adds + other.adds)


ZERO = Cost(0, 0, 0)


def total(costs: list[Cost] | tuple[Cost, ...]) -> Cost:
    """The sum of several costs (exact).

    >>> total([pointwise(m=32, n=64, f=112), pointwise(m=64, n=64, f=56)])
    Cost(macs=38535168, params=6144, adds=0)
    """
    result = ZERO
    for cost in costs:
        result = result + cost
    return result


def exact_div(a: Value, b: Value) -> Value:
    """``a / b`` without leaving the exact domain.

    Integers must divide evenly (a grouped convolution needs channels divisible by the groups);
    anything else (a :class:`~fractions.Fraction`, a sympy expression) divides as itself.

    >>> exact_div(512, 4)
    128
    >>> exact_div(512, 3)
    Traceback (most recent call last):
    ...
    mobicost.errors.MobicostError: 512 channels cannot be split into 3 equal groups
    """
    if isinstance(a, int) and isinstance(b, int):
        quotient, remainder = divmod(a, b)
        if remainder:
            raise MobicostError(f"{a} channels cannot be split into {b} equal groups")
        return quotient
    return a / b


# --- the primitive -------------------------------------------------------------------------------


def conv(
    k_h: Value,
    k_w: Value,
    c_in: Value,
    c_out: Value,
    h_out: Value,
    w_out: Value,
    *,
    groups: Value = 1,
    bias: bool = False,
) -> Cost:
    """A 2-D convolution, the primitive every other rule is built from.

    Each of the ``h_out x w_out x c_out`` outputs is a dot product over a ``k_h x k_w`` window of
    ``c_in / groups`` input channels:

    * MACs = k_h * k_w * (c_in / groups) * c_out * h_out * w_out
    * params = k_h * k_w * (c_in / groups) * c_out, plus c_out with a bias.
    """
    return convolution((k_h, k_w), c_in, c_out, h_out * w_out, groups=groups, bias=bias)


def convolution(
    kernel: tuple[Value, ...],
    c_in: Value,
    c_out: Value,
    positions: Value,
    *,
    groups: Value = 1,
    bias: bool = False,
) -> Cost:
    """A convolution over any number of spatial dimensions (1-d over a sequence, 2-d, 3-d over
    a video), or a transposed one: the weight, prod(kernel) x (c_in / groups) x c_out elements,
    applied at ``positions`` places, each a multiply-add per weight element:

    * MACs = prod(kernel) * (c_in / groups) * c_out * positions
    * params = prod(kernel) * (c_in / groups) * c_out, plus c_out with a bias.

    A convolution's positions are its output's (each output a dot product over its window); a
    transposed convolution's are its input's (each input element scatters the whole window), as
    ``torch.utils.flop_counter``'s ``conv_flop_count``.

    >>> convolution((3,), 64, 128, 100)  # a 1-d convolution, 100 outputs: 3 x 64 x 128 x 100
    Cost(macs=2457600, params=24576, adds=0)
    >>> convolution((3, 3), 32, 64, 56 * 56) == conv(3, 3, 32, 64, 56, 56)
    True
    """
    weights = exact_div(c_in, groups) * c_out
    for size in kernel:
        weights = size * weights
    return Cost(macs=weights * positions, params=weights + (c_out if bias else 0))


# --- the layer kinds -----------------------------------------------------------------------------


def standard(k: Value, m: Value, n: Value, f: Value, *, bias: bool = False) -> Cost:
    """Standard D_K x D_K convolution, M -> N channels: D_K^2 M N D_F^2 MACs, D_K^2 M N params."""
    return conv(k, k, m, n, f, f, bias=bias)


def grouped(k: Value, m: Value, n: Value, f: Value, g: Value, *, bias: bool = False) -> Cost:
    """Grouped convolution: g independent convolutions of M/g -> N/g channels (1/g of standard).

    >>> grouped(k=3, m=512, n=512, f=14, g=4).macs * 4 == standard(k=3, m=512, n=512, f=14).macs
    True
    """
    exact_div(n, g)  # the output channels must split evenly too
    return conv(k, k, m, n, f, f, groups=g, bias=bias)


def depthwise(k: Value, m: Value, f: Value, *, multiplier: Value = 1, bias: bool = False) -> Cost:
    """Depthwise convolution: one D_K x D_K filter per input channel (``multiplier`` filters with a
    channel multiplier), producing M * multiplier channels: D_K^2 M D_F^2 MACs, D_K^2 M params."""
    return conv(k, k, m, m * multiplier, f, f, groups=m, bias=bias)


def pointwise(m: Value, n: Value, f: Value, *, bias: bool = False) -> Cost:
    """Pointwise (1 x 1) convolution, M -> N channels: M N D_F^2 MACs, M N params."""
    return conv(1, 1, m, n, f, f, bias=bias)


def depthwise_separable(
    k: Value, m: Value, n: Value, f: Value, *, multiplier: Value = 1, bias: bool = False
) -> Cost:
    """Depthwise then pointwise: (D_K^2 + N) M D_F^2 MACs, the paper's equation (5)."""
    return depthwise(k, m, f, multiplier=multiplier, bias=bias) + pointwise(
        m * multiplier, n, f, bias=bias
    )


def spatial_separable(
    k: Value, m: Value, n: Value, f: Value, w_in: Value, *, bias: bool = False
) -> Cost:
    """Spatially separable convolution: a D_K x 1 pass (M -> M channels), then a 1 x D_K pass
    (M -> N channels), as Inception v3 factorises its 7 x 7 convolutions.

    The first pass shrinks only the height, so it runs over an ``f x w_in`` map, ``w_in`` being the
    input width: ``w_in = f`` with 'same' padding and stride 1, ``f + k - 1`` with 'valid' padding.
    With one channel and valid padding this is seed 003's count exactly: for an n x n image and a
    3 x 3 kernel, (n-2) n 3 + (n-2)^2 3 = (2n-2)(n-2) 3 multiplications.

    >>> n = 10
    >>> spatial_separable(k=3, m=1, n=1, f=n - 2, w_in=n).macs == (2 * n - 2) * (n - 2) * 3
    True
    """
    return total(spatial_separable_passes(k, m, n, f, w_in, bias=bias))


def spatial_separable_passes(
    k: Value, m: Value, n: Value, f: Value, w_in: Value, *, bias: bool = False
) -> tuple[Cost, Cost]:
    """The two passes of :func:`spatial_separable`: D_K x 1 over f x w_in, then 1 x D_K."""
    return conv(k, 1, m, m, f, w_in, bias=bias), conv(1, k, m, n, f, f, bias=bias)


def fully_connected(m: Value, n: Value, *, bias: bool = False) -> Cost:
    """Fully connected layer, M -> N: M N MACs, M N params (+ N with a bias)."""
    return conv(1, 1, m, n, 1, 1, bias=bias)


def global_avg_pool(m: Value, f: Value, *, count_adds: bool = False) -> Cost:
    """Global average pooling over a D_F x D_F x M map. No multiply-adds and no parameters; with
    ``count_adds`` it costs M D_F^2 plain operations (D_F^2 - 1 additions and one division per
    channel), which is how ptflops-style counters charge it."""
    return Cost(macs=0, params=0, adds=m * f * f if count_adds else 0)


def batch_norm(n: Value, *, vectors: int) -> Cost:
    """Batch normalisation over N channels: ``vectors`` parameter vectors of length N (2 for the
    affine gamma and beta, 4 when the moving mean and variance are counted too, as Keras does).
    No MACs: at inference it folds into the preceding convolution."""
    return Cost(macs=0, params=n * vectors)


# --- geometry ------------------------------------------------------------------------------------


def output_size(size: int, kernel: int, stride: int, padding: Padding) -> int:
    """Spatial output size of a convolution or pooling window.

    'same' padding (TensorFlow's): ceil(size / stride), whatever the kernel. 'valid' padding:
    floor((size - kernel) / stride) + 1, and the kernel must fit in the input.

    >>> output_size(224, 3, 2, "same"), output_size(7, 3, 2, "same"), output_size(16, 3, 1, "valid")
    (112, 4, 14)
    """
    for name, value in (("size", size), ("kernel", kernel), ("stride", stride)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise MobicostError(f"{name} must be a positive integer, got {value!r}")
    if padding == "same":
        return -(-size // stride)
    if padding == "valid":
        if kernel > size:
            raise MobicostError(
                f"a {kernel}x{kernel} kernel does not fit a {size}x{size} input "
                "with 'valid' padding"
            )
        return (size - kernel) // stride + 1
    raise MobicostError(f"unknown padding {padding!r}; use 'same' or 'valid'")


# --- tensor kinds: the layers of imported models and transformers ---------------------------------


def matmul(
    batch: Value, m: Value, k: Value, n: Value, *, weight: bool = False, bias: bool = False
) -> Cost:
    """A matrix product, ``batch`` times (M x K) @ (K x N): batch M K N MACs, as
    ``torch.utils.flop_counter`` counts ``mm``, ``addmm``, ``bmm`` and ``baddbmm`` (its FLOPs are
    twice this). A fully connected layer on M tokens is one, its learned K x N ``weight`` its
    parameters (+ N with a bias); a product of two activations (attention's scores) has none.

    >>> matmul(1, 197, 768, 3072, weight=True, bias=True)  # a ViT-B MLP's first layer
    Cost(macs=464781312, params=2362368, adds=0)
    >>> matmul(1, 1, 512, 1000, weight=True).macs == fully_connected(512, 1000).macs
    True
    """
    return Cost(macs=batch * m * k * n, params=(k * n if weight else 0) + (n if bias else 0))


def attention(batch: Value, q_len: Value, kv_len: Value, d_k: Value, d_v: Value) -> Cost:
    """Scaled dot-product attention over ``batch`` (batch x heads) independent heads: the scores
    Q K^T (L x E by E x S) and the weights times V (L x S by S x E_v), batch L S (E + E_v) MACs,
    as ``torch.utils.flop_counter``'s ``sdpa_flop_count``. Its scaling and softmax are not
    multiply-adds; it has no parameters (the projections are matrix products of their own).

    >>> attention(12, 197, 197, 64, 64).macs  # one ViT-B/16 layer at 224: 12 heads, 197 tokens
    59610624
    """
    return Cost(macs=batch * q_len * kv_len * (d_k + d_v), params=0)


def normalization(features: Value, *, vectors: int) -> Cost:
    """Batch, layer or group normalisation with ``vectors`` learned vectors (a scale and a shift:
    2) of ``features`` elements each: parameters only, no MACs, as ``torch.utils.flop_counter``
    (at inference batch norm folds into the convolution before it).

    >>> normalization(768, vectors=2)
    Cost(macs=0, params=1536, adds=0)
    """
    return Cost(macs=0, params=features * vectors)
