"""Property tests of hlsflow.numerics.fixed against big-integer references written here
from first principles (Python ints and fractions.Fraction: value = mant / 2**frac).

Widths run from 1 to 70 bits so both the int64 path (<= 62 bits) and the Python-int
object path are exercised; integer bits run from -8 to width + 8.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hlsflow.ir.constant import exact_fixed_type
from hlsflow.ir.types import FixedType, Overflow, Rounding
from hlsflow.numerics.fixed import (
    INT64_SAFE_BITS,
    _from_float_fast,
    accum_type,
    add_type,
    bits_for,
    count_overflow,
    from_float,
    mant_dtype,
    matmul_exact,
    mul_type,
    quantize,
    round_shift,
    sub_type,
    to_float,
    type_for_range,
    union_type,
)

ROUNDINGS = list(Rounding)
OVERFLOWS = list(Overflow)
HALF = Fraction(1, 2)

# At least 200 examples per property; a larger profile (e.g. "deep") wins.
PROPS = settings(max_examples=max(settings().max_examples, 200), deadline=None)


# ---------------------------------------------------------------------------------------
# Reference semantics
# ---------------------------------------------------------------------------------------


def pow2(n: int) -> Fraction:
    return Fraction(2) ** n


def ref_round(x: Fraction, mode: Rounding) -> int:
    """Round the rational ``x`` to an integer with ``mode``."""
    fl = math.floor(x)
    rem = x - fl
    if rem == 0:
        return fl
    if mode is Rounding.TRN:  # towards minus infinity
        return fl
    if mode is Rounding.TRN_ZERO:  # towards zero
        return fl if x > 0 else fl + 1
    if rem != HALF:  # not a tie: every RND mode goes to the nearest integer
        return fl + 1 if rem > HALF else fl
    tie = {
        Rounding.RND: fl + 1,  # towards plus infinity
        Rounding.RND_ZERO: fl if x > 0 else fl + 1,  # towards zero
        Rounding.RND_MIN_INF: fl,  # towards minus infinity
        Rounding.RND_INF: fl + 1 if x > 0 else fl,  # away from zero
        Rounding.RND_CONV: fl if fl % 2 == 0 else fl + 1,  # to even
    }
    return tie[mode]


def ref_range(width: int, signed: bool) -> tuple[int, int]:
    if signed:
        return -(2 ** (width - 1)), 2 ** (width - 1) - 1
    return 0, 2**width - 1


def ref_overflow(n: int, t: FixedType) -> int:
    """Map the rounded integer mantissa ``n`` into ``t`` with ``t.overflow``."""
    lo, hi = ref_range(t.width, t.signed)
    if t.overflow is Overflow.SAT_SYM and t.signed and t.width > 1:
        # Symmetric range [-max, max]. (ap_fixed sets an underflow to ``min | 1``, which
        # for a 1-bit signed type is -1 = min itself: there SAT_SYM acts like SAT.)
        lo = -hi
    if lo <= n <= hi:
        return n
    if t.overflow is Overflow.WRAP:  # keep the low width bits, two's complement
        r = n % 2**t.width
        return r - 2**t.width if t.signed and r >= 2 ** (t.width - 1) else r
    if t.overflow is Overflow.SAT_ZERO:
        return 0
    return lo if n < lo else hi  # SAT and SAT_SYM


def ref_quantize_value(x: Fraction, t: FixedType) -> int:
    """t's mantissa for the exact real ``x``."""
    return ref_overflow(ref_round(x * pow2(t.frac), t.rounding), t)


def ref_quantize(m: int, frac: int, t: FixedType) -> int:
    return ref_quantize_value(Fraction(m) / pow2(frac), t)


def holds(t: FixedType, x: Fraction) -> bool:
    """Whether ``x`` is exactly representable in ``t``."""
    m = x * pow2(t.frac)
    lo, hi = ref_range(t.width, t.signed)
    return m.denominator == 1 and lo <= m <= hi


def needed_frac(x: Fraction) -> int:
    """Fewest fractional bits representing ``x != 0`` exactly (negative for multiples of
    powers of two)."""
    if x.denominator > 1:
        assert x.denominator & (x.denominator - 1) == 0
        return x.denominator.bit_length() - 1
    n = abs(x.numerator)
    return -((n & -n).bit_length() - 1)


def ref_min_type(values: list[Fraction]) -> tuple[int, int, bool]:
    """(width, frac, signed) of the narrowest fixed type holding every value, found by
    search: finest grid needed, then the smallest width (unsigned preferred on ties)."""
    nz = [v for v in values if v != 0]
    frac = max(needed_frac(v) for v in nz)
    mants = [v * pow2(frac) for v in values]
    lo, hi = min(mants), max(mants)
    for w in range(1, 10_000):
        for signed in (False, True):
            a, b = ref_range(w, signed)
            if a <= lo and hi <= b:
                return w, frac, signed
    raise AssertionError("unreachable")


def ints(a: np.ndarray) -> list[int]:
    return [int(v) for v in np.asarray(a).ravel().tolist()]


def mant_array(values: list[int], width: int) -> np.ndarray:
    """Mantissas in the array kind callers use for ``width`` bits."""
    return np.array(values, dtype=mant_dtype(width))


# ---------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------


@st.composite
def fixed_types(draw, min_width: int = 1, max_width: int = 70, modes: bool = True) -> FixedType:
    w = draw(st.integers(min_width, max_width))
    i = draw(st.integers(-8, w + 8))
    signed = draw(st.booleans())
    if not modes:
        return FixedType(w, i, signed)
    return FixedType(w, i, signed, draw(st.sampled_from(ROUNDINGS)), draw(st.sampled_from(OVERFLOWS)))


@st.composite
def source_mantissas(draw, width: int, signed: bool, shift: int) -> list[int]:
    """Mantissas of a ``width``-bit source: edges, exact ties and near-ties of the rounding
    position ``shift`` (bits dropped), and uniform random values."""
    lo, hi = ref_range(width, signed)
    edges = sorted({v for v in (lo, lo + 1, -1, 0, 1, hi - 1, hi) if lo <= v <= hi})
    options = [st.integers(lo, hi), st.sampled_from(edges)]
    if shift > 0:
        half = 1 << (shift - 1)
        ties = st.builds(
            lambda q, d: min(max((q << shift) + half + d, lo), hi),
            st.integers(lo >> shift, hi >> shift),
            st.sampled_from([-1, 0, 0, 1]),
        )
        options.append(ties)
    return draw(st.lists(st.one_of(*options), min_size=1, max_size=16))


# ---------------------------------------------------------------------------------------
# quantize / round_shift / overflow
# ---------------------------------------------------------------------------------------


@PROPS
@given(data=st.data())
def test_quantize_matches_reference(data):
    t = data.draw(fixed_types(), label="target")
    src_width = data.draw(st.integers(1, 70), label="source width")
    src_signed = data.draw(st.booleans(), label="source signed")
    # Source fractional bits: anywhere from far coarser to far finer than the target's,
    # including shifts of 64 bits and more.
    frac = t.frac + data.draw(st.integers(-72, 72), label="frac - target frac")
    mants = data.draw(source_mantissas(src_width, src_signed, frac - t.frac), label="mantissas")
    out = quantize(mant_array(mants, src_width), frac, t)
    assert ints(out) == [ref_quantize(m, frac, t) for m in mants]
    # Results come in the array kind of the target's width.
    assert out.dtype == mant_dtype(t.width)
    # The object path gives the same numbers as the int64 path.
    if src_width <= INT64_SAFE_BITS:
        assert ints(quantize(np.array(mants, dtype=object), frac, t)) == ints(out)
    # count_overflow: values outside [min_mant, max_mant] after rounding, before overflow.
    lo, hi = ref_range(t.width, t.signed)
    outside = sum(not lo <= ref_round(Fraction(m) / pow2(frac - t.frac), t.rounding) <= hi for m in mants)
    assert count_overflow(mant_array(mants, src_width), frac, t) == outside


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("overflow", OVERFLOWS)
@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_quantize_exhaustive_small(rounding, overflow, signed):
    """Every mode combination, every mantissa of a 5-bit source, several shifts."""
    mants = list(range(-16, 16))
    src = np.array(mants, dtype=np.int64)
    for width, integer in [(1, 1), (2, 0), (3, 1), (4, 6)]:
        t = FixedType(width, integer, signed, rounding, overflow)
        for shift in (-2, 0, 1, 2, 3, 6):
            frac = t.frac + shift
            assert ints(quantize(src, frac, t)) == [ref_quantize(m, frac, t) for m in mants], (t, frac)


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_round_shift_both_paths(rounding):
    rng = random.Random(7)
    for n in (1, 2, 5, 30, 62):
        vals = [rng.randint(-(2**62), 2**62 - 1) for _ in range(40)]
        ties = [(q << n) + (1 << (n - 1)) + d for q in (-3, -2, -1, 0, 1, 2) for d in (-1, 0, 1)]
        vals += [v for v in ties if -(2**62) <= v < 2**62]  # int64 mantissas stay within 62 bits
        want = [ref_round(Fraction(v) / pow2(n), rounding) for v in vals]
        assert ints(round_shift(np.array(vals, dtype=np.int64), n, rounding)) == want
        assert ints(round_shift(np.array(vals, dtype=object), n, rounding)) == want
    big = [rng.randint(-(2**90), 2**90) for _ in range(40)] + [(5 << 80) + (1 << 79), -(5 << 80) - (1 << 79)]
    assert ints(round_shift(np.array(big, dtype=object), 80, rounding)) == [
        ref_round(Fraction(v) / pow2(80), rounding) for v in big
    ]


def test_quantize_large_shifts_on_int64():
    """Regressions: int64 inputs whose shifts leave the int64 range."""
    rnd = FixedType(8, 4, True, Rounding.RND)
    # right shift by >= 64 bits: -2**-70 rounds to 0, not to -1 lsb
    assert ints(quantize(np.array([-1, 1], dtype=np.int64), 70, rnd)) == [0, 0]
    # left shift past 64 bits must saturate, not wrap into the sign bit
    sat = FixedType(8, -60, True, Rounding.TRN, Overflow.SAT)
    assert ints(quantize(np.array([1, -1], dtype=np.int64), 0, sat)) == [127, -128]
    # a 64-bit unsigned target wraps -1 to 2**64 - 1
    u64 = FixedType(64, 64, False)
    assert ints(quantize(np.array([-1], dtype=np.int64), 0, u64)) == [2**64 - 1]
    assert count_overflow(np.array([1, -1], dtype=np.int64), 0, sat) == 2


# ---------------------------------------------------------------------------------------
# from_float / to_float
# ---------------------------------------------------------------------------------------

finite_floats = st.floats(allow_nan=False, allow_infinity=False, width=64)


@PROPS
@given(t=fixed_types(), xs=st.lists(finite_floats, min_size=1, max_size=8))
def test_from_float_matches_fraction_reference(t, xs):
    out = from_float(np.array(xs), t)
    assert ints(out) == [ref_quantize_value(Fraction(x), t) for x in xs]
    assert out.dtype == mant_dtype(t.width)
    assert out.shape == (len(xs),)


@PROPS
@given(t=fixed_types(), scale=st.integers(-80, 80), xs=st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=6))
def test_from_float_tiny_and_huge_values(t, scale, xs):
    """Values on a common exponent (one int64 grid, large shifts)."""
    vals = [math.ldexp(x, scale) for x in xs]
    assert ints(from_float(np.array(vals), t)) == [ref_quantize_value(Fraction(v), t) for v in vals]


@PROPS
@given(t=fixed_types(max_width=INT64_SAFE_BITS), data=st.data())
def test_from_float_fast_path_ties(t, data):
    """Exact ties, their float neighbours and tiny values on the target grid: the int64
    fast path (taken for all of them) agrees with the Fraction reference."""
    ks = data.draw(st.lists(st.integers(-(2**20), 2**20), min_size=1, max_size=8))
    vals = []
    for k in ks:
        tie = math.ldexp(2 * k + 1, -(t.frac + 1))  # exactly half way between grid points
        vals += [tie, math.nextafter(tie, math.inf), math.nextafter(tie, -math.inf), math.ldexp(k, -t.frac)]
    vals += [0.0, -0.0, math.ldexp(1.0, -(t.frac + 40)), -math.ldexp(3.0, -(t.frac + 45))]
    x = np.array(vals)
    assert _from_float_fast(x, t) is not None
    assert ints(from_float(x, t)) == [ref_quantize_value(Fraction(v), t) for v in vals]


def test_from_float_fast_path_falls_back():
    """Data the fast path cannot take exactly goes to the general path, same numbers."""
    t = FixedType(16, 6, True, Rounding.RND, Overflow.SAT)
    for vals in ([1e300, 1.0], [2.0**60, 0.5]):  # |x * 2**frac| >= 2**52
        x = np.array(vals)
        assert _from_float_fast(x, t) is None
        assert ints(from_float(x, t)) == [ref_quantize_value(Fraction(v), t) for v in vals]
    coarse = FixedType(8, 20, True, Rounding.RND_CONV, Overflow.WRAP)  # frac -12: scaling down
    x = np.array([5e-324, 4096.0 * 3 + 2048.0])
    assert _from_float_fast(x, coarse) is None
    assert ints(from_float(x, coarse)) == [ref_quantize_value(Fraction(v), coarse) for v in x.tolist()]


@PROPS
@given(data=st.data())
def test_quantize_with_source_type(data):
    """Passing the source type (which lets the overflow step be skipped when it cannot
    act) never changes the result."""
    src = data.draw(fixed_types(max_width=70, modes=False), label="source type")
    t = data.draw(fixed_types(), label="target")
    src = FixedType(src.width, src.width - (t.frac + data.draw(st.integers(-20, 20))), src.signed)
    mants = data.draw(source_mantissas(src.width, src.signed, src.frac - t.frac), label="mantissas")
    arr = mant_array(mants, src.width)
    assert ints(quantize(arr, src.frac, t, src=src)) == ints(quantize(arr, src.frac, t))
    with pytest.raises(ValueError, match="fractional bits"):
        quantize(arr, src.frac + 1, t, src=src)


def test_from_float_shapes_and_errors():
    t = FixedType(8, 3, True, Rounding.RND, Overflow.SAT)
    assert from_float(np.zeros((2, 3)), t).shape == (2, 3)
    assert ints(from_float([[0.5, -0.0], [100.0, -100.0]], t)) == [16, 0, 127, -128]
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="NaN or infinite"):
            from_float([1.0, bad], t)


@PROPS
@given(t=fixed_types(max_width=53, modes=False), data=st.data())
def test_to_float_round_trip(t, data):
    mants = data.draw(st.lists(st.integers(t.min_mant, t.max_mant), min_size=1, max_size=8))
    x = to_float(mant_array(mants, t.width), t.frac)
    assert [Fraction(v) for v in x.tolist()] == [Fraction(m) / pow2(t.frac) for m in mants]
    assert ints(from_float(x, t)) == mants


# ---------------------------------------------------------------------------------------
# Exact result types
# ---------------------------------------------------------------------------------------


def assert_minimal(t: FixedType, lo: int, hi: int) -> None:
    """``t`` holds mantissas [lo, hi] and no type one bit narrower (either signedness,
    same frac) does."""
    a, b = ref_range(t.width, t.signed)
    assert a <= lo and hi <= b
    if t.width > 1:
        for signed in (False, True):
            a, b = ref_range(t.width - 1, signed)
            assert not (a <= lo and hi <= b), f"{t} is not minimal for [{lo}, {hi}]"


@PROPS
@given(
    lo=st.integers(-(2**80), 2**80),
    hi=st.integers(-(2**80), 2**80),
    frac=st.integers(-20, 80),
    like=st.none() | fixed_types(max_width=8),
)
def test_type_for_range_minimal(lo, hi, frac, like):
    lo, hi = min(lo, hi), max(lo, hi)
    t = type_for_range(lo, hi, frac, like)
    assert t.frac == frac
    assert_minimal(t, lo, hi)
    assert t.signed == (lo < 0)
    want_modes = (Rounding.TRN, Overflow.WRAP) if like is None else (like.rounding, like.overflow)
    assert (t.rounding, t.overflow) == want_modes
    assert bits_for(lo, hi) == (t.width, t.signed)


def test_bits_for_edges():
    assert bits_for(0, 0) == (1, False)
    assert bits_for(-1, 0) == (1, True)
    assert bits_for(0, 1) == (1, False)
    assert bits_for(-1, 1) == (2, True)
    assert bits_for(-(2**63), 2**63 - 1) == (64, True)
    with pytest.raises(ValueError):
        bits_for(1, 0)


def corners(t: FixedType) -> list[Fraction]:
    return [Fraction(t.min_mant) / pow2(t.frac), Fraction(t.max_mant) / pow2(t.frac)]


def all_values(t: FixedType) -> list[Fraction]:
    return [Fraction(m) / pow2(t.frac) for m in range(t.min_mant, t.max_mant + 1)]


BINARY = {
    "add": (add_type, lambda x, y: x + y, lambda a, b: max(a.frac, b.frac)),
    "sub": (sub_type, lambda x, y: x - y, lambda a, b: max(a.frac, b.frac)),
    "mul": (mul_type, lambda x, y: x * y, lambda a, b: a.frac + b.frac),
}


@pytest.mark.parametrize("op", sorted(BINARY))
@PROPS
@given(a=fixed_types(max_width=70, modes=False), b=fixed_types(max_width=70, modes=False))
def test_binary_types_hold_corners_and_are_minimal(op, a, b):
    type_fn, fn, frac_fn = BINARY[op]
    t = type_fn(a, b)
    vals = [fn(x, y) for x in corners(a) for y in corners(b)]
    assert all(holds(t, v) for v in vals), (a, b, t)
    # The grid is the finest one some result needs (x = +-1 lsb, y = 0 or +-1 lsb)...
    assert t.frac == frac_fn(a, b)
    # ...and the range is exactly the corner range: no narrower width holds it.
    mants = [v * pow2(t.frac) for v in vals]
    assert_minimal(t, int(min(mants)), int(max(mants)))


@pytest.mark.parametrize("op", sorted(BINARY))
@PROPS
@given(a=fixed_types(max_width=4, modes=False), b=fixed_types(max_width=4, modes=False))
def test_binary_types_equal_exhaustive_search(op, a, b):
    """On small types: the result is the narrowest type holding every exact result."""
    type_fn, fn, _ = BINARY[op]
    t = type_fn(a, b)
    vals = [fn(x, y) for x in all_values(a) for y in all_values(b)]
    assert all(holds(t, v) for v in vals)
    assert (t.width, t.frac, t.signed) == ref_min_type(vals)


@PROPS
@given(types=st.lists(fixed_types(max_width=70, modes=False), min_size=1, max_size=4))
def test_union_type(types):
    t = union_type(types)
    vals = [v for u in types for v in corners(u)]
    assert all(holds(t, v) for v in vals)
    assert t.frac == max(u.frac for u in types)
    mants = [v * pow2(t.frac) for v in vals]
    assert_minimal(t, int(min(mants)), int(max(mants)))
    small = [FixedType(min(u.width, 4), u.integer - u.width + min(u.width, 4), u.signed) for u in types]
    vals = [v for u in small for v in all_values(u)]
    assert (union_type(small).width, union_type(small).frac, union_type(small).signed) == ref_min_type(vals)


# ---------------------------------------------------------------------------------------
# Accumulators and matmul
# ---------------------------------------------------------------------------------------


@PROPS
@given(data=st.data())
def test_accum_type_never_overflows(data):
    x_t = data.draw(fixed_types(max_width=40, modes=False), label="x type")
    rows = data.draw(st.integers(1, 4))
    cols = data.draw(st.integers(1, 6))
    wbits = data.draw(st.integers(1, 40))
    w = data.draw(
        st.lists(
            st.lists(st.integers(-(2**wbits), 2**wbits), min_size=cols, max_size=cols), min_size=rows, max_size=rows
        )
    )
    w_frac = data.draw(st.integers(-10, 30))
    with_bias = data.draw(st.booleans())
    b = data.draw(st.lists(st.integers(-(2**45), 2**45), min_size=rows, max_size=rows)) if with_bias else None
    b_frac = data.draw(st.integers(-10, 40))
    kind = data.draw(st.sampled_from([np.int64, object]), label="weight array kind")
    acc = accum_type(x_t, np.array(w, dtype=kind), w_frac, None if b is None else np.array(b, dtype=kind), b_frac)
    frac = x_t.frac + w_frac
    assert acc.frac == (max(frac, b_frac) if with_bias else frac)

    def fits(v: Fraction) -> bool:
        return holds(acc, v)

    rng = random.Random(data.draw(st.integers(0, 2**32)))
    extremes = [Fraction(0)]
    for i in range(rows):
        prods_hi = [max(w[i][j] * x_t.min_mant, w[i][j] * x_t.max_mant) for j in range(cols)]
        prods_lo = [min(w[i][j] * x_t.min_mant, w[i][j] * x_t.max_mant) for j in range(cols)]
        bias = [] if b is None else [Fraction(b[i]) / pow2(b_frac)]
        # Adversarial extremes: all positive (negative) contributions first.
        top = sum(p for p in prods_hi if p > 0)
        bottom = sum(p for p in prods_lo if p < 0)
        ext_hi = Fraction(top) / pow2(frac) + sum(v for v in bias if v > 0)
        ext_lo = Fraction(bottom) / pow2(frac) + sum(v for v in bias if v < 0)
        assert fits(ext_hi) and fits(ext_lo)
        extremes += [ext_lo * pow2(acc.frac), ext_hi * pow2(acc.frac)]
        # Random inputs within the input type, random orders: every partial sum fits.
        for _ in range(6):
            xs = [
                rng.choice([x_t.min_mant, x_t.max_mant, rng.randint(x_t.min_mant, x_t.max_mant)]) for _ in range(cols)
            ]
            terms = [Fraction(w[i][j] * xs[j]) / pow2(frac) for j in range(cols)] + bias
            rng.shuffle(terms)
            s = Fraction(0)
            for term in terms:
                s += term
                assert fits(s), (acc, s)
    # The bound is tight: the extreme partial sums of some row need every bit.
    assert_minimal(acc, int(min(extremes)), int(max(extremes)))


REGIMES = {
    # name: (x width, weight magnitude bits, acc width bounds)
    "float64": (12, 10, (1, 52)),
    "int64": (28, 26, (53, INT64_SAFE_BITS)),
    "object": (40, 40, (INT64_SAFE_BITS + 1, 200)),
}


@pytest.mark.parametrize("regime", sorted(REGIMES))
@PROPS
@given(data=st.data())
def test_matmul_exact(regime, data):
    xw, wb, (amin, amax) = REGIMES[regime]
    x_t = FixedType(xw, data.draw(st.integers(-4, xw + 4)), data.draw(st.booleans()))
    n = data.draw(st.integers(1, 24))
    m = data.draw(st.integers(1, 4))
    batch = data.draw(st.integers(1, 3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32)))
    if data.draw(st.booleans()):  # extremes only: the worst-case partial sums
        xs = rng.choice([x_t.min_mant, x_t.max_mant], size=(batch, n)).tolist()
        ws = rng.choice([-(2**wb), 2**wb - 1], size=(n, m)).tolist()
    else:
        xs = rng.integers(x_t.min_mant, x_t.max_mant, size=(batch, n), endpoint=True).tolist()
        ws = rng.integers(-(2**wb), 2**wb - 1, size=(n, m), endpoint=True).tolist()
    w_arr = np.array(ws, dtype=object)
    acc = accum_type(x_t, w_arr.T, 0)
    assume(amin <= acc.width <= amax)
    want = [[sum(xs[r][k] * ws[k][c] for k in range(n)) for c in range(m)] for r in range(batch)]
    x_arr = mant_array([v for row in xs for v in row], x_t.width).reshape(batch, n)
    got = matmul_exact(x_arr, w_arr.astype(mant_dtype(wb + 1)), acc)
    assert [[int(v) for v in row] for row in got.tolist()] == want


def test_matmul_regimes_reachable():
    """The three regimes of test_matmul_exact really select the three code paths."""
    for name, (xw, wb, (amin, amax)) in REGIMES.items():
        x_t = FixedType(xw, 0, True)
        w = np.full((1, 3), 2**wb - 1, dtype=object)
        assert amin <= accum_type(x_t, w, 0).width <= amax, name


# ---------------------------------------------------------------------------------------
# exact_fixed_type (ir/constant.py)
# ---------------------------------------------------------------------------------------


@PROPS
@given(
    mants=st.lists(st.integers(-(2**52), 2**52), min_size=1, max_size=8),
    frac=st.integers(-40, 64),
)
def test_exact_fixed_type(mants, frac):
    vals = [math.ldexp(m, -frac) for m in mants]
    t = exact_fixed_type(np.array(vals))
    exact = [Fraction(v) for v in vals]
    if all(v == 0 for v in exact):
        assert t == FixedType(1, 1, False)
        return
    need = max(needed_frac(v) for v in exact if v != 0)
    if need > 64:
        assert t is None
        return
    assert t is not None
    assert all(holds(t, v) for v in exact)
    assert (t.width, t.frac, t.signed) == ref_min_type(exact)


def test_exact_fixed_type_edges():
    assert exact_fixed_type(np.array([0.5, 1e-30])) is None  # needs ~150 fractional bits
    assert exact_fixed_type(np.array([0.5, 1e-30]), max_frac=1000) is not None
    assert exact_fixed_type(np.array([0.1])).frac == 55  # 0.1 is a 53-bit dyadic rational
    assert exact_fixed_type(np.array([])) is None
    assert exact_fixed_type(np.array([1.0, np.nan])) is None
    assert exact_fixed_type(np.array([4.0, -8.0])) == FixedType(2, 4, True)  # mantissas {1, -2} at frac -2
    assert exact_fixed_type(np.array([0.75, 0.25])) == FixedType(2, 0, False)


def test_mode_combinations_are_all_distinct():
    """Sanity: the reference distinguishes every rounding mode on ties and non-ties."""
    xs = [Fraction(k, 4) for k in range(-10, 11)]
    seen = {tuple(ref_round(x, r) for x in xs) for r in ROUNDINGS}
    assert len(seen) == len(ROUNDINGS)
    want = {Overflow.WRAP: -4, Overflow.SAT: 3, Overflow.SAT_ZERO: 0, Overflow.SAT_SYM: 3}
    for r, o in product(ROUNDINGS, OVERFLOWS):
        assert ref_quantize_value(Fraction(100), FixedType(3, 3, True, r, o)) == want[o]
        assert (
            ref_quantize_value(Fraction(-100), FixedType(3, 3, True, r, o))
            == {**want, Overflow.SAT: -4, Overflow.SAT_SYM: -3}[o]
        )
