"""LowerContext: what per-op lowering functions use to build a LayerView."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from hlsflow.backends.common.views import ArrayView, TypeView, VarView

from hlsflow.config import Config, ResolvedLayer
from hlsflow.errors import HlsflowError
from hlsflow.ir.types import FixedType, as_fixed

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph, Node, Value


class LoweringError(HlsflowError, ValueError):
    """A node cannot be lowered with the requested settings; names the layer and fix."""


#: Widest fixed-point type the generated code may use (the simulation headers keep
#: values in 128-bit integers and products must stay exact).
MAX_WIDTH = 64


def raw_ctype(values: Any, signed_hint: bool = True) -> str:
    """Smallest standard C integer type holding every value."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":  # Python integers beyond int64, or mixed data
        arr = np.asarray(values, dtype=object)
    lo = int(min(arr.min(), 0)) if arr.size else 0
    hi = int(max(arr.max(), 0)) if arr.size else 0
    for bits in (8, 16, 32, 64):
        if lo >= -(1 << (bits - 1)) and hi < (1 << (bits - 1)):
            return f"int{bits}_t"
    raise LoweringError(f"constant values need more than 64 bits ({lo}..{hi})")


def _int_tuple(values: Any) -> tuple[int, ...]:
    """``values`` flattened to a tuple of Python ints (``tolist`` of an integer array
    already yields them; other data goes element by element)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return tuple(arr.ravel().tolist())
    return tuple(int(x) for x in np.asarray(values, dtype=object).ravel().tolist())


def index_ctype(n: int) -> str:
    for bits in (8, 16, 32):
        if n < (1 << bits):
            return f"uint{bits}_t"
    return "uint64_t"


@dataclass
class LowerContext:
    graph: Graph
    config: Config
    io_type: str
    _vars: dict[int, VarView] = field(default_factory=dict)
    _uses: dict[tuple[int, int, int], VarView] = field(default_factory=dict)
    _value_types: dict[str, TypeView] = field(default_factory=dict)

    def settings(self, node: Node) -> ResolvedLayer:
        return self.config.for_node(node)

    def check_width(self, node: Node, what: str, t: FixedType) -> FixedType:
        if t.width > MAX_WIDTH:
            raise LoweringError(
                f"layer {node.name!r}: {what} type {t} is {t.width} bits wide; generated code supports up to "
                f"{MAX_WIDTH} bits. Narrow the layer's input or weight precision in the config."
            )
        return t

    def var(self, v: Value, consumer: Node | None = None, occurrence: int = 0) -> VarView:
        """The C++ variable that carries value ``v`` (created on first use). With a
        ``consumer``, the copy of a fanned-out stream that this consumer reads; a consumer
        reading ``v`` in several inputs gets one copy per reading (``occurrence`` k: the
        k-th of its inputs that is ``v``, see :func:`occurrence`)."""
        if consumer is not None and (id(v), id(consumer), occurrence) in self._uses:
            return self._uses[(id(v), id(consumer), occurrence)]
        if id(v) not in self._vars:
            t = self.check_width(v.producer, "output", as_fixed(v.type.elem))
            tname = f"{v.name}_t"
            self._value_types[tname] = TypeView(tname, t)
            shape = v.type.shape
            port = VarView(self.port_name(v), tname, v.type.size, shape, shape[-1])
            # a read graph output: its producer writes an internal stream, and a clone
            # copies it to the port (the design cannot read its own output stream)
            self._vars[id(v)] = replace(port, name=f"{port.name}_int") if self.read_output_stream(v) else port
        return self._vars[id(v)]

    @staticmethod
    def port_name(v: Value) -> str:
        """The name of the variable (and, for graph inputs/outputs, top-level argument)
        carrying ``v``."""
        return f"{v.name}_out" if v.producer.op.name != "input" else v.name

    def read_output_stream(self, v: Value) -> bool:
        """Whether ``v`` is an io_stream graph output that layers also read."""
        return self.io_type == "io_stream" and bool(v.users) and any(v is o for o in self.graph.outputs)

    def port(self, v: Value) -> VarView:
        """The top-level argument carrying graph input or output ``v`` (for any other
        value, its variable)."""
        own = self.var(v)
        return replace(own, name=self.port_name(v)) if self.read_output_stream(v) else own

    def temp_var(self, node: Node, name: str, shape: tuple[int, ...], t: FixedType) -> VarView:
        """A tensor variable internal to ``node``'s lowering (e.g. between the stages of
        an n-input merge), of element type ``t``."""
        self.check_width(node, name, t)
        tname = f"{name}_t"
        self._value_types[tname] = TypeView(tname, t)
        size = int(np.prod(shape))
        return VarView(f"{name}_out", tname, size, tuple(shape), shape[-1])

    def set_use(self, v: Value, consumer: Node, var: VarView, occurrence: int = 0) -> None:
        self._uses[(id(v), id(consumer), occurrence)] = var

    def input_var(self, node: Node, index: int) -> VarView:
        """The variable ``node`` reads as its input ``index`` (its own stream copy when
        the input is fanned out, one per reading when the same tensor is read twice)."""
        return self.var(node.inputs[index], node, occurrence(node, index))

    @property
    def value_types(self) -> tuple[TypeView, ...]:
        return tuple(self._value_types.values())

    def typedef(self, node: Node, role: str, t: FixedType) -> TypeView:
        """A per-layer typedef (e.g. ``accum_t``) checked against the width limit."""
        return TypeView(role, self.check_width(node, role, t))

    def raw_array(self, name: str, mant: Any, fixed: FixedType | None, comment: str = "") -> ArrayView:
        vals = _int_tuple(mant)
        return ArrayView(name, raw_ctype(mant) if vals else "int8_t", vals if vals else (0,), fixed, comment)

    def index_array(self, name: str, idx: Any, bound: int) -> ArrayView:
        vals = _int_tuple(idx)
        return ArrayView(name, index_ctype(bound), vals if vals else (0,), None)


def occurrence(node: Node, index: int) -> int:
    """How many of ``node``'s inputs before ``index`` are the same tensor as input ``index``."""
    v = node.inputs[index]
    return sum(1 for x in node.inputs[:index] if x is v)
