"""The mutable graph: :class:`Graph` of :class:`Node` and :class:`Value`.

All structural edits go through ``Graph`` methods so that use-lists stay consistent:
every ``Value`` knows its producer and its users, and ``Graph.nodes`` is kept in a
topological order. ``Graph.verify()`` checks those invariants plus every op's own
typing rules; passes must leave a graph that verifies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hlsflow.ir.constant import Constant
from hlsflow.ir.types import FixedType, FloatType, IntType, TensorType

if TYPE_CHECKING:
    from hlsflow.ir.ops.base import Op


class IRError(Exception):
    """The graph violates an invariant; the message names the node and the rule."""


_NAME_OK = re.compile(r"[^A-Za-z0-9_]")


def sanitize_name(name: str) -> str:
    """A name safe as a C++ identifier and a file name: [A-Za-z_][A-Za-z0-9_]*."""
    s = _NAME_OK.sub("_", name.strip()) or "v"
    return s if not s[0].isdigit() else "v_" + s


class Value:
    """An SSA value: produced by exactly one node output, used by any number of nodes."""

    __slots__ = ("name", "type", "producer", "index", "_users")

    def __init__(self, name: str, type: TensorType, producer: Node, index: int) -> None:
        self.name = name
        self.type = type
        self.producer = producer
        self.index = index
        self._users: list[Node] = []

    @property
    def users(self) -> tuple[Node, ...]:
        return tuple(self._users)

    def __repr__(self) -> str:
        return f"%{self.name}: {self.type}"


@dataclass(eq=False)
class Node:
    """One operation. ``op`` is a frozen dataclass holding the attributes; ``params``
    are named constant tensors (e.g. ``kernel``, ``bias``); ``meta`` keeps provenance
    (source layer class, notes) and never influences numerics."""

    name: str
    op: Op
    _inputs: list[Value] = field(default_factory=list)
    outputs: list[Value] = field(default_factory=list)
    params: dict[str, Constant] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def inputs(self) -> tuple[Value, ...]:
        return tuple(self._inputs)

    @property
    def output(self) -> Value:
        """The single output (most ops have exactly one)."""
        if len(self.outputs) != 1:
            raise IRError(f"node {self.name!r} has {len(self.outputs)} outputs, not one")
        return self.outputs[0]

    @property
    def kind(self) -> str:
        return self.op.name

    def __repr__(self) -> str:
        return f"<Node {self.name} {self.op.name}>"


class Graph:
    """A directed acyclic graph of nodes, kept in topological order."""

    def __init__(self, name: str = "model") -> None:
        self.name = sanitize_name(name)
        self.nodes: list[Node] = []
        self.outputs: list[Value] = []
        self._names: set[str] = set()

    # -- queries -----------------------------------------------------------------
    @property
    def inputs(self) -> list[Value]:
        return [n.output for n in self.nodes if n.op.name == "input"]

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no node named {name!r} in graph {self.name!r}")

    def __iter__(self) -> Iterator[Node]:
        return iter(list(self.nodes))

    def __len__(self) -> int:
        return len(self.nodes)

    def unique_name(self, base: str) -> str:
        base = sanitize_name(base)
        if base not in self._names:
            return base
        i = 1
        while f"{base}_{i}" in self._names:
            i += 1
        return f"{base}_{i}"

    # -- edits -------------------------------------------------------------------
    def add_node(
        self,
        op: Op,
        inputs: Iterable[Value] = (),
        name: str | None = None,
        params: dict[str, Constant] | None = None,
        out_types: list[TensorType] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Node:
        """Create a node after all its inputs' producers and return it.

        Output types default to the op's inferred (exact) types.
        """
        ins = list(inputs)
        nname = self.unique_name(name or op.name)
        node = Node(nname, op, [], [], dict(params or {}), dict(meta or {}))
        for v in ins:
            self._check_member(v)
        node._inputs = ins
        types = out_types if out_types is not None else op.infer_types(node)
        node.outputs = [
            Value(nname if len(types) == 1 else f"{nname}_{i}", t, node, i) for i, t in enumerate(types)
        ]
        for v in ins:
            v._users.append(node)
        # Insert right after the last producer so the list stays topologically sorted.
        pos = 0
        for v in ins:
            pos = max(pos, self.nodes.index(v.producer) + 1)
        if not ins:
            pos = sum(1 for n in self.nodes if n.op.name == "input")
        self.nodes.insert(pos, node)
        self._names.add(nname)
        return node

    def add_input(self, name: str, type: TensorType) -> Value:
        from hlsflow.ir.ops.input import Input

        return self.add_node(Input(), [], name=name, out_types=[type]).output

    def set_outputs(self, values: Iterable[Value]) -> None:
        vals = list(values)
        for v in vals:
            self._check_member(v)
        self.outputs = vals

    def set_input(self, node: Node, index: int, value: Value) -> None:
        """Make ``node``'s input ``index`` be ``value``."""
        self._check_member(value)
        old = node._inputs[index]
        old._users.remove(node)
        node._inputs[index] = value
        value._users.append(node)
        self._resort()

    def replace_uses(self, old: Value, new: Value) -> None:
        """Every use of ``old`` (including graph outputs) becomes a use of ``new``."""
        self._check_member(new)
        for user in list(old._users):
            for i, v in enumerate(user._inputs):
                if v is old:
                    user._inputs[i] = new
                    new._users.append(user)
            old._users = [u for u in old._users if u is not user]
        self.outputs = [new if v is old else v for v in self.outputs]
        self._resort()

    def remove_node(self, node: Node) -> None:
        """Remove a node whose outputs are no longer used."""
        for v in node.outputs:
            if v._users or any(v is o for o in self.outputs):
                raise IRError(f"cannot remove node {node.name!r}: its output {v.name!r} is still used")
        for v in node._inputs:
            v._users.remove(node)
        self.nodes.remove(node)
        self._names.discard(node.name)

    def bypass(self, node: Node) -> None:
        """Remove a single-input, single-output node, wiring its input to its users."""
        if len(node._inputs) != 1 or len(node.outputs) != 1:
            raise IRError(f"cannot bypass node {node.name!r}: it is not single-input single-output")
        self.replace_uses(node.output, node._inputs[0])
        self.remove_node(node)

    def set_type(self, value: Value, type: TensorType) -> None:
        value.type = type

    def replace_op(self, node: Node, op: Op) -> None:
        node.op = op

    def rename(self, node: Node, name: str) -> None:
        new = self.unique_name(name)
        self._names.discard(node.name)
        self._names.add(new)
        node.name = new
        if len(node.outputs) == 1:
            node.outputs[0].name = new

    def dead_code_elimination(self) -> int:
        """Remove nodes that no graph output depends on; return how many were removed."""
        live: set[int] = set()
        stack = [v.producer for v in self.outputs]
        while stack:
            n = stack.pop()
            if id(n) in live:
                continue
            live.add(id(n))
            stack.extend(v.producer for v in n._inputs)
        removed = 0
        for n in reversed(list(self.nodes)):
            if id(n) not in live and n.op.name != "input":
                for v in n.outputs:
                    v._users.clear()
                for v in n._inputs:
                    if n in v._users:
                        v._users.remove(n)
                self.nodes.remove(n)
                self._names.discard(n.name)
                removed += 1
        return removed

    # -- invariants --------------------------------------------------------------
    def _check_member(self, v: Value) -> None:
        if v.producer not in self.nodes:
            raise IRError(f"value %{v.name} does not belong to graph {self.name!r}")

    def _resort(self) -> None:
        """Restore topological order after an edit (stable: keeps order where legal)."""
        order: list[Node] = []
        placed: set[int] = set()
        pending = list(self.nodes)
        while pending:
            progressed = False
            rest = []
            for n in pending:
                if all(id(v.producer) in placed for v in n._inputs):
                    order.append(n)
                    placed.add(id(n))
                    progressed = True
                else:
                    rest.append(n)
            if not progressed:
                raise IRError("the edit created a cycle: " + ", ".join(n.name for n in rest))
            pending = rest
        self.nodes = order

    def verify(self) -> None:
        """Check every structural and typing invariant; raise IRError naming the node."""
        seen: set[int] = set()
        names: set[str] = set()
        for n in self.nodes:
            if n.name in names:
                raise IRError(f"duplicate node name {n.name!r}")
            names.add(n.name)
            for v in n._inputs:
                if id(v.producer) not in seen:
                    raise IRError(f"node {n.name!r} uses %{v.name} before it is defined (or from outside the graph)")
                if n not in v._users:
                    raise IRError(f"use-list of %{v.name} misses its user {n.name!r}")
            for i, v in enumerate(n.outputs):
                if v.producer is not n or v.index != i:
                    raise IRError(f"output {i} of node {n.name!r} has a wrong producer link")
                for u in v._users:
                    if not any(x is v for x in u._inputs):
                        raise IRError(f"%{v.name} lists {u.name!r} as a user but is not its input")
            try:
                n.op.verify(n)
                inferred = n.op.infer_types(n)
            except IRError:
                raise
            except Exception as exc:  # an op's own check failing is an IR error of that node
                raise IRError(f"node {n.name!r} ({n.op.name}): {exc}") from exc
            if len(inferred) != len(n.outputs):
                raise IRError(f"node {n.name!r} has {len(n.outputs)} outputs, its op defines {len(inferred)}")
            for v, t in zip(n.outputs, inferred):
                if v.type.shape != t.shape:
                    raise IRError(f"node {n.name!r}: output shape {v.type.shape} but the op infers {t.shape}")
                if isinstance(t.elem, (FixedType, IntType)) and isinstance(v.type.elem, FloatType):
                    raise IRError(f"node {n.name!r}: fixed-point inputs but a float output type")
            seen.add(id(n))
        if not self.outputs:
            raise IRError(f"graph {self.name!r} has no outputs")
        for v in self.outputs:
            if id(v.producer) not in seen:
                raise IRError(f"graph output %{v.name} is not produced in the graph")

    def is_quantized(self) -> bool:
        """True when every value and parameter has a fixed-point (or integer) type."""
        for n in self.nodes:
            if any(isinstance(v.type.elem, FloatType) for v in n.outputs):
                return False
            if any(not c.is_fixed for c in n.params.values()):
                return False
        return True

    def __str__(self) -> str:
        from hlsflow.ir.printer import print_graph

        return print_graph(self)
