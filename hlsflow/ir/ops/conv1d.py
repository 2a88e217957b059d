"""Conv1D: ``y[b, o, f] = sum_{j, c} x_pad[b, o * strides + j * dilation, c] *
kernel[j, c, f] + bias[f]`` over ``(steps, Cin)`` data.

Kernel ``(kernel_size, Cin, filters)``, optional bias ``(filters,)``, output
``(out_steps, filters)``. Padding, output length and the exact accumulator type are
those of :class:`hlsflow.ir.ops.conv2d.ConvBase` (Keras ``"valid"``/``"same"``; the
natural type is Dense's exact accumulator over the ``kernel_size * Cin`` taps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlsflow.ir.ops.conv2d import ConvBase
from hlsflow.numerics.window import Window


@dataclass(frozen=True)
class Conv1D(ConvBase):
    """1D convolution over ``(steps, Cin)``; attributes are plain ints."""

    name: ClassVar[str] = "conv1d"

    kernel_size: int
    strides: int = 1
    padding: str = "valid"
    dilation: int = 1

    @property
    def window(self) -> Window:
        return Window.checked(1, self.kernel_size, self.strides, self.padding, self.dilation, scalar=True)
