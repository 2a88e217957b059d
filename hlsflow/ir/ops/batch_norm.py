"""BatchNorm: ``y[..., c] = x[..., c] * scale[c] + shift[c]`` over the last (channel) axis.

Params ``scale`` and ``shift``, both ``(C,)``. The frontend folds a Keras
BatchNormalization into them: ``scale = gamma / sqrt(var + eps)``,
``shift = beta - mean * scale``.

The natural type is exact: the product ``x * scale`` keeps ``x.frac + scale.frac``
fractional bits, ``shift`` is aligned to ``max(that, shift.frac)`` and added with no
rounding. Its range is bounded per channel from the actual scale and shift values (the
single-tap case of :func:`hlsflow.numerics.fixed.accum_type`), so it never overflows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, any_float, fixed_in, in_shape, param_fixed
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import accum_type, as_mant, shift_left

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


@dataclass(frozen=True)
class BatchNorm(Op):
    """Per-channel affine map ``x * scale + shift``. Params: scale (C,), shift (C,)."""

    name: ClassVar[str] = "batch_norm"
    param_names: ClassVar[tuple[str, ...]] = ("scale", "shift")

    def verify(self, node: Node) -> None:
        super().verify(node)
        c = in_shape(node)[-1]
        for p in self.param_names:
            if node.params[p].shape != (c,):
                raise OpError(f"{p} shape {node.params[p].shape} does not match the {c} input channels")

    def infer_types(self, node: Node) -> list[TensorType]:
        self.verify(node)  # Graph.add_node infers before verifying: report bad attributes/params clearly
        shape = in_shape(node)
        if any_float(node):
            return [TensorType(shape, FloatType())]
        s, st = param_fixed(node, "scale")
        b, bt = param_fixed(node, "shift")
        # One row per channel with a single tap: the exact bound of x * s[c] + b[c].
        return [TensorType(shape, accum_type(fixed_in(node), np.asarray(s).reshape(-1, 1), st.frac, b, bt.frac))]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        acc = self.infer_types(node)[0].elem
        assert isinstance(acc, FixedType)
        x = inputs[0]
        s, st = param_fixed(node, "scale")
        b, bt = param_fixed(node, "shift")
        # Every intermediate (product, aligned shift, sum) lies within acc's range.
        prod = as_mant(x.mant, acc.width) * as_mant(s, acc.width)
        y = shift_left(prod, acc.frac - (x.type.frac + st.frac)) + shift_left(as_mant(b, acc.width), acc.frac - bt.frac)
        return [FixedArray(y, acc)]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [inputs[0] * node.params["scale"].values + node.params["shift"].values]
