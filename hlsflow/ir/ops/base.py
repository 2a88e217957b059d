"""The op protocol shared by every IR operation.

An op is a frozen dataclass: its fields are its attributes (hashable, printable). It
defines three things:

* ``infer_types(node)`` -- the exact ("natural") output types from the input types and
  parameters: the type that holds the op's result with no loss (an accumulator for a
  dense layer, a table's type for a lookup activation, the input type for a max-pool);
* ``compute(node, inputs)`` -- the bit-exact result in those natural types, on batch-first
  :class:`FixedArray` data;
* ``reference(node, inputs)`` -- the same function in float64 on the source's float
  parameters (the "what the framework computes" model used to check frontends).

``evaluate`` = ``compute`` then assignment to the node's declared output types, which is
exactly what generated C++ does (``result_t y = acc;``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING, dataclass, fields
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.types import ElemType, FixedType, FloatType, IntType, TensorType, as_fixed
from hlsflow.numerics.array import FixedArray

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


class OpError(ValueError):
    """An op's attributes or input types are invalid; the message says which."""


@dataclass(frozen=True)
class Op:
    """Base class of all ops. Subclasses set ``name`` and may set ``param_names``."""

    name: ClassVar[str] = "op"
    #: Parameters (constant tensors) this op reads from ``node.params``.
    param_names: ClassVar[tuple[str, ...]] = ()
    #: Number of tensor inputs; None means two or more.
    num_inputs: ClassVar[int | None] = 1
    #: Params that are optional (e.g. ``bias``).
    optional_params: ClassVar[tuple[str, ...]] = ()

    # -- to implement ------------------------------------------------------------
    def infer_types(self, node: Node) -> list[TensorType]:
        raise NotImplementedError(f"op {self.name} does not define infer_types")

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        raise NotImplementedError(f"op {self.name} does not define compute")

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        raise NotImplementedError(f"op {self.name} does not define reference")

    # -- shared behaviour ----------------------------------------------------------
    def evaluate(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        """Bit-exact outputs in the node's declared output types."""
        exact = self.compute(node, inputs)
        return [r.cast(as_fixed(v.type.elem)) for r, v in zip(exact, node.outputs)]

    def verify(self, node: Node) -> None:
        """Check input count and parameters; ops extend this with their own rules."""
        n = len(node.inputs)
        if self.num_inputs is None:
            if n < 2:
                raise OpError(f"{self.name} needs at least two inputs, got {n}")
        elif n != self.num_inputs:
            raise OpError(f"{self.name} needs {self.num_inputs} input(s), got {n}")
        for p in self.param_names:
            if p not in node.params and p not in self.optional_params:
                raise OpError(f"{self.name} needs parameter {p!r}")

    def attrs(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def attrs_str(self) -> str:
        """Attributes that differ from their defaults, as ``{k=v, ...}``."""
        items = [
            f"{f.name}={_fmt(getattr(self, f.name))}"
            for f in fields(self)
            if f.default is MISSING or getattr(self, f.name) != f.default
        ]
        return "{" + ", ".join(items) + "}" if items else ""


def _fmt(v: object) -> str:
    if isinstance(v, tuple):
        return "(" + ",".join(_fmt(x) for x in v) + ")"
    if isinstance(v, float):
        return repr(v)
    return str(v)


# -- helpers used by many ops ------------------------------------------------------
def in_elem(node: Node, i: int = 0) -> ElemType:
    return node.inputs[i].type.elem


def in_shape(node: Node, i: int = 0) -> tuple[int, ...]:
    return node.inputs[i].type.shape


def any_float(node: Node) -> bool:
    """True when an input or parameter is still unquantised (float)."""
    if any(isinstance(v.type.elem, FloatType) for v in node.inputs):
        return True
    return any(not c.is_fixed for c in node.params.values())


def fixed_in(node: Node, i: int = 0) -> FixedType:
    t = node.inputs[i].type.elem
    if isinstance(t, IntType):
        return t.as_fixed()
    if not isinstance(t, FixedType):
        raise OpError(f"input {i} of {node.name!r} is {t}, not fixed-point")
    return t


def param_fixed(node: Node, pname: str) -> tuple[np.ndarray, FixedType]:
    """Mantissas and type of a quantised parameter."""
    c = node.params[pname]
    if c.mant is None or not isinstance(c.type, FixedType):
        raise OpError(f"parameter {pname!r} of {node.name!r} is not quantised")
    return c.mant, c.type
