"""Spec files are untrusted input: block cycles and every limit of :mod:`mobicost.nets.limits`
end in a one-line error that names the limit (exit 2), refused before the network is built
where the spec writes its counts down; specs at the limits still build."""

from __future__ import annotations

import dataclasses

import pytest

from mobicost.nets.limits import MAX_DEPTH, MAX_LAYERS, MAX_REPEAT, MAX_SIZE
from mobicost.nets.network import build, conventions_for
from mobicost.nets.spec import SpecError, build_graph, expansion, parse

HEAD = 'name = "hostile"\ninput = [3, 8, 8]\n'


def spec_file(tmp_path, body: str, head: str = HEAD) -> str:
    path = tmp_path / "hostile.toml"
    path.write_text(head + body, encoding="utf-8")
    return str(path)


def chain(depth: int) -> str:
    """Blocks b1 .. b<depth>, each holding the next; the last holds one layer."""
    blocks = [f'[blocks.b{k}]\nlayers = [{{ block = "b{k + 1}" }}]\n' for k in range(1, depth)]
    blocks.append(f'[blocks.b{depth}]\nlayers = [{{ op = "act", fn = "relu" }}]\n')
    return '[[layers]]\nblock = "b1"\n\n' + "\n".join(blocks)


CYCLES = {
    "direct": (
        '[blocks.a]\nlayers = [{ block = "a" }]\n\n[[layers]]\nblock = "a"\n',
        "block 'a' contains itself (a -> a)",
    ),
    "indirect": (
        '[blocks.a]\nlayers = [{ op = "act", fn = "relu" }, { block = "b" }]\n'
        '[blocks.b]\nlayers = [{ block = "c", repeat = 2 }]\n'
        '[blocks.c]\nlayers = [{ block = "a" }]\n\n[[layers]]\nblock = "a"\n',
        "block 'a' contains itself (a -> b -> c -> a)",
    ),
    "in a block no entry uses": (
        '[blocks.a]\nlayers = [{ block = "a" }]\n\n[[layers]]\nop = "act"\nfn = "relu"\n',
        "block 'a' contains itself (a -> a)",
    ),
}


@pytest.mark.parametrize("body, message", CYCLES.values(), ids=list(CYCLES))
def test_block_cycles_are_refused_in_one_line(run, tmp_path, body, message):
    error = run.error("table", spec_file(tmp_path, body))
    assert message in error and "cannot instantiate itself" in error
    with pytest.raises(SpecError, match="contains itself"):
        parse(HEAD + body)


def test_a_spec_made_in_code_is_checked_too():
    """A Spec made without parse (dataclasses.replace) is checked when it is built."""
    good = parse(
        HEAD + '[blocks.a]\nlayers = [{ op = "act", fn = "relu" }]\n[[layers]]\nblock = "a"'
    )
    cyclic = dataclasses.replace(good, blocks={"a": {"layers": [{"block": "a"}]}})
    with pytest.raises(SpecError, match=r"contains itself \(a -> a\)"):
        build_graph(cyclic)


def test_nesting_is_limited_and_the_limit_builds():
    assert len(build_graph(parse(HEAD + chain(MAX_DEPTH))).nodes) == 1
    with pytest.raises(SpecError, match=f"blocks nest {MAX_DEPTH + 1} deep.*at most 32 deep"):
        parse(HEAD + chain(MAX_DEPTH + 1))
    with pytest.raises(SpecError, match="blocks nest 33 deep"):  # refused at the limit, not
        parse(HEAD + chain(1000))  # by Python's recursion limit


def test_nesting_counts_through_blocks_already_seen():
    """b1 .. b32 are checked (32 deep, from the entry) before a block holding b1 makes 33."""
    body = chain(MAX_DEPTH) + '\n[blocks.b0]\nlayers = [{ block = "b1" }]\n'
    with pytest.raises(SpecError, match=r"blocks.b0: blocks nest 33 deep \(b0 -> b1 -> b2"):
        parse(HEAD + body)


REPEATS = {
    "a layer (issue 15)": (
        '[[layers]]\nop = "act"\nfn = "relu"\nrepeat = 100000000\n',
        "100,000,000",
    ),
    "a block entry": (
        '[blocks.a]\nlayers = [{ op = "act", fn = "relu" }]\n'
        '[[layers]]\nblock = "a"\nrepeat = 10001\n',
        "repeat = 10,001",
    ),
    "a block's repeat param in a row": (
        '[blocks.a]\nparams = ["n"]\nrepeat = "n"\nlayers = [{ op = "act", fn = "relu" }]\n'
        '[[layers]]\nblock = "a"\ncolumns = ["n"]\nrows = [[2], [20000]]\n',
        "n = 20,000",
    ),
    "an expression": (
        '[blocks.a]\nparams = ["n"]\nlayers = [{ op = "act", fn = "relu", repeat = "$n * 2" }]\n'
        '[[layers]]\nblock = "a"\nwith = { n = 5001 }\n',
        "repeat = '$n * 2' is 10,002",
    ),
}


@pytest.mark.parametrize("body, shown", REPEATS.values(), ids=list(REPEATS))
def test_repeat_counts_are_limited(run, tmp_path, body, shown):
    error = run.error("table", spec_file(tmp_path, body))
    assert shown in error and f"a spec may repeat an entry at most {MAX_REPEAT:,} times" in error


def test_the_most_repeats_build():
    spec = parse(HEAD + f'[[layers]]\nop = "act"\nfn = "relu"\nrepeat = {MAX_REPEAT}\n')
    assert len(build_graph(spec).nodes) == MAX_REPEAT


def test_repeats_multiplied_through_nesting_are_refused_before_building():
    """1,000 instances of a block of 1,000 layers: refused by parse, which builds nothing."""
    body = (
        '[blocks.inner]\nlayers = [{ op = "act", fn = "relu", repeat = 1000 }]\n'
        '[blocks.outer]\nlayers = [{ block = "inner", repeat = 10 }]\n'
        '[[layers]]\nop = "act"\nfn = "relu"\n\n'
        '[[layers]]\nblock = "outer"\nrepeat = 100\n'
    )
    with pytest.raises(SpecError, match=r"hostile.toml:\d+: layers\[1\]: the spec writes out "):
        parse(HEAD + body, "hostile.toml")
    with pytest.raises(SpecError, match=f"a spec may write out at most {MAX_LAYERS:,}"):
        parse(HEAD + body)
    # the fewest steps: 1 + 1,000 per inner instance, 1 + 10 of those per outer one
    fewer = parse(HEAD + body.replace("repeat = 100\n", "repeat = 9\n"))
    assert expansion(fewer) == {"inner": 1001, "outer": 10011, "": 1 + 9 * 10011}


def test_counts_worked_out_while_building_are_refused_before_their_instances():
    """Repeats in block params: the builder refuses the entry whose instances would cross the
    limit before building one of them (its message names that entry)."""
    body = (
        '[blocks.inner]\nparams = ["n"]\nlayers = [{ op = "act", fn = "relu", repeat = 1000 }]\n'
        '[blocks.outer]\nparams = ["n"]\nlayers = [{ block = "inner", with = { n = 1 }, '
        'repeat = "$n" }]\n'
        '[[layers]]\nblock = "outer"\nwith = { n = 200 }\n'
    )
    spec = parse(HEAD + body)  # the count is an expression: nothing to refuse yet
    with pytest.raises(SpecError, match=r"blocks.outer.layers\[0\]: the spec writes out 200,"):
        build_graph(spec)


def test_layers_a_when_leaves_out_count_too():
    """Skipped instances count their layers: 100 x 1,001 skipped steps are still refused."""
    body = (
        '[blocks.idle]\nparams = ["on"]\n'
        'layers = [{ op = "act", fn = "relu", repeat = 1000 }]\n'
        '[[layers]]\nblock = "idle"\nwith = { on = 0 }\nwhen = "$on == 1"\nrepeat = "10 * 10"\n'
    )
    with pytest.raises(SpecError, match=f"at most {MAX_LAYERS:,}"):
        build_graph(parse(HEAD + body))
    assert build_graph(parse(HEAD + body.replace("10 * 10", "10 * 9"))).nodes == ()


SIZES = {
    "filters": ('[[layers]]\nop = "pw"\nfilters = 16777217\n', "filters = 16777217;"),
    "an expression": (
        '[[layers]]\nop = "pw"\nfilters = "$in * 10000000"\n',
        "filters = '$in * 10000000' is 30,000,000;",
    ),
    "a kernel": ('[[layers]]\nop = "conv"\nfilters = 8\nkernel = 99999999999\n', "kernel ="),
    "an output": (
        '[[layers]]\nop = "dw"\nmultiplier = 8000000\n',
        "its output 8x8x24000000 is above the largest size",
    ),
}


@pytest.mark.parametrize("body, shown", SIZES.values(), ids=list(SIZES))
def test_sizes_are_limited(run, tmp_path, body, shown):
    error = run.error("table", spec_file(tmp_path, body))
    assert shown in error and f"{MAX_SIZE:,}" in error


def test_input_sizes_are_limited(run, tmp_path):
    head = 'name = "hostile"\ninput = [3, 8, 16777217]\n'
    error = run.error("table", spec_file(tmp_path, '[[layers]]\nop = "act"\nfn = "relu"', head))
    assert (
        "input: expected [channels, height, width] of positive integers up to 16,777,216" in error
    )


def test_resolution_and_classes_are_limited(run):
    error = run.error("table", "mobilenet-v1", "--res", str(MAX_SIZE + 1))
    assert f"resolution 16,777,217 is above the largest size, {MAX_SIZE:,}" in error
    error = run.error("table", "resnet-18", "--classes", str(MAX_SIZE + 1))
    assert "largest size" in error


def test_the_largest_sizes_cost_at_once():
    """Adaptive pooling over the largest sizes: its windows are summed in closed form, not
    one by one."""
    spec = parse(
        'name = "wide"\ninput = [1, 16777216, 1]\n'
        '[[layers]]\nop = "pool"\nmode = "avg"\noutput = [16777215, 1]\n'
    )
    (layer,) = build(spec, conventions=conventions_for(spec, pool_adds=True)).layers
    assert layer.output.h == MAX_SIZE - 1
    # 16,777,215 windows over 16,777,216 pixels: each covers 2 (they overlap by one pixel)
    assert layer.cost.adds == 2 * (MAX_SIZE - 1)


def test_tables_nested_beyond_the_parser_are_one_line(run, tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert "nested too deeply" in run.error("table", str(path))


def test_pytorch_refuses_weights_it_could_not_hold():
    """A network PyTorch would need 8 GiB of weights for is refused before torch is imported."""
    from mobicost.errors import MobicostError
    from mobicost.nets.pytorch import to_torch

    body = '[[layers]]\nop = "flatten"\n\n[[layers]]\nop = "fc"\nunits = 16777216\n'
    net = build(parse(HEAD + body))
    assert net.params == 3 * 8 * 8 * 2**24  # the flattened 8x8x3 input to 2^24, no bias
    with pytest.raises(MobicostError, match=r"its weights need 12\.0 GiB \(the limit is 4 GiB\)"):
        to_torch(net)
