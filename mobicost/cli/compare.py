"""``mobicost compare``: one layer in every convolution variant, or whole networks."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..cost.rules import Padding
from ..nets.spec import ROUNDINGS
from ..render.formats import Format
from .common import (
    CONVENTION_KEYS,
    NETWORK,
    ImportedRef,
    NetworkCommand,
    NetworkRef,
    convention_options,
    conventions_of,
    emit,
    format_options,
    import_options,
    imported_checked,
    input_shape_of,
    layer_options,
    parse_options,
    tokens_of,
)
from .params import POSITIVE_EXACT, POSITIVE_INT

_EPILOG = """\b
Examples:
  mobicost compare --k 3 --m 512 --n 512 --size 14     the paper's Table 3, every variant
  mobicost compare --k 3 --m 256 --n 256 --size 28 --groups 4
  mobicost compare --models                            MobileNet vs Conv, Shallow, 0.75
  mobicost compare --models 0.5-MobileNet-160 MobileNet_v1_0.25_224 --alpha 0.75 --res 192
  mobicost compare --models mobilenet-v1 mobilenet-v2@0.75 shufflenet-v2@0.5:160 resnet-50
  mobicost compare torchvision:resnet50 mobilenet-v2   an imported model beside a built-in

\b
A network is NAME, NAME@ALPHA, NAME:RES or NAME@ALPHA:RES (or a spec file), or an imported
model: FILE.onnx, FILE.py:CALLABLE, torchvision:NAME or timm:NAME (on --input). All are
counted under one set of conventions: the first network's own, with any option here in
its place; an imported model's parameters are its own (--unit applies to it).
"""

#: the MobileNet paper's Tables 4 and 5: MobileNet against Conv, Shallow and 0.75 MobileNet
PAPER_SET = ("mobilenet-v1", "conv-mobilenet", "shallow-mobilenet", "mobilenet-v1@0.75")


@click.command(epilog=_EPILOG, cls=NetworkCommand)
@click.argument("names", nargs=-1, type=NETWORK, metavar="[NETWORK]...")
@click.option(
    "--models",
    "whole",
    is_flag=True,
    help="Compare whole networks (the NETWORKs, or the paper's Table 4 and 5 set).",
)
@layer_options("Add a grouped convolution with G groups (with --models: a network's groups).")
@click.option(
    "--alpha",
    type=POSITIVE_EXACT,
    help="Layer: thin the separable layer by alpha [default: 0.75]. Models: add "
    "alpha MobileNet-res.",
)
@click.option(
    "--res",
    "resolution",
    type=POSITIVE_INT,
    help="Models: the resolution of the added model [default: 224].",
)
@click.option("--rho", type=POSITIVE_EXACT, help="Layer: also shrink it by rho [default: 0.714].")
@click.option(
    "--rounding",
    type=click.Choice(ROUNDINGS),
    default=None,
    help="Models: channels after alpha (see 'mobicost table --help').  [default: each net's]",
)
@import_options
@convention_options
@format_options
@click.pass_context
def compare(
    ctx: click.Context,
    /,
    names: tuple[NetworkRef, ...],
    whole: bool,
    kernel: int | None,
    m: int | None,
    n: int | None,
    size: int | None,
    stride: int,
    padding: Padding,
    groups: int | None,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """Variants side by side: one layer in every convolution variant, or whole networks.

    A layer (--k, --m, --n, --size): standard, depthwise-separable, spatially separable and
    (with --groups) grouped, then the separable layer thinned by alpha and shrunk by rho, as
    the paper's Table 3. Networks (--models): MobileNet against Conv MobileNet, Shallow
    MobileNet and 0.75 MobileNet (Tables 4 and 5), or any networks named. A layer counts a
    bias with --bias all; the other convention options apply to networks.
    """
    from ..analysis.compare import compare_layer, compare_models
    from ..render.reports import layer_comparison_report, model_comparison_report

    shape = {"--k": kernel, "--m": m, "--n": n, "--size": size}
    given = [name for name, value in shape.items() if value is not None]
    if whole or names:
        if given or rho is not None:
            raise click.UsageError(
                "--models compares networks; --k, --m, --n, --size and --rho describe one layer"
            )
        refs = list(names)
        if alpha is not None or resolution is not None:
            refs.append(NETWORK.convert("mobilenet-v1", None, ctx))
            refs[-1].alpha, refs[-1].resolution = alpha, resolution
        if not refs:
            refs = [NETWORK.convert(name, None, ctx) for name in PAPER_SET]
        networks = _networks(refs, rounding, groups, list(ctx.args), options)
        emit(model_comparison_report(compare_models(networks)), fmt, output)
        return
    if ctx.args:
        raise click.UsageError(f"unexpected argument {ctx.args[0]!r}")
    if options.get("input_shape"):
        raise click.UsageError("--input is for an imported model: use it with --models")
    if rounding is not None:
        raise click.UsageError("--rounding rounds a network's channels: use it with --models")
    missing = [name for name, value in shape.items() if value is None]
    if missing:
        raise click.UsageError(
            f"compare a layer with --k, --m, --n and --size (missing "
            f"{', '.join(missing)}), or networks with --models"
        )
    if resolution is not None:
        raise click.UsageError("--res names a model's resolution: use it with --models")
    assert kernel is not None and m is not None and n is not None and size is not None
    layer_bias = options.get("bias") == "all"
    comparison = compare_layer(
        k=kernel,
        m=m,
        n=n,
        size=size,
        stride=stride,
        padding=padding,
        groups=groups,
        bias=layer_bias,
        # the library's defaults (Table 3's 0.75 and 0.714) unless given
        **{name: value for name, value in (("alpha", alpha), ("rho", rho)) if value is not None},
    )
    emit(layer_comparison_report(comparison, bias=layer_bias), fmt, output)


def _networks(
    refs: list[NetworkRef],
    rounding: str | None,
    groups: int | None,
    extra: list[str],
    options: dict[str, Any],
) -> list[Any]:
    """The networks named, built-ins and spec files built under the first network's
    conventions (an imported one's, less its classes, where it comes first), imported models
    read on --input."""
    from ..frontends.models import load_model
    from ..nets.network import build, conventions_for

    if options.get("input_shape") and not any(isinstance(r, ImportedRef) for r in refs):
        raise click.UsageError("--input is for an imported model (FILE.onnx, FILE.py:CALLABLE...)")
    shape, tokens = input_shape_of(options, tokens=True), tokens_of(options)
    loaded = {
        i: imported_checked(load_model(ref.text, input_shape=shape, tokens=tokens), options)
        for i, ref in enumerate(refs)
        if isinstance(ref, ImportedRef)
    }
    specs = [ref for ref in refs if not isinstance(ref, ImportedRef)]
    extra += ["--groups", str(groups)] if groups is not None else []
    if groups is not None and not any("groups" in ref.spec.options for ref in specs):
        raise click.UsageError("--groups with --models sets a network's groups; none has them")
    offered = {k: v for ref in specs for k, v in ref.spec.options.items()}
    owners = ", ".join(dict.fromkeys(ref.spec.name for ref in specs)) or "an imported model"
    chosen = parse_options(offered, owners, extra)
    if 0 in loaded:  # the imported model's conventions, each built-in with its own classes
        own = loaded[0].conventions
        given = {key: getattr(own, key) for key in CONVENTION_KEYS if key != "classes"}
        given.update({k: v for k, v in options.items() if k in CONVENTION_KEYS and v is not None})
    networks = []
    for i, ref in enumerate(refs):
        if i in loaded:
            networks.append(loaded[i])
            continue
        networks.append(
            build(
                ref.spec,
                alpha=ref.alpha if ref.alpha is not None else ref.spec.default_alpha,
                resolution=ref.resolution,
                rounding=rounding,
                options={k: v for k, v in chosen.items() if k in ref.spec.options},
                conventions=conventions_for(ref.spec, **given)
                if 0 in loaded
                else conventions_of(refs[0].spec, options),
            )
        )
    return networks
