"""Dense: ``y[..., o] = sum_i x[..., i] * kernel[i, o] + bias[o]`` over the last axis.

The natural output type is the exact accumulator (see ``numerics.accum_type``): sized
from the actual weight values and the input type so that it can never overflow. Zero
(pruned) weights contribute nothing to the bound and need no multiplier.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from hlsflow.ir.constant import Constant
from hlsflow.ir.ops.base import Op, OpError, any_float, fixed_in, in_shape, param_fixed
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import accum_type, matmul_exact, shift_left

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


#: linear_accum_type results per kernel Constant (immutable; weakly held, so an entry
#: goes with its kernel) and (input type, kernel name, bias Constant). Verification,
#: lowering and every emulation ask again; for large layers the bound is not free.
_ACCUM_TYPES: weakref.WeakKeyDictionary[Constant, dict[tuple[Any, ...], FixedType]] = weakref.WeakKeyDictionary()


def linear_accum_type(node: Node, x: FixedType, kernel: str = "kernel") -> FixedType:
    """Exact accumulator type of a linear op whose kernel is (fan_in, n_out)."""
    k = node.params[kernel]
    key = (x, kernel, node.params.get("bias"))
    known = _ACCUM_TYPES.get(k, {}).get(key)
    if known is None:
        known = _ACCUM_TYPES.setdefault(k, {})[key] = _linear_accum_type(node, x, kernel)
    return known


def _linear_accum_type(node: Node, x: FixedType, kernel: str) -> FixedType:
    w, wt = param_fixed(node, kernel)
    w2 = np.asarray(w).reshape(-1, w.shape[-1])
    b_m, b_frac = None, 0
    if "bias" in node.params:
        b_m, bt = param_fixed(node, "bias")
        b_frac = bt.frac
    return accum_type(x, w2.T, wt.frac, b_m, b_frac)


def linear_exact(x: FixedArray, node: Node, acc: FixedType, kernel: str = "kernel") -> np.ndarray:
    """Exact ``x @ kernel + bias`` mantissas with ``acc.frac`` fractional bits.

    ``x.mant`` is (..., fan_in); the kernel is reshaped to (fan_in, n_out).
    """
    w, wt = param_fixed(node, kernel)
    w2 = np.asarray(w).reshape(-1, w.shape[-1])
    prod = matmul_exact(x.mant, w2, acc)
    prod = shift_left(prod, acc.frac - (x.type.frac + wt.frac))
    if "bias" in node.params:
        b, bt = param_fixed(node, "bias")
        prod = prod + shift_left(np.asarray(b, dtype=prod.dtype), acc.frac - bt.frac)
    return prod


@dataclass(frozen=True)
class Dense(Op):
    """Fully connected layer over the last axis. Params: kernel (in, out), bias (out)."""

    name: ClassVar[str] = "dense"
    param_names: ClassVar[tuple[str, ...]] = ("kernel", "bias")
    optional_params: ClassVar[tuple[str, ...]] = ("bias",)

    units: int

    def verify(self, node: Node) -> None:
        super().verify(node)
        k = node.params["kernel"].shape
        if len(k) != 2 or k[1] != self.units:
            raise OpError(f"kernel shape {k} does not match units={self.units}")
        if in_shape(node)[-1] != k[0]:
            raise OpError(f"input has {in_shape(node)[-1]} features, kernel expects {k[0]}")
        if "bias" in node.params and node.params["bias"].shape != (self.units,):
            raise OpError(f"bias shape {node.params['bias'].shape} does not match units={self.units}")

    def infer_types(self, node: Node) -> list[TensorType]:
        shape = in_shape(node)[:-1] + (self.units,)
        if any_float(node):
            return [TensorType(shape, FloatType())]
        return [TensorType(shape, linear_accum_type(node, fixed_in(node)))]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        acc = self.infer_types(node)[0].elem
        assert isinstance(acc, FixedType)
        return [FixedArray(linear_exact(inputs[0], node, acc), acc)]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        y = inputs[0] @ node.params["kernel"].values
        if "bias" in node.params:
            y = y + node.params["bias"].values
        return [y]
