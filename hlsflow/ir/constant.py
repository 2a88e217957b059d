"""Constant tensors (weights, biases, scales) attached to IR nodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hlsflow.ir.types import ElemType, FixedType, FloatType
from hlsflow.numerics.fixed import as_mant, bits_for, from_float, to_float, type_for_range


@dataclass(frozen=True, eq=False)
class Constant:
    """A constant tensor.

    Invariants: ``values`` (float64, the source framework's numbers) and ``mask`` (bool,
    False where a weight is pruned) have the same shape and ``values`` is zero wherever
    ``mask`` is False. When ``type`` is fixed, ``mant`` holds its integer mantissas (same
    shape) and those mantissas are what hardware and the emulator use; pruned positions
    have mantissa zero.
    """

    values: np.ndarray
    mask: np.ndarray
    type: ElemType = FloatType(32)
    mant: np.ndarray | None = None

    @classmethod
    def from_array(cls, values: Any, mask: Any | None = None) -> Constant:
        """A float constant; zeros in ``values`` count as pruned unless ``mask`` says."""
        v = np.array(values, dtype=np.float64)
        m = (v != 0) if mask is None else np.asarray(mask, dtype=bool)
        if m.shape != v.shape:
            raise ValueError(f"mask shape {m.shape} does not match values shape {v.shape}")
        return cls(np.where(m, v, 0.0), m)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)

    @property
    def is_fixed(self) -> bool:
        return isinstance(self.type, FixedType)

    def quantize(self, t: FixedType) -> Constant:
        """This constant stored in type ``t`` (``t``'s rounding and overflow apply)."""
        mant = from_float(self.values, t)
        mant = np.where(self.mask, mant, 0).astype(mant.dtype)
        return Constant(self.values, self.mask, t, mant)

    def with_mask(self, mask: Any) -> Constant:
        """Apply an extra pruning mask (False = pruned)."""
        m = np.asarray(mask, dtype=bool) & self.mask
        out = Constant(np.where(m, self.values, 0.0), m, self.type, None)
        if self.mant is not None:
            out = Constant(out.values, m, self.type, np.where(m, self.mant, 0).astype(self.mant.dtype))
        return out

    def float_values(self) -> np.ndarray:
        """The values hardware uses: the quantised ones when fixed, else the source's."""
        if self.mant is not None and isinstance(self.type, FixedType):
            return to_float(self.mant, self.type.frac)
        return self.values

    @property
    def nonzero(self) -> int:
        """Number of elements whose stored value is not zero (multipliers they need)."""
        if self.mant is not None:
            return int(np.count_nonzero(self.mant))
        return int(np.count_nonzero(self.values))

    @property
    def sparsity(self) -> float:
        return 1.0 - self.nonzero / max(self.values.size, 1)


def exact_fixed_type(values: Any, max_frac: int = 64) -> FixedType | None:
    """The narrowest FixedType holding every value exactly, or None when some value needs
    more than ``max_frac`` fractional bits (i.e. the data is not on a fixed-point grid).

    Used for weights that a quantiser (QKeras, QONNX) has already put on a grid.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0 or not np.all(np.isfinite(v)):
        return None
    nz = v[v != 0]
    if nz.size == 0:
        return FixedType(1, 1, False)
    # frexp: x = m * 2**e, 53-bit m; count trailing zero bits of each mantissa.
    m, e = np.frexp(nz)
    ints = np.abs(np.round(np.ldexp(m, 53)).astype(np.int64))
    # lowest set bit (a power of two, so its frexp exponent is exact): trailing zeros + 1
    tz = np.frexp((ints & -ints).astype(np.float64))[1].astype(np.int64) - 1
    frac = int(np.max(53 - e.astype(np.int64) - tz))
    if frac > max_frac:
        return None
    # scaling is monotonic, so the range needs only the extreme values (exact Python ints)
    ends = [float(nz.min()), float(nz.max())]
    scaled = [int(x * 2.0**frac) if frac >= 0 else int(x) >> -frac for x in ends]
    lo, hi = min(min(scaled), 0), max(max(scaled), 0)
    return type_for_range(lo, hi, frac)


__all__ = ["Constant", "exact_fixed_type", "as_mant", "bits_for", "to_float"]
