"""Building: a spec's entries expanded into a :class:`Graph` of named nodes at one width,
resolution and set of options, each node's shape inferred as it is added."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ...errors import MobicostError
from ...exact import decimal_text, parse_exact
from .. import ops
from ..expr import Number
from ..limits import MAX_LAYERS, MAX_REPEAT, MAX_SIZE
from ..ops import TENSOR_KINDS, Op, Tensor
from .blocks import expansion, many
from .layers import (
    ACCEPTED,
    ATTRIBUTES,
    ENTRY_KEYS,
    SOURCES,
    VARIES,
    Attributes,
    Plan,
    WidthReads,
    constant,
)
from .model import Spec, SpecError


@dataclass(frozen=True)
class Node:
    """One layer of a built graph: its name, its kind with attributes, its inputs by name."""

    name: str
    op: Op
    inputs: tuple[str, ...]
    head: bool = False
    origin: str = ""  #: ``file:line: key`` where the spec wrote it


@dataclass(frozen=True)
class Graph:
    """A built network: nodes in execution order, each with its inferred output shape."""

    input: Tensor
    nodes: tuple[Node, ...]
    shapes: Mapping[str, Tensor] = field(repr=False)

    def inputs_of(self, node: Node) -> tuple[Tensor, ...]:
        return tuple(self.shapes[name] for name in node.inputs)


INPUT = "input"


@dataclass(frozen=True)
class _Written:
    """What expanding one block instance wrote: its nodes with their shapes, the aliases and
    name counters it added, its last layer, the steps it counted toward the limit, and what it
    read of alpha (the only thing its expansion reads that its key, :meth:`_Builder.instance`,
    does not hold)."""

    reads: WidthReads
    nodes: tuple[tuple[Node, Tensor], ...]
    aliases: tuple[tuple[str, str], ...]
    counters: tuple[tuple[str, int], ...]
    previous: str
    steps: int


@dataclass
class _Recording:
    """A block instance being expanded and recorded: the serial of the first name it writes,
    its input, what it reads of alpha, and whether it reads only its input and what it wrote."""

    first: int
    start: str
    reads: WidthReads
    alone: bool = True


class Expansions:
    """The block instances that builds of one spec at one resolution, set of options and
    rounding have expanded (a sweep's widths, :func:`~mobicost.nets.grid.cost_grid`), so that
    a later build writes an instance out again instead of expanding it where its expansion
    would be the same: the same block at the same place (its name), with the same params, on
    the same input tensor, and every channel count it rounded rounding alike at the new alpha
    (a block instance reads alpha through its roundings alone, as a whole expansion does:
    :class:`~.layers.WidthReads`). An instance that reads a tensor from outside itself (a
    layer named elsewhere) is not kept. MobileNet v3 Large keeps most of its 15 blocks from
    one width to the next: a step of alpha changes a few of its 16 rounded channel counts."""

    #: the instances kept under one key: the last few alphas' (a sweep's widths come in order)
    KEPT = 4

    def __init__(self) -> None:
        self.spec: Spec | None = None
        self.context: tuple[Any, ...] = ()
        self.written: dict[tuple[Any, ...], list[_Written]] = {}

    def serves(self, spec: Spec, context: tuple[Any, ...]) -> bool:
        """Whether a build of ``spec`` in ``context`` may use these (the first sets both)."""
        if self.spec is None:
            self.spec, self.context = spec, context
        return self.spec is spec and self.context == context


class _Builder(Attributes):
    """Expands a spec's entries into nodes, inferring each node's shape as it is added, by the
    :meth:`~mobicost.nets.ops.Op.infer` of its kind (the one place shapes are inferred)."""

    def __init__(
        self,
        spec: Spec,
        alpha: Fraction,
        resolution: int | None,
        rounding: str,
        bindings: Mapping[str, Number],
        classes: int,
    ) -> None:
        self.spec = spec
        self.alpha = alpha
        self.rounding = rounding
        self.bindings = dict(bindings)
        self.classes = classes
        c, h, w = spec.input
        if resolution is not None:
            if resolution > MAX_SIZE:
                raise MobicostError(
                    f"resolution {resolution:,} is above the largest size, {MAX_SIZE:,}"
                )
            h = w = resolution
        if classes > MAX_SIZE:
            raise MobicostError(f"classes {classes:,} is above the largest size, {MAX_SIZE:,}")
        #: the fewest expansion steps of one instance of each block (:func:`expansion`)
        self.least = expansion(spec)
        self.steps = 0  #: layers and block instances written out so far
        self.input = Tensor(c, h, w)
        self.shapes: dict[str, Tensor] = {INPUT: self.input}
        self.nodes: list[Node] = []
        self.aliases: dict[str, str] = {}  #: block instances and skipped layers -> a node
        self.counters: dict[str, int] = {}
        self.blocks: list[str] = []  #: the prefixes of the block instances being expanded
        self.readers: list[WidthReads] = []
        self.expansions: Expansions | None = None
        self.recording: list[_Recording] = []  #: the block instances being recorded
        self.born: dict[str, int] = {}  #: each name's serial, in the order they were written
        self.previous = INPUT

    def graph(self) -> Graph:
        return Graph(self.input, tuple(self.nodes), dict(self.shapes))

    def step(self, count: int, where: str) -> None:
        """Count ``count`` more layers or block instances written out, within the limit."""
        if self.steps + count > MAX_LAYERS:
            raise SpecError(
                f"{where}: the spec writes out more than {MAX_LAYERS:,} layers and block "
                f"instances here; a spec may write out at most {MAX_LAYERS:,}"
            )
        self.steps += count

    # names

    def fresh(self, stem: str) -> str:
        """A new unique name: ``conv1``, ``conv2``... (``stage.1`` where the stem ends in a
        digit), inside the current block instance."""
        scoped = ".".join([*self.blocks, stem])
        count = self.counters.get(scoped, 0) + 1
        self.counters[scoped] = count
        separator = "." if stem[-1:].isdigit() else ""
        return f"{scoped}{separator}{count}"

    def resolve(self, name: str, scope: Mapping[str, str], where: str) -> str:
        target = scope.get(name, name)
        while target in self.aliases:
            target = self.aliases[target]
        if target not in self.shapes:
            nearby = [*(k for k in scope if k != "in"), *(n.name for n in self.nodes[-6:])]
            raise SpecError(
                f"{where}: input {name!r} names no earlier layer"
                + (f" (nearby: {', '.join(nearby)})" if nearby else "")
            )
        for recording in self.recording:  # a tensor from outside the instance: not kept
            if target != recording.start and self.born.get(target, -1) < recording.first:
                recording.alone = False
        return target

    # expansion (values are read by :class:`~.layers.Attributes`)

    def entries(self, entries: Sequence[Mapping[str, Any]], key: str, head: bool) -> None:
        for index, entry in enumerate(entries):
            self.entry(entry, f"{key}[{index}]", {}, {}, head, None)

    def entry(
        self,
        entry: Mapping[str, Any],
        key: str,
        scope: dict[str, str],
        variables: Mapping[str, Number],
        head: bool,
        block_in: str | None,
    ) -> None:
        plan = self.spec.plans.get(key)
        if plan is None:
            plan = self.spec.plans[key] = self.plan(entry, key)
        if plan.kind is None:
            self.block_entry(entry, key, scope, variables, head, block_in)
            return
        count = self.repeats(entry, variables, plan.where)
        self.step(count, plan.where)
        for _ in range(count):
            self.layer(entry, plan, scope, variables, head, block_in)

    def plan(self, entry: Mapping[str, Any], key: str) -> Plan:
        """Check an entry and work out what no build changes: its place, its attributes
        merged with the defaults, and those written as constants parsed (an attribute that
        fails to parse is left to each build, which then fails in its place)."""
        where = self.spec.where(key)
        if ("op" in entry) == ("block" in entry):
            raise SpecError(f"{where}: an entry has either op = KIND or block = NAME")
        if "block" in entry:
            return Plan(where)
        kind = entry["op"]
        if kind not in ATTRIBUTES:
            raise SpecError(f"{where}: unknown op {kind!r}; kinds: {', '.join(ATTRIBUTES)}")
        extra = set(entry) - {"op", "name", "input", "when", "repeat"} - set(ATTRIBUTES[kind])
        if extra:
            raise SpecError(
                f"{where}: {kind} has no attribute {sorted(extra)[0]!r}; it takes: "
                + ", ".join(sorted(ATTRIBUTES[kind]) or ["nothing"])
                + "; any layer takes: name, input, when, repeat"
            )
        attributes: dict[str, Any] = {}
        for source in (
            self.spec.defaults.get("conv", {}) if kind in ("dw", "pw") else {},
            self.spec.defaults.get(kind, {}),
            entry,
        ):
            attributes.update({k: v for k, v in source.items() if k in ATTRIBUTES[kind]})
        parsed = []
        for attr, (parser, default) in ATTRIBUTES[kind].items():
            raw = attributes.get(attr, default)
            value: Any = VARIES
            if raw is None:
                value = None
            elif raw is not ... and constant(parser, raw):
                with contextlib.suppress(MobicostError):
                    value = self.attribute(kind, attr, raw, {}, where)
            parsed.append((attr, raw, value))
        local = entry.get("name")
        named = local is None or (
            isinstance(local, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", local) is not None
        )
        return Plan(where, kind, named, tuple(parsed))

    def repeats(self, entry: Mapping[str, Any], variables: Mapping[str, Number], where: str) -> int:
        if "repeat" not in entry:
            return 1
        return self.whole(
            entry["repeat"], {**self.bindings, **variables}, where, "repeat", 0, MAX_REPEAT
        )

    def block_entry(
        self,
        entry: Mapping[str, Any],
        key: str,
        scope: dict[str, str],
        variables: Mapping[str, Number],
        head: bool,
        block_in: str | None,
    ) -> None:
        where = self.spec.where(key)
        name = entry["block"]
        block = self.spec.blocks.get(name)
        if block is None:
            known = ", ".join(self.spec.blocks) or "none"
            raise SpecError(f"{where}: unknown block {name!r}; blocks: {known}")
        extra = set(entry) - ENTRY_KEYS
        if extra:
            raise SpecError(
                f"{where}: a block entry has no key {sorted(extra)[0]!r}; it takes: "
                "block, name, input, when, repeat, with, columns, rows, then"
            )
        params = list(block.get("params", []))
        base = entry.get("with", {})
        if not isinstance(base, dict):
            raise SpecError(f"{where}: with must be a table of block params, got {base!r}")
        rows: list[dict[str, Any]] = []
        if "rows" in entry:
            columns = entry.get("columns", params)
            if (
                not isinstance(entry["rows"], list)
                or not isinstance(columns, list)
                or not all(isinstance(column, str) for column in columns)
            ):
                raise SpecError(f"{where}: rows must be a list of rows, columns a list of names")
            for number, row in enumerate(entry["rows"], 1):
                if not isinstance(row, list) or len(row) != len(columns):
                    raise SpecError(
                        f"{where}: row {number} is {row!r}; expected {len(columns)} values "
                        f"({', '.join(columns)})"
                    )
                rows.append({**base, **dict(zip(columns, row, strict=True))})
        else:
            rows.append(dict(base))
        repeat_key = block.get("repeat")
        if repeat_key is not None and "repeat" in entry:
            raise SpecError(f"{where}: block {name!r} repeats by its param {repeat_key!r}")
        if not isinstance(entry.get("then", {}), dict):
            raise SpecError(f"{where}: then must be a table of block params, such as {{ s = 1 }}")
        local = entry.get("name")
        if local is not None and not (
            isinstance(local, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", local)
        ):
            raise SpecError(f"{where}: name {local!r} is not a name (letters, digits, _ and -)")
        then = {**block.get("then", {}), **entry.get("then", {})}
        outer = {**self.bindings, **variables}
        instances = []
        for row in rows:
            missing = [p for p in params if p not in row]
            unknown = [p for p in row if p not in params]
            if missing or unknown:
                problem = f"missing {missing[0]}" if missing else f"no param {unknown[0]}"
                raise SpecError(
                    f"{where}: block {name!r} takes params {', '.join(params) or 'none'}; {problem}"
                )
            bound = {p: self.param(v, outer, where, p) for p, v in row.items()}
            count = (
                self.whole(bound[repeat_key], {}, where, repeat_key, 0, MAX_REPEAT)
                if repeat_key is not None
                else self.repeats(entry, variables, where)
            )
            instances.append((bound, count))
        least = sum(count for _, count in instances) * self.least[name]
        if self.steps + least > MAX_LAYERS:  # refused before building any of them
            raise SpecError(
                f"{where}: the spec writes out {many(self.steps + least)} layers and block "
                f"instances by this entry; a spec may write out at most {MAX_LAYERS:,}"
            )
        for bound, count in instances:
            for k in range(count):
                now = dict(bound)
                if k > 0:
                    now.update(
                        {p: self.value(v, {**outer, **bound}, where, p) for p, v in then.items()}
                    )
                single = len(rows) == 1 and count == 1
                self.instance(
                    name, block, entry, key, scope, {**variables, **now}, head, block_in, single
                )

    def instance(
        self,
        name: str,
        block: Mapping[str, Any],
        entry: Mapping[str, Any],
        key: str,
        outer: dict[str, str],
        variables: Mapping[str, Number],
        head: bool,
        outer_block_in: str | None,
        single: bool = False,
    ) -> None:
        where = self.spec.where(key)
        self.step(1, where)
        start = self.inputs(entry, outer, where)[0]
        if "when" in entry and not self.condition(
            entry["when"], variables, start, outer_block_in, where
        ):
            self.step(self.least[name] - 1, where)  # its layers count as written out
            return
        if single and "name" in entry:  # one named instance keeps its name
            prefix = ".".join([*self.blocks, entry["name"]])
            if prefix in self.shapes or prefix in self.aliases:
                raise SpecError(f"{where}: a layer named {prefix!r} already exists")
        else:
            prefix = self.fresh(entry.get("name", name))
        memo: tuple[Any, ...] | None = None
        if self.expansions is not None:  # an earlier build's expansion of it, where alike
            memo = (key, prefix, tuple(self.blocks), start, self.shapes[start], head)
            memo += tuple(sorted(variables.items()))
        if memo is None or not self.rewrite(memo):
            self.blocks.append(prefix.rsplit(".", 1)[-1] if self.blocks else prefix)
            try:
                self.expand(name, block, start, variables, head, memo)
            finally:
                self.blocks.pop()
        self.alias(prefix, self.previous)
        if single and "name" in entry:  # later layers of the enclosing block name it so
            outer[entry["name"]] = prefix

    def expand(
        self,
        name: str,
        block: Mapping[str, Any],
        start: str,
        variables: Mapping[str, Number],
        head: bool,
        memo: tuple[Any, ...] | None,
    ) -> None:
        """Expand one instance of ``block`` on ``start``; where ``memo`` is given, record what
        it wrote under that key (:class:`Expansions`), unless it read a tensor from outside."""
        scope = {"in": start}
        self.previous = start

        def layers() -> None:
            for index, layer in enumerate(block["layers"]):
                if not isinstance(layer, dict):
                    raise SpecError(f"{self.spec.where(f'blocks.{name}')}: layers must be tables")
                self.entry(layer, f"blocks.{name}.layers[{index}]", scope, variables, head, start)

        if memo is None or self.expansions is None:
            layers()
            return
        recording = _Recording(len(self.born), start, WidthReads(self.rounding))
        steps, counters, aliases = self.steps, dict(self.counters), len(self.aliases)
        nodes = len(self.nodes)
        self.recording.append(recording)
        self.readers.append(recording.reads)
        try:
            layers()
        finally:
            self.recording.pop()
            self.readers.pop()
        if not recording.alone:
            return
        written = _Written(
            recording.reads,
            tuple((node, self.shapes[node.name]) for node in self.nodes[nodes:]),
            tuple(list(self.aliases.items())[aliases:]),
            tuple((k, v) for k, v in self.counters.items() if counters.get(k) != v),
            self.previous,
            self.steps - steps,
        )
        kept = self.expansions.written.setdefault(memo, [])
        kept[:] = [written, *kept[: Expansions.KEPT - 1]]

    def alias(self, name: str, target: str) -> None:
        self.aliases[name] = target
        self.born[name] = len(self.born)

    def rewrite(self, memo: tuple[Any, ...]) -> bool:
        """Write out a block instance as an earlier build expanded it under the key ``memo``
        (:class:`Expansions`), where every channel count it rounded rounds alike at this
        alpha; False where none does (or its names are taken, or its layers would pass the
        limit: then it is expanded, and fails in its place)."""
        assert self.expansions is not None
        for written in self.expansions.written.get(memo, ()):
            if not written.reads.same_at(self.alpha):
                continue
            names = [node.name for node, _ in written.nodes] + [a for a, _ in written.aliases]
            if self.steps + written.steps > MAX_LAYERS or any(
                name in self.shapes or name in self.aliases for name in names
            ):
                return False
            for node, shape in written.nodes:
                self.nodes.append(node)
                self.shapes[node.name] = shape
                self.born[node.name] = len(self.born)
            for name, target in written.aliases:
                self.alias(name, target)
            self.counters.update(written.counters)
            for reader in self.readers:
                reader.rounded.update(written.reads.rounded)
                if written.reads.above_one is not None:
                    reader.above_one = written.reads.above_one
            self.steps += written.steps
            self.previous = written.previous
            return True
        return False

    def inputs(
        self, entry: Mapping[str, Any], scope: Mapping[str, str], where: str, none: bool = False
    ) -> list[str]:
        """The names a layer reads; ``none``: it may read none (``input = []``, a learned
        tensor's ``param``)."""
        raw = entry.get("input")
        if raw is None:
            return [self.previous]
        names = raw if isinstance(raw, list) else [raw]
        if (not names and not none) or not all(isinstance(n, str) for n in names):
            raise SpecError(f"{where}: input must be a layer name or a list of names, got {raw!r}")
        return [self.resolve(n, scope, where) for n in names]

    def variables(
        self, variables: Mapping[str, Number], first: str, block_in: str | None
    ) -> dict[str, Number]:
        x = self.shapes[first]
        return {
            **self.bindings,
            "classes": self.classes,
            **variables,
            "in": x.c,
            "in_h": x.h,
            "in_w": x.w,
            "block_in": self.shapes[block_in].c if block_in else x.c,
        }

    def condition(
        self,
        raw: Any,
        variables: Mapping[str, Number],
        first: str,
        block_in: str | None,
        where: str,
    ) -> bool:
        if isinstance(raw, bool):
            return raw
        return bool(self.value(raw, self.variables(variables, first, block_in), where, "when"))

    def layer(
        self,
        entry: Mapping[str, Any],
        plan: Plan,
        scope: dict[str, str],
        variables: Mapping[str, Number],
        head: bool,
        block_in: str | None,
    ) -> None:
        where = plan.where
        kind = entry["op"]
        inputs = self.inputs(entry, scope, where, kind in SOURCES)
        first = inputs[0] if inputs else INPUT
        local = entry.get("name")
        if not plan.named:
            raise SpecError(f"{where}: name {local!r} is not a name (letters, digits, _ and -)")
        if local in ("in", INPUT):
            raise SpecError(f"{where}: {local!r} is reserved for the block's or network's input")
        if "when" in entry and not self.condition(entry["when"], variables, first, block_in, where):
            if local is not None:  # a layer that is not there stands for its input
                scope[local] = first
            self.previous = first
            return
        bound = None
        values: dict[str, Any] = {}
        for attr, raw, value in plan.attributes:
            if value is not VARIES:
                values[attr] = value
                continue
            if raw is ...:
                parser = ATTRIBUTES[kind][attr][0]
                raise SpecError(f"{where}: {kind} needs {attr} ({ACCEPTED[parser]})")
            if bound is None:
                bound = self.variables(variables, first, block_in)
            values[attr] = self.attribute(kind, attr, raw, bound, where)
        if local is None or self.blocks:
            full = self.fresh(local or kind) if local is None else ".".join([*self.blocks, local])
        else:
            full = local
        if full in self.shapes or full in self.aliases:
            raise SpecError(f"{where}: a layer named {full!r} already exists; names are unique")
        shapes = tuple(self.shapes[i] for i in inputs)
        try:
            op = self.make(kind, values, shapes[0] if shapes else None, where)
            out = op.infer(shapes)
            if kind in TENSOR_KINDS or kind == "act":  # as an imported model's observed shape
                out = ops.shaped(out.shape, image=ops.image_output(op, shapes))
        except SpecError:
            raise
        except MobicostError as error:
            raise SpecError(f"{where} ({kind} {full!r}): {error}") from None
        if max(out.dims or (out.c, out.h, out.w)) > MAX_SIZE:
            raise SpecError(
                f"{where} ({kind} {full!r}): its output {out.text} is above the largest size, "
                f"{MAX_SIZE:,} (2^24) channels, rows or columns"
            )
        self.nodes.append(Node(full, op, tuple(inputs), head, where))
        self.shapes[full] = out
        self.born[full] = len(self.born)
        if local is not None:
            scope[local] = full
        self.previous = full


def build_graph(
    spec: Spec,
    *,
    alpha: Fraction = Fraction(1),
    resolution: int | None = None,
    rounding: str | None = None,
    options: Mapping[str, str] | None = None,
    head: bool = True,
    classes: int | None = None,
    reads: WidthReads | None = None,
    expansions: Expansions | None = None,
) -> Graph:
    """Expand ``spec`` at width ``alpha`` on a ``resolution`` input into a :class:`Graph`,
    recording in ``reads``, where given, what the expansion read of alpha; ``expansions``, where
    given, keeps the block instances of builds that share one (:class:`Expansions`)."""
    bindings: dict[str, Number] = {}
    chosen = dict(options or {})
    for name in chosen:
        if name not in spec.options:
            offered = ", ".join(f"--{o}" for o in spec.options) or "none"
            raise MobicostError(f"{spec.name} has no option --{name}; its options: {offered}")
    for name, option in spec.options.items():
        value = str(chosen.get(name, option.default))
        if value not in option.values:
            raise MobicostError(
                f"{spec.name} --{name} {value} is not offered; choose from: "
                + ", ".join(option.values)
            )
        bindings.update(_bindings(spec, f"options.{name}", option.values[value]))
        with contextlib.suppress(ValueError):  # a number is a variable too: $groups
            bindings[name] = _number(value)
    width = spec.width
    if width is None:
        if alpha != 1:
            raise MobicostError(
                f"{spec.title} has no width multiplier: alpha must be 1 (its spec has no [width])"
            )
    elif width.values is not None:
        key = decimal_text(alpha)
        if key not in width.values:
            raise MobicostError(
                f"{spec.title} is published at widths {', '.join(width.values)} only; "
                f"alpha {key} is not one of them"
            )
        bindings.update(_bindings(spec, "width", width.values[key]))
    builder = _Builder(
        spec,
        alpha,
        resolution,
        rounding or (width.rounding if width else "floor"),
        bindings,
        spec.classes if classes is None else classes,
    )
    if reads is not None:
        reads.rounding = builder.rounding
        builder.readers.append(reads)
    if expansions is not None and expansions.serves(
        spec,
        (resolution, builder.rounding, tuple(sorted(builder.bindings.items())), builder.classes),
    ):
        builder.expansions = expansions
    builder.entries(spec.layers, "layers", head=False)
    if head:
        builder.entries(spec.head, "head", head=True)
    return builder.graph()


def _number(text: str) -> Number:
    value = parse_exact(text)
    return value.numerator if value.denominator == 1 else value


def _bindings(spec: Spec, key: str, raw: Mapping[str, Any]) -> dict[str, Number]:
    bound: dict[str, Number] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise SpecError(f"{spec.where(key)}: {name} = {value!r} must be a number")
        if isinstance(value, int):
            bound[name] = value
            continue
        try:
            bound[name] = _number(value)
        except ValueError:
            raise SpecError(f"{spec.where(key)}: {name} = {value!r} is not a number") from None
    return bound
