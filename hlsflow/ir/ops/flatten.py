"""Flatten: ``(*shape) -> (prod(shape),)`` in row-major (C) order of the channels-last
tensor, i.e. channel fastest, as Keras' Flatten with ``data_format="channels_last"``.
The natural type is the input type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlsflow.ir.ops.reshape import ReshapeBase


@dataclass(frozen=True)
class Flatten(ReshapeBase):
    """Flatten all non-batch axes into one."""

    name: ClassVar[str] = "flatten"

    def target_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(shape)),)
