"""Element and tensor types of the hlsflow IR.

Every value in the IR carries a :class:`TensorType`: a static shape (without the batch
dimension) and an element type. Element types are frozen, hashable values:

* :class:`FixedType` -- a two's-complement (or unsigned) fixed-point number with
  ``width`` bits of which ``integer`` are left of the binary point (sign bit included
  when ``signed``), plus the rounding and overflow modes applied when a wider value is
  assigned to it. ``integer`` may be negative or larger than ``width``, as in HLS types.
* :class:`IntType` -- an integer; identical to a FixedType with ``integer == width``.
* :class:`FloatType` -- an unquantised float (frontend output before precision
  inference). The bit-exact emulator refuses it; the float reference accepts it.

Types never print C++; backends spell them. ``str(t)`` gives the IR spelling used by the
printer and the config files, and :func:`parse_type` reads it back.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from typing import Union


class Rounding(enum.Enum):
    """What happens to bits dropped below the least significant kept bit."""

    TRN = "TRN"  # truncate towards minus infinity (floor)
    TRN_ZERO = "TRN_ZERO"  # truncate towards zero
    RND = "RND"  # round to nearest, ties towards plus infinity
    RND_ZERO = "RND_ZERO"  # round to nearest, ties towards zero
    RND_MIN_INF = "RND_MIN_INF"  # round to nearest, ties towards minus infinity
    RND_INF = "RND_INF"  # round to nearest, ties away from zero
    RND_CONV = "RND_CONV"  # round to nearest, ties to even (convergent)


class Overflow(enum.Enum):
    """What happens to a value outside the representable range."""

    WRAP = "WRAP"  # keep the low ``width`` bits (two's complement wrap-around)
    SAT = "SAT"  # clamp to the minimum / maximum
    SAT_ZERO = "SAT_ZERO"  # replace by zero
    SAT_SYM = "SAT_SYM"  # clamp symmetrically: signed minimum is -max, not -max-1 (1-bit signed: -1, as ap_fixed)


@dataclass(frozen=True)
class FixedType:
    """A fixed-point element type.

    Invariants: ``width >= 1``; the value of mantissa ``m`` is ``m * 2**-frac`` where
    ``frac == width - integer``; mantissas lie in ``[min_mant, max_mant]``.
    """

    width: int
    integer: int
    signed: bool = True
    rounding: Rounding = Rounding.TRN
    overflow: Overflow = Overflow.WRAP

    def __post_init__(self) -> None:
        if not isinstance(self.width, int) or self.width < 1:
            raise ValueError(f"fixed-point width must be a positive integer, got {self.width!r}")
        if not isinstance(self.integer, int):
            raise ValueError(f"fixed-point integer bits must be an integer, got {self.integer!r}")

    @property
    def frac(self) -> int:
        """Number of fractional bits (may be negative)."""
        return self.width - self.integer

    @property
    def min_mant(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_mant(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def min_value(self) -> float:
        return self.min_mant * 2.0**-self.frac

    @property
    def max_value(self) -> float:
        return self.max_mant * 2.0**-self.frac

    @property
    def lsb(self) -> float:
        """The value of one unit in the last place."""
        return 2.0**-self.frac

    def with_modes(self, rounding: Rounding | None = None, overflow: Overflow | None = None) -> FixedType:
        return replace(
            self,
            rounding=self.rounding if rounding is None else rounding,
            overflow=self.overflow if overflow is None else overflow,
        )

    def __str__(self) -> str:
        base = f"{'fixed' if self.signed else 'ufixed'}<{self.width},{self.integer}"
        if self.rounding is not Rounding.TRN or self.overflow is not Overflow.WRAP:
            base += f",{self.rounding.value},{self.overflow.value}"
        return base + ">"


@dataclass(frozen=True)
class IntType:
    """An integer element type of ``width`` bits (wraps on overflow, like ``ap_int``)."""

    width: int
    signed: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.width, int) or self.width < 1:
            raise ValueError(f"integer width must be a positive integer, got {self.width!r}")

    def as_fixed(self) -> FixedType:
        return FixedType(self.width, self.width, self.signed)

    def __str__(self) -> str:
        return f"{'int' if self.signed else 'uint'}<{self.width}>"


@dataclass(frozen=True)
class FloatType:
    """An unquantised floating-point element type (32 or 64 bits)."""

    width: int = 32

    def __str__(self) -> str:
        return f"float{self.width}"


ElemType = Union[FixedType, IntType, FloatType]


def as_fixed(t: ElemType) -> FixedType:
    """Return ``t`` as a FixedType; raise TypeError for floats."""
    if isinstance(t, FixedType):
        return t
    if isinstance(t, IntType):
        return t.as_fixed()
    raise TypeError(f"{t} is not a fixed-point type; run precision inference first")


@dataclass(frozen=True)
class TensorType:
    """A tensor type: static shape (batch dimension excluded) and element type."""

    shape: tuple[int, ...]
    elem: ElemType

    def __post_init__(self) -> None:
        if not all(isinstance(d, int) and d >= 1 for d in self.shape):
            raise ValueError(f"tensor dimensions must be positive integers, got {self.shape}")

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def with_elem(self, elem: ElemType) -> TensorType:
        return TensorType(self.shape, elem)

    def __str__(self) -> str:
        return f"{self.elem}[{','.join(str(d) for d in self.shape)}]"


_FIXED_RE = re.compile(
    r"^\s*(?P<kind>u?fixed|ap_u?fixed|u?int|ap_u?int)\s*<\s*(?P<w>-?\d+)\s*(?:,\s*(?P<i>-?\d+)\s*)?"
    r"(?:,\s*(?:AP_)?(?P<r>[A-Z_]+)\s*)?(?:,\s*(?:AP_)?(?P<o>[A-Z_]+)\s*)?(?:,\s*(?P<n>\d+)\s*)?>\s*$"
)


def parse_type(text: str) -> ElemType:
    """Parse an element type: ``fixed<16,6>``, ``ufixed<8,0,RND,SAT>``, ``int<8>``,
    ``float32``; the hls4ml/HLS spellings ``ap_fixed<16,6,AP_RND,AP_SAT>`` and
    ``ap_uint<4>`` are accepted too so that existing configurations can be pasted in.
    """
    s = text.strip()
    if s in ("float", "float32"):
        return FloatType(32)
    if s in ("double", "float64"):
        return FloatType(64)
    m = _FIXED_RE.match(s)
    if not m:
        raise ValueError(
            f"cannot parse type {text!r}: expected e.g. fixed<16,6>, ufixed<8,3,RND,SAT>, int<8> or float32"
        )
    kind = m.group("kind").removeprefix("ap_")
    width = int(m.group("w"))
    if kind in ("int", "uint"):
        if m.group("i") is not None:
            raise ValueError(f"cannot parse type {text!r}: an integer type takes only a width")
        return IntType(width, signed=(kind == "int"))
    if m.group("i") is None:
        raise ValueError(f"cannot parse type {text!r}: a fixed type needs <width,integer>")
    try:
        rounding = Rounding(m.group("r")) if m.group("r") else Rounding.TRN
        overflow = Overflow(m.group("o")) if m.group("o") else Overflow.WRAP
    except ValueError:
        raise ValueError(
            f"cannot parse type {text!r}: rounding must be one of "
            f"{', '.join(r.value for r in Rounding)}; overflow one of {', '.join(o.value for o in Overflow)}"
        ) from None
    if overflow is Overflow.WRAP and int(m.group("n") or 0) != 0:
        # ap_fixed's 5th parameter N (saturation bits) changes AP_WRAP (the top N bits
        # saturate); the SAT modes ignore it. Refuse rather than silently drop it.
        raise ValueError(f"cannot parse type {text!r}: WRAP with {m.group('n')} saturation bits is not supported")
    return FixedType(width, int(m.group("i")), kind == "fixed", rounding, overflow)
