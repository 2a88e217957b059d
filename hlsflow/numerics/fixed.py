"""Fixed-point arithmetic on integer mantissas.

A fixed-point array is a numpy integer array ``mant`` plus a number of fractional bits
``frac``: element ``k`` is worth ``mant[k] * 2**-frac`` exactly. All arithmetic here is
exact integer arithmetic; the only lossy step is :func:`quantize`, which applies one of
the rounding and overflow modes of HLS fixed-point types.

Mantissas live in ``int64`` arrays while every intermediate fits in 62 bits; wider
values switch to ``object`` arrays of Python integers (exact, slower). Callers pick the
array kind with :func:`mant_dtype` from the widths they know statically.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hlsflow.ir.types import FixedType, Overflow, Rounding

#: Widest mantissa (in bits, sign included) kept in an int64 array. Two bits of headroom
#: let additions and the rounding step run without wrapping.
INT64_SAFE_BITS = 62

MantArray = np.ndarray


def mant_dtype(width: int) -> Any:
    """The numpy dtype that holds mantissas of ``width`` bits exactly."""
    return np.int64 if width <= INT64_SAFE_BITS else object


def as_mant(values: Any, width: int) -> MantArray:
    """Convert integer-valued data to a mantissa array able to hold ``width`` bits."""
    arr = np.asarray(values)
    if mant_dtype(width) is object:
        return np.array(arr.tolist() if arr.dtype != object else arr, dtype=object).reshape(arr.shape)
    if arr.dtype == object:
        return arr.astype(np.int64)
    return arr.astype(np.int64, copy=False)


def _is_object(a: MantArray) -> bool:
    return a.dtype == object


def shift_left(mant: MantArray, n: int) -> MantArray:
    """Exact multiplication by ``2**n`` (``n >= 0``)."""
    if n == 0:
        return mant
    if _is_object(mant):
        return mant * (1 << n)
    return mant << np.int64(n)


def _floor_div_pow2(mant: MantArray, n: int) -> tuple[MantArray, MantArray]:
    """Return ``(q, r)`` with ``mant == q * 2**n + r`` and ``0 <= r < 2**n`` (n >= 1)."""
    if _is_object(mant):
        q = mant // (1 << n)
        return q, mant - q * (1 << n)
    q = mant >> np.int64(n)
    return q, mant - (q << np.int64(n))


def round_shift(mant: MantArray, n: int, rounding: Rounding) -> MantArray:
    """Divide by ``2**n`` (``n >= 1``) and round to an integer with ``rounding``."""
    if not _is_object(mant) and n <= INT64_SAFE_BITS:
        return _round_shift_int64(mant, n, rounding)
    q, r = _floor_div_pow2(mant, n)
    half = 1 << (n - 1)
    if rounding is Rounding.TRN:
        return q
    if rounding is Rounding.TRN_ZERO:
        up = (r != 0) & (mant < 0)
    elif rounding is Rounding.RND:
        up = r >= half
    elif rounding is Rounding.RND_MIN_INF:
        up = r > half
    elif rounding is Rounding.RND_ZERO:
        up = (r > half) | ((r == half) & (mant < 0))
    elif rounding is Rounding.RND_INF:
        up = (r > half) | ((r == half) & (mant > 0))
    elif rounding is Rounding.RND_CONV:
        up = (r > half) | ((r == half) & ((q % 2) != 0))
    else:  # pragma: no cover - the enum is closed
        raise ValueError(f"unknown rounding mode {rounding}")
    if _is_object(q):
        return q + np.asarray(up, dtype=bool).astype(int).astype(object)
    return q + up.astype(np.int64)


def _round_shift_int64(mant: np.ndarray, n: int, rounding: Rounding) -> np.ndarray:
    """:func:`round_shift` on int64 mantissas as one biased floor shift.

    With ``q, r = divmod(m, 2**n)`` and ``h = 2**(n-1)``, ``floor((m + b) / 2**n)`` is
    ``q + 1`` exactly when ``r + b >= 2**n`` (for ``0 <= b < 2**n``), so each mode is a
    bias: RND ``h`` (``r >= h``), RND_MIN_INF ``h - 1`` (``r > h``), RND_ZERO ``h - 1``
    for ``m >= 0`` else ``h``, RND_INF ``h`` for ``m > 0`` else ``h - 1``, TRN_ZERO
    ``2**n - 1`` for ``m < 0`` else 0, RND_CONV ``h - 1 + (q & 1)`` (a tie goes up exactly
    when ``q`` is odd), TRN 0. ``m + b`` cannot wrap: int64 mantissas
    stay below 2**62 in magnitude (INT64_SAFE_BITS) and ``b < 2**62`` for the shifts
    (``n <= 62``) it is used for.
    """
    sh = np.int64(n)
    if rounding is Rounding.TRN:
        return mant >> sh
    half = np.int64(1 << (n - 1))
    if rounding is Rounding.RND:
        return (mant + half) >> sh
    if rounding is Rounding.RND_MIN_INF:
        return (mant + (half - 1)) >> sh
    if rounding is Rounding.RND_ZERO:
        return (mant + (half - (mant >= 0))) >> sh
    if rounding is Rounding.RND_INF:
        return (mant + (half - (mant <= 0))) >> sh
    if rounding is Rounding.TRN_ZERO:
        return (mant + (mant < 0) * np.int64((1 << n) - 1)) >> sh
    if rounding is Rounding.RND_CONV:
        return (mant + (half - 1) + ((mant >> sh) & 1)) >> sh
    raise ValueError(f"unknown rounding mode {rounding}")  # pragma: no cover


def overflow_fix(mant: MantArray, t: FixedType) -> MantArray:
    """Map integer mantissas into ``t``'s mantissa range with ``t.overflow``."""
    lo, hi = t.min_mant, t.max_mant
    ov = t.overflow
    if ov is Overflow.WRAP:
        modulus = 1 << t.width
        if not _is_object(mant) and t.signed and t.width < 63:
            # two's complement wrap in one pass: bias by 2**(w-1), keep w bits, unbias
            # (no int64 wrap: |mant| < 2**62 and the bias is at most 2**61)
            bias = np.int64(1 << (t.width - 1))
            return ((mant + bias) & np.int64(modulus - 1)) - bias
        if _is_object(mant):
            wrapped = mant % modulus
        else:
            wrapped = mant & np.int64(modulus - 1) if t.width < 63 else mant
        if t.signed:
            wrapped = np.where(wrapped > hi, wrapped - modulus, wrapped)
        return wrapped if not isinstance(wrapped, np.ndarray) or wrapped.dtype == mant.dtype else wrapped.astype(mant.dtype)
    if ov is Overflow.SAT:
        return np.clip(mant, lo, hi) if not _is_object(mant) else np.where(mant < lo, lo, np.where(mant > hi, hi, mant))
    if ov is Overflow.SAT_SYM:
        # ap_fixed sets an underflowing signed SAT_SYM value to ``min | 1``; for a 1-bit
        # signed type that is -1 itself, so the symmetric range applies from 2 bits on.
        lo_sym = -hi if t.signed and t.width > 1 else lo
        return np.where(mant < lo_sym, lo_sym, np.where(mant > hi, hi, mant)).astype(mant.dtype)
    if ov is Overflow.SAT_ZERO:
        return np.where((mant < lo) | (mant > hi), 0, mant).astype(mant.dtype)
    raise ValueError(f"unknown overflow mode {ov}")  # pragma: no cover


def _promote_if_needed(mant: MantArray, shift: int, t: FixedType) -> MantArray:
    """Switch an int64 array to Python integers when quantising it to ``t`` by ``shift``
    (source frac minus target frac) could leave the int64 range: a target wider than
    INT64_SAFE_BITS (e.g. wrapping negatives into ``ufixed<64,..>``), a right shift by
    more than INT64_SAFE_BITS (numpy shifts by >= 64 bits do not divide exactly), or a
    left shift that pushes the largest magnitude past INT64_SAFE_BITS."""
    if _is_object(mant):
        return mant
    if t.width > INT64_SAFE_BITS or shift > INT64_SAFE_BITS:
        return mant.astype(object)
    if shift < 0 and mant.size:
        bits = max(int(mant.max()).bit_length(), int(mant.min()).bit_length()) + 1
        if bits - shift > INT64_SAFE_BITS:
            return mant.astype(object)
    return mant


def _rounded_range_fits(src: FixedType, shift: int, t: FixedType) -> bool:
    """Whether every mantissa of type ``src``, rounded by ``shift`` bits (any mode; a
    rounding adds at most 1 to the floor) or scaled up by ``-shift`` bits, lies in the
    range ``t``'s overflow mode leaves untouched -- so that mode cannot act."""
    if shift > 0:
        lo, hi = src.min_mant >> shift, (src.max_mant >> shift) + 1
    else:
        lo, hi = src.min_mant << -shift, src.max_mant << -shift
    t_lo = -t.max_mant if t.overflow is Overflow.SAT_SYM and t.signed and t.width > 1 else t.min_mant
    return t_lo <= lo and hi <= t.max_mant


def quantize(mant: MantArray, frac: int, t: FixedType, src: FixedType | None = None) -> MantArray:
    """Assign exact values ``mant * 2**-frac`` to type ``t``; return ``t``'s mantissas.

    Rounding is applied first (when ``t`` has fewer fractional bits), then overflow, in
    the order HLS fixed-point assignment applies them. ``src``, when given, is a type
    holding every element (``src.frac == frac``); its range lets the overflow step be
    skipped when it cannot change anything (the result is the same either way).
    """
    shift = frac - t.frac
    if src is not None and src.frac != frac:
        raise ValueError(f"quantize: src type {src} has {src.frac} fractional bits, the data {frac}")
    in_range = src is not None and _rounded_range_fits(src, shift, t)
    if not (in_range and src.width <= INT64_SAFE_BITS and t.width <= INT64_SAFE_BITS and shift <= INT64_SAFE_BITS):
        mant = _promote_if_needed(mant, shift, t)
    if shift > 0:
        out = round_shift(mant, shift, t.rounding)
    else:
        out = shift_left(mant, -shift)
    if not in_range:
        out = overflow_fix(out, t)
    if not _is_object(out) or t.width > INT64_SAFE_BITS:
        return out
    return out.astype(np.int64)


def count_overflow(mant: MantArray, frac: int, t: FixedType) -> int:
    """How many elements fall outside ``t``'s range after rounding (before the overflow
    mode acts): the number of values that wrap or saturate."""
    shift = frac - t.frac
    mant = _promote_if_needed(mant, shift, t)
    rounded = round_shift(mant, shift, t.rounding) if shift > 0 else shift_left(mant, -shift)
    return int(np.count_nonzero((rounded < t.min_mant) | (rounded > t.max_mant)))


def align(mant: MantArray, frac: int, to_frac: int) -> MantArray:
    """Re-express exact values with ``to_frac >= frac`` fractional bits (lossless)."""
    if to_frac < frac:
        raise ValueError("align() only adds fractional bits; use quantize() to drop them")
    return shift_left(mant, to_frac - frac)


def from_float(values: Any, t: FixedType) -> MantArray:
    """Quantise real values (float64) to ``t`` with ``t``'s own rounding and overflow.

    Floats are converted exactly: a float64 is a dyadic rational, so scaling it by a power
    of two and splitting off the integer part loses nothing until the rounding step.
    """
    x = np.asarray(values, dtype=np.float64)
    fast = _from_float_fast(x, t)  # None for NaN and infinities too
    return fast if fast is not None else _from_float_exact(x, t)


def _from_float_exact(x: np.ndarray, t: FixedType) -> MantArray:
    """:func:`from_float` for any finite data: every float on one exact integer grid
    (int64 when the exponents span few enough bits, else Python integers)."""
    if not np.all(np.isfinite(x)):
        raise ValueError("cannot quantise NaN or infinite values to a fixed-point type")
    # Represent each float exactly as an integer mantissa with enough fractional bits:
    # frexp gives x = m * 2**e with 0.5 <= |m| < 1 and 53 significant bits in m.
    m, e = np.frexp(x)
    mant53 = np.round(np.ldexp(m, 53)).astype(np.int64)  # exact: m has 53 bits
    exp = e.astype(np.int64) - 53  # x == mant53 * 2**exp
    # Put every element on the common grid 2**-frac_in where frac_in = max(-exp).
    nonzero = mant53 != 0
    if not np.any(nonzero):
        return quantize(np.zeros(x.shape, dtype=np.int64), 0, t)
    frac_in = int(np.max(-exp[nonzero]))
    shifts = frac_in + exp  # >= 0 for non-zero elements
    span = int(np.max(shifts[nonzero])) + 54
    if span <= INT64_SAFE_BITS:
        grid = np.where(nonzero, mant53 << np.where(nonzero, shifts, 0), 0).astype(np.int64)
    else:
        grid = np.array(
            [int(mm) << int(s) if mm else 0 for mm, s in zip(mant53.ravel().tolist(), shifts.ravel().tolist())],
            dtype=object,
        ).reshape(x.shape)
    return quantize(grid, frac_in, t)


#: Largest magnitude (exclusive) of ``x * 2**t.frac`` handled by :func:`_from_float_fast`:
#: below 2**52 a float64's integer part and ``floor + 0.5`` are exact float64 values.
_FAST_SPAN = float(2**52)


def _from_float_fast(x: np.ndarray, t: FixedType) -> MantArray | None:
    """:func:`from_float` in int64 arithmetic, or None when the data needs the general path.

    ``y = x * 2**t.frac`` is computed exactly (a power-of-two scaling: scaling up loses
    nothing while ``|y| < 2**52``; scaling down is checked by scaling back, which fails
    for results that became subnormal). What rounding needs
    of ``y`` is ``floor(y)`` and where the dropped part ``r = y - floor(y)`` lies relative
    to 0 and 1/2; all three comparisons are exact while ``|y| < 2**52``. That is encoded as
    the mantissa ``4 * floor(y) + code`` with two extra fractional bits, ``code`` being
    0 (r = 0), 1 (0 < r < 1/2), 2 (r = 1/2) or 3 (r > 1/2): rounding it by two bits with
    :func:`quantize` makes exactly the decisions the exact value would (every rounding
    mode looks only at the sign, the kept LSB and how the remainder compares with half).
    """
    if t.width > INT64_SAFE_BITS or x.size == 0:
        return None
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # such data takes the general path
        # x * 2**frac is the correctly rounded product, as ldexp, and faster
        y = x * 2.0**t.frac if -1022 <= t.frac <= 1023 else np.ldexp(x, t.frac)
        lo, hi = float(y.min()), float(y.max())  # NaN compares False: general path
        if not (-_FAST_SPAN < lo and hi < _FAST_SPAN):
            return None
        # scaling up never loses bits; scaling down may (subnormal results)
        if t.frac < 0 and not np.array_equal(np.ldexp(y, -t.frac), x):
            return None
    fl = np.floor(y)
    if t.rounding is Rounding.TRN:  # the floor is the rounding (the default input type's)
        span = type_for_range(math.floor(lo), math.floor(hi), t.frac)
        return quantize(fl.astype(np.int64), t.frac, t, src=span)
    half = fl + 0.5
    grid = fl.astype(np.int64) * 4
    grid += y > fl  # code = (r > 0) + (r >= 1/2) + (r > 1/2)
    grid += y >= half
    grid += y > half
    # the grid's range lets quantize skip an overflow step that cannot act
    span = type_for_range(4 * math.floor(lo), 4 * math.floor(hi) + 3, t.frac + 2)
    return quantize(grid, t.frac + 2, t, src=span)


def to_float(mant: MantArray, frac: int) -> np.ndarray:
    """The real values of mantissas (exact whenever they fit a float64's 53 bits)."""
    return np.ldexp(np.asarray(mant, dtype=np.float64), -frac)


def bits_for(lo: int, hi: int) -> tuple[int, bool]:
    """Smallest ``(width, signed)`` whose mantissa range contains ``[lo, hi]``."""
    if lo > hi:
        raise ValueError("empty range")
    if lo >= 0:
        return max(int(hi).bit_length(), 1), False
    # max(hi, 0): a negative hi needs no positive bits ([-1, -1] fits in 1 signed bit).
    width = max(int(max(hi, 0)).bit_length(), int(-lo - 1).bit_length()) + 1
    return width, True


def type_for_range(lo: int, hi: int, frac: int, like: FixedType | None = None) -> FixedType:
    """The narrowest FixedType with ``frac`` fractional bits holding mantissas ``[lo, hi]``.

    Rounding/overflow modes are copied from ``like`` (default TRN/WRAP; with an exact type
    they never act).
    """
    width, signed = bits_for(lo, hi)
    t = FixedType(width, width - frac, signed)
    return t if like is None else t.with_modes(like.rounding, like.overflow)


def add_type(a: FixedType, b: FixedType) -> FixedType:
    """Exact type of ``a + b``."""
    f = max(a.frac, b.frac)
    lo = (a.min_mant << (f - a.frac)) + (b.min_mant << (f - b.frac))
    hi = (a.max_mant << (f - a.frac)) + (b.max_mant << (f - b.frac))
    return type_for_range(lo, hi, f)


def sub_type(a: FixedType, b: FixedType) -> FixedType:
    """Exact type of ``a - b``."""
    f = max(a.frac, b.frac)
    lo = (a.min_mant << (f - a.frac)) - (b.max_mant << (f - b.frac))
    hi = (a.max_mant << (f - a.frac)) - (b.min_mant << (f - b.frac))
    return type_for_range(lo, hi, f)


def mul_type(a: FixedType, b: FixedType) -> FixedType:
    """Exact type of ``a * b``."""
    corners = [x * y for x in (a.min_mant, a.max_mant) for y in (b.min_mant, b.max_mant)]
    return type_for_range(min(corners), max(corners), a.frac + b.frac)


def union_type(types: list[FixedType]) -> FixedType:
    """Narrowest type holding every value of every type in ``types`` exactly."""
    f = max(t.frac for t in types)
    lo = min(t.min_mant << (f - t.frac) for t in types)
    hi = max(t.max_mant << (f - t.frac) for t in types)
    return type_for_range(lo, hi, f)


def accum_type(
    x: FixedType, weight_rows: np.ndarray, w_frac: int, bias: np.ndarray | None = None, b_frac: int = 0
) -> FixedType:
    """Exact accumulator type of ``sum_j w[i, j] * x_j + b[i]`` for every row ``i``.

    ``weight_rows`` holds integer weight mantissas, one output per row. The bound covers
    every partial sum in every order (positive and negative contributions are bounded
    separately), so an accumulator of this type can never overflow.
    """
    w_any = np.asarray(weight_rows)
    rows = w_any.shape[0] if w_any.ndim else 1
    n_terms = w_any.size // max(rows, 1)
    # int64 mantissas stay below 2**62, so np.abs cannot wrap; only object data needs ints
    w_abs = np.abs(w_any) if w_any.dtype.kind in "iu" else np.abs(w_any.astype(object))
    w_bits = max(int(np.max(w_abs)).bit_length() if w_any.size else 0, 1)
    # Per row, the largest product of a weight w with an input in [xmin, xmax] is
    # w * max(xmax, 0) for w > 0 and |w| * max(-xmin, 0) for w < 0 (the smallest mirrors
    # it), so the bounds need only each row's sums of positive and of negative weights:
    # exact in int64 while w_bits + log2(n_terms) stays within INT64_SAFE_BITS.
    exact_int64 = w_bits + max(n_terms, 1).bit_length() + 1 <= INT64_SAFE_BITS
    w = w_any.reshape(rows, -1).astype(np.int64 if exact_int64 else object)
    zero = np.int64(0) if exact_int64 else 0
    w_pos = [int(v) for v in np.maximum(w, zero).sum(axis=1)]
    w_neg = [int(v) for v in (-np.minimum(w, zero)).sum(axis=1)]
    up, down = max(x.max_mant, 0), max(-x.min_mant, 0)  # input reach above / below zero
    pos = [up * p + down * q for p, q in zip(w_pos, w_neg)]
    neg = [-(down * p + up * q) for p, q in zip(w_pos, w_neg)]
    f = x.frac + w_frac
    if bias is not None:
        bf = max(f, b_frac)
        bb = [int(v) << (bf - b_frac) for v in np.asarray(bias).reshape(-1).tolist()]
        pos = [(p << (bf - f)) + max(b, 0) for p, b in zip(pos, bb)]
        neg = [(q << (bf - f)) + min(b, 0) for q, b in zip(neg, bb)]
        f = bf
    return type_for_range(min(neg + [0]), max(pos + [0]), f)


def matmul_exact(x: MantArray, w: MantArray, acc: FixedType) -> MantArray:
    """Exact ``x @ w`` on mantissas, given that ``acc`` bounds every partial sum.

    When the accumulator fits in 52 bits every partial sum is an integer below 2**53, so
    a float64 BLAS product is exact in any summation order; that is much faster than
    numpy's integer matmul. Wider accumulators use int64 or Python integers.
    """
    dtype = matmul_dtype(acc)
    xd, wd = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    if xd.ndim > 2 and wd.ndim == 2:
        # one (rows, k) @ (k, n) product: numpy would call BLAS once per leading index
        r = np.matmul(xd.reshape(-1, xd.shape[-1]), wd).reshape(xd.shape[:-1] + wd.shape[-1:])
    else:
        r = np.matmul(xd, wd)
    return r.astype(np.int64) if dtype is np.float64 else r


def matmul_dtype(acc: FixedType) -> Any:
    """The dtype :func:`matmul_exact` computes in for accumulator ``acc``: float64 up to
    52 bits, int64 up to INT64_SAFE_BITS, Python integers beyond. Operands already of
    this dtype (e.g. mantissas converted before a window gather that multiplies their
    size) are used without another conversion."""
    if acc.width <= 52:
        return np.float64
    return np.int64 if acc.width <= INT64_SAFE_BITS else object
