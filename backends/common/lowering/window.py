"""Window geometry of the spatial layers as config constants for ``nnet/window.h``.

Every windowed layer (convolutions, pooling, zero padding) is described in 2D: a 1D
layer over ``(steps, C)`` is a 2D one over ``(1, steps, C)`` with a window one row high.
Output position ``(oh, ow)``, tap ``(p, q)`` reads input row
``oh * stride_height + p * dilation_height - pad_top`` (likewise for columns); rows and
columns outside the input are padding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlsflow.backends.common.views import ArrayView, ConstView, LayerView, TypeView

from hlsflow.numerics.window import Window

if TYPE_CHECKING:
    from hlsflow.backends.common.lowering.context import LowerContext

    from hlsflow.ir.graph import Node


def hw_pair(spatial: Sequence[int], fill: int) -> tuple[int, int]:
    """A 1D or 2D spatial tuple as (height, width); 1D data is one row high."""
    return (fill, spatial[0]) if len(spatial) == 1 else (spatial[0], spatial[1])


@dataclass(frozen=True)
class Geometry:
    """(height, width) pairs of a 2D window over ``(in_h, in_w, n_chan)`` data."""

    in_hw: tuple[int, int]
    out_hw: tuple[int, int]
    kernel: tuple[int, int] = (1, 1)
    strides: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    pad_tl: tuple[int, int] = (0, 0)

    @classmethod
    def of_window(cls, win: Window, in_shape: Sequence[int]) -> Geometry:
        spatial = tuple(in_shape[:-1])
        pads = win.pads(spatial)
        return cls(
            hw_pair(spatial, 1),
            hw_pair(win.out_spatial(spatial), 1),
            hw_pair(win.size, 1),
            hw_pair(win.strides, 1),
            hw_pair(win.dilation, 1),
            hw_pair([p[0] for p in pads], 0),
        )

    @property
    def taps(self) -> int:
        return self.kernel[0] * self.kernel[1]

    @property
    def buffer_rows(self) -> int:
        """Rows a streaming line buffer keeps: the dilated window height, at most the image."""
        return min((self.kernel[0] - 1) * self.dilation[0] + 1, self.in_hw[0])

    def consts(self, n_chan: int) -> tuple[ConstView, ...]:
        vals = {
            "in_height": self.in_hw[0],
            "in_width": self.in_hw[1],
            "n_chan": n_chan,
            "out_height": self.out_hw[0],
            "out_width": self.out_hw[1],
            "filt_height": self.kernel[0],
            "filt_width": self.kernel[1],
            "n_taps": self.taps,
            "stride_height": self.strides[0],
            "stride_width": self.strides[1],
            "dilation_height": self.dilation[0],
            "dilation_width": self.dilation[1],
            "pad_top": self.pad_tl[0],
            "pad_left": self.pad_tl[1],
            "buffer_rows": self.buffer_rows,
        }
        return tuple(ConstView(k, v) for k, v in vals.items())


def window_layer(
    node: Node,
    ctx: LowerContext,
    geom: Geometry,
    header: str,
    func: str,
    consts: tuple[ConstView, ...],
    types: tuple[TypeView, ...],
    arrays: tuple[ArrayView, ...] = (),
    multipliers: int = 0,
    comment: str = "",
) -> LayerView:
    """The LayerView of a windowed layer: its geometry constants followed by ``consts``."""
    x = ctx.input_var(node, 0)
    return LayerView(
        name=node.name,
        op=node.op.name,
        header=header,
        func=func,
        inputs=(x,),
        output=ctx.var(node.output),
        consts=geom.consts(x.channels) + consts,
        types=types,
        arrays=arrays,
        multipliers=multipliers,
        comment=comment,
    )


def per_channel_consts(n_chan: int) -> tuple[ConstView, ...]:
    """``n_out`` and ``reuse_factor`` of a layer without multipliers: one value per
    channel and position, one output pixel per streaming step."""
    return (ConstView("n_out", n_chan), ConstView("reuse_factor", 1))
