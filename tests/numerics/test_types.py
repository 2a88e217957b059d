"""Element types: spelling (str / parse_type round trip, hls4ml spellings), errors,
derived quantities, immutability and hashing."""

from __future__ import annotations

import dataclasses
import re
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlsflow.ir.types import (
    FixedType,
    FloatType,
    IntType,
    Overflow,
    Rounding,
    TensorType,
    as_fixed,
    parse_type,
)

PROPS = settings(max_examples=max(settings().max_examples, 200), deadline=None)


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("rounding,overflow", list(product(Rounding, Overflow)))
def test_str_round_trip_every_mode(rounding, overflow, signed):
    for width, integer in [(1, 1), (8, 3), (16, 0), (16, -4), (6, 12), (70, 20)]:
        t = FixedType(width, integer, signed, rounding, overflow)
        assert parse_type(str(t)) == t
        # The C++ spelling of the same type parses to the same value.
        ap = f"ap_{'' if signed else 'u'}fixed<{width},{integer},AP_{rounding.value},AP_{overflow.value}>"
        assert parse_type(ap) == t


@PROPS
@given(
    width=st.integers(1, 4096),
    integer=st.integers(-5000, 5000),
    signed=st.booleans(),
    rounding=st.sampled_from(list(Rounding)),
    overflow=st.sampled_from(list(Overflow)),
)
def test_str_round_trip_property(width, integer, signed, rounding, overflow):
    t = FixedType(width, integer, signed, rounding, overflow)
    assert parse_type(str(t)) == t
    assert parse_type(f"  {str(t).replace(',', ' , ')}  ") == t  # whitespace is insignificant
    i = IntType(width, signed)
    assert parse_type(str(i)) == i


def test_default_modes_print_short():
    assert str(FixedType(16, 6)) == "fixed<16,6>"
    assert str(FixedType(8, 0, False)) == "ufixed<8,0>"
    assert str(FixedType(8, 3, True, Rounding.RND)) == "fixed<8,3,RND,WRAP>"
    assert str(FixedType(8, 3, True, Rounding.TRN, Overflow.SAT)) == "fixed<8,3,TRN,SAT>"
    assert str(IntType(8)) == "int<8>" and str(IntType(4, False)) == "uint<4>"
    assert str(TensorType((2, 3), FixedType(8, 3))) == "fixed<8,3>[2,3]"


@pytest.mark.parametrize(
    "text,want",
    [
        ("ap_fixed<16,6,AP_RND,AP_SAT>", FixedType(16, 6, True, Rounding.RND, Overflow.SAT)),
        ("ap_ufixed<8,0>", FixedType(8, 0, False)),
        ("ap_int<8>", IntType(8, True)),
        ("ap_uint<4>", IntType(4, False)),
        ("ap_fixed<18,8,AP_RND_CONV,AP_SAT_SYM>", FixedType(18, 8, True, Rounding.RND_CONV, Overflow.SAT_SYM)),
        ("ap_fixed<16,6,AP_RND>", FixedType(16, 6, True, Rounding.RND, Overflow.WRAP)),  # C++ default overflow
        ("ap_fixed<16,6,AP_RND,AP_SAT,0>", FixedType(16, 6, True, Rounding.RND, Overflow.SAT)),  # N = 0
        ("ap_fixed<16,6,AP_RND,AP_SAT,3>", FixedType(16, 6, True, Rounding.RND, Overflow.SAT)),  # SAT ignores N
        (
            "ap_fixed< 16 , 6 , AP_TRN_ZERO , AP_SAT_ZERO >",
            FixedType(16, 6, True, Rounding.TRN_ZERO, Overflow.SAT_ZERO),
        ),
        ("ap_fixed<8,-2>", FixedType(8, -2)),
        ("fixed<4,9>", FixedType(4, 9)),
        ("ufixed<8,3,RND,SAT>", FixedType(8, 3, False, Rounding.RND, Overflow.SAT)),
        ("int<8>", IntType(8)),
        ("uint<1>", IntType(1, False)),
        ("float32", FloatType(32)),
        ("float", FloatType(32)),
        ("float64", FloatType(64)),
        ("double", FloatType(64)),
        (" float32 ", FloatType(32)),
    ],
)
def test_parse_spellings(text, want):
    got = parse_type(text)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize(
    "text,match",
    [
        ("", "cannot parse type ''"),
        ("blah", "expected e.g. fixed<16,6>"),
        ("fixed", "expected e.g."),
        ("fixed<16", "expected e.g."),
        ("fixed<16,6", "expected e.g."),
        ("fixed<a,b>", "expected e.g."),
        ("fixed<16,6,rnd,sat>", "expected e.g."),  # modes are upper case
        ("fixed<16,6,RND,SAT,WRAP>", "expected e.g."),
        ("fixed<16,6>[3]", "expected e.g."),  # tensor types are not element types
        ("float16", "expected e.g."),
        ("ap_fixed_16_6", "expected e.g."),
        ("fixed<16>", "a fixed type needs <width,integer>"),
        ("ap_ufixed<8>", "a fixed type needs <width,integer>"),
        ("int<8,3>", "an integer type takes only a width"),
        ("ap_int<8,8>", "an integer type takes only a width"),
        ("fixed<16,6,FOO,SAT>", "rounding must be one of TRN, TRN_ZERO, RND"),
        ("fixed<16,6,RND,FOO>", "overflow one of WRAP, SAT, SAT_ZERO, SAT_SYM"),
        ("fixed<16,6,SAT>", "rounding must be one of"),
        ("ap_fixed<16,6,AP_TRN,AP_WRAP_SM>", "overflow one of"),  # WRAP_SM is not supported
        ("ap_fixed<16,6,AP_TRN,AP_WRAP,2>", "saturation bits"),  # N != 0 changes AP_WRAP
        ("fixed<0,0>", "width must be a positive integer"),
        ("fixed<-3,2>", "width must be a positive integer"),
        ("int<0>", "width must be a positive integer"),
    ],
)
def test_parse_errors_are_clear(text, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        parse_type(text)


@pytest.mark.parametrize("garbage", [None, 16, b"fixed<16,6>"])
def test_parse_rejects_non_strings(garbage):
    with pytest.raises((TypeError, AttributeError)):
        parse_type(garbage)  # type: ignore[arg-type]


def test_constructor_validation():
    for bad in (0, -1, 2.0, "8"):
        with pytest.raises(ValueError, match="width must be a positive integer"):
            FixedType(bad, 0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="width must be a positive integer"):
            IntType(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="integer bits must be an integer"):
        FixedType(8, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tensor dimensions"):
        TensorType((2, 0), FixedType(8, 3))


@PROPS
@given(width=st.integers(1, 100), integer=st.integers(-120, 120), signed=st.booleans())
def test_derived_quantities(width, integer, signed):
    t = FixedType(width, integer, signed)
    assert t.frac == width - integer
    if signed:
        assert (t.min_mant, t.max_mant) == (-(2 ** (width - 1)), 2 ** (width - 1) - 1)
    else:
        assert (t.min_mant, t.max_mant) == (0, 2**width - 1)
    assert t.max_mant - t.min_mant + 1 == 2**width
    assert t.lsb == 2.0 ** (integer - width)
    assert t.max_value == t.max_mant * t.lsb and t.min_value == t.min_mant * t.lsb


def test_int_type_is_fixed_with_integer_equal_width():
    assert IntType(8).as_fixed() == FixedType(8, 8, True)
    assert IntType(4, False).as_fixed() == FixedType(4, 4, False)
    assert as_fixed(IntType(3)) == FixedType(3, 3)
    t = FixedType(8, 3)
    assert as_fixed(t) is t
    with pytest.raises(TypeError, match="not a fixed-point type"):
        as_fixed(FloatType(32))


def test_with_modes():
    t = FixedType(8, 3, False)
    assert t.with_modes(Rounding.RND) == FixedType(8, 3, False, Rounding.RND, Overflow.WRAP)
    assert t.with_modes(overflow=Overflow.SAT) == FixedType(8, 3, False, Rounding.TRN, Overflow.SAT)
    assert t.with_modes() == t
    assert t.with_modes(Rounding.RND).with_modes(overflow=Overflow.SAT_SYM).rounding is Rounding.RND


@pytest.mark.parametrize(
    "value",
    [
        FixedType(8, 3),
        IntType(8),
        FloatType(32),
        TensorType((2, 3), FixedType(8, 3, False, Rounding.RND, Overflow.SAT)),
    ],
)
def test_frozen(value):
    field = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, 1)


def test_hashable_and_value_equality():
    a = FixedType(16, 6, True, Rounding.RND, Overflow.SAT)
    b = parse_type("ap_fixed<16,6,AP_RND,AP_SAT>")
    assert a == b and hash(a) == hash(b) and a is not b
    assert len({a, b, FixedType(16, 6), FixedType(16, 6, False), FixedType(16, 6, True, Rounding.RND)}) == 4
    assert {TensorType((4,), a): 1}[TensorType((4,), b)] == 1
    assert IntType(8) != FixedType(8, 8)  # different kinds even when numerically alike
    assert IntType(8) == parse_type("int<8>") and hash(IntType(8)) == hash(parse_type("ap_int<8>"))
    assert FloatType(32) == parse_type("float") and FloatType(32) != FloatType(64)
    every = {FixedType(8, 3, s, r, o) for s, r, o in product([True, False], Rounding, Overflow)}
    assert len(every) == 2 * len(Rounding) * len(Overflow)
