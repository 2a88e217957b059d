"""DepthwiseConv2D: each input channel convolved with its own ``depth_multiplier`` filters.

``y[b, i, j, c * M + m] = sum_{p, q} x_pad[b, i*sh + p*dh, j*sw + q*dw, c] *
kernel[p, q, c, m] + bias[c * M + m]`` with ``M = depth_multiplier``: input
``(H, W, C)``, kernel ``(kh, kw, C, M)``, optional bias ``(C * M,)``, output
``(Ho, Wo, C * M)`` in Keras' channel order (input channel major, multiplier minor).
Padding and output size follow Keras (:mod:`hlsflow.numerics.window`), padded with zeros.

Natural type: the exact accumulator (:func:`hlsflow.numerics.fixed.accum_type`) over the
output channels' weight rows ``kernel[:, :, c, m]`` (``kh * kw`` taps each) plus bias.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, any_float, fixed_in, in_shape, param_fixed
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import accum_type, matmul_exact, shift_left
from hlsflow.numerics.window import Window

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


def _per_channel(windows: np.ndarray, taps: int) -> np.ndarray:
    """``(batch, *out, *size, C)`` windows as ``(C, positions, taps)`` matrices."""
    c = windows.shape[-1]
    return windows.reshape(-1, taps, c).transpose(2, 0, 1)


def _merge_channels(y: np.ndarray, out_shape: tuple[int, ...]) -> np.ndarray:
    """``(C, positions, M)`` results as ``(batch, *out, C * M)``, channel ``c * M + m``."""
    return y.transpose(1, 0, 2).reshape(out_shape)


@dataclass(frozen=True)
class DepthwiseConv2D(Op):
    """Depthwise 2D convolution. Params: kernel ``(kh, kw, C, M)``, bias ``(C * M,)``."""

    name: ClassVar[str] = "depthwise_conv2d"
    param_names: ClassVar[tuple[str, ...]] = ("kernel", "bias")
    optional_params: ClassVar[tuple[str, ...]] = ("bias",)

    kernel_size: tuple[int, int]
    strides: tuple[int, int] = (1, 1)
    padding: str = "valid"
    depth_multiplier: int = 1
    dilation: tuple[int, int] = (1, 1)

    @property
    def window(self) -> Window:
        return Window.checked(2, self.kernel_size, self.strides, self.padding, self.dilation)

    def out_shape(self, node: Node) -> tuple[int, ...]:
        """Output shape (checks ``depth_multiplier`` and the window attributes on the way)."""
        mult = self.depth_multiplier
        if not isinstance(mult, int) or isinstance(mult, bool) or mult < 1:
            raise OpError(f"depth_multiplier must be a positive integer, got {mult!r}")
        return self.window.out_spatial(in_shape(node)[:-1]) + (in_shape(node)[-1] * mult,)

    def verify(self, node: Node) -> None:
        super().verify(node)
        out = self.out_shape(node)
        want = self.window.size + (in_shape(node)[-1], self.depth_multiplier)
        if node.params["kernel"].shape != want:
            raise OpError(
                f"kernel shape {node.params['kernel'].shape} does not match (kh, kw, C, depth_multiplier) = {want}"
            )
        if "bias" in node.params and node.params["bias"].shape != out[-1:]:
            raise OpError(f"bias shape {node.params['bias'].shape} does not match C * depth_multiplier = {out[-1]}")

    def infer_types(self, node: Node) -> list[TensorType]:
        self.verify(node)  # Graph.add_node infers before verifying: report bad attributes/params clearly
        shape = self.out_shape(node)
        if any_float(node):
            return [TensorType(shape, FloatType())]
        w, wt = param_fixed(node, "kernel")
        rows = np.asarray(w).reshape(self.window.taps, -1).T  # one row per output channel c*M+m
        b_m, b_frac = None, 0
        if "bias" in node.params:
            b_m, bt = param_fixed(node, "bias")
            b_frac = bt.frac
        return [TensorType(shape, accum_type(fixed_in(node), rows, wt.frac, b_m, b_frac))]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        out_t = self.infer_types(node)[0]
        acc = out_t.elem
        assert isinstance(acc, FixedType)
        x = inputs[0]
        taps = self.window.taps
        w, wt = param_fixed(node, "kernel")
        w3 = np.asarray(w).reshape(taps, -1, self.depth_multiplier).transpose(1, 0, 2)  # (C, taps, M)
        # One exact matmul per input channel, batched by numpy over the channel axis.
        y = matmul_exact(_per_channel(self.window.extract(x.mant, 0), taps), w3, acc)
        y = shift_left(_merge_channels(y, (x.shape[0],) + out_t.shape), acc.frac - (x.type.frac + wt.frac))
        if "bias" in node.params:
            b, bt = param_fixed(node, "bias")
            y = y + shift_left(np.asarray(b, dtype=y.dtype), acc.frac - bt.frac)
        return [FixedArray(y, acc)]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        x = np.asarray(inputs[0], dtype=np.float64)
        taps = self.window.taps
        w3 = node.params["kernel"].values.reshape(taps, -1, self.depth_multiplier).transpose(1, 0, 2)
        y = _per_channel(self.window.extract(x, 0.0), taps) @ w3
        y = _merge_channels(y, (x.shape[0],) + self.infer_types(node)[0].shape)
        if "bias" in node.params:
            y = y + node.params["bias"].values
        return [y]
