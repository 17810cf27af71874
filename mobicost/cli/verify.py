"""``mobicost verify``: mobicost's counts against PyTorch's own counter, layer by layer."""

from __future__ import annotations

import sys
from fractions import Fraction
from typing import Any

import click

from ..render.formats import Format
from .common import (
    NETWORK,
    ImportedRef,
    NetworkCommand,
    NetworkRef,
    chosen_network,
    convention_options,
    conventions_of,
    emit,
    format_options,
    imported_checked,
    input_shape_of,
    network_options,
    no_knobs,
)


def verification_set(options: dict[str, Any]) -> list[Any]:
    """What --all verifies: MobileNet v1's 16-model grid at every rounding policy and odd
    resolutions (225, 97); then every built-in network at its own configuration, another
    resolution (160), half width where it has a width multiplier, each published width, and
    each value of each of its options."""
    from ..nets.library import load, names
    from ..nets.network import build
    from ..nets.spec import ROUNDINGS

    mobilenet = load("mobilenet-v1")
    networks = [
        build(mobilenet, alpha=alpha, resolution=res, rounding=rounding,
              conventions=conventions_of(mobilenet, options))
        for rounding in ROUNDINGS
        for alpha in ("1.0", "0.75", "0.5", "0.25")
        for res in (224, 192, 160, 128, 225, 97)
    ]  # fmt: skip
    for name in names():
        if name == "mobilenet-v1":
            continue
        spec = load(name)
        conventions = conventions_of(spec, options)
        width = spec.width
        default = spec.default_alpha
        configurations: list[dict[str, Any]] = [{}, {"resolution": 160}]
        if width is not None and width.values is None:
            configurations.append({"alpha": Fraction(1, 2)})
        if width is not None and width.values is not None:
            configurations += [
                {"alpha": Fraction(v)} for v in width.values if Fraction(v) != default
            ]
        for option in spec.options.values():
            configurations += [
                {"options": {option.name: value}}
                for value in option.values
                if value != option.default
            ]
        for configuration in configurations:
            networks.append(
                build(
                    spec,
                    alpha=configuration.get("alpha", default),
                    resolution=configuration.get("resolution"),
                    options=configuration.get("options"),
                    conventions=conventions,
                )
            )
    return networks


@click.command(cls=NetworkCommand)
@click.argument("network", required=False, type=NETWORK, metavar="[NETWORK]")
@network_options
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print only mismatches (on stderr); answer with the exit status.",
)
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Verify MobileNet v1's 16-model grid at every rounding policy and odd resolutions, "
    "and every built-in network at several resolutions, widths and options.",
)
@convention_options
@format_options
@click.pass_context
def verify(
    ctx: click.Context,
    /,
    network: NetworkRef | None,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    quiet: bool,
    every: bool,
    fmt: Format,
    output: str | None,
    **options: Any,
) -> None:
    """Check mobicost's counts against PyTorch's own counter, layer by layer.

    Builds the network as a torch.nn.Module from the same graph (residual adds, concats,
    shuffles and squeeze-and-excitation included), runs one forward pass under
    torch.utils.flop_counter.FlopCounterMode and counts parameters with numel. Any mismatch
    is exit status 1 with the layer named. Needs the extra: pip install torch==2.13.0 (a CPU
    build) and pip install 'mobicost[torch]'.

    An imported PyTorch model (FILE.py:CALLABLE, torchvision:NAME, timm:NAME) is checked on
    the user's own module, module by module; an ONNX file by its initializers' element
    counts and, with onnxruntime, by running it at the costed input. The notes say what was
    proved.

    \b
    Examples:
      mobicost verify --alpha 0.5 --res 160
      mobicost verify MobileNet_v1_0.75_128 --bias fc --bn all
      mobicost verify shufflenet-v1 --groups 8
      mobicost verify my_net.toml
      mobicost verify model.py:build --input 3x64x64
      mobicost verify --all
    """
    from ..nets.pytorch import require_torch, verify_all
    from ..render.reports import verification_report, verification_summary

    if isinstance(network, ImportedRef) and not every:
        _verify_imported(
            network, alpha, resolution, rho, rounding, ctx.args, quiet, fmt, output, options
        )
        return
    require_torch()
    if every:
        given = (network, alpha, resolution, rho, rounding)
        if given != (None,) * 5 or ctx.args:
            raise click.UsageError("--all verifies the whole set: give no network or its options")
        results = verify_all(verification_set(options))
        if not quiet or output is not None:
            emit(verification_summary(results), fmt, output)
    else:
        net = chosen_network(network, alpha, resolution, rho, rounding, ctx.args, options)
        results = verify_all([net])
        if not quiet or output is not None:
            emit(verification_report(results[0]), fmt, output)
    failures = [(v.network.name, check) for v in results for check in v.mismatches]
    for name, check in failures[:20]:
        click.echo(
            f"mismatch: {name}, layer {check.layer.index} {check.layer.name} "
            f"({check.layer.label}): MACs {int(check.layer.cost.macs):,} vs "
            f"{check.measured_macs:,}, params {check.layer.params:,} vs "
            f"{check.measured_params:,}, shape {check.expected_shape} vs {check.measured_shape}",
            err=True,
        )
    if failures:
        sys.exit(1)


def _verify_imported(
    ref: ImportedRef,
    alpha: Fraction | None,
    resolution: int | None,
    rho: Fraction | None,
    rounding: str | None,
    extra: list[str],
    quiet: bool,
    fmt: Format,
    output: str | None,
    options: dict[str, Any],
) -> None:
    """verify on an imported model: against the user's module, or what an ONNX file shows."""
    from ..frontends.models import is_onnx
    from ..frontends.verify import verify_model
    from ..render.reports import model_verification_report

    no_knobs(ref, alpha, rho, rounding, extra)
    if not is_onnx(ref.text):
        from ..nets.pytorch import require_torch

        require_torch()
    result = verify_model(ref.text, input_shape=input_shape_of(options), resolution=resolution)
    imported_checked(result.network, options)  # --strict
    if not quiet or output is not None:
        emit(model_verification_report(result), fmt, output)
    for check in result.mismatches[:20]:
        pairs = (
            ("MACs", check.macs, check.measured_macs),
            ("params", check.params, check.measured_params),
        )
        click.echo(
            f"mismatch: {result.network.name}, {check.what}: "
            + ", ".join(
                f"{what} {ours:,} vs {theirs:,}" for what, ours, theirs in pairs if ours != theirs
            ),
            err=True,
        )
    if result.output_shape == ():
        click.echo(f"mismatch: {result.network.name}: {result.ran}", err=True)
    elif result.output_shape is not None and result.output_shape != result.expected_shape:
        click.echo(
            f"mismatch: {result.network.name}: output {result.expected_shape} (mobicost) vs "
            f"{result.output_shape} ({result.ran})",
            err=True,
        )
    if not result.ok:
        sys.exit(1)
