"""Lookup tables: geometry validation, index and entry rules against slow references."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlsflow.ir.types import FixedType, Overflow, Rounding
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.lut import Table, fitted_type


def slow_index(m: int, frac: int, lo: float, hi: float, size: int) -> int:
    """floor((x - lo) * N / (hi - lo)) clamped, on exact rationals."""
    x = Fraction(m, 1) / Fraction(2) ** frac
    q = math.floor((x - Fraction(lo)) * size / (Fraction(hi) - Fraction(lo)))
    return min(max(q, 0), size - 1)


def slow_entry(f, k: int, lo: float, hi: float, size: int, t: FixedType) -> int:
    """f at the bin centre, rounded to nearest (ties up) and saturated into t."""
    centre = Fraction(lo) + (Fraction(k) + Fraction(1, 2)) * (Fraction(hi) - Fraction(lo)) / size
    v = Fraction(float(f(np.float64(float(centre)))))
    m = math.floor(v * Fraction(2) ** t.frac + Fraction(1, 2))
    return min(max(m, t.min_mant), t.max_mant)


@pytest.mark.parametrize(
    "lo, hi, size, msg",
    [
        (-8.0, 8.0, 1000, "power of two"),
        (-8.0, 8.0, 1, "power of two"),
        (-3.0, 3.0, 64, "span a power of two"),
        (0.1, 1.1, 64, "multiple of the bin width"),
        (-8.0, math.inf, 64, "finite"),
    ],
)
def test_table_rejects_bad_geometry(lo: float, hi: float, size: int, msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        Table(lo, hi, size, FixedType(16, 0, False))


def test_geometry_properties() -> None:
    t = Table(1.0, 17.0, 2048, FixedType(20, 0, False))
    assert (t.log2_size, t.log2_span, t.step, t.start_bin) == (11, 4, 1 / 128, 128)
    assert t.centers()[0] == 1.0 + 1 / 256 and t.centers()[-1] == 17.0 - 1 / 256


FRACS = st.integers(min_value=-6, max_value=30)


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(min_value=2, max_value=40),
    frac=FRACS,
    log2_size=st.integers(min_value=1, max_value=8),
    log2_span=st.integers(min_value=-3, max_value=6),
    start=st.integers(min_value=-600, max_value=600),
    data=st.data(),
)
def test_index_matches_exact_rational(width: int, frac: int, log2_size: int, log2_span: int, start: int, data) -> None:
    size = 1 << log2_size
    step = 2.0 ** (log2_span - log2_size)
    lo = start * step
    hi = lo + 2.0**log2_span
    xt = FixedType(width, width - frac)
    mants = data.draw(st.lists(st.integers(xt.min_mant, xt.max_mant), min_size=1, max_size=20))
    table = Table(lo, hi, size, FixedType(16, 4))
    got = table.index(FixedArray(np.array(mants, dtype=np.int64), xt))
    assert got.dtype == np.int64
    assert got.tolist() == [slow_index(m, frac, lo, hi, size) for m in mants]


def test_index_on_wide_object_mantissas() -> None:
    xt = FixedType(90, 30)  # 60 fractional bits, Python-integer mantissas
    mants = [xt.min_mant, -1, 0, 1, 3 << 59, xt.max_mant]
    table = Table(-4.0, 4.0, 256, FixedType(16, 2))
    got = table.index(FixedArray(np.array(mants, dtype=object), xt))
    assert got.tolist() == [slow_index(m, 60, -4.0, 4.0, 256) for m in mants]


def test_index_with_coarse_input_needs_left_shift_beyond_int64() -> None:
    xt = FixedType(60, 70)  # frac -10: a left shift by 20 would overflow int64
    mants = [xt.min_mant, -5, 0, 7, xt.max_mant]
    table = Table(-1024.0, 1024.0, 1 << 20, FixedType(8, 1))
    got = table.index(FixedArray(np.array(mants, dtype=np.int64), xt))
    assert got.tolist() == [slow_index(m, -10, -1024.0, 1024.0, 1 << 20) for m in mants]


def test_index_with_right_shift_beyond_64_bits() -> None:
    xt = FixedType(40, -30)  # frac 70 on int64 mantissas: a right shift by 69
    mants = [xt.min_mant, -1, 0, 1, xt.max_mant]
    table = Table(-2.0, 2.0, 8, FixedType(8, 1))
    got = table.index(FixedArray(np.array(mants, dtype=np.int64), xt))
    assert got.tolist() == [slow_index(m, 70, -2.0, 2.0, 8) for m in mants]


@pytest.mark.parametrize(
    "f, lo, hi, t",
    [
        (np.tanh, -4.0, 4.0, FixedType(17, 1, rounding=Rounding.TRN, overflow=Overflow.WRAP)),
        (np.exp, -16.0, 0.0, FixedType(16, 0, False)),
        (np.exp, -2.0, 2.0, FixedType(10, 2, False)),  # saturates above 4
        (lambda c: 1.0 / c, 1.0, 17.0, FixedType(20, 0, False)),
    ],
)
def test_entries_round_to_nearest_and_saturate(f, lo: float, hi: float, t: FixedType) -> None:
    table = Table(lo, hi, 256, t)
    got = table.entries(f)
    assert got.tolist() == [slow_entry(f, k, lo, hi, 256, t) for k in range(256)]


def test_lookup_is_entry_at_index_and_within_error_bound() -> None:
    t = FixedType(16, 0, False)
    table = Table(-8.0, 8.0, 1024, t)
    sig = lambda c: 1.0 / (1.0 + np.exp(-c))  # noqa: E731
    xt = FixedType(20, 6)
    mants = np.arange(xt.min_mant, xt.max_mant, 37, dtype=np.int64)
    x = FixedArray(mants, xt)
    y = table.lookup(x, sig)
    assert y.type == t
    assert np.array_equal(y.mant, table.entries(sig)[table.index(x)])
    xf = x.to_float()
    inside = (xf >= -8) & (xf < 8)
    bound = 0.25 * table.step / 2 + t.lsb / 2
    assert np.max(np.abs(y.to_float() - sig(xf))[inside]) <= bound


def test_fitted_type_is_narrowest_holding_entries() -> None:
    assert fitted_type(-8.0, 8.0, 1024, lambda c: 1 / (1 + np.exp(-c)), 16) == FixedType(16, 0, False)
    assert fitted_type(-4.0, 4.0, 1024, np.tanh, 16) == FixedType(17, 1)
    t = fitted_type(-2.0, 2.0, 64, np.exp, 10)
    entries = Table(-2.0, 2.0, 64, t).entries(np.exp)
    exact = np.round(np.exp(Table(-2.0, 2.0, 64, t).centers()) * 1024)
    assert np.array_equal(entries, exact)  # nothing saturated
    narrower = FixedType(t.width - 1, t.integer - 1, t.signed)
    assert Table(-2.0, 2.0, 64, narrower).entries(np.exp).max() < exact.max()
