"""Sliding-window geometry and window reductions shared by convolutions and pooling.

Layout is channels-last and batch-first: a rank-``r`` windowed op reads arrays of shape
``(batch, *spatial, channels)`` with ``len(spatial) == r`` (1 for 1D, 2 for 2D).

Geometry (identical to Keras / TensorFlow):

* ``padding="valid"``: no padding; ``out = (in - eff) // stride + 1`` where the dilated
  extent is ``eff = (k - 1) * dilation + 1``; ``in >= eff`` is required.
* ``padding="same"``: ``out = ceil(in / stride)``; the total padding is
  ``max((out - 1) * stride + eff - in, 0)``, of which ``total // 2`` goes *before* and
  the rest (the larger half) *after*, as TensorFlow does.

Output position ``o`` and tap ``j`` read padded coordinate ``o * stride + j * dilation``,
i.e. input coordinate ``o * stride + j * dilation - pad_before``. Padded positions hold a
caller-chosen fill value (zero for convolutions; see the pooling helpers below).

Averaging (:func:`average_exact`): the exact window sum is multiplied by a reciprocal of
the divisor ``d`` with ``F`` fractional bits, ``R(d) = round_half_up(2**F / d)``:

* when every divisor of the op is a power of two, ``F = log2(max divisor)`` and every
  ``R(d)`` is exact -- the average is an exact shift;
* otherwise ``F = RECIPROCAL_BITS - 1 + max_divisor.bit_length()``, so the reciprocal of
  the largest divisor has ``RECIPROCAL_BITS`` (18) significant bits, rounded to nearest
  with ties up (``RND``); a tie can never happen because ``2**F / d`` is not a half
  integer when ``d`` has an odd factor. Reciprocals of smaller divisors keep more bits.

The reciprocal constants are unsigned with ``F`` fractional bits (:func:`reciprocal_type`)
and the average's natural type is the exact product type (:func:`average_type`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hlsflow.ir.types import FixedType
from hlsflow.numerics.fixed import as_mant, mant_dtype, type_for_range

#: Significant bits of the reciprocal of the largest divisor when averaging divides by a
#: number that is not a power of two.
RECIPROCAL_BITS = 18

PADDINGS = ("valid", "same")


def check_dims(name: str, value: Any, rank: int, scalar: bool = False) -> tuple[int, ...]:
    """``value`` as a tuple of ``rank`` positive ints.

    With ``scalar`` (1D ops whose attributes are plain ints) ``value`` must be an int,
    otherwise a tuple of ``rank`` ints. Raises ValueError naming the attribute.
    """
    if scalar and rank == 1 and _is_pos_int(value):
        return (value,)
    if not scalar and isinstance(value, tuple) and len(value) == rank and all(_is_pos_int(v) for v in value):
        return value
    what = "a positive integer" if scalar else f"a tuple of {rank} positive integer(s)"
    raise ValueError(f"{name} must be {what}, got {value!r}")


def _is_pos_int(v: Any) -> bool:
    # bool is an int subclass; True as a kernel size is always a mistake.
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def check_padding(padding: Any) -> str:
    if padding not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding


def same_pads(size: int, k: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's ``SAME`` padding (before, after) of one axis; the extra goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def output_size(size: int, k: int, stride: int, dilation: int, padding: str) -> int:
    """Number of output positions along one axis (0 when a valid window does not fit)."""
    if padding == "same":
        return -(-size // stride)
    eff = (k - 1) * dilation + 1
    return max((size - eff) // stride + 1, 0)


def pad_spatial(x: np.ndarray, pads: Iterable[tuple[int, int]], fill: Any = 0) -> np.ndarray:
    """Pad the spatial axes of ``(batch, *spatial, channels)`` data with ``fill``.

    Unlike ``np.pad`` this keeps object arrays made of Python ints only (``np.pad``
    inserts numpy scalars, which could overflow in later big-integer arithmetic).
    """
    pads = tuple(pads)
    shape = (x.shape[0],) + tuple(n + b + a for n, (b, a) in zip(x.shape[1:-1], pads)) + (x.shape[-1],)
    out = np.full(shape, fill, dtype=x.dtype)
    inner = tuple(slice(b, b + n) for n, (b, _) in zip(x.shape[1:-1], pads))
    out[(slice(None),) + inner + (slice(None),)] = x
    return out


@dataclass(frozen=True)
class Window:
    """A validated sliding window: sizes, strides and dilations per spatial axis.

    Invariant: the three tuples have length ``rank`` and hold positive ints; ``padding``
    is ``"valid"`` or ``"same"``.
    """

    size: tuple[int, ...]
    strides: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: str

    @classmethod
    def checked(
        cls,
        rank: int,
        size: Any,
        strides: Any,
        padding: Any,
        dilation: Any = None,
        size_name: str = "kernel_size",
        scalar: bool = False,
    ) -> Window:
        """Validate raw op attributes (ValueError with the attribute's name if wrong);
        ``scalar``: the attributes are plain ints (1D convolution) rather than tuples."""
        return cls(
            check_dims(size_name, size, rank, scalar),
            check_dims("strides", strides, rank, scalar),
            (1,) * rank if dilation is None else check_dims("dilation", dilation, rank, scalar),
            check_padding(padding),
        )

    @property
    def rank(self) -> int:
        return len(self.size)

    @property
    def taps(self) -> int:
        """Number of elements in one window."""
        return int(np.prod(self.size))

    def pads(self, spatial: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
        if self.padding == "valid":
            return ((0, 0),) * self.rank
        return tuple(same_pads(n, k, s, d) for n, k, s, d in zip(spatial, self.size, self.strides, self.dilation))

    def out_spatial(self, spatial: tuple[int, ...]) -> tuple[int, ...]:
        """Output spatial shape for input spatial shape ``spatial`` (ValueError if empty)."""
        if len(spatial) != self.rank:
            raise ValueError(
                f"a {self.rank}D window needs a rank-{self.rank + 1} input (spatial..., channels), "
                f"got spatial shape {spatial}"
            )
        out = tuple(
            output_size(n, k, s, d, self.padding) for n, k, s, d in zip(spatial, self.size, self.strides, self.dilation)
        )
        if 0 in out:
            eff = tuple((k - 1) * d + 1 for k, d in zip(self.size, self.dilation))
            raise ValueError(
                f"input spatial shape {spatial} is smaller than the (dilated) window {eff} with padding='valid'"
            )
        return out

    def extract(self, x: np.ndarray, fill: Any = 0) -> np.ndarray:
        """All windows of ``x`` (``(batch, *spatial, C)``) as ``(batch, *out, *size, C)``.

        Padded positions hold ``fill``. Works for any dtype (int64, object, float64). The
        result is a read-only view into ``x`` (or its padded copy): reshape it, never
        write to it.
        """
        spatial = tuple(x.shape[1:-1])
        out = self.out_spatial(spatial)  # validates the geometry
        pads = self.pads(spatial)
        xp = pad_spatial(x, pads, fill) if any(b or a for b, a in pads) else x
        # A read-only strided view (no copy): every window of the dilated extent, then
        # every stride-th window and every dilation-th tap of each; callers reshape it.
        r = self.rank
        eff = tuple((k - 1) * d + 1 for k, d in zip(self.size, self.dilation))
        v = np.lib.stride_tricks.sliding_window_view(xp, eff, axis=tuple(range(1, 1 + r)))
        # v: (batch, *positions, C, *eff) -> pick outputs and taps, move C last
        picks = tuple(slice(0, o * s, s) for o, s in zip(out, self.strides))
        taps = tuple(slice(None, None, d) for d in self.dilation)
        v = v[(slice(None),) + picks + (slice(None),) + taps]
        return v.transpose((0, *range(1, 1 + r), *range(2 + r, 2 + 2 * r), 1 + r))

    def columns(self, x: np.ndarray, fill: Any = 0) -> np.ndarray:
        """:meth:`extract` with each window flattened: ``(batch, *out, taps * C)``, in
        (tap..., channel) C order -- the order of a kernel ``(*size, C, ...)`` flattened."""
        w = self.extract(x, fill)
        return w.reshape(w.shape[: 1 + self.rank] + (-1,))

    def valid_counts(self, spatial: tuple[int, ...]) -> np.ndarray:
        """Number of non-padded elements in each window: int array of shape ``out``."""
        ones = np.ones((1,) + spatial + (1,), dtype=np.int64)
        w = self.extract(ones, 0)[0, ..., 0]
        return w.reshape(w.shape[: self.rank] + (-1,)).sum(axis=-1)


# -- averaging -----------------------------------------------------------------------
def _is_pow2(d: int) -> bool:
    return d & (d - 1) == 0


def reciprocal_frac(divisors: Iterable[int]) -> int:
    """Fractional bits ``F`` of the reciprocals used to divide by ``divisors``."""
    ds = [int(d) for d in divisors]
    dmax = max(ds)
    if all(_is_pow2(d) for d in ds):
        return dmax.bit_length() - 1
    return RECIPROCAL_BITS - 1 + dmax.bit_length()


def reciprocal_mant(d: int, frac: int) -> int:
    """``round_half_up(2**frac / d)``: the mantissa of ``1/d`` with ``frac`` fractional bits."""
    return ((1 << (frac + 1)) + d) // (2 * d)


def reciprocal_type(divisors: Iterable[int]) -> FixedType:
    """The unsigned type holding every reciprocal constant of ``divisors`` exactly."""
    ds = sorted({int(d) for d in divisors})
    f = reciprocal_frac(ds)
    return type_for_range(0, reciprocal_mant(ds[0], f), f)


def average_type(x: FixedType, divisors: Iterable[int]) -> FixedType:
    """Exact type of ``sum(window) * R(d)`` for windows of ``d`` elements of type ``x``."""
    ds = sorted({int(d) for d in divisors})
    f = reciprocal_frac(ds)
    lo = min(d * x.min_mant * reciprocal_mant(d, f) for d in ds)
    hi = max(d * x.max_mant * reciprocal_mant(d, f) for d in ds)
    return type_for_range(lo, hi, x.frac + f)


def average_exact(sums: np.ndarray, divisors: np.ndarray, x: FixedType) -> tuple[np.ndarray, FixedType]:
    """Average window sums: ``sums`` (mantissas at ``x.frac``) of shape ``(batch, *out, C)``
    and integer ``divisors`` of shape ``out`` (one per output position).

    Returns the mantissas of ``sums * R(d)`` and their natural type (:func:`average_type`).
    """
    ds = np.asarray(divisors, dtype=np.int64)
    t = average_type(x, ds.reshape(-1).tolist())
    f = reciprocal_frac(ds.reshape(-1).tolist())
    width = max(t.width, x.width + int(ds.max()).bit_length())
    mults = as_mant([reciprocal_mant(int(d), f) for d in ds.reshape(-1).tolist()], width).reshape(ds.shape)
    return as_mant(sums, width) * mults[..., None], t


def window_sum_dtype(x: FixedType, taps: int) -> Any:
    """dtype holding the sum of ``taps`` values of type ``x`` exactly."""
    return mant_dtype(x.width + taps.bit_length())
