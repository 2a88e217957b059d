// hlsflow C-simulation model of the HLS arbitrary-precision types.
//
// Implements an API-compatible subset of ap_int<W>, ap_uint<W>, ap_fixed<W,I,Q,O,N> and
// ap_ufixed<W,I,Q,O,N> (see ap_int.h / ap_fixed.h) for C simulation with a plain C++14
// compiler. Written for hlsflow from the documented behaviour of the types; results are
// meant to be bit-identical to the vendor's simulation headers for the supported API.
//
// Representation: a W-bit value is held as its two's complement bit pattern in a 64-bit
// (W <= 64) or 128-bit (W <= 128) unsigned word, sign-extended (signed types) or
// zero-extended (unsigned types) to the whole word. Exact +, -, * then reduce to plain
// modular word arithmetic, and every width/shift decision is a compile-time constant.
#ifndef HLSFLOW_SIM_AP_BASE_H
#define HLSFLOW_SIM_AP_BASE_H

#ifndef __cplusplus
#error "the hlsflow ap_types model needs C++"
#endif

#define HLSFLOW_SIM_AP_TYPES 1

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmath>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>

// ---------------------------------------------------------------------------------------
// Public enums and aliases (names and values as in the vendor API).
// ---------------------------------------------------------------------------------------
enum ap_q_mode { AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV, AP_TRN, AP_TRN_ZERO };
enum ap_o_mode { AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP, AP_WRAP_SM };

typedef long long ap_slong;
typedef unsigned long long ap_ulong;

template <int W, bool S>
struct ap_int_base;
template <int W>
struct ap_int;
template <int W>
struct ap_uint;
template <int W, int I, bool S = true, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_fixed_base;
template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_fixed;
template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP, int N = 0>
struct ap_ufixed;
template <int W, bool S>
struct ap_range_ref;
template <int W, bool S>
struct ap_bit_ref;
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct af_range_ref;
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct af_bit_ref;

// (plain inline: forcing inlining made both compiling and the simulation slower)
#define HFAP_FN inline constexpr
#define HFAP_RT inline

// ---------------------------------------------------------------------------------------
// Word-level helpers. A "pattern" is an unsigned word holding a value's two's complement
// bits, extended over the whole word according to the value's signedness.
// ---------------------------------------------------------------------------------------
namespace hlsflow_ap {

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 s128;

constexpr int imax(int a, int b) { return a > b ? a : b; }
constexpr int imin(int a, int b) { return a < b ? a : b; }

template <class U>
struct word_info;
template <>
struct word_info<uint64_t> {
    typedef int64_t sword;
    static constexpr int bits = 64;
};
template <>
struct word_info<u128> {
    typedef s128 sword;
    static constexpr int bits = 128;
};

// Storage word for a W-bit value.
template <int W>
struct word_for {
    static_assert(W >= 1, "ap_[u]int / ap_[u]fixed: the width must be at least 1 bit");
    static_assert(W <= 128,
                  "hlsflow sim ap_types: widths above 128 bits are not supported (use the vendor headers)");
    typedef typename std::conditional<(W <= 64), uint64_t, u128>::type type;
};

template <class U>
HFAP_FN bool is_neg(U x, bool sgn) {
    return sgn && (typename word_info<U>::sword)x < 0;
}

// Keep the low w bits of x and extend them over the word (sign- or zero-extension).
template <class U>
HFAP_FN U extend(U x, int w, bool sgn) {
    typedef typename word_info<U>::sword SW;
    return w >= word_info<U>::bits ? x
           : sgn ? (U)((SW)(x << (word_info<U>::bits - w)) >> (word_info<U>::bits - w))
                 : (U)((x << (word_info<U>::bits - w)) >> (word_info<U>::bits - w));
}

// Re-express pattern x (value signedness sgn) in word type To, modulo 2^bits(To).
template <class To, class From>
HFAP_FN To recast(From x, bool sgn) {
    typedef typename word_info<From>::sword SF;
    typedef typename word_info<To>::sword ST;
    return (word_info<To>::bits > word_info<From>::bits && sgn) ? (To)(ST)(SF)x : (To)x;
}

// x * 2^k modulo the word (k >= 0).
template <class U>
HFAP_FN U shl(U x, int k) {
    return k >= word_info<U>::bits ? (U)0 : (U)(x << k);
}

// floor(x / 2^k) (k >= 0), arithmetic for signed values.
template <class U>
HFAP_FN U shr(U x, int k, bool sgn) {
    typedef typename word_info<U>::sword SW;
    return k >= word_info<U>::bits ? (is_neg(x, sgn) ? (U)~(U)0 : (U)0)
           : sgn                   ? (U)((SW)x >> k)
                                   : (U)(x >> k);
}

// Bits [0, k) of x (k >= 0; bits above the word repeat the extension) are not all zero.
template <class U>
HFAP_FN bool low_bits_nonzero(U x, int k) {
    return k <= 0 ? false : k >= word_info<U>::bits ? x != 0 : (U)(x << (word_info<U>::bits - k)) != 0;
}

// Does value x (pattern, signedness sx) lie in the range of a w-bit type of signedness s?
// w may be <= 0: then only zero fits.
template <class U>
HFAP_FN bool fits(U x, bool sx, int w, bool s) {
    typedef typename word_info<U>::sword SW;
    return w <= 0             ? x == 0
           : is_neg(x, sx)    ? (s && (w - 1 >= word_info<U>::bits || ((SW)x >> (w - 1)) == (SW)-1))
           : (w - s >= word_info<U>::bits) ? true
                                           : (x >> (w - s)) == 0;
}

template <class U>
HFAP_FN U max_pattern(int w, bool s) {
    return s ? (U)(((U)1 << (w - 1)) - 1) : (w >= word_info<U>::bits ? (U)~(U)0 : (U)(((U)1 << w) - 1));
}

template <class U>
HFAP_FN U min_pattern(int w, bool s) {
    return s ? extend((U)((U)1 << (w - 1)), w, true) : (U)0;
}

// The rounding increment for a value floor-divided by 2^d (d >= 1): qb is the first
// dropped bit, rest says whether any lower dropped bit is set, neg the value's sign, lsb
// the kept least significant bit.
template <ap_q_mode Q>
HFAP_FN bool round_up(bool qb, bool rest, bool neg, bool lsb) {
    return Q == AP_RND           ? qb
           : Q == AP_RND_ZERO    ? qb && (neg || rest)
           : Q == AP_RND_MIN_INF ? qb && rest
           : Q == AP_RND_INF     ? qb && (!neg || rest)
           : Q == AP_RND_CONV    ? qb && (lsb || rest)
           : Q == AP_TRN_ZERO    ? neg && (qb || rest)
                                 : false;
}

// Assign value m * 2^-(f_src) (pattern m, signedness sm) to a W-bit target of
// signedness S with f_dst fractional bits and modes Q, O; d = f_src - f_dst.
// Rounding first, then overflow handling. Returns the target pattern.
template <int W, bool S, ap_q_mode Q, ap_o_mode O, class U1>
HFAP_FN typename word_for<W>::type quantize(U1 m, bool sm, int d) {
    typedef typename word_for<W>::type U;
    // floor(m / 2^d) plus the rounding increment (d > 0), or m itself (d <= 0, scaled later)
    const U1 fl = d > 0 ? shr(m, d, sm) : m;
    const bool neg = is_neg(m, sm);
    const bool inc = d > 0 && Q != AP_TRN &&
                     round_up<Q>(d - 1 >= word_info<U1>::bits ? neg : ((m >> (d - 1)) & 1) != 0,
                                 low_bits_nonzero(m, d - 1), neg, (fl & 1) != 0);
    const U1 q = (U1)(fl + (U1)inc);
    const int up = d < 0 ? -d : 0;  // pending left shift
    const bool ok = fits(q, sm, W - up, S);
    const U wrapped = extend(shl(recast<U>(q, sm), up), W, S);
    return (ok || O == AP_WRAP)
               ? ((O == AP_SAT_SYM && S && sm && W > 1 && wrapped == min_pattern<U>(W, true))
                      ? (U)(wrapped | 1)
                      : wrapped)
           : O == AP_SAT_ZERO ? (U)0
           : is_neg(q, sm)    ? (O == AP_SAT_SYM && S ? (U)(min_pattern<U>(W, S) | (U)(W > 1)) : min_pattern<U>(W, S))
                              : max_pattern<U>(W, S);
}

// Assign a double's exact binary value; NaN and infinities take the all-ones mantissa
// path of the largest exponent (as the vendor model does), denormals keep the implicit bit.
template <int W, bool S, ap_q_mode Q, ap_o_mode O>
HFAP_FN typename word_for<W>::type from_double(double v, int frac) {
    const uint64_t b = __builtin_bit_cast(uint64_t, v);
    const int e = (int)((b >> 52) & 0x7ff);
    const uint64_t man = (b & ((1ull << 52) - 1)) | (1ull << 52);
    return (b << 1) == 0 ? (typename word_for<W>::type)0
                         : quantize<W, S, Q, O>((b >> 63) ? (uint64_t)0 - man : man, true, (1075 - e) - frac);
}

// Integer conversion of a double as done by ap_[u]int: |v| truncated, shifted into W bits
// (shifts of W or more give 0), then negated for negative v. Magnitudes below 2^-1 of a
// negative v give +1 (vendor behaviour, kept for bit compatibility).
template <int W, bool S>
HFAP_FN typename word_for<W>::type int_from_float_bits(uint64_t mant, int exp, bool neg, bool zero, int man_bits) {
    typedef typename word_for<W>::type U;
    const int sh = man_bits - exp;
    const U mag = zero            ? (U)0
                  : sh == 0       ? (U)mant
                  : sh > 0        ? (sh < man_bits + 2 ? (U)(mant >> sh) : (neg ? (U)~(U)0 : (U)0))
                  : (-sh < W)     ? (U)((U)mant << -sh)
                                  : (U)0;
    return extend(neg ? (U)((U)0 - mag) : mag, W, S);
}

template <int W, bool S>
HFAP_FN typename word_for<W>::type int_from_double(double v) {
    const uint64_t b = __builtin_bit_cast(uint64_t, v);
    return int_from_float_bits<W, S>((b & ((1ull << 52) - 1)) | (1ull << 52), (int)((b >> 52) & 0x7ff) - 1023,
                                     (b >> 63) != 0, (b << 1) == 0, 52);
}

template <int W, bool S>
HFAP_FN typename word_for<W>::type int_from_float(float v) {
    const uint32_t b = __builtin_bit_cast(uint32_t, v);
    return int_from_float_bits<W, S>((b & ((1u << 23) - 1)) | (1u << 23), (int)((b >> 23) & 0xff) - 127,
                                     (b >> 31) != 0, (uint32_t)(b << 1) == 0, 23);
}

// 2^e as a double / float for exponents in the normal range.
HFAP_FN double pow2d(int e) { return __builtin_bit_cast(double, (uint64_t)(e + 1023) << 52); }
HFAP_FN float pow2f(int e) { return __builtin_bit_cast(float, (uint32_t)(e + 127) << 23); }

// Value of pattern x times 2^e, rounded once to nearest-even.
template <class U>
HFAP_FN double scaled_double(U x, bool sgn, int e) {
    typedef typename word_info<U>::sword SW;
    const double v = sgn ? (double)(SW)x : (double)x;
    return (e >= -1022 && e <= 1023) ? v * pow2d(e) : std::ldexp(v, e);
}
template <class U>
HFAP_FN float scaled_float(U x, bool sgn, int e) {
    typedef typename word_info<U>::sword SW;
    const float v = sgn ? (float)(SW)x : (float)x;
    return (e >= -126 && e <= 127) ? v * pow2f(e) : std::ldexp(v, e);
}

// Three-way exact comparison of two patterns of possibly different words/signedness.
template <class U1, class U2>
HFAP_FN int cmp_raw(U1 a, bool sa, U2 b, bool sb) {
    typedef typename std::conditional<(word_info<U1>::bits >= word_info<U2>::bits), U1, U2>::type C;
    return is_neg(a, sa) != is_neg(b, sb) ? (is_neg(a, sa) ? -1 : 1)
           : recast<C>(a, sa) < recast<C>(b, sb) ? -1
           : recast<C>(a, sa) > recast<C>(b, sb) ? 1
                                                 : 0;
}

// Compare x * 2^s with y (s > 0) exactly.
template <class U1, class U2>
HFAP_FN int cmp_scaled(U1 x, bool sx, int s, U2 y, bool sy) {
    return cmp_raw(x, sx, shr(y, s, sy), sy) != 0 ? cmp_raw(x, sx, shr(y, s, sy), sy)
                                                 : (low_bits_nonzero(y, s) ? -1 : 0);
}

// Compare a * 2^-fa with b * 2^-fb exactly.
template <class U1, class U2>
HFAP_FN int cmp_exact(U1 a, bool sa, int fa, U2 b, bool sb, int fb) {
    return fa == fb ? cmp_raw(a, sa, b, sb) : fa < fb ? cmp_scaled(a, sa, fb - fa, b, sb) : -cmp_scaled(b, sb, fa - fb, a, sa);
}

// Relational semantics of the vendor model. Both operands are brought to a common grid
// in registers of (effective) widths wa / wb, then compared like C integers: when the
// signedness differs and the unsigned side is at least as wide (and not both narrower
// than 32 bits), a negative signed operand compares as 2^M + value, i.e. above every
// unsigned value; equality likewise compares M-bit patterns.
template <int WA, bool SA, int FA, int WB, bool SB, int FB>
struct cmp_rule {
    static constexpr int wa = FA >= FB ? WA : WA + (FB - FA) + 1;
    static constexpr int wb = FA > FB ? WB + (FA - FB) : WB;
    static constexpr bool mixed = SA != SB;
    static constexpr bool unsigned_order = mixed && !(wa < 32 && wb < 32) && (SA ? wb >= wa : wa >= wb);
    static constexpr int eq_bits = (wa == wb && wa <= 64) ? 64 : imax(imax(wa, wb), 32);
    static constexpr bool eq_wraps = mixed && (SA ? wb : wa) == eq_bits && eq_bits <= 128;
    static constexpr int grid = imax(FA, FB);
};

// a and b on the common grid, as 128-bit patterns (only used when both fit in 128 bits)
template <class R, int FA, bool SA, int FB, bool SB, class U1, class U2>
HFAP_FN bool eq_wrapped(U1 a, U2 b) {
    // the negative signed operand, read as an eq_bits-bit unsigned number, equals the other
    return (SA ? shl(recast<u128>(b, SB), R::grid - FB) : shl(recast<u128>(a, SA), R::grid - FA)) ==
           (u128)((SA ? shl(recast<u128>(a, SA), R::grid - FA) : shl(recast<u128>(b, SB), R::grid - FB)) +
                  shl((u128)1, R::eq_bits));
}

// Outcome of comparing a with b: ord < 0, == 0, > 0 drives <, <=, >, >=; eq drives ==, !=
// (with mixed signedness the two need not agree, as in the vendor model).
struct cmp_result {
    int ord;
    bool eq;
};

template <int WA, bool SA, int FA, int WB, bool SB, int FB, class U1, class U2>
HFAP_FN cmp_result compare(U1 a, U2 b) {
    typedef cmp_rule<WA, SA, FA, WB, SB, FB> R;
    return cmp_result{(R::unsigned_order && is_neg(a, SA))   ? 1
                      : (R::unsigned_order && is_neg(b, SB)) ? -1
                                                             : cmp_exact(a, SA, FA, b, SB, FB),
                      (SA != SB && (is_neg(a, SA) || is_neg(b, SB)))
                          ? (R::eq_wraps && eq_wrapped<R, FA, SA, FB, SB>(a, b))
                          : cmp_exact(a, SA, FA, b, SB, FB) == 0};
}

// Integer conversion traits of the C integral types (and unscoped enums, via promotion).
template <class T, class = void>
struct c_int {};
template <class T>
struct c_int<T, typename std::enable_if<std::is_integral<T>::value>::type> {
    static constexpr int width = std::is_same<T, bool>::value ? 1 : (int)sizeof(T) * 8;
    static constexpr bool sgn = std::is_signed<T>::value;
    static HFAP_FN uint64_t pattern(T v) { return sgn ? (uint64_t)(int64_t)v : (uint64_t)v; }
};
template <class T>
struct c_int<T, typename std::enable_if<std::is_enum<T>::value && std::is_convertible<T, int>::value>::type>
    : c_int<decltype(+T())> {
    static HFAP_FN uint64_t pattern(T v) { return c_int<decltype(+T())>::pattern(+v); }
};

template <class T, class R = void>
using if_c_int = typename std::enable_if<(c_int<T>::width > 0), R>::type;

// Result types of the arithmetic operators.
template <int W, int I, bool S>
struct fixed_of {
    typedef ap_fixed<W, I> type;
};
template <int W, int I>
struct fixed_of<W, I, false> {
    typedef ap_ufixed<W, I> type;
};
template <int W, bool S>
struct int_of {
    typedef ap_int<W> type;
};
template <int W>
struct int_of<W, false> {
    typedef ap_uint<W> type;
};

template <int W1, int I1, bool S1, int W2, int I2, bool S2>
struct fx_types {
    static constexpr int f = imax(W1 - I1, W2 - I2);
    static constexpr int i_add = imax(I1 + (S2 && !S1), I2 + (S1 && !S2)) + 1;
    typedef typename fixed_of<i_add + f, i_add, S1 || S2>::type plus;
    typedef typename fixed_of<i_add + f, i_add, true>::type minus;
    typedef typename fixed_of<W1 + W2, I1 + I2, S1 || S2>::type mult;
    typedef typename fixed_of<S2 + W1 + imax(W2 - I2, 0), S2 + I1 + (W2 - I2), S1 || S2>::type div;
};

template <int W1, bool S1, int W2, bool S2>
struct int_types {
    static constexpr int w_logic = imax(W1 + (S2 && !S1), W2 + (S1 && !S2));
    typedef typename int_of<w_logic + 1, S1 || S2>::type plus;
    typedef typename int_of<w_logic + 1, true>::type minus;
    typedef typename int_of<W1 + W2, S1 || S2>::type mult;
    typedef typename int_of<w_logic, S1 || S2>::type logic;
    typedef typename int_of<W1 + S2, S1 || S2>::type div;
    typedef typename int_of<imin(W1, W2 + (!S2 && S1)), S1>::type mod;
};

// Leading zeros of the w-bit pattern x (w when x is 0).
template <class U>
HFAP_FN int leading_zeros(U x, int w) {
    return (int)((extend(recast<u128>(x, false), w, false) >> 64) != 0
                     ? w - 128 + __builtin_clzll((uint64_t)(extend(recast<u128>(x, false), w, false) >> 64))
                 : (uint64_t)extend(recast<u128>(x, false), w, false) != 0
                     ? w - 64 + __builtin_clzll((uint64_t)extend(recast<u128>(x, false), w, false))
                     : w);
}

// Bits lo..hi of a W-bit pattern, zero-extended (reversed order when hi < lo).
template <class U>
HFAP_FN U get_bits(U x, int hi, int lo) {
    U r = 0;
    if (hi >= lo) {
        r = (U)(x >> lo);
        if (hi - lo + 1 < word_info<U>::bits) r &= (U)(((U)1 << (hi - lo + 1)) - 1);
    } else {
        for (int i = 0, j = lo; j >= hi; --j, ++i) r |= (U)(((x >> j) & 1) << i);
    }
    return r;
}

// Replace bits lo..hi of pattern x (W bits, signedness s) by the low bits of v.
template <class U, class V>
HFAP_FN U set_bits(U x, int w, bool s, int hi, int lo, V v) {
    if (hi >= lo) {
        const int n = hi - lo + 1;
        const U field = n >= word_info<U>::bits ? (U)~(U)0 : (U)(((U)1 << n) - 1);
        x = (U)((x & ~(U)(field << lo)) | (U)(((U)v & field) << lo));
    } else {
        for (int i = 0, j = lo; j >= hi; --j, ++i) {
            const U bit = (U)((U)1 << j);
            x = (U)((((U)v >> i) & 1) ? (x | bit) : (x & ~bit));
        }
    }
    return extend(x, w, s);
}

}  // namespace hlsflow_ap

// ---------------------------------------------------------------------------------------
// Bit and range references.
// ---------------------------------------------------------------------------------------
template <int W, bool S>
struct ap_range_ref {
    ap_int_base<W, S>& ref;
    int hi, lo;
    HFAP_RT ap_range_ref(const ap_int_base<W, S>* p, int h, int l)
        : ref(*const_cast<ap_int_base<W, S>*>(p)), hi(h), lo(l) {}
    HFAP_RT ap_int_base<W, false> get() const;
    HFAP_RT operator ap_int_base<W, false>() const { return get(); }
    HFAP_RT operator ap_ulong() const { return to_uint64(); }
    HFAP_RT ap_ulong to_uint64() const { return (ap_ulong)hlsflow_ap::get_bits(ref.raw_, hi, lo); }
    HFAP_RT ap_slong to_int64() const { return (ap_slong)to_uint64(); }
    HFAP_RT int to_int() const { return (int)to_uint64(); }
    HFAP_RT unsigned to_uint() const { return (unsigned)to_uint64(); }
    HFAP_RT long to_long() const { return (long)to_uint64(); }
    HFAP_RT unsigned long to_ulong() const { return (unsigned long)to_uint64(); }
    HFAP_RT bool to_bool() const { return hlsflow_ap::get_bits(ref.raw_, hi, lo) != 0; }
    HFAP_RT int length() const { return hi >= lo ? hi - lo + 1 : lo - hi + 1; }
    // write the low bits of a value (pattern, signedness sgn) extended to the parent's width
    template <class U>
    HFAP_RT void put(U pattern, bool sgn = false) {
        typedef typename hlsflow_ap::word_for<W>::type P;
        ref.raw_ = hlsflow_ap::set_bits(ref.raw_, W, S, hi, lo, hlsflow_ap::recast<P>(pattern, sgn));
    }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_RT ap_range_ref& operator=(T v) {
        put(hlsflow_ap::c_int<T>::pattern(v), hlsflow_ap::c_int<T>::sgn);
        return *this;
    }
    HFAP_RT ap_range_ref& operator=(double v);
    HFAP_RT ap_range_ref& operator=(float v);
    template <int W2, bool S2>
    HFAP_RT ap_range_ref& operator=(const ap_int_base<W2, S2>& v) {
        put(v.raw_, S2);
        return *this;
    }
    HFAP_RT ap_range_ref& operator=(const ap_range_ref& v) {
        put(hlsflow_ap::get_bits(v.ref.raw_, v.hi, v.lo));
        return *this;
    }
    template <int W2, bool S2>
    HFAP_RT ap_range_ref& operator=(const ap_range_ref<W2, S2>& v) {
        put(hlsflow_ap::get_bits(v.ref.raw_, v.hi, v.lo));
        return *this;
    }
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_RT ap_range_ref& operator=(const af_range_ref<W2, I2, S2, Q2, O2, N2>& v) {
        put(hlsflow_ap::get_bits(v.ref.raw_, v.hi, v.lo));
        return *this;
    }
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_RT ap_range_ref& operator=(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& v);
};

template <int W, bool S>
struct ap_bit_ref {
    ap_int_base<W, S>& ref;
    int pos;
    HFAP_RT ap_bit_ref(const ap_int_base<W, S>* p, int i) : ref(*const_cast<ap_int_base<W, S>*>(p)), pos(i) {}
    HFAP_RT operator bool() const { return ((ref.raw_ >> pos) & 1) != 0; }
    HFAP_RT bool to_bool() const { return bool(*this); }
    HFAP_RT bool get() const { return bool(*this); }
    HFAP_RT int length() const { return 1; }
    HFAP_RT ap_bit_ref& operator=(bool b) {
        ref.raw_ = hlsflow_ap::set_bits(ref.raw_, W, S, pos, pos, (unsigned)b);
        return *this;
    }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_RT ap_bit_ref& operator=(T v) {
        return operator=((hlsflow_ap::c_int<T>::pattern(v) & 1) != 0);
    }
    HFAP_RT ap_bit_ref& operator=(const ap_bit_ref& b) { return operator=(bool(b)); }
    HFAP_RT bool operator~() const { return !bool(*this); }
};

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct af_range_ref {
    ap_fixed_base<W, I, S, Q, O, N>& ref;
    int hi, lo;
    HFAP_RT af_range_ref(const ap_fixed_base<W, I, S, Q, O, N>* p, int h, int l)
        : ref(*const_cast<ap_fixed_base<W, I, S, Q, O, N>*>(p)), hi(h), lo(l) {}
    HFAP_RT ap_int_base<W, false> get() const;
    HFAP_RT operator ap_int_base<W, false>() const { return get(); }
    HFAP_RT operator ap_ulong() const { return to_uint64(); }
    HFAP_RT ap_int_base<W, false> to_ap_int_base() const { return get(); }
    HFAP_RT ap_ulong to_uint64() const { return (ap_ulong)hlsflow_ap::get_bits(ref.raw_, hi, lo); }
    HFAP_RT ap_slong to_int64() const { return (ap_slong)to_uint64(); }
    HFAP_RT int to_int() const { return (int)to_uint64(); }
    HFAP_RT unsigned to_uint() const { return (unsigned)to_uint64(); }
    HFAP_RT long to_long() const { return (long)to_uint64(); }
    HFAP_RT unsigned long to_ulong() const { return (unsigned long)to_uint64(); }
    HFAP_RT char to_char() const { return (char)to_uint64(); }
    HFAP_RT int length() const { return hi >= lo ? hi - lo + 1 : lo - hi + 1; }
    // write the low bits of a value (pattern, signedness sgn) extended to the parent's width
    template <class U>
    HFAP_RT void put(U pattern, bool sgn = false) {
        typedef typename hlsflow_ap::word_for<W>::type P;
        ref.raw_ = hlsflow_ap::set_bits(ref.raw_, W, S, hi, lo, hlsflow_ap::recast<P>(pattern, sgn));
    }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_RT af_range_ref& operator=(T v) {
        put(hlsflow_ap::c_int<T>::pattern(v), hlsflow_ap::c_int<T>::sgn);
        return *this;
    }
    HFAP_RT af_range_ref& operator=(double v) {
        put(hlsflow_ap::int_from_double<W, false>(v));
        return *this;
    }
    HFAP_RT af_range_ref& operator=(float v) {
        put(hlsflow_ap::int_from_float<W, false>(v));
        return *this;
    }
    template <int W2, bool S2>
    HFAP_RT af_range_ref& operator=(const ap_int_base<W2, S2>& v) {
        put(v.raw_, S2);
        return *this;
    }
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_RT af_range_ref& operator=(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& v) {
        put(v.raw_, S2);  // the raw bits, not the value
        return *this;
    }
    HFAP_RT af_range_ref& operator=(const af_range_ref& v) {
        put(hlsflow_ap::get_bits(v.ref.raw_, v.hi, v.lo));
        return *this;
    }
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_RT af_range_ref& operator=(const af_range_ref<W2, I2, S2, Q2, O2, N2>& v) {
        put(hlsflow_ap::get_bits(v.ref.raw_, v.hi, v.lo));
        return *this;
    }
    template <int W2, bool S2>
    HFAP_RT af_range_ref& operator=(const ap_range_ref<W2, S2>& v) {
        put(hlsflow_ap::get_bits(v.ref.raw_, v.hi, v.lo));
        return *this;
    }
};

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct af_bit_ref {
    ap_fixed_base<W, I, S, Q, O, N>& ref;
    int pos;
    HFAP_RT af_bit_ref(const ap_fixed_base<W, I, S, Q, O, N>* p, int i)
        : ref(*const_cast<ap_fixed_base<W, I, S, Q, O, N>*>(p)), pos(i) {}
    HFAP_RT operator bool() const { return ((ref.raw_ >> pos) & 1) != 0; }
    HFAP_RT bool to_bool() const { return bool(*this); }
    HFAP_RT bool get() const { return bool(*this); }
    HFAP_RT int length() const { return 1; }
    HFAP_RT af_bit_ref& operator=(bool b) {
        ref.raw_ = hlsflow_ap::set_bits(ref.raw_, W, S, pos, pos, (unsigned)b);
        return *this;
    }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_RT af_bit_ref& operator=(T v) {
        return operator=((hlsflow_ap::c_int<T>::pattern(v) & 1) != 0);
    }
    HFAP_RT af_bit_ref& operator=(const af_bit_ref& b) { return operator=(bool(b)); }
    HFAP_RT bool operator~() const { return !bool(*this); }
};

// ---------------------------------------------------------------------------------------
// ap_int_base<W, S>: integers with modular (wrap-around) assignment.
// ---------------------------------------------------------------------------------------
template <int W, bool S>
struct ap_int_base {
    typedef typename hlsflow_ap::word_for<W>::type raw_t;
    typedef typename std::conditional<S, ap_slong, ap_ulong>::type RetType;
    static const int width = W;
    static const int frac = 0;
    static const bool sign_flag = S;

    raw_t raw_;  // W-bit two's complement pattern, extended over the word

    // --- construction ---
    HFAP_FN ap_int_base() : raw_(0) {}
    template <int W2, bool S2>
    HFAP_FN ap_int_base(const ap_int_base<W2, S2>& o)
        : raw_(hlsflow_ap::extend(hlsflow_ap::recast<raw_t>(o.raw_, S2), W, S)) {}
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_FN ap_int_base(T v)
        : raw_(hlsflow_ap::extend(hlsflow_ap::recast<raw_t>(hlsflow_ap::c_int<T>::pattern(v),
                                                            hlsflow_ap::c_int<T>::sgn),
                                  W, S)) {}
    HFAP_FN ap_int_base(double v) : raw_(hlsflow_ap::int_from_double<W, S>(v)) {}
    HFAP_FN ap_int_base(float v) : raw_(hlsflow_ap::int_from_float<W, S>(v)) {}
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_FN ap_int_base(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& o)
        : raw_(hlsflow_ap::extend(hlsflow_ap::recast<raw_t>(o.trunc_pattern(), S2 || I2 < 1), W, S)) {}
    template <int W2, bool S2>
    HFAP_RT ap_int_base(const ap_range_ref<W2, S2>& r)
        : raw_(hlsflow_ap::extend(hlsflow_ap::recast<raw_t>(hlsflow_ap::get_bits(r.ref.raw_, r.hi, r.lo), false), W, S)) {}
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_RT ap_int_base(const af_range_ref<W2, I2, S2, Q2, O2, N2>& r)
        : raw_(hlsflow_ap::extend(hlsflow_ap::recast<raw_t>(hlsflow_ap::get_bits(r.ref.raw_, r.hi, r.lo), false), W, S)) {}
    template <int W2, bool S2>
    HFAP_RT ap_int_base(const ap_bit_ref<W2, S2>& b) : raw_(hlsflow_ap::extend((raw_t)bool(b), W, S)) {}
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_RT ap_int_base(const af_bit_ref<W2, I2, S2, Q2, O2, N2>& b) : raw_(hlsflow_ap::extend((raw_t)bool(b), W, S)) {}

    static HFAP_FN ap_int_base from_pattern(raw_t p) {
        ap_int_base r;
        r.raw_ = hlsflow_ap::extend(p, W, S);
        return r;
    }

    // --- conversions ---
    HFAP_FN operator RetType() const { return (RetType)to_uint64(); }
    HFAP_FN bool to_bool() const { return raw_ != 0; }
    HFAP_FN char to_char() const { return (char)raw_; }
    HFAP_FN signed char to_schar() const { return (signed char)raw_; }
    HFAP_FN unsigned char to_uchar() const { return (unsigned char)raw_; }
    HFAP_FN short to_short() const { return (short)raw_; }
    HFAP_FN unsigned short to_ushort() const { return (unsigned short)raw_; }
    HFAP_FN int to_int() const { return (int)(uint32_t)raw_; }
    HFAP_FN unsigned to_uint() const { return (unsigned)raw_; }
    HFAP_FN long to_long() const { return (long)(uint64_t)raw_; }
    HFAP_FN unsigned long to_ulong() const { return (unsigned long)(uint64_t)raw_; }
    HFAP_FN ap_slong to_int64() const { return (ap_slong)(uint64_t)raw_; }
    HFAP_FN ap_ulong to_uint64() const { return (ap_ulong)(uint64_t)raw_; }
    // like the vendor model, through the low 64 bits
    HFAP_FN double to_double() const { return S ? (double)to_int64() : (double)to_uint64(); }
    HFAP_FN float to_float() const { return S ? (float)to_int64() : (float)to_uint64(); }

    // --- queries and bit access ---
    HFAP_FN int length() const { return W; }
    HFAP_FN bool iszero() const { return raw_ == 0; }
    HFAP_FN bool is_zero() const { return raw_ == 0; }
    HFAP_FN bool sign() const { return hlsflow_ap::is_neg(raw_, S); }
    HFAP_FN bool test(int i) const { return ((raw_ >> i) & 1) != 0; }
    HFAP_FN bool get_bit(int i) const { return ((raw_ >> i) & 1) != 0; }
    HFAP_FN void set_bit(int i, bool v) { raw_ = hlsflow_ap::set_bits(raw_, W, S, i, i, (unsigned)v); }
    HFAP_FN void set(int i) { set_bit(i, true); }
    HFAP_FN void set(int i, bool v) { set_bit(i, v); }
    HFAP_FN void clear(int i) { set_bit(i, false); }
    HFAP_FN void invert(int i) { set_bit(i, !get_bit(i)); }
    HFAP_FN void b_not() { raw_ = hlsflow_ap::extend((raw_t)~raw_, W, S); }
    HFAP_FN bool and_reduce() const { return hlsflow_ap::extend(raw_, W, false) == hlsflow_ap::max_pattern<raw_t>(W, false); }
    HFAP_FN bool or_reduce() const { return raw_ != 0; }
    HFAP_FN int countLeadingZeros() const { return hlsflow_ap::leading_zeros(raw_, W); }
    HFAP_FN bool xor_reduce() const {
        return (__builtin_popcountll((uint64_t)hlsflow_ap::extend(raw_, W, false)) +
                __builtin_popcountll((uint64_t)((hlsflow_ap::u128)hlsflow_ap::extend(raw_, W, false) >> 64))) & 1;
    }
    HFAP_RT ap_range_ref<W, S> range(int hi, int lo) const { return ap_range_ref<W, S>(this, hi, lo); }
    HFAP_RT ap_range_ref<W, S> range() const { return ap_range_ref<W, S>(this, W - 1, 0); }
    HFAP_RT ap_range_ref<W, S> operator()(int hi, int lo) const { return range(hi, lo); }
    template <int W2, bool S2, int W3, bool S3>
    HFAP_RT ap_range_ref<W, S> range(const ap_int_base<W2, S2>& hi, const ap_int_base<W3, S3>& lo) const {
        return range(hi.to_int(), lo.to_int());
    }
    HFAP_RT ap_bit_ref<W, S> operator[](int i) const { return ap_bit_ref<W, S>(this, i); }
    template <int W2, bool S2>
    HFAP_RT ap_bit_ref<W, S> operator[](const ap_int_base<W2, S2>& i) const {
        return ap_bit_ref<W, S>(this, i.to_int());
    }
    HFAP_RT ap_bit_ref<W, S> bit(int i) const { return ap_bit_ref<W, S>(this, i); }

    // --- compound assignment (modulo 2^W) ---
#define HFAP_INT_COMPOUND(op)                                                                    \
    template <int W2, bool S2>                                                                   \
    HFAP_FN ap_int_base& operator op##=(const ap_int_base<W2, S2>& o) {                          \
        raw_ = hlsflow_ap::extend((raw_t)(raw_ op hlsflow_ap::recast<raw_t>(o.raw_, S2)), W, S); \
        return *this;                                                                            \
    }                                                                                            \
    template <class T, class = hlsflow_ap::if_c_int<T>>                                          \
    HFAP_FN ap_int_base& operator op##=(T v) {                                                   \
        return operator op##=(ap_int_base<hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>(v)); \
    }
    HFAP_INT_COMPOUND(+)
    HFAP_INT_COMPOUND(-)
    HFAP_INT_COMPOUND(*)
    HFAP_INT_COMPOUND(&)
    HFAP_INT_COMPOUND(|)
    HFAP_INT_COMPOUND(^)
#undef HFAP_INT_COMPOUND
#define HFAP_INT_COMPOUND_DIV(op)                                                                \
    template <int W2, bool S2>                                                                   \
    HFAP_FN ap_int_base& operator op##=(const ap_int_base<W2, S2>& o) {                          \
        return *this = ap_int_base(*this op o);                                                  \
    }                                                                                            \
    template <class T, class = hlsflow_ap::if_c_int<T>>                                          \
    HFAP_FN ap_int_base& operator op##=(T v) {                                                   \
        return operator op##=(ap_int_base<hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>(v)); \
    }
    HFAP_INT_COMPOUND_DIV(/)
    HFAP_INT_COMPOUND_DIV(%)
#undef HFAP_INT_COMPOUND_DIV
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_FN ap_int_base& operator+=(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& o) {
        return operator+=(ap_int_base<hlsflow_ap::imax(I2, 1), S2>(o));
    }
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_FN ap_int_base& operator-=(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& o) {
        return operator-=(ap_int_base<hlsflow_ap::imax(I2, 1), S2>(o));
    }
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_FN ap_int_base& operator*=(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& o) {
        return operator*=(ap_int_base<hlsflow_ap::imax(I2, 1), S2>(o));
    }

    // --- shifts (result keeps this type) ---
    HFAP_FN ap_int_base shl_u(unsigned long long k) const {
        return from_pattern(k >= (unsigned long long)W ? (raw_t)0 : (raw_t)(raw_ << k));
    }
    HFAP_FN ap_int_base shr_u(unsigned long long k) const {
        return from_pattern(k >= (unsigned long long)W ? hlsflow_ap::shr(raw_, hlsflow_ap::word_info<raw_t>::bits, S)
                                                       : hlsflow_ap::shr(raw_, (int)k, S));
    }
    HFAP_FN ap_int_base shl_s(long long k) const { return k >= 0 ? shl_u((unsigned long long)k) : shr_u(0ull - (unsigned long long)k); }
    HFAP_FN ap_int_base shr_s(long long k) const { return k >= 0 ? shr_u((unsigned long long)k) : shl_u(0ull - (unsigned long long)k); }
    template <int W2, bool S2>
    static HFAP_FN unsigned shift_amount(const ap_int_base<W2, S2>& k) {
        // magnitude of k (as a W2-bit unsigned number), then its low 32 bits
        return (unsigned)(hlsflow_ap::is_neg(k.raw_, S2) ? ap_int_base<W2, false>((typename ap_int_base<W2, S2>::raw_t)0 - k.raw_).raw_
                                                         : k.raw_);
    }
    template <int W2, bool S2>
    HFAP_FN ap_int_base operator<<(const ap_int_base<W2, S2>& k) const {
        return hlsflow_ap::is_neg(k.raw_, S2) ? shr_u(shift_amount(k)) : shl_u(shift_amount(k));
    }
    template <int W2, bool S2>
    HFAP_FN ap_int_base operator>>(const ap_int_base<W2, S2>& k) const {
        return hlsflow_ap::is_neg(k.raw_, S2) ? shl_u(shift_amount(k)) : shr_u(shift_amount(k));
    }
    template <int W2, bool S2>
    HFAP_FN ap_int_base& operator<<=(const ap_int_base<W2, S2>& k) { return *this = *this << k; }
    template <int W2, bool S2>
    HFAP_FN ap_int_base& operator>>=(const ap_int_base<W2, S2>& k) { return *this = *this >> k; }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_FN ap_int_base& operator<<=(T k) {
        return *this = hlsflow_ap::c_int<T>::sgn ? shl_s((long long)k) : shl_u((unsigned long long)k);
    }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_FN ap_int_base& operator>>=(T k) {
        return *this = hlsflow_ap::c_int<T>::sgn ? shr_s((long long)k) : shr_u((unsigned long long)k);
    }

    // --- increment / decrement, unary ---
    HFAP_FN ap_int_base& operator++() { return operator+=(ap_int_base<1, false>(1)); }
    HFAP_FN ap_int_base& operator--() { return operator-=(ap_int_base<1, false>(1)); }
    HFAP_FN const typename hlsflow_ap::int_of<W, S>::type operator++(int) {
        ap_int_base t = *this;
        operator++();
        return t;
    }
    HFAP_FN const typename hlsflow_ap::int_of<W, S>::type operator--(int) {
        ap_int_base t = *this;
        operator--();
        return t;
    }
    HFAP_FN typename hlsflow_ap::int_of<W, S>::type operator+() const { return *this; }
    HFAP_FN typename hlsflow_ap::int_of<hlsflow_ap::imax(W, 1 + S) + 1, true>::type operator-() const {
        typename hlsflow_ap::int_of<hlsflow_ap::imax(W, 1 + S) + 1, true>::type r;
        typedef typename hlsflow_ap::word_for<hlsflow_ap::imax(W, 1 + S) + 1>::type RU;
        r.raw_ = (RU)((RU)0 - hlsflow_ap::recast<RU>(raw_, S));
        return r;
    }
    HFAP_FN bool operator!() const { return raw_ == 0; }
    HFAP_FN typename hlsflow_ap::int_of<W, S>::type operator~() const {
        typename hlsflow_ap::int_of<W, S>::type r;
        r.raw_ = hlsflow_ap::extend((raw_t)~raw_, W, S);
        return r;
    }

    std::string to_string(int radix = 2, bool sign = S) const;
};

template <int W, bool S>
HFAP_RT ap_int_base<W, false> ap_range_ref<W, S>::get() const {
    return ap_int_base<W, false>::from_pattern(hlsflow_ap::recast<typename ap_int_base<W, false>::raw_t>(
        hlsflow_ap::get_bits(ref.raw_, hi, lo), false));
}
template <int W, bool S>
HFAP_RT ap_range_ref<W, S>& ap_range_ref<W, S>::operator=(double v) {
    put(hlsflow_ap::int_from_double<W, false>(v));
    return *this;
}
template <int W, bool S>
HFAP_RT ap_range_ref<W, S>& ap_range_ref<W, S>::operator=(float v) {
    put(hlsflow_ap::int_from_float<W, false>(v));
    return *this;
}
template <int W, bool S>
template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
HFAP_RT ap_range_ref<W, S>& ap_range_ref<W, S>::operator=(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& v) {
    put(v.trunc_pattern());  // the value's integer part, not the raw bits
    return *this;
}
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
HFAP_RT ap_int_base<W, false> af_range_ref<W, I, S, Q, O, N>::get() const {
    return ap_int_base<W, false>::from_pattern(hlsflow_ap::recast<typename ap_int_base<W, false>::raw_t>(
        hlsflow_ap::get_bits(ref.raw_, hi, lo), false));
}

// ---------------------------------------------------------------------------------------
// ap_fixed_base<W, I, S, Q, O, N>: value = pattern * 2^-(W - I).
// ---------------------------------------------------------------------------------------
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
struct ap_fixed_base {
    static_assert(O != AP_WRAP_SM, "hlsflow sim ap_types: AP_WRAP_SM is not supported");
    static_assert(N == 0 || O != AP_WRAP, "hlsflow sim ap_types: AP_WRAP with N != 0 saturation bits is not supported");
    typedef typename hlsflow_ap::word_for<W>::type raw_t;
    static const int width = W;
    static const int iwidth = I;
    static const int frac = W - I;
    static const bool sign_flag = S;
    static const ap_q_mode qmode = Q;
    static const ap_o_mode omode = O;

    raw_t raw_;  // W-bit two's complement pattern, extended over the word

    // --- construction: the source value is rounded (Q) then overflow-handled (O) ---
    HFAP_FN ap_fixed_base() : raw_(0) {}
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_FN ap_fixed_base(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& o)
        : raw_(hlsflow_ap::quantize<W, S, Q, O>(o.raw_, S2, (W2 - I2) - (W - I))) {}
    template <int W2, bool S2>
    HFAP_FN ap_fixed_base(const ap_int_base<W2, S2>& o) : raw_(hlsflow_ap::quantize<W, S, Q, O>(o.raw_, S2, -(W - I))) {}
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_FN ap_fixed_base(T v)
        : raw_(hlsflow_ap::quantize<W, S, Q, O>(hlsflow_ap::c_int<T>::pattern(v), hlsflow_ap::c_int<T>::sgn, -(W - I))) {}
    HFAP_FN ap_fixed_base(double v) : raw_(hlsflow_ap::from_double<W, S, Q, O>(v, W - I)) {}
    HFAP_FN ap_fixed_base(float v) : raw_(hlsflow_ap::from_double<W, S, Q, O>((double)v, W - I)) {}
    template <int W2, bool S2>
    HFAP_RT ap_fixed_base(const ap_range_ref<W2, S2>& r) : ap_fixed_base(r.get()) {}
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_RT ap_fixed_base(const af_range_ref<W2, I2, S2, Q2, O2, N2>& r) : ap_fixed_base(r.get()) {}
    template <int W2, bool S2>
    HFAP_RT ap_fixed_base(const ap_bit_ref<W2, S2>& b) : ap_fixed_base(bool(b)) {}
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_RT ap_fixed_base(const af_bit_ref<W2, I2, S2, Q2, O2, N2>& b) : ap_fixed_base(bool(b)) {}

    HFAP_FN ap_fixed_base& setBits(ap_ulong bits) {
        raw_ = hlsflow_ap::extend((raw_t)bits, W, S);
        return *this;
    }
    static HFAP_FN ap_fixed_base bitsToFixed(ap_ulong bits) {
        ap_fixed_base r;
        r.setBits(bits);
        return r;
    }

    // Integer part truncated toward zero, as a pattern modulo 2^128. Types with no
    // integer bit (I <= 0) give 0, or -1 for negative signed values (vendor behaviour).
    HFAP_FN hlsflow_ap::u128 trunc_pattern() const {
        using namespace hlsflow_ap;
        return (W - I) <= 0 ? shl(recast<u128>(raw_, S), I - W)
               : I <= 0     ? (hlsflow_ap::is_neg(raw_, S) ? ~(u128)0 : (u128)0)
                            : recast<u128>((raw_t)(shr(raw_, W - I, S) +
                                                   (raw_t)(hlsflow_ap::is_neg(raw_, S) && low_bits_nonzero(raw_, W - I))),
                                           S);
    }
    HFAP_FN ap_int_base<hlsflow_ap::imax(I, 1), S> to_ap_int_base(bool = true) const {
        return ap_int_base<hlsflow_ap::imax(I, 1), S>::from_pattern(
            (typename ap_int_base<hlsflow_ap::imax(I, 1), S>::raw_t)trunc_pattern());
    }

    // --- conversions ---
    HFAP_FN double to_double() const { return hlsflow_ap::scaled_double(raw_, S, I - W); }
    HFAP_FN float to_float() const { return hlsflow_ap::scaled_float(raw_, S, I - W); }
    HFAP_FN int to_int() const { return (int)(uint32_t)trunc_pattern(); }
    HFAP_FN unsigned to_uint() const { return (unsigned)trunc_pattern(); }
    HFAP_FN ap_slong to_int64() const { return (ap_slong)(uint64_t)trunc_pattern(); }
    HFAP_FN ap_ulong to_uint64() const { return (ap_ulong)(uint64_t)trunc_pattern(); }
    HFAP_FN long to_long() const { return (long)to_int64(); }
    HFAP_FN unsigned long to_ulong() const { return (unsigned long)to_uint64(); }
    HFAP_FN char to_char() const { return (char)to_int(); }

    HFAP_FN operator long double() const { return (long double)to_double(); }
    HFAP_FN operator double() const { return to_double(); }
    HFAP_FN operator float() const { return to_float(); }
    HFAP_FN operator bool() const { return raw_ != 0; }
    HFAP_FN operator char() const { return (char)to_int(); }
    HFAP_FN operator signed char() const { return (signed char)to_int(); }
    HFAP_FN operator unsigned char() const { return (unsigned char)to_uint(); }
    HFAP_FN operator short() const { return (short)to_int(); }
    HFAP_FN operator unsigned short() const { return (unsigned short)to_uint(); }
    HFAP_FN operator int() const { return to_int(); }
    HFAP_FN operator unsigned int() const { return to_uint(); }
    HFAP_FN operator long() const { return (long)to_int64(); }
    HFAP_FN operator unsigned long() const { return (unsigned long)to_uint64(); }
    HFAP_FN operator ap_slong() const { return to_int64(); }
    HFAP_FN operator ap_ulong() const { return to_uint64(); }

    // --- queries and bit access ---
    HFAP_FN int length() const { return W; }
    HFAP_FN int wl() const { return W; }
    HFAP_FN int iwl() const { return I; }
    HFAP_FN ap_q_mode q_mode() const { return Q; }
    HFAP_FN ap_o_mode o_mode() const { return O; }
    HFAP_FN int n_bits() const { return N; }
    HFAP_FN bool is_zero() const { return raw_ == 0; }
    HFAP_FN bool is_neg() const { return hlsflow_ap::is_neg(raw_, S); }
    HFAP_FN int countLeadingZeros() const { return hlsflow_ap::leading_zeros(raw_, W); }
    HFAP_FN bool operator!() const { return raw_ == 0; }
    HFAP_RT af_range_ref<W, I, S, Q, O, N> range(int hi, int lo) const {
        return af_range_ref<W, I, S, Q, O, N>(this, hi, lo);
    }
    HFAP_RT af_range_ref<W, I, S, Q, O, N> range() const { return af_range_ref<W, I, S, Q, O, N>(this, W - 1, 0); }
    HFAP_RT af_range_ref<W, I, S, Q, O, N> operator()(int hi, int lo) const { return range(hi, lo); }
    template <int W2, bool S2, int W3, bool S3>
    HFAP_RT af_range_ref<W, I, S, Q, O, N> range(const ap_int_base<W2, S2>& hi, const ap_int_base<W3, S3>& lo) const {
        return range(hi.to_int(), lo.to_int());
    }
    HFAP_RT af_bit_ref<W, I, S, Q, O, N> operator[](int i) const { return af_bit_ref<W, I, S, Q, O, N>(this, i); }
    HFAP_RT af_bit_ref<W, I, S, Q, O, N> bit(int i) const { return af_bit_ref<W, I, S, Q, O, N>(this, i); }
    HFAP_FN bool get_bit(int i) const { return ((raw_ >> (i + W - I)) & 1) != 0; }

    // --- compound assignment: exact result, then this type's Q and O ---
#define HFAP_FX_COMPOUND(op)                                                                          \
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>                            \
    HFAP_FN ap_fixed_base& operator op##=(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& o) {           \
        return *this = ap_fixed_base(*this op o);                                                     \
    }                                                                                                 \
    template <int W2, bool S2>                                                                        \
    HFAP_FN ap_fixed_base& operator op##=(const ap_int_base<W2, S2>& o) {                             \
        return *this = ap_fixed_base(*this op ap_fixed_base<W2, W2, S2>(o));                          \
    }                                                                                                 \
    template <class T, class = hlsflow_ap::if_c_int<T>>                                               \
    HFAP_FN ap_fixed_base& operator op##=(T v) {                                                      \
        return *this = ap_fixed_base(                                                                 \
                   *this op ap_fixed_base<hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::width,   \
                                          hlsflow_ap::c_int<T>::sgn>(v));                             \
    }
    HFAP_FX_COMPOUND(+)
    HFAP_FX_COMPOUND(-)
    HFAP_FX_COMPOUND(*)
    HFAP_FX_COMPOUND(/)
#undef HFAP_FX_COMPOUND

    HFAP_FN ap_fixed_base& operator++() { return operator+=(ap_fixed_base<1, 1, false>(1)); }
    HFAP_FN ap_fixed_base& operator--() { return operator-=(ap_fixed_base<1, 1, false>(1)); }
    HFAP_FN const ap_fixed_base operator++(int) {
        ap_fixed_base t = *this;
        operator++();
        return t;
    }
    HFAP_FN const ap_fixed_base operator--(int) {
        ap_fixed_base t = *this;
        operator--();
        return t;
    }

    // --- unary ---
    HFAP_FN ap_fixed_base operator+() const { return *this; }
    HFAP_FN typename hlsflow_ap::fixed_of<W + 1, I + 1, true>::type operator-() const {
        typename hlsflow_ap::fixed_of<W + 1, I + 1, true>::type r;
        typedef typename hlsflow_ap::word_for<W + 1>::type RU;
        r.raw_ = (RU)((RU)0 - hlsflow_ap::recast<RU>(raw_, S));
        return r;
    }
    HFAP_FN ap_fixed_base<W, I, S> operator~() const {
        ap_fixed_base<W, I, S> r;
        r.raw_ = hlsflow_ap::extend((raw_t)~raw_, W, S);
        return r;
    }

    // --- shifts: the bits move within this type (no quantisation / overflow handling) ---
    HFAP_FN ap_fixed_base shl_u(unsigned k) const {
        ap_fixed_base r;
        r.raw_ = k >= (unsigned)W ? (raw_t)0 : hlsflow_ap::extend((raw_t)(raw_ << k), W, S);
        return r;
    }
    HFAP_FN ap_fixed_base shr_u(unsigned k) const {
        ap_fixed_base r;
        r.raw_ = hlsflow_ap::shr(raw_, k >= (unsigned)W ? hlsflow_ap::word_info<raw_t>::bits : (int)k, S);
        return r;
    }
    HFAP_FN ap_fixed_base operator<<(unsigned int k) const { return shl_u(k); }
    HFAP_FN ap_fixed_base operator>>(unsigned int k) const { return shr_u(k); }
    HFAP_FN ap_fixed_base operator<<(int k) const { return k < 0 ? shr_u(0u - (unsigned)k) : shl_u((unsigned)k); }
    HFAP_FN ap_fixed_base operator>>(int k) const { return k < 0 ? shl_u(0u - (unsigned)k) : shr_u((unsigned)k); }
    template <int W2, bool S2>
    HFAP_FN ap_fixed_base operator<<(const ap_int_base<W2, S2>& k) const {
        return S2 ? operator<<(k.to_int()) : operator<<(k.to_uint());
    }
    template <int W2, bool S2>
    HFAP_FN ap_fixed_base operator>>(const ap_int_base<W2, S2>& k) const {
        return S2 ? operator>>(k.to_int()) : operator>>(k.to_uint());
    }
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_FN ap_fixed_base operator<<(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& k) const {
        return operator<<(k.to_ap_int_base());
    }
    template <int W2, int I2, bool S2, ap_q_mode Q2, ap_o_mode O2, int N2>
    HFAP_FN ap_fixed_base operator>>(const ap_fixed_base<W2, I2, S2, Q2, O2, N2>& k) const {
        return operator>>(k.to_ap_int_base());
    }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_FN ap_fixed_base operator<<(T k) const {
        return hlsflow_ap::c_int<T>::sgn ? operator<<((int)k) : operator<<((unsigned)k);
    }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_FN ap_fixed_base operator>>(T k) const {
        return hlsflow_ap::c_int<T>::sgn ? operator>>((int)k) : operator>>((unsigned)k);
    }
    HFAP_FN ap_fixed_base& operator<<=(int k) { return *this = operator<<(k); }
    HFAP_FN ap_fixed_base& operator<<=(unsigned int k) { return *this = operator<<(k); }
    HFAP_FN ap_fixed_base& operator>>=(int k) { return *this = operator>>(k); }
    HFAP_FN ap_fixed_base& operator>>=(unsigned int k) { return *this = operator>>(k); }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_FN ap_fixed_base& operator<<=(T k) {
        return *this = operator<<((int)k);
    }
    template <class T, class = hlsflow_ap::if_c_int<T>>
    HFAP_FN ap_fixed_base& operator>>=(T k) {
        return *this = operator>>((int)k);
    }
    template <int W2, bool S2>
    HFAP_FN ap_fixed_base& operator<<=(const ap_int_base<W2, S2>& k) { return *this = operator<<(k.to_int()); }
    template <int W2, bool S2>
    HFAP_FN ap_fixed_base& operator>>=(const ap_int_base<W2, S2>& k) { return *this = operator>>(k.to_int()); }

    std::string to_string(int radix = 2, bool sign = S) const;
};

// ---------------------------------------------------------------------------------------
// The user-facing types.
// ---------------------------------------------------------------------------------------
template <int W>
struct ap_int : ap_int_base<W, true> {
    typedef ap_int_base<W, true> Base;
    using Base::Base;
    HFAP_FN ap_int() : Base() {}
    HFAP_FN ap_int(const Base& o) : Base(o) {}
};

template <int W>
struct ap_uint : ap_int_base<W, false> {
    typedef ap_int_base<W, false> Base;
    using Base::Base;
    HFAP_FN ap_uint() : Base() {}
    HFAP_FN ap_uint(const Base& o) : Base(o) {}
};

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct ap_fixed : ap_fixed_base<W, I, true, Q, O, N> {
    typedef ap_fixed_base<W, I, true, Q, O, N> Base;
    using Base::Base;
    HFAP_FN ap_fixed() : Base() {}
    HFAP_FN ap_fixed(const Base& o) : Base() { this->raw_ = o.raw_; }
};

template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct ap_ufixed : ap_fixed_base<W, I, false, Q, O, N> {
    typedef ap_fixed_base<W, I, false, Q, O, N> Base;
    using Base::Base;
    HFAP_FN ap_ufixed() : Base() {}
    HFAP_FN ap_ufixed(const Base& o) : Base() { this->raw_ = o.raw_; }
};

// ---------------------------------------------------------------------------------------
// Arithmetic. Results are wide enough to be exact (widths as in the vendor API).
// ---------------------------------------------------------------------------------------
namespace hlsflow_ap {

template <class R, int F1, bool S1, int F2, bool S2, class U1, class U2>
HFAP_FN R add_raw(U1 a, U2 b) {
    typedef typename R::raw_t U;
    R r;
    r.raw_ = (U)(shl(recast<U>(a, S1), R::frac - F1) + shl(recast<U>(b, S2), R::frac - F2));
    return r;
}
template <class R, int F1, bool S1, int F2, bool S2, class U1, class U2>
HFAP_FN R sub_raw(U1 a, U2 b) {
    typedef typename R::raw_t U;
    R r;
    r.raw_ = (U)(shl(recast<U>(a, S1), R::frac - F1) - shl(recast<U>(b, S2), R::frac - F2));
    return r;
}
template <class R, bool S1, bool S2, class U1, class U2>
HFAP_FN R mul_raw(U1 a, U2 b) {
    typedef typename R::raw_t U;
    R r;
    r.raw_ = (U)(recast<U>(a, S1) * recast<U>(b, S2));
    return r;
}

// |x| of a pattern as an unsigned 128-bit number
template <class U>
HFAP_FN u128 magnitude(U x, bool sgn) {
    return is_neg(x, sgn) ? (u128)((u128)0 - recast<u128>(x, sgn)) : recast<u128>(x, sgn);
}

// (a * 2^sh) / b truncated toward zero (C division of the exact values)
template <class R, bool S1, bool S2, class U1, class U2>
HFAP_FN R div_raw(U1 a, U2 b, int sh) {
    typedef typename R::raw_t U;
    R r;
    const u128 q = (u128)(magnitude(a, S1) << sh) / magnitude(b, S2);
    r.raw_ = extend(recast<U>(is_neg(a, S1) != is_neg(b, S2) ? (u128)((u128)0 - q) : q, false), R::width,
                    R::sign_flag);
    return r;
}

// Integer division and remainder as the vendor model computes them: both operands are
// widened (each by its own signedness) to M = max(W1, W2) + (S1 || S2) bits in a register
// whose signedness is that of the wider operand (either signed one for equal widths);
// an unsigned register reads a negative operand as 2^M + value. Division truncates
// toward zero; the remainder is C's for a signed dividend in a signed register, else the
// unsigned remainder of the two M-bit patterns.
template <int W1, bool S1, int W2, bool S2>
struct int_div_rule {
    static constexpr int m = imax(W1 + (S1 || S2), W2 + (S1 || S2));
    static constexpr bool reg_signed = W1 > W2 ? S1 : W2 > W1 ? S2 : (S1 || S2);
    static_assert(m <= 128, "hlsflow sim ap_types: ap_[u]int division needs more than 128 bits here");
};

template <class U>
HFAP_FN u128 reg_magnitude(U x, bool sx, int m, bool reg_signed) {
    return reg_signed ? magnitude(x, sx) : extend(recast<u128>(x, sx), m, false);
}

template <class R, int W1, bool S1, int W2, bool S2, class U1, class U2>
HFAP_FN R idiv_raw(U1 a, U2 b) {
    typedef int_div_rule<W1, S1, W2, S2> D;
    typedef typename R::raw_t U;
    R r;
    const u128 q = reg_magnitude(a, S1, D::m, D::reg_signed) / reg_magnitude(b, S2, D::m, D::reg_signed);
    const bool neg = D::reg_signed && (is_neg(a, S1) != is_neg(b, S2));
    r.raw_ = extend(recast<U>(neg ? (u128)((u128)0 - q) : q, false), R::width, R::sign_flag);
    return r;
}

template <class R, int W1, bool S1, int W2, bool S2, class U1, class U2>
HFAP_FN R imod_raw(U1 a, U2 b) {
    typedef int_div_rule<W1, S1, W2, S2> D;
    typedef typename R::raw_t U;
    R r;
    const bool c_rem = S1 && D::reg_signed;
    const u128 m = reg_magnitude(a, S1, D::m, c_rem) % reg_magnitude(b, S2, D::m, c_rem);
    r.raw_ = extend(recast<U>(c_rem && is_neg(a, S1) ? (u128)((u128)0 - m) : m, false), R::width, R::sign_flag);
    return r;
}

// fixed-point views of the integer operands
template <int W, bool S>
struct int_view {
    typedef ap_fixed_base<W, W, S> type;
};
template <class T>
struct c_view {
    typedef ap_fixed_base<c_int<T>::width, c_int<T>::width, c_int<T>::sgn> type;
};

}  // namespace hlsflow_ap

#define HFAP_FX_PARAMS(n) int W##n, int I##n, bool S##n, ap_q_mode Q##n, ap_o_mode O##n, int N##n
#define HFAP_FX(n) ap_fixed_base<W##n, I##n, S##n, Q##n, O##n, N##n>

template <HFAP_FX_PARAMS(1), HFAP_FX_PARAMS(2)>
HFAP_FN typename hlsflow_ap::fx_types<W1, I1, S1, W2, I2, S2>::plus operator+(const HFAP_FX(1) & a, const HFAP_FX(2) & b) {
    return hlsflow_ap::add_raw<typename hlsflow_ap::fx_types<W1, I1, S1, W2, I2, S2>::plus, W1 - I1, S1, W2 - I2, S2>(
        a.raw_, b.raw_);
}
template <HFAP_FX_PARAMS(1), HFAP_FX_PARAMS(2)>
HFAP_FN typename hlsflow_ap::fx_types<W1, I1, S1, W2, I2, S2>::minus operator-(const HFAP_FX(1) & a, const HFAP_FX(2) & b) {
    return hlsflow_ap::sub_raw<typename hlsflow_ap::fx_types<W1, I1, S1, W2, I2, S2>::minus, W1 - I1, S1, W2 - I2, S2>(
        a.raw_, b.raw_);
}
template <HFAP_FX_PARAMS(1), HFAP_FX_PARAMS(2)>
HFAP_FN typename hlsflow_ap::fx_types<W1, I1, S1, W2, I2, S2>::mult operator*(const HFAP_FX(1) & a, const HFAP_FX(2) & b) {
    return hlsflow_ap::mul_raw<typename hlsflow_ap::fx_types<W1, I1, S1, W2, I2, S2>::mult, S1, S2>(a.raw_, b.raw_);
}

template <HFAP_FX_PARAMS(1), HFAP_FX_PARAMS(2)>
HFAP_FN typename hlsflow_ap::fx_types<W1, I1, S1, W2, I2, S2>::div operator/(const HFAP_FX(1) & a, const HFAP_FX(2) & b) {
    return hlsflow_ap::div_raw<typename hlsflow_ap::fx_types<W1, I1, S1, W2, I2, S2>::div, S1, S2>(
        a.raw_, b.raw_, hlsflow_ap::imax(W2 - I2, 0));
}

// fixed (op) ap_int, ap_int (op) fixed, fixed (op) C integer, C integer (op) fixed
#define HFAP_FX_MIXED(op, kind)                                                                                   \
    template <HFAP_FX_PARAMS(1), int W2, bool S2>                                                                 \
    HFAP_FN typename hlsflow_ap::fx_types<W1, I1, S1, W2, W2, S2>::kind operator op(const HFAP_FX(1) & a,         \
                                                                                    const ap_int_base<W2, S2>& b) { \
        return a op typename hlsflow_ap::int_view<W2, S2>::type(b);                                               \
    }                                                                                                             \
    template <HFAP_FX_PARAMS(1), int W2, bool S2>                                                                 \
    HFAP_FN typename hlsflow_ap::fx_types<W2, W2, S2, W1, I1, S1>::kind operator op(const ap_int_base<W2, S2>& b, \
                                                                                    const HFAP_FX(1) & a) {       \
        return typename hlsflow_ap::int_view<W2, S2>::type(b) op a;                                               \
    }                                                                                                             \
    template <HFAP_FX_PARAMS(1), class T>                                                                         \
    HFAP_FN typename hlsflow_ap::fx_types<W1, I1, S1, hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::width,   \
                                         hlsflow_ap::c_int<T>::sgn>::kind                                         \
    operator op(const HFAP_FX(1) & a, T b) {                                                                      \
        return a op typename hlsflow_ap::c_view<T>::type(b);                                                      \
    }                                                                                                             \
    template <HFAP_FX_PARAMS(1), class T>                                                                         \
    HFAP_FN typename hlsflow_ap::fx_types<hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::width,               \
                                         hlsflow_ap::c_int<T>::sgn, W1, I1, S1>::kind                             \
    operator op(T b, const HFAP_FX(1) & a) {                                                                      \
        return typename hlsflow_ap::c_view<T>::type(b) op a;                                                      \
    }
HFAP_FX_MIXED(+, plus)
HFAP_FX_MIXED(-, minus)
HFAP_FX_MIXED(*, mult)
HFAP_FX_MIXED(/, div)
#undef HFAP_FX_MIXED

// ap_int (op) ap_int, ap_int (op) C integer
template <int W1, bool S1, int W2, bool S2>
HFAP_FN typename hlsflow_ap::int_types<W1, S1, W2, S2>::plus operator+(const ap_int_base<W1, S1>& a,
                                                                        const ap_int_base<W2, S2>& b) {
    return hlsflow_ap::add_raw<typename hlsflow_ap::int_types<W1, S1, W2, S2>::plus, 0, S1, 0, S2>(a.raw_, b.raw_);
}
template <int W1, bool S1, int W2, bool S2>
HFAP_FN typename hlsflow_ap::int_types<W1, S1, W2, S2>::minus operator-(const ap_int_base<W1, S1>& a,
                                                                         const ap_int_base<W2, S2>& b) {
    return hlsflow_ap::sub_raw<typename hlsflow_ap::int_types<W1, S1, W2, S2>::minus, 0, S1, 0, S2>(a.raw_, b.raw_);
}
template <int W1, bool S1, int W2, bool S2>
HFAP_FN typename hlsflow_ap::int_types<W1, S1, W2, S2>::mult operator*(const ap_int_base<W1, S1>& a,
                                                                        const ap_int_base<W2, S2>& b) {
    return hlsflow_ap::mul_raw<typename hlsflow_ap::int_types<W1, S1, W2, S2>::mult, S1, S2>(a.raw_, b.raw_);
}
template <int W1, bool S1, int W2, bool S2>
HFAP_FN typename hlsflow_ap::int_types<W1, S1, W2, S2>::div operator/(const ap_int_base<W1, S1>& a,
                                                                       const ap_int_base<W2, S2>& b) {
    return hlsflow_ap::idiv_raw<typename hlsflow_ap::int_types<W1, S1, W2, S2>::div, W1, S1, W2, S2>(a.raw_, b.raw_);
}
template <int W1, bool S1, int W2, bool S2>
HFAP_FN typename hlsflow_ap::int_types<W1, S1, W2, S2>::mod operator%(const ap_int_base<W1, S1>& a,
                                                                       const ap_int_base<W2, S2>& b) {
    return hlsflow_ap::imod_raw<typename hlsflow_ap::int_types<W1, S1, W2, S2>::mod, W1, S1, W2, S2>(a.raw_, b.raw_);
}
#define HFAP_INT_LOGIC(op)                                                                                     \
    template <int W1, bool S1, int W2, bool S2>                                                                \
    HFAP_FN typename hlsflow_ap::int_types<W1, S1, W2, S2>::logic operator op(const ap_int_base<W1, S1>& a,     \
                                                                               const ap_int_base<W2, S2>& b) { \
        typedef typename hlsflow_ap::int_types<W1, S1, W2, S2>::logic R;                                       \
        R r;                                                                                                   \
        r.raw_ = (typename R::raw_t)(hlsflow_ap::recast<typename R::raw_t>(a.raw_, S1)                         \
                                         op hlsflow_ap::recast<typename R::raw_t>(b.raw_, S2));                \
        return r;                                                                                              \
    }
HFAP_INT_LOGIC(&)
HFAP_INT_LOGIC(|)
HFAP_INT_LOGIC(^)
#undef HFAP_INT_LOGIC

#define HFAP_INT_WITH_C(op, kind)                                                                               \
    template <int W1, bool S1, class T>                                                                         \
    HFAP_FN typename hlsflow_ap::int_types<W1, S1, hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>::kind \
    operator op(const ap_int_base<W1, S1>& a, T b) {                                                            \
        return a op ap_int_base<hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>(b);                     \
    }                                                                                                           \
    template <int W1, bool S1, class T>                                                                         \
    HFAP_FN typename hlsflow_ap::int_types<hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn, W1, S1>::kind \
    operator op(T b, const ap_int_base<W1, S1>& a) {                                                            \
        return ap_int_base<hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>(b) op a;                     \
    }
HFAP_INT_WITH_C(+, plus)
HFAP_INT_WITH_C(-, minus)
HFAP_INT_WITH_C(*, mult)
HFAP_INT_WITH_C(&, logic)
HFAP_INT_WITH_C(|, logic)
HFAP_INT_WITH_C(^, logic)
#undef HFAP_INT_WITH_C

// ap_int / and % with a C integer; with the C integer on the left the vendor's result type
// is the one of (ap_int op C integer), which the quotient / remainder is wrapped into
#define HFAP_INT_DIV_WITH_C(op, kind)                                                                           \
    template <int W1, bool S1, class T>                                                                         \
    HFAP_FN typename hlsflow_ap::int_types<W1, S1, hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>::kind \
    operator op(const ap_int_base<W1, S1>& a, T b) {                                                            \
        return a op ap_int_base<hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>(b);                     \
    }                                                                                                           \
    template <int W1, bool S1, class T>                                                                         \
    HFAP_FN typename hlsflow_ap::int_types<W1, S1, hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>::kind \
    operator op(T b, const ap_int_base<W1, S1>& a) {                                                            \
        return typename hlsflow_ap::int_types<W1, S1, hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>::kind( \
            ap_int_base<hlsflow_ap::c_int<T>::width, hlsflow_ap::c_int<T>::sgn>(b) op a);                       \
    }
HFAP_INT_DIV_WITH_C(/, div)
HFAP_INT_DIV_WITH_C(%, mod)
#undef HFAP_INT_DIV_WITH_C

// ap_int (op) floating point: through the 64-bit integer conversion, result in C type
#define HFAP_INT_WITH_FLOAT(op, F)                                                       \
    template <int W1, bool S1>                                                           \
    HFAP_RT F operator op(const ap_int_base<W1, S1>& a, F b) {                           \
        return (typename ap_int_base<W1, S1>::RetType)a op b;                            \
    }                                                                                    \
    template <int W1, bool S1>                                                           \
    HFAP_RT F operator op(F b, const ap_int_base<W1, S1>& a) {                           \
        return b op(typename ap_int_base<W1, S1>::RetType) a;                            \
    }
HFAP_INT_WITH_FLOAT(+, double)
HFAP_INT_WITH_FLOAT(-, double)
HFAP_INT_WITH_FLOAT(*, double)
HFAP_INT_WITH_FLOAT(/, double)
HFAP_INT_WITH_FLOAT(+, float)
HFAP_INT_WITH_FLOAT(-, float)
HFAP_INT_WITH_FLOAT(*, float)
HFAP_INT_WITH_FLOAT(/, float)
#undef HFAP_INT_WITH_FLOAT

// ap_int shifts by C integers (result keeps the left operand's type)
template <int W1, bool S1, class T, class = hlsflow_ap::if_c_int<T>>
HFAP_FN ap_int_base<W1, S1> operator<<(const ap_int_base<W1, S1>& a, T k) {
    return hlsflow_ap::c_int<T>::sgn ? a.shl_s((long long)k) : a.shl_u((unsigned long long)k);
}
template <int W1, bool S1, class T, class = hlsflow_ap::if_c_int<T>>
HFAP_FN ap_int_base<W1, S1> operator>>(const ap_int_base<W1, S1>& a, T k) {
    return hlsflow_ap::c_int<T>::sgn ? a.shr_s((long long)k) : a.shr_u((unsigned long long)k);
}

// ---------------------------------------------------------------------------------------
// Comparisons between any two of: ap_[u]fixed, ap_[u]int, C integers (at least one of
// them an ap type). Vendor semantics, see hlsflow_ap::cmp_rule.
// ---------------------------------------------------------------------------------------
namespace hlsflow_ap {

template <int W, bool S, int F>
struct num_view {
    static constexpr int w = W;
    static constexpr bool s = S;
    static constexpr int f = F;
};
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
num_view<W, S, W - I> view_of(const ap_fixed_base<W, I, S, Q, O, N>*);
template <int W, bool S>
num_view<W, S, 0> view_of(const ap_int_base<W, S>*);

template <class T, class = void>
struct operand {};
template <class T>
struct operand<T, decltype((void)view_of((const T*)0))> {
    typedef decltype(view_of((const T*)0)) view;
    static constexpr bool ap = true;
    static HFAP_FN decltype(T().raw_) raw(const T& x) { return x.raw_; }
};
template <class T>
struct operand<T, typename std::enable_if<(c_int<T>::width > 0)>::type> {
    typedef num_view<c_int<T>::width, c_int<T>::sgn, 0> view;
    static constexpr bool ap = false;
    static HFAP_FN uint64_t raw(T x) { return c_int<T>::pattern(x); }
};

template <class A, class B>
using if_cmp = typename std::enable_if<(operand<A>::ap || operand<B>::ap), bool>::type;

}  // namespace hlsflow_ap

#define HFAP_VIEWS                                                 \
    typedef typename hlsflow_ap::operand<A>::view VA;             \
    typedef typename hlsflow_ap::operand<B>::view VB;
#define HFAP_ARGS VA::w, VA::s, VA::f, VB::w, VB::s, VB::f
#define HFAP_RAWS hlsflow_ap::operand<A>::raw(a), hlsflow_ap::operand<B>::raw(b)

template <class A, class B>
HFAP_FN hlsflow_ap::if_cmp<A, B> operator==(const A& a, const B& b) {
    HFAP_VIEWS
    return hlsflow_ap::compare<HFAP_ARGS>(HFAP_RAWS).eq;
}
template <class A, class B>
HFAP_FN hlsflow_ap::if_cmp<A, B> operator!=(const A& a, const B& b) {
    HFAP_VIEWS
    return !hlsflow_ap::compare<HFAP_ARGS>(HFAP_RAWS).eq;
}
template <class A, class B>
HFAP_FN hlsflow_ap::if_cmp<A, B> operator<(const A& a, const B& b) {
    HFAP_VIEWS
    return hlsflow_ap::compare<HFAP_ARGS>(HFAP_RAWS).ord < 0;
}
template <class A, class B>
HFAP_FN hlsflow_ap::if_cmp<A, B> operator>=(const A& a, const B& b) {
    HFAP_VIEWS
    return hlsflow_ap::compare<HFAP_ARGS>(HFAP_RAWS).ord >= 0;
}
template <class A, class B>
HFAP_FN hlsflow_ap::if_cmp<A, B> operator>(const A& a, const B& b) {
    HFAP_VIEWS
    return hlsflow_ap::compare<HFAP_ARGS>(HFAP_RAWS).ord > 0;
}
template <class A, class B>
HFAP_FN hlsflow_ap::if_cmp<A, B> operator<=(const A& a, const B& b) {
    HFAP_VIEWS
    return hlsflow_ap::compare<HFAP_ARGS>(HFAP_RAWS).ord <= 0;
}
#undef HFAP_VIEWS
#undef HFAP_ARGS
#undef HFAP_RAWS

// ap_[u]fixed against floating point: through to_double()
#define HFAP_FX_REL_DOUBLE(op)                                                                      \
    template <HFAP_FX_PARAMS(1)>                                                                    \
    HFAP_RT bool operator op(const HFAP_FX(1) & a, double d) { return a.to_double() op d; }         \
    template <HFAP_FX_PARAMS(1)>                                                                    \
    HFAP_RT bool operator op(double d, const HFAP_FX(1) & a) { return d op a.to_double(); }
HFAP_FX_REL_DOUBLE(==)
HFAP_FX_REL_DOUBLE(!=)
HFAP_FX_REL_DOUBLE(<)
HFAP_FX_REL_DOUBLE(<=)
HFAP_FX_REL_DOUBLE(>)
HFAP_FX_REL_DOUBLE(>=)
#undef HFAP_FX_REL_DOUBLE

// ---------------------------------------------------------------------------------------
// Text: to_string() and stream output in the vendor's format.
// ---------------------------------------------------------------------------------------
namespace hlsflow_ap {

inline std::string dec_digits(u128 v) {
    char buf[48];
    int n = 0;
    do {
        buf[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    std::string r;
    while (n) r += buf[--n];
    return r;
}

// Digits of the w-bit unsigned number v in radix 2, 8 or 16 with the radix prefix, in
// the vendor's two styles. Up to 64 bits: "0x0" for zero, lower-case digits, and a
// leading 0 when the top digit's high bit is set within the width. Wider: "0" for zero,
// upper-case digits, and a leading 0 whenever the digits use fewer than w bits.
inline std::string pow2_digits(u128 v, int w, int radix, bool negative) {
    const char* prefix = radix == 2 ? "0b" : radix == 8 ? "0o" : "0x";
    const char* alphabet = w > 64 ? "0123456789ABCDEF" : "0123456789abcdef";
    const int step = radix == 2 ? 1 : radix == 8 ? 3 : 4;
    if (v == 0) return w > 64 ? std::string("0") : std::string(prefix) + "0";
    std::string digits;
    int n = 0;
    unsigned top = 0;
    while (v) {
        top = (unsigned)(v & (u128)(radix - 1));
        digits.insert(digits.begin(), alphabet[top]);
        v >>= step;
        ++n;
    }
    if (!negative && n * step < w && (w > 64 || (top >> (step - 1)) == 1)) digits.insert(digits.begin(), '0');
    return std::string(negative ? "-" : "") + prefix + digits;
}

inline bool nonzero_digit(char c) { return c >= '1' && c <= '9'; }

// d.ddd e+XX form of a plain decimal string (no sign).
inline std::string sci_format(const std::string& in) {
    if (in.empty()) return in;
    size_t dot = in.find('.');
    if (dot == std::string::npos) dot = in.size();
    size_t first = 0;
    while (!nonzero_digit(in[first])) ++first;
    long e = first > dot ? (long)dot - (long)first : (long)dot - (long)first - 1;
    std::string exp;
    if (e != 0) {
        exp = e < 0 ? "e-" : "e+";
        if (e < 0) e = -e;
        if (e < 10) {
            exp += '0';
            exp += (char)('0' + e);
        } else {
            std::ostringstream ss;
            ss << e;
            exp += ss.str();
        }
    }
    long last = (long)in.size() - 1;
    while (last >= 0 && !nonzero_digit(in[last])) --last;
    std::string out(1, in[first]);
    if ((long)first != last) {
        out += '.';
        for (long i = (long)first + 1; i <= last; ++i)
            if (in[i] != '.') out += in[i];
    }
    return out + exp;
}

// Round an exact decimal string to `prec` significant digits (half up on the digit
// string) and choose plain or scientific notation, as the vendor's stream output does.
inline std::string to_precision(const std::string& in, int prec) {
    bool all_zero = true;
    for (char c : in)
        if (c != '.' && c != '0') all_zero = false;
    if (all_zero) return "0";
    const long len = (long)in.size();
    long first = 0, last = len - 1;
    while (!nonzero_digit(in[first])) ++first;
    while (!nonzero_digit(in[last])) --last;
    long dot = in.find('.') == std::string::npos ? len : (long)in.find('.');
    const bool negative = in[0] == '-';
    long cut;
    if (dot > last) {  // integer digits only
        if (last - first + 1 <= prec) return in;
        cut = first + prec;
    } else if (dot < first) {  // a pure fraction
        if (last - first + 1 <= prec) {
            if (first - dot - 1 < 4) return in;
            return negative ? "-" + sci_format(in.substr(1)) : sci_format(in);
        }
        cut = first + prec;
    } else {
        if (last - first <= prec) return in;
        cut = first + prec + 1;
    }
    // work on "0" + digits (the leading 0 absorbs a carry out of the top digit)
    std::string d = "0" + (negative ? in.substr(1) : in);
    if (!negative) ++cut;
    if (cut < (long)d.size() && d[cut] > '4') {
        for (long i = cut - 1; i >= 0; --i) {
            if (d[i] == '.') continue;
            if (d[i] == '9') {
                d[i] = '0';
            } else {
                ++d[i];
                break;
            }
        }
    }
    size_t p = 0;
    if (d[0] != '1')
        while (!nonzero_digit(d[p])) ++p;
    for (int kept = 0; p < d.size(); ++p) {
        if (d[p] == '.') continue;
        if (++kept > prec) d[p] = '0';
    }
    long end;
    if (d.find('.') == std::string::npos) {
        end = (long)d.size();
    } else {
        for (end = (long)d.size() - 1; end >= 0; --end) {
            if (d[end] == '.') break;
            if (d[end] != '0') {
                ++end;
                break;
            }
        }
    }
    d = d[0] == '1' ? d.substr(0, end) : d.substr(1, end - 1);
    const std::string sign = negative ? "-" : "";
    const size_t dp = d.find('.');
    if (dp != std::string::npos) {
        size_t z = dp + 1;
        while (z < d.size() && d[z] == '0') ++z;
        return sign + (z - dp - 1 < 4 ? d : sci_format(d));
    }
    return sign + ((long)d.size() <= prec ? d : sci_format(d));
}

}  // namespace hlsflow_ap

template <int W, bool S>
inline std::string ap_int_base<W, S>::to_string(int radix, bool sign) const {
    using namespace hlsflow_ap;
    const bool neg = is_neg(raw_, S);
    if (radix == 10) {
        const u128 v = recast<u128>(raw_, S);
        return S && neg ? "-" + dec_digits((u128)0 - v) : dec_digits(extend(v, W, false));
    }
    const bool show_neg = radix != 2 && sign && neg;
    const u128 v = extend(recast<u128>(raw_, S), W, false);
    return pow2_digits(show_neg ? extend((u128)((u128)0 - v), W, false) : v, W, radix, show_neg);
}

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
inline std::string ap_fixed_base<W, I, S, Q, O, N>::to_string(int radix, bool sign) const {
    using namespace hlsflow_ap;
    if (radix == 2) sign = false;
    const bool neg = sign && hlsflow_ap::is_neg(raw_, S);
    // |value| (or the (W+1)-bit pattern when printed unsigned) as integer and fraction
    typedef typename word_for<W + 1 <= 128 ? W + 1 : 128>::type U;
    U mag = recast<U>(raw_, S);
    if (neg) mag = (U)((U)0 - mag);
    mag = extend(mag, imin(W + 1, 128), false);
    const int f = W - I;
    std::string out = neg ? "-" : "";
    const int step = radix == 2 ? 1 : radix == 8 ? 3 : radix == 16 ? 4 : 0;
    // integer part: bits above the binary point of the (W+1)-bit magnitude
    if (I > 0) {
        const u128 ip = f >= 0 ? (u128)shr(mag, f, false) : shl((u128)mag, -f);
        out += radix == 10 ? dec_digits(ip) : pow2_digits(ip, I + 1, radix, false);
    } else {
        out += radix == 10 ? "0" : std::string(radix == 2 ? "0b" : radix == 8 ? "0o" : "0x") + "0";
    }
    if (f <= 0) return out;
    U fr = f >= word_info<U>::bits ? mag : (U)(mag & (U)(((U)1 << f) - 1));
    if (fr == 0) return out;
    out += '.';
    if (radix == 10) {
        // exact decimal expansion: multiply the fraction by 10 until it vanishes
        // (uses a 192-bit product split into 64-bit limbs when needed)
        uint64_t limb[3] = {(uint64_t)fr, (uint64_t)((u128)fr >> 64), 0};
        const int nl = (f + 63) / 64 + 1;
        for (;;) {
            bool any = false;
            u128 carry = 0;
            for (int k = 0; k < nl; ++k) {
                const u128 t = (u128)limb[k] * 10 + carry;
                limb[k] = (uint64_t)t;
                carry = t >> 64;
            }
            // the digit is the part above bit f
            int digit;
            if (f % 64 == 0) {
                digit = (int)limb[f / 64];
                limb[f / 64] = 0;
            } else {
                digit = (int)(limb[f / 64] >> (f % 64));
                limb[f / 64] &= (1ull << (f % 64)) - 1;
            }
            out += (char)('0' + digit);
            for (int k = 0; k < nl; ++k) any = any || limb[k] != 0;
            if (!any) break;
        }
    } else {
        for (int i = f - 1; i >= 0; i -= step) {
            const int lo = i - step + 1;
            unsigned digit = (unsigned)get_bits(fr, i, lo < 0 ? 0 : lo);
            if (lo < 0) digit <<= -lo;
            out += "0123456789abcdef"[digit];
        }
        if (radix == 16) out += "p0";
    }
    return out;
}

template <int W, bool S>
inline std::ostream& operator<<(std::ostream& os, const ap_int_base<W, S>& x) {
    const std::ios_base::fmtflags ff = std::cout.flags();  // (sic) as in the vendor model
    if (ff & std::ios_base::hex)
        os << x.to_string(16);
    else if (ff & std::ios_base::oct)
        os << x.to_string(8);
    else
        os << x.to_string(10);
    return os;
}

template <HFAP_FX_PARAMS(1)>
inline std::ostream& operator<<(std::ostream& os, const HFAP_FX(1) & x) {
    const unsigned width = (unsigned)os.width();
    const std::string str = hlsflow_ap::to_precision(x.to_string(10, S1), (int)os.precision());
    const char fill = os.fill();
    for (unsigned i = (unsigned)str.size(); i < width; ++i) os << fill;
    os << str;
    return os;
}

template <int W, bool S>
inline std::ostream& operator<<(std::ostream& os, const ap_range_ref<W, S>& r) {
    return os << r.get().to_string(2);
}
template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
inline std::ostream& operator<<(std::ostream& os, const af_range_ref<W, I, S, Q, O, N>& r) {
    return os << r.get().to_string(2);
}

template <HFAP_FX_PARAMS(1)>
inline std::istream& operator>>(std::istream& is, HFAP_FX(1) & x) {
    double d;
    is >> d;
    x = HFAP_FX(1)(d);
    return is;
}

#endif  // HLSFLOW_SIM_AP_BASE_H
