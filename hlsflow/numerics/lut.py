"""Uniform lookup tables: the one approximation scheme for transcendental functions.

A :class:`Table` samples a function ``f`` on ``size`` equal bins of ``[lo, hi)``. The
rules below are the specification the generated C++ reproduces bit for bit:

* ``size == N == 2**n`` (``n >= 1``); ``hi - lo == 2**s`` for an integer ``s`` (which may
  be negative); ``lo`` is a multiple of the bin width ``step = (hi - lo) / N = 2**(s - n)``,
  i.e. ``L = lo / step`` is an integer.
* **Index.** For an input ``x = m * 2**-f`` (mantissa ``m``, ``f`` fractional bits)::

      q     = m >> (f + s - n)          # arithmetic shift = floor(x / step);
                                        # a negative amount is a left shift
      index = clamp(q - L, 0, N - 1)

  which equals ``floor((x - lo) * N / (hi - lo))`` clamped: index 0 for every ``x < lo``
  and ``N - 1`` for every ``x >= hi``. No rounding is involved; the shift is exact.
* **Entries.** Entry ``k`` is ``f(lo + (k + 0.5) * step)`` (the bin centre, computed in
  float64; the centre is a dyadic number so it is exact), assigned to the table type
  with rounding RND (nearest, ties up) and overflow SAT whatever modes the table type
  itself carries (see :func:`hlsflow.numerics.fixed.from_float`).
* **Lookup.** The result is ``entries[index]`` in the table type.

Error: inside ``[lo, hi)`` the result is within ``max|f'| * step / 2 + lsb / 2`` of ``f``
(centre sampling halves the worst-case bin error); outside it is the first or last entry.
For a monotone ``f`` the entries are monotone too (rounding is monotone), so a lookup is
a monotone function of ``x``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hlsflow.ir.types import FixedType, Overflow, Rounding
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import INT64_SAFE_BITS, as_mant, from_float, round_shift, shift_left, type_for_range

#: A table function: float64 array in, float64 array out (element-wise).
TableFunction = Callable[[np.ndarray], np.ndarray]


def _log2_exact(value: float) -> int | None:
    """``k`` when ``value == 2**k`` exactly, else None."""
    if not (value > 0 and math.isfinite(value)):
        return None
    mant, exp = math.frexp(value)
    return exp - 1 if mant == 0.5 else None


@dataclass(frozen=True)
class Table:
    """A uniform lookup table over ``[lo, hi)`` with ``size`` entries of type ``type``.

    Invariants (checked on construction, ValueError otherwise): ``size`` is a power of
    two >= 2, ``hi - lo`` is a power of two and ``lo`` is a multiple of ``(hi - lo) / size``.
    """

    lo: float
    hi: float
    size: int
    type: FixedType

    def __post_init__(self) -> None:
        if not (isinstance(self.size, int) and self.size >= 2 and _log2_exact(float(self.size)) is not None):
            raise ValueError(f"table size must be a power of two >= 2, got {self.size!r}")
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)):
            raise ValueError(f"table range [{self.lo}, {self.hi}) must be finite")
        if _log2_exact(self.hi - self.lo) is None:
            raise ValueError(
                f"table range [{self.lo}, {self.hi}) must span a power of two, got hi - lo = {self.hi - self.lo}"
            )
        if not (self.lo / self.step).is_integer():
            raise ValueError(
                f"table start {self.lo} must be a multiple of the bin width (hi - lo) / size = {self.step}"
            )
        if not isinstance(self.type, FixedType):
            raise ValueError(f"table type must be a FixedType, got {self.type!r}")

    # -- geometry --------------------------------------------------------------------
    @property
    def log2_size(self) -> int:
        """``n`` with ``size == 2**n``."""
        return self.size.bit_length() - 1

    @property
    def log2_span(self) -> int:
        """``s`` with ``hi - lo == 2**s``."""
        k = _log2_exact(self.hi - self.lo)
        assert k is not None  # guaranteed by __post_init__
        return k

    @property
    def step(self) -> float:
        """Bin width ``2**(s - n)``."""
        return math.ldexp(1.0, self.log2_span - self.log2_size)

    @property
    def start_bin(self) -> int:
        """``L = lo / step`` (an integer by the invariants)."""
        return int(self.lo / self.step)

    def centers(self) -> np.ndarray:
        """Bin centres ``lo + (k + 0.5) * step`` (float64, exact)."""
        return self.lo + (np.arange(self.size, dtype=np.float64) + 0.5) * self.step

    # -- contents --------------------------------------------------------------------
    def entries(self, f: TableFunction) -> np.ndarray:
        """Entry mantissas (read-only): ``f`` at the bin centres, RND/SAT into the type."""
        return _entries(self, f)

    def index(self, x: FixedArray) -> np.ndarray:
        """Table index of every element of ``x`` (int64, same shape), per the module rule."""
        shift = x.type.frac + self.log2_span - self.log2_size
        start = self.start_bin
        # Enough bits for the left shift and the subtraction of L; as_mant switches to
        # Python integers beyond int64 so the index is exact for any input type. numpy
        # shifts int64 by 64 or more bits inexactly, so long right shifts go there too.
        width = x.type.width + max(-shift, 0) + max(abs(start).bit_length(), 1) + 2
        m = as_mant(x.mant, width if shift <= INT64_SAFE_BITS else INT64_SAFE_BITS + 1)
        q = round_shift(m, shift, Rounding.TRN) if shift > 0 else shift_left(m, -shift)
        idx = q - start
        idx = np.where(idx < 0, 0, np.where(idx > self.size - 1, self.size - 1, idx))
        return np.asarray(idx).astype(np.int64)

    def lookup(self, x: FixedArray, f: TableFunction) -> FixedArray:
        """``entries(f)[index(x)]`` in the table type."""
        return FixedArray(self.entries(f)[self.index(x)], self.type)


@functools.lru_cache(maxsize=64)
def _entries(table: Table, f: TableFunction) -> np.ndarray:
    # Cached per (table, function): ops look tables up on every evaluation.
    values = np.asarray(f(table.centers()), dtype=np.float64)
    mant = from_float(values, table.type.with_modes(Rounding.RND, Overflow.SAT))
    mant.flags.writeable = False
    return mant


@functools.lru_cache(maxsize=256)
def fitted_type(lo: float, hi: float, size: int, f: TableFunction, frac: int) -> FixedType:
    """The narrowest type with ``frac`` fractional bits that holds every entry of the
    table ``f`` over ``[lo, hi)`` with ``size`` entries without saturating.

    Entries are rounded RND at ``frac`` bits exactly as :meth:`Table.entries` rounds
    them, so a Table with this type stores precisely those rounded values.
    """
    probe = Table(lo, hi, size, FixedType(frac + 1, 1))  # validates the geometry
    values = np.asarray(f(probe.centers()), dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"table function is not finite on [{lo}, {hi})")
    int_bits = int(math.ceil(math.log2(float(np.max(np.abs(values))) + 1.0))) + 2
    wide = FixedType(frac + int_bits, int_bits, True, Rounding.RND, Overflow.SAT)
    mant = from_float(values, wide)
    return type_for_range(int(np.min(mant)), int(np.max(mant)), frac)
