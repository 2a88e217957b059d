"""Exact fixed-point arithmetic on integer mantissas (see :mod:`hlsflow.numerics.fixed`)."""

from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import (
    accum_type,
    add_type,
    from_float,
    mant_dtype,
    mul_type,
    quantize,
    sub_type,
    to_float,
    type_for_range,
    union_type,
)

__all__ = [
    "FixedArray",
    "accum_type",
    "add_type",
    "from_float",
    "mant_dtype",
    "mul_type",
    "quantize",
    "sub_type",
    "to_float",
    "type_for_range",
    "union_type",
]
