"""FixedArray: the run-time value the emulator passes between ops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hlsflow.ir.types import FixedType
from hlsflow.numerics.fixed import from_float, quantize, to_float


@dataclass(frozen=True, eq=False)
class FixedArray:
    """Exact fixed-point data: element ``k`` is ``mant[k] * 2**-type.frac``.

    Invariant: every mantissa lies in ``[type.min_mant, type.max_mant]``; the array is
    batch-first in the emulator (shape ``(batch, *tensor_shape)``).
    """

    mant: np.ndarray
    type: FixedType

    @classmethod
    def from_float(cls, values: Any, t: FixedType) -> FixedArray:
        return cls(from_float(values, t), t)

    def cast(self, t: FixedType) -> FixedArray:
        """Assign to type ``t`` (rounding and overflow of ``t``)."""
        if t == self.type:
            return self
        # the invariant bounds every mantissa by self.type, which lets quantize skip an
        # overflow step that cannot act (most casts only drop fractional bits)
        return FixedArray(quantize(self.mant, self.type.frac, t, src=self.type), t)

    def to_float(self) -> np.ndarray:
        return to_float(self.mant, self.type.frac)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.mant.shape)
