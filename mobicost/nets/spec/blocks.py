"""Blocks, checked before anything is built: no block contains itself, blocks nest within
:data:`~mobicost.nets.limits.MAX_DEPTH`, and what a spec writes out, repeats multiplied through
the nesting, stays within :mod:`~mobicost.nets.limits` (:func:`expansion`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from ..limits import MAX_DEPTH, MAX_LAYERS, MAX_REPEAT
from .model import Spec, SpecError


def expansion(spec: Spec) -> Mapping[str, int]:
    """Check, before anything is built, that expanding ``spec`` stays within :mod:`.limits`: no
    block contains itself, directly or through others; blocks nest at most :data:`MAX_DEPTH`
    deep; no repeat written as a number exceeds :data:`MAX_REPEAT`; and the layers and block
    instances it writes out, repeats multiplied through the nesting, are at most
    :data:`MAX_LAYERS`. Returns the fewest expansion steps one instance of each block takes (by
    block name; the whole spec, head included, under ``""``), counting a repeat written as an
    expression as none: the builder checks those when it has worked them out.

    >>> from mobicost.nets.library import load
    >>> steps = expansion(load("mobilenet-v2"))
    >>> steps["bottleneck"], steps[""]  # an instance and its 4 layers; 1 + 17 x 5 + 1 + 3
    (5, 90)
    """
    if "" in spec.steps:
        return spec.steps
    steps: dict[str, int] = {}
    chains: dict[str, tuple[str, ...]] = {}  # each block's deepest nesting, itself first
    path: list[str] = []

    def least(raw: Any, place: str, what: str) -> int:
        if type(raw) is not int:
            return 0  # an expression: the builder counts it when it has its value
        if raw > MAX_REPEAT:
            raise SpecError(
                f"{spec.where(place)}: {what} = {raw:,}; a spec may repeat an entry at most "
                f"{MAX_REPEAT:,} times"
            )
        return max(raw, 0)

    def block(name: str) -> int:
        if name in steps:
            return steps[name]
        if name in path:
            cycle = " -> ".join([*path[path.index(name) :], name])
            raise SpecError(
                f"{spec.where(f'blocks.{name}')}: block {name!r} contains itself ({cycle}); "
                "a block cannot instantiate itself, directly or through other blocks"
            )
        path.append(name)
        if len(path) > MAX_DEPTH:
            too_deep(path)
        inner = entries(spec.blocks[name]["layers"], f"blocks.{name}.layers", name)
        path.pop()
        if len(chains[name]) > MAX_DEPTH:
            too_deep(chains[name])
        steps[name] = 1 + inner
        return steps[name]

    def too_deep(chain: Sequence[str]) -> NoReturn:
        raise SpecError(
            f"{spec.where(f'blocks.{chain[0]}')}: blocks nest {len(chain)} deep "
            f"({' -> '.join(chain)}); a spec may nest blocks at most {MAX_DEPTH} deep"
        )

    def entries(items: Sequence[Any], key: str, owner: str | None) -> int:
        total = 0
        if owner is not None:
            chains[owner] = (owner,)
        for index, entry in enumerate(items):
            if not isinstance(entry, dict):
                continue  # the builder says what is wrong with it
            place = f"{key}[{index}]"
            if "block" not in entry:
                total += least(entry.get("repeat", 1), place, "repeat")
                continue
            name = entry["block"]
            if not isinstance(name, str):
                raise SpecError(f"{spec.where(place)}: block = {name!r} is not a block's name")
            if name not in spec.blocks:
                continue  # the builder names the blocks there are
            size = block(name)
            if owner is not None and len(chains[name]) + 1 > len(chains[owner]):
                chains[owner] = (owner, *chains[name])
            repeat = spec.blocks[name].get("repeat")
            total += size * sum(
                least(row[repeat], place, repeat)
                if repeat is not None and repeat in row
                else least(entry.get("repeat", 1), place, "repeat")
                for row in _rows(entry, spec.blocks[name].get("params", []))
            )
        return total

    total = 0
    for key, items in (("layers", spec.layers), ("head", spec.head)):
        for index in range(len(items)):
            total += entries(items[index : index + 1], key, None)
            if total > MAX_LAYERS:
                raise SpecError(
                    f"{spec.where(f'{key}[{index}]')}: the spec writes out {many(total)} layers "
                    f"and block instances by this entry; a spec may write out at most "
                    f"{MAX_LAYERS:,}"
                )
    for name in spec.blocks:  # those no entry uses too: a cycle is a mistake wherever it is
        block(name)
    spec.steps.update(steps)
    spec.steps[""] = total
    return spec.steps


def many(count: int) -> str:
    """A count for a message, however large: ``120,000``, or ``more than 10^15``."""
    return f"{count:,}" if count < 10**15 else "more than 10^15"


def _rows(entry: Mapping[str, Any], params: Sequence[str]) -> list[dict[str, Any]]:
    """The params of each instance row of a block entry, as far as they can be read (the
    builder checks them): ``with``, then each row of ``rows`` by ``columns``."""
    base = entry.get("with", {})
    base = base if isinstance(base, dict) else {}
    if "rows" not in entry:
        return [dict(base)]
    rows, columns = entry["rows"], entry.get("columns", params)
    if not isinstance(rows, list) or not isinstance(columns, list):
        return []
    if not all(isinstance(column, str) for column in columns):
        return []
    return [
        {**base, **dict(zip(columns, row, strict=True))}
        for row in rows
        if isinstance(row, list) and len(row) == len(columns)
    ]
