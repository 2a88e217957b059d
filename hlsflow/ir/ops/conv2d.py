"""Conv2D (and the rank-generic convolution shared with Conv1D).

``y[b, *o, f] = sum_{*j, c} x_pad[b, *(o * strides + j * dilation), c] * kernel[*j, c, f]
+ bias[f]`` on channels-last data: input ``(H, W, Cin)``, kernel ``(kh, kw, Cin, F)``,
optional bias ``(F,)``, output ``(Ho, Wo, F)``. ``x_pad`` is the input zero-padded per
Keras' ``"valid"``/``"same"`` rule (see :mod:`hlsflow.numerics.window`: the smaller
half of the ``"same"`` padding goes before).

The computation is exactly a dense layer on im2col columns: each window flattened in
(tap..., channel) order against the kernel reshaped to ``(prod(k) * Cin, F)``. The
natural output type is therefore Dense's exact accumulator
(:func:`hlsflow.ir.ops.dense.linear_accum_type`); padded zeros lie inside every fixed
type's range, so the bound also covers border windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, any_float, fixed_in, in_shape
from hlsflow.ir.ops.dense import linear_accum_type, linear_exact
from hlsflow.ir.types import FloatType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import matmul_dtype
from hlsflow.numerics.window import Window

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


@dataclass(frozen=True)
class ConvBase(Op):
    """Rank-generic convolution; subclasses add the window attributes and ``window``.

    Params: kernel ``(*kernel_size, Cin, filters)``, optional bias ``(filters,)``.
    """

    name: ClassVar[str] = "conv"
    param_names: ClassVar[tuple[str, ...]] = ("kernel", "bias")
    optional_params: ClassVar[tuple[str, ...]] = ("bias",)

    filters: int

    @property
    def window(self) -> Window:
        raise NotImplementedError

    def out_shape(self, node: Node) -> tuple[int, ...]:
        """Output shape (checks ``filters`` and the window attributes on the way)."""
        if not isinstance(self.filters, int) or isinstance(self.filters, bool) or self.filters < 1:
            raise OpError(f"filters must be a positive integer, got {self.filters!r}")
        return self.window.out_spatial(in_shape(node)[:-1]) + (self.filters,)

    def verify(self, node: Node) -> None:
        super().verify(node)
        self.out_shape(node)
        want = self.window.size + (in_shape(node)[-1], self.filters)
        if node.params["kernel"].shape != want:
            raise OpError(
                f"kernel shape {node.params['kernel'].shape} does not match (*kernel_size, Cin, filters) = {want}"
            )
        if "bias" in node.params and node.params["bias"].shape != (self.filters,):
            raise OpError(f"bias shape {node.params['bias'].shape} does not match filters={self.filters}")

    def infer_types(self, node: Node) -> list[TensorType]:
        self.verify(node)  # Graph.add_node infers before verifying: report bad attributes/params clearly
        shape = self.out_shape(node)
        elem = FloatType() if any_float(node) else linear_accum_type(node, fixed_in(node))
        return [TensorType(shape, elem)]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        x = inputs[0]
        acc = linear_accum_type(node, x.type)
        # convert before gathering windows (taps x fewer elements); matmul_exact uses these
        cols = FixedArray(self.window.columns(x.mant.astype(matmul_dtype(acc), copy=False), 0), x.type)
        return [FixedArray(linear_exact(cols, node, acc), acc)]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        cols = self.window.columns(np.asarray(inputs[0], dtype=np.float64), 0.0)
        y = cols @ node.params["kernel"].values.reshape(-1, self.filters)
        if "bias" in node.params:
            y = y + node.params["bias"].values
        return [y]


@dataclass(frozen=True)
class Conv2D(ConvBase):
    """2D convolution over ``(H, W, Cin)``; tuple attributes are (height, width)."""

    name: ClassVar[str] = "conv2d"

    kernel_size: tuple[int, int]
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    dilation: tuple[int, int] = (1, 1)

    @property
    def window(self) -> Window:
        return Window.checked(2, self.kernel_size, self.strides, self.padding, self.dilation)
