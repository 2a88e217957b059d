"""Scalar constants that ops bake into their arithmetic (slopes, clip bounds, ``1/n``).

A float attribute such as a leaky-ReLU slope cannot enter exact fixed-point arithmetic
as is, so every op quantises it the same way and the C++ emits the same mantissa:

* the value is rounded to the nearest multiple of ``2**-frac`` (``frac`` defaults to
  :data:`CONST_FRAC` = 16), ties towards plus infinity (RND), computed exactly on the
  float's rational value;
* trailing zero bits are then dropped while the fraction is positive, so 0.5 becomes
  mantissa 1 with 1 fractional bit and 6.0 becomes 6 with 0 (smaller products);
* its type is the narrowest holding that one mantissa (unsigned when it is >= 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from hlsflow.ir.types import FixedType
from hlsflow.numerics.fixed import type_for_range

#: Fractional bits of quantised op constants unless an op states otherwise.
CONST_FRAC = 16


@dataclass(frozen=True)
class ScalarConst:
    """An exact constant ``mant * 2**-type.frac``; ``type`` holds ``mant`` and ``0``."""

    mant: int
    type: FixedType

    @property
    def frac(self) -> int:
        return self.type.frac

    @property
    def value(self) -> float:
        return math.ldexp(float(self.mant), -self.frac)


def quantize_scalar(value: float, frac: int = CONST_FRAC) -> ScalarConst:
    """``value`` rounded RND to ``frac`` fractional bits, trailing zeros dropped."""
    if not math.isfinite(value):
        raise ValueError(f"cannot quantise non-finite constant {value!r}")
    mant = math.floor(Fraction(value) * (1 << frac) + Fraction(1, 2))
    while frac > 0 and mant % 2 == 0:
        mant //= 2
        frac -= 1
    if mant == 0:
        frac = 0
    return ScalarConst(mant, type_for_range(min(mant, 0), max(mant, 0), frac))
